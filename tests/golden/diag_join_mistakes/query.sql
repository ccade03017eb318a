-- name: MisspeltJoinColumn :many
SELECT m.id, c.title FROM messages m JOIN conversations c ON c.id = m.conversaton_id;

-- name: WrongAlias :many
SELECT m.id, c.title FROM messages m JOIN conversations c ON c.id = mm.conversation_id;

-- name: TableNameInsteadOfAlias :many
SELECT m.id, c.title FROM messages m JOIN conversations c ON c.id = messages.conversation_id;

-- name: SwappedLetters :many
SELECT m.id FROM messages m WHERE m.rloe = 'user';

-- name: AmbiguousColumn :many
SELECT id, c.title FROM messages m JOIN conversations c ON c.id = m.conversation_id;
