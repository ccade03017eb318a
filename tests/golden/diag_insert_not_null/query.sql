-- name: CreateMessage :one
-- role is NOT NULL without a default: the INSERT would fail at run time.
INSERT INTO messages (conversation_id, content) VALUES ($1, $2) RETURNING id;

-- name: CreateConversation :one
-- Two such columns: one error naming both.
INSERT INTO conversations (title) VALUES ($1) RETURNING id;

-- name: CreateEmpty :exec
INSERT INTO conversations DEFAULT VALUES;

-- name: CreateMessageOK :one
-- Defaults, identity, generated and NOT NULL domain columns may be left out.
INSERT INTO messages (conversation_id, role, content) VALUES ($1, $2, $3) RETURNING id;

-- name: CopyMessages :copyfrom
INSERT INTO messages (conversation_id, role) VALUES ($1, $2);

-- name: CreateFromSelect :exec
INSERT INTO conversations (user_id, title) SELECT user_id, title FROM conversations WHERE id = $1;
