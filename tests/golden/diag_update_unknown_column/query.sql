-- name: Rename :exec
UPDATE authors SET nmae = $1 WHERE id = $2;
