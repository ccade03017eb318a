-- Grouped queries PostgreSQL 15 accepts (checked with PREPARE on a real server): grouped
-- columns and expressions, aliases, ordinals, primary-key dependency, USING, ROLLUP, FILTER,
-- window functions over aggregates, subqueries, ordered-set aggregates.
-- name: Qok1 :many
SELECT a.id, a.name, count(b.id) FROM authors a LEFT JOIN books b ON b.author_id = a.id GROUP BY a.id;

-- name: Qok2 :many
SELECT a.name, count(*) FROM authors a GROUP BY a.name ORDER BY a.name;

-- name: Qok3 :many
SELECT lower(name) AS n, count(*) FROM authors GROUP BY lower(name);

-- name: Qok4 :many
SELECT lower(name) AS n, count(*) FROM authors GROUP BY 1 ORDER BY 1;

-- name: Qok5 :many
SELECT lower(name) AS n, count(*) FROM authors GROUP BY n ORDER BY n;

-- name: Qok6 :many
SELECT published::date AS day, count(*) AS c FROM books GROUP BY day ORDER BY c DESC;

-- name: Qok7 :many
SELECT count(*) FROM books;

-- name: Qok8 :many
SELECT max(pages), min(title) FROM books WHERE author_id = 1;

-- name: Qok9 :many
SELECT author_id, count(*) FROM books GROUP BY author_id HAVING count(*) > 1;

-- name: Qok10 :many
SELECT author_id, sum(pages) FILTER (WHERE pages > 10) FROM books GROUP BY author_id;

-- name: Qok11 :many
SELECT author_id, rank() OVER (ORDER BY count(*) DESC) FROM books GROUP BY author_id;

-- name: Qok12 :many
SELECT id, author_id FROM books GROUP BY id;

-- name: Qok13 :many
SELECT t.book_id, t.tag, count(*) FROM tags t GROUP BY t.book_id, t.tag;

-- name: Qok14 :many
SELECT id, name FROM authors JOIN books USING (id) GROUP BY id, name;

-- name: Qok15 :many
SELECT a.*, count(b.id) FROM authors a JOIN books b ON b.author_id = a.id GROUP BY a.id;

-- name: Qok16 :many
SELECT country, count(*) FROM authors GROUP BY ROLLUP (country);

-- name: Qok17 :many
SELECT author_id, (SELECT count(*) FROM tags) FROM books GROUP BY author_id;

-- name: Qok18 :many
SELECT author_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY pages) FROM books GROUP BY author_id;

-- name: Qok19 :many
SELECT author_id, array_agg(title ORDER BY title) FROM books GROUP BY author_id;

-- name: Qok20 :many
SELECT author_id, count(*) AS n FROM books GROUP BY author_id ORDER BY n, author_id;

-- name: Qok21 :many
SELECT 1 + author_id AS next_id, count(*) FROM books GROUP BY author_id;

-- name: Qok22 :many
SELECT coalesce(country, 'x'), count(*) FROM authors GROUP BY coalesce(country, 'x');

-- name: Qok23 :many
SELECT id FROM authors WHERE id IN (SELECT author_id FROM books GROUP BY author_id HAVING count(*) > 2);

-- name: Qok24 :many
SELECT a.name FROM authors a GROUP BY a.id HAVING count(*) > 0;

-- name: Qok25 :many
SELECT DISTINCT author_id FROM books;

