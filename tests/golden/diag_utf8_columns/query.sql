-- name: Café :one
SELECT id FROM authors;

-- name: Ok :one -- été
SELECT 1;
