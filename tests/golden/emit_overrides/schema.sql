CREATE TYPE kind AS ENUM ('a', 'b');

CREATE TABLE events (
    id      bigserial PRIMARY KEY,
    kind    kind NOT NULL,
    payload jsonb NOT NULL,
    extra   jsonb,
    note    text
);
