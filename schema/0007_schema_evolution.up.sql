-- Adds conversation model and pinning, renames messages.tokens, message edits, wider counters.
ALTER TABLE conversations ADD COLUMN model varchar(100);
ALTER TABLE conversations ADD COLUMN pinned boolean NOT NULL DEFAULT false;

ALTER TABLE messages RENAME COLUMN tokens TO token_count;
ALTER TABLE messages ADD CONSTRAINT messages_token_count_check CHECK (token_count >= 0);
ALTER TABLE messages ADD COLUMN edited_at timestamptz;

-- Popular memories overflowed integer in load tests.
ALTER TABLE memories ALTER COLUMN access_count TYPE bigint;

-- Fractional milliseconds from the tool runner.
ALTER TABLE tool_calls ALTER COLUMN latency_ms TYPE double precision;

-- Anonymous sessions, before sign-in.
ALTER TABLE sessions ALTER COLUMN user_id DROP NOT NULL;
