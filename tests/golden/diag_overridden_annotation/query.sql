-- name: ListAuthors :many
-- name: ListAuthorNames :many
SELECT name FROM authors;

-- name: Broken :zap
SELECT 1;
