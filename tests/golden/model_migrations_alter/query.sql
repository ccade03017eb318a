-- name: GetAccount :one
SELECT * FROM accounts WHERE id = $1;

-- name: Things :many
SELECT a FROM temp_things;

-- name: Copied :many
SELECT * FROM copied;

-- name: Child :many
SELECT * FROM child;
