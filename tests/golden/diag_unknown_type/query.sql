-- name: Cast :one
SELECT $1::nosuchtype;
