CREATE TABLE cats (id int4 PRIMARY KEY, name text NOT NULL, owner text);
CREATE TABLE dogs (id int8 PRIMARY KEY, name text, owner text NOT NULL);
