-- name: GetNote :one
SELECT id, author, body FROM notes WHERE id = $1;

-- name: ListNotesByAuthor :many
SELECT id, body
FROM notes
WHERE author = @author AND created_at > @since
ORDER BY created_at
LIMIT 50;

-- name: ListAllNotes :many
SELECT * FROM notes;

-- name: CountNotes :one
-- vet: off(seq_scan)
SELECT count(*) FROM notes;
