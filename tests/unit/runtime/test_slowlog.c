/*
 * test_slowlog.c - unit tests for the slow-query line formatter (pqg__slowlog_line) without a
 * database: redaction, decoding of binary arguments by type OID, timestamps, errors, the plan
 * fields, and that every line is one valid JSON object with no newline in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pqg_obs.h"

/* 2024-05-01T12:00:00.000001Z in microseconds since 1970. */
#define TS_2024 INT64_C(1714564800000001)
#define PG_EPOCH_US INT64_C(946684800000000)

static json_t *
line_json(const pqg_trace_info *info, bool log_args, const char *plan, const char *plan_err,
          char **text)
{
    char *s = pqg__slowlog_line(info, log_args, TS_2024, plan, plan_err);
    assert_non_null(s);
    assert_null(strchr(s, '\n'));
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    if (j == NULL)
        fail_msg("invalid JSON (%s): %s", err.text, s);
    if (text != NULL)
        *text = s;
    else
        free(s);
    return j;
}

static void
be(char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)(v & 0xff);
        v >>= 8;
    }
}

static void
test_basic_fields_redacted(void **state)
{
    (void)state;
    const char *vals[] = {"secret", NULL};
    int lens[] = {6, 0};
    uint32_t types[] = {25, 25};
    pqg_trace_info info = {
        .event = PQG_TRACE_QUERY_END,
        .query_name = "GetUser",
        .sql = "SELECT *\nFROM users WHERE name = $1 AND x = $2",
        .n_params = 2,
        .param_values = vals,
        .param_lengths = lens,
        .param_types = types,
        .duration_us = 12345,
        .rows = 7,
        .sqlstate = "",
    };
    char *text;
    json_t *j = line_json(&info, false, NULL, NULL, &text);
    assert_null(strstr(text, "secret"));
    assert_string_equal(json_string_value(json_object_get(j, "ts")), "2024-05-01T12:00:00.000001Z");
    assert_string_equal(json_string_value(json_object_get(j, "query")), "GetUser");
    assert_string_equal(json_string_value(json_object_get(j, "sql")), info.sql);
    assert_true(fabs(json_real_value(json_object_get(j, "duration_ms")) - 12.345) < 1e-9);
    assert_int_equal(json_integer_value(json_object_get(j, "rows")), 7);
    assert_true(json_is_null(json_object_get(j, "error")));
    assert_true(json_is_null(json_object_get(j, "sqlstate")));
    json_t *args = json_object_get(j, "args");
    assert_int_equal(json_array_size(args), 2);
    assert_string_equal(json_string_value(json_array_get(args, 0)), "<redacted>");
    assert_string_equal(json_string_value(json_array_get(args, 1)), "<redacted>");
    assert_null(json_object_get(j, "plan"));
    assert_null(json_object_get(j, "plan_error"));
    json_decref(j);
    free(text);
}

static void
test_unnamed_error_unknown_rows(void **state)
{
    (void)state;
    pqg_trace_info info = {
        .event = PQG_TRACE_QUERY_END,
        .sql = "SELECT pg_sleep(10)",
        .duration_us = 5000000,
        .rows = -1,
        .error = PQG_ETIMEOUT,
        .sqlstate = "57014",
    };
    json_t *j = line_json(&info, true, NULL, NULL, NULL);
    assert_true(json_is_null(json_object_get(j, "query")));
    assert_true(json_is_null(json_object_get(j, "rows")));
    assert_string_equal(json_string_value(json_object_get(j, "error")), "PQG_ETIMEOUT");
    assert_string_equal(json_string_value(json_object_get(j, "sqlstate")), "57014");
    assert_int_equal(json_array_size(json_object_get(j, "args")), 0);
    json_decref(j);
}

static void
test_decoded_arguments(void **state)
{
    (void)state;
    char i2[2], i4[4], i8[8], f4[4], f8[8], f8nan[8], ts[8], tsinf[8], date[4];
    be(i2, (uint16_t)-3, 2);
    be(i4, (uint32_t)-70000, 4);
    be(i8, (uint64_t)INT64_C(-9000000000), 8);
    float f = 1.5f;
    uint32_t fb;
    memcpy(&fb, &f, 4);
    be(f4, fb, 4);
    double d = -0.1;
    uint64_t db;
    memcpy(&db, &d, 8);
    be(f8, db, 8);
    double nan_v = NAN;
    memcpy(&db, &nan_v, 8);
    be(f8nan, db, 8);
    be(ts, (uint64_t)(TS_2024 - PG_EPOCH_US), 8);
    be(tsinf, (uint64_t)INT64_MAX, 8);
    be(date, (uint32_t)(19844 - 10957), 4); /* 2024-05-01 is day 19844 since 1970 */
    const char uuid[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                           0x01, 0x23, 0x45, 0x67, (char)0x89, (char)0xab, (char)0xcd, (char)0xef};
    const char t[] = "he said \"hi\"\n";
    const char jsonb[] = "\x01{\"a\": 1}";
    const char bytea[] = {0x00, (char)0xff, 0x10};
    const char boolv[] = {1};
    const char *vals[] = {i2, i4, i8, f4, f8, f8nan, boolv, uuid, t, jsonb, bytea, ts, tsinf,
                          date, NULL, "enum_label", i4};
    int lens[] = {2, 4, 8, 4, 8, 8, 1, 16, (int)strlen(t), (int)sizeof jsonb - 1, 3, 8, 8, 4,
                  0, 10, 4};
    uint32_t types[] = {21, 23, 20, 700, 701, 701, 16, 2950, 1043, 3802, 17, 1184, 1184, 1082,
                        25, 0, 20 /* wrong length for int8: hex */};
    int n = (int)(sizeof lens / sizeof lens[0]);
    pqg_trace_info info = {
        .event = PQG_TRACE_QUERY_END,
        .query_name = "Everything",
        .sql = "SELECT 1",
        .n_params = n,
        .param_values = vals,
        .param_lengths = lens,
        .param_types = types,
        .duration_us = 1,
        .rows = 0,
        .sqlstate = "",
    };
    json_t *j = line_json(&info, true, NULL, NULL, NULL);
    json_t *a = json_object_get(j, "args");
    assert_int_equal(json_array_size(a), n);
    assert_int_equal(json_integer_value(json_array_get(a, 0)), -3);
    assert_int_equal(json_integer_value(json_array_get(a, 1)), -70000);
    assert_int_equal(json_integer_value(json_array_get(a, 2)), INT64_C(-9000000000));
    assert_true(json_real_value(json_array_get(a, 3)) == 1.5);
    assert_true(json_real_value(json_array_get(a, 4)) == -0.1);
    assert_string_equal(json_string_value(json_array_get(a, 5)), "NaN");
    assert_true(json_is_true(json_array_get(a, 6)));
    assert_string_equal(json_string_value(json_array_get(a, 7)),
                        "12345678-9abc-def0-0123-456789abcdef");
    assert_string_equal(json_string_value(json_array_get(a, 8)), t);
    assert_string_equal(json_string_value(json_array_get(a, 9)), "{\"a\": 1}");
    assert_string_equal(json_string_value(json_array_get(a, 10)), "\\x00ff10");
    assert_string_equal(json_string_value(json_array_get(a, 11)), "2024-05-01T12:00:00.000001Z");
    assert_string_equal(json_string_value(json_array_get(a, 12)), "infinity");
    assert_string_equal(json_string_value(json_array_get(a, 13)), "2024-05-01");
    assert_true(json_is_null(json_array_get(a, 14)));
    assert_string_equal(json_string_value(json_array_get(a, 15)), "enum_label");
    assert_string_equal(json_string_value(json_array_get(a, 16)), "\\xfffeee90");
    json_decref(j);
}

static void
test_long_argument_truncated(void **state)
{
    (void)state;
    size_t n = 5000;
    char *big = malloc(n);
    assert_non_null(big);
    /* Two-byte characters, so a cut in the middle of one would be visible as U+FFFD. */
    for (size_t i = 0; i < n; i += 2) {
        big[i] = (char)0xc3;
        big[i + 1] = (char)0xa9;
    }
    const char *vals[] = {big};
    int lens[] = {(int)n};
    uint32_t types[] = {25};
    pqg_trace_info info = {
        .event = PQG_TRACE_QUERY_END,
        .sql = "INSERT INTO t VALUES ($1)",
        .n_params = 1,
        .param_values = vals,
        .param_lengths = lens,
        .param_types = types,
        .sqlstate = "",
    };
    json_t *j = line_json(&info, true, NULL, NULL, NULL);
    const char *s = json_string_value(json_array_get(json_object_get(j, "args"), 0));
    assert_non_null(s);
    assert_true(strlen(s) <= 1024 + 3);
    assert_string_equal(s + strlen(s) - 3, "...");
    assert_null(strstr(s, "\xef\xbf\xbd"));
    json_decref(j);
    free(big);
}

static void
test_timestamps_negative_and_epoch(void **state)
{
    (void)state;
    pqg_trace_info info = {.event = PQG_TRACE_QUERY_END, .sql = "x", .sqlstate = ""};
    char *s = pqg__slowlog_line(&info, false, 0, NULL, NULL);
    assert_non_null(strstr(s, "\"ts\":\"1970-01-01T00:00:00.000000Z\""));
    free(s);
    s = pqg__slowlog_line(&info, false, -1, NULL, NULL);
    assert_non_null(strstr(s, "\"ts\":\"1969-12-31T23:59:59.999999Z\""));
    free(s);
    s = pqg__slowlog_line(&info, false, INT64_C(951782400000000), NULL, NULL); /* leap day */
    assert_non_null(strstr(s, "\"ts\":\"2000-02-29T00:00:00.000000Z\""));
    free(s);
}

static void
test_plan_and_plan_error(void **state)
{
    (void)state;
    pqg_trace_info info = {.event = PQG_TRACE_QUERY_END, .sql = "SELECT 1", .sqlstate = ""};
    json_t *j = line_json(&info, false, "{\"Plan\":{\"Node Type\":\"Result\"}}", NULL, NULL);
    json_t *plan = json_object_get(j, "plan");
    assert_true(json_is_object(plan));
    assert_string_equal(json_string_value(json_object_get(json_object_get(plan, "Plan"),
                                                          "Node Type")),
                        "Result");
    json_decref(j);
    j = line_json(&info, false, NULL, "explain: ERROR:  relation \"t\" does not exist", NULL);
    assert_null(json_object_get(j, "plan"));
    assert_string_equal(json_string_value(json_object_get(j, "plan_error")),
                        "explain: ERROR:  relation \"t\" does not exist");
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_fields_redacted),
        cmocka_unit_test(test_unnamed_error_unknown_rows),
        cmocka_unit_test(test_decoded_arguments),
        cmocka_unit_test(test_long_argument_truncated),
        cmocka_unit_test(test_timestamps_negative_and_epoch),
        cmocka_unit_test(test_plan_and_plan_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
