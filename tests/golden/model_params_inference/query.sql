-- name: ByID :one
SELECT sku FROM items WHERE id = $1;

-- name: ReversedComparison :many
SELECT sku FROM items WHERE $1 < price;

-- name: InList :many
SELECT sku FROM items WHERE sku IN ($1, $2);

-- name: AnyArray :many
SELECT sku FROM items WHERE id = ANY($1);

-- name: Between :many
SELECT sku FROM items WHERE created_at BETWEEN $1 AND $2;

-- name: Like :many
SELECT sku FROM items WHERE sku LIKE $1 OR sku ILIKE $2;

-- name: Concat :many
SELECT sku FROM items WHERE sku = 'X-' || $1;

-- name: Cast :many
SELECT sku FROM items WHERE stock > $1::int8;

-- name: LimitOffset :many
SELECT sku FROM items ORDER BY sku LIMIT $1 OFFSET $2;

-- name: FuncArg :many
SELECT sku FROM items WHERE lower(sku) = lower($1) AND date_trunc('day', created_at) = $2;

-- name: IsNullParam :many
SELECT sku FROM items WHERE ($1::timestamptz IS NULL OR created_at > $1);

-- name: CoalesceParam :many
SELECT sku FROM items WHERE stock >= coalesce($1, 0);

-- name: SameParamTwice :many
SELECT sku FROM items WHERE price > $1 OR stock > $1;

-- name: ClashingNames :many
SELECT a.sku FROM items a JOIN items b ON b.sku = a.sku WHERE a.id = $1 AND b.id = $2;

-- name: ArrayContains :many
SELECT sku FROM items WHERE tags @> $1;

-- name: Arithmetic :many
SELECT sku, price * $1 AS scaled FROM items WHERE stock + $2 > 10;

-- name: NotIn :many
SELECT sku FROM items WHERE stock NOT IN ($1, $2);

-- name: SubqueryParam :many
SELECT sku FROM items WHERE id IN (SELECT id FROM items WHERE stock > $1);

-- name: CaseParam :many
SELECT CASE WHEN stock > $1 THEN 'many' ELSE $2 END AS level FROM items;
