-- pgbench's own table as `pgbench -i` creates it, declared so that the concurrency benchmark
-- runs the same query as `pgbench -S` through generated code. Not applied by setup.sql.
CREATE TABLE pgbench_accounts (
    aid      integer NOT NULL PRIMARY KEY,
    bid      integer,
    abalance integer,
    filler   character(84)
);
