CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TYPE mood ADD VALUE 'happy' AFTER 'ok';
ALTER TYPE mood ADD VALUE 'angry' BEFORE 'sad';
ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';
CREATE TYPE app.status AS ENUM ('open', 'closed');
CREATE DOMAIN email AS text NOT NULL CHECK (VALUE LIKE '%@%');
CREATE DOMAIN percent AS numeric(5, 2) CHECK (VALUE BETWEEN 0 AND 100);
CREATE TYPE pair AS (a int4, b text);
CREATE TABLE people (
    id serial PRIMARY KEY,
    contact email,
    mood mood NOT NULL DEFAULT 'fine',
    moods mood[],
    progress percent,
    status app.status NOT NULL,
    extra pair
);
CREATE TABLE app.tickets (id bigserial PRIMARY KEY, status app.status NOT NULL, title text);
