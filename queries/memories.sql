-- name: CreateMemory :one
-- Stores something learnt about the user. conversation_id and expires_at may be NULL.
INSERT INTO memories (user_id, conversation_id, kind, content, importance, metadata, expires_at)
VALUES (@user_id, @conversation_id, @kind, @content, @importance, @metadata, @expires_at)
RETURNING *;

-- name: GetMemory :one
SELECT * FROM memories WHERE id = @id;

-- name: ListMemories :many
-- A user's unexpired memories, most important first. kind and min_importance are optional.
SELECT id, conversation_id, kind, content, importance, access_count, last_accessed_at,
       metadata, created_at, expires_at
FROM memories
WHERE user_id = @user_id
  AND (expires_at IS NULL OR expires_at > now())
  AND (sqlc.narg(kind)::memory_kind IS NULL OR kind = sqlc.narg(kind))
  AND (sqlc.narg(min_importance)::real IS NULL OR importance >= sqlc.narg(min_importance))
ORDER BY importance DESC, created_at DESC
LIMIT @page_size OFFSET @page_offset;

-- name: FindMemoriesByMetadata :many
-- A user's memories whose metadata contains filter, e.g. {"topic": "travel"}.
SELECT id, kind, content, importance, metadata
FROM memories
WHERE user_id = @user_id AND metadata @> @filter::jsonb
ORDER BY importance DESC;

-- name: RecordMemoryAccess :execrows
-- Counts a retrieval of these memories (they were put into a prompt).
UPDATE memories
SET access_count = access_count + 1, last_accessed_at = now()
WHERE id = ANY(@ids::uuid[]);

-- name: UpdateMemoryImportance :batchexec
-- Stores importance scores re-evaluated by the consolidation job, one batch item per memory.
UPDATE memories SET importance = @importance WHERE id = @id;

-- name: DecayMemoryImportance :execrows
-- Lowers the importance of a user's memories not used since idle_since by factor (0..1).
UPDATE memories
SET importance = importance * sqlc.arg(factor)::real
WHERE user_id = sqlc.arg(user_id)
  AND coalesce(last_accessed_at, created_at) < sqlc.arg(idle_since);

-- name: DeleteMemory :execrows
DELETE FROM memories WHERE id = @id AND user_id = @user_id;

-- name: PurgeExpiredMemories :execrows
DELETE FROM memories WHERE expires_at IS NOT NULL AND expires_at <= now();
