-- name: GetAuthor :one
SELECT * FROM author;

-- name: ListBooks :many
SELECT * FROM nosuchtable;
