-- WHERE keeps the rows for which it is true: a column tested IS NOT NULL, or compared, in a
-- top-level AND term cannot be NULL in the result.

-- name: BiosOnly :many
SELECT id, bio FROM authors WHERE bio IS NOT NULL;

-- name: BioCompared :many
SELECT bio FROM authors WHERE bio = $1 AND id > $2;

-- name: BioOrSomething :many
-- Under OR nothing is proven.
SELECT bio FROM authors WHERE bio IS NOT NULL OR id > $1;

-- name: TitledBooks :many
-- The nullable side of an outer join, filtered.
SELECT a.name, b.title, b.id FROM authors a LEFT JOIN books b ON b.author_id = a.id
WHERE b.title IS NOT NULL;

-- name: AuthorsWithBio :many
-- The table's struct still fits (its bio field is nullable): "table" stays "authors".
SELECT * FROM authors WHERE bio IS NOT NULL;

-- name: DeleteWithBio :many
DELETE FROM authors WHERE bio IS NOT NULL RETURNING bio;

-- name: ClearBios :many
-- RETURNING shows the new value, which SET makes NULL.
UPDATE authors SET bio = NULL WHERE bio IS NOT NULL RETURNING bio;

-- name: Correlated :many
-- A condition on an outer column inside a subquery filters nothing out there.
SELECT bio FROM authors a WHERE EXISTS (SELECT 1 FROM books b WHERE a.bio IS NOT NULL);
