CREATE TABLE authors (id bigserial PRIMARY KEY, name text NOT NULL, bio text, country text);
CREATE TABLE books (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES authors (id),
    title text NOT NULL, pages int, published date);
CREATE TABLE tags (book_id bigint, tag text, PRIMARY KEY (book_id, tag));
CREATE VIEW author_names AS SELECT id, name FROM authors;
