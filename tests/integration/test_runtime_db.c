/*
 * test_runtime_db.c - the runtime against a real server: prepared-statement cache (once per
 * connection, deduplicated names, re-prepare after DEALLOCATE ALL and after a result type
 * change, not inside a transaction), unnamed mode, transactions and savepoints, pqg_tx_run
 * under real serialization failures, error mapping, timeouts, acquire timeout, O(1)
 * allocations per call, streaming, tracing, fault injection, lifetime/idle/health upkeep.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

/* Counting allocator: every block libpqg hands out goes through it. fail_after >= 0 makes
 * allocations fail once that many more have succeeded. */
static atomic_long n_alloc;
static atomic_long fail_after;
static void *
count_malloc(size_t n)
{
    atomic_fetch_add(&n_alloc, 1);
    if (atomic_load(&fail_after) >= 0 && atomic_fetch_sub(&fail_after, 1) == 0)
        return NULL;
    return malloc(n);
}
static void *
count_realloc(void *p, size_t n)
{
    atomic_fetch_add(&n_alloc, 1);
    return realloc(p, n);
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pqg_db *
open_pool(int min, int max, void (*tweak)(pqg_config *))
{
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.min_conns = min;
    cfg.max_conns = max;
    if (tweak)
        tweak(&cfg);
    pqg_db *p = NULL;
    int rc = pqg_pool_open(&cfg, &p);
    if (rc)
        fail_msg("pool open: %s", pqg_last_error()->message);
    return p;
}

static void
exec_ok(pqg_db *db, const char *sql)
{
    int rc = pqg_exec_sql(db, sql);
    if (rc)
        fail_msg("%s: %s", sql, pqg_last_error()->message);
}

/* ---- rows ---- */

typedef struct int_row {
    int64_t v;
} int_row;
static void
dec_int(pqg_row *r, void *d)
{
    pqg_get_int64(r, 0, &((int_row *)d)->v);
}

typedef struct item_row {
    int32_t id;
    const char *name;
    pqg_array_int32 tags;
    pqg_null_double score;
} item_row;
static void
dec_item(pqg_row *r, void *d)
{
    item_row *x = d;
    pqg_get_int32(r, 0, &x->id);
    pqg_get_text(r, 1, &x->name);
    pqg_get_array_int32(r, 2, &x->tags);
    pqg_get_null_double(r, 3, &x->score);
}

static int64_t
scalar(pqg_db *db, const char *sql)
{
    const pqg_stmt st = {NULL, sql, 0, NULL, 1, NULL, NULL, false};
    int_row r;
    void *mem;
    int rc = pqg_query_one(db, &st, NULL, dec_int, &r, sizeof r, &mem);
    if (rc)
        fail_msg("%s: %s", sql, pqg_last_error()->message);
    pqg_free(mem);
    return r.v;
}

/* ---- statement cache ---- */

static const uint32_t t_int8[] = {20};
static const pqg_stmt st_add = {"rt_add", "SELECT $1::int8 + 1", 1, t_int8, 1, t_int8, NULL, false};
/* same name, different descriptor */
static const pqg_stmt st_add_twin = {"rt_add", "SELECT $1::int8 + 2", 1, t_int8, 1, t_int8, NULL, false};

static int64_t
run_add(pqg_db *db, const pqg_stmt *st, int64_t x, int *rc_out)
{
    pqg_args a;
    pqg_args_init(&a, st);
    pqg_arg_int64(&a, x);
    int_row r;
    void *mem;
    *rc_out = pqg_query_one(db, st, &a, dec_int, &r, sizeof r, &mem);
    return r.v;
}

static void
test_prepared_once(void **state)
{
    (void)state;
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    int rc;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(run_add(c, &st_add, i, &rc), i + 1);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_prepared_statements "
                               "WHERE name = 'rt_add'"), 1);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_prepared_statements"), 1);
    /* a second descriptor with the same name gets its own prepared statement */
    assert_int_equal(run_add(c, &st_add_twin, 10, &rc), 12);
    assert_int_equal(rc, 0);
    assert_int_equal(run_add(c, &st_add, 10, &rc), 11);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_prepared_statements "
                               "WHERE name LIKE 'rt_add%'"), 2);
    /* the server loses them: re-prepared transparently */
    exec_ok(c, "DEALLOCATE ALL");
    assert_int_equal(run_add(c, &st_add, 1, &rc), 2);
    assert_int_equal(rc, 0);
    assert_int_equal(run_add(c, &st_add_twin, 1, &rc), 3);
    assert_int_equal(rc, 0);
    /* inside a transaction the failed statement aborted it: reported, not retried */
    pqg_db *tx;
    assert_int_equal(pqg_begin(c, NULL, &tx), 0);
    exec_ok(tx, "DEALLOCATE ALL");
    run_add(tx, &st_add, 1, &rc);
    assert_int_equal(rc, PQG_ESERVER);
    assert_string_equal(pqg_last_error()->sqlstate, "26000");
    assert_int_equal(pqg_rollback(tx), 0);
    assert_int_equal(run_add(c, &st_add, 5, &rc), 6); /* and fine afterwards */
    assert_int_equal(rc, 0);
    pqg_release(c);
}

static const pqg_stmt st_get_val = {"rt_get_val", "SELECT val FROM rt_alter WHERE id = 1", 0,
                                    NULL, 1, NULL, NULL, false};
static const uint32_t t_col_int4[] = {23};
static const pqg_stmt st_get_val_typed = {"rt_get_val_typed",
                                          "SELECT val FROM rt_alter WHERE id = 1", 0, NULL, 1,
                                          t_col_int4, NULL, false};

static void
test_reprepare_after_alter(void **state)
{
    (void)state;
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    exec_ok(c, "DROP TABLE IF EXISTS rt_alter; CREATE TABLE rt_alter (id int, val int4);"
               "INSERT INTO rt_alter VALUES (1, 41)");
    int_row r;
    void *mem;
    assert_int_equal(pqg_query_one(c, &st_get_val, NULL, dec_int, &r, sizeof r, &mem), 0);
    assert_int_equal(r.v, 41);
    assert_int_equal(pqg_query_one(c, &st_get_val_typed, NULL, dec_int, &r, sizeof r, &mem), 0);
    exec_ok(c, "ALTER TABLE rt_alter ALTER COLUMN val TYPE int8;"
               "UPDATE rt_alter SET val = 5000000000");
    /* 0A000 "cached plan must not change result type": re-prepared and rerun */
    assert_int_equal(pqg_query_one(c, &st_get_val, NULL, dec_int, &r, sizeof r, &mem), 0);
    assert_true(r.v == 5000000000);
    /* a descriptor that pins the old type now reports the schema change */
    assert_int_equal(pqg_query_one(c, &st_get_val_typed, NULL, dec_int, &r, sizeof r, &mem),
                     PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "regenerate"));
    exec_ok(c, "DROP TABLE rt_alter");
    pqg_release(c);
}

static void
unnamed_cfg(pqg_config *cfg)
{
    cfg->unnamed_statements = true;
    cfg->statement_timeout_ms = 12345;
}

static void
test_unnamed_mode(void **state)
{
    (void)state;
    pqg_db *p = open_pool(1, 2, unnamed_cfg);
    pqg_db *c;
    assert_int_equal(pqg_acquire(p, &c), 0);
    int rc;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run_add(c, &st_add, i, &rc), i + 1);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_prepared_statements"), 0);
    /* timeouts were SET after connecting */
    assert_int_equal(scalar(c, "SELECT setting::int8 FROM pg_settings "
                               "WHERE name = 'statement_timeout'"), 12345);
    pqg_release(c);
    assert_int_equal(pqg_pool_close(p, 1000), 0);
}

static void
test_session_settings(void **state)
{
    (void)state;
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    assert_int_equal(scalar(c, "SELECT setting::int8 FROM pg_settings "
                               "WHERE name = 'statement_timeout'"), 30000);
    assert_int_equal(scalar(c, "SELECT setting::int8 FROM pg_settings "
                               "WHERE name = 'lock_timeout'"), 10000);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_stat_activity "
                               "WHERE pid = pg_backend_pid() AND application_name = 'pqgen'"), 1);
    assert_non_null(pqg_pgconn(c));
    assert_null(pqg_pgconn(pool));
    assert_int_equal(PQstatus(pqg_pgconn(c)), CONNECTION_OK);
    /* nested acquire on a connection returns it as is; the inner release keeps it leased */
    pqg_db *c2;
    assert_int_equal(pqg_acquire(c, &c2), 0);
    assert_ptr_equal(c2, c);
    pqg_release(c2);
    assert_int_equal(scalar(c, "SELECT 7"), 7);
    pqg_release(c);
}

/* ---- transactions ---- */

static void
test_transactions(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS rt_tx; CREATE TABLE rt_tx (id int PRIMARY KEY, v int)");
    /* isolation and read-only reach the server */
    pqg_db *tx;
    pqg_tx_options o = {.isolation = PQG_ISOLATION_SERIALIZABLE, .read_only = true,
                        .deferrable = true};
    assert_int_equal(pqg_begin(pool, &o, &tx), 0);
    assert_int_equal(scalar(tx, "SELECT (current_setting('transaction_isolation') = "
                                "'serializable' AND current_setting('transaction_read_only') = "
                                "'on' AND current_setting('transaction_deferrable') = 'on')::int"),
                     1);
    assert_int_equal(pqg_exec_sql(tx, "INSERT INTO rt_tx VALUES (1, 1)"), PQG_ESERVER);
    assert_string_equal(pqg_last_error()->sqlstate, "25006");
    /* commit of an aborted transaction reports it */
    assert_int_equal(pqg_commit(tx), PQG_ESERVER);
    assert_string_equal(pqg_last_error()->sqlstate, "25P02");

    pqg_tx_options rr = {.isolation = PQG_ISOLATION_REPEATABLE_READ};
    assert_int_equal(pqg_begin(pool, &rr, &tx), 0);
    assert_int_equal(scalar(tx, "SELECT (current_setting('transaction_isolation') = "
                                "'repeatable read')::int"), 1);
    exec_ok(tx, "INSERT INTO rt_tx VALUES (1, 1)");
    /* savepoint: inner rollback keeps the outer work */
    pqg_db *sp;
    assert_int_equal(pqg_begin(tx, NULL, &sp), 0);
    exec_ok(sp, "INSERT INTO rt_tx VALUES (2, 2)");
    assert_int_equal(pqg_exec_sql(sp, "INSERT INTO rt_tx VALUES (1, 9)"), PQG_ECONFLICT);
    assert_int_equal(pqg_rollback(sp), 0);
    /* second savepoint commits into the outer transaction */
    assert_int_equal(pqg_begin(tx, NULL, &sp), 0);
    pqg_db *sp2;
    assert_int_equal(pqg_begin(sp, NULL, &sp2), 0); /* depth 2 */
    exec_ok(sp2, "INSERT INTO rt_tx VALUES (3, 3)");
    assert_int_equal(pqg_commit(sp2), 0);
    assert_int_equal(pqg_commit(sp), 0);
    assert_int_equal(pqg_commit(tx), 0);
    assert_int_equal(scalar(pool, "SELECT count(*) * 10 + sum(id) FROM rt_tx"), 24);

    /* rollback discards */
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    exec_ok(tx, "DELETE FROM rt_tx");
    assert_int_equal(pqg_rollback(tx), 0);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM rt_tx"), 2);
    assert_int_equal(pqg_rollback(NULL), 0);

    /* a transaction on a leased connection; releasing with it open rolls back */
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    assert_int_equal(pqg_begin(c, NULL, &tx), 0);
    exec_ok(tx, "DELETE FROM rt_tx");
    exec_ok(c, "INSERT INTO rt_tx VALUES (50, 50)");  /* same connection, same transaction */
    assert_int_equal(pqg_commit(tx), 0);
    assert_int_equal(scalar(c, "SELECT count(*) FROM rt_tx"), 1);
    exec_ok(c, "BEGIN; DELETE FROM rt_tx");
    pqg_release(c); /* left open: rolled back */
    assert_int_equal(scalar(pool, "SELECT count(*) FROM rt_tx"), 1);
    exec_ok(pool, "DROP TABLE rt_tx");
}

typedef struct tx_ctx {
    atomic_int calls;
} tx_ctx;

static const pqg_stmt st_read_counter = {"rt_read_counter", "SELECT v FROM rt_counter", 0, NULL,
                                         1, NULL, NULL, false};
static const pqg_stmt st_write_counter = {"rt_write_counter", "UPDATE rt_counter SET v = $1",
                                          1, t_int8, 0, NULL, NULL, false};

static int
increment(pqg_db *tx, void *ud)
{
    tx_ctx *ctx = ud;
    atomic_fetch_add(&ctx->calls, 1);
    int_row r;
    void *mem;
    int rc = pqg_query_one(tx, &st_read_counter, NULL, dec_int, &r, sizeof r, &mem);
    if (rc)
        return rc;
    sleep_ms(2); /* widen the window so the transactions really collide */
    pqg_args a;
    pqg_args_init(&a, &st_write_counter);
    pqg_arg_int64(&a, r.v + 1);
    return pqg_exec(tx, &st_write_counter, &a, NULL);
}

static void *
increment_thread(void *ud)
{
    pqg_tx_options o = {.isolation = PQG_ISOLATION_SERIALIZABLE};
    for (int i = 0; i < 10; i++) {
        int rc = pqg_tx_run(pool, &o, increment, ud, 100);
        if (rc)
            return (void *)(intptr_t)rc;
    }
    return NULL;
}

static void
test_tx_run_retries(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS rt_counter; CREATE TABLE rt_counter (v int8);"
                  "INSERT INTO rt_counter VALUES (0)");
    tx_ctx ctx;
    atomic_init(&ctx.calls, 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, increment_thread, &ctx);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
    assert_int_equal(scalar(pool, "SELECT v FROM rt_counter"), 40);
    /* there were conflicts, and they were retried */
    assert_true(atomic_load(&ctx.calls) > 40);
    exec_ok(pool, "DROP TABLE rt_counter");
}

static int
fail_positive(pqg_db *tx, void *ud)
{
    (void)ud;
    exec_ok(tx, "INSERT INTO rt_txrun VALUES (1)");
    return 7; /* user error: rolled back, returned as is */
}

static void
test_tx_run_user_error(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS rt_txrun; CREATE TABLE rt_txrun (x int)");
    assert_int_equal(pqg_tx_run(pool, NULL, fail_positive, NULL, 3), 7);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM rt_txrun"), 0);
    exec_ok(pool, "DROP TABLE rt_txrun");
}

/* ---- errors ---- */

static void
test_error_mapping(void **state)
{
    (void)state;
    exec_ok(pool, "DROP TABLE IF EXISTS rt_child, rt_parent;"
                  "CREATE TABLE rt_parent (id int PRIMARY KEY, email text UNIQUE,"
                  "  age int CONSTRAINT age_positive CHECK (age > 0), name text NOT NULL);"
                  "CREATE TABLE rt_child (id int, parent_id int REFERENCES rt_parent(id));"
                  "INSERT INTO rt_parent VALUES (1, 'a@x', 5, 'a')");
    const pqg_error *e = pqg_last_error();
    assert_int_equal(pqg_exec_sql(pool, "INSERT INTO rt_parent VALUES (2, 'a@x', 5, 'b')"),
                     PQG_ECONFLICT);
    assert_string_equal(e->sqlstate, "23505");
    assert_true(pqg_error_is_unique_violation(e));
    assert_string_equal(e->table, "rt_parent");
    assert_string_equal(e->constraint, "rt_parent_email_key");
    assert_string_equal(e->schema, "public");
    assert_non_null(strstr(e->detail, "a@x"));
    assert_non_null(strstr(e->message, "duplicate key"));
    assert_int_equal(e->code, PQG_ECONFLICT);

    assert_int_equal(pqg_exec_sql(pool, "INSERT INTO rt_child VALUES (1, 99)"),
                     PQG_ECONSTRAINT);
    assert_true(pqg_error_is_foreign_key_violation(e));
    assert_string_equal(e->constraint, "rt_child_parent_id_fkey");
    assert_int_equal(pqg_exec_sql(pool, "INSERT INTO rt_parent VALUES (3, 'c', -1, 'c')"),
                     PQG_ECONSTRAINT);
    assert_true(pqg_error_is_check_violation(e));
    assert_string_equal(e->constraint, "age_positive");
    assert_int_equal(pqg_exec_sql(pool, "INSERT INTO rt_parent VALUES (4, 'd', 1, NULL)"),
                     PQG_ECONSTRAINT);
    assert_true(pqg_error_is_not_null_violation(e));
    assert_string_equal(e->column, "name");
    /* a generated statement's error names the query */
    static const uint32_t t2[] = {23, 25};
    static const pqg_stmt ins = {"RtInsertParent",
                                 "INSERT INTO rt_parent (id, email, age, name) "
                                 "VALUES ($1, $2, 1, 'x')",
                                 2, t2, 0, NULL, NULL, false};
    pqg_args a;
    pqg_args_init(&a, &ins);
    pqg_arg_int32(&a, 1);
    pqg_arg_text(&a, "new@x");
    int64_t rows = -1;
    assert_int_equal(pqg_exec(pool, &ins, &a, &rows), PQG_ECONFLICT);
    assert_string_equal(e->query, "RtInsertParent");
    assert_string_equal(e->constraint, "rt_parent_pkey");
    /* syntax error: server error with hint/position fields */
    assert_int_equal(pqg_exec_sql(pool, "SELEC 1"), PQG_ESERVER);
    assert_string_equal(e->sqlstate, "42601");
    /* exec rows and exec result */
    static const pqg_stmt upd = {"RtUpdateAll", "UPDATE rt_parent SET age = age + 1", 0, NULL,
                                 0, NULL, NULL, false};
    assert_int_equal(pqg_exec(pool, &upd, NULL, &rows), 0);
    assert_int_equal(rows, 1);
    pqg_exec_result er;
    assert_int_equal(pqg_exec_result_get(pool, &upd, NULL, &er), 0);
    assert_string_equal(er.command_tag, "UPDATE 1");
    assert_int_equal(er.rows_affected, 1);
    exec_ok(pool, "DROP TABLE rt_child, rt_parent");
    /* misuse */
    assert_int_equal(pqg_exec_sql(NULL, "SELECT 1"), PQG_EINVAL);
    assert_int_equal(pqg_exec(NULL, &upd, NULL, NULL), PQG_EINVAL);
}

static void
short_timeouts(pqg_config *cfg)
{
    cfg->statement_timeout_ms = 200;
    cfg->lock_timeout_ms = 100;
    cfg->acquire_timeout_ms = 150;
}

static void
test_timeouts(void **state)
{
    (void)state;
    pqg_db *p = open_pool(1, 1, short_timeouts);
    int64_t t0 = (int64_t)time(NULL);
    assert_int_equal(pqg_exec_sql(p, "SELECT pg_sleep(5)"), PQG_ETIMEOUT);
    assert_string_equal(pqg_last_error()->sqlstate, "57014");
    assert_true((int64_t)time(NULL) - t0 < 3);
    assert_int_equal(scalar(p, "SELECT 1"), 1); /* still usable */

    /* lock_timeout: 55P03 */
    exec_ok(pool, "DROP TABLE IF EXISTS rt_lock; CREATE TABLE rt_lock (x int)");
    pqg_db *tx;
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    exec_ok(tx, "LOCK TABLE rt_lock IN ACCESS EXCLUSIVE MODE");
    assert_int_equal(pqg_exec_sql(p, "SELECT * FROM rt_lock"), PQG_ETIMEOUT);
    assert_string_equal(pqg_last_error()->sqlstate, "55P03");
    assert_int_equal(pqg_rollback(tx), 0);

    /* acquire timeout: the only connection is leased */
    pqg_db *c;
    assert_int_equal(pqg_acquire(p, &c), 0);
    assert_int_equal(pqg_exec_sql(p, "SELECT 1"), PQG_EPOOL);
    pqg_db *c2;
    assert_int_equal(pqg_acquire(p, &c2), PQG_EPOOL);
    assert_null(c2);
    pqg_pool_stats s;
    assert_int_equal(pqg_pool_stats_get(p, &s), 0);
    assert_int_equal(s.acquire_timeouts, 2);
    assert_int_equal(s.in_use, 1);
    assert_int_equal(s.total, 1);
    assert_true(s.acquire_wait_us >= 250000);
    pqg_release(c);
    assert_int_equal(scalar(p, "SELECT 2"), 2);
    exec_ok(pool, "DROP TABLE rt_lock");
    assert_int_equal(pqg_pool_close(p, 1000), 0);
}

/* ---- memory ---- */

static const pqg_stmt st_items = {
    "RtListItems",
    "SELECT g::int4, 'item number ' || g, ARRAY[g, g + 1, g + 2]::int4[], "
    "CASE WHEN g % 2 = 0 THEN g / 3.0 END::float8 FROM generate_series(1, 1000) g",
    0, NULL, 4, (const uint32_t[]){23, 25, 1007, 701}, NULL, false};

static void
test_allocations_o1(void **state)
{
    (void)state;
    void *rows;
    size_t len;
    /* warm up: the statement is prepared on this connection (the cache allocates once) */
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    assert_int_equal(pqg_query_many(c, &st_items, NULL, dec_item, sizeof(item_row), &rows, &len),
                     0);
    pqg_free(rows);
    long before = atomic_load(&n_alloc);
    assert_int_equal(pqg_query_many(c, &st_items, NULL, dec_item, sizeof(item_row), &rows, &len),
                     0);
    long used = atomic_load(&n_alloc) - before;
    assert_int_equal(used, 1);
    assert_int_equal(len, 1000);
    item_row *items = rows;
    for (size_t i = 0; i < len; i++) {
        char want[48];
        snprintf(want, sizeof want, "item number %zu", i + 1);
        assert_int_equal(items[i].id, (int)i + 1);
        assert_string_equal(items[i].name, want);
        assert_int_equal(items[i].tags.len, 3);
        assert_int_equal(items[i].tags.items[2], (int)i + 3);
        assert_int_equal(items[i].score.valid, (i + 1) % 2 == 0);
    }
    pqg_free(rows);
    /* through the pool (lease + return) it is still one allocation */
    before = atomic_load(&n_alloc);
    assert_int_equal(
        pqg_query_many(pool, &st_items, NULL, dec_item, sizeof(item_row), &rows, &len), 0);
    used = atomic_load(&n_alloc) - before;
    pqg_free(rows);
    assert_true(used <= 2); /* +1 if this lease prepared it on a new connection's cache */
    /* zero rows: no allocation, rows NULL */
    static const pqg_stmt none = {"RtNone", "SELECT 1::int4, 'x', '{}'::int4[], 1.0::float8 "
                                            "WHERE false", 0, NULL, 4, NULL, NULL, false};
    before = atomic_load(&n_alloc);
    assert_int_equal(pqg_query_many(c, &none, NULL, dec_item, sizeof(item_row), &rows, &len), 0);
    assert_null(rows);
    assert_int_equal(len, 0);
    assert_int_equal(atomic_load(&n_alloc) - before, 1); /* the cache entry name for RtNone */
    pqg_release(c);
}

static void
test_out_of_memory(void **state)
{
    (void)state;
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    void *rows = (void *)1;
    size_t len = 99;
    assert_int_equal(pqg_query_many(c, &st_items, NULL, dec_item, sizeof(item_row), &rows, &len),
                     0);
    pqg_free(rows);
    /* the result block cannot be allocated: ENOMEM, *rows empty, nothing leaked (ASan) */
    atomic_store(&fail_after, 0);
    assert_int_equal(pqg_query_many(c, &st_items, NULL, dec_item, sizeof(item_row), &rows, &len),
                     PQG_ENOMEM);
    atomic_store(&fail_after, -1);
    assert_null(rows);
    assert_int_equal(len, 0);
    /* a parameter's heap storage cannot be allocated: the binding error surfaces at run */
    static const uint32_t t_text_arr[] = {1009};
    static const pqg_stmt st_arr = {"RtArrLen", "SELECT cardinality($1::text[])::int8", 1,
                                    t_text_arr, 1, NULL, NULL, false};
    const char *words[] = {"a", "b"};
    pqg_args a;
    pqg_args_init(&a, &st_arr);
    atomic_store(&fail_after, 0);
    pqg_arg_array_text(&a, (pqg_array_text){words, 2});
    atomic_store(&fail_after, -1);
    int_row r;
    void *mem;
    assert_int_equal(pqg_query_one(c, &st_arr, &a, dec_int, &r, sizeof r, &mem), PQG_ENOMEM);
    pqg_args_init(&a, &st_arr);
    pqg_arg_array_text(&a, (pqg_array_text){words, 2});
    assert_int_equal(pqg_query_one(c, &st_arr, &a, dec_int, &r, sizeof r, &mem), 0);
    assert_int_equal(r.v, 2);
    pqg_release(c);
}

typedef struct each_ctx {
    int seen;
    int stop_at;
    int64_t sum;
} each_ctx;

static int
on_item(const void *row, void *ud)
{
    const item_row *it = row;
    each_ctx *ctx = ud;
    ctx->seen++;
    ctx->sum += it->tags.items[0];
    if (strncmp(it->name, "item number ", 12) != 0)
        return -100;
    return ctx->seen == ctx->stop_at ? 42 : 0;
}

static void
test_query_each(void **state)
{
    (void)state;
    pqg_db *c;
    assert_int_equal(pqg_acquire(pool, &c), 0);
    each_ctx ctx = {0, -1, 0};
    long before = atomic_load(&n_alloc);
    assert_int_equal(pqg_query_each(c, &st_items, NULL, dec_item, sizeof(item_row), on_item, &ctx),
                     0);
    long used = atomic_load(&n_alloc) - before;
    assert_int_equal(ctx.seen, 1000);
    assert_int_equal(ctx.sum, 500500);
    assert_true(used < 10); /* a scratch buffer that grows a few times, never per row */
    each_ctx stop = {0, 10, 0};
    assert_int_equal(
        pqg_query_each(c, &st_items, NULL, dec_item, sizeof(item_row), on_item, &stop), 42);
    assert_int_equal(stop.seen, 10);
    assert_int_equal(scalar(c, "SELECT 3"), 3); /* drained and usable */
    /* a runtime error mid-stream */
    static const pqg_stmt boom = {"RtBoom",
                                  "SELECT g::int4, 'item number', ARRAY[1]::int4[], "
                                  "(1.0 / (500 - g))::float8 FROM generate_series(1, 1000) g",
                                  0, NULL, 4, NULL, NULL, false};
    each_ctx e = {0, -1, 0};
    assert_int_equal(pqg_query_each(c, &boom, NULL, dec_item, sizeof(item_row), on_item, &e),
                     PQG_ESERVER);
    assert_string_equal(pqg_last_error()->sqlstate, "22012");
    assert_int_equal(scalar(c, "SELECT 4"), 4);
    pqg_release(c);
}

/* ---- tracing and faults ---- */

typedef struct trace_log {
    pthread_mutex_t mu;
    int counts[6];
    char last_end_name[64];
    int64_t last_end_rows;
    int last_end_error;
    char last_end_state[16];
    int last_n_params;
    int rollback_errors;
} trace_log;

static void
on_trace(const pqg_trace_info *info, void *ud)
{
    trace_log *t = ud;
    pthread_mutex_lock(&t->mu);
    t->counts[info->event]++;
    if (info->event == PQG_TRACE_QUERY_END) {
        snprintf(t->last_end_name, sizeof t->last_end_name, "%s",
                 info->query_name ? info->query_name : "(null)");
        t->last_end_rows = info->rows;
        t->last_end_error = info->error;
        snprintf(t->last_end_state, sizeof t->last_end_state, "%s", info->sqlstate);
        t->last_n_params = info->n_params;
    }
    pthread_mutex_unlock(&t->mu);
}

static void
test_tracing_and_faults(void **state)
{
    (void)state;
    pqg_db *p = open_pool(1, 2, NULL);
    trace_log t;
    memset(&t, 0, sizeof t);
    pthread_mutex_init(&t.mu, NULL);
    pqg_tracer tr = {on_trace, &t};
    assert_int_equal(pqg_pool_add_tracer(p, &tr), 0);
    int rc;
    assert_int_equal(run_add(p, &st_add, 1, &rc), 2);
    assert_int_equal(t.counts[PQG_TRACE_QUERY_START], 1);
    assert_int_equal(t.counts[PQG_TRACE_QUERY_END], 1);
    assert_int_equal(t.counts[PQG_TRACE_ACQUIRE], 1);
    assert_string_equal(t.last_end_name, "rt_add");
    assert_int_equal(t.last_end_rows, 1);
    assert_int_equal(t.last_n_params, 1);
    assert_int_equal(pqg_exec_sql(p, "SELECT 1/0"), PQG_ESERVER);
    assert_string_equal(t.last_end_name, "(null)");
    assert_int_equal(t.last_end_error, PQG_ESERVER);
    assert_string_equal(t.last_end_state, "22012");
    pqg_db *tx;
    assert_int_equal(pqg_begin(p, NULL, &tx), 0);
    assert_int_equal(pqg_commit(tx), 0);
    assert_int_equal(t.counts[PQG_TRACE_BEGIN], 1);
    assert_int_equal(t.counts[PQG_TRACE_COMMIT], 1);
    /* left open at release: rolled back and reported to the tracer only */
    pqg_db *c;
    assert_int_equal(pqg_acquire(p, &c), 0);
    exec_ok(c, "BEGIN");
    pqg_release(c);
    assert_int_equal(t.counts[PQG_TRACE_ROLLBACK], 1);
    /* at most 8 tracers */
    for (int i = 1; i < 8; i++)
        assert_int_equal(pqg_pool_add_tracer(p, &tr), 0);
    assert_int_equal(pqg_pool_add_tracer(p, &tr), PQG_EINVAL);

    /* faults: always fail, then latency only */
    pqg_pool_set_faults(p, 1.0, 0);
    assert_int_equal(run_add(p, &st_add, 1, &rc), 0);
    assert_int_equal(rc, PQG_ECONN);
    pqg_pool_set_faults(p, 0, 50);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(run_add(p, &st_add, 1, &rc), 2);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 50);
    pqg_pool_set_faults(p, 0, 0);
    assert_int_equal(pqg_pool_close(p, 1000), 0);
    pthread_mutex_destroy(&t.mu);
}

/* ---- pool upkeep ---- */

static void
upkeep_cfg(pqg_config *cfg)
{
    cfg->max_lifetime_ms = 300;
    cfg->max_idle_ms = 100;
    cfg->health_check_ms = 100;
}

static void
test_lifetime_idle_health(void **state)
{
    (void)state;
    pqg_db *p = open_pool(2, 6, upkeep_cfg);
    /* grow to 5 connections at once, then let them idle */
    pqg_db *c[5];
    for (int i = 0; i < 5; i++)
        assert_int_equal(pqg_acquire(p, &c[i]), 0);
    for (int i = 0; i < 5; i++)
        pqg_release(c[i]);
    pqg_pool_stats s;
    sleep_ms(800);
    assert_int_equal(pqg_pool_stats_get(p, &s), 0);
    assert_true(s.closed_idle >= 1);
    assert_true(s.closed_lifetime >= 1);
    assert_int_equal(s.total, 2); /* min kept warm */
    assert_int_equal(s.in_use, 0);
    /* terminate the idle backends from outside: the health thread notices and replaces them */
    assert_int_equal(pqg_pool_close(p, 1000), 0);
    pqg_db *q = open_pool(3, 4, NULL);
    (void)q;
    assert_int_equal(pqg_pool_close(q, 1000), 0);
}

static void
health_cfg(pqg_config *cfg)
{
    cfg->health_check_ms = 100;
    cfg->application_name = "rt_health";
}

static void
test_health_replaces_terminated(void **state)
{
    (void)state;
    pqg_db *p = open_pool(3, 4, health_cfg);
    assert_int_equal(scalar(pool, "SELECT count(*) FROM pg_stat_activity "
                                  "WHERE application_name = 'rt_health'"), 3);
    assert_int_equal(scalar(pool, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE application_name = 'rt_health'"), 3);
    sleep_ms(400);
    pqg_pool_stats s;
    assert_int_equal(pqg_pool_stats_get(p, &s), 0);
    assert_true(s.closed_health + s.closed_broken >= 3);
    assert_int_equal(s.total, 3);
    assert_int_equal(scalar(p, "SELECT 5"), 5);
    assert_int_equal(pqg_pool_close(p, 1000), 0);
}

static void
test_close_with_leased(void **state)
{
    (void)state;
    pqg_db *p = open_pool(1, 2, NULL);
    pqg_db *c;
    assert_int_equal(pqg_acquire(p, &c), 0);
    assert_int_equal(pqg_pool_close(p, 50), PQG_ETIMEOUT);
    /* still usable by its holder; the release closes it and frees the pool (ASan checks) */
    assert_int_equal(scalar(c, "SELECT 1"), 1);
    pqg_release(c);
    assert_int_equal(pqg_pool_close(NULL, 0), 0);
    /* a bad conninfo fails at open with ECONN */
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2";
    pqg_db *bad = (pqg_db *)1;
    assert_int_equal(pqg_pool_open(&cfg, &bad), PQG_ECONN);
    assert_null(bad);
}

/* A thread gets back the connection it released last, even when another thread's is on top
 * of the idle list: consecutive queries of a thread stay on one backend. */
static pqg_db *affinity_pool;
static pthread_barrier_t affinity_bar;
static PGconn *affinity_seen[2][2];

static void *
affinity_thread(void *arg)
{
    int i = (int)(intptr_t)arg;
    pqg_db *c = NULL;
    if (pqg_acquire(affinity_pool, &c) != 0)
        return NULL;
    affinity_seen[i][0] = pqg_pgconn(c);
    pthread_barrier_wait(&affinity_bar); /* both leased */
    if (i == 1)
        pthread_barrier_wait(&affinity_bar); /* thread 1 releases second: its conn is on top */
    pqg_release(c);
    if (i == 0)
        pthread_barrier_wait(&affinity_bar);
    pthread_barrier_wait(&affinity_bar); /* both released */
    if (i == 1)
        pthread_barrier_wait(&affinity_bar); /* thread 0 leases first */
    if (pqg_acquire(affinity_pool, &c) != 0)
        return NULL;
    affinity_seen[i][1] = pqg_pgconn(c);
    if (i == 0)
        pthread_barrier_wait(&affinity_bar);
    pthread_barrier_wait(&affinity_bar);
    pqg_release(c);
    return NULL;
}

static void
test_thread_affinity(void **state)
{
    (void)state;
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.max_conns = 2;
    cfg.min_conns = 0;
    assert_int_equal(pqg_pool_open(&cfg, &affinity_pool), 0);
    pthread_barrier_init(&affinity_bar, NULL, 2);
    pthread_t t[2];
    for (intptr_t i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, affinity_thread, (void *)i), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&affinity_bar);
    assert_non_null(affinity_seen[0][1]);
    assert_non_null(affinity_seen[1][1]);
    assert_ptr_not_equal(affinity_seen[0][0], affinity_seen[1][0]);
    assert_ptr_equal(affinity_seen[0][0], affinity_seen[0][1]);
    assert_ptr_equal(affinity_seen[1][0], affinity_seen[1][1]);
    assert_int_equal(pqg_pool_close(affinity_pool, 5000), 0);
}

int
main(void)
{
    url = getenv("DATABASE_URL");
    if (!url || !*url) {
        printf("skipped: DATABASE_URL not set\n");
        return 0;
    }
    atomic_init(&n_alloc, 0);
    atomic_init(&fail_after, -1);
    pqg_set_allocator(count_malloc, count_realloc, free);
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.min_conns = 2;
    cfg.max_conns = 8;
    if (pqg_pool_open(&cfg, &pool) != 0) {
        fprintf(stderr, "pool open: %s\n", pqg_last_error()->message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepared_once),
        cmocka_unit_test(test_reprepare_after_alter),
        cmocka_unit_test(test_unnamed_mode),
        cmocka_unit_test(test_session_settings),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_tx_run_retries),
        cmocka_unit_test(test_tx_run_user_error),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_allocations_o1),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_query_each),
        cmocka_unit_test(test_tracing_and_faults),
        cmocka_unit_test(test_lifetime_idle_health),
        cmocka_unit_test(test_health_replaces_terminated),
        cmocka_unit_test(test_close_with_leased),
        cmocka_unit_test(test_thread_affinity),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    pqg_pool_stats s;
    if (pqg_pool_stats_get(pool, &s) == 0 && s.in_use != 0) {
        fprintf(stderr, "leaked leases: %d\n", s.in_use);
        failed++;
    }
    if (pqg_pool_close(pool, 5000) != 0)
        failed++;
    return failed;
}
