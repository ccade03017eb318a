-- A workflow execution is identified by (id, started_at): the table is partitioned by
-- started_at, and passing both lets the server look in a single partition.

-- name: StartWorkflow :one
INSERT INTO workflow_executions (workflow_name, session_id, status, input)
VALUES (@workflow_name, @session_id, 'running', @input)
RETURNING id, started_at;

-- name: GetWorkflowExecution :one
SELECT * FROM workflow_executions WHERE id = @id AND started_at = @started_at;

-- name: AppendWorkflowLog :execrows
-- Appends one entry (a JSON object) to the execution log of a running workflow.
UPDATE workflow_executions
SET execution_log = execution_log || jsonb_build_array(@entry::jsonb)
WHERE id = @id AND started_at = @started_at AND status = 'running';

-- name: FinishWorkflow :execrows
-- Records the outcome of a workflow: status is succeeded, failed or cancelled.
-- 0 rows: it had already finished.
UPDATE workflow_executions
SET status = @status, output = @output, error = @error, finished_at = now()
WHERE id = @id
  AND started_at = @started_at
  AND status IN ('pending', 'running');

-- name: ListWorkflowExecutions :many
-- Executions started in [since, until), newest first, with optional status and name filters.
SELECT id, workflow_name, session_id, status, error, started_at, finished_at,
       finished_at - started_at AS duration
FROM workflow_executions
WHERE started_at >= @since
  AND started_at < @until
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status))
  AND (sqlc.narg(workflow_name)::varchar IS NULL OR workflow_name = sqlc.narg(workflow_name))
ORDER BY started_at DESC
LIMIT @page_size;

-- name: ListStuckWorkflows :many
-- Workflows still running after max_runtime: candidates for the watchdog to cancel.
SELECT id, started_at, workflow_name, session_id, now() - started_at AS running_for
FROM workflow_executions
WHERE status = 'running' AND started_at < now() - sqlc.arg('max_runtime')::interval
ORDER BY started_at;

-- name: CancelWorkflow :batchexec
-- Cancels workflows found by ListStuckWorkflows, one batch item per workflow.
UPDATE workflow_executions
SET status = 'cancelled', error = @reason, finished_at = now()
WHERE id = @id AND started_at = @started_at AND status = 'running';

-- name: DeleteWorkflowsBefore :execrows
-- Retention: deletes executions (and their actions) started before cutoff.
DELETE FROM workflow_executions WHERE started_at < @cutoff;
