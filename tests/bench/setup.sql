-- Loads the runtime benchmarks' data: 1,000,000 items (ids 1..1,000,000), then VACUUM ANALYZE.
-- Run by tests/bench/run.sh with psql -v ON_ERROR_STOP=1 after app/schema/0001_items.sql.
INSERT INTO items (id, name, qty, price, active, created_at, ref, note)
SELECT g,
       'item-' || g,
       ((g::bigint * 7919) % 1000)::int,
       (g % 10000) / 100.0,
       g % 3 = 0,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
       md5(g::text)::uuid,
       CASE WHEN g % 4 = 0 THEN NULL ELSE 'note for item ' || g END
FROM generate_series(1, 1000000) AS g;
VACUUM ANALYZE items;
VACUUM ANALYZE items_copy;
