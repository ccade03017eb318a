CREATE TABLE authors (
    id      bigserial PRIMARY KEY,
    name    text NOT NULL,
    profile jsonb,
    bio     text
);

CREATE TABLE books (
    id        bigserial PRIMARY KEY,
    author_id bigint REFERENCES authors (id),
    title     text NOT NULL
);
