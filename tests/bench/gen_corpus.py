#!/usr/bin/env python3
"""Writes the generator benchmark's synthetic project: 200 tables, 2,000 annotated queries.

    gen_corpus.py OUTDIR [N_TABLES] [QUERIES_PER_TABLE]

OUTDIR gets pqgen.json, schema/NNNN_*.sql (20 tables a file) and queries/qNN.sql (10 tables a
file). The queries are the example application's kinds: point selects, joins (inner, 2-level
left), aggregates with FILTER/HAVING, CTEs with window functions, CASE/COALESCE, upserts with
ON CONFLICT ... RETURNING, updates, deletes, and the sqlc macros (sqlc.arg, sqlc.narg,
sqlc.slice, @name). Deterministic (seed 42), so every run parses the same bytes.
"""
import os
import random
import sys

OUT = sys.argv[1]
N_TABLES = int(sys.argv[2]) if len(sys.argv) > 2 else 200
PER_TABLE = int(sys.argv[3]) if len(sys.argv) > 3 else 10
N_ENUMS = 5

rnd = random.Random(42)

NOUNS = ["account", "order", "invoice", "shipment", "ticket", "project", "task", "note",
         "device", "sensor", "reading", "payment", "refund", "coupon", "review", "comment",
         "article", "asset", "booking", "route"]

# (name, type, NOT NULL/DEFAULT clause, pg type family used by queries)
EXTRAS = [
    ("title", "text", "NOT NULL DEFAULT ''", "text"),
    ("body", "text", "", "text"),
    ("amount", "numeric(12,2)", "", "numeric"),
    ("ratio", "double precision", "", "float"),
    ("enabled", "boolean", "NOT NULL DEFAULT true", "bool"),
    ("happened_at", "timestamptz", "", "ts"),
    ("due_on", "date", "", "date"),
    ("ref", "uuid", "", "uuid"),
    ("payload", "jsonb", "NOT NULL DEFAULT '{}'", "jsonb"),
    ("tags", "text[]", "NOT NULL DEFAULT '{}'", "textarr"),
    ("counter", "bigint", "NOT NULL DEFAULT 0", "int"),
    ("status", "STATUS", "NOT NULL DEFAULT 'new'", "enum"),
    ("code", "varchar(32)", "", "text"),
    ("small", "smallint", "", "int"),
    ("span", "interval", "", "interval"),
]


def tname(i):
    return "%s_%03d" % (NOUNS[i % len(NOUNS)], i)


def camel(s):
    return "".join(p.capitalize() for p in s.split("_"))


tables = []
for i in range(N_TABLES):
    extras = rnd.sample(EXTRAS, rnd.randint(0, 10))
    enum = "status_%d" % (i % N_ENUMS)
    cols = [(n, t.replace("STATUS", enum), c, f) for (n, t, c, f) in extras]
    tables.append({"i": i, "name": tname(i), "parent": tname(max(i - 1, 0)),
                   "grand": tname(max(i - 2, 0)), "extras": cols, "enum": enum})


def ddl(t):
    lines = ["    id bigserial PRIMARY KEY",
             "    name text NOT NULL UNIQUE",
             "    parent_id bigint REFERENCES %s (id) ON DELETE SET NULL" % t["parent"],
             "    qty integer NOT NULL DEFAULT 0",
             "    created_at timestamptz NOT NULL DEFAULT now()"]
    for (n, ty, c, _f) in t["extras"]:
        lines.append(("    %s %s %s" % (n, ty, c)).rstrip())
    out = "-- %s: %d columns.\nCREATE TABLE %s (\n%s\n);\n" % (
        t["name"], len(lines), t["name"], ",\n".join(lines))
    out += "CREATE INDEX %s_parent_idx ON %s (parent_id, created_at DESC);\n" % (
        t["name"], t["name"])
    return out


def extra_of(t, fams):
    for (n, _ty, c, f) in t["extras"]:
        if f in fams:
            return n, c
    return None, None


def queries(t):
    T, P, G, C = t["name"], t["parent"], t["grand"], camel(t["name"])
    q = []
    q.append(("Get%s" % C, ":one", "Fetches one row by id.",
              "SELECT * FROM %s WHERE id = $1;" % T))
    q.append(("List%sWithParent" % C, ":many", "A page of rows with their parent's name.",
              "SELECT c.id, c.name, c.qty, p.name AS parent_name, c.created_at\n"
              "FROM %s c\nJOIN %s p ON p.id = c.parent_id\n"
              "WHERE c.qty >= @min_qty\nORDER BY c.id\n"
              "LIMIT @page_size OFFSET @page_offset;" % (T, P)))
    q.append(("List%sTree" % C, ":many", None,
              "SELECT c.id, c.name, p.name AS parent_name,\n"
              "       COALESCE(g.name, '') AS grand_name\n"
              "FROM %s c\nLEFT JOIN %s p ON p.id = c.parent_id\n"
              "LEFT JOIN %s g ON g.id = p.parent_id\n"
              "WHERE c.created_at > sqlc.arg(since)\n"
              "ORDER BY c.created_at DESC;" % (T, P, G)))
    q.append(("%sStats" % C, ":many", "Per parent: rows, quantities, latest creation.",
              "SELECT parent_id,\n       count(*) AS n,\n"
              "       count(*) FILTER (WHERE qty > 0) AS positive,\n"
              "       sum(qty) AS total_qty,\n       avg(qty) AS avg_qty,\n"
              "       max(created_at) AS latest\n"
              "FROM %s\nGROUP BY parent_id\nHAVING count(*) > @min_count\n"
              "ORDER BY n DESC;" % T))
    q.append(("Top%sPerParent" % C, ":many", "The top_n rows by quantity of each parent.",
              "WITH recent AS (\n    SELECT id, parent_id, qty FROM %s WHERE created_at > @since\n"
              "), ranked AS (\n"
              "    SELECT id, parent_id, qty,\n"
              "           row_number() OVER (PARTITION BY parent_id ORDER BY qty DESC) AS rn\n"
              "    FROM recent\n)\n"
              "SELECT r.id, r.qty, r.rn, p.name AS parent_name\n"
              "FROM ranked r\nLEFT JOIN %s p ON p.id = r.parent_id\n"
              "WHERE r.rn <= @top_n\nORDER BY r.parent_id, r.rn;" % (T, P)))
    en, _c = extra_of(t, ("text", "int", "bool"))
    cols, vals = "name, qty, parent_id", "@name, @qty, sqlc.narg(parent_id)"
    if en:
        cols += ", " + en
        vals += ", @" + en
    q.append(("Upsert%s" % C, ":one", "Creates the row or adds to its quantity.",
              "INSERT INTO %s (%s)\nVALUES (%s)\n"
              "ON CONFLICT (name) DO UPDATE\nSET qty = %s.qty + EXCLUDED.qty\n"
              "RETURNING id, qty, created_at;" % (T, cols, vals, T)))
    en, _c = extra_of(t, ("text", "ts", "numeric", "date"))
    if en:
        q.append(("Set%s%s" % (C, camel(en)), ":one", None,
                  "UPDATE %s\nSET %s = sqlc.narg(%s), qty = qty + 1\n"
                  "WHERE id = @id\nRETURNING *;" % (T, en, en)))
    else:
        q.append(("Touch%s" % C, ":execresult", None,
                  "UPDATE %s SET created_at = now() WHERE parent_id = @parent_id;" % T))
    q.append(("Add%sQty" % C, ":execrows", "Adds delta unless the quantity would go negative.",
              "UPDATE %s\nSET qty = qty + @delta\nWHERE id = @id AND qty + @delta >= 0;" % T))
    if t["i"] % 2:
        q.append(("Delete%s" % C, ":exec", None,
                  "DELETE FROM %s WHERE id IN (sqlc.slice(ids));" % T))
    else:
        q.append(("Delete%s" % C, ":execrows", None,
                  "DELETE FROM %s WHERE id = ANY(@ids::bigint[]);" % T))
    q.append(("Search%s" % C, ":many", "Rows whose name starts with prefix, optionally by size.",
              "SELECT id, name,\n"
              "       CASE WHEN qty > 100 THEN 'large' WHEN qty > 10 THEN 'medium'\n"
              "            ELSE 'small' END AS size_class\n"
              "FROM %s\n"
              "WHERE name LIKE @prefix::text || '%%'\n"
              "  AND (sqlc.narg(min_qty)::int IS NULL OR qty >= sqlc.narg(min_qty))\n"
              "ORDER BY name\nLIMIT 50;" % T))
    q.append(("Count%sChildren" % C, ":one", None,
              "SELECT count(*) AS total,\n"
              "       count(*) FILTER (WHERE qty > 0) AS positive,\n"
              "       EXISTS (SELECT 1 FROM %s x WHERE x.parent_id = @parent_id AND x.qty < 0)"
              " AS any_negative\n"
              "FROM %s\nWHERE parent_id = @parent_id;" % (T, T)))
    return q[:PER_TABLE]


os.makedirs(os.path.join(OUT, "schema"), exist_ok=True)
os.makedirs(os.path.join(OUT, "queries"), exist_ok=True)

with open(os.path.join(OUT, "schema", "0000_types.sql"), "w") as f:
    for k in range(N_ENUMS):
        f.write("CREATE TYPE status_%d AS ENUM ('new', 'active', 'done', 'failed');\n" % k)
for start in range(0, N_TABLES, 20):
    path = os.path.join(OUT, "schema", "%04d_tables.sql" % (start // 20 + 1))
    with open(path, "w") as f:
        f.write("-- Tables %d..%d.\n\n" % (start, min(start + 20, N_TABLES) - 1))
        f.write("\n".join(ddl(t) for t in tables[start:start + 20]))

n_queries = 0
for start in range(0, N_TABLES, 10):
    with open(os.path.join(OUT, "queries", "q%02d.sql" % (start // 10)), "w") as f:
        for t in tables[start:start + 10]:
            for (name, cmd, doc, sql) in queries(t):
                f.write("-- name: %s %s\n" % (name, cmd))
                if doc:
                    f.write("-- %s\n" % doc)
                f.write(sql + "\n\n")
                n_queries += 1

with open(os.path.join(OUT, "pqgen.json"), "w") as f:
    f.write('{\n  "version": 1,\n  "schema": ["schema"],\n  "queries": ["queries"],\n'
            '  "out": "gen",\n  "prefix": "corpus"\n}\n')

print("corpus: %d tables, %d queries in %s" % (N_TABLES, n_queries, OUT))
