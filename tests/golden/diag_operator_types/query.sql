-- name: ByConversation :many
-- A uuid column compared with an integer literal.
SELECT id FROM messages WHERE conversation_id = 42;

-- name: ByCount :many
-- An integer literal on the left: the hint names the column either way.
SELECT id FROM messages WHERE 7 = conversation_id;

-- name: CreatedAfter :many
SELECT id FROM messages WHERE created_at > true;
