-- name: LoadNotes :copyfrom
-- Every column kind libpqg can send in binary COPY.
INSERT INTO notes (owner, role, body, title, tags, meta, raw, weight, relevance, stars, blob,
                   due, lasting, created_at, local_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15);

-- name: LoadTitles :copyfrom
INSERT INTO public.notes AS n ("owner", role, body) VALUES ($1, $2, $3);

-- name: SetTitle :batchexec
-- One item per note.
UPDATE notes SET title = @title WHERE id = @id;

-- name: TouchAll :batchexec
UPDATE notes SET created_at = now();

-- name: RetagByRoles :batchexec
UPDATE notes SET tags = '{}' WHERE role = ANY(@roles::role[]) AND owner = @owner;

-- name: GetNote :batchone
SELECT id, role, title FROM notes WHERE id = @id;

-- name: GetWholeNote :batchone
SELECT * FROM notes WHERE id = @id;

-- name: ListNotesByOwner :batchmany
-- The notes of each owner, newest first.
SELECT id, body, created_at FROM notes WHERE owner = @owner ORDER BY id DESC LIMIT @max_notes;

-- name: ListNotes :many
SELECT * FROM notes ORDER BY id;

-- name: CountNotes :one
SELECT count(*) AS total FROM notes;

-- name: GetNoteRole :one
SELECT role FROM notes WHERE id = @id;

-- name: GetNoteRelevance :one
-- A nullable domain over real: the value through a typed out-parameter.
SELECT relevance FROM notes WHERE id = @id;
