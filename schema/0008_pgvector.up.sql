-- Adds pgvector: the embedding vector(1536) column on embeddings and its ivfflat cosine index.
-- Kept last on purpose: without the extension a database can stay at 0007, and every query
-- outside queries/embeddings_vector.sql still works.
CREATE EXTENSION IF NOT EXISTS vector;

-- NULL until the embedding worker has computed it.
ALTER TABLE embeddings ADD COLUMN embedding vector(1536);

CREATE INDEX embeddings_embedding_idx ON embeddings
    USING ivfflat (embedding vector_cosine_ops) WITH (lists = 100);
