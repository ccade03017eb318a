-- name: RecordAction :one
-- Records an action a workflow starts; complete it with CompleteAction.
INSERT INTO action_history (workflow_id, workflow_started_at, step, action_type, parameters)
VALUES (@workflow_id, @workflow_started_at, @step, @action_type, @parameters)
RETURNING id, started_at;

-- name: BulkRecordActions :copyfrom
-- Loads finished actions in bulk with COPY (replayed or imported workflow runs).
INSERT INTO action_history (workflow_id, workflow_started_at, step, action_type, parameters,
                            result, success, error_message, duration_ms, started_at,
                            finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: CompleteAction :execrows
-- Stores an action's outcome; duration_ms is measured from started_at.
UPDATE action_history
SET result = @result,
    success = @success,
    error_message = @error_message,
    finished_at = now(),
    duration_ms = extract(epoch FROM now() - started_at) * 1000
WHERE id = @id AND finished_at IS NULL;

-- name: ListActionsForWorkflow :many
SELECT * FROM action_history
WHERE workflow_id = @workflow_id AND workflow_started_at = @workflow_started_at
ORDER BY step, id;

-- name: GetWorkflowTimeline :many
-- A workflow's actions with the time elapsed since the first one and the action before
-- each: the workflow debugger's timeline.
SELECT id,
       step,
       action_type,
       success,
       duration_ms,
       sum(duration_ms) OVER (ORDER BY step, id) AS cumulative_ms,
       lag(action_type) OVER (ORDER BY step, id) AS previous_action_type,
       row_number() OVER (PARTITION BY action_type ORDER BY step, id) AS nth_of_type
FROM action_history
WHERE workflow_id = @workflow_id AND workflow_started_at = @workflow_started_at
ORDER BY step, id;

-- name: FindActionsByParameters :many
-- Actions of a type whose parameters contain filter, e.g. {"url": "https://example.com"},
-- since a time. Uses the GIN index on parameters.
SELECT id, workflow_id, workflow_started_at, step, parameters, result, success, started_at
FROM action_history
WHERE action_type = @action_type
  AND parameters @> @filter::jsonb
  AND started_at >= @since
ORDER BY started_at DESC
LIMIT @page_size;

-- name: ListFailedActions :many
-- Recent failures from the failed_actions view, optionally of one action type.
SELECT *
FROM failed_actions
WHERE started_at >= @since
  AND (sqlc.narg(action_type)::varchar IS NULL OR action_type = sqlc.narg(action_type))
ORDER BY started_at DESC
LIMIT @page_size;

-- name: GetActionParameter :many
-- One parameter of a workflow's actions as text, e.g. the "query" of every search step.
SELECT id, step, parameters ->> @param_name::text AS param_value
FROM action_history
WHERE workflow_id = @workflow_id
  AND workflow_started_at = @workflow_started_at
  AND parameters ? @param_name
ORDER BY step;
