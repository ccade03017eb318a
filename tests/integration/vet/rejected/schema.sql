CREATE TABLE items (
    id    integer PRIMARY KEY,
    label text NOT NULL
);

-- Static analysis cannot see inside DO: on the server, label is now called title.
DO $$
BEGIN
    ALTER TABLE items RENAME COLUMN label TO title;
END
$$;
