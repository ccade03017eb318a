/*
 * test_each_stream.c - pqg_query_each (single-row mode) keeps memory flat: 10 million rows
 * (also under ASan, ~40 s; 200,000 under valgrind; PQG_STREAM_ROWS overrides) stream through
 * with getrusage's peak RSS growing by less than 32 MB, in under 2 minutes; an early stop leaves
 * the connection usable: drained, or for a long result of a statement that only reads cancelled
 * (50 million rows stop at once); a statement that writes, or one inside a transaction, is
 * drained, its writes kept and the transaction healthy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "pqg.h"

#define TIME_CAP_S 120.0
#define RSS_GROWTH_CAP_KB (32 * 1024)

static const char *url;
static pqg_db *pool;

static const uint32_t series_types[] = {20};
static const pqg_stmt series_stmt = {
    .name = "StreamSeries",
    .sql = "SELECT g, md5(g::text) FROM generate_series(1::int8, $1) g",
    .n_params = 1,
    .param_types = series_types,
    .n_columns = 2,
    .cancel_on_stop = true, /* only reads: pqgen sets it for such a SELECT */
};

/* Writes as it goes (a volatile function): stopping early must not undo the writes, so the
 * runtime drains it rather than cancel it. */
static const pqg_stmt touch_stmt = {
    .name = "StreamTouch",
    .sql = "SELECT stream_touch(g), md5(g::text) FROM generate_series(1::int8, $1) g",
    .n_params = 1,
    .param_types = series_types,
    .n_columns = 2,
};

typedef struct series_row {
    int64_t g;
    const char *md5;
} series_row;

static void
dec_series(pqg_row *r, void *d)
{
    series_row *s = d;
    pqg_get_int64(r, 0, &s->g);
    pqg_get_text(r, 1, &s->md5);
}

typedef struct stream_state {
    int64_t count;
    int64_t bad;
    int64_t stop_at;     /* return 5 after this many rows; 0 = never */
} stream_state;

static int
on_row(const void *row, void *userdata)
{
    const series_row *r = row;
    stream_state *s = userdata;
    s->count++;
    if (r->g != s->count || !r->md5 || strlen(r->md5) != 32)
        s->bad++;
    return s->stop_at && s->count == s->stop_at ? 5 : 0;
}

static long
peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss; /* kilobytes on Linux */
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t
stream_rows(void)
{
    const char *env = getenv("PQG_STREAM_ROWS");
    if (env && *env)
        return strtoll(env, NULL, 10);
    const char *vg = getenv("VALGRIND");
    if (vg && strcmp(vg, "1") == 0)
        return 200000;
    /* ASan streams at about 270k rows/s here (37 s for 10M), inside the 2-minute cap. */
    return 10000000;
}

static int
stream(pqg_db *db, int64_t n, stream_state *s)
{
    pqg_args a;
    pqg_args_init(&a, &series_stmt);
    pqg_arg_int64(&a, n);
    return pqg_query_each(db, &series_stmt, &a, dec_series, sizeof(series_row), on_row, s);
}

static void
test_memory_flat(void **state)
{
    (void)state;
    int64_t n = stream_rows();
    /* Warm up: the scratch row, libpq's buffers and the prepared statement exist afterwards. */
    stream_state s = {0};
    assert_int_equal(stream(pool, 200000, &s), 0);
    assert_int_equal(s.count, 200000);
    long rss0 = peak_rss_kb();
    double t0 = now_s();
    memset(&s, 0, sizeof s);
    int rc = stream(pool, n, &s);
    double secs = now_s() - t0;
    if (rc)
        fail_msg("stream: %s", pqg_last_error()->message);
    long rss1 = peak_rss_kb();
    print_message("streamed %lld rows in %.1f s (%.0f rows/s), peak RSS %ld KB -> %ld KB\n",
                  (long long)s.count, secs, (double)s.count / secs, rss0, rss1);
    assert_int_equal(s.count, n);
    assert_int_equal(s.bad, 0);
    assert_true(secs < TIME_CAP_S);
    assert_true(rss1 - rss0 < RSS_GROWTH_CAP_KB);

    /* The measurement itself can see growth: touching 64 MB raises the peak by about that. */
    size_t big = (size_t)64 << 20;
    char *p = malloc(big);
    assert_non_null(p);
    memset(p, 1, big);
    long rss2 = peak_rss_kb();
    free(p);
    assert_true(rss2 - rss1 > 48 * 1024);
}

static void
test_early_stop(void **state)
{
    (void)state;
    pqg_db *conn;
    assert_int_equal(pqg_acquire(pool, &conn), 0);
    stream_state s = {.stop_at = 1000};
    /* The callback's value comes back unchanged; the rest of the result is drained. */
    assert_int_equal(stream(conn, 1000000, &s), 5);
    assert_int_equal(s.count, 1000);
    assert_int_equal(s.bad, 0);
    PGconn *pg = pqg_pgconn(conn);
    assert_int_equal(PQtransactionStatus(pg), PQTRANS_IDLE);
    assert_int_equal(PQisBusy(pg), 0);
    /* Usable: the next statement on the same connection gets its own rows. */
    memset(&s, 0, sizeof s);
    assert_int_equal(stream(conn, 10, &s), 0);
    assert_int_equal(s.count, 10);
    assert_int_equal(s.bad, 0);

    /* A stop early in a long result cancels the query rather than reading 50 million rows
     * (minutes here, under ASan): it returns at once and the connection stays usable. */
    struct timespec t0, t1;
    s = (stream_state){.stop_at = 10};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(stream(conn, 50000000, &s), 5);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("early stop at row 10 of 50,000,000: %.3f s\n", took);
    assert_true(took < 5.0);
    assert_int_equal(s.count, 10);
    assert_int_equal(PQtransactionStatus(pg), PQTRANS_IDLE);
    memset(&s, 0, sizeof s);
    assert_int_equal(stream(conn, 10, &s), 0);
    assert_int_equal(s.count, 10);
    assert_int_equal(s.bad, 0);

    /* A statement that writes is drained, not cancelled: its 5,000 writes are all kept. */
    assert_int_equal(pqg_exec_sql(conn, "CREATE TABLE IF NOT EXISTS stream_audit (g int8); "
                                        "TRUNCATE stream_audit; "
                                        "CREATE OR REPLACE FUNCTION stream_touch(g int8) "
                                        "RETURNS int8 LANGUAGE sql AS "
                                        "'INSERT INTO stream_audit VALUES (g) RETURNING g'"),
                     0);
    s = (stream_state){.stop_at = 1};
    pqg_args args;
    pqg_args_init(&args, &touch_stmt);
    pqg_arg_int64(&args, 5000);
    assert_int_equal(pqg_query_each(conn, &touch_stmt, &args, dec_series, sizeof(series_row),
                                    on_row, &s),
                     5);
    PGresult *cnt = PQexec(pg, "SELECT count(*) FROM stream_audit");
    assert_string_equal(PQgetvalue(cnt, 0, 0), "5000");
    PQclear(cnt);
    pqg_release(conn);

    /* Inside a transaction the stop leaves the transaction healthy. */
    pqg_db *tx;
    assert_int_equal(pqg_begin(pool, NULL, &tx), 0);
    assert_int_equal(pqg_exec_sql(tx, "CREATE TEMP TABLE stream_tx (x int)"), 0);
    s = (stream_state){.stop_at = 3};
    assert_int_equal(stream(tx, 100000, &s), 5); /* drained, not cancelled */
    assert_int_equal(PQtransactionStatus(pqg_pgconn(tx)), PQTRANS_INTRANS);
    assert_int_equal(pqg_exec_sql(tx, "INSERT INTO stream_tx VALUES (1)"), 0);
    assert_int_equal(pqg_commit(tx), 0);

    /* Through the pool: the lease comes back, and the pool's connections stay usable. */
    s = (stream_state){.stop_at = 1};
    assert_int_equal(stream(pool, 100000, &s), 5);
    pqg_pool_stats st;
    assert_int_equal(pqg_pool_stats_get(pool, &st), 0);
    assert_int_equal(st.in_use, 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(stream(pool, 1000, &s), 0);
    assert_int_equal(s.count, 1000);
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
    cfg.max_conns = 2;
    cfg.statement_timeout_ms = 0; /* the big stream may outlast the default 30 s */
    if (pqg_pool_open(&cfg, &pool) != 0) {
        fprintf(stderr, "pool open: %s\n", pqg_last_error()->message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_flat),
        cmocka_unit_test(test_early_stop),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (pqg_pool_close(pool, 5000) != 0)
        failed++;
    return failed;
}
