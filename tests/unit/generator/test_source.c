/* test_source.c: unit tests for generator/source.c: statement splitting and ranges (comments,
 * missing final ';', CRLF, strings and dollar quotes, BEGIN ATOMIC, unterminated input),
 * annotations (doc, pragmas, block form) and every annotation error with its position,
 * duplicate names across files, migrations (goose, dbmate, golang-migrate folders), UTF-8
 * checks, cursor conversion and a 10 MB file in linear time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "source.h"

static void
load(src_set *s, const char *path, const char *text, src_kind kind, diag_list *d)
{
    assert_int_equal(source_load_text(path, text, strlen(text), kind, s, d), 0);
}

/* The first diagnostic whose message contains needle, or fails. */
static const diag *
find_diag(const diag_list *d, const char *needle)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].message, needle))
            return &d->items[i];
    fail_msg("no diagnostic containing \"%s\" (%zu recorded)", needle, d->len);
    return NULL;
}

static void
assert_at(const diag *g, int line, int col)
{
    int l, c;
    source_linecol(g->file, g->offset, &l, &c);
    assert_int_equal(l, line);
    assert_int_equal(c, col);
}

static void
test_queries_basic(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- file header, ignored\n"
                       "\n"
                       "-- name: GetThing :one\n"
                       "-- Fetches one thing.\n"
                       "--\n"
                       "-- Second paragraph.\n"
                       "-- vet: off(seq_scan)\n"
                       "SELECT * FROM things WHERE id = $1;\n"
                       "\n"
                       "/* name: ListThings :many */\n"
                       "SELECT * FROM things -- trailing remark\n"
                       "ORDER BY id  ;  -- after the semicolon\n"
                       "-- name: Touch :execrows\n"
                       "UPDATE things SET n = n + 1\n";
    load(&s, "q.sql", text, SRC_QUERIES, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 3);
    const src_stmt *a = &s.stmts[0], *b = &s.stmts[1], *c = &s.stmts[2];
    assert_string_equal(a->name, "GetThing");
    assert_string_equal(a->cmd, ":one");
    assert_string_equal(a->sql, "SELECT * FROM things WHERE id = $1");
    assert_string_equal(a->doc, "Fetches one thing.\n\nSecond paragraph.");
    assert_non_null(a->pragmas);
    assert_string_equal(a->pragmas[0], "vet: off(seq_scan)");
    assert_null(a->pragmas[1]);
    assert_int_equal(a->start, (size_t)(strstr(text, "SELECT *") - text));
    assert_int_equal(a->name_offset, (size_t)(strstr(text, "name: GetThing") - text));
    assert_ptr_equal(a->file, s.files[0]);
    assert_string_equal(b->name, "ListThings");
    assert_string_equal(b->cmd, ":many");
    assert_string_equal(b->sql, "SELECT * FROM things -- trailing remark\nORDER BY id");
    assert_null(b->doc);
    assert_null(b->pragmas);
    assert_string_equal(c->name, "Touch");
    assert_string_equal(c->sql, "UPDATE things SET n = n + 1");
    assert_memory_equal(text + c->start, c->sql, strlen(c->sql));
    assert_int_equal(c->end - c->start, strlen(c->sql));
    int line, col;
    source_linecol(s.files[0], a->name_offset, &line, &col);
    assert_int_equal(line, 3);
    assert_int_equal(col, 4);
    source_set_free(&s);
    source_set_free(&s); /* zeroed: a second free is harmless */
    source_set_free(NULL);
    diag_list_free(&d);
}

static void
test_schema_ranges(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- comment\nCREATE TABLE t (a text DEFAULT ';--', b text);;;\n"
                       "/* outer /* nested; */ still comment */ CREATE FUNCTION f() RETURNS "
                       "text AS $fn$ SELECT 'x;' -- ; \n$fn$ LANGUAGE sql;\n"
                       "SELECT E'it\\'s; -- no', \"we\"\"ird;\" -- last, no semicolon\n";
    load(&s, "s.sql", text, SRC_SCHEMA, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 3);
    assert_string_equal(s.stmts[0].sql, "CREATE TABLE t (a text DEFAULT ';--', b text)");
    assert_null(s.stmts[0].name);
    assert_string_equal(s.stmts[1].sql, "CREATE FUNCTION f() RETURNS text AS $fn$ SELECT 'x;' "
                                        "-- ; \n$fn$ LANGUAGE sql");
    assert_string_equal(s.stmts[2].sql, "SELECT E'it\\'s; -- no', \"we\"\"ird;\"");
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_begin_atomic(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
                       "BEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n"
                       "CREATE TABLE t (a int);\n"
                       "SELECT 1 /* begin atomic */;\nSELECT 2;\n";
    load(&s, "f.sql", text, SRC_SCHEMA, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 4);
    assert_string_equal(s.stmts[0].sql, "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
                                        "BEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND");
    assert_string_equal(s.stmts[1].sql, "CREATE TABLE t (a int)");
    assert_string_equal(s.stmts[2].sql, "SELECT 1");
    assert_string_equal(s.stmts[3].sql, "SELECT 2");
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_unterminated_runs_to_end(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "SELECT 1;\nSELECT 'abc; SELECT 2;\n";
    load(&s, "u.sql", text, SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[0].sql, "SELECT 1");
    assert_string_equal(s.stmts[1].sql, "SELECT 'abc; SELECT 2;\n");
    source_set_free(&s);
    load(&s, "u.sql", "SELECT 1 /* open comment; SELECT 2", SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 1);
    assert_string_equal(s.stmts[0].sql, "SELECT 1 /* open comment; SELECT 2");
    source_set_free(&s);
    load(&s, "u.sql", "SELECT 1;'abc", SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[1].sql, "'abc");
    source_set_free(&s);
    load(&s, "u.sql", "'abc; SELECT 1", SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 1);
    assert_string_equal(s.stmts[0].sql, "'abc; SELECT 1");
    source_set_free(&s);
    /* a bounded bad token does not swallow the statements after it */
    load(&s, "u.sql", "SELECT 1; SELECT 123abc, 4x; SELECT 'x'; SELECT 2", SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 4);
    assert_string_equal(s.stmts[1].sql, "SELECT 123abc, 4x");
    assert_string_equal(s.stmts[3].sql, "SELECT 2");
    source_set_free(&s);
    /* the scanner splitter drops a last statement left inside parentheses */
    load(&s, "u.sql", "SELECT 1;\nSELECT (2 -- open\n", SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[1].sql, "SELECT (2");
    source_set_free(&s);
    load(&s, "u.sql", "-- name: A :one\nSELECT 1;\n-- name: B :one\nSELECT f((1);", SRC_QUERIES,
         &d);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[1].name, "B");
    assert_string_equal(s.stmts[1].sql, "SELECT f((1);"); /* the ; is inside the parens */
    source_set_free(&s);
    load(&s, "u.sql", "SELECT 1; $$ never closed", SRC_SCHEMA, &d);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[1].sql, "$$ never closed");
    source_set_free(&s);
    assert_int_equal(d.len, 0); /* syntax errors are the parser's to report */
    diag_list_free(&d);
}

static void
test_crlf(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- name: A :one\r\n-- Doc line.\r\nSELECT 1\r\nFROM t;\r\n"
                       "-- name: B :exec\r\nDELETE FROM t\r\n";
    load(&s, "crlf.sql", text, SRC_QUERIES, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[0].cmd, ":one");
    assert_string_equal(s.stmts[0].doc, "Doc line.");
    assert_string_equal(s.stmts[0].sql, "SELECT 1\r\nFROM t");
    assert_string_equal(s.stmts[1].sql, "DELETE FROM t");
    int line, col;
    source_linecol(s.files[0], s.stmts[1].start, &line, &col);
    assert_int_equal(line, 6);
    assert_int_equal(col, 1);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_empty_files(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "e.sql", "", SRC_QUERIES, &d);
    load(&s, "e2.sql", "\n  \n-- only a comment\n", SRC_QUERIES, &d);
    load(&s, "e3.sql", "", SRC_SCHEMA, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 0);
    assert_int_equal(s.n_files, 3);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_missing_annotation(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "q.sql", "-- name: A :one\nSELECT 1;\n\n-- just a comment\n  SELECT 2;\n",
         SRC_QUERIES, &d);
    assert_int_equal(d.n_errors, 1);
    const diag *g = find_diag(&d, "has no \"-- name:");
    assert_at(g, 5, 3);
    assert_int_equal(s.n_stmts, 1);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_bad_annotations(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- name:\nSELECT 1;\n"
                       "-- name: get-thing :one\nSELECT 2;\n"
                       "-- name: NoCmd\nSELECT 3;\n"
                       "-- name: Typo :mny\nSELECT 4;\n"
                       "-- name: NoColon one\nSELECT 5;\n"
                       "-- name: Far :zzzzzz\nSELECT 6;\n"
                       "-- name: Extra :one please\nSELECT 7;\n"
                       "-- name: Good :exec\nSELECT 8;\n"
                       "-- name: Get Thing :one\nSELECT 9;\n"
                       "-- name: GetThing:one\nSELECT 10;\n";
    load(&s, "q.sql", text, SRC_QUERIES, &d);
    assert_int_equal(d.n_errors, 9);
    assert_int_equal(s.n_stmts, 1);
    assert_string_equal(s.stmts[0].name, "Good");
    assert_at(find_diag(&d, "missing the query name"), 1, 4);
    assert_at(find_diag(&d, "\"get-thing\" is not a valid identifier"), 3, 10);
    assert_at(find_diag(&d, "\"NoCmd\" is missing the command"), 5, 15);
    const diag *g = find_diag(&d, "unknown command \":mny\"");
    assert_at(g, 7, 15);
    assert_string_equal(g->hint, "did you mean \":many\"?");
    g = find_diag(&d, "unknown command \"one\"");
    assert_string_equal(g->hint, "did you mean \":one\"?");
    g = find_diag(&d, "unknown command \":zzzzzz\"");
    assert_non_null(strstr(g->hint, ":batchmany"));
    assert_at(find_diag(&d, "unexpected \"please\""), 13, 21);
    g = find_diag(&d, "query name \"Get Thing\" is not a valid identifier");
    assert_at(g, 17, 10);
    g = find_diag(&d, "query name \"GetThing:one\" is not a valid identifier");
    assert_string_equal(g->hint, "put a space between the name and the command");
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_trailing_annotations(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- name: A :one\nSELECT 1;\n"
                       "-- name: Lost :one\n;\n"
                       "-- name: B :one\nSELECT 2; -- name: Forgot :many\n"
                       "\n/* name: AlsoForgot :exec */\n";
    load(&s, "q.sql", text, SRC_QUERIES, &d);
    assert_int_equal(s.n_stmts, 2);
    assert_int_equal(d.n_errors, 3);
    assert_at(find_diag(&d, "\"Lost\" is not followed by a statement"), 3, 4);
    assert_at(find_diag(&d, "\"Forgot\" is not followed by a statement"), 6, 14);
    assert_at(find_diag(&d, "\"AlsoForgot\" is not followed by a statement"), 8, 4);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_overridden_annotation_warns(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "q.sql", "-- name: First :one\n-- name: Second :many\nSELECT 1;\n", SRC_QUERIES,
         &d);
    assert_int_equal(d.n_errors, 0);
    assert_int_equal(d.n_warnings, 1);
    assert_at(find_diag(&d, "\"First\" is overridden"), 1, 4);
    assert_int_equal(s.n_stmts, 1);
    assert_string_equal(s.stmts[0].name, "Second");
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_duplicate_names(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "a.sql", "\n-- name: Dup :one\nSELECT 1;\n", SRC_QUERIES, &d);
    load(&s, "b.sql", "-- name: Other :one\nSELECT 2;\n-- name: Dup :many\nSELECT 3;\n",
         SRC_QUERIES, &d);
    assert_int_equal(d.n_errors, 1);
    const diag *g = find_diag(&d, "query \"Dup\" is already defined at a.sql:2");
    assert_string_equal(g->file->path, "b.sql");
    assert_at(g, 3, 10);
    assert_int_equal(s.n_stmts, 2);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_many_names_no_false_duplicates(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    size_t n = 5000;
    char *text = malloc(n * 48);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(text + k, "-- name: Q%zu :exec\nSELECT %zu;\n", i, i);
    load(&s, "many.sql", text, SRC_QUERIES, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, n);
    load(&s, "more.sql", "-- name: Q4999 :one\nSELECT 1;\n", SRC_QUERIES, &d);
    assert_int_equal(d.n_errors, 1);
    find_diag(&d, "already defined at many.sql:9999");
    free(text);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_utf8_checks(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char bad[] = "SELECT 'ok \xc3\xa9';\nSELECT '\xc3\x28';\n";
    load(&s, "bad.sql", bad, SRC_SCHEMA, &d);
    assert_int_equal(d.n_errors, 1);
    const diag *g = find_diag(&d, "not valid UTF-8 (byte 0xc3)");
    assert_int_equal(g->offset, 24);
    assert_at(g, 2, 9);
    assert_int_equal(s.n_stmts, 0);
    diag_list_free(&d);
    const char nul[] = "SELECT 1;\nSELECT\0 2;\n";
    assert_int_equal(source_load_text("nul.sql", nul, sizeof nul - 1, SRC_SCHEMA, &s, &d), 0);
    assert_at(find_diag(&d, "NUL byte"), 2, 7);
    diag_list_free(&d);
    /* overlong, surrogate, truncated at end */
    const char *const invalid[] = {"\xc0\xaf", "\xed\xa0\x80", "abc\xe2\x82"};
    for (size_t i = 0; i < 3; i++) {
        load(&s, "x.sql", invalid[i], SRC_SCHEMA, &d);
        assert_int_equal(d.n_errors, 1);
        diag_list_free(&d);
    }
    /* a byte order mark is accepted and blanked */
    load(&s, "bom.sql", "\xef\xbb\xbfSELECT 1;", SRC_SCHEMA, &d);
    assert_int_equal(d.len, 0);
    assert_string_equal(s.stmts[s.n_stmts - 1].sql, "SELECT 1");
    assert_int_equal(s.stmts[s.n_stmts - 1].start, 3);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_goose(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- +goose Up\n"
                       "CREATE TABLE a (x int);\n"
                       "-- +goose StatementBegin\n"
                       "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
                       "-- +goose StatementEnd\n"
                       "-- +goose Down\n"
                       "DROP TABLE a;\n"
                       "DROP FUNCTION f;\n";
    load(&s, "0001_a.sql", text, SRC_SCHEMA, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 2);
    assert_string_equal(s.stmts[0].sql, "CREATE TABLE a (x int)");
    assert_string_equal(s.stmts[1].sql,
                        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql");
    assert_int_equal(s.files[0]->len, strlen(text));
    assert_null(strstr(s.files[0]->text, "DROP"));
    /* offsets still true: line 4 is still line 4 */
    int line, col;
    source_linecol(s.files[0], s.stmts[1].start, &line, &col);
    assert_int_equal(line, 4);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_dbmate(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- migrate:up\nCREATE TABLE a (x int);\n\n"
                       "-- migrate:down\nDROP TABLE a;\n";
    load(&s, "20240101_a.sql", text, SRC_SCHEMA, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, 1);
    assert_string_equal(s.stmts[0].sql, "CREATE TABLE a (x int)");
    source_set_free(&s);
    /* query files are never blanked */
    load(&s, "q.sql", "-- name: A :exec\n-- migrate:down\nDELETE FROM a;\n", SRC_QUERIES, &d);
    assert_int_equal(s.n_stmts, 1);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void
test_load_folders(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/pqgen_test_source_XXXXXX";
    char *base = mkdtemp(tmpl);
    assert_non_null(base);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/schema", base);
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(dir, "0002_b.up.sql", "CREATE TABLE b (x int);");
    write_file(dir, "0001_a.up.sql", "CREATE TABLE a (x int);");
    write_file(dir, "0001_a.down.sql", "DROP TABLE a;");
    write_file(dir, "0003_plain.sql", "CREATE TABLE c (x int);");
    write_file(dir, "README.md", "not sql");
    snprintf(dir, sizeof dir, "%s/queries", base);
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(dir, "b.sql", "-- name: B :exec\nDELETE FROM b;");
    write_file(dir, "a.sql", "-- name: A :exec\nDELETE FROM a;");
    write_file(dir, "x.down.sql", "-- name: X :exec\nDELETE FROM x;");

    src_set s = {0}, q = {0};
    diag_list d = {0};
    const char *sp[] = {"schema/"};
    assert_int_equal(source_load(base, sp, 1, SRC_SCHEMA, &s, &d), 0);
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_files, 3);
    assert_string_equal(s.files[0]->path, "schema/0001_a.up.sql");
    assert_string_equal(s.files[1]->path, "schema/0002_b.up.sql");
    assert_string_equal(s.files[2]->path, "schema/0003_plain.sql");
    assert_string_equal(s.stmts[0].sql, "CREATE TABLE a (x int)");
    const char *qp[] = {"queries", "missing.sql"};
    assert_int_equal(source_load(base, qp, 2, SRC_QUERIES, &q, &d), 0);
    assert_int_equal(q.n_stmts, 3); /* queries read *.down.sql too: it is only a name */
    assert_string_equal(q.stmts[0].name, "A");
    assert_string_equal(q.files[0]->path, "queries/a.sql");
    assert_int_equal(d.n_errors, 1);
    const diag *g = find_diag(&d, "cannot read");
    assert_null(g->file);
    assert_string_equal(g->label, "missing.sql");
    source_set_free(&s);
    source_set_free(&q);
    diag_list_free(&d);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
}

static void
test_cursor_to_offset(void **state)
{
    (void)state;
    const char *sql = "SELECT 'h\xc3\xa9llo w\xc3\xb6rld', * FRM t";
    /* libpg_query reports cursorpos 25 (characters) for FRM; the byte offset is 26 */
    assert_int_equal(source_cursor_to_offset(sql, 25), 26);
    assert_memory_equal(sql + source_cursor_to_offset(sql, 25), "FRM", 3);
    assert_int_equal(source_cursor_to_offset(sql, 1), 0);
    assert_int_equal(source_cursor_to_offset(sql, 0), 0);
    /* "at end of input" is strlen + 1 characters: clamped to the end */
    assert_int_equal(source_cursor_to_offset("SELECT (", 9), 8);
    assert_int_equal(source_cursor_to_offset("SELECT (", 500), 8);
    assert_int_equal(source_cursor_to_offset("\xf0\x9f\x98\x80x", 2), 4);
}

static void
test_linecol(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "l.sql", "a\n\xc3\xa9\xc3\xa9x\n\nlast", SRC_SCHEMA, &d);
    int line, col;
    source_linecol(s.files[0], 0, &line, &col);
    assert_true(line == 1 && col == 1);
    source_linecol(s.files[0], 6, &line, &col);
    assert_true(line == 2 && col == 3);
    source_linecol(s.files[0], 8, &line, &col);
    assert_true(line == 3 && col == 1);
    source_linecol(s.files[0], 1000, &line, &col); /* clamped to the end */
    assert_true(line == 4 && col == 5);
    source_set_free(&s);
    diag_list_free(&d);
}

static void
test_ten_megabytes_linear(void **state)
{
    (void)state;
    size_t target = 10u << 20, k = 0, n = 0;
    char *text = malloc(target + 256);
    assert_non_null(text);
    while (k < target) {
        k += (size_t)sprintf(text + k,
                             "-- name: Query%zu :many\n-- Doc for the query.\n"
                             "SELECT id, title FROM conversations WHERE user_id = $1 "
                             "ORDER BY updated_at DESC LIMIT 10;\n\n",
                             n);
        n++;
    }
    src_set s = {0};
    diag_list d = {0};
    clock_t t0 = clock();
    assert_int_equal(source_load_text("big.sql", text, k, SRC_QUERIES, &s, &d), 0);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(d.len, 0);
    assert_int_equal(s.n_stmts, n);
    /* the scanner splitter alone runs at ~37 MB/s; a quadratic step would take minutes.
     * The bound is loose for sanitizer and valgrind builds. */
    print_message("    10 MB, %zu statements in %.2f s\n", n, secs);
    assert_true(secs < 30.0);
    free(text);
    source_set_free(&s);
    diag_list_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queries_basic),
        cmocka_unit_test(test_schema_ranges),
        cmocka_unit_test(test_begin_atomic),
        cmocka_unit_test(test_unterminated_runs_to_end),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_empty_files),
        cmocka_unit_test(test_missing_annotation),
        cmocka_unit_test(test_bad_annotations),
        cmocka_unit_test(test_trailing_annotations),
        cmocka_unit_test(test_overridden_annotation_warns),
        cmocka_unit_test(test_duplicate_names),
        cmocka_unit_test(test_many_names_no_false_duplicates),
        cmocka_unit_test(test_utf8_checks),
        cmocka_unit_test(test_goose),
        cmocka_unit_test(test_dbmate),
        cmocka_unit_test(test_load_folders),
        cmocka_unit_test(test_cursor_to_offset),
        cmocka_unit_test(test_linecol),
        cmocka_unit_test(test_ten_megabytes_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
