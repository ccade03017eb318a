-- name: CreateAuthor :exec
INSERT INTO authors (name, biography) VALUES ($1, $2);
