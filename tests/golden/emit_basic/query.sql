-- name: GetConversation :one
-- A live (not soft-deleted) conversation.
SELECT * FROM conversations
WHERE id = $1 AND deleted_at IS NULL;

-- name: ListMessages :many
-- A page of a conversation's messages, oldest first.
-- min_tokens is an optional filter; "??=" must not become a trigraph.
SELECT id, role, content, tokens, score, tags, created_at
FROM messages
WHERE conversation_id = @conversation_id
  AND role = ANY(@roles::message_role[])
  AND (sqlc.narg(min_tokens)::int IS NULL OR tokens >= sqlc.narg(min_tokens))
  AND content <> '??=\'
ORDER BY id
LIMIT @page_size;

-- name: CreateMessage :one
INSERT INTO messages (conversation_id, role, content, tokens)
VALUES ($1, $2, $3, $4)
RETURNING *;

-- name: GetConversationWithCount :one
SELECT sqlc.embed(conversations), count(m.id) AS message_count
FROM conversations
LEFT JOIN messages m ON m.conversation_id = conversations.id
WHERE conversations.id = @id
GROUP BY conversations.id;

-- name: SetTitle :execrows
UPDATE conversations SET title = @title WHERE id = @id;

-- name: DeleteConversation :exec
DELETE FROM conversations WHERE id = $1;

-- name: PurgeDeleted :execresult
DELETE FROM conversations WHERE deleted_at < now() - @retention::interval;

-- name: MergeMetadata :one
UPDATE conversations SET metadata = metadata || @patch::jsonb
WHERE id = @id
RETURNING metadata;

-- name: TouchMessage :batchexec
UPDATE messages SET tokens = tokens WHERE id = @id;

-- name: InsertCategory :copyfrom
INSERT INTO categories (name, parent_role) VALUES ($1, $2);

-- name: CountCategoriesByRole :many
SELECT parent_role, count(*) AS "total count"
FROM categories
GROUP BY parent_role;
