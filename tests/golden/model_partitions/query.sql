-- name: Latest :many
SELECT * FROM measurements WHERE sensor = $1 ORDER BY taken_at DESC LIMIT 10;

-- name: FromPartition :many
SELECT id, value FROM measurements_default;

-- name: Record :one
INSERT INTO measurements (sensor, value, taken_at) VALUES ($1, $2, $3) RETURNING id;
