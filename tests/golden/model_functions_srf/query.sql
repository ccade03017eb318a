-- name: AddOne :one
SELECT add_one($1) AS result;

-- name: Label :one
SELECT maybe_label(kind) AS label FROM events WHERE id = $1;

-- name: Recent :many
SELECT * FROM recent_events($1);

-- name: RecentJoin :many
SELECT r.id, e.at FROM recent_events($1, $2) r JOIN events e ON e.id = r.id;

-- name: Counts :one
SELECT * FROM event_count();

-- name: AllEvents :many
SELECT * FROM all_events();

-- name: Series :many
SELECT n FROM generate_series(1, $1) AS n;

-- name: Unnest :many
SELECT u.v, u.ordinality FROM unnest($1::text[]) WITH ORDINALITY AS u (v, ordinality);

-- name: JsonEach :many
SELECT key, value FROM jsonb_each($1::jsonb);

-- name: StrictFn :one
SELECT strict_fn(1) AS x;

-- name: SrfInSelect :many
SELECT unnest(ARRAY[1, 2, 3]) AS n;
