-- migrate:up transaction:false
ALTER TABLE notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;
CREATE INDEX CONCURRENTLY notes_pinned ON notes (pinned) WHERE pinned;

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY notes_pinned;
ALTER TABLE notes DROP COLUMN pinned;
