-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY notes_id_tag ON notes (id, tag);

-- +goose Down
DROP INDEX CONCURRENTLY notes_id_tag;
