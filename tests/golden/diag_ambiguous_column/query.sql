-- name: Both :many
SELECT id, name, title FROM authors JOIN books ON books.author_id = authors.id;
