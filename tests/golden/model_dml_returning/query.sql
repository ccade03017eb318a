-- name: CreateUser :one
INSERT INTO users (email, name, age) VALUES ($1, $2, $3) RETURNING *;

-- name: CreateUserDefaults :exec
INSERT INTO users (email) VALUES ($1);

-- name: InsertSelect :execrows
INSERT INTO logins (user_id, at) SELECT id, $1 FROM users WHERE email = $2;

-- name: Upsert :one
INSERT INTO users (email, name) VALUES ($1, $2)
ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, active = true
RETURNING id, (xmax = 0) AS inserted;

-- name: UpsertNothing :exec
INSERT INTO users (email) VALUES ($1) ON CONFLICT DO NOTHING;

-- name: UpdateName :one
UPDATE users SET name = $2, age = $3 WHERE id = $1 RETURNING id, name, age;

-- name: UpdateMulti :exec
UPDATE users SET (name, age) = ($1, $2) WHERE email = $3;

-- name: UpdateFrom :many
UPDATE users u SET active = false FROM logins l
WHERE l.user_id = u.id AND l.at < $1
RETURNING u.id, l.at;

-- name: DeleteUsing :execrows
DELETE FROM logins USING users WHERE logins.user_id = users.id AND users.email = $1;

-- name: DeleteReturning :many
DELETE FROM users WHERE created_at < $1 RETURNING id, email;

-- name: InsertMultiRow :exec
INSERT INTO logins (user_id, at) VALUES ($1, now()), ($2, now());
