-- name: GetAuthor :one
SELECT id, name, bio FROM authors WHERE id = $1;

-- name: get-author-name :one
SELECT name FROM authors WHERE id = $1;
