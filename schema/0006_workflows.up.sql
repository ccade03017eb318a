-- Adds monthly-partitioned workflow executions, action history, pattern signatures, failed_actions.

-- Partitioned by started_at, so the primary key must include it. Callers keep the pair
-- (id, started_at) as the workflow's handle; it also lets lookups prune to one partition.
CREATE TABLE workflow_executions (
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    workflow_name varchar(128) NOT NULL,
    session_id    text,
    status        text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    input         jsonb NOT NULL DEFAULT '{}',
    output        jsonb,
    -- Append-only array of log entries (objects).
    execution_log jsonb NOT NULL DEFAULT '[]',
    error         text,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);

CREATE TABLE workflow_executions_2026_10 PARTITION OF workflow_executions
    FOR VALUES FROM ('2026-10-01 00:00:00+00') TO ('2026-11-01 00:00:00+00');
CREATE TABLE workflow_executions_2026_11 PARTITION OF workflow_executions
    FOR VALUES FROM ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00');
CREATE TABLE workflow_executions_2026_12 PARTITION OF workflow_executions
    FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');
CREATE TABLE workflow_executions_2027_01 PARTITION OF workflow_executions
    FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00');
CREATE TABLE workflow_executions_2027_02 PARTITION OF workflow_executions
    FOR VALUES FROM ('2027-02-01 00:00:00+00') TO ('2027-03-01 00:00:00+00');
CREATE TABLE workflow_executions_2027_03 PARTITION OF workflow_executions
    FOR VALUES FROM ('2027-03-01 00:00:00+00') TO ('2027-04-01 00:00:00+00');
-- Rows outside the monthly partitions (clock skew, late imports, months not created yet).
CREATE TABLE workflow_executions_default PARTITION OF workflow_executions DEFAULT;

CREATE INDEX workflow_executions_status_idx ON workflow_executions (status, started_at DESC);
CREATE INDEX workflow_executions_name_idx ON workflow_executions (workflow_name, started_at DESC);

-- A foreign key to a partitioned table must reference its whole primary key, so each action
-- carries its workflow's started_at next to its id.
CREATE TABLE action_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id         uuid NOT NULL,
    workflow_started_at timestamptz NOT NULL,
    step                integer NOT NULL CHECK (step >= 0),
    action_type         varchar(64) NOT NULL,
    parameters          jsonb NOT NULL DEFAULT '{}',
    result              jsonb,
    -- NULL while the action runs.
    success             boolean,
    error_message       text,
    duration_ms         double precision,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    FOREIGN KEY (workflow_id, workflow_started_at)
        REFERENCES workflow_executions (id, started_at) ON DELETE CASCADE
);

CREATE INDEX action_history_workflow_idx
    ON action_history (workflow_id, workflow_started_at, step);
CREATE INDEX action_history_parameters_idx ON action_history USING gin (parameters);
CREATE INDEX action_history_failed_idx
    ON action_history (action_type, started_at DESC) WHERE success = false;

CREATE TABLE pattern_signatures (
    id            bigserial PRIMARY KEY,
    -- Hash of the normalised action sequence the pattern was learnt from.
    signature     text NOT NULL UNIQUE,
    pattern_type  varchar(64) NOT NULL,
    pattern       jsonb NOT NULL,
    confidence    numeric(5, 4) NOT NULL DEFAULT 0 CHECK (confidence BETWEEN 0 AND 1),
    occurrences   bigint NOT NULL DEFAULT 1,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pattern_signatures_type_idx ON pattern_signatures (pattern_type, confidence DESC);
CREATE INDEX pattern_signatures_pattern_idx
    ON pattern_signatures USING gin (pattern jsonb_path_ops);

CREATE VIEW failed_actions AS
SELECT a.id,
       a.workflow_id,
       a.workflow_started_at,
       w.workflow_name,
       w.session_id,
       a.step,
       a.action_type,
       a.parameters,
       a.error_message,
       a.duration_ms,
       a.started_at,
       a.finished_at
FROM action_history a
JOIN workflow_executions w
  ON w.id = a.workflow_id AND w.started_at = a.workflow_started_at
WHERE a.success = false;
