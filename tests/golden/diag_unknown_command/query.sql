-- name: ListAuthors :mny
SELECT id, name FROM authors;

-- name: DeleteAuthor :exce
DELETE FROM authors WHERE id = $1;

-- name: CountAuthors one
SELECT count(*) FROM authors;

-- name: Weird :frobnicate
SELECT 1;
