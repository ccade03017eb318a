-- name: GetAuthor :one
SELECT id, nmae FROM authors WHERE id = $1;

-- name: ListBooks :many
SELECT b.titel FROM books b WHERE b.author_id = $1;
