-- name: BooksByAuthor :many
SELECT b.title, b.published, a.name AS author
FROM books b JOIN authors a ON a.id = b.author_id
WHERE a.id = @author_id;

-- name: CountBooks :one
SELECT count(*) AS n FROM books;
