-- name: GetAuthor :one
SELECT id, name, bio FROM authors WHERE id = $1;

-- name: FindAuthor :many
SELECT id FROM authors WHERE name = 'José';
