DROP INDEX IF EXISTS embeddings_embedding_idx;
ALTER TABLE embeddings DROP COLUMN IF EXISTS embedding;
DROP EXTENSION IF EXISTS vector;
