-- name: CreatePost :exec
INSERT INTO posts (id, title) VALUES ($1, $2);

-- name: CreatePage :exec
INSERT INTO pages (id, title) VALUES ($1, $2);

-- name: CreateNote :exec
INSERT INTO notes (id, title) VALUES ($1, $2);
