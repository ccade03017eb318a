/*
 * test_copy_batch.c - bulk load and batches against a real server: binary COPY of 100k rows of
 * mixed types read back and compared, a failing row named and nothing kept, COPY inside a rolled
 * back transaction, client-side bind failures; pipelined :batchexec (one Sync on the wire),
 * :batchone (10,000 point selects in order), :batchmany, an error in item k, batches inside a
 * transaction, early stop, tracing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "pqg.h"

static const char *url;
static pqg_db *pool;

/* ---------- helpers ---------- */

static void
exec_ok(pqg_db *db, const char *sql)
{
    int rc = pqg_exec_sql(db, sql);
    if (rc)
        fail_msg("%s: %s", sql, pqg_last_error()->message);
}

typedef struct int_row {
    int64_t v;
} int_row;

static void
dec_int(pqg_row *r, void *d)
{
    pqg_get_int64(r, 0, &((int_row *)d)->v);
}

/* One int8 from ad hoc SQL (a nameless statement: not cached). */
static int64_t
scalar(pqg_db *db, const char *sql)
{
    pqg_stmt st = {.name = NULL, .sql = sql, .n_columns = 1};
    int_row r;
    void *mem = NULL;
    int rc = pqg_query_one(db, &st, NULL, dec_int, &r, sizeof r, &mem);
    if (rc)
        fail_msg("%s: %s", sql, pqg_last_error()->message);
    pqg_free(mem);
    return r.v;
}

/* ---------- COPY: 100k rows of mixed types ---------- */

#define MIXED_ROWS 100000

static const uint32_t mixed_types[] = {20, 2950, 25, 3802, 1700, 1184, 17, 1009, 16, 701};
static const pqg_stmt copy_mixed_stmt = {
    .name = "CopyMixed",
    .sql = "COPY copy_mixed (id, u, t, j, n, ts, b, tags, ok, f) FROM STDIN (FORMAT binary)",
    .n_params = 10,
    .param_types = mixed_types,
};
static const pqg_stmt select_mixed_stmt = {
    .name = "SelectMixed",
    .sql = "SELECT id, u, t, j, n, ts, b, tags, ok, f FROM copy_mixed ORDER BY id",
    .n_columns = 10,
};

typedef struct mixed_row {
    int64_t id;
    pqg_null_uuid u;
    const char *t;
    const char *j;
    const char *n;
    pqg_null_timestamp ts;
    pqg_bytes b;
    pqg_array_text tags;
    pqg_null_bool ok;
    pqg_null_double f;
} mixed_row;

/* Storage for one generated row's strings. */
typedef struct mixed_buf {
    char t[128], j[128], n[96];
    uint8_t b[16];
    const char *tags[6];
} mixed_buf;

static const char *const tag_pool[] = {"a,b", "{br}", "q\"uote", "back\\slash", NULL, "é NULL"};

/* Row i as the test expects it back. Every column is NULL on some rows. */
static void
mixed_make(size_t i, mixed_buf *m, mixed_row *r)
{
    memset(r, 0, sizeof *r);
    r->id = (int64_t)i;
    if (i % 17 != 16) {
        r->u.valid = true;
        for (int k = 0; k < 16; k++)
            r->u.value.bytes[k] = (uint8_t)((i >> (k % 4 * 8)) + (size_t)k * 37);
    }
    switch (i % 6) {
    case 0:
        snprintf(m->t, sizeof m->t, "plain %zu", i);
        break;
    case 1:
        snprintf(m->t, sizeof m->t, "tab\there\nnew\r\nline %zu", i);
        break;
    case 2:
        snprintf(m->t, sizeof m->t, "back\\slash \\N \\. \\x00 %zu", i);
        break;
    case 3:
        snprintf(m->t, sizeof m->t, "unicode é中文🙂 %zu", i);
        break;
    case 4:
        m->t[0] = '\0';
        break;
    default:
        break;
    }
    r->t = i % 6 == 5 ? NULL : m->t;
    if (i % 5 != 4) {
        /* Written as jsonb prints it, so the text read back is byte-equal. */
        snprintf(m->j, sizeof m->j, "{\"i\": %zu, \"s\": \"x\\ty \\\"q\\\" é\", \"z\": null}", i);
        r->j = m->j;
    }
    if (i % 1000 == 999) {
        snprintf(m->n, sizeof m->n, "-123456789012345678901234567890.%09zu", i);
        r->n = m->n;
    } else if (i % 7 != 6) {
        snprintf(m->n, sizeof m->n, "%s%zu.%04zu", i % 2 ? "-" : "", i, i % 10000);
        r->n = m->n;
    }
    if (i % 11 != 10) {
        r->ts.valid = true;
        r->ts.value = INT64_C(1700000000000000) + (int64_t)i * 1000003;
    }
    if (i % 13 != 12) {
        size_t len = i % 9;
        for (size_t k = 0; k < len; k++)
            m->b[k] = k % 3 == 0 ? 0 : (uint8_t)(i + k);
        r->b.data = m->b;
        r->b.len = len;
    }
    if (i % 10 != 9) {
        size_t len = i % 4 + (i % 50 == 0 ? 2 : 0);
        for (size_t k = 0; k < len; k++)
            m->tags[k] = tag_pool[(i + k) % 6];
        r->tags.items = m->tags;
        r->tags.len = len;
    }
    if (i % 3 != 2) {
        r->ok.valid = true;
        r->ok.value = i % 2;
    }
    if (i % 8 != 7) {
        r->f.valid = true;
        r->f.value = (double)i * 0.5 - 1e6;
    }
}

static int
bind_mixed(size_t i, pqg_args *a, void *userdata)
{
    mixed_buf *m = userdata;
    mixed_row r;
    mixed_make(i, m, &r);
    pqg_arg_int64(a, r.id);
    pqg_arg_null_uuid(a, r.u);
    pqg_arg_text(a, r.t);
    pqg_arg_jsonb(a, r.j);
    pqg_arg_numeric(a, r.n);
    pqg_arg_null_timestamp(a, r.ts);
    pqg_arg_bytes(a, r.b);
    pqg_arg_array_text(a, r.tags);
    pqg_arg_null_bool(a, r.ok);
    pqg_arg_null_double(a, r.f);
    return 1;
}

static void
dec_mixed(pqg_row *r, void *d)
{
    mixed_row *m = d;
    pqg_get_int64(r, 0, &m->id);
    pqg_get_null_uuid(r, 1, &m->u);
    pqg_get_text(r, 2, &m->t);
    pqg_get_json(r, 3, &m->j);
    pqg_get_numeric(r, 4, &m->n);
    pqg_get_null_timestamp(r, 5, &m->ts);
    pqg_get_bytes(r, 6, &m->b);
    pqg_get_array_text(r, 7, &m->tags);
    pqg_get_null_bool(r, 8, &m->ok);
    pqg_get_null_double(r, 9, &m->f);
}

static bool
str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

typedef struct cmp_state {
    size_t next;
    size_t mismatches;
    mixed_buf buf;
} cmp_state;

static int
compare_mixed(const void *row, void *userdata)
{
    const mixed_row *got = row;
    cmp_state *s = userdata;
    mixed_row want;
    mixed_make(s->next, &s->buf, &want);
    bool ok = got->id == want.id && got->u.valid == want.u.valid &&
              (!want.u.valid || pqg_uuid_equal(got->u.value, want.u.value)) &&
              str_eq(got->t, want.t) && str_eq(got->j, want.j) && str_eq(got->n, want.n) &&
              got->ts.valid == want.ts.valid && got->ts.value == want.ts.value &&
              (got->b.data == NULL) == (want.b.data == NULL) && got->b.len == want.b.len &&
              (!want.b.len || memcmp(got->b.data, want.b.data, want.b.len) == 0) &&
              (got->tags.items == NULL) == (want.tags.items == NULL) &&
              got->tags.len == want.tags.len && got->ok.valid == want.ok.valid &&
              got->ok.value == want.ok.value && got->f.valid == want.f.valid &&
              got->f.value == want.f.value;
    for (size_t k = 0; ok && k < want.tags.len; k++)
        ok = str_eq(got->tags.items[k], want.tags.items[k]);
    if (!ok && s->mismatches++ < 5)
        print_error("row %zu differs: t=%s j=%s n=%s (want t=%s j=%s n=%s)\n", s->next,
                    got->t ? got->t : "NULL", got->j ? got->j : "NULL", got->n ? got->n : "NULL",
                    want.t ? want.t : "NULL", want.j ? want.j : "NULL",
                    want.n ? want.n : "NULL");
    s->next++;
    return 0;
}

static void
test_copy_mixed(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS copy_mixed; CREATE TABLE copy_mixed (id int8 PRIMARY KEY, "
                  "u uuid, t text, j jsonb, n numeric, ts timestamptz, b bytea, tags text[], "
                  "ok bool, f float8)");
    mixed_buf buf;
    int64_t copied = -1;
    int rc = pqg_copy_from(pool, &copy_mixed_stmt, MIXED_ROWS, bind_mixed, &buf, &copied);
    if (rc)
        fail_msg("copy: %s", pqg_last_error()->message);
    assert_int_equal(copied, MIXED_ROWS);
    assert_int_equal(pqg_copy_last_error_row(), -1);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_mixed"), MIXED_ROWS);
    /* Spot checks in SQL, independent of our decoders. */
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_mixed WHERE t LIKE 'tab\t%' AND "
                                  "t LIKE '%\r\nline%'"), MIXED_ROWS / 6 + 1);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_mixed WHERE t IS NULL"),
                     MIXED_ROWS / 6);
    assert_int_equal(scalar(pool, "SELECT octet_length(b) FROM copy_mixed WHERE id = 8"), 8);
    assert_int_equal(scalar(pool, "SELECT get_byte(b, 3) FROM copy_mixed WHERE id = 8"), 0);
    assert_int_equal(scalar(pool, "SELECT (j->>'i')::int8 FROM copy_mixed WHERE id = 12345"),
                     12345);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_mixed WHERE tags[1] = 'back\\slash' "
                                  "AND array_length(tags, 1) = 1"), 6666);
    assert_int_equal(scalar(pool, "SELECT (n * 10000)::int8 FROM copy_mixed WHERE id = 2"),
                     20002);

    cmp_state cs;
    memset(&cs, 0, sizeof cs);
    rc = pqg_query_each(pool, &select_mixed_stmt, NULL, dec_mixed, sizeof(mixed_row),
                        compare_mixed, &cs);
    if (rc)
        fail_msg("select: %s", pqg_last_error()->message);
    assert_int_equal(cs.next, MIXED_ROWS);
    assert_int_equal(cs.mismatches, 0);
}

/* ---------- COPY: errors ---------- */

static const uint32_t chk_types[] = {23, 23, 25};
static const pqg_stmt copy_chk_stmt = {
    .name = "CopyChk",
    .sql = "COPY copy_chk (id, v, t) FROM STDIN (FORMAT binary)",
    .n_params = 3,
    .param_types = chk_types,
};

typedef struct chk_src {
    size_t bad_row;     /* the row that breaks a constraint */
    int how;            /* 0 CHECK (v >= 0), 1 NOT NULL t, 2 bind_row fails, 3 out of range,
                           4 a text-form value for a binary column */
    size_t stop_at;     /* bind_row returns 0 here (unbounded loads) */
    char text[32];
} chk_src;

static int
bind_chk(size_t i, pqg_args *a, void *userdata)
{
    chk_src *s = userdata;
    if (i == s->stop_at)
        return 0;
    bool bad = i == s->bad_row;
    if (bad && s->how == 2)
        return PQG_EINVAL;
    pqg_arg_int32(a, (int32_t)i);
    if (bad && s->how == 3)
        pqg_arg_int64(a, INT64_MAX); /* does not fit the declared int4: a binding error */
    else if (bad && s->how == 4)
        pqg_arg_double(a, 1.5); /* a double for an int4 column binds as text: not COPY-able */
    else
        pqg_arg_int32(a, bad && s->how == 0 ? -1 : (int32_t)i);
    snprintf(s->text, sizeof s->text, "row %zu", i);
    pqg_arg_text(a, bad && s->how == 1 ? NULL : s->text);
    return 1;
}

static void
reset_chk(void)
{
    exec_ok(pool, "DROP TABLE IF EXISTS copy_chk; CREATE TABLE copy_chk (id int4 PRIMARY KEY, "
                  "v int4 CHECK (v >= 0), t text NOT NULL)");
}

static void
test_copy_error_row(void **state)
{
    (void)state;
    reset_chk();
    chk_src s = {.bad_row = 4999, .how = 0, .stop_at = SIZE_MAX};
    int64_t copied = -1;
    int rc = pqg_copy_from(pool, &copy_chk_stmt, 10000, bind_chk, &s, &copied);
    assert_int_equal(rc, PQG_ECONSTRAINT);
    assert_int_equal(copied, 0);
    const pqg_error *e = pqg_last_error();
    assert_true(pqg_error_is_check_violation(e));
    assert_string_equal(e->constraint, "copy_chk_v_check");
    assert_int_equal(pqg_copy_last_error_row(), 4999);
    assert_non_null(strstr(e->message, "row 4999: "));
    assert_non_null(strstr(e->message, "violates check constraint"));
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* NOT NULL at row 5000 */
    s.bad_row = 5000;
    s.how = 1;
    rc = pqg_copy_from(pool, &copy_chk_stmt, 10000, bind_chk, &s, &copied);
    assert_int_equal(rc, PQG_ECONSTRAINT);
    assert_true(pqg_error_is_not_null_violation(pqg_last_error()));
    assert_int_equal(pqg_copy_last_error_row(), 5000);
    assert_non_null(strstr(pqg_last_error()->message, "row 5000: "));
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* A duplicate key found when the server flushes its batch of rows still names the row. */
    exec_ok(pool, "INSERT INTO copy_chk VALUES (7777, 1, 'x')");
    s.bad_row = SIZE_MAX;
    rc = pqg_copy_from(pool, &copy_chk_stmt, 10000, bind_chk, &s, &copied);
    assert_int_equal(rc, PQG_ECONFLICT);
    assert_int_equal(pqg_copy_last_error_row(), 7777);
    assert_non_null(strstr(pqg_last_error()->message, "row 7777: "));
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 1);
    reset_chk();

    /* bind_row's own failure at row 10 aborts the COPY: nothing kept, its code returned. */
    s.bad_row = 10;
    s.how = 2;
    rc = pqg_copy_from(pool, &copy_chk_stmt, 1000, bind_chk, &s, &copied);
    assert_int_equal(rc, PQG_EINVAL);
    assert_int_equal(pqg_copy_last_error_row(), 10);
    assert_non_null(strstr(pqg_last_error()->message, "row 10"));
    assert_string_equal(pqg_last_error()->sqlstate, "");
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* A binder error (value out of range for the column) at row 3000 (after a 64 KB flush). */
    s.bad_row = 3000;
    s.how = 3;
    rc = pqg_copy_from(pool, &copy_chk_stmt, 5000, bind_chk, &s, &copied);
    assert_int_equal(rc, PQG_EINVAL);
    assert_int_equal(pqg_copy_last_error_row(), 3000);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);
    s.how = 4;
    rc = pqg_copy_from(pool, &copy_chk_stmt, 5000, bind_chk, &s, &copied);
    assert_int_equal(rc, PQG_EINVAL);
    assert_int_equal(pqg_copy_last_error_row(), 3000);
    assert_non_null(strstr(pqg_last_error()->message, "row 3000, column 2"));
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* Misuse: not a COPY, a text-format COPY, a column count that does not match. */
    pqg_stmt not_copy = {.name = "NotCopy", .sql = "SELECT 1", .n_params = 1,
                         .param_types = chk_types};
    assert_int_equal(pqg_copy_from(pool, &not_copy, 1, bind_chk, &s, &copied), PQG_EINVAL);
    pqg_stmt text_copy = {.name = "TextCopy", .sql = "COPY copy_chk (id, v, t) FROM STDIN",
                          .n_params = 3, .param_types = chk_types};
    assert_int_equal(pqg_copy_from(pool, &text_copy, 1, bind_chk, &s, &copied), PQG_EINVAL);
    assert_non_null(strstr(pqg_last_error()->message, "FORMAT binary"));
    pqg_stmt two_cols = {.name = "TwoCols",
                         .sql = "COPY copy_chk (id, v) FROM STDIN (FORMAT binary)",
                         .n_params = 3, .param_types = chk_types};
    assert_int_equal(pqg_copy_from(pool, &two_cols, 1, bind_chk, &s, &copied), PQG_EINVAL);
    assert_int_equal(pqg_copy_from(NULL, &copy_chk_stmt, 1, bind_chk, &s, &copied), PQG_EINVAL);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* Unbounded: bind_row says when the rows end. */
    s.bad_row = SIZE_MAX;
    s.how = 0;
    s.stop_at = 12345;
    rc = pqg_copy_from(pool, &copy_chk_stmt, PQG_COPY_UNBOUNDED, bind_chk, &s, &copied);
    assert_int_equal(rc, 0);
    assert_int_equal(copied, 12345);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 12345);
}

static void
test_copy_in_transaction(void **state)
{
    (void)state;
    reset_chk();
    chk_src s = {.bad_row = SIZE_MAX, .stop_at = SIZE_MAX};
    pqg_db *tx;
    int64_t copied = 0;
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    assert_int_equal(pqg_copy_from(tx, &copy_chk_stmt, 1000, bind_chk, &s, &copied), 0);
    assert_int_equal(copied, 1000);
    assert_int_equal(scalar(tx, "SELECT count(*) FROM copy_chk"), 1000);
    assert_int_equal(pqg_rollback(tx), 0);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* A failing COPY aborts the caller's transaction, as PostgreSQL defines. */
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    exec_ok(tx, "INSERT INTO copy_chk VALUES (-1, 0, 'before')");
    s.bad_row = 500;
    assert_int_equal(pqg_copy_from(tx, &copy_chk_stmt, 1000, bind_chk, &s, &copied),
                     PQG_ECONSTRAINT);
    assert_int_equal(pqg_copy_last_error_row(), 500);
    assert_int_not_equal(pqg_exec_sql(tx, "SELECT 1"), 0);
    assert_string_equal(pqg_last_error()->sqlstate, "25P02");
    pqg_rollback(tx);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 0);

    /* On a leased connection, committed by itself; the connection is usable afterwards. */
    pqg_db *conn;
    assert_int_equal(pqg_acquire(pool, &conn), 0);
    s.bad_row = SIZE_MAX;
    assert_int_equal(pqg_copy_from(conn, &copy_chk_stmt, 10, bind_chk, &s, &copied), 0);
    assert_int_equal(copied, 10);
    assert_int_equal(scalar(conn, "SELECT count(*) FROM copy_chk"), 10);
    pqg_release(conn);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_chk"), 10);
}

/* Fields bigger than the 64 KB frame buffer go to libpq directly. */
static const uint32_t big_types[] = {23, 17, 25};
static const pqg_stmt copy_big_stmt = {
    .name = "CopyBig",
    .sql = "COPY copy_big (id, b, t) FROM STDIN (FORMAT binary)",
    .n_params = 3,
    .param_types = big_types,
};

typedef struct big_src {
    uint8_t *bytes;
    char *text;
} big_src;

static int
bind_big(size_t i, pqg_args *a, void *userdata)
{
    big_src *s = userdata;
    pqg_arg_int32(a, (int32_t)i);
    pqg_arg_bytes(a, (pqg_bytes){s->bytes, (size_t)(1 << 20) - i * 1000});
    pqg_arg_text(a, s->text + i);
    return 1;
}

static void
test_copy_big_fields(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS copy_big; CREATE TABLE copy_big (id int, b bytea, t text)");
    big_src s;
    s.bytes = malloc(1 << 20);
    s.text = malloc(200001);
    assert_non_null(s.bytes);
    assert_non_null(s.text);
    for (size_t k = 0; k < (1 << 20); k++)
        s.bytes[k] = (uint8_t)(k * 7);
    for (size_t k = 0; k < 200000; k++)
        s.text[k] = (char)('a' + k % 26);
    s.text[200000] = '\0';
    int64_t copied;
    int rc = pqg_copy_from(pool, &copy_big_stmt, 5, bind_big, &s, &copied);
    if (rc)
        fail_msg("copy: %s", pqg_last_error()->message);
    assert_int_equal(copied, 5);
    assert_int_equal(scalar(pool, "SELECT sum(octet_length(b)) FROM copy_big"),
                     5 * (1 << 20) - 10000);
    assert_int_equal(scalar(pool, "SELECT sum(length(t)) FROM copy_big"), 5 * 200000 - 10);
    assert_int_equal(scalar(pool, "SELECT get_byte(b, 1000000) FROM copy_big WHERE id = 0"),
                     (1000000 * 7) & 0xff);
    free(s.bytes);
    free(s.text);
}

/* ---------- batches ---------- */

static const uint32_t upd_types[] = {23, 23};
static const pqg_stmt upd_stmt = {
    .name = "BatchUpdate",
    .sql = "UPDATE bt SET v = v + $2 WHERE id = $1",
    .n_params = 2,
    .param_types = upd_types,
};

static void
bind_upd(size_t i, pqg_args *a, void *userdata)
{
    (void)userdata;
    pqg_arg_int32(a, (int32_t)i + 1);
    pqg_arg_int32(a, (int32_t)i);
}

typedef struct collect {
    size_t calls;
    size_t next;          /* items must come in order */
    bool out_of_order;
    int64_t affected;
    size_t ok, notfound, failed, aborted;
    int first_rc;
    size_t first_fail;
    char first_state[6];
    size_t stop_after;    /* return 7 after this many calls (0 = never) */
    const int32_t *want_ids;
    size_t bad_rows;
    int64_t many_sum;
    size_t dup_at;        /* bind_ins: this item re-inserts item 3's id */
    size_t unbound_at;    /* bind_ins: this item binds nothing */
} collect;

static int
on_any(size_t i, int rc, const void *rows, size_t n_rows, int64_t affected, void *userdata)
{
    collect *c = userdata;
    if (i != c->next)
        c->out_of_order = true;
    c->next = i + 1;
    c->calls++;
    if (rc == 0) {
        c->ok++;
        c->affected += affected;
    } else if (rc == PQG_ENOTFOUND) {
        c->notfound++;
    } else if (pqg_error_is_batch_aborted(pqg_last_error())) {
        c->aborted++;
    } else {
        if (!c->failed) {
            c->first_rc = rc;
            c->first_fail = i;
            memcpy(c->first_state, pqg_last_error()->sqlstate, 6);
        }
        c->failed++;
    }
    (void)rows;
    (void)n_rows;
    return c->stop_after && c->calls >= c->stop_after ? 7 : 0;
}

static void
reset_bt(int n)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS bt; CREATE TABLE bt (id int4 PRIMARY KEY, "
                              "v int4 NOT NULL, name text); INSERT INTO bt SELECT g, 0, 'n' || g "
                              "FROM generate_series(1, %d) g", n);
    exec_ok(pool, sql);
}

/* Counts lines of a libpq protocol trace: frontend messages (F) and backend messages (B). */
static int
count_trace(FILE *f, const char *dir, const char *msg)
{
    char line[512];
    int n = 0;
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        char d[4], m[64];
        int len;
        if (sscanf(line, "%3s %d %63s", d, &len, m) == 3 && strcmp(d, dir) == 0 &&
            strcmp(m, msg) == 0)
            n++;
    }
    return n;
}

static void
test_batchexec_one_round_trip(void **state)
{
    (void)state;
    reset_bt(1000);
    pqg_db *conn;
    assert_int_equal(pqg_acquire(pool, &conn), 0);
    PGconn *pg = pqg_pgconn(conn);
    FILE *tf = tmpfile();
    assert_non_null(tf);
    PQtrace(pg, tf);
    PQsetTraceFlags(pg, PQTRACE_SUPPRESS_TIMESTAMPS);
    collect c = {0};
    int rc = pqg_batch_run(conn, &upd_stmt, 1000, bind_upd, NULL, 0, on_any, &c);
    PQuntrace(pg);
    fflush(tf);
    if (rc)
        fail_msg("batch: %s", pqg_last_error()->message);
    assert_int_equal(c.calls, 1000);
    assert_false(c.out_of_order);
    assert_int_equal(c.ok, 1000);
    assert_int_equal(c.affected, 1000);
    /* On the wire: one Parse, 1000 Bind/Execute, exactly one Sync and one ReadyForQuery. */
    assert_int_equal(count_trace(tf, "F", "Parse"), 1);
    assert_int_equal(count_trace(tf, "F", "Bind"), 1000);
    assert_int_equal(count_trace(tf, "F", "Execute"), 1000);
    assert_int_equal(count_trace(tf, "F", "Sync"), 1);
    assert_int_equal(count_trace(tf, "B", "ReadyForQuery"), 1);
    fclose(tf);
    assert_int_equal(scalar(conn, "SELECT sum(v) FROM bt"), 999 * 1000 / 2);
    pqg_release(conn);

    /* On a pool, and with no callback at all. */
    assert_int_equal(pqg_batch_run(pool, &upd_stmt, 1000, bind_upd, NULL, 0, NULL, NULL), 0);
    assert_int_equal(scalar(pool, "SELECT sum(v) FROM bt"), 999 * 1000);
    assert_int_equal(pqg_batch_run(pool, &upd_stmt, 0, bind_upd, NULL, 0, NULL, NULL), 0);
}

typedef struct bt_row {
    int32_t id;
    int32_t v;
    const char *name;
} bt_row;

static void
dec_bt(pqg_row *r, void *d)
{
    bt_row *b = d;
    pqg_get_int32(r, 0, &b->id);
    pqg_get_int32(r, 1, &b->v);
    pqg_get_text(r, 2, &b->name);
}

static const uint32_t get_types[] = {23};
static const pqg_stmt get_stmt = {
    .name = "BatchGet",
    .sql = "SELECT id, v, name FROM bt WHERE id = $1",
    .n_params = 1,
    .param_types = get_types,
    .n_columns = 3,
};

typedef struct get_ctx {
    collect c;
    const int32_t *ids;
} get_ctx;

static int
on_get(size_t i, int rc, const void *rows, size_t n_rows, int64_t affected, void *userdata)
{
    get_ctx *g = userdata;
    if (rc == 0) {
        const bt_row *r = rows;
        char want[32];
        snprintf(want, sizeof want, "n%d", (int)g->ids[i]);
        if (n_rows != 1 || r->id != g->ids[i] || !r->name || strcmp(r->name, want) != 0)
            g->c.bad_rows++;
    } else if (rc == PQG_ENOTFOUND && (rows || n_rows)) {
        g->c.bad_rows++;
    }
    return on_any(i, rc, rows, n_rows, affected, &g->c);
}

static void
bind_get_ids(size_t i, pqg_args *a, void *userdata)
{
    get_ctx *g = userdata;
    pqg_arg_int32(a, g->ids[i]);
}

static void
test_batchone_10k(void **state)
{
    (void)state;
    reset_bt(10000);
    enum { N = 10000 };
    int32_t *ids = malloc(N * sizeof *ids);
    assert_non_null(ids);
    size_t missing = 0;
    for (int i = 0; i < N; i++) {
        /* A scrambled order, and every 97th id does not exist. */
        ids[i] = (int32_t)((i * 7919) % N) + 1;
        if (i % 97 == 0) {
            ids[i] = -i;
            missing++;
        }
    }
    get_ctx g = {.ids = ids};
    int rc = pqg_batch_run_one(pool, &get_stmt, N, bind_get_ids, dec_bt, sizeof(bt_row), on_get,
                               &g);
    /* ENOTFOUND items do not abort the batch, and the batch as a whole succeeded. */
    assert_int_equal(rc, 0);
    assert_int_equal(g.c.calls, N);
    assert_false(g.c.out_of_order);
    assert_int_equal(g.c.notfound, missing);
    assert_int_equal(g.c.ok, N - missing);
    assert_int_equal(g.c.failed + g.c.aborted, 0);
    assert_int_equal(g.c.bad_rows, 0);
    free(ids);
}

static const uint32_t series_types[] = {23};
static const pqg_stmt series_stmt = {
    .name = "BatchSeries",
    .sql = "SELECT g::int8 FROM generate_series(1, $1) g",
    .n_params = 1,
    .param_types = series_types,
    .n_columns = 1,
};

static void
bind_series(size_t i, pqg_args *a, void *userdata)
{
    (void)userdata;
    pqg_arg_int32(a, (int32_t)(i % 5));
}

static int
on_series(size_t i, int rc, const void *rows, size_t n_rows, int64_t affected, void *userdata)
{
    collect *c = userdata;
    const int_row *r = rows;
    if (rc == 0) {
        if (n_rows != i % 5 || (size_t)affected != n_rows || (n_rows == 0) != (rows == NULL))
            c->bad_rows++;
        for (size_t k = 0; k < n_rows; k++) {
            if (r[k].v != (int64_t)k + 1)
                c->bad_rows++;
            c->many_sum += r[k].v;
        }
    }
    return on_any(i, rc, rows, n_rows, affected, c);
}

static void
test_batchmany(void **state)
{
    (void)state;
    collect c = {0};
    int rc = pqg_batch_run(pool, &series_stmt, 500, bind_series, dec_int, sizeof(int_row),
                           on_series, &c);
    if (rc)
        fail_msg("batch: %s", pqg_last_error()->message);
    assert_int_equal(c.calls, 500);
    assert_int_equal(c.ok, 500);
    assert_false(c.out_of_order);
    assert_int_equal(c.bad_rows, 0);
    /* per 5 items: 0 + 1 + 3 + 6 + 10 */
    assert_int_equal(c.many_sum, 100 * 20);
}

static const uint32_t ins_types[] = {23};
static const pqg_stmt ins_stmt = {
    .name = "BatchInsert",
    .sql = "INSERT INTO bu (id) VALUES ($1)",
    .n_params = 1,
    .param_types = ins_types,
};

static void
bind_ins(size_t i, pqg_args *a, void *userdata)
{
    collect *s = userdata;
    if (i == s->unbound_at)
        return;
    pqg_arg_int32(a, i == s->dup_at ? 3 : (int32_t)i);
}

static void
test_batch_error_item(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS bu; CREATE TABLE bu (id int4 PRIMARY KEY)");
    pqg_db *conn;
    assert_int_equal(pqg_acquire(pool, &conn), 0);
    collect c = {.dup_at = 500, .unbound_at = SIZE_MAX};
    int rc = pqg_batch_run(conn, &ins_stmt, 1000, bind_ins, NULL, 0, on_any, &c);
    assert_int_equal(rc, PQG_ECONFLICT);
    /* After the batch, the last error is the first failure's, not the last aborted item's. */
    assert_true(pqg_error_is_unique_violation(pqg_last_error()));
    assert_int_equal(c.calls, 1000);
    assert_false(c.out_of_order);
    assert_int_equal(c.ok, 500);
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.first_fail, 500);
    assert_int_equal(c.first_rc, PQG_ECONFLICT);
    assert_string_equal(c.first_state, "23505");
    assert_int_equal(c.aborted, 499);
    /* One implicit transaction: the 500 items that ran were rolled back with it. */
    assert_int_equal(scalar(conn, "SELECT count(*) FROM bu"), 0);
    /* The connection is usable, out of pipeline mode, idle. */
    assert_int_equal(PQpipelineStatus(pqg_pgconn(conn)), PQ_PIPELINE_OFF);
    assert_int_equal(PQtransactionStatus(pqg_pgconn(conn)), PQTRANS_IDLE);
    c = (collect){.dup_at = SIZE_MAX, .unbound_at = SIZE_MAX};
    assert_int_equal(pqg_batch_run(conn, &ins_stmt, 1000, bind_ins, NULL, 0, on_any, &c), 0);
    assert_int_equal(c.ok, 1000);
    assert_int_equal(scalar(conn, "SELECT count(*) FROM bu"), 1000);
    pqg_release(conn);

    /* A binding error in item 5 fails item 5 like a server error would: atomic. */
    exec_ok(pool, "TRUNCATE bu");
    c = (collect){.dup_at = SIZE_MAX, .unbound_at = 5};
    rc = pqg_batch_run(pool, &ins_stmt, 100, bind_ins, NULL, 0, on_any, &c);
    assert_int_equal(rc, PQG_EINVAL);
    assert_non_null(strstr(pqg_last_error()->message, "item 5"));
    assert_int_equal(c.calls, 100);
    assert_int_equal(c.ok, 5);
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.first_fail, 5);
    assert_int_equal(c.aborted, 94);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM bu"), 0);

    /* A statement the server cannot prepare: item 0 gets its error, the rest are skipped. */
    pqg_stmt bad = {.name = "BatchBad", .sql = "INSERT INTO no_such_table VALUES ($1)",
                    .n_params = 1, .param_types = ins_types};
    c = (collect){.dup_at = SIZE_MAX, .unbound_at = SIZE_MAX};
    rc = pqg_batch_run(pool, &bad, 10, bind_ins, NULL, 0, on_any, &c);
    assert_int_equal(rc, PQG_ESERVER);
    assert_string_equal(pqg_last_error()->sqlstate, "42P01");
    assert_int_equal(c.failed, 1);
    assert_int_equal(c.first_fail, 0);
    assert_int_equal(c.aborted, 9);
}

static void
test_batch_in_transaction(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS bu; CREATE TABLE bu (id int4 PRIMARY KEY)");
    collect c = {.dup_at = SIZE_MAX, .unbound_at = SIZE_MAX};
    pqg_db *tx;
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    assert_int_equal(pqg_batch_run(tx, &ins_stmt, 300, bind_ins, NULL, 0, NULL, &c), 0);
    /* No implicit commit: the transaction is still open and sees its rows. */
    assert_int_equal(PQtransactionStatus(pqg_pgconn(tx)), PQTRANS_INTRANS);
    assert_int_equal(scalar(tx, "SELECT count(*) FROM bu"), 300);
    assert_int_equal(pqg_rollback(tx), 0);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM bu"), 0);

    /* Committed when the caller commits. */
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    assert_int_equal(pqg_batch_run(tx, &ins_stmt, 300, bind_ins, NULL, 0, NULL, &c), 0);
    assert_int_equal(pqg_commit(tx), 0);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM bu"), 300);

    /* An error inside the caller's transaction aborts it. */
    exec_ok(pool, "TRUNCATE bu");
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    exec_ok(tx, "INSERT INTO bu VALUES (-1)");
    c.dup_at = 50;
    assert_int_equal(pqg_batch_run(tx, &ins_stmt, 100, bind_ins, NULL, 0, on_any, &c),
                     PQG_ECONFLICT);
    assert_int_equal(c.first_fail, 50);
    assert_int_equal(PQtransactionStatus(pqg_pgconn(tx)), PQTRANS_INERROR);
    assert_int_not_equal(pqg_exec_sql(tx, "SELECT 1"), 0);
    assert_string_equal(pqg_last_error()->sqlstate, "25P02");
    pqg_rollback(tx);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM bu"), 0);

    /* Inside a savepoint: the error aborts to the savepoint's rollback only. */
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    exec_ok(tx, "INSERT INTO bu VALUES (-1)");
    pqg_db *sp;
    assert_int_equal(pqg_begin(tx, NULL, &sp), 0);
    assert_int_equal(pqg_batch_run(sp, &ins_stmt, 100, bind_ins, NULL, 0, NULL, &c),
                     PQG_ECONFLICT);
    pqg_rollback(sp);
    assert_int_equal(scalar(tx, "SELECT count(*) FROM bu"), 1);
    assert_int_equal(pqg_commit(tx), 0);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM bu"), 1);
}

static void
test_batch_early_stop(void **state)
{
    (void)state;
    reset_bt(2000);
    int32_t ids[2000];
    for (int i = 0; i < 2000; i++)
        ids[i] = i + 1;
    pqg_db *conn;
    assert_int_equal(pqg_acquire(pool, &conn), 0);
    get_ctx g = {.ids = ids};
    g.c.stop_after = 11;
    int rc = pqg_batch_run_one(conn, &get_stmt, 2000, bind_get_ids, dec_bt, sizeof(bt_row),
                               on_get, &g);
    assert_int_equal(rc, 7);
    assert_int_equal(g.c.calls, 11);
    assert_int_equal(g.c.bad_rows, 0);
    assert_int_equal(PQpipelineStatus(pqg_pgconn(conn)), PQ_PIPELINE_OFF);
    assert_int_equal(PQtransactionStatus(pqg_pgconn(conn)), PQTRANS_IDLE);
    assert_int_equal(scalar(conn, "SELECT 42"), 42);
    /* and the next batch on it sees everything */
    memset(&g.c, 0, sizeof g.c);
    assert_int_equal(pqg_batch_run_one(conn, &get_stmt, 2000, bind_get_ids, dec_bt,
                                       sizeof(bt_row), on_get, &g), 0);
    assert_int_equal(g.c.ok, 2000);
    assert_int_equal(g.c.bad_rows, 0);
    pqg_release(conn);

    /* Stopping does not hide a later failure: it still rolled the batch back. */
    exec_ok(pool, "DROP TABLE IF EXISTS bu; CREATE TABLE bu (id int4 PRIMARY KEY)");
    collect c = {.stop_after = 1, .dup_at = 900, .unbound_at = SIZE_MAX};
    rc = pqg_batch_run(pool, &ins_stmt, 1000, bind_ins, NULL, 0, on_any, &c);
    assert_int_equal(rc, PQG_ECONFLICT);
    assert_int_equal(c.calls, 1);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM bu"), 0);
}

/* ---------- the shapes generated code takes ---------- */

/* What pqgen emits for
 *   -- name: BulkInsertNotes :copyfrom
 *   INSERT INTO copy_notes (kind, body, score) VALUES ($1, $2, $3);
 * (an enum column is declared with OID 0 and bound as its label) and for
 *   -- name: SetNoteScores :batchexec
 *   UPDATE copy_notes SET score = $1 WHERE body = $2;                                       */
typedef enum t_note_kind { T_NOTE_KIND_TODO = 1, T_NOTE_KIND_DONE } t_note_kind;
static const char *const t_note_kind_labels[] = {"todo", "done"};

typedef struct t_bulk_insert_notes_params {
    t_note_kind kind;
    const char *body;
    pqg_null_int32 score; /* nullable */
} t_bulk_insert_notes_params;

static const uint32_t t_bulk_insert_notes_param_types[3] = {0, 25, 23};
static const pqg_stmt t_bulk_insert_notes_stmt = {
    .name = "BulkInsertNotes",
    .sql = "COPY copy_notes (kind, body, score) FROM STDIN (FORMAT binary)",
    .n_params = 3,
    .param_types = t_bulk_insert_notes_param_types,
};

static int
t_bulk_insert_notes_bind(size_t i, pqg_args *args, void *userdata)
{
    const t_bulk_insert_notes_params *p = (const t_bulk_insert_notes_params *)userdata + i;
    pqg_arg_text(args, p->kind >= 1 && p->kind <= 2 ? t_note_kind_labels[p->kind - 1] : NULL);
    pqg_arg_text(args, p->body);
    pqg_arg_null_int32(args, p->score);
    return 1;
}

static int
t_bulk_insert_notes(pqg_db *db, const t_bulk_insert_notes_params *rows, size_t n,
                    int64_t *copied)
{
    if (!rows && n)
        return PQG_EINVAL;
    return pqg_copy_from(db, &t_bulk_insert_notes_stmt, n, t_bulk_insert_notes_bind,
                         (void *)rows, copied);
}

typedef struct t_set_note_scores_params {
    int32_t score;
    const char *body;
} t_set_note_scores_params;

static const uint32_t t_set_note_scores_param_types[2] = {23, 25};
static const pqg_stmt t_set_note_scores_stmt = {
    .name = "SetNoteScores",
    .sql = "UPDATE copy_notes SET score = $1 WHERE body = $2",
    .n_params = 2,
    .param_types = t_set_note_scores_param_types,
};

typedef struct t_set_note_scores_batch {
    const t_set_note_scores_params *items;
    int (*fn)(size_t i, int rc, int64_t rows_affected, void *userdata);
    void *userdata;
} t_set_note_scores_batch;

static void
t_set_note_scores_bind(size_t i, pqg_args *args, void *userdata)
{
    const t_set_note_scores_params *p = ((const t_set_note_scores_batch *)userdata)->items + i;
    pqg_arg_int32(args, p->score);
    pqg_arg_text(args, p->body);
}

static int
t_set_note_scores_result(size_t i, int rc, const void *rows, size_t n_rows, int64_t affected,
                         void *userdata)
{
    const t_set_note_scores_batch *b = userdata;
    (void)rows;
    (void)n_rows;
    return b->fn ? b->fn(i, rc, affected, b->userdata) : 0;
}

static int
t_set_note_scores(pqg_db *db, const t_set_note_scores_params *items, size_t n,
                  int (*fn)(size_t i, int rc, int64_t rows_affected, void *userdata),
                  void *userdata)
{
    if (!items && n)
        return PQG_EINVAL;
    t_set_note_scores_batch b = {items, fn, userdata};
    return pqg_batch_run(db, &t_set_note_scores_stmt, n, t_set_note_scores_bind, NULL, 0,
                         t_set_note_scores_result, &b);
}

static int
count_affected(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    (void)i;
    if (rc == 0)
        *(int64_t *)userdata += rows_affected;
    return 0;
}

static void
test_generated_shapes(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS copy_notes; DROP TYPE IF EXISTS note_kind; "
                  "CREATE TYPE note_kind AS ENUM ('todo', 'done'); "
                  "CREATE TABLE copy_notes (id int8 GENERATED ALWAYS AS IDENTITY, "
                  "kind note_kind NOT NULL, body text NOT NULL UNIQUE, score int4, "
                  "created_at timestamptz NOT NULL DEFAULT now())");
    enum { N = 3000 };
    t_bulk_insert_notes_params *rows = calloc(N, sizeof *rows);
    char(*bodies)[24] = calloc(N, sizeof *bodies);
    assert_non_null(rows);
    assert_non_null(bodies);
    for (size_t i = 0; i < N; i++) {
        snprintf(bodies[i], sizeof bodies[i], "note %zu", i);
        rows[i].kind = i % 3 ? T_NOTE_KIND_TODO : T_NOTE_KIND_DONE;
        rows[i].body = bodies[i];
        rows[i].score = (pqg_null_int32){(int32_t)i, i % 4 != 0};
    }
    int64_t copied = 0;
    int rc = t_bulk_insert_notes(pool, rows, N, &copied);
    if (rc)
        fail_msg("copy: %s", pqg_last_error()->message);
    assert_int_equal(copied, N);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_notes WHERE kind = 'done'"), N / 3);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_notes WHERE score IS NULL"), N / 4);
    /* defaults filled, identity assigned in order */
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_notes WHERE created_at IS NOT NULL "
                                  "AND id = substr(body, 6)::int8 + 1"), N);
    /* an unknown enum value (a zeroed struct) is a NOT NULL violation naming the row */
    rows[10].kind = 0;
    rows[10].body = "fresh";
    assert_int_equal(t_bulk_insert_notes(pool, rows + 10, 1, &copied), PQG_ECONSTRAINT);
    assert_int_equal(pqg_copy_last_error_row(), 0);

    t_set_note_scores_params *items = calloc(N, sizeof *items);
    assert_non_null(items);
    for (size_t i = 0; i < N; i++)
        items[i] = (t_set_note_scores_params){(int32_t)(2 * i), bodies[(i * 7) % N]};
    int64_t affected = 0;
    assert_int_equal(t_set_note_scores(pool, items, N, count_affected, &affected), 0);
    assert_int_equal(affected, N);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM copy_notes WHERE score % 2 = 0 AND "
                                  "score IS NOT NULL"), N);
    free(items);
    free(rows);
    free(bodies);
}

/* ---------- a connection killed under us ---------- */

static pqg_db *
acquire_killed(void)
{
    pqg_db *conn;
    assert_int_equal(pqg_acquire(pool, &conn), 0);
    int pid = PQbackendPID(pqg_pgconn(conn));
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)::int::int8", pid);
    pqg_db *other;
    assert_int_equal(pqg_acquire(pool, &other), 0);
    assert_int_equal(scalar(other, sql), 1);
    pqg_release(other);
    /* the backend is gone once its pid leaves pg_stat_activity */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", pid);
    for (int i = 0; i < 200 && scalar(pool, sql) != 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return conn;
}

static void
test_connection_lost(void **state)
{
    (void)state;
    reset_bt(100);
    pqg_db *conn = acquire_killed();
    collect c = {0};
    int rc = pqg_batch_run(conn, &upd_stmt, 100, bind_upd, NULL, 0, on_any, &c);
    assert_int_equal(rc, PQG_ECONN);
    assert_int_equal(c.calls, 100); /* every item hears about it, none hangs */
    assert_int_equal(c.ok, 0);
    pqg_release(conn);

    reset_chk();
    conn = acquire_killed();
    chk_src s = {.bad_row = SIZE_MAX, .stop_at = SIZE_MAX};
    int64_t copied = -1;
    assert_int_equal(pqg_copy_from(conn, &copy_chk_stmt, 5000, bind_chk, &s, &copied), PQG_ECONN);
    assert_int_equal(copied, 0);
    pqg_release(conn);

    /* The pool replaced them: both work again. */
    assert_int_equal(pqg_batch_run(pool, &upd_stmt, 100, bind_upd, NULL, 0, NULL, NULL), 0);
    assert_int_equal(pqg_copy_from(pool, &copy_chk_stmt, 5000, bind_chk, &s, &copied), 0);
    assert_int_equal(copied, 5000);
}

/* ---------- tracing ---------- */

typedef struct trace_log {
    int starts, ends;
    int64_t last_rows;
    int last_error;
    char last_name[64];
} trace_log;

static void
on_trace(const pqg_trace_info *info, void *userdata)
{
    trace_log *t = userdata;
    if (info->event == PQG_TRACE_QUERY_START)
        t->starts++;
    if (info->event == PQG_TRACE_QUERY_END) {
        t->ends++;
        t->last_rows = info->rows;
        t->last_error = info->error;
        snprintf(t->last_name, sizeof t->last_name, "%s",
                 info->query_name ? info->query_name : "");
    }
}

static void
test_tracing(void **state)
{
    (void)state;
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.min_conns = 1;
    cfg.max_conns = 2;
    pqg_db *p;
    assert_int_equal(pqg_pool_open(&cfg, &p), 0);
    trace_log t = {0};
    pqg_tracer tr = {on_trace, &t};
    assert_int_equal(pqg_pool_add_tracer(p, &tr), 0);
    reset_chk();
    chk_src s = {.bad_row = SIZE_MAX, .stop_at = SIZE_MAX};
    int64_t copied;
    assert_int_equal(pqg_copy_from(p, &copy_chk_stmt, 250, bind_chk, &s, &copied), 0);
    assert_int_equal(t.starts, 1);
    assert_int_equal(t.ends, 1);
    assert_int_equal(t.last_rows, 250);
    assert_string_equal(t.last_name, "CopyChk");
    reset_bt(100);
    memset(&t, 0, sizeof t);
    assert_int_equal(pqg_batch_run(p, &upd_stmt, 100, bind_upd, NULL, 0, NULL, NULL), 0);
    assert_int_equal(t.starts, 1);
    assert_int_equal(t.ends, 1);
    assert_int_equal(t.last_rows, 100);
    assert_string_equal(t.last_name, "BatchUpdate");
    s.bad_row = 10;
    assert_int_equal(pqg_copy_from(p, &copy_chk_stmt, 250, bind_chk, &s, &copied),
                     PQG_ECONSTRAINT);
    assert_int_equal(t.last_error, PQG_ECONSTRAINT);
    /* fault injection applies to both */
    pqg_pool_set_faults(p, 1.0, 0);
    assert_int_equal(pqg_copy_from(p, &copy_chk_stmt, 250, bind_chk, &s, &copied), PQG_ECONN);
    assert_int_equal(pqg_batch_run(p, &upd_stmt, 100, bind_upd, NULL, 0, NULL, NULL), PQG_ECONN);
    pqg_pool_set_faults(p, 0, 0);
    assert_int_equal(pqg_pool_close(p, 5000), 0);
}

int
main(void)
{
    url = getenv("DATABASE_URL");
    if (!url || !*url) {
        printf("skipped: DATABASE_URL not set\n");
        return 0;
    }
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.min_conns = 1;
    cfg.max_conns = 4;
    if (pqg_pool_open(&cfg, &pool) != 0) {
        fprintf(stderr, "pool open: %s\n", pqg_last_error()->message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_mixed),
        cmocka_unit_test(test_copy_error_row),
        cmocka_unit_test(test_copy_in_transaction),
        cmocka_unit_test(test_copy_big_fields),
        cmocka_unit_test(test_batchexec_one_round_trip),
        cmocka_unit_test(test_batchone_10k),
        cmocka_unit_test(test_batchmany),
        cmocka_unit_test(test_batch_error_item),
        cmocka_unit_test(test_batch_in_transaction),
        cmocka_unit_test(test_batch_early_stop),
        cmocka_unit_test(test_generated_shapes),
        cmocka_unit_test(test_connection_lost),
        cmocka_unit_test(test_tracing),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    pqg_pool_stats st;
    if (pqg_pool_stats_get(pool, &st) == 0 && st.in_use != 0) {
        fprintf(stderr, "leaked leases: %d\n", st.in_use);
        failed++;
    }
    if (pqg_pool_close(pool, 5000) != 0)
        failed++;
    return failed;
}
