-- pqgen:no-transaction
DROP INDEX CONCURRENTLY notes_body;
DROP INDEX CONCURRENTLY notes_tag;
