CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system', 'tool');
CREATE DOMAIN label AS text NOT NULL;

CREATE TABLE conversations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    text NOT NULL,
    title      varchar(200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    role            message_role NOT NULL,
    content         text NOT NULL,
    content_len     int GENERATED ALWAYS AS (length(content)) STORED,
    tag             label,
    token_count     integer,
    created_at      timestamptz NOT NULL DEFAULT now()
);
