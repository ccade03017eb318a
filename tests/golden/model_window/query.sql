-- name: Ranked :many
SELECT player, points,
       row_number() OVER w AS rn,
       rank() OVER (PARTITION BY game ORDER BY points DESC) AS rnk,
       dense_rank() OVER (ORDER BY points) AS drnk,
       lag(points) OVER (PARTITION BY player ORDER BY game) AS prev_points,
       sum(points) OVER (PARTITION BY player) AS player_total,
       count(*) OVER () AS total_rows,
       ntile(4) OVER (ORDER BY points) AS quartile,
       first_value(player) OVER (ORDER BY points DESC) AS best
FROM scores
WINDOW w AS (ORDER BY game);

-- name: DistinctOn :many
SELECT DISTINCT ON (player) player, game, points FROM scores ORDER BY player, points DESC;

-- name: LockRows :many
SELECT player FROM scores WHERE game = $1 FOR UPDATE SKIP LOCKED;
