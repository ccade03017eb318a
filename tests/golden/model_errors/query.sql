-- name: UnknownColumn :many
SELECT contnet FROM messages;

-- name: UnknownTable :many
SELECT * FROM mesages;

-- name: UnknownFunction :one
SELECT lenght(content) FROM messages;

-- name: Ambiguous :many
SELECT id FROM messages a JOIN messages b ON a.id = b.id;

-- name: InsertArity :exec
INSERT INTO messages (id, content) VALUES ($1, $2, $3);

-- name: InsertArityFew :exec
INSERT INTO messages (id, content, n) VALUES ($1, $2);

-- name: InsertUnknownColumn :exec
INSERT INTO messages (id, contents) VALUES ($1, $2);

-- name: UpdateUnknownColumn :exec
UPDATE messages SET contnet = $1;

-- name: ReturningUnknown :one
DELETE FROM messages WHERE id = $1 RETURNING nope;

-- name: OneWithoutColumns :one
DELETE FROM messages WHERE id = $1;

-- name: Mixed :many
SELECT id FROM messages WHERE id = $1 AND content = @content;

-- name: BadCopy :copyfrom
INSERT INTO messages (id, content) SELECT id, content FROM messages;

-- name: WrongOperator :many
SELECT content FROM messages WHERE id = 42;

-- name: Untyped :one
SELECT $1 AS x;

-- name: SyntaxError :one
SELECT FROM WHERE;

-- name: Unnamed :one
SELECT n + 1 FROM messages WHERE id = $1;
