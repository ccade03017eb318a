-- name: GetAuthor :one extra words
SELECT id, name FROM authors WHERE id = $1;
