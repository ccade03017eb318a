-- name: InsertRawData :one
-- Records one raw event (a user action, a sensor reading, a tool output) as it happens.
INSERT INTO raw_data (session_id, source, kind, payload, content, attachment, occurred_at)
VALUES (@session_id, @source, @kind, @payload, @content, @attachment, @occurred_at)
RETURNING id, ingested_at;

-- name: BulkInsertRawData :copyfrom
-- Ingests a batch of raw events with COPY.
INSERT INTO raw_data (session_id, source, kind, payload, content, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: ListUnlinkedRawData :many
-- Raw events of a session not yet part of any episode: input of the consolidation job.
SELECT r.id, r.source, r.kind, r.payload, r.content, r.occurred_at
FROM raw_data r
WHERE r.session_id = @session_id
  AND NOT EXISTS (SELECT 1 FROM episode_raw_data l WHERE l.raw_data_id = r.id)
ORDER BY r.occurred_at
LIMIT @batch_size;

-- name: CreateEpisode :one
-- Creates an episode; parent_id (a containing episode) and ended_at may be NULL.
INSERT INTO episodes (agent_id, session_id, parent_id, title, summary, tags, importance,
                      episode_date, started_at, ended_at)
VALUES (@agent_id, @session_id, @parent_id, @title, @summary, @tags, @importance,
        @episode_date, @started_at, @ended_at)
RETURNING *;

-- name: GetEpisode :one
SELECT * FROM episodes WHERE id = @id;

-- name: LinkEpisodeRawData :batchexec
-- Attaches raw events to an episode, one batch item per event; re-linking is a no-op.
INSERT INTO episode_raw_data (episode_id, raw_data_id, seq_no, relevance)
VALUES (@episode_id, @raw_data_id, @seq_no, @relevance)
ON CONFLICT (episode_id, raw_data_id) DO NOTHING;

-- name: ListEpisodeRawData :many
-- The raw events of an episode, in episode order.
SELECT r.id, r.source, r.kind, r.payload, r.content, r.attachment, r.occurred_at,
       l.seq_no, l.relevance
FROM episode_raw_data l
JOIN raw_data r ON r.id = l.raw_data_id
WHERE l.episode_id = @episode_id
ORDER BY l.seq_no, r.occurred_at;

-- name: ListEpisodes :many
-- An agent's episodes between two dates, most important first. any_tags keeps episodes
-- having at least one of the tags; all_tags those having all of them (both optional).
SELECT id, session_id, parent_id, title, summary, tags, importance, episode_date,
       started_at, ended_at
FROM episodes
WHERE agent_id = @agent_id
  AND episode_date BETWEEN @from_date AND @until_date
  AND (sqlc.narg(any_tags)::text[] IS NULL OR tags && sqlc.narg(any_tags))
  AND (sqlc.narg(all_tags)::text[] IS NULL OR tags @> sqlc.narg(all_tags))
  AND importance >= @min_importance
ORDER BY importance DESC, started_at DESC
LIMIT @page_size;

-- name: ListLatestEpisodePerSession :many
-- The most recent episode of each of an agent's sessions.
SELECT DISTINCT ON (session_id)
       session_id, id, title, summary, importance, started_at
FROM episodes
WHERE agent_id = @agent_id AND session_id IS NOT NULL
ORDER BY session_id, started_at DESC;

-- name: GetEpisodeTree :many
-- An episode and all its sub-episodes, depth first, with their depth (root = 0) and path.
WITH RECURSIVE tree AS (
    SELECT e.id, e.parent_id, e.title, e.started_at, 0 AS depth,
           ARRAY[e.id] AS path
    FROM episodes e
    WHERE e.id = @root_id
    UNION ALL
    SELECT c.id, c.parent_id, c.title, c.started_at, t.depth + 1,
           t.path || c.id
    FROM episodes c
    JOIN tree t ON c.parent_id = t.id
    WHERE t.depth < 32
)
SELECT id, parent_id, title, started_at, depth, path
FROM tree
ORDER BY path;

-- name: AddEpisodeTags :one
-- Adds tags to an episode (keeping each tag once) and returns the resulting tags.
UPDATE episodes
SET tags = ARRAY(SELECT DISTINCT unnest(tags || @new_tags::text[]) ORDER BY 1)
WHERE id = @id
RETURNING tags;

-- name: CloseEpisode :execrows
-- Ends an open episode, after the fact if ended_at is in the past.
UPDATE episodes SET ended_at = @ended_at WHERE id = @id AND ended_at IS NULL;

-- name: DeleteEpisode :execrows
-- Deletes an episode with its sub-episodes and links (raw events are kept).
DELETE FROM episodes WHERE id = @id;
