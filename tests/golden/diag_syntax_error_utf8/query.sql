-- name: Greet :one
SELECT 'héllo wörld', name FRM authors;
