CREATE TABLE items (
    id uuid PRIMARY KEY,
    sku text NOT NULL,
    price numeric NOT NULL,
    stock int4 NOT NULL DEFAULT 0,
    tags text[] NOT NULL DEFAULT '{}',
    attrs jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    discontinued_at timestamptz
);
