-- Named arguments (f(name => value)) are matched to the declared parameter names, as
-- PostgreSQL does: the parameter's type and name come from the parameter named, not from the
-- argument's position.

-- name: IntervalOfSeconds :one
SELECT make_interval(secs => $1) AS span;

-- name: IntervalOfHoursAndSeconds :one
SELECT make_interval(hours => @h, secs => @s) AS span;

-- name: ShiftNamed :one
SELECT shift(hours => @hours, ts => starts_at) AS moved FROM events WHERE id = @id;

-- name: ShiftMixed :one
SELECT shift(starts_at, hours => $1) AS moved FROM events WHERE id = $2;
