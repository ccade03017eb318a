-- name: Field :many
SELECT body -> 'a' AS a, body ->> 'b' AS b, body #> '{c,d}' AS cd, body #>> $1 AS path_text FROM docs;

-- name: Contains :many
SELECT id FROM docs WHERE body @> $1 AND body ? $2;

-- name: HasAny :many
SELECT id FROM docs WHERE body ?| $1;

-- name: Merge :exec
UPDATE docs SET body = body || $1 WHERE id = $2;

-- name: Build :one
SELECT jsonb_build_object('id', id, 'n', $1::int4) AS obj, jsonb_set(body, '{x}', $2) AS updated
FROM docs WHERE id = $3;

-- name: Agg :one
SELECT jsonb_agg(body) AS all_docs, jsonb_object_agg(id, body) AS by_id FROM docs;

-- name: TypeOf :many
SELECT jsonb_typeof(body) AS t, meta -> 'x' AS mx FROM docs;
