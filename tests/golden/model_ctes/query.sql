-- name: SimpleCTE :many
WITH roots AS (SELECT id, label FROM nodes WHERE parent_id IS NULL)
SELECT * FROM roots ORDER BY label;

-- name: NestedCTE :many
WITH a AS (SELECT id, parent_id FROM nodes),
     b AS (WITH inner_cte AS (SELECT id FROM a WHERE parent_id = $1) SELECT id FROM inner_cte)
SELECT b.id FROM b;

-- name: RecursiveTree :many
WITH RECURSIVE tree (id, label, depth) AS (
    SELECT id, label, 0 FROM nodes WHERE id = $1
    UNION ALL
    SELECT n.id, n.label, t.depth + 1 FROM nodes n JOIN tree t ON n.parent_id = t.id
)
SELECT id, label, depth FROM tree;

-- name: CTELeftJoin :many
WITH kids AS (SELECT parent_id, count(*) AS n FROM nodes GROUP BY parent_id)
SELECT nodes.label, kids.n FROM nodes LEFT JOIN kids ON kids.parent_id = nodes.id;

-- name: DataModifyingCTE :one
WITH moved AS (
    UPDATE nodes SET parent_id = $2 WHERE id = $1 RETURNING id, label
)
INSERT INTO audit (node_id, what) SELECT id, 'moved ' || label FROM moved
RETURNING id, node_id;

-- name: DeleteReturningCTE :many
WITH gone AS (DELETE FROM nodes WHERE parent_id = $1 RETURNING *)
SELECT id, label FROM gone;
