-- name: GetBook :one
SELECT id, title FROM books WHERE id = $1;

-- name: GetAuthor :one
SELECT id, name, nickname FROM authors WHERE id = $1;
