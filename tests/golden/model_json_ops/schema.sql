CREATE TABLE docs (id int4 PRIMARY KEY, body jsonb NOT NULL, meta json);
