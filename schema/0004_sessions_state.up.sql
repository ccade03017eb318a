-- Adds sessions (optimistic locking by version), the key-value store with TTL and agent states.
CREATE TABLE sessions (
    id         text PRIMARY KEY,
    user_id    text NOT NULL,
    data       jsonb NOT NULL DEFAULT '{}',
    -- Incremented by every update; writers pass the version they read.
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz
);

CREATE INDEX sessions_user_idx ON sessions (user_id, updated_at DESC);
CREATE INDEX sessions_expires_idx ON sessions (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE key_value (
    namespace  varchar(64) NOT NULL DEFAULT 'default',
    key        text NOT NULL,
    value      jsonb NOT NULL,
    -- Both NULL: the entry never expires. expires_at = updated_at + ttl when set.
    ttl        interval,
    expires_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, key)
);

CREATE INDEX key_value_expires_idx ON key_value (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE agent_states (
    agent_id   text NOT NULL,
    session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    state      jsonb NOT NULL DEFAULT '{}',
    -- How many times the agent saved its state in this session.
    step       integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, session_id)
);

CREATE INDEX agent_states_session_idx ON agent_states (session_id);
