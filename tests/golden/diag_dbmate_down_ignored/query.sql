-- name: GetAuthor :one
SELECT id, name, bio FROM authors WHERE id = $1;

-- name: Bad :mny
SELECT 1;
