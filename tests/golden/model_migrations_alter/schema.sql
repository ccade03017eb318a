CREATE TABLE accounts (
    id int4 PRIMARY KEY,
    name text,
    legacy text,
    balance int4 NOT NULL DEFAULT 0
);
ALTER TABLE accounts ADD COLUMN email text NOT NULL;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS email text;
ALTER TABLE accounts DROP COLUMN legacy;
ALTER TABLE accounts RENAME COLUMN name TO display_name;
ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;
ALTER TABLE accounts ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN balance DROP DEFAULT;
ALTER TABLE accounts ALTER COLUMN email SET DEFAULT '';
CREATE TABLE tmp (a int4);
ALTER TABLE tmp RENAME TO temp_things;
ALTER TABLE temp_things ADD CONSTRAINT temp_pk PRIMARY KEY (a);
CREATE TABLE gone (x int4);
DROP TABLE gone;
DROP TABLE IF EXISTS never_existed;
CREATE TABLE IF NOT EXISTS accounts (id int4);
CREATE INDEX accounts_email_idx ON accounts (email);
COMMENT ON TABLE accounts IS 'money';
GRANT SELECT ON accounts TO PUBLIC;
CREATE TABLE copied (LIKE accounts INCLUDING DEFAULTS, note text);
CREATE TABLE child (extra int4) INHERITS (temp_things);
