-- name: CreateConversation :one
-- Starts a conversation for a user. title and model may be NULL (the title is usually
-- filled in later from the first exchange).
INSERT INTO conversations (user_id, title, metadata, model)
VALUES (@user_id, @title, @metadata, @model)
RETURNING *;

-- name: GetConversation :one
-- A live (not soft-deleted) conversation.
SELECT * FROM conversations
WHERE id = $1 AND deleted_at IS NULL;

-- name: GetConversationWithMessageCount :one
-- A conversation with its message count and total tokens, for the conversation header.
SELECT sqlc.embed(conversations),
       count(m.id) AS message_count,
       coalesce(sum(m.token_count), 0)::bigint AS total_tokens
FROM conversations
LEFT JOIN messages m ON m.conversation_id = conversations.id
WHERE conversations.id = @id AND conversations.deleted_at IS NULL
GROUP BY conversations.id;

-- name: ListConversations :many
-- A page of a user's live conversations, pinned first, then by recent activity.
-- pinned and search (a case-insensitive substring of the title) are optional filters.
SELECT id, user_id, title, model, pinned, metadata, created_at, updated_at
FROM conversations
WHERE user_id = @user_id
  AND deleted_at IS NULL
  AND (sqlc.narg(pinned)::boolean IS NULL OR pinned = sqlc.narg(pinned))
  AND (sqlc.narg(search)::text IS NULL OR title ILIKE '%' || sqlc.narg(search) || '%')
ORDER BY pinned DESC, updated_at DESC, id
LIMIT @page_size OFFSET @page_offset;

-- name: ListConversationsWithLastMessage :many
-- The sidebar: a user's live conversations by recent activity, each with a preview of its
-- newest message (NULL columns for an empty conversation). Keyset pagination: pass the last
-- row's updated_at as updated_before to get the next page.
SELECT c.id,
       c.title,
       c.pinned,
       c.updated_at,
       lm.role AS last_role,
       left(lm.content, 200) AS last_content_preview,
       lm.created_at AS last_message_at
FROM conversations c
LEFT JOIN LATERAL (
    SELECT m.role, m.content, m.created_at
    FROM messages m
    WHERE m.conversation_id = c.id
    ORDER BY m.seq DESC
    LIMIT 1
) lm ON true
WHERE c.user_id = @user_id
  AND c.deleted_at IS NULL
  AND (sqlc.narg(updated_before)::timestamptz IS NULL OR c.updated_at < sqlc.narg(updated_before))
ORDER BY c.updated_at DESC
LIMIT @page_size;

-- name: CountConversations :one
-- How many live conversations a user has.
SELECT count(*) AS total
FROM conversations
WHERE user_id = @user_id AND deleted_at IS NULL;

-- name: GetConversationsByIDs :many
-- Several live conversations at once (e.g. the ones cited by search results).
SELECT id, user_id, title, model, pinned, created_at, updated_at
FROM conversations
WHERE id = ANY(@ids::uuid[]) AND deleted_at IS NULL;

-- name: FindConversationsByMetadata :many
-- A user's live conversations whose metadata contains the given JSON object,
-- e.g. {"source": "slack"}. Uses the jsonb_path_ops GIN index.
SELECT id, title, metadata, updated_at
FROM conversations
WHERE user_id = @user_id
  AND deleted_at IS NULL
  AND metadata @> @filter::jsonb
ORDER BY updated_at DESC
LIMIT @page_size;

-- name: UpdateConversationTitle :execrows
-- Renames a live conversation; 0 rows means it does not exist or was deleted.
UPDATE conversations
SET title = @title, updated_at = now()
WHERE id = @id AND deleted_at IS NULL;

-- name: MergeConversationMetadata :one
-- Merges keys into the metadata (top-level keys of patch win) and returns the result.
UPDATE conversations
SET metadata = metadata || @patch::jsonb, updated_at = now()
WHERE id = @id AND deleted_at IS NULL
RETURNING metadata;

-- name: SetConversationPinned :batchexec
-- Pins or unpins conversations, one batch item per conversation.
UPDATE conversations
SET pinned = @pinned
WHERE id = @id AND user_id = @user_id;

-- name: TouchConversation :exec
-- Marks a conversation as active now (moves it to the top of the sidebar).
UPDATE conversations SET updated_at = now() WHERE id = @id;

-- name: SoftDeleteConversation :execrows
-- Moves a conversation to the trash; it stays restorable until purged.
UPDATE conversations
SET deleted_at = now()
WHERE id = @id AND user_id = @user_id AND deleted_at IS NULL;

-- name: RestoreConversation :execrows
-- Takes a conversation out of the trash.
UPDATE conversations
SET deleted_at = NULL, updated_at = now()
WHERE id = @id AND user_id = @user_id AND deleted_at IS NOT NULL;

-- name: PurgeDeletedConversations :execresult
-- Hard-deletes conversations soft-deleted longer ago than retention (their messages, tool
-- calls follow by cascade). Run by the nightly cleanup job.
DELETE FROM conversations
WHERE deleted_at IS NOT NULL AND deleted_at < now() - sqlc.arg(retention)::interval;
