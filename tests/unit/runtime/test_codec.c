/*
 * test_codec.c - codecs without a server: numeric text <-> binary (checked against hand-built
 * PostgreSQL wire bytes), timestamp/date epoch conversion and formatting, uuid parse/format,
 * duration parsing and config from the environment, the error name/string table, SQLSTATE
 * mapping, and parameter binding (formats chosen by declared OID, heap growth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pqg_int.h"

/* Encodes text, checks the wire words, decodes back and compares with want_text. */
static void
check_numeric(const char *text, const uint16_t *words, size_t nwords, const char *want_text)
{
    char bin[512];
    size_t len = 0;
    assert_int_equal(pqg__numeric_encode(text, bin, sizeof bin, &len), 0);
    assert_int_equal(len, 2 * nwords);
    for (size_t i = 0; i < nwords; i++)
        assert_int_equal(pqg__get16(bin + 2 * i), words[i]);
    char out[600];
    assert_true(pqg__numeric_text_bound(bin, len) + 1 <= sizeof out);
    assert_int_equal(pqg__numeric_decode(bin, len, out, sizeof out), 0);
    assert_string_equal(out, want_text);
}

static void
test_numeric_wire(void **state)
{
    (void)state;
    /* ndigits, weight, sign, dscale, digits... as PostgreSQL's numeric_send writes them */
    check_numeric("0", (uint16_t[]){0, 0, 0, 0}, 4, "0");
    check_numeric("0.00", (uint16_t[]){0, 0, 0, 2}, 4, "0.00");
    check_numeric("-0", (uint16_t[]){0, 0, 0, 0}, 4, "0");
    check_numeric("-0.5", (uint16_t[]){1, 0xFFFF, 0x4000, 1, 5000}, 5, "-0.5");
    check_numeric("1e-20", (uint16_t[]){1, (uint16_t)-5, 0, 20, 1}, 5,
                  "0.00000000000000000001");
    check_numeric("123456789.000100", (uint16_t[]){4, 2, 0, 6, 1, 2345, 6789, 1}, 8,
                  "123456789.000100");
    check_numeric("10000", (uint16_t[]){1, 1, 0, 0, 1}, 5, "10000");
    check_numeric("  42  ", (uint16_t[]){1, 0, 0, 0, 42}, 5, "42");
    check_numeric("1.5E+3", (uint16_t[]){1, 0, 0, 0, 1500}, 5, "1500");
    check_numeric("NaN", (uint16_t[]){0, 0, 0xC000, 0}, 4, "NaN");
    check_numeric("Infinity", (uint16_t[]){0, 0, 0xD000, 0}, 4, "Infinity");
    check_numeric("-inf", (uint16_t[]){0, 0, 0xF000, 0}, 4, "-Infinity");
    check_numeric(".25", (uint16_t[]){1, 0xFFFF, 0, 2, 2500}, 5, "0.25");
}

static void
test_numeric_invalid(void **state)
{
    (void)state;
    char bin[64];
    size_t len;
    const char *bad[] = {"", "-", ".", "1.2.3", "12a", "1e", "abc", "1e999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(pqg__numeric_encode(bad[i], bin, sizeof bin, &len), PQG_EINVAL);
    /* too small a buffer is refused, not overrun */
    assert_int_equal(pqg__numeric_encode("123456789012345678901234567890", bin, 10, &len),
                     PQG_EINVAL);
    /* malformed binary: digit > 9999, length mismatch */
    char out[64];
    char w[10];
    pqg__put16(w, 1);
    pqg__put16(w + 2, 0);
    pqg__put16(w + 4, 0);
    pqg__put16(w + 6, 0);
    pqg__put16(w + 8, 10000);
    assert_int_equal(pqg__numeric_decode(w, 10, out, sizeof out), PQG_EDECODE);
    assert_int_equal(pqg__numeric_decode(w, 9, out, sizeof out), PQG_EDECODE);
}

static void
test_numeric_roundtrip_many(void **state)
{
    (void)state;
    /* Every decimal with up to 12 digits around a moving point survives encode/decode. */
    char text[64], bin[128], out[128];
    size_t len;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 5000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        unsigned long long digits = x % 1000000000000ull;
        int scale = (int)(x >> 40) % 15;
        bool neg = (x >> 60) & 1;
        char raw[32];
        int n = snprintf(raw, sizeof raw, "%0*llu", scale + 1, digits);
        /* insert the point `scale` digits from the right */
        int intlen = n - scale;
        snprintf(text, sizeof text, "%s%.*s%s%.*s", neg && digits ? "-" : "", intlen, raw,
                 scale ? "." : "", scale, raw + intlen);
        /* PostgreSQL prints the integer part without leading zeros */
        const char *p = text + (text[0] == '-');
        while (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
            memmove((char *)p, p + 1, strlen(p));
        assert_int_equal(pqg__numeric_encode(text, bin, sizeof bin, &len), 0);
        assert_int_equal(pqg__numeric_decode(bin, len, out, sizeof out), 0);
        assert_string_equal(out, text);
    }
}

static void
test_timestamp_format(void **state)
{
    (void)state;
    char buf[40];
    pqg_timestamp_format(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
    pqg_timestamp_format(INT64_C(1714564800000001), buf);
    assert_string_equal(buf, "2024-05-01T12:00:00.000001Z");
    pqg_timestamp_format(-1, buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
    pqg_timestamp_format(INT64_C(946684800000000), buf);
    assert_string_equal(buf, "2000-01-01T00:00:00.000000Z");
    pqg_timestamp_format(INT64_C(951782400000000), buf); /* leap day */
    assert_string_equal(buf, "2000-02-29T00:00:00.000000Z");
    pqg_timestamp_format(INT64_MAX, buf);
    assert_string_equal(buf, "infinity");
    pqg_timestamp_format(INT64_MIN, buf);
    assert_string_equal(buf, "-infinity");
    pqg_timestamp_format(INT64_C(-62167219200000000), buf); /* 0000-01-01 = 1 BC */
    assert_string_equal(buf, "0001-01-01T00:00:00.000000Z BC");
    pqg_timestamp now = pqg_timestamp_now();
    assert_true(now > INT64_C(1700000000000000));
}

/* The wire epoch is 2000-01-01: getters add it, binders subtract it. */
static void
test_timestamp_wire(void **state)
{
    (void)state;
    static const uint32_t types[] = {1184, 1082};
    static const pqg_stmt st = {"t", "SELECT $1, $2", 2, types, 0, NULL, NULL, false};
    pqg_args a;
    pqg_args_init(&a, &st);
    pqg_arg_timestamp(&a, PQG__PG_EPOCH_USEC + 5);
    pqg_arg_date(&a, PQG__PG_EPOCH_DAYS - 1);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.err, 0);
    assert_int_equal(a.formats[0], 1);
    assert_int_equal(a.lengths[0], 8);
    assert_true((int64_t)pqg__get64(a.values[0]) == 5);
    assert_int_equal((int32_t)pqg__get32(a.values[1]), -1);
    pqg_args_clear(&a);
}

static void
test_uuid(void **state)
{
    (void)state;
    pqg_uuid u;
    char buf[37];
    assert_int_equal(pqg_uuid_parse("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", &u), 0);
    pqg_uuid_format(u, buf);
    assert_string_equal(buf, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    pqg_uuid v;
    assert_int_equal(pqg_uuid_parse("{a0eebc999c0b4ef8bb6d6bb9bd380a11}", &v), 0);
    assert_true(pqg_uuid_equal(u, v));
    assert_int_equal(u.bytes[0], 0xa0);
    assert_int_equal(u.bytes[15], 0x11);
    assert_int_equal(pqg_uuid_parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", &v), PQG_EINVAL);
    assert_int_equal(pqg_uuid_parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", &v), PQG_EINVAL);
    assert_int_equal(pqg_uuid_parse("g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", &v), PQG_EINVAL);
    assert_int_equal(pqg_uuid_parse(NULL, &v), PQG_EINVAL);
    v.bytes[3] ^= 1;
    assert_false(pqg_uuid_equal(u, v));
}

static void
test_durations(void **state)
{
    (void)state;
    struct {
        const char *text;
        int64_t ms;
    } ok[] = {{"1h", 3600000}, {"15m", 900000}, {"30s", 30000}, {"250ms", 250},
              {"1500us", 2},  {"100", 100},    {"1h30m", 5400000}, {"0", 0},
              {"1.5s", 1500}, {" 10s ", 10000}, {"500us", 1}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int64_t ms = -1;
        assert_int_equal(pqg_parse_duration_ms(ok[i].text, &ms), 0);
        assert_true(ms == ok[i].ms);
    }
    const char *bad[] = {"", "abc", "10x", "-5s", "1h 2", "s", "5 5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t ms;
        assert_int_equal(pqg_parse_duration_ms(bad[i], &ms), PQG_EINVAL);
    }
}

static void
test_config_from_env(void **state)
{
    (void)state;
    pqg_config cfg;
    unsetenv("DATABASE_URL");
    const char *vars[] = {"MAX_CONNECTIONS", "MIN_CONNECTIONS", "MAX_CONN_LIFETIME",
                          "MAX_CONN_IDLE_TIME", "HEALTH_CHECK_PERIOD", "STATEMENT_TIMEOUT",
                          "LOCK_TIMEOUT", "SLOW_QUERY_THRESHOLD", "ACQUIRE_TIMEOUT"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    assert_int_equal(pqg_config_from_env(&cfg), 0);
    assert_int_equal(cfg.max_conns, 30);
    assert_int_equal(cfg.min_conns, 5);
    assert_true(cfg.max_lifetime_ms == 3600000);
    assert_true(cfg.max_idle_ms == 900000);
    assert_true(cfg.health_check_ms == 60000);
    assert_true(cfg.statement_timeout_ms == 30000);
    assert_true(cfg.lock_timeout_ms == 10000);
    assert_true(cfg.slow_query_ms == 1000);
    assert_null(cfg.conninfo);
    setenv("DATABASE_URL", "postgresql://x@y/z", 1);
    setenv("MAX_CONNECTIONS", "4", 1);
    setenv("MIN_CONNECTIONS", "2", 1);
    setenv("STATEMENT_TIMEOUT", "250ms", 1);
    setenv("MAX_CONN_LIFETIME", "2h", 1);
    assert_int_equal(pqg_config_from_env(&cfg), 0);
    assert_string_equal(cfg.conninfo, "postgresql://x@y/z");
    assert_int_equal(cfg.max_conns, 4);
    assert_int_equal(cfg.min_conns, 2);
    assert_true(cfg.statement_timeout_ms == 250);
    assert_true(cfg.max_lifetime_ms == 7200000);
    setenv("LOCK_TIMEOUT", "soon", 1);
    assert_int_equal(pqg_config_from_env(&cfg), PQG_EINVAL);
    assert_non_null(strstr(pqg_last_error()->message, "LOCK_TIMEOUT"));
    unsetenv("LOCK_TIMEOUT");
    setenv("MAX_CONNECTIONS", "many", 1);
    assert_int_equal(pqg_config_from_env(&cfg), PQG_EINVAL);
    assert_non_null(strstr(pqg_last_error()->message, "MAX_CONNECTIONS"));
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    unsetenv("DATABASE_URL");
}

static void
test_error_table(void **state)
{
    (void)state;
    assert_string_equal(pqg_err_name(PQG_ENOTFOUND), "PQG_ENOTFOUND");
    assert_string_equal(pqg_strerror(PQG_ENOTFOUND), "no row");
    assert_string_equal(pqg_err_name(PQG_EMIGRATE), "PQG_EMIGRATE");
    assert_string_equal(pqg_strerror(PQG_EPOOL), "no connection free before the acquire timeout");
    assert_string_equal(pqg_err_name(-999), "PQG_EUNKNOWN");
    assert_string_equal(pqg_strerror(-999), "unknown error");
    assert_int_equal(PQG_ENOMEM, -11);
    struct {
        const char *state;
        int code;
    } map[] = {{"23505", PQG_ECONFLICT},   {"23P01", PQG_ECONFLICT}, {"23503", PQG_ECONSTRAINT},
               {"23514", PQG_ECONSTRAINT}, {"23502", PQG_ECONSTRAINT}, {"40001", PQG_ERETRY},
               {"40P01", PQG_ERETRY},      {"57014", PQG_ETIMEOUT},  {"55P03", PQG_ETIMEOUT},
               {"08006", PQG_ECONN},       {"08001", PQG_ECONN},     {"57P01", PQG_ECONN},
               {"57P02", PQG_ECONN},       {"57P03", PQG_ECONN},     {"42P01", PQG_ESERVER},
               {"22P02", PQG_ESERVER}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        assert_int_equal(pqg__map_sqlstate(map[i].state), map[i].code);
    /* last error is per thread and filled by set_error */
    assert_int_equal(pqg__set_error(PQG_EINVAL, "Q", "bad %d", 7), PQG_EINVAL);
    assert_int_equal(pqg_last_error()->code, PQG_EINVAL);
    assert_string_equal(pqg_last_error()->message, "bad 7");
    assert_string_equal(pqg_last_error()->query, "Q");
    pqg_error e = {0};
    strcpy(e.sqlstate, "23505");
    assert_true(pqg_error_is_unique_violation(&e));
    assert_false(pqg_error_is_foreign_key_violation(&e));
    strcpy(e.sqlstate, "23503");
    assert_true(pqg_error_is_foreign_key_violation(&e));
    strcpy(e.sqlstate, "23514");
    assert_true(pqg_error_is_check_violation(&e));
    strcpy(e.sqlstate, "23502");
    assert_true(pqg_error_is_not_null_violation(&e));
}

static void
test_binder_formats(void **state)
{
    (void)state;
    /* declared int4 gets binary, declared 0 gets text; text always text format */
    static const uint32_t types[] = {23, 0, 25, 1700, 0, 3802, 1009, 0, 21};
    static const pqg_stmt st = {"b", "x", 9, types, 0, NULL, NULL, false};
    pqg_args a;
    pqg_args_init(&a, &st);
    pqg_arg_int32(&a, 7);
    pqg_arg_int32(&a, 7);
    pqg_arg_text(&a, "hi");
    pqg_arg_numeric(&a, "1.50");
    pqg_arg_numeric(&a, "1.50");
    pqg_arg_jsonb(&a, "{}");
    const char *items[] = {"a", NULL};
    pqg_arg_array_text(&a, (pqg_array_text){items, 2});
    pqg_arg_array_text(&a, (pqg_array_text){items, 2});
    assert_int_equal(a.err, 0);
    pqg_arg_int32(&a, 70000); /* out of range for int2 */
    assert_int_equal(a.err, PQG_EINVAL);
    assert_int_equal(a.n, 9);
    assert_int_equal(a.formats[0], 1);
    assert_int_equal(a.lengths[0], 4);
    assert_int_equal(a.formats[1], 0);
    assert_string_equal(a.values[1], "7");
    assert_int_equal(a.formats[2], 0);
    assert_int_equal(a.formats[3], 1);
    assert_int_equal(a.lengths[3], 8 + 2 * 2); /* 1 . 5000 */
    assert_int_equal(a.formats[4], 0);
    assert_int_equal(a.formats[5], 1);
    assert_int_equal(a.values[5][0], 1);
    assert_int_equal(a.formats[6], 1);
    assert_int_equal((int)pqg__get32(a.values[6] + 8), 25);
    assert_int_equal(a.formats[7], 0);
    assert_memory_equal(a.values[7], "{\"a\",NULL}", 10);
    pqg_args_clear(&a);
    pqg_args_clear(&a); /* idempotent */
    assert_int_equal(a.n, 0);

    /* more params than the inline arrays hold */
    pqg_args b;
    pqg_args_init(&b, NULL);
    for (int i = 0; i < 100; i++)
        pqg_arg_int64(&b, i);
    assert_int_equal(b.n, 100);
    assert_int_equal(b.err, 0);
    assert_string_equal(b.values[99], "99");
    pqg_args_clear(&b);
}

/* Enum arrays go as a quoted text[] literal; a value outside the enum fails the binding. */
static void
test_enum_array_binder(void **state)
{
    (void)state;
    static const char *const labels[] = {"user", "tool \"x\""};
    static const uint32_t types[] = {1009, 1009};
    static const pqg_stmt st = {"e", "SELECT $1, $2", 2, types, 0, NULL, NULL, false};
    pqg_args a;
    pqg_args_init(&a, &st);
    int good[] = {2, 1};
    pqg_arg_array_enum(&a, good, 2, labels, 2);
    assert_int_equal(a.err, 0);
    assert_int_equal(a.formats[0], 0);
    assert_string_equal(a.values[0], "{\"tool \\\"x\\\"\",\"user\"}");
    int bad[] = {1, 0};
    pqg_arg_array_enum(&a, bad, 2, labels, 2);
    assert_int_equal(a.err, PQG_EINVAL);
    pqg_args_clear(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_wire),     cmocka_unit_test(test_numeric_invalid),
        cmocka_unit_test(test_numeric_roundtrip_many), cmocka_unit_test(test_timestamp_format),
        cmocka_unit_test(test_timestamp_wire),   cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_durations),        cmocka_unit_test(test_config_from_env),
        cmocka_unit_test(test_error_table),      cmocka_unit_test(test_binder_formats),
        cmocka_unit_test(test_enum_array_binder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
