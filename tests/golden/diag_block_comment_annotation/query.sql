/* name: GetAuthor :one */
SELECT id, name FROM authors WHERE id = $1;

/* name: Bad Name :one */
SELECT 1;
