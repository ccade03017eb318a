-- name: UpsertPatternSignature :one
-- Records one more sighting of a pattern: creates it, or bumps its occurrences and keeps the
-- higher confidence.
INSERT INTO pattern_signatures (signature, pattern_type, pattern, confidence)
VALUES (@signature, @pattern_type, @pattern, @confidence)
ON CONFLICT (signature) DO UPDATE
SET occurrences = pattern_signatures.occurrences + 1,
    confidence = greatest(pattern_signatures.confidence, EXCLUDED.confidence),
    pattern = EXCLUDED.pattern,
    last_seen_at = now()
RETURNING *;

-- name: GetPatternSignature :one
SELECT * FROM pattern_signatures WHERE signature = @signature;

-- name: ListPatterns :many
-- Patterns at or above min_confidence, optionally of one type, most confident first.
SELECT id, signature, pattern_type, pattern, confidence, occurrences, last_seen_at
FROM pattern_signatures
WHERE confidence >= @min_confidence
  AND (sqlc.narg(pattern_type)::varchar IS NULL OR pattern_type = sqlc.narg(pattern_type))
ORDER BY confidence DESC, occurrences DESC
LIMIT @page_size OFFSET @page_offset;

-- name: MatchPatterns :many
-- Patterns whose JSON contains fragment, e.g. {"trigger": "login_failed"}.
SELECT id, signature, pattern_type, pattern, confidence
FROM pattern_signatures
WHERE pattern @> @fragment::jsonb AND confidence >= @min_confidence
ORDER BY confidence DESC;

-- name: AdjustPatternConfidence :batchone
-- Moves a pattern's confidence by delta (positive after a confirmed prediction, negative
-- after a wrong one), clamped to [0, 1]. One batch item per pattern.
UPDATE pattern_signatures
SET confidence = least(1, greatest(0, confidence + @delta::numeric))
WHERE signature = @signature
RETURNING confidence;

-- name: PrunePatterns :execrows
-- Forgets patterns that stayed below min_confidence and were not seen since stale_before.
DELETE FROM pattern_signatures
WHERE confidence < @min_confidence AND last_seen_at < @stale_before;
