-- name: InnerJoin :many
SELECT a.name, b.title FROM authors a JOIN books b ON b.author_id = a.id;

-- name: LeftJoin :many
SELECT a.id, a.name, b.id AS book_id, b.title FROM authors a LEFT JOIN books b ON b.author_id = a.id;

-- name: RightJoin :many
SELECT a.name, b.title FROM authors a RIGHT JOIN books b ON b.author_id = a.id;

-- name: FullJoin :many
SELECT a.name, b.title FROM authors a FULL JOIN books b ON b.author_id = a.id;

-- name: ChainedLeftJoins :many
SELECT a.name, b.title, r.stars
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
LEFT JOIN reviews r ON r.book_id = b.id
WHERE a.id = $1;

-- name: LeftJoinThroughSubquery :many
SELECT x.name, x.title FROM (
    SELECT a.name, b.title FROM authors a LEFT JOIN books b ON b.author_id = a.id
) AS x;

-- name: UsingJoin :many
SELECT * FROM books JOIN reviews USING (id);

-- name: NaturalLeftJoin :many
SELECT * FROM authors NATURAL LEFT JOIN books;

-- name: CrossJoinComma :many
SELECT a.name, r.stars FROM authors a, reviews r WHERE r.stars > $1;

-- name: StarTwoTables :many
SELECT * FROM authors a LEFT JOIN books b ON b.author_id = a.id;

-- name: QualifiedStar :many
SELECT b.*, a.name AS author_name FROM books b JOIN authors a ON a.id = b.author_id;

-- name: GetAuthor :one
SELECT * FROM authors WHERE id = $1;
