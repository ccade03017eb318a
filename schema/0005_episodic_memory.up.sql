-- Adds episodic memory: raw events, episodes (tags, importance, nesting) and links between them.
CREATE TABLE raw_data (
    id          bigserial PRIMARY KEY,
    -- No foreign key: raw events are kept after their session expires.
    session_id  text,
    source      varchar(64) NOT NULL,
    kind        varchar(64) NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    content     text,
    attachment  bytea,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX raw_data_session_idx ON raw_data (session_id, occurred_at);
CREATE INDEX raw_data_occurred_idx ON raw_data (occurred_at);

CREATE TABLE episodes (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id     text NOT NULL,
    session_id   text,
    -- A sub-episode points to the episode it is part of.
    parent_id    uuid REFERENCES episodes (id) ON DELETE CASCADE,
    title        varchar(200) NOT NULL,
    summary      text NOT NULL,
    tags         text[] NOT NULL DEFAULT '{}',
    importance   importance_score NOT NULL DEFAULT 0.5,
    episode_date date NOT NULL DEFAULT current_date,
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);

CREATE INDEX episodes_agent_date_idx ON episodes (agent_id, episode_date DESC);
CREATE INDEX episodes_parent_idx ON episodes (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX episodes_tags_idx ON episodes USING gin (tags);

CREATE TABLE episode_raw_data (
    episode_id  uuid NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    raw_data_id bigint NOT NULL REFERENCES raw_data (id) ON DELETE CASCADE,
    -- Order of the event within the episode.
    seq_no      smallint NOT NULL DEFAULT 0,
    relevance   double precision,
    PRIMARY KEY (episode_id, raw_data_id)
);

CREATE INDEX episode_raw_data_raw_idx ON episode_raw_data (raw_data_id);
