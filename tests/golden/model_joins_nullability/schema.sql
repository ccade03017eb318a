CREATE TABLE authors (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    bio text
);
CREATE TABLE books (
    id bigserial PRIMARY KEY,
    author_id bigint REFERENCES authors (id),
    title text NOT NULL,
    isbn char(13)
);
CREATE TABLE reviews (
    id serial PRIMARY KEY,
    book_id bigint NOT NULL,
    stars int2 NOT NULL
);
