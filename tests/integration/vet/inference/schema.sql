CREATE TABLE counters (
    id    integer PRIMARY KEY,
    hits  integer NOT NULL,
    owner text NOT NULL
);

-- Static analysis cannot see inside DO: on the server hits is bigint and owner nullable.
DO $$
BEGIN
    ALTER TABLE counters ALTER COLUMN hits TYPE bigint;
    ALTER TABLE counters ALTER COLUMN owner DROP NOT NULL;
END
$$;
