-- Anonymous sessions cannot be kept once user_id is required again.
DELETE FROM sessions WHERE user_id IS NULL;
ALTER TABLE sessions ALTER COLUMN user_id SET NOT NULL;

ALTER TABLE tool_calls ALTER COLUMN latency_ms TYPE integer USING round(latency_ms)::integer;

ALTER TABLE memories ALTER COLUMN access_count TYPE integer
    USING least(access_count, 2147483647)::integer;

ALTER TABLE messages DROP COLUMN IF EXISTS edited_at;
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_token_count_check;
ALTER TABLE messages RENAME COLUMN token_count TO tokens;

ALTER TABLE conversations DROP COLUMN IF EXISTS pinned;
ALTER TABLE conversations DROP COLUMN IF EXISTS model;
