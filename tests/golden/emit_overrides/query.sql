-- name: GetEvent :one
-- A decode error in "note" or later must release payload and extra.
SELECT * FROM events WHERE id = $1;

-- name: GetPayloads :one
SELECT payload, id, extra FROM events WHERE id = $1;

-- name: ListEvents :many
SELECT * FROM events ORDER BY id;

-- name: CreateEvent :one
INSERT INTO events (kind, payload, extra) VALUES ($1, $2, $3) RETURNING id;

-- name: LoadEvents :copyfrom
INSERT INTO events (kind, payload, extra, note) VALUES ($1, $2, $3, $4);

-- name: PatchEvents :batchexec
UPDATE events SET payload = payload || @patch WHERE id = @id;

-- name: GetEventBatch :batchone
SELECT payload, extra FROM events WHERE id = @id;

-- name: ListEventsByKind :batchmany
SELECT * FROM events WHERE kind = @kind ORDER BY id;

-- name: GetEventKindLast :one
-- The enum comes after the JSON: an unknown label must not leak the parsed payload.
SELECT payload, extra, kind FROM events WHERE id = $1;
