-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY notes_tag_body ON notes (tag, body);

-- migrate:down
-- dbmate's option is per block: this one runs in a transaction, atomically.
DROP INDEX notes_tag_body;
ALTER TABLE notes ADD COLUMN IF NOT EXISTS archived boolean;
