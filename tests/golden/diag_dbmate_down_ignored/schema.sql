-- migrate:up
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

-- migrate:down
DROP TABLE nosuch; DROP TABLE books; DROP TABLE authors;
SELEC 1;
