-- More queries on authors.

-- name: GetAuthor :one
SELECT id, name FROM authors WHERE name = $1;

-- name: ListAuthors :many
SELECT id FROM authors;
