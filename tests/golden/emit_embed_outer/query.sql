-- name: ListBooksWithAuthor :many
-- Books and their author, if any: the author is on the nullable side.
SELECT sqlc.embed(b), sqlc.embed(a)
FROM books b
LEFT JOIN authors a ON a.id = b.author_id
ORDER BY b.id;

-- name: GetAuthorWithBook :one
SELECT sqlc.embed(a), sqlc.embed(b)
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
WHERE a.id = @id
LIMIT 1;

-- name: ListBooksInner :many
SELECT sqlc.embed(b), sqlc.embed(a)
FROM books b
JOIN authors a ON a.id = b.author_id;
