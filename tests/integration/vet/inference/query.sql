-- name: GetCounter :one
SELECT id, hits, owner FROM counters WHERE id = $1;

-- name: SetHits :exec
UPDATE counters SET hits = @hits WHERE id = @id;

-- name: GetCounterQuiet :one
-- vet: off(column_type, nullability)
SELECT id, hits, owner FROM counters WHERE id = $1;
