CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, score numeric(10, 2));

-- Arguments and results typed after table columns (%TYPE), as PL/pgSQL code often is.
CREATE FUNCTION user_email(uid users.id%TYPE) RETURNS users.email%TYPE
LANGUAGE sql STABLE AS $$ SELECT email FROM users WHERE id = uid $$;

CREATE FUNCTION top_scores(n int) RETURNS SETOF public.users.score%TYPE
LANGUAGE sql STABLE AS $$ SELECT score FROM users ORDER BY score DESC NULLS LAST LIMIT n $$;
