-- name: GetItem :one
-- The point select (benchmarks 2 and 5).
SELECT * FROM items WHERE id = $1;

-- name: ListItems :many
-- The wide :many (benchmark 4): page_size rows from first_id on.
SELECT * FROM items WHERE id >= @first_id ORDER BY id LIMIT @page_size;

-- name: ScanItems :many
-- Every row; the _each variant streams them (benchmark 5, peak RSS).
SELECT * FROM items;

-- name: GetAbalance :one
-- pgbench -S's query (benchmark 3).
SELECT abalance FROM pgbench_accounts WHERE aid = $1;
