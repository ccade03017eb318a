CREATE TABLE nodes (
    id int4 PRIMARY KEY,
    parent_id int4 REFERENCES nodes (id),
    label text NOT NULL
);
CREATE TABLE audit (id bigserial PRIMARY KEY, node_id int4 NOT NULL, what text NOT NULL);
