/*
 * test_slowlog_metrics.c - the slow-query log and the metrics tracer on a real pool
 * (DATABASE_URL): one parsed JSON line per slow statement (redacted or decoded arguments,
 * EXPLAIN plans, plan errors, failures), none for fast ones; per-query counts, rows, errors
 * and percentiles checked against durations recorded by an independent tracer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pqg.h"

static pqg_db *
open_pool(void)
{
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    const char *url = getenv("DATABASE_URL");
    cfg.conninfo = url ? url : "";
    cfg.min_conns = 1;
    cfg.max_conns = 8;
    pqg_db *pool = NULL;
    int rc = pqg_pool_open(&cfg, &pool);
    if (rc < 0)
        fail_msg("pqg_pool_open: %s", pqg_last_error()->message);
    return pool;
}

/* --- a sink that keeps every line --- */

typedef struct lines {
    char *items[64];
    int n;
} lines;

static void
collect(const char *line, void *ud)
{
    lines *l = ud;
    if (l->n < 64)
        l->items[l->n++] = strdup(line);
}

static void
lines_free(lines *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->items[i]);
    l->n = 0;
}

static json_t *
parse_line(const char *line)
{
    assert_null(strchr(line, '\n'));
    json_error_t err;
    json_t *j = json_loads(line, 0, &err);
    if (j == NULL)
        fail_msg("invalid JSON (%s): %s", err.text, line);
    return j;
}

typedef struct sl_fixture {
    pqg_db *pool;
    pqg_slowlog *log;
    lines out;
} sl_fixture;

static sl_fixture *
sl_open(bool log_arguments, bool explain)
{
    sl_fixture *f = calloc(1, sizeof *f);
    f->pool = open_pool();
    pqg_slowlog_options o = {
        .threshold_ms = 10,
        .log_arguments = log_arguments,
        .explain = explain,
        .sink = collect,
        .sink_userdata = &f->out,
    };
    assert_int_equal(pqg_slowlog_attach(f->pool, &o, &f->log), 0);
    return f;
}

static void
sl_close(sl_fixture *f)
{
    assert_int_equal(pqg_pool_close(f->pool, 5000), 0);
    pqg_slowlog_free(f->log);
    lines_free(&f->out);
    free(f);
}

/* SleepEcho: sleeps $1 seconds and returns $2. */
static const uint32_t k_sleep_params[] = {701, 25};
static const uint32_t k_sleep_cols[] = {25};
static const pqg_stmt k_sleep = {
    .name = "SleepEcho",
    .sql = "SELECT $2::text AS t FROM pg_sleep($1)",
    .n_params = 2,
    .param_types = k_sleep_params,
    .n_columns = 1,
    .column_types = k_sleep_cols,
};

static int
run_sleep(pqg_db *db, double seconds, const char *text)
{
    pqg_args a;
    pqg_args_init(&a, &k_sleep);
    pqg_arg_double(&a, seconds);
    pqg_arg_text(&a, text);
    int64_t rows = -1;
    int rc = pqg_exec(db, &k_sleep, &a, &rows);
    return rc;
}

static void
test_slow_query_one_redacted_line(void **state)
{
    (void)state;
    sl_fixture *f = sl_open(false, false);
    assert_int_equal(run_sleep(f->pool, 0.05, "top secret"), 0);
    assert_int_equal(f->out.n, 1);
    assert_null(strstr(f->out.items[0], "top secret"));
    json_t *j = parse_line(f->out.items[0]);
    assert_string_equal(json_string_value(json_object_get(j, "query")), "SleepEcho");
    assert_string_equal(json_string_value(json_object_get(j, "sql")), k_sleep.sql);
    double ms = json_number_value(json_object_get(j, "duration_ms"));
    assert_true(ms >= 50.0 && ms < 5000.0);
    assert_int_equal(json_integer_value(json_object_get(j, "rows")), 1);
    assert_true(json_is_null(json_object_get(j, "error")));
    assert_true(json_is_null(json_object_get(j, "sqlstate")));
    const char *ts = json_string_value(json_object_get(j, "ts"));
    assert_non_null(ts);
    assert_int_equal(strlen(ts), 27); /* 2024-05-01T12:00:00.000001Z */
    assert_int_equal(ts[10], 'T');
    json_t *args = json_object_get(j, "args");
    assert_int_equal(json_array_size(args), 2);
    assert_string_equal(json_string_value(json_array_get(args, 0)), "<redacted>");
    assert_string_equal(json_string_value(json_array_get(args, 1)), "<redacted>");
    assert_null(json_object_get(j, "plan"));
    json_decref(j);

    /* Fast statements, prepared or plain, write nothing. */
    for (int i = 0; i < 5; i++)
        assert_int_equal(run_sleep(f->pool, 0, "fast"), 0);
    assert_int_equal(pqg_exec_sql(f->pool, "SELECT 1"), 0);
    assert_int_equal(f->out.n, 1);
    sl_close(f);
}

static void
test_slow_query_arguments_logged(void **state)
{
    (void)state;
    sl_fixture *f = sl_open(true, false);
    assert_int_equal(run_sleep(f->pool, 0.03, "caf\xc3\xa9 \"quoted\"\n"), 0);
    assert_int_equal(f->out.n, 1);
    json_t *j = parse_line(f->out.items[0]);
    json_t *args = json_object_get(j, "args");
    assert_int_equal(json_array_size(args), 2);
    assert_true(json_number_value(json_array_get(args, 0)) == 0.03);
    assert_string_equal(json_string_value(json_array_get(args, 1)), "caf\xc3\xa9 \"quoted\"\n");
    json_decref(j);
    sl_close(f);
}

static void
test_slow_query_with_plan(void **state)
{
    (void)state;
    sl_fixture *f = sl_open(false, true);
    assert_int_equal(run_sleep(f->pool, 0.03, "x"), 0);
    assert_int_equal(f->out.n, 1);
    json_t *j = parse_line(f->out.items[0]);
    json_t *plan = json_object_get(j, "plan");
    if (!json_is_object(plan))
        fail_msg("no plan in %s", f->out.items[0]);
    json_t *node = json_object_get(plan, "Plan");
    assert_true(json_is_object(node));
    assert_non_null(json_string_value(json_object_get(node, "Node Type")));
    assert_null(json_object_get(j, "plan_error"));
    json_decref(j);

    /* The side connection cannot see this session's temp table: the failure is reported in
     * the line, and the statement itself is unaffected. */
    pqg_db *conn = NULL;
    assert_int_equal(pqg_acquire(f->pool, &conn), 0);
    assert_int_equal(pqg_exec_sql(conn, "CREATE TEMP TABLE sl_tmp (x int)"), 0);
    assert_int_equal(
        pqg_exec_sql(conn, "SELECT pg_sleep(0.03) FROM (SELECT count(*) FROM sl_tmp) s"), 0);
    pqg_release(conn);
    assert_int_equal(f->out.n, 2);
    j = parse_line(f->out.items[1]);
    assert_true(json_is_null(json_object_get(j, "query")));
    assert_null(json_object_get(j, "plan"));
    const char *perr = json_string_value(json_object_get(j, "plan_error"));
    if (perr == NULL || strstr(perr, "sl_tmp") == NULL)
        fail_msg("plan_error: %s", f->out.items[1]);
    json_decref(j);

    /* Not every statement can be explained; those get neither field. */
    assert_int_equal(pqg_exec_sql(f->pool, "DO $$ BEGIN PERFORM pg_sleep(0.03); END $$"), 0);
    assert_int_equal(f->out.n, 3);
    j = parse_line(f->out.items[2]);
    assert_null(json_object_get(j, "plan"));
    assert_null(json_object_get(j, "plan_error"));
    json_decref(j);
    sl_close(f);
}

static void
test_slow_failing_query(void **state)
{
    (void)state;
    sl_fixture *f = sl_open(false, false);
    int rc = pqg_exec_sql(f->pool, "SELECT 1 / (SELECT 0 FROM pg_sleep(0.03))");
    assert_true(rc < 0);
    assert_int_equal(f->out.n, 1);
    json_t *j = parse_line(f->out.items[0]);
    assert_string_equal(json_string_value(json_object_get(j, "error")), pqg_err_name(rc));
    assert_string_equal(json_string_value(json_object_get(j, "sqlstate")), "22012");
    json_decref(j);
    sl_close(f);
}

static void
test_slowlog_file_sink(void **state)
{
    (void)state;
    pqg_db *pool = open_pool();
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    pqg_slowlog_options o = {.threshold_ms = 10, .file = tmp};
    pqg_slowlog *log = NULL;
    assert_int_equal(pqg_slowlog_attach(pool, &o, &log), 0);
    assert_int_equal(run_sleep(pool, 0.02, "a"), 0);
    assert_int_equal(run_sleep(pool, 0, "b"), 0);
    assert_int_equal(run_sleep(pool, 0.02, "c"), 0);
    assert_int_equal(pqg_pool_close(pool, 5000), 0);
    pqg_slowlog_free(log);
    rewind(tmp);
    char buf[4096];
    int n = 0;
    while (fgets(buf, sizeof buf, tmp) != NULL) {
        size_t len = strlen(buf);
        assert_true(len > 1 && buf[len - 1] == '\n');
        buf[len - 1] = '\0';
        json_decref(parse_line(buf));
        n++;
    }
    assert_int_equal(n, 2);
    fclose(tmp);
}

/* pqg_slowlog_attach_default takes the pool's slow_query_ms and writes to stderr. */
static void
test_slowlog_attach_default(void **state)
{
    (void)state;
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    const char *url = getenv("DATABASE_URL");
    cfg.conninfo = url ? url : "";
    cfg.min_conns = 1;
    cfg.slow_query_ms = 15;
    pqg_db *pool = NULL;
    assert_int_equal(pqg_pool_open(&cfg, &pool), 0);
    pqg_slowlog *log = NULL;
    assert_int_equal(pqg_slowlog_attach_default(pool, &log), 0);

    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(fileno(stderr));
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), fileno(stderr)) >= 0);
    int rc_fast = run_sleep(pool, 0, "fast");
    int rc_slow = run_sleep(pool, 0.03, "slow");
    fflush(stderr);
    dup2(saved, fileno(stderr));
    close(saved);
    assert_int_equal(rc_fast, 0);
    assert_int_equal(rc_slow, 0);

    rewind(tmp);
    char buf[4096];
    int n = 0;
    while (fgets(buf, sizeof buf, tmp) != NULL) {
        buf[strcspn(buf, "\n")] = '\0';
        json_t *j = parse_line(buf);
        assert_true(json_number_value(json_object_get(j, "duration_ms")) >= 15.0);
        json_decref(j);
        n++;
    }
    assert_int_equal(n, 1);
    fclose(tmp);
    assert_int_equal(pqg_pool_close(pool, 5000), 0);
    pqg_slowlog_free(log);
    assert_int_equal(pqg_slowlog_attach_default(NULL, &log), PQG_EINVAL);
}

static void
test_slowlog_attach_invalid(void **state)
{
    (void)state;
    pqg_slowlog *log = (pqg_slowlog *)&log;
    pqg_slowlog_options o = {.threshold_ms = 10};
    assert_int_equal(pqg_slowlog_attach(NULL, &o, &log), PQG_EINVAL);
    assert_null(log);
    pqg_slowlog_free(NULL);
}

/* --- metrics --- */

/* MetricsDiv: $1 rows, or division by zero when $2 is 0. */
static const uint32_t k_div_params[] = {23, 23};
static const uint32_t k_div_cols[] = {23};
static const pqg_stmt k_div = {
    .name = "MetricsDiv",
    .sql = "SELECT g FROM generate_series(1, $1) g WHERE 10 / $2 > 0",
    .n_params = 2,
    .param_types = k_div_params,
    .n_columns = 1,
    .column_types = k_div_cols,
};

static void
decode_int(pqg_row *r, void *dst)
{
    pqg_get_int32(r, 0, dst);
}

/* An independent record of what the tracer reported, to compute exact percentiles from. */
typedef struct durations {
    pthread_mutex_t mu;
    int64_t v[1024];
    int n;
} durations;

static void
record_duration(const pqg_trace_info *info, void *ud)
{
    durations *d = ud;
    if (info->event != PQG_TRACE_QUERY_END || info->query_name == NULL ||
        strcmp(info->query_name, "MetricsDiv") != 0)
        return;
    pthread_mutex_lock(&d->mu);
    if (d->n < 1024)
        d->v[d->n++] = info->duration_us;
    pthread_mutex_unlock(&d->mu);
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t
exact_percentile(const int64_t *sorted, int n, double q)
{
    int rank = (int)(q * n);
    if ((double)rank < q * n)
        rank++;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static int
run_div(pqg_db *db, int n, int div)
{
    pqg_args a;
    pqg_args_init(&a, &k_div);
    pqg_arg_int32(&a, n);
    pqg_arg_int32(&a, div);
    void *rows = NULL;
    size_t len = 0;
    int rc = pqg_query_many(db, &k_div, &a, decode_int, sizeof(int32_t), &rows, &len);
    pqg_free(rows);
    if (rc == 0 && (int)len != n)
        fail_msg("MetricsDiv(%d) returned %zu rows", n, len);
    return rc;
}

static void
test_metrics_counts_and_percentiles(void **state)
{
    (void)state;
    pqg_db *pool = open_pool();
    pqg_metrics *m = NULL;
    assert_int_equal(pqg_metrics_attach(pool, &m), 0);
    durations d = {.n = 0};
    pthread_mutex_init(&d.mu, NULL);
    pqg_tracer rec = {.on_event = record_duration, .userdata = &d};
    assert_int_equal(pqg_pool_add_tracer(pool, &rec), 0);

    int64_t want_rows = 0;
    int want_errors = 0;
    for (int i = 0; i < 100; i++) {
        int n = i % 7;
        int div = i % 10 == 3 ? 0 : 1;
        int rc = run_div(pool, n, div);
        if (div == 0) {
            assert_true(rc < 0);
            want_errors++;
        } else {
            assert_int_equal(rc, 0);
            want_rows += n;
        }
    }
    for (int i = 0; i < 5; i++)
        assert_int_equal(pqg_exec_sql(pool, "SELECT 1"), 0);

    char *s = pqg_metrics_json(m);
    assert_non_null(s);
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    if (j == NULL)
        fail_msg("invalid JSON (%s): %s", err.text, s);
    json_t *q = json_object_get(json_object_get(j, "queries"), "MetricsDiv");
    assert_non_null(q);
    assert_int_equal(json_integer_value(json_object_get(q, "calls")), 100);
    assert_int_equal(json_integer_value(json_object_get(q, "errors")), want_errors);
    assert_int_equal(json_integer_value(json_object_get(q, "rows")), want_rows);
    json_t *unnamed = json_object_get(json_object_get(j, "queries"), "(sql)");
    assert_true(json_integer_value(json_object_get(unnamed, "calls")) >= 5);

    assert_int_equal(d.n, 100);
    qsort(d.v, (size_t)d.n, sizeof d.v[0], cmp_i64);
    const char *keys[] = {"p50_us", "p95_us", "p99_us"};
    double qs[] = {0.50, 0.95, 0.99};
    int64_t got[3];
    for (int k = 0; k < 3; k++) {
        got[k] = json_integer_value(json_object_get(q, keys[k]));
        int64_t exact = exact_percentile(d.v, d.n, qs[k]);
        /* The histogram's bound: a bucket midpoint is within 1/128 of the value (+1 us). */
        if (llabs(got[k] - exact) > exact / 100 + 1)
            fail_msg("%s: estimated %lld, exact %lld", keys[k], (long long)got[k],
                     (long long)exact);
    }
    assert_true(got[0] <= got[1] && got[1] <= got[2]);
    assert_true(got[0] > 0);

    json_t *p = json_object_get(j, "pool");
    assert_true(json_is_object(p));
    assert_true(json_integer_value(json_object_get(p, "total")) >= 1);
    assert_true(json_integer_value(json_object_get(p, "acquire_count")) >= 100);
    assert_int_equal(json_integer_value(json_object_get(p, "in_use")), 0);
    json_decref(j);
    free(s);

    s = pqg_metrics_prometheus(m);
    assert_non_null(s);
    char want[128];
    const char *expect[] = {
        "# TYPE pqg_query_calls_total counter\n",
        "pqg_query_calls_total{query=\"MetricsDiv\"} 100\n",
        "pqg_query_duration_seconds{query=\"MetricsDiv\",quantile=\"0.99\"} ",
        "pqg_query_duration_seconds_count{query=\"MetricsDiv\"} 100\n",
        "# TYPE pqg_pool_connections gauge\n",
        "pqg_pool_connections{state=\"in_use\"} 0\n",
        "pqg_pool_connections_open ",
        "pqg_pool_acquires_total ",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (strstr(s, expect[i]) == NULL)
            fail_msg("missing %s in:\n%s", expect[i], s);
    }
    snprintf(want, sizeof want, "pqg_query_errors_total{query=\"MetricsDiv\"} %d\n", want_errors);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want, "pqg_query_rows_total{query=\"MetricsDiv\"} %lld\n",
             (long long)want_rows);
    assert_non_null(strstr(s, want));
    free(s);

    assert_int_equal(pqg_pool_close(pool, 5000), 0);
    pqg_metrics_free(m);
    pthread_mutex_destroy(&d.mu);
}

static void *
div_worker(void *pool)
{
    for (int i = 0; i < 25; i++) {
        if (run_div(pool, 2, 1) != 0)
            return (void *)1;
    }
    return NULL;
}

static void
test_metrics_concurrent(void **state)
{
    (void)state;
    pqg_db *pool = open_pool();
    pqg_metrics *m = NULL;
    assert_int_equal(pqg_metrics_attach(pool, &m), 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, div_worker, pool), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        assert_null(ret);
    }
    char *s = pqg_metrics_json(m);
    json_t *j = json_loads(s, 0, NULL);
    json_t *q = json_object_get(json_object_get(j, "queries"), "MetricsDiv");
    assert_int_equal(json_integer_value(json_object_get(q, "calls")), 100);
    assert_int_equal(json_integer_value(json_object_get(q, "rows")), 200);
    assert_int_equal(json_integer_value(json_object_get(q, "errors")), 0);
    json_decref(j);
    free(s);
    assert_int_equal(pqg_pool_close(pool, 5000), 0);
    pqg_metrics_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_query_one_redacted_line),
        cmocka_unit_test(test_slow_query_arguments_logged),
        cmocka_unit_test(test_slow_query_with_plan),
        cmocka_unit_test(test_slow_failing_query),
        cmocka_unit_test(test_slowlog_file_sink),
        cmocka_unit_test(test_slowlog_attach_default),
        cmocka_unit_test(test_slowlog_attach_invalid),
        cmocka_unit_test(test_metrics_counts_and_percentiles),
        cmocka_unit_test(test_metrics_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
