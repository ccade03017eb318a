-- name: One :one
SELECT 1;
