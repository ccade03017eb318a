-- name: CreateAuthor :exec
INSERT INTO authors (name, bio) VALUES ($1);

-- name: CreateBook :exec
INSERT INTO books (author_id, title) VALUES ($1, $2, $3);
