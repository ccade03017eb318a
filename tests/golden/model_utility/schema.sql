CREATE TABLE jobs (id int4 PRIMARY KEY, state text NOT NULL);
CREATE PROCEDURE bump(n int4) LANGUAGE sql AS $$ UPDATE jobs SET id = id + n $$;
