-- name: GetAuthor :one
SELECT id, name, bio FROM authors WHERE id = $1;

-- name: Count :one
SELECT author_count(), nosuch();
