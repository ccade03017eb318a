/*
 * test_analyze.c - model_build() end to end on in-memory schema and query text: catalog
 * building, parameter and column types, nullability, names, the rewritten SQL and the
 * diagnostics for each kind of mistake. Golden cases (tests/golden/model_*) cover more SQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "diag.h"
#include "model.h"
#include "pgnode.h"
#include "source.h"

static const char *SCHEMA =
    "CREATE TYPE role AS ENUM ('user', 'assistant');\n"
    "CREATE DOMAIN score AS real;\n"
    "CREATE TABLE conv (id uuid PRIMARY KEY, user_id text NOT NULL, title varchar(200),\n"
    "  created_at timestamptz NOT NULL DEFAULT now(), deleted_at timestamptz);\n"
    "CREATE TABLE msg (id bigserial PRIMARY KEY, conv_id uuid NOT NULL, role role NOT NULL,\n"
    "  body text NOT NULL, tokens int4, s score);\n";

typedef struct built {
    json_t *model;
    diag_list d;
    src_set schema, queries;
} built;

static void
build(built *b, const char *schema, const char *queries)
{
    memset(b, 0, sizeof *b);
    assert_int_equal(source_load_text("schema.sql", schema, strlen(schema), SRC_SCHEMA,
                                      &b->schema, &b->d), 0);
    assert_int_equal(source_load_text("query.sql", queries, strlen(queries), SRC_QUERIES,
                                      &b->queries, &b->d), 0);
    b->model = model_build(&b->schema, &b->queries, &b->d);
    assert_non_null(b->model);
}

static void
unbuild(built *b)
{
    json_decref(b->model);
    diag_list_free(&b->d);
    source_set_free(&b->schema);
    source_set_free(&b->queries);
}

static json_t *
query(built *b, const char *name)
{
    json_t *qs = json_object_get(b->model, "queries");
    for (size_t i = 0; i < json_array_size(qs); i++) {
        json_t *q = json_array_get(qs, i);
        if (!strcmp(json_string_value(json_object_get(q, "name")), name))
            return q;
    }
    fail_msg("query %s not in the model", name);
    return NULL;
}

static void
check_item(json_t *it, const char *name, const char *type, int dims, bool nullable)
{
    assert_non_null(it);
    assert_string_equal(json_string_value(json_object_get(it, "name")), name);
    assert_string_equal(json_string_value(json_object_get(it, "type")), type);
    assert_int_equal(json_integer_value(json_object_get(it, "array_dims")), dims);
    assert_int_equal(json_is_true(json_object_get(it, "nullable")), nullable);
}

static void
col(built *b, const char *q, size_t i, const char *name, const char *type, int dims,
    bool nullable)
{
    check_item(json_array_get(json_object_get(query(b, q), "columns"), i), name, type, dims,
               nullable);
}

static void
param(built *b, const char *q, size_t i, const char *name, const char *type, int dims,
      bool nullable)
{
    check_item(json_array_get(json_object_get(query(b, q), "params"), i), name, type, dims,
               nullable);
}

static size_t
ncols(built *b, const char *q)
{
    return json_array_size(json_object_get(query(b, q), "columns"));
}

static const char *
qstr(built *b, const char *q, const char *key)
{
    return json_string_value(json_object_get(query(b, q), key));
}

/* The first diagnostic whose message contains needle, or NULL. */
static const diag *
find_diag(const built *b, const char *needle)
{
    for (size_t i = 0; i < b->d.len; i++)
        if (strstr(b->d.items[i].message, needle))
            return &b->d.items[i];
    return NULL;
}

static void
test_select_basics(void **state)
{
    (void)state;
    built b;
    build(&b, SCHEMA,
          "-- name: Get :one\nSELECT * FROM conv WHERE id = $1 AND deleted_at IS NULL;\n"
          "-- name: Some :many\nSELECT id, title FROM conv WHERE user_id = $1 LIMIT $2 "
          "OFFSET $3;\n");
    assert_int_equal(b.d.n_errors, 0);
    assert_int_equal(ncols(&b, "Get"), 5);
    col(&b, "Get", 0, "id", "uuid", 0, false);
    col(&b, "Get", 2, "title", "varchar", 0, true);
    param(&b, "Get", 0, "id", "uuid", 0, false);
    assert_string_equal(qstr(&b, "Get", "table"), "conv");
    assert_string_equal(qstr(&b, "Get", "statement"), "select");
    assert_string_equal(qstr(&b, "Get", "sql"),
                        "SELECT * FROM conv WHERE id = $1 AND deleted_at IS NULL");
    assert_true(json_is_null(json_object_get(query(&b, "Some"), "table")));
    param(&b, "Some", 0, "user_id", "text", 0, false);
    param(&b, "Some", 1, "limit", "int8", 0, false);
    param(&b, "Some", 2, "offset", "int8", 0, false);
    json_t *c0 = json_array_get(json_object_get(query(&b, "Get"), "columns"), 0);
    assert_int_equal(json_integer_value(json_object_get(c0, "oid")), 2950);
    assert_string_equal(json_string_value(json_object_get(c0, "table")), "conv");
    unbuild(&b);
}

static void
test_join_nullability(void **state)
{
    (void)state;
    built b;
    build(&b, SCHEMA,
          "-- name: L :many\nSELECT c.id, m.id AS mid, m.body FROM conv c "
          "LEFT JOIN msg m ON m.conv_id = c.id;\n"
          "-- name: R :many\nSELECT c.user_id, m.body FROM conv c RIGHT JOIN msg m ON "
          "m.conv_id = c.id;\n"
          "-- name: F :many\nSELECT c.user_id, m.body FROM conv c FULL JOIN msg m ON "
          "m.conv_id = c.id;\n"
          "-- name: Sub :many\nSELECT x.body FROM (SELECT m.body FROM conv c LEFT JOIN msg m "
          "ON m.conv_id = c.id) x;\n"
          "-- name: Cte :many\nWITH x AS (SELECT m.body FROM conv c LEFT JOIN msg m "
          "ON m.conv_id = c.id) SELECT body FROM x;\n");
    assert_int_equal(b.d.n_errors, 0);
    col(&b, "L", 0, "id", "uuid", 0, false);
    col(&b, "L", 1, "mid", "int8", 0, true);
    col(&b, "L", 2, "body", "text", 0, true);
    col(&b, "R", 0, "user_id", "text", 0, true);
    col(&b, "R", 1, "body", "text", 0, false);
    col(&b, "F", 0, "user_id", "text", 0, true);
    col(&b, "F", 1, "body", "text", 0, true);
    col(&b, "Sub", 0, "body", "text", 0, true);
    col(&b, "Cte", 0, "body", "text", 0, true);
    unbuild(&b);
}

static void
test_expressions(void **state)
{
    (void)state;
    built b;
    build(&b, SCHEMA,
          "-- name: Agg :one\nSELECT count(*), sum(tokens) AS s, avg(tokens) AS a, "
          "max(body) AS mx,\n"
          "  coalesce(sum(tokens), 0) AS s0, count(tokens) AS ct FROM msg;\n"
          "-- name: Exprs :many\nSELECT CASE WHEN tokens > 1 THEN 'x' END AS c1,\n"
          "  CASE WHEN tokens > 1 THEN 'x' ELSE 'y' END AS c2, tokens + 1 AS t1, "
          "upper(body) AS u,\n"
          "  NULLIF(body, '') AS nf, greatest(tokens, 3) AS g, 42 AS lit, NULL AS nul,\n"
          "  body::varchar AS cast_keep, tokens::text AS cast_null,\n"
          "  (SELECT max(created_at) FROM conv) AS scalar, EXISTS (SELECT 1 FROM conv) AS ex,\n"
          "  row_number() OVER () AS rn, lag(body) OVER () AS prev, now() AS ts FROM msg;\n"
          "-- name: Names :many\nSELECT body, count(*), tokens::int8, CASE WHEN true THEN 1 END\n"
          "FROM msg GROUP BY body, tokens;\n");
    assert_int_equal(b.d.n_errors, 0);
    col(&b, "Agg", 0, "count", "int8", 0, false);
    col(&b, "Agg", 1, "s", "int8", 0, true);
    col(&b, "Agg", 2, "a", "numeric", 0, true);
    col(&b, "Agg", 3, "mx", "text", 0, true);
    col(&b, "Agg", 4, "s0", "int8", 0, false);
    col(&b, "Agg", 5, "ct", "int8", 0, false);
    col(&b, "Exprs", 0, "c1", "text", 0, true);
    col(&b, "Exprs", 1, "c2", "text", 0, false);
    col(&b, "Exprs", 2, "t1", "int4", 0, true);
    col(&b, "Exprs", 3, "u", "text", 0, false);
    col(&b, "Exprs", 4, "nf", "text", 0, true);
    col(&b, "Exprs", 5, "g", "int4", 0, false);
    col(&b, "Exprs", 6, "lit", "int4", 0, false);
    col(&b, "Exprs", 7, "nul", "text", 0, true);
    col(&b, "Exprs", 8, "cast_keep", "varchar", 0, false);
    col(&b, "Exprs", 9, "cast_null", "text", 0, true);
    col(&b, "Exprs", 10, "scalar", "timestamptz", 0, true);
    col(&b, "Exprs", 11, "ex", "bool", 0, false);
    col(&b, "Exprs", 12, "rn", "int8", 0, false);
    col(&b, "Exprs", 13, "prev", "text", 0, true);
    col(&b, "Exprs", 14, "ts", "timestamptz", 0, false);
    col(&b, "Names", 0, "body", "text", 0, false);
    col(&b, "Names", 1, "count", "int8", 0, false);
    col(&b, "Names", 2, "tokens", "int8", 0, true);
    col(&b, "Names", 3, "case", "int4", 0, true);
    unbuild(&b);
}

static void
test_params(void **state)
{
    (void)state;
    built b;
    build(&b, SCHEMA,
          "-- name: Ins :one\nINSERT INTO msg (conv_id, role, body, tokens) VALUES ($1, $2, "
          "$3, $4)\n"
          "RETURNING id, s;\n"
          "-- name: Upd :exec\nUPDATE conv SET title = $1 WHERE id = $2;\n"
          "-- name: Opt :many\nSELECT id FROM conv WHERE ($1::text IS NULL OR user_id = $1)\n"
          "  AND created_at BETWEEN $2 AND $3 AND id = ANY($4) AND title LIKE $5;\n"
          "-- name: Co :many\nSELECT id FROM msg WHERE tokens > coalesce($1, 0) AND body IN "
          "($2, $3);\n"
          "-- name: Twice :many\nSELECT id FROM msg WHERE tokens = $1 OR tokens > $1 + 1;\n"
          "-- name: Fn :many\nSELECT id FROM msg WHERE length(body) > $1 AND role = $2;\n");
    assert_int_equal(b.d.n_errors, 0);
    param(&b, "Ins", 0, "conv_id", "uuid", 0, false);
    param(&b, "Ins", 1, "role", "role", 0, false);
    param(&b, "Ins", 3, "tokens", "int4", 0, true);
    col(&b, "Ins", 1, "s", "score", 0, true);
    assert_string_equal(qstr(&b, "Ins", "statement"), "insert");
    param(&b, "Upd", 0, "title", "varchar", 0, true);
    param(&b, "Upd", 1, "id", "uuid", 0, false);
    param(&b, "Opt", 0, "user_id", "text", 0, true);
    param(&b, "Opt", 1, "created_at", "timestamptz", 0, false);
    param(&b, "Opt", 2, "created_at_2", "timestamptz", 0, false);
    param(&b, "Opt", 3, "id", "uuid", 1, false);
    param(&b, "Opt", 4, "title", "text", 0, false);
    param(&b, "Co", 0, "p1", "int4", 0, true);
    param(&b, "Co", 1, "body", "text", 0, false);
    param(&b, "Co", 2, "body_2", "text", 0, false);
    assert_int_equal(json_array_size(json_object_get(query(&b, "Twice"), "params")), 1);
    param(&b, "Fn", 0, "p1", "int4", 0, false);
    param(&b, "Fn", 1, "role", "role", 0, false);
    unbuild(&b);
}

static void
test_macros(void **state)
{
    (void)state;
    built b;
    build(&b, SCHEMA,
          "-- name: At :many\nSELECT id FROM conv WHERE user_id = @user_id AND title = "
          "sqlc.narg(t)\n"
          "  AND id IN (sqlc.slice(ids)) AND created_at > sqlc.arg('since') LIMIT @n;\n"
          "-- name: Embed :one\nSELECT sqlc.embed(conv), count(m.id) AS n FROM conv\n"
          "LEFT JOIN msg m ON m.conv_id = conv.id WHERE conv.id = @id GROUP BY conv.id;\n");
    assert_int_equal(b.d.n_errors, 0);
    assert_string_equal(qstr(&b, "At", "sql"),
                        "SELECT id FROM conv WHERE user_id = $1 AND title = $2\n"
                        "  AND id = ANY($3) AND created_at > $4 LIMIT $5");
    param(&b, "At", 0, "user_id", "text", 0, false);
    param(&b, "At", 1, "t", "text", 0, true);
    param(&b, "At", 2, "ids", "uuid", 1, false);
    assert_true(json_is_true(json_object_get(
        json_array_get(json_object_get(query(&b, "At"), "params"), 2), "slice")));
    param(&b, "At", 3, "since", "timestamptz", 0, false);
    param(&b, "At", 4, "n", "int8", 0, false);
    assert_string_equal(qstr(&b, "Embed", "sql"),
                        "SELECT conv.*, count(m.id) AS n FROM conv\n"
                        "LEFT JOIN msg m ON m.conv_id = conv.id WHERE conv.id = $1 GROUP BY "
                        "conv.id");
    assert_int_equal(ncols(&b, "Embed"), 6);
    json_t *c0 = json_array_get(json_object_get(query(&b, "Embed"), "columns"), 0);
    assert_string_equal(json_string_value(json_object_get(c0, "embed")), "conv");
    col(&b, "Embed", 5, "n", "int8", 0, false);
    unbuild(&b);
}

static void
test_catalog_ddl(void **state)
{
    (void)state;
    built b;
    build(&b,
          "CREATE SCHEMA app;\nCREATE TYPE app.st AS ENUM ('a', 'c');\n"
          "ALTER TYPE app.st ADD VALUE 'b' BEFORE 'c';\n"
          "CREATE TABLE t (id serial, x int4, y text, z int4[]);\n"
          "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id);\n"
          "ALTER TABLE t ALTER COLUMN x SET NOT NULL;\nALTER TABLE t RENAME COLUMN y TO w;\n"
          "ALTER TABLE t ALTER COLUMN x TYPE bigint;\nALTER TABLE t DROP COLUMN z;\n"
          "CREATE TABLE app.u (s app.st NOT NULL);\n"
          "CREATE VIEW v AS SELECT t.id, t.w, u.s FROM t LEFT JOIN app.u ON true;\n"
          "CREATE INDEX t_x ON t (x);\n",
          "-- name: V :many\nSELECT * FROM v;\n");
    assert_int_equal(b.d.n_errors, 0);
    json_t *cat = json_object_get(b.model, "catalog");
    json_t *t0 = json_array_get(json_object_get(cat, "tables"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "name")), "t");
    json_t *cols = json_object_get(t0, "columns");
    assert_int_equal(json_array_size(cols), 3);
    json_t *x = json_array_get(cols, 1);
    assert_string_equal(json_string_value(json_object_get(x, "type")), "int8");
    assert_true(json_is_true(json_object_get(x, "not_null")));
    assert_true(json_is_true(json_object_get(json_array_get(cols, 0), "not_null")));
    assert_true(json_is_true(json_object_get(json_array_get(cols, 0), "has_default")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(cols, 2), "name")), "w");
    json_t *e = json_array_get(json_object_get(cat, "enums"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(e, "values"), 1)), "b");
    col(&b, "V", 0, "id", "int4", 0, false);
    col(&b, "V", 2, "s", "app.st", 0, true);
    assert_string_equal(qstr(&b, "V", "table"), "v");
    unbuild(&b);
}

static void
test_diagnostics(void **state)
{
    (void)state;
    built b;
    build(&b, SCHEMA,
          "-- name: A :many\nSELECT bdy FROM msg;\n"
          "-- name: B :many\nSELECT * FROM msgs;\n"
          "-- name: C :one\nSELECT id FROM conv c JOIN msg m ON true;\n"
          "-- name: D :exec\nINSERT INTO msg (conv_id, body) VALUES ($1, $2, $3);\n"
          "-- name: E :one\nUPDATE conv SET title = 'x';\n"
          "-- name: F :many\nSELECT $1 AS x;\n"
          "-- name: G :many\nSELECT id FROM msg WHERE conv_id = 1;\n"
          "-- name: H :many\nSELECT id FROM msg WHERE id = $1 AND body = @body;\n"
          "-- name: I :one\nSELECT uppr(body) FROM msg;\n"
          "-- name: J :exec\nINSERT INTO msg (conv_id, bdy) VALUES ($1, $2);\n"
          "-- name: K :many\nSELECT FROM FROM;\n"
          "-- name: Ok :many\nSELECT id FROM msg;\n");
    const diag *dg = find_diag(&b, "column \"bdy\" does not exist in table \"msg\"");
    assert_non_null(dg);
    assert_string_equal(dg->hint, "did you mean \"body\"?");
    dg = find_diag(&b, "relation \"msgs\" does not exist");
    assert_non_null(dg);
    assert_string_equal(dg->hint, "did you mean \"msg\"?");
    assert_non_null(find_diag(&b, "column reference \"id\" is ambiguous"));
    assert_non_null(find_diag(&b, "INSERT has more expressions than target columns"));
    assert_non_null(find_diag(&b, "query \"E\" is :one but returns no columns"));
    dg = find_diag(&b, "could not infer type of parameter $1");
    assert_non_null(dg);
    assert_string_equal(dg->hint, "add a cast, e.g. $1::text");
    assert_non_null(find_diag(&b, "operator does not exist: uuid = integer"));
    assert_non_null(find_diag(&b, "mixes positional parameters"));
    dg = find_diag(&b, "function uppr does not exist");
    assert_non_null(dg);
    assert_string_equal(dg->hint, "did you mean \"upper\"?");
    assert_non_null(find_diag(&b, "column \"bdy\" of relation \"msg\" does not exist"));
    assert_non_null(find_diag(&b, "syntax error at or near \"FROM\""));
    /* the location of the first error: line 2, column 8 of query.sql */
    dg = find_diag(&b, "\"bdy\" does not exist in table");
    int line, colno;
    source_linecol(dg->file, dg->offset, &line, &colno);
    assert_int_equal(line, 2);
    assert_int_equal(colno, 8);
    /* queries with errors are left out; the good one stays */
    assert_int_equal(json_array_size(json_object_get(b.model, "queries")), 1);
    unbuild(&b);
}

static void
test_schema_diagnostics(void **state)
{
    (void)state;
    built b;
    build(&b,
          "CREATE TABLE t (id int4);\nCREATE TABLE t (id int4);\nALTER TABLE nope ADD "
          "COLUMN x int4;\n"
          "ALTER TABLE t ADD COLUMN id int4;\nDROP TABLE gone;\nDROP TABLE IF EXISTS gone;\n"
          "CREATE TABLE u (x nosuchtype);\nCREATE TABLE IF NOT EXISTS t (id int4);\n",
          "");
    assert_non_null(find_diag(&b, "relation \"t\" already exists"));
    assert_non_null(find_diag(&b, "relation \"nope\" does not exist"));
    assert_non_null(find_diag(&b, "column \"id\" of relation \"t\" already exists"));
    assert_non_null(find_diag(&b, "relation \"gone\" does not exist"));
    assert_non_null(find_diag(&b, "type \"nosuchtype\" does not exist"));
    assert_int_equal(b.d.n_errors, 5);
    unbuild(&b);
}

static void
test_garbage_does_not_crash(void **state)
{
    (void)state;
    /* deep nesting and odd statements: diagnostics, never a crash */
    char *deep = malloc(20000);
    strcpy(deep, "-- name: Deep :one\nSELECT ");
    for (int i = 0; i < 3000; i++)
        strcat(deep, "(");
    strcat(deep, "1");
    for (int i = 0; i < 3000; i++)
        strcat(deep, ")");
    strcat(deep, " AS x;\n-- name: Weird :exec\nSELECT xmlelement(name foo);\n");
    built b;
    build(&b, SCHEMA, deep);
    assert_true(b.d.n_errors >= 1);
    unbuild(&b);
    /* a tree nested beyond 2048 JSON levels: the message jansson gave, kept by pgnode */
    strcpy(deep, "-- name: Plus :one\nSELECT 1");
    for (int i = 0; i < 1500; i++)
        strcat(deep, "+1");
    strcat(deep, " AS x;\n");
    build(&b, SCHEMA, deep);
    find_diag(&b, "cannot read the parse tree: maximum parsing depth reached near '{'");
    unbuild(&b);
    free(deep);
}

/* pgnode's token scanner, which finds the locations libpg_query leaves out: comments and
 * literals are skipped whole, quoted identifiers compare exactly, unquoted ones fold case. */
static void
test_token_scanner(void **state)
{
    (void)state;
    const char *sql = "ALTER TABLE t -- drop column a\n /* x /* nested */ y */ DROP COLUMN "
                      "\"Sa\"\"y\", DROP e'it''s \\' x' $q$ DROP a $q$ Name 12.5e3 a";
    pn_tok t;
    size_t pos = 0;
    const char *idents[16];
    size_t starts[16], n = 0;
    while (pn_next_token(sql, pos, &t) && n < 16) {
        pos = t.end;
        if (!t.ident)
            continue;
        starts[n] = t.start;
        idents[n++] = sql + t.start;
    }
    /* ALTER TABLE t DROP COLUMN "Sa""y" DROP Name a: nothing from comments or literals */
    assert_int_equal(n, 9);
    pn_tok q;
    assert_true(pn_next_token(sql, starts[5], &q));
    assert_true(q.quoted);
    assert_true(pn_tok_ident(sql, &q, "Sa\"y"));
    assert_false(pn_tok_ident(sql, &q, "sa\"y"));
    assert_false(pn_tok_word(sql, &q, "Sa\"y"));
    assert_true(pn_next_token(sql, starts[7], &q));
    assert_true(pn_tok_ident(sql, &q, "name")); /* unquoted: folded */
    assert_false(pn_tok_ident(sql, &q, "Name"));
    assert_true(pn_tok_word(sql, &q, "name"));
    assert_int_equal(strncmp(idents[6], "DROP", 4), 0);
    assert_int_equal(strncmp(idents[8], "a", 1), 0);
    assert_int_equal(starts[8], strlen(sql) - 1);
    /* unterminated quotes and comments end the text without reading past it */
    assert_true(pn_next_token("\"abc", 0, &q));
    assert_int_equal(q.end, 4);
    assert_false(pn_next_token("  /* open", 0, &q));
    assert_true(pn_next_token("$a$ open", 0, &q));
    assert_int_equal(q.end, 8);
}

/* Out of memory at every allocation the catalog and the analyzer make, one at a time
 * (catalog_test_fail_alloc): model_build() returns NULL each time, never crashes, and leaks
 * nothing (ASan's leak checker runs on this binary under SAN=1); once no allocation fails
 * the model is the one built without failures. */
static void
test_out_of_memory(void **state)
{
    (void)state;
    const char *schema =
        "CREATE SCHEMA app;\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\n"
        "CREATE TYPE mood AS ENUM ('ok', 'bad');\nALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';\n"
        "CREATE TYPE pair AS (a int4, b text);\nCREATE DOMAIN d AS text NOT NULL;\n"
        "CREATE TABLE app.t (id bigserial PRIMARY KEY, name text NOT NULL, m mood, p pair);\n"
        "CREATE TABLE u (id int4 PRIMARY KEY, t_id int8, x d, LIKE app.t);\n"
        "ALTER TABLE u ADD COLUMN extra text, DROP COLUMN x;\n"
        "ALTER TABLE u RENAME COLUMN extra TO more;\nALTER TABLE u RENAME TO v;\n"
        "CREATE VIEW w AS SELECT v.id, t.name FROM v JOIN app.t t ON t.id = v.t_id;\n"
        "CREATE FUNCTION f(a int4, OUT b text, OUT c int4) RETURNS SETOF record\n"
        "  LANGUAGE sql AS $$ SELECT 'x', 1 $$;\n"
        "CREATE FUNCTION g() RETURNS SETOF v LANGUAGE sql AS $$ SELECT * FROM v $$;\n"
        "CREATE INDEX ON v (more);\nCOMMENT ON COLUMN v.more IS 'm';\n";
    const char *queries =
        "-- name: A :many\nSELECT w.*, sqlc.embed(v), count(*) OVER () AS n FROM w\n"
        "  JOIN v USING (id) WHERE w.name = @name AND v.id IN (sqlc.slice(ids));\n"
        "-- name: B :one\nWITH x AS (SELECT id FROM v) INSERT INTO v (id, name) SELECT id, $1\n"
        "  FROM x RETURNING *;\n"
        "-- name: C :many\nSELECT b, c FROM f($1) UNION ALL SELECT 'y', 2 ORDER BY 2;\n"
        "-- name: D :many\nSELECT t.id, t.name, count(*) AS n FROM app.t t GROUP BY t.id;\n"
        "-- name: E :many\nSELECT id FROM nosuch;\n";
    built ref;
    build(&ref, schema, queries);
    int ref_errors = ref.d.n_errors;
    assert_int_equal(ref_errors, 1); /* E */
    bool done = false;
    long n = 1;
    for (; n < 100000 && !done; n++) {
        built b;
        memset(&b, 0, sizeof b);
        assert_int_equal(source_load_text("schema.sql", schema, strlen(schema), SRC_SCHEMA,
                                          &b.schema, &b.d), 0);
        assert_int_equal(source_load_text("query.sql", queries, strlen(queries), SRC_QUERIES,
                                          &b.queries, &b.d), 0);
        catalog_test_fail_alloc = n;
        b.model = model_build(&b.schema, &b.queries, &b.d);
        done = catalog_test_fail_alloc > 0; /* the n-th allocation never came */
        catalog_test_fail_alloc = 0;
        if (done) {
            assert_non_null(b.model);
            assert_true(json_equal(b.model, ref.model));
            assert_int_equal(b.d.n_errors, ref_errors);
        } else {
            assert_null(b.model);
        }
        unbuild(&b);
    }
    assert_true(done);
    /* the catalog's and the analyzer's allocations were all reached (dozens of each) */
    print_message("out-of-memory points exercised: %ld\n", n - 2);
    assert_true(n > 100);
    unbuild(&ref);
}

/* model_check() (pqgen check) analyzes without building the model: the same diagnostics, in
 * the same order, as model_build(); -1 (nothing leaked) when memory runs out. */
static void
test_check_matches_build(void **state)
{
    (void)state;
    const char *queries =
        "-- name: Ok :many\nSELECT id, title FROM conv WHERE user_id = $1;\n"
        "-- name: Warn :one\nSELECT 1, 2 AS a, 3 AS a FROM conv;\n"
        "-- name: Missing :many\nSELECT nope FROM conv;\n"
        "-- name: Syntax :exec\nSELEC 1;\n"
        "-- name: Grouped :many\nSELECT c.title, count(*) AS n FROM conv c GROUP BY c.user_id;\n"
        "-- name: Types :one\nSELECT body FROM msg WHERE tokens = 'x'::bool;\n";
    built ref;
    build(&ref, SCHEMA, queries);
    assert_true(ref.d.n_errors >= 3);
    assert_true(ref.d.n_warnings >= 2);
    src_set schema = {0}, qs = {0};
    diag_list d = {0};
    assert_int_equal(source_load_text("schema.sql", SCHEMA, strlen(SCHEMA), SRC_SCHEMA, &schema,
                                      &d), 0);
    assert_int_equal(source_load_text("query.sql", queries, strlen(queries), SRC_QUERIES, &qs,
                                      &d), 0);
    assert_int_equal(model_check(&schema, &qs, &d), 0);
    assert_int_equal(d.len, ref.d.len);
    assert_int_equal(d.n_errors, ref.d.n_errors);
    assert_int_equal(d.n_warnings, ref.d.n_warnings);
    for (size_t i = 0; i < d.len; i++) {
        assert_int_equal(d.items[i].level, ref.d.items[i].level);
        assert_int_equal(d.items[i].offset, ref.d.items[i].offset);
        assert_string_equal(d.items[i].message, ref.d.items[i].message);
    }
    diag_list_free(&d);
    /* out of memory at the first few allocations: -1, no crash, no leak (ASan) */
    for (long n = 1; n <= 40; n++) {
        diag_list d2 = {0};
        catalog_test_fail_alloc = n;
        int rc = model_check(&schema, &qs, &d2);
        bool reached = catalog_test_fail_alloc == 0;
        catalog_test_fail_alloc = 0;
        assert_int_equal(rc, reached ? -1 : 0);
        diag_list_free(&d2);
    }
    source_set_free(&schema);
    source_set_free(&qs);
    unbuild(&ref);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_basics),
        cmocka_unit_test(test_join_nullability),
        cmocka_unit_test(test_expressions),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_catalog_ddl),
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test(test_schema_diagnostics),
        cmocka_unit_test(test_garbage_does_not_crash),
        cmocka_unit_test(test_token_scanner),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_check_matches_build),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
