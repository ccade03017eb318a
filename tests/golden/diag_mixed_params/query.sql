-- name: Mixed :many
SELECT id FROM authors WHERE id = $1 AND name = @name;

-- name: Mixed2 :many
SELECT id FROM authors WHERE id = sqlc.arg(id) AND name = $2;
