-- name: CountOrders :one
SELECT count(*) FROM orders;

-- name: Totals :one
SELECT count(*) AS n, count(note) AS with_note, sum(qty) AS total_qty, sum(amount) AS total_amount,
       avg(qty) AS avg_qty, min(placed_at) AS first_at, max(amount) AS biggest,
       sum(weight) AS total_weight, avg(weight) AS avg_weight
FROM orders WHERE customer = $1;

-- name: PerCustomer :many
SELECT customer, count(*) AS orders, coalesce(sum(amount), 0) AS spent
FROM orders
GROUP BY customer
HAVING count(*) > $1
ORDER BY spent DESC;

-- name: StringAgg :many
SELECT customer, string_agg(note, ', ' ORDER BY placed_at) AS notes, array_agg(id) AS ids,
       bool_and(qty > 0) AS all_positive
FROM orders GROUP BY customer;

-- name: CountDistinct :one
SELECT count(DISTINCT customer) AS customers, count(*) FILTER (WHERE amount > $1) AS big_orders
FROM orders;

-- name: Percentile :one
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median FROM orders;

-- name: GroupByExpr :many
SELECT date_trunc('day', placed_at) AS day, sum(qty)::bigint AS qty FROM orders GROUP BY 1 ORDER BY 1;
