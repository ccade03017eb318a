-- name: Create :one
INSERT INTO authors (name) VALUES ($1) RETURNING id, created_at;
