-- Adds conversations and their messages, with the message_role enum.
CREATE TYPE message_role AS ENUM ('user', 'assistant', 'system', 'tool');

CREATE TABLE conversations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     text NOT NULL,
    title       varchar(200),
    metadata    jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Soft delete: set by SoftDeleteConversation, cleared by RestoreConversation.
    deleted_at  timestamptz
);

-- The sidebar lists a user's live conversations by recent activity.
CREATE INDEX conversations_user_updated_idx
    ON conversations (user_id, updated_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX conversations_metadata_idx ON conversations USING gin (metadata jsonb_path_ops);

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- Insertion order, strictly increasing: created_at can tie within one transaction.
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    role            message_role NOT NULL,
    content         text NOT NULL,
    tokens          integer,
    metadata        jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX messages_conversation_seq_idx ON messages (conversation_id, seq);
CREATE INDEX messages_content_fts_idx ON messages USING gin (to_tsvector('english', content));
