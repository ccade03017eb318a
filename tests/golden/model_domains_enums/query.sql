-- name: GetPerson :one
SELECT * FROM people WHERE id = $1;

-- name: ByMood :many
SELECT id, contact FROM people WHERE mood = $1;

-- name: ByMoods :many
SELECT id FROM people WHERE mood = ANY($1::mood[]);

-- name: SetProgress :exec
UPDATE people SET progress = $1 WHERE id = $2;

-- name: InsertPerson :one
INSERT INTO people (contact, mood, status) VALUES ($1, $2, $3) RETURNING id;

-- name: MoodText :many
SELECT mood::text AS mood_label, extra FROM people;

-- name: OpenTickets :many
SELECT id, title FROM app.tickets WHERE status = 'open';

-- name: TicketStatus :one
SELECT status FROM app.tickets WHERE id = $1;
