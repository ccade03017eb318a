-- name: UnknownName :one
SELECT make_interval(dayz => $1) AS span;

-- name: MissingRequired :one
SELECT shift(days => $1) AS moved;

-- name: Repeated :one
SELECT shift(now(), ts => now()) AS moved;

-- name: NotNamed :one
SELECT length(str => 'abc') AS n;
