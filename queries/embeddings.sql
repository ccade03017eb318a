-- Embedding bookkeeping that works without pgvector. Queries on the vector column itself are
-- in embeddings_vector.sql. No SELECT * here: the embedding column exists only after 0008.

-- name: UpsertEmbeddingRecord :one
-- Records that content was (re-)embedded with model; on a repeat, refreshes the hash.
INSERT INTO embeddings (content_type, content_id, model, content_hash, metadata)
VALUES (@content_type, @content_id, @model, @content_hash, @metadata)
ON CONFLICT (content_type, content_id, model) DO UPDATE
SET content_hash = EXCLUDED.content_hash,
    metadata = EXCLUDED.metadata,
    created_at = now()
RETURNING id, created_at;

-- name: GetEmbeddingRecord :one
SELECT id, content_type, content_id, model, content_hash, metadata, created_at
FROM embeddings
WHERE content_type = @content_type AND content_id = @content_id AND model = @model;

-- name: IsEmbeddingCurrent :one
-- True when content with this hash is already embedded with model: the worker skips it.
SELECT EXISTS (
    SELECT 1
    FROM embeddings
    WHERE content_type = @content_type
      AND content_id = @content_id
      AND model = @model
      AND content_hash = @content_hash
) AS is_current;

-- name: ListEmbeddingRecords :many
-- A page of a model's embedding records, newest first, optionally of one content type.
SELECT id, content_type, content_id, model, created_at
FROM embeddings
WHERE model = @model
  AND (sqlc.narg(content_type)::varchar IS NULL OR content_type = sqlc.narg(content_type))
ORDER BY created_at DESC, id
LIMIT @page_size OFFSET @page_offset;

-- name: DeleteEmbeddingsForContent :execrows
-- Forgets the embeddings of deleted content, all models at once.
DELETE FROM embeddings
WHERE content_type = @content_type AND content_id = ANY(@content_ids::uuid[]);
