-- name: SetValue :exec
-- Stores value under (namespace, key). With a ttl the entry expires ttl from now; a NULL ttl
-- stores it without expiry. Overwrites an existing entry, its TTL included.
INSERT INTO key_value (namespace, key, value, ttl, expires_at)
VALUES (@namespace, @key, @value, sqlc.narg(ttl), now() + sqlc.narg(ttl)::interval)
ON CONFLICT (namespace, key) DO UPDATE
SET value = EXCLUDED.value,
    ttl = EXCLUDED.ttl,
    expires_at = EXCLUDED.expires_at,
    updated_at = now();

-- name: GetValue :one
-- An unexpired entry's value and expiry (NULL: never expires).
SELECT value, expires_at
FROM key_value
WHERE namespace = @namespace
  AND key = @key
  AND (expires_at IS NULL OR expires_at > now());

-- name: GetValues :many
-- Several unexpired entries of a namespace at once; absent keys are simply missing.
SELECT key, value, expires_at
FROM key_value
WHERE namespace = @namespace
  AND key = ANY(@keys::text[])
  AND (expires_at IS NULL OR expires_at > now());

-- name: ListKeys :many
-- The unexpired keys of a namespace that start with prefix, in order.
SELECT key, expires_at, updated_at
FROM key_value
WHERE namespace = @namespace
  AND starts_with(key, @prefix)
  AND (expires_at IS NULL OR expires_at > now())
ORDER BY key
LIMIT @page_size;

-- name: IncrementCounter :one
-- Adds delta to a numeric entry (created at delta when missing or expired) and returns the
-- new value: rate limits and usage counters.
INSERT INTO key_value (namespace, key, value)
VALUES (@namespace, @key, to_jsonb(@delta::bigint))
ON CONFLICT (namespace, key) DO UPDATE
SET value = CASE
        WHEN key_value.expires_at IS NOT NULL AND key_value.expires_at <= now()
            THEN EXCLUDED.value
        ELSE to_jsonb(key_value.value::bigint + @delta)
    END,
    expires_at = CASE
        WHEN key_value.expires_at IS NOT NULL AND key_value.expires_at <= now()
            THEN now() + key_value.ttl
        ELSE key_value.expires_at
    END,
    updated_at = now()
RETURNING value::bigint AS counter;

-- name: SetTTL :execrows
-- Gives an existing, unexpired entry a new time to live from now.
UPDATE key_value
SET ttl = @ttl, expires_at = now() + @ttl, updated_at = now()
WHERE namespace = @namespace
  AND key = @key
  AND (expires_at IS NULL OR expires_at > now());

-- name: DeleteValue :execrows
DELETE FROM key_value WHERE namespace = @namespace AND key = @key;

-- name: PurgeExpiredValues :execrows
-- Removes expired entries (reads already ignore them; this reclaims the space).
DELETE FROM key_value WHERE expires_at IS NOT NULL AND expires_at <= now();
