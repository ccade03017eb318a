-- name: UpsertTool :one
-- Registers a tool, or updates its definition when one with the same name exists
-- (run at start-up for every built-in tool).
INSERT INTO tools (name, description, parameters, allowed_roles, enabled, call_timeout, max_retries)
VALUES (@name, @description, @parameters, @allowed_roles, @enabled, @call_timeout, @max_retries)
ON CONFLICT (name) DO UPDATE
SET description = EXCLUDED.description,
    parameters = EXCLUDED.parameters,
    allowed_roles = EXCLUDED.allowed_roles,
    enabled = EXCLUDED.enabled,
    call_timeout = EXCLUDED.call_timeout,
    max_retries = EXCLUDED.max_retries,
    updated_at = now()
RETURNING *;

-- name: GetToolByName :one
SELECT * FROM tools WHERE name = @name;

-- name: ListToolsForRole :many
-- The enabled tools a message of this role may call: the tool list sent to the model.
SELECT id, name, description, parameters, call_timeout, max_retries
FROM tools
WHERE enabled AND @role::message_role = ANY(allowed_roles)
ORDER BY name;

-- name: SetToolEnabled :execrows
UPDATE tools SET enabled = @enabled, updated_at = now() WHERE name = @name;

-- name: CreateToolCall :one
-- Records the model's request to call a tool; the call starts out pending.
INSERT INTO tool_calls (message_id, tool_id, arguments)
VALUES (@message_id, @tool_id, @arguments)
RETURNING id, status, created_at;

-- name: ClaimPendingToolCalls :many
-- Takes up to batch_size pending calls for this worker. SKIP LOCKED lets several workers
-- poll the queue without blocking each other; call inside a transaction.
SELECT tc.id, tc.message_id, tc.tool_id, t.name AS tool_name, tc.arguments, tc.attempt,
       t.call_timeout, t.max_retries
FROM tool_calls tc
JOIN tools t ON t.id = tc.tool_id
WHERE tc.status = 'pending'
ORDER BY tc.created_at
LIMIT @batch_size
FOR UPDATE OF tc SKIP LOCKED;

-- name: StartToolCall :batchone
-- Moves a claimed call to running and counts the attempt. One batch item per call;
-- no row means another worker got there first.
UPDATE tool_calls
SET status = 'running', attempt = attempt + 1
WHERE id = @id AND status = 'pending'
RETURNING id, attempt;

-- name: CompleteToolCall :execrows
-- Stores a call's outcome. result (JSON), result_blob/result_mime (binary output) and
-- error are each NULL when not applicable.
UPDATE tool_calls
SET status = @status,
    result = @result,
    result_blob = @result_blob,
    result_mime = @result_mime,
    error = @error,
    latency_ms = @latency_ms,
    cost_usd = @cost_usd,
    completed_at = now()
WHERE id = @id AND status IN ('pending', 'running');

-- name: ListToolCallsForMessage :many
-- The calls an assistant message made, in order, with their tool names.
SELECT tc.id, t.name AS tool_name, tc.arguments, tc.status, tc.result, tc.error,
       tc.latency_ms, tc.created_at, tc.completed_at
FROM tool_calls tc
JOIN tools t ON t.id = tc.tool_id
WHERE tc.message_id = @message_id
ORDER BY tc.id;

-- name: GetToolCallBlob :one
-- The binary result of a call (an image, a file) and its media type.
SELECT result_blob, result_mime FROM tool_calls WHERE id = @id;

-- name: RetryFailedToolCalls :execrows
-- Puts failed calls back in the queue while their tool allows more retries.
UPDATE tool_calls tc
SET status = 'pending', error = NULL, completed_at = NULL
FROM tools t
WHERE t.id = tc.tool_id
  AND tc.status = 'failed'
  AND tc.attempt <= t.max_retries
  AND tc.created_at > now() - @max_age::interval;
