-- A table without an index on author or on tags: ListNotesByAuthor scans it.
CREATE TYPE note_kind AS ENUM ('draft', 'final');

CREATE TABLE notebooks (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);

CREATE TABLE notes (
    id          bigserial PRIMARY KEY,
    notebook_id uuid NOT NULL REFERENCES notebooks (id),
    author      text NOT NULL,
    kind        note_kind NOT NULL DEFAULT 'draft',
    state       text NOT NULL CHECK (state IN ('open', 'closed')),
    body        text,
    attrs       jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
