/*
 * test_metrics.c - unit tests for metrics.c without a database: the log-linear histogram and
 * its percentile estimates, the JSON string escaper, and the JSON / Prometheus exports fed with
 * synthetic trace events (pqg__metrics_new with no pool).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pqg_obs.h"

static void
test_hist_index_exact_below_128(void **state)
{
    (void)state;
    for (int64_t v = 0; v < 128; v++) {
        assert_int_equal(pqg__hist_index(v), v);
        assert_int_equal(pqg__hist_bucket_value((int)v), v);
    }
    assert_int_equal(pqg__hist_index(-5), 0);
    assert_int_equal(pqg__hist_index(128), 128);
}

/* Every value maps to a bucket whose representative is within 1% of it, and buckets are
 * monotonic, over the whole 1 us .. 60 s range. */
static void
test_hist_relative_error(void **state)
{
    (void)state;
    int prev = 0;
    double worst = 0;
    for (int64_t v = 1; v <= PQG__HIST_MAX_US; v = v < 1000 ? v + 1 : v + v / 997 + 1) {
        int idx = pqg__hist_index(v);
        assert_true(idx >= prev);
        assert_true(idx < PQG__HIST_BUCKETS);
        prev = idx;
        double rel = fabs((double)pqg__hist_bucket_value(idx) - (double)v) / (double)v;
        if (rel > worst)
            worst = rel;
    }
    assert_true(worst <= 0.01);
    assert_int_equal(pqg__hist_index(PQG__HIST_MAX_US), pqg__hist_index(INT64_C(1) << 40));
    assert_true(pqg__hist_index(PQG__HIST_MAX_US) == PQG__HIST_BUCKETS - 1 ||
                pqg__hist_index(PQG__HIST_MAX_US) < PQG__HIST_BUCKETS);
}

static void
test_hist_percentiles_uniform(void **state)
{
    (void)state;
    pqg__hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    assert_int_equal(pqg__hist_percentile(h, 0.5), 0);
    /* 1..10000 us shuffled by a stride coprime to 10000: order must not matter. */
    for (int64_t i = 0; i < 10000; i++)
        pqg__hist_record(h, (i * 7919) % 10000 + 1);
    assert_int_equal(h->count, 10000);
    assert_int_equal(h->min_us, 1);
    assert_int_equal(h->max_us, 10000);
    double want[] = {5000, 9500, 9900};
    double qs[] = {0.5, 0.95, 0.99};
    for (int k = 0; k < 3; k++) {
        double got = (double)pqg__hist_percentile(h, qs[k]);
        assert_true(fabs(got - want[k]) / want[k] <= 0.01);
    }
    assert_int_equal(pqg__hist_percentile(h, 1.0), 10000);
    free(h);
}

static void
test_hist_percentile_clamped_to_min_max(void **state)
{
    (void)state;
    pqg__hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    pqg__hist_record(h, 123457);
    /* The bucket midpoint differs from the value; one sample must report itself exactly. */
    assert_int_equal(pqg__hist_percentile(h, 0.5), 123457);
    assert_int_equal(pqg__hist_percentile(h, 0.99), 123457);
    pqg__hist_record(h, INT64_C(3600000000)); /* an hour: clamped into the last bucket */
    assert_int_equal(h->max_us, INT64_C(3600000000));
    assert_true(pqg__hist_percentile(h, 1.0) >= PQG__HIST_MAX_US * 99 / 100);
    free(h);
}

static json_t *
parse_or_fail(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &err);
    if (j == NULL)
        fail_msg("invalid JSON (%s) in: %s", err.text, text);
    return j;
}

static void
test_json_string_escaping(void **state)
{
    (void)state;
    const char in[] = "q\"b\\s\n\r\t\x01\x7f é ☃ 😀 \xff\xc3 end";
    pqg__buf b = {0};
    pqg__buf_puts(&b, "[");
    pqg__buf_json_string(&b, in, sizeof in - 1);
    pqg__buf_puts(&b, "]");
    char *s = pqg__buf_finish(&b);
    assert_non_null(s);
    assert_null(strchr(s, '\n'));
    json_t *j = parse_or_fail(s);
    const char *got = json_string_value(json_array_get(j, 0));
    assert_string_equal(got,
                        "q\"b\\s\n\r\t\x01\x7f é ☃ 😀 \xef\xbf\xbd\xef\xbf\xbd end");
    json_decref(j);
    free(s);

    /* Overlong encodings and surrogates are not valid UTF-8 either. */
    const char bad[] = "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80";
    pqg__buf_json_string(&b, bad, sizeof bad - 1);
    s = pqg__buf_finish(&b);
    j = parse_or_fail(s);
    assert_null(strstr(json_string_value(j), "\xc0"));
    json_decref(j);
    free(s);
}

static void
test_buf_printf_long(void **state)
{
    (void)state;
    pqg__buf b = {0};
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pqg__buf_printf(&b, "<%s>", big);
    pqg__buf_printf(&b, "%d", 42);
    char *s = pqg__buf_finish(&b);
    assert_int_equal(strlen(s), 1001 + 2);
    assert_string_equal(s + 1000, ">42");
    free(s);
}

static void
event(pqg_metrics *m, const char *name, int64_t dur_us, int64_t rows, int error)
{
    pqg_trace_info info = {
        .event = PQG_TRACE_QUERY_END,
        .query_name = name,
        .sql = "SELECT 1",
        .duration_us = dur_us,
        .rows = rows,
        .error = error,
        .sqlstate = "",
    };
    pqg__metrics_on_event(&info, m);
}

static void
test_metrics_json(void **state)
{
    (void)state;
    pqg_metrics *m;
    assert_int_equal(pqg__metrics_new(NULL, &m), 0);
    for (int i = 1; i <= 100; i++)
        event(m, "GetX", i * 100, 1, i % 10 == 0 ? PQG_ESERVER : 0);
    event(m, "GetX", 50, -1, PQG_ENOTFOUND); /* a miss is counted as a call, not an error */
    event(m, NULL, 1000, 3, 0);
    event(m, "Weird \"name\"\n", 10, 0, 0);
    pqg_trace_info start = {.event = PQG_TRACE_QUERY_START, .query_name = "GetX"};
    pqg__metrics_on_event(&start, m);
    pqg_trace_info commit = {.event = PQG_TRACE_COMMIT, .duration_us = 5};
    pqg__metrics_on_event(&commit, m);

    char *s = pqg_metrics_json(m);
    assert_non_null(s);
    json_t *j = parse_or_fail(s);
    assert_true(json_is_null(json_object_get(j, "pool")));
    json_t *q = json_object_get(j, "queries");
    assert_int_equal(json_object_size(q), 3);
    json_t *x = json_object_get(q, "GetX");
    assert_int_equal(json_integer_value(json_object_get(x, "calls")), 101);
    assert_int_equal(json_integer_value(json_object_get(x, "errors")), 10);
    assert_int_equal(json_integer_value(json_object_get(x, "rows")), 100);
    json_int_t p50 = json_integer_value(json_object_get(x, "p50_us"));
    json_int_t p95 = json_integer_value(json_object_get(x, "p95_us"));
    json_int_t p99 = json_integer_value(json_object_get(x, "p99_us"));
    /* 101 samples: 50 and 100..10000 step 100. Ranks 51, 96, 100 -> 5000, 9500, 9900. */
    assert_true(llabs(p50 - 5000) <= 50);
    assert_true(llabs(p95 - 9500) <= 95);
    assert_true(llabs(p99 - 9900) <= 99);
    assert_int_equal(json_integer_value(json_object_get(x, "max_us")), 10000);
    json_t *sql = json_object_get(q, "(sql)");
    assert_int_equal(json_integer_value(json_object_get(sql, "calls")), 1);
    assert_int_equal(json_integer_value(json_object_get(sql, "rows")), 3);
    assert_int_equal(json_integer_value(json_object_get(sql, "p99_us")), 1000);
    assert_non_null(json_object_get(q, "Weird \"name\"\n"));
    json_decref(j);
    free(s);
    pqg_metrics_free(m);
}

static void
test_metrics_prometheus(void **state)
{
    (void)state;
    pqg_metrics *m;
    assert_int_equal(pqg__metrics_new(NULL, &m), 0);
    for (int i = 0; i < 10; i++)
        event(m, "ListY", 2000, 5, i < 2 ? PQG_ETIMEOUT : 0);
    event(m, "a\"b\\c\nd", 10, 0, 0);
    char *s = pqg_metrics_prometheus(m);
    assert_non_null(s);
    const char *expect[] = {
        "# TYPE pqg_query_calls_total counter\n",
        "pqg_query_calls_total{query=\"ListY\"} 10\n",
        "pqg_query_errors_total{query=\"ListY\"} 2\n",
        "pqg_query_rows_total{query=\"ListY\"} 50\n",
        "# TYPE pqg_query_duration_seconds summary\n",
        "pqg_query_duration_seconds{query=\"ListY\",quantile=\"0.5\"} 0.002000\n",
        "pqg_query_duration_seconds{query=\"ListY\",quantile=\"0.99\"} 0.002000\n",
        "pqg_query_duration_seconds_sum{query=\"ListY\"} 0.020000\n",
        "pqg_query_duration_seconds_count{query=\"ListY\"} 10\n",
        "pqg_query_calls_total{query=\"a\\\"b\\\\c\\nd\"} 1\n",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        if (strstr(s, expect[i]) == NULL)
            fail_msg("missing %s in:\n%s", expect[i], s);
    }
    assert_null(strstr(s, "pqg_pool_"));
    /* Every line is a comment or "name{labels} value": no stray blank lines. */
    assert_null(strstr(s, "\n\n"));
    free(s);
    pqg_metrics_free(m);
}

static void
test_metrics_many_names(void **state)
{
    (void)state;
    pqg_metrics *m;
    assert_int_equal(pqg__metrics_new(NULL, &m), 0);
    char name[32];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 500; i++) {
            snprintf(name, sizeof name, "Q%d", i);
            event(m, name, i, 1, 0);
        }
    }
    char *s = pqg_metrics_json(m);
    json_t *j = parse_or_fail(s);
    json_t *q = json_object_get(j, "queries");
    assert_int_equal(json_object_size(q), 500);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(q, "Q499"), "calls")), 3);
    json_decref(j);
    free(s);
    pqg_metrics_free(m);
}

typedef struct {
    pqg_metrics *m;
    int id;
} worker_arg;

static void *
worker(void *p)
{
    worker_arg *w = p;
    char name[16];
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "T%d", i % 7);
        event(w->m, name, (i % 100) + w->id, 1, 0);
    }
    return NULL;
}

static void
test_metrics_threads(void **state)
{
    (void)state;
    pqg_metrics *m;
    assert_int_equal(pqg__metrics_new(NULL, &m), 0);
    pthread_t t[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){m, i};
        assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    char *s = pqg_metrics_json(m);
    json_t *j = parse_or_fail(s);
    json_int_t total = 0;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(j, "queries"), key, v) {
        total += json_integer_value(json_object_get(v, "calls"));
    }
    assert_int_equal(total, 4 * 20000);
    json_decref(j);
    free(s);
    pqg_metrics_free(m);
}

static void
test_null_is_harmless(void **state)
{
    (void)state;
    pqg_metrics_free(NULL);
    assert_null(pqg_metrics_json(NULL));
    assert_null(pqg_metrics_prometheus(NULL));
    pqg_metrics *m = (pqg_metrics *)1;
    assert_int_equal(pqg_metrics_attach(NULL, &m), PQG_EINVAL);
    assert_null(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist_index_exact_below_128),
        cmocka_unit_test(test_hist_relative_error),
        cmocka_unit_test(test_hist_percentiles_uniform),
        cmocka_unit_test(test_hist_percentile_clamped_to_min_max),
        cmocka_unit_test(test_json_string_escaping),
        cmocka_unit_test(test_buf_printf_long),
        cmocka_unit_test(test_metrics_json),
        cmocka_unit_test(test_metrics_prometheus),
        cmocka_unit_test(test_metrics_many_names),
        cmocka_unit_test(test_metrics_threads),
        cmocka_unit_test(test_null_is_harmless),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
