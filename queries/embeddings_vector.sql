-- Queries on embeddings.embedding (pgvector, migration 0008). Tests skip this file as a whole
-- when the extension is not installed. <=> is cosine distance; similarity = 1 - distance.

-- name: SetEmbeddingVector :execrows
-- Stores the vector computed by the embedding worker.
UPDATE embeddings SET embedding = @embedding WHERE id = @id;

-- name: UpsertEmbedding :one
-- Inserts or replaces the embedding of a piece of content in one step.
INSERT INTO embeddings (content_type, content_id, model, content_hash, metadata, embedding)
VALUES (@content_type, @content_id, @model, @content_hash, @metadata, @embedding)
ON CONFLICT (content_type, content_id, model) DO UPDATE
SET content_hash = EXCLUDED.content_hash,
    metadata = EXCLUDED.metadata,
    embedding = EXCLUDED.embedding,
    created_at = now()
RETURNING id;

-- name: SearchSimilarEmbeddings :many
-- The k nearest embeddings to query whose cosine similarity exceeds min_similarity,
-- optionally of one content type, most similar first.
SELECT id,
       content_type,
       content_id,
       metadata,
       1 - (embedding <=> @query) AS similarity
FROM embeddings
WHERE embedding IS NOT NULL
  AND model = @model
  AND (sqlc.narg(content_type)::varchar IS NULL OR content_type = sqlc.narg(content_type))
  AND 1 - (embedding <=> @query) > @min_similarity
ORDER BY embedding <=> @query
LIMIT @k;

-- name: SearchSimilarMemories :many
-- Recall: a user's live memories closest in meaning to query, most similar first.
SELECT mem.id,
       mem.kind,
       mem.content,
       mem.importance,
       1 - (e.embedding <=> @query) AS similarity
FROM embeddings e
JOIN memories mem ON mem.id = e.content_id
WHERE e.content_type = 'memory'
  AND e.model = @model
  AND mem.user_id = @user_id
  AND (mem.expires_at IS NULL OR mem.expires_at > now())
  AND 1 - (e.embedding <=> @query) > @min_similarity
ORDER BY e.embedding <=> @query
LIMIT @k;

-- name: SearchSimilarMessages :many
-- Messages from a user's live conversations closest in meaning to query.
SELECT msg.id,
       msg.conversation_id,
       c.title AS conversation_title,
       msg.role,
       msg.content,
       1 - (e.embedding <=> @query) AS similarity
FROM embeddings e
JOIN messages msg ON msg.id = e.content_id
JOIN conversations c ON c.id = msg.conversation_id
WHERE e.content_type = 'message'
  AND e.model = @model
  AND c.user_id = @user_id
  AND c.deleted_at IS NULL
  AND 1 - (e.embedding <=> @query) > @min_similarity
ORDER BY e.embedding <=> @query
LIMIT @k;

-- name: ListMissingEmbeddings :many
-- Work queue of the embedding worker: records still waiting for their vector.
SELECT id, content_type, content_id, model
FROM embeddings
WHERE embedding IS NULL
ORDER BY created_at
LIMIT @batch_size;
