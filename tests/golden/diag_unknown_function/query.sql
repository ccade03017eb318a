-- name: Upper :one
SELECT uper(name) FROM authors WHERE id = $1;
