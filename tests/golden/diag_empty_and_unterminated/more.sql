-- name: Bad :zzz
SELECT 1;

-- name: GetAuthor :one
SELECT id, name FROM authors WHERE id = $1  -- no semicolon
