-- pqgen:no-transaction
-- CREATE INDEX CONCURRENTLY cannot run in a transaction block: each statement runs alone.
CREATE INDEX CONCURRENTLY notes_tag ON notes (tag);
CREATE INDEX CONCURRENTLY notes_body ON notes (body);
