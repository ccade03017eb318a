-- The runtime benchmarks' table: 8 columns of mixed types, loaded with 1,000,000 rows by
-- tests/bench/setup.sql. items_copy has the same shape and is the target of the bulk load.
CREATE TABLE items (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    qty        integer NOT NULL,
    price      double precision NOT NULL,
    active     boolean NOT NULL,
    created_at timestamptz NOT NULL,
    ref        uuid NOT NULL,
    note       text
);

CREATE TABLE items_copy (
    id         bigint PRIMARY KEY,
    name       text NOT NULL,
    qty        integer NOT NULL,
    price      double precision NOT NULL,
    active     boolean NOT NULL,
    created_at timestamptz NOT NULL,
    ref        uuid NOT NULL,
    note       text
);
