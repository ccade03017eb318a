-- name: GetItem :one
SELECT id FROM items WHERE id = $1;

-- name: GetItemLabel :one
SELECT id,
       label
FROM items
WHERE id = @id;
