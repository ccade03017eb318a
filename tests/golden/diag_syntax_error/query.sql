-- name: GetAuthor :one
SELECT id, name, bio FROM authors WHERE id = $1;

-- name: ListAuthors :many
SELECT id, name FRM authors;

-- name: DeleteAuthor :exec
DELETE FROM authors WHERE id = = $1;

-- name: Unfinished :one
SELECT id FROM authors WHERE name = (
