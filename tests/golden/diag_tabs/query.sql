-- name: ListAuthors :many
SELECT id FROM authors;

--	name:	Tabbed	:mnay
SELECT	id FROM authors;
