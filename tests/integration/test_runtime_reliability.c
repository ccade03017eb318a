/*
 * test_runtime_reliability.c - the pool under stress and failure: 8 threads x 10,000
 * acquire/query/release on 4 connections (no deadlock, stats add up), pg_terminate_backend on
 * leased and idle connections mid-run (in-flight calls fail with PQG_ECONN, the pool recovers),
 * and a server restart (recovers; no write that reported success is lost).
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

#include "pqg.h"

static const char *url;

enum { THREADS = 8, ITERS = 10000 };

static const uint32_t t_int8[] = {20};
static const pqg_stmt st_add = {"rel_add", "SELECT $1::int8 + 1", 1, t_int8, 1, t_int8, NULL, false};
static const pqg_stmt st_insert = {"rel_insert", "INSERT INTO rel_writes (id) VALUES ($1)", 1,
                                   t_int8, 0, NULL, NULL, false};

typedef struct int_row {
    int64_t v;
} int_row;
static void
dec_int(pqg_row *r, void *d)
{
    pqg_get_int64(r, 0, &((int_row *)d)->v);
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pqg_db *
open_pool(int min, int max, const char *app, int64_t health_ms)
{
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.min_conns = min;
    cfg.max_conns = max;
    cfg.application_name = app;
    cfg.health_check_ms = health_ms;
    cfg.acquire_timeout_ms = 10000;
    cfg.connect_timeout_ms = 2000;
    pqg_db *p = NULL;
    if (pqg_pool_open(&cfg, &p) != 0)
        fail_msg("pool open: %s", pqg_last_error()->message);
    return p;
}

/* One call through an explicitly leased connection. Returns rc. */
static int
add_once(pqg_db *pool, int64_t x, int64_t *out)
{
    pqg_db *c;
    int rc = pqg_acquire(pool, &c);
    if (rc)
        return rc;
    pqg_args a;
    pqg_args_init(&a, &st_add);
    pqg_arg_int64(&a, x);
    int_row r;
    void *mem;
    rc = pqg_query_one(c, &st_add, &a, dec_int, &r, sizeof r, &mem);
    pqg_release(c);
    if (rc == 0)
        *out = r.v;
    return rc;
}

typedef struct stress {
    pqg_db *pool;
    atomic_long ok, bad;
} stress;

static void *
stress_thread(void *arg)
{
    stress *s = arg;
    for (int i = 0; i < ITERS; i++) {
        int64_t v = 0;
        if (add_once(s->pool, i, &v) == 0 && v == i + 1)
            atomic_fetch_add(&s->ok, 1);
        else
            atomic_fetch_add(&s->bad, 1);
    }
    return NULL;
}

static void
test_stress_8x10000(void **state)
{
    (void)state;
    stress s = {.pool = open_pool(2, 4, "rel_stress", 50)};
    atomic_init(&s.ok, 0);
    atomic_init(&s.bad, 0);
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, stress_thread, &s);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&s.bad), 0);
    assert_int_equal(atomic_load(&s.ok), THREADS * ITERS);
    pqg_pool_stats st;
    assert_int_equal(pqg_pool_stats_get(s.pool, &st), 0);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.waiting, 0);
    assert_true(st.total <= 4);
    assert_true(st.acquire_count == (uint64_t)THREADS * ITERS);
    assert_int_equal(st.acquire_timeouts, 0);
    assert_true(st.created >= 4 && st.created <= 4 + st.closed_broken + st.closed_health +
                                                     st.closed_idle + st.closed_lifetime);
    assert_int_equal(pqg_pool_close(s.pool, 2000), 0);
}

/* ---- terminate backends mid-run ---- */

typedef struct chaos {
    pqg_db *pool;
    atomic_bool stop;
    atomic_long ok, econn, other;
    int other_codes[8];
} chaos;

static void *
chaos_worker(void *arg)
{
    chaos *c = arg;
    int64_t i = 0;
    while (!atomic_load(&c->stop)) {
        int64_t v;
        int rc = add_once(c->pool, i, &v);
        if (rc == 0 && v == i + 1)
            atomic_fetch_add(&c->ok, 1);
        else if (rc == PQG_ECONN)
            atomic_fetch_add(&c->econn, 1);
        else
            atomic_fetch_add(&c->other, 1);
        i++;
    }
    return NULL;
}

static void
test_terminate_backends(void **state)
{
    (void)state;
    chaos c = {.pool = open_pool(3, 4, "rel_chaos", 100)};
    atomic_init(&c.stop, false);
    atomic_init(&c.ok, 0);
    atomic_init(&c.econn, 0);
    atomic_init(&c.other, 0);
    pqg_db *killer = open_pool(1, 1, "rel_killer", 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, chaos_worker, &c);
    /* Kill every pool connection, leased or idle, every 100 ms for 2 s. */
    static const pqg_stmt kill = {"rel_kill",
                                  "SELECT count(pg_terminate_backend(pid))::int8 FROM "
                                  "pg_stat_activity WHERE application_name = 'rel_chaos'",
                                  0, NULL, 1, NULL, NULL, false};
    int64_t killed = 0;
    for (int round = 0; round < 20; round++) {
        sleep_ms(100);
        int_row r;
        void *mem;
        assert_int_equal(pqg_query_one(killer, &kill, NULL, dec_int, &r, sizeof r, &mem), 0);
        killed += r.v;
    }
    atomic_store(&c.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_true(killed >= 20);
    assert_true(atomic_load(&c.econn) > 0);  /* in-flight calls saw the kill ... */
    assert_int_equal(atomic_load(&c.other), 0); /* ... as PQG_ECONN, nothing else */
    assert_true(atomic_load(&c.ok) > 100);
    /* afterwards every call succeeds */
    sleep_ms(50);
    for (int i = 0; i < 50; i++) {
        int64_t v;
        int rc = add_once(c.pool, i, &v);
        if (rc)
            fail_msg("after chaos: %s: %s", pqg_err_name(rc), pqg_last_error()->message);
    }
    pqg_pool_stats st;
    assert_int_equal(pqg_pool_stats_get(c.pool, &st), 0);
    assert_int_equal(st.in_use, 0);
    assert_true(st.closed_broken + st.closed_health >= 3);
    assert_int_equal(pqg_pool_close(c.pool, 2000), 0);
    assert_int_equal(pqg_pool_close(killer, 2000), 0);
}

/* ---- server restart ---- */

typedef struct writer {
    pqg_db *pool;
    int id;
    atomic_bool *stop;
    int64_t *ok_ids;
    size_t n_ok, cap;
    long failures;
} writer;

static void *
writer_thread(void *arg)
{
    writer *w = arg;
    for (int64_t seq = 0; !atomic_load(w->stop); seq++) {
        int64_t id = (int64_t)w->id * 1000000 + seq;
        pqg_args a;
        pqg_args_init(&a, &st_insert);
        pqg_arg_int64(&a, id);
        int64_t rows = 0;
        int rc = pqg_exec(w->pool, &st_insert, &a, &rows);
        if (rc == 0 && rows == 1) {
            if (w->n_ok == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 1024;
                w->ok_ids = realloc(w->ok_ids, w->cap * sizeof *w->ok_ids);
            }
            w->ok_ids[w->n_ok++] = id;
        } else {
            w->failures++;
            sleep_ms(5);
        }
    }
    return NULL;
}

static void
test_server_restart(void **state)
{
    (void)state;
    const char *pgctl = getenv("PQG_TEST_PGCTL");
    if (!pgctl || !*pgctl) {
        printf("skipped restart: PQG_TEST_PGCTL not set\n");
        skip();
    }
    pqg_db *pool = open_pool(2, 4, "rel_restart", 100);
    if (pqg_exec_sql(pool, "DROP TABLE IF EXISTS rel_writes;"
                           "CREATE TABLE rel_writes (id int8 PRIMARY KEY)") != 0)
        fail_msg("setup: %s", pqg_last_error()->message);
    atomic_bool stop;
    atomic_init(&stop, false);
    writer w[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (writer){.pool = pool, .id = i + 1, .stop = &stop};
        pthread_create(&th[i], NULL, writer_thread, &w[i]);
    }
    sleep_ms(500);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s restart -m fast >/dev/null 2>&1", pgctl);
    assert_int_equal(system(cmd), 0);
    /* recovery: a call succeeds within a few seconds of the restart */
    int64_t t0 = now_ms();
    int rc = -1;
    while (now_ms() - t0 < 10000) {
        int64_t v;
        if ((rc = add_once(pool, 1, &v)) == 0)
            break;
        sleep_ms(50);
    }
    assert_int_equal(rc, 0);
    sleep_ms(500); /* writers keep going on the new server */
    atomic_store(&stop, true);
    size_t total_ok = 0;
    long failures = 0;
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        total_ok += w[i].n_ok;
        failures += w[i].failures;
    }
    assert_true(failures > 0); /* the restart was noticed */
    assert_true(total_ok > 50);
    /* every write that reported success is there */
    static const uint32_t t_arr[] = {1016};
    static const pqg_stmt st_count = {"rel_count",
                                      "SELECT count(*) FROM rel_writes WHERE id = ANY($1)", 1,
                                      t_arr, 1, NULL, NULL, false};
    for (int i = 0; i < 3; i++) {
        pqg_args a;
        pqg_args_init(&a, &st_count);
        pqg_arg_array_int64(&a, (pqg_array_int64){w[i].ok_ids, w[i].n_ok});
        int_row r;
        void *mem;
        assert_int_equal(pqg_query_one(pool, &st_count, &a, dec_int, &r, sizeof r, &mem), 0);
        assert_int_equal(r.v, (int64_t)w[i].n_ok);
        free(w[i].ok_ids);
    }
    pqg_pool_stats st;
    assert_int_equal(pqg_pool_stats_get(pool, &st), 0);
    assert_int_equal(st.in_use, 0);
    if (pqg_exec_sql(pool, "DROP TABLE rel_writes") != 0)
        fail_msg("drop: %s", pqg_last_error()->message);
    assert_int_equal(pqg_pool_close(pool, 2000), 0);
}

int
main(void)
{
    url = getenv("DATABASE_URL");
    if (!url || !*url) {
        printf("skipped: DATABASE_URL not set\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_8x10000),
        cmocka_unit_test(test_terminate_backends),
        cmocka_unit_test(test_server_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
