-- +goose Up
-- Authors and their books.
CREATE TABLE authors (
    id   bigserial PRIMARY KEY,
    name text NOT NULL,
    bio  text
);

CREATE TABLE books (
    id        bigserial PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES authors (id),
    title     text NOT NULL,
    isbn      varchar(13)
);
-- +goose StatementBegin
CREATE FUNCTION author_count() RETURNS bigint AS $$
    SELECT count(*) FROM authors;
$$ LANGUAGE sql;
-- +goose StatementEnd

-- +goose Down
DROP TABLE books;; this is not SQL at all (
DROP TABLE authors;
