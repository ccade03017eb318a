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

CREATE FUNCTION author_count() RETURNS bigint
LANGUAGE sql
BEGIN ATOMIC
    SELECT count(*) FROM authors;
END;

CREATE TABLE after_function (id int);
