-- name: GetAuthor :one
SELECT id, name, bio FROM authors WHERE id = $1;

-- Lists authors, but the annotation was forgotten.
SELECT id, name FROM authors;

  DELETE FROM authors WHERE id = $1;
