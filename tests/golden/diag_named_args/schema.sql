CREATE TABLE events (
    id bigint PRIMARY KEY,
    title text,
    starts_at timestamptz NOT NULL DEFAULT now()
);

-- Named parameters with defaults: callers may name them in any order and leave out the
-- defaulted ones.
CREATE FUNCTION shift(ts timestamptz, days int DEFAULT 1, hours int DEFAULT 0)
RETURNS timestamptz LANGUAGE sql STRICT AS $$ SELECT ts + make_interval(days => days, hours => hours) $$;
