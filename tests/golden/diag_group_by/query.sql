-- Each query is rejected by PostgreSQL 15 with "must appear in the GROUP BY clause" (checked
-- with PREPARE on a real server); pqgen reports the same column.
-- name: Qbad1 :many
SELECT a.name, count(*) FROM authors a JOIN books b ON b.author_id = a.id GROUP BY b.id;

-- name: Qbad2 :many
SELECT id, count(*) FROM books;

-- name: Qbad3 :many
SELECT author_id, title FROM books GROUP BY author_id;

-- name: Qbad4 :many
SELECT id, name, count(*) FROM author_names GROUP BY id;

-- name: Qbad5 :many
SELECT book_id, tag FROM tags GROUP BY book_id;

-- name: Qbad6 :many
SELECT author_id, count(*) FROM books GROUP BY author_id ORDER BY title;

-- name: Qbad7 :many
SELECT author_id FROM books GROUP BY author_id HAVING pages > 1;

-- name: Qbad8 :many
SELECT * FROM books GROUP BY author_id;

-- name: Qbad9 :many
SELECT lower(title), count(*) FROM books GROUP BY title || 'x';

