-- name: Delete :one
DELETE FROM authors WHERE id = $1;

-- name: Update :many
UPDATE authors SET bio = $1 WHERE id = $2;
