-- name: AtNames :many
-- Named parameters with @.
SELECT id, title FROM posts WHERE author = @author AND published = @published
LIMIT @max_rows;

-- name: ArgMacro :one
SELECT id FROM posts WHERE title = sqlc.arg(title) AND author = sqlc.arg('author');

-- name: NargMacro :many
SELECT id FROM posts
WHERE (sqlc.narg(author)::text IS NULL OR author = sqlc.narg(author))
  AND created_at > @since;

-- name: SliceMacro :many
SELECT id, title FROM posts WHERE id IN (sqlc.slice(ids)) AND author = @author;

-- name: NotInSlice :many
SELECT id FROM posts WHERE author NOT IN (sqlc.slice('authors'));

-- name: EmbedMacro :many
SELECT sqlc.embed(posts), count(c.id) AS comments
FROM posts LEFT JOIN comments c ON c.post_id = posts.id
GROUP BY posts.id;

-- name: EmbedTwo :one
SELECT sqlc.embed(p), sqlc.embed(c) FROM posts p JOIN comments c ON c.post_id = p.id WHERE c.id = @id;

-- name: AtCast :many
SELECT id FROM posts WHERE created_at > @after::timestamptz;

-- name: UpdateNamed :exec
UPDATE posts SET body = @body, title = coalesce(sqlc.narg(title), title) WHERE id = @id;

-- name: AtInsideStringIsNotAParam :many
SELECT id FROM posts WHERE title = '@notaparam' AND author = @author;
