-- name: CreateMessage :one
-- Appends a message and bumps the conversation's updated_at in the same statement.
-- token_count may be NULL when the tokenizer has not run yet.
WITH inserted AS (
    INSERT INTO messages (conversation_id, role, content, token_count, metadata)
    VALUES (@conversation_id, @role, @content, @token_count, @metadata)
    RETURNING *
), touched AS (
    UPDATE conversations
    SET updated_at = now()
    WHERE id = @conversation_id
)
SELECT * FROM inserted;

-- name: GetMessage :one
SELECT * FROM messages WHERE id = $1;

-- name: ListMessages :many
-- A page of a conversation's messages in order. role filters by role when not NULL;
-- after_seq continues after the last message of the previous page.
SELECT id, conversation_id, seq, role, content, token_count, metadata, created_at, edited_at
FROM messages
WHERE conversation_id = @conversation_id
  AND (sqlc.narg(role)::message_role IS NULL OR role = sqlc.narg(role))
  AND (sqlc.narg(after_seq)::bigint IS NULL OR seq > sqlc.narg(after_seq))
ORDER BY seq
LIMIT @page_size;

-- name: ListRecentMessages :many
-- The last max_messages messages of a conversation, oldest first: the model's context window.
WITH recent AS (
    SELECT id, seq, role, content, token_count, metadata, created_at
    FROM messages
    WHERE conversation_id = @conversation_id
    ORDER BY seq DESC
    LIMIT @max_messages
)
SELECT id, seq, role, content, token_count, metadata, created_at
FROM recent
ORDER BY seq;

-- name: ListMessagesByRoles :many
-- A conversation's messages whose role is one of roles, e.g. {user,assistant} to export a
-- transcript without system prompts and tool output.
SELECT id, seq, role, content, created_at
FROM messages
WHERE conversation_id = @conversation_id AND role = ANY(@roles::message_role[])
ORDER BY seq;

-- name: GetMessagesByIDs :many
-- Several messages at once, e.g. the ones a search hit points to.
SELECT id, conversation_id, seq, role, content, created_at
FROM messages
WHERE id IN (sqlc.slice(ids))
ORDER BY conversation_id, seq;

-- name: ListOpeningMessages :batchmany
-- The first messages of a conversation, one batch item per conversation: input of the job
-- that titles new conversations.
SELECT role, content
FROM messages
WHERE conversation_id = @conversation_id AND role IN ('user', 'assistant')
ORDER BY seq
LIMIT @max_messages;

-- name: SearchMessages :many
-- Full-text search over a user's live conversations, best match first.
SELECT m.id,
       m.conversation_id,
       c.title AS conversation_title,
       m.role,
       m.content,
       m.created_at,
       ts_rank(to_tsvector('english', m.content), websearch_to_tsquery('english', @query)) AS rank
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
WHERE c.user_id = @user_id
  AND c.deleted_at IS NULL
  AND to_tsvector('english', m.content) @@ websearch_to_tsquery('english', @query)
ORDER BY rank DESC, m.created_at DESC
LIMIT @page_size;

-- name: BulkInsertMessages :copyfrom
-- Imports a conversation history (e.g. from an export file) with COPY.
INSERT INTO messages (conversation_id, role, content, token_count, metadata, created_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: UpdateMessageContent :one
-- Edits a message's text and returns when the edit happened.
UPDATE messages
SET content = @content, token_count = @token_count, edited_at = now()
WHERE id = @id
RETURNING edited_at;

-- name: SetMessageTokenCounts :batchexec
-- Stores token counts computed by the tokenizer worker, one batch item per message.
UPDATE messages SET token_count = @token_count WHERE id = @id;

-- name: DeleteMessagesAfter :execrows
-- Drops every message after after_seq, before regenerating an answer.
DELETE FROM messages
WHERE conversation_id = @conversation_id AND seq > @after_seq;

-- name: DeleteMessagesByIDs :execrows
DELETE FROM messages WHERE id = ANY(@ids::uuid[]);
