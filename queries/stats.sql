-- name: GetUserUsageStats :one
-- Totals for a user's account page. One row even for a user with no conversations.
SELECT count(DISTINCT c.id) AS conversations,
       count(m.id) AS messages,
       count(m.id) FILTER (WHERE m.role = 'user') AS user_messages,
       count(m.id) FILTER (WHERE m.role = 'assistant') AS assistant_messages,
       sum(m.token_count) AS total_tokens,
       avg(m.token_count) AS avg_tokens_per_message,
       max(m.created_at) AS last_message_at
FROM conversations c
LEFT JOIN messages m ON m.conversation_id = c.id
WHERE c.user_id = @user_id AND c.deleted_at IS NULL;

-- name: DailyMessageVolume :many
-- Messages and tokens per day and role since a date, for the usage chart.
SELECT m.created_at::date AS day,
       m.role,
       count(*) AS messages,
       coalesce(sum(m.token_count), 0)::bigint AS tokens
FROM messages m
JOIN conversations c ON c.id = m.conversation_id
WHERE c.user_id = @user_id AND m.created_at >= @since_date::date
GROUP BY day, m.role
ORDER BY day, m.role;

-- name: ToolUsageStats :many
-- Per tool since a time: calls, outcomes, latency (mean, p95, max) and cost.
SELECT t.name,
       count(tc.id) AS calls,
       count(tc.id) FILTER (WHERE tc.status = 'succeeded') AS succeeded,
       count(tc.id) FILTER (WHERE tc.status = 'failed') AS failed,
       avg(tc.latency_ms) AS avg_latency_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY tc.latency_ms) AS p95_latency_ms,
       max(tc.latency_ms) AS max_latency_ms,
       sum(tc.cost_usd) AS total_cost_usd
FROM tools t
LEFT JOIN tool_calls tc ON tc.tool_id = t.id AND tc.created_at >= @since
GROUP BY t.id, t.name
ORDER BY calls DESC, t.name;

-- name: MemoryStatsByKind :many
-- A user's memories per kind: how many, how important, how often used.
SELECT kind,
       count(*) AS memories,
       avg(importance) AS avg_importance,
       sum(access_count) AS total_accesses,
       max(last_accessed_at) AS last_accessed_at
FROM memories
WHERE user_id = @user_id
GROUP BY kind
ORDER BY kind;

-- name: WorkflowStatsByName :many
-- Per workflow since a time: runs, failures, success rate (%) and run times.
SELECT workflow_name,
       count(*) AS runs,
       count(*) FILTER (WHERE status = 'failed') AS failures,
       round(100.0 * count(*) FILTER (WHERE status = 'succeeded')
             / nullif(count(*) FILTER (WHERE status IN ('succeeded', 'failed')), 0), 2)
           AS success_rate_pct,
       avg(finished_at - started_at) AS avg_duration,
       max(finished_at - started_at) AS max_duration
FROM workflow_executions
WHERE started_at >= @since
GROUP BY workflow_name
ORDER BY runs DESC;

-- name: TopFailingActionTypes :many
-- Action types ranked by failures since a time, with their failure share.
SELECT action_type,
       count(*) AS attempts,
       count(*) FILTER (WHERE success = false) AS failures,
       avg(duration_ms) FILTER (WHERE success = false) AS avg_failed_duration_ms,
       rank() OVER (ORDER BY count(*) FILTER (WHERE success = false) DESC) AS failure_rank
FROM action_history
WHERE started_at >= @since
GROUP BY action_type
HAVING count(*) FILTER (WHERE success = false) > 0
ORDER BY failure_rank, action_type
LIMIT @max_results;

-- name: TopEpisodeTags :many
-- An agent's most used episode tags.
SELECT tag, count(*) AS episodes
FROM episodes, unnest(tags) AS tag
WHERE agent_id = @agent_id
GROUP BY tag
ORDER BY episodes DESC, tag
LIMIT @max_results;

-- name: RecentActivity :many
-- A session's activity feed: workflow runs, failed actions and episodes, newest first.
SELECT 'workflow' AS kind, w.workflow_name::text AS label, w.status AS detail,
       w.started_at AS at
FROM workflow_executions w
WHERE w.session_id = @session_id AND w.started_at >= @since
UNION ALL
SELECT 'failed_action', f.action_type::text, f.error_message, f.started_at
FROM failed_actions f
WHERE f.session_id = @session_id AND f.started_at >= @since
UNION ALL
SELECT 'episode', e.title::text, e.summary, e.started_at
FROM episodes e
WHERE e.session_id = @session_id AND e.started_at >= @since
ORDER BY at DESC
LIMIT @max_results;

-- name: ServerTimeAfter :one
-- The server's clock after sleeping `seconds`: a deliberately slow round trip, used by the demo
-- to show the slow-query log and by health checks that exercise a connection end to end.
SELECT clock_timestamp() AS server_time FROM pg_sleep(@seconds::float8);
