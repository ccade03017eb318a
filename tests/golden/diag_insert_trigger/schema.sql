CREATE FUNCTION set_slug() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.slug := lower(NEW.title);
    RETURN NEW;
END $$;

-- slug is filled by a BEFORE INSERT trigger: INSERTs may leave it out.
CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, slug text NOT NULL);
CREATE TRIGGER posts_slug BEFORE INSERT ON posts FOR EACH ROW EXECUTE FUNCTION set_slug();

-- An AFTER trigger cannot fill anything.
CREATE TABLE pages (id bigint PRIMARY KEY, title text NOT NULL, slug text NOT NULL);
CREATE TRIGGER pages_slug AFTER INSERT ON pages FOR EACH ROW EXECUTE FUNCTION set_slug();

-- A dropped trigger fills nothing any more.
CREATE TABLE notes (id bigint PRIMARY KEY, title text NOT NULL, slug text NOT NULL);
CREATE TRIGGER notes_slug BEFORE INSERT OR UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION set_slug();
DROP TRIGGER notes_slug ON notes;
CREATE TRIGGER x BEFORE INSERT ON postz FOR EACH ROW EXECUTE FUNCTION set_slug();
