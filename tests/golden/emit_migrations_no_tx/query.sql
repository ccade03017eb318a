-- name: PinnedNotes :many
SELECT id, body, tag FROM notes WHERE pinned ORDER BY id;
