-- Indexes, comments and ALTER TABLE on objects that do not exist fail when the migration runs.
CREATE TABLE authors (
    id   bigserial PRIMARY KEY,
    name text NOT NULL,
    "Bio" text
);

CREATE INDEX ON author (name);
CREATE INDEX authors_name ON authors (nmae, id);
CREATE UNIQUE INDEX authors_lower ON authors (lower(nam)) INCLUDE ("Bio") WHERE idd > 0;
CREATE INDEX authors_ok ON authors USING btree (lower(name), "Bio") WHERE id > 0;
CREATE INDEX authors_bio ON authors ("bio");

COMMENT ON TABLE author IS 'typo';
COMMENT ON COLUMN authors.nmae IS 'typo';
COMMENT ON COLUMN public.authors.name IS 'fine';
COMMENT ON COLUMN public.autors.name IS 'typo';
GRANT SELECT ON authors TO PUBLIC;

ALTER TABLE authors DROP COLUMN nmae;
ALTER TABLE authors ADD COLUMN age int, DROP COLUMN IF EXISTS gone, DROP COLUMN "bio";
ALTER TABLE authors ALTER COLUMN agee SET NOT NULL;
ALTER TABLE authors ALTER "Name" DROP NOT NULL;
ALTER TABLE authors RENAME COLUMN /* the old name: */ nmae TO full_name;
