CREATE TABLE messages (id uuid PRIMARY KEY, content text NOT NULL, n int4);
CREATE TABLE messages (id int4);
ALTER TABLE missing ADD COLUMN x int4;
ALTER TABLE messages ADD COLUMN content text;
ALTER TABLE messages DROP COLUMN contnet;
DROP TABLE nothing_here;
CREATE TABLE bad_type (x no_such_type);
CREATE TABLE needs_ext (v vector(3));
CREATE TABLE syntax_err (x int4,);
