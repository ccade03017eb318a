-- name: LastReply :many
SELECT t.subject, r.body, r.at
FROM threads t
LEFT JOIN LATERAL (
    SELECT body, at FROM replies WHERE thread_id = t.id ORDER BY at DESC LIMIT 1
) r ON true;

-- name: CrossLateral :many
SELECT t.id, r.n FROM threads t, LATERAL (SELECT count(*) AS n FROM replies WHERE thread_id = t.id) r;

-- name: Correlated :many
SELECT t.subject, (SELECT max(at) FROM replies WHERE thread_id = t.id) AS last_at,
       EXISTS (SELECT 1 FROM replies WHERE thread_id = t.id) AS has_replies,
       ARRAY(SELECT id FROM replies WHERE thread_id = t.id) AS reply_ids
FROM threads t;
