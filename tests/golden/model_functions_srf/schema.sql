CREATE TABLE events (id bigserial PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL);
CREATE FUNCTION add_one(x int4) RETURNS int4 LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT x + 1 $$;
CREATE FUNCTION maybe_label(k text) RETURNS text LANGUAGE sql AS $$ SELECT k $$;
CREATE FUNCTION recent_events(since timestamptz, max_rows int4 DEFAULT 10)
    RETURNS TABLE (id int8, kind text) LANGUAGE sql STABLE
    AS $$ SELECT id, kind FROM events WHERE at > since LIMIT max_rows $$;
CREATE FUNCTION event_count(OUT total int8, OUT latest timestamptz) LANGUAGE sql
    AS $$ SELECT count(*), max(at) FROM events $$;
CREATE FUNCTION all_events() RETURNS SETOF events LANGUAGE sql AS $$ SELECT * FROM events $$;
CREATE FUNCTION strict_fn(a int4) RETURNS int4 LANGUAGE sql RETURNS NULL ON NULL INPUT AS $$ SELECT a $$;
CREATE FUNCTION dropped_fn() RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;
DROP FUNCTION dropped_fn();
