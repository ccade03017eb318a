CREATE TABLE posts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    author text NOT NULL,
    title text NOT NULL,
    body text,
    published boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE comments (id bigserial PRIMARY KEY, post_id uuid NOT NULL, body text NOT NULL);
