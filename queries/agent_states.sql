-- name: UpsertAgentState :one
-- Saves an agent's state for a session, creating it on first save; step counts the saves.
INSERT INTO agent_states (agent_id, session_id, state)
VALUES (@agent_id, @session_id, @state)
ON CONFLICT (agent_id, session_id) DO UPDATE
SET state = EXCLUDED.state,
    step = agent_states.step + 1,
    updated_at = now()
RETURNING *;

-- name: GetAgentState :one
SELECT * FROM agent_states WHERE agent_id = @agent_id AND session_id = @session_id;

-- name: MergeAgentState :one
-- Merges top-level keys into an existing state and returns the merged state.
UPDATE agent_states
SET state = state || @patch::jsonb, step = step + 1, updated_at = now()
WHERE agent_id = @agent_id AND session_id = @session_id
RETURNING state, step;

-- name: ListAgentStatesForSession :many
-- Every agent's state in a session (the orchestrator's view).
SELECT agent_id, state, step, updated_at
FROM agent_states
WHERE session_id = @session_id
ORDER BY agent_id;

-- name: ListAgentStates :many
-- A page of an agent's states across sessions, most recent first, optionally only those
-- updated since a time.
SELECT session_id, state, step, created_at, updated_at
FROM agent_states
WHERE agent_id = @agent_id
  AND (sqlc.narg(updated_since)::timestamptz IS NULL OR updated_at >= sqlc.narg(updated_since))
ORDER BY updated_at DESC
LIMIT @page_size OFFSET @page_offset;

-- name: CountAgentStates :one
-- How many sessions an agent has state in, and how many of them were active recently.
SELECT count(*) AS total,
       count(*) FILTER (WHERE updated_at > now() - @active_window::interval) AS active
FROM agent_states
WHERE agent_id = @agent_id;

-- name: DeleteAgentState :execrows
DELETE FROM agent_states WHERE agent_id = @agent_id AND session_id = @session_id;
