-- Adds the importance_score domain, embeddings (vector column in 0008) and long-term memories.
CREATE DOMAIN importance_score AS real CHECK (VALUE BETWEEN 0 AND 1);

-- One row per embedded piece of content. The vector itself is added by 0008 only when pgvector
-- is installed, so everything here works without the extension.
CREATE TABLE embeddings (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    content_type varchar(32) NOT NULL
        CHECK (content_type IN ('message', 'memory', 'episode', 'document')),
    content_id   uuid NOT NULL,
    model        varchar(100) NOT NULL,
    -- SHA-256 of the embedded text: unchanged content is not embedded twice.
    content_hash bytea NOT NULL,
    metadata     jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (content_type, content_id, model)
);

CREATE TYPE memory_kind AS ENUM ('fact', 'preference', 'instruction', 'summary');

CREATE TABLE memories (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          text NOT NULL,
    -- The conversation the memory was learnt in; memories outlive it.
    conversation_id  uuid REFERENCES conversations (id) ON DELETE SET NULL,
    kind             memory_kind NOT NULL DEFAULT 'fact',
    content          text NOT NULL,
    importance       importance_score NOT NULL DEFAULT 0.5,
    access_count     integer NOT NULL DEFAULT 0,
    last_accessed_at timestamptz,
    metadata         jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz
);

CREATE INDEX memories_user_importance_idx ON memories (user_id, importance DESC);
CREATE INDEX memories_expires_idx ON memories (expires_at) WHERE expires_at IS NOT NULL;
