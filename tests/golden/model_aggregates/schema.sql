CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    qty int4 NOT NULL,
    weight real,
    placed_at timestamptz NOT NULL DEFAULT now(),
    note text
);
