CREATE TYPE role AS ENUM ('user', 'assistant');

CREATE DOMAIN score AS real CHECK (VALUE BETWEEN 0 AND 1);

CREATE TABLE notes (
    id         bigserial PRIMARY KEY,
    owner      uuid NOT NULL,
    role       role NOT NULL,
    body       text NOT NULL,
    title      varchar(80),
    tags       text[] NOT NULL DEFAULT '{}',
    meta       jsonb NOT NULL DEFAULT '{}',
    raw        json,
    weight     numeric(10, 2),
    relevance  score,
    stars      int2,
    blob       bytea,
    due        date,
    lasting    interval,
    created_at timestamptz NOT NULL DEFAULT now(),
    local_at   timestamp
);
