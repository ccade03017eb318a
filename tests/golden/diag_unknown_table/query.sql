-- name: GetAuthor :one
-- The unknown relation is reported once: the columns the query takes from it are not.
SELECT id, name FROM author WHERE id = $1;

-- name: ListBooks :many
-- a.name and a.id are silent; b.titel is still an error (books is known).
SELECT b.titel, a.name FROM books b JOIN author a ON a.id = b.author_id WHERE bio IS NULL;

-- name: ListOther :many
SELECT * FROM nosuchtable;

-- name: ListJoinedUsing :many
-- USING (id) against a missing relation: no second error.
SELECT b.title FROM books b JOIN author USING (id);
