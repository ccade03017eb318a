-- name: AllPets :many
SELECT id, name FROM cats UNION ALL SELECT id, name FROM dogs;

-- name: Owners :many
SELECT owner FROM cats INTERSECT SELECT owner FROM dogs;

-- name: OnlyCats :many
SELECT name FROM cats EXCEPT SELECT name FROM dogs;

-- name: UnionLiteral :many
SELECT 'cat' AS kind, name FROM cats WHERE owner = $1
UNION
SELECT 'dog', name FROM dogs WHERE owner = $1
ORDER BY name
LIMIT $2;

-- name: ValuesList :many
VALUES (1, 'one'), (2, 'two');

-- name: ValuesInFrom :many
SELECT v.n, v.word FROM (VALUES (1, 'one'), (2, NULL)) AS v (n, word);
