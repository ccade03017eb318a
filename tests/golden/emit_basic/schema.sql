CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system', 'tool');

CREATE DOMAIN importance AS real CHECK (VALUE BETWEEN 0 AND 1);

CREATE TABLE conversations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    text NOT NULL,
    title      varchar(200),
    metadata   jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE TABLE messages (
    id              bigserial PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    role            message_role NOT NULL,
    content         text NOT NULL,
    tokens          integer,
    score           importance,
    cost            numeric(10, 4),
    attachment      bytea,
    tags            text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    parent_role message_role
);
