-- name: CreateSession :one
-- Opens a session. user_id is NULL for an anonymous session; expires_at NULL never expires.
INSERT INTO sessions (id, user_id, data, expires_at)
VALUES (@id, @user_id, @data, @expires_at)
RETURNING *;

-- name: GetSession :one
-- An unexpired session with its data and the version to pass to the next update.
SELECT * FROM sessions
WHERE id = @id AND (expires_at IS NULL OR expires_at > now());

-- name: GetSessionField :one
-- One top-level key of the session data, as text (NULL when absent).
SELECT data ->> @field::text AS value
FROM sessions
WHERE id = @id;

-- name: UpdateSessionData :one
-- Optimistic locking: replaces the data only if the session is still at expected_version,
-- and returns the new version. No row means someone else updated it first: re-read, retry.
UPDATE sessions
SET data = @data, version = version + 1, updated_at = now()
WHERE id = @id AND version = @expected_version
RETURNING version;

-- name: SetSessionPath :one
-- Optimistic locking on a single value: sets data at path (e.g. {"cart","items"}) to value.
UPDATE sessions
SET data = jsonb_set(data, @path::text[], @value::jsonb, true),
    version = version + 1,
    updated_at = now()
WHERE id = @id AND version = @expected_version
RETURNING version, data;

-- name: AttachSessionUser :execrows
-- Binds an anonymous session to the user who just signed in.
UPDATE sessions
SET user_id = @user_id, version = version + 1, updated_at = now()
WHERE id = @id AND user_id IS NULL;

-- name: ExtendSession :execrows
-- Pushes the expiry of an active session extend_by from now.
UPDATE sessions
SET expires_at = now() + sqlc.arg(extend_by)::interval, updated_at = now()
WHERE id = @id AND (expires_at IS NULL OR expires_at > now());

-- name: ListUserSessions :many
-- A user's unexpired sessions, most recently used first.
SELECT id, version, created_at, updated_at, expires_at
FROM sessions
WHERE user_id = @user_id AND (expires_at IS NULL OR expires_at > now())
ORDER BY updated_at DESC;

-- name: DeleteSession :exec
DELETE FROM sessions WHERE id = $1;

-- name: PurgeExpiredSessions :execresult
-- Deletes expired sessions (their agent states go with them, by cascade).
DELETE FROM sessions WHERE expires_at IS NOT NULL AND expires_at <= now();
