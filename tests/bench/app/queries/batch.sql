-- name: CopyItems :copyfrom
-- Bulk load (benchmark 5).
INSERT INTO items_copy (id, name, qty, price, active, created_at, ref, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8);

-- name: GetItemBatch :batchone
-- Pipelined point selects (benchmark 5).
SELECT * FROM items WHERE id = $1;
