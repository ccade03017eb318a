-- name: Truncate :exec
TRUNCATE jobs;

-- name: Notify :exec
NOTIFY job_events, 'changed';

-- name: Lock :exec
LOCK TABLE jobs IN EXCLUSIVE MODE;

-- name: SetTimeout :exec
SET statement_timeout = '5s';

-- name: CallBump :exec
CALL bump($1);

-- name: ExecWithColumns :exec
SELECT id FROM jobs;
