-- name: Roster :many
SELECT * FROM roster WHERE team = $1;

-- name: RosterNames :many
SELECT name, team FROM roster ORDER BY name;

-- name: TeamScores :many
SELECT t.name, s.total FROM team_scores s JOIN teams t ON t.id = s.team_id;

-- name: Leaderboard :many
SELECT * FROM leaderboard WHERE place <= $1;

-- name: RefreshLeaderboard :exec
REFRESH MATERIALIZED VIEW CONCURRENTLY leaderboard;
