-- name: EmailOf :one
SELECT user_email($1) AS email;

-- name: TopScores :many
SELECT s FROM top_scores(@n) AS s;
