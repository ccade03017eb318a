-- name: A :one
SELECT nmae FROM authors;

-- name: B :mny
SELECT 1;

-- name: C :many
SELECT * FROM boks;

-- name: D :exec
UPDATE authors SET bio = WHERE id = 1;
