DROP TABLE IF EXISTS memories;
DROP TYPE IF EXISTS memory_kind;
DROP TABLE IF EXISTS embeddings;
DROP DOMAIN IF EXISTS importance_score;
