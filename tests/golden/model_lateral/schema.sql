CREATE TABLE threads (id int4 PRIMARY KEY, subject text NOT NULL);
CREATE TABLE replies (id int4 PRIMARY KEY, thread_id int4 NOT NULL, body text NOT NULL,
                      at timestamptz NOT NULL);
