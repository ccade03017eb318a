/*
 * test_runtime_codec.c - every codec round-trips through a real server exactly: SELECT $1::type
 * with binary params and results, NULLs, arrays with NULL elements, unicode, 1 MB text, bytea
 * with zero bytes, numeric precision, timestamps to the microsecond, infinities; plus the
 * text-format path for parameters declared with OID 0 (enums) and the column checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pqg.h"

static pqg_db *pool;

/* A row wide enough for every type under test; each decoder fills one field. */
typedef struct any_row {
    int16_t i16;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    bool b;
    const char *s;
    pqg_bytes bytes;
    pqg_uuid uuid;
    pqg_timestamp ts;
    pqg_date date;
    pqg_interval iv;
    pqg_null_int32 ni32;
    pqg_null_timestamp nts;
    pqg_array_int32 a_i32;
    pqg_array_int64 a_i64;
    pqg_array_int16 a_i16;
    pqg_array_double a_f64;
    pqg_array_float a_f32;
    pqg_array_bool a_b;
    pqg_array_text a_s;
    pqg_array_uuid a_uuid;
    pqg_array_timestamp a_ts;
    pqg_array_date a_date;
    pqg_array_bytes a_bytes;
    int e;
    int *a_e;
    size_t a_e_len;
    pqg_vector vec;
} any_row;

#define R(dst) ((any_row *)(dst))
static void dec_i16(pqg_row *r, void *d) { pqg_get_int16(r, 0, &R(d)->i16); }
static void dec_i32(pqg_row *r, void *d) { pqg_get_int32(r, 0, &R(d)->i32); }
static void dec_i64(pqg_row *r, void *d) { pqg_get_int64(r, 0, &R(d)->i64); }
static void dec_f32(pqg_row *r, void *d) { pqg_get_float(r, 0, &R(d)->f32); }
static void dec_f64(pqg_row *r, void *d) { pqg_get_double(r, 0, &R(d)->f64); }
static void dec_bool(pqg_row *r, void *d) { pqg_get_bool(r, 0, &R(d)->b); }
static void dec_text(pqg_row *r, void *d) { pqg_get_text(r, 0, &R(d)->s); }
static void dec_numeric(pqg_row *r, void *d) { pqg_get_numeric(r, 0, &R(d)->s); }
static void dec_json(pqg_row *r, void *d) { pqg_get_json(r, 0, &R(d)->s); }
static void dec_bytes(pqg_row *r, void *d) { pqg_get_bytes(r, 0, &R(d)->bytes); }
static void dec_uuid(pqg_row *r, void *d) { pqg_get_uuid(r, 0, &R(d)->uuid); }
static void dec_ts(pqg_row *r, void *d) { pqg_get_timestamp(r, 0, &R(d)->ts); }
static void dec_date(pqg_row *r, void *d) { pqg_get_date(r, 0, &R(d)->date); }
static void dec_iv(pqg_row *r, void *d) { pqg_get_interval(r, 0, &R(d)->iv); }
static void dec_ni32(pqg_row *r, void *d) { pqg_get_null_int32(r, 0, &R(d)->ni32); }
static void dec_nts(pqg_row *r, void *d) { pqg_get_null_timestamp(r, 0, &R(d)->nts); }
static void dec_a_i32(pqg_row *r, void *d) { pqg_get_array_int32(r, 0, &R(d)->a_i32); }
static void dec_a_i64(pqg_row *r, void *d) { pqg_get_array_int64(r, 0, &R(d)->a_i64); }
static void dec_a_i16(pqg_row *r, void *d) { pqg_get_array_int16(r, 0, &R(d)->a_i16); }
static void dec_a_f64(pqg_row *r, void *d) { pqg_get_array_double(r, 0, &R(d)->a_f64); }
static void dec_a_f32(pqg_row *r, void *d) { pqg_get_array_float(r, 0, &R(d)->a_f32); }
static void dec_a_b(pqg_row *r, void *d) { pqg_get_array_bool(r, 0, &R(d)->a_b); }
static void dec_a_s(pqg_row *r, void *d) { pqg_get_array_text(r, 0, &R(d)->a_s); }
static void dec_a_uuid(pqg_row *r, void *d) { pqg_get_array_uuid(r, 0, &R(d)->a_uuid); }
static void dec_a_ts(pqg_row *r, void *d) { pqg_get_array_timestamp(r, 0, &R(d)->a_ts); }
static void dec_a_date(pqg_row *r, void *d) { pqg_get_array_date(r, 0, &R(d)->a_date); }
static void dec_a_bytes(pqg_row *r, void *d) { pqg_get_array_bytes(r, 0, &R(d)->a_bytes); }
static void dec_vec(pqg_row *r, void *d) { pqg_get_vector(r, 0, &R(d)->vec); }

static const char *const mood_labels[] = {"sad", "ok", "happy"};
static void dec_enum(pqg_row *r, void *d) { pqg_get_enum(r, 0, mood_labels, 3, &R(d)->e); }
static void dec_a_enum(pqg_row *r, void *d)
{
    pqg_get_array_enum(r, 0, mood_labels, 3, &R(d)->a_e, &R(d)->a_e_len);
}

/* One-parameter, one-column statement "SELECT $1::<type>" with declared OIDs. */
#define STMT(var, sql, poid, coid)                                                     \
    static const uint32_t var##_p[] = {poid};                                          \
    static const uint32_t var##_c[] = {coid};                                          \
    static const pqg_stmt var = {#var, sql, 1, var##_p, 1, var##_c, NULL, false}

STMT(s_int2, "SELECT $1::int2", 21, 21);
STMT(s_int4, "SELECT $1::int4", 23, 23);
STMT(s_int8, "SELECT $1::int8", 20, 20);
STMT(s_float4, "SELECT $1::float4", 700, 700);
STMT(s_float8, "SELECT $1::float8", 701, 701);
STMT(s_bool, "SELECT $1::bool", 16, 16);
STMT(s_text, "SELECT $1::text", 25, 25);
STMT(s_varchar, "SELECT $1::varchar", 1043, 1043);
STMT(s_numeric, "SELECT $1::numeric", 1700, 1700);
STMT(s_json, "SELECT $1::json", 114, 114);
STMT(s_jsonb, "SELECT $1::jsonb", 3802, 3802);
STMT(s_bytea, "SELECT $1::bytea", 17, 17);
STMT(s_uuid, "SELECT $1::uuid", 2950, 2950);
STMT(s_tstz, "SELECT $1::timestamptz", 1184, 1184);
STMT(s_ts, "SELECT $1::timestamp", 1114, 1114);
STMT(s_date, "SELECT $1::date", 1082, 1082);
STMT(s_interval, "SELECT $1::interval", 1186, 1186);
STMT(s_a_int4, "SELECT $1::int4[]", 1007, 1007);
STMT(s_a_int8, "SELECT $1::int8[]", 1016, 1016);
STMT(s_a_int2, "SELECT $1::int2[]", 1005, 1005);
STMT(s_a_float8, "SELECT $1::float8[]", 1022, 1022);
STMT(s_a_float4, "SELECT $1::float4[]", 1021, 1021);
STMT(s_a_bool, "SELECT $1::bool[]", 1000, 1000);
STMT(s_a_text, "SELECT $1::text[]", 1009, 1009);
STMT(s_a_varchar, "SELECT $1::varchar[]", 1015, 1015);
STMT(s_a_uuid, "SELECT $1::uuid[]", 2951, 2951);
STMT(s_a_tstz, "SELECT $1::timestamptz[]", 1185, 1185);
STMT(s_a_date, "SELECT $1::date[]", 1182, 1182);
STMT(s_a_bytea, "SELECT $1::bytea[]", 1001, 1001);
/* Declared OID 0: the server infers the type, so binders must send text format. */
STMT(s_enum, "SELECT $1::rt_mood", 0, 0);
STMT(s_a_enum, "SELECT $1::rt_mood[]", 0, 0);
STMT(s_int8_untyped, "SELECT $1::int8", 0, 20);
STMT(s_uuid_untyped, "SELECT $1::uuid", 0, 2950);
STMT(s_tstz_untyped, "SELECT $1::timestamptz", 0, 1184);
STMT(s_bytea_untyped, "SELECT $1::bytea", 0, 17);
STMT(s_a_int4_untyped, "SELECT $1::int4[]", 0, 1007);
STMT(s_a_text_untyped, "SELECT $1::text[]", 0, 1009);
STMT(s_numeric_untyped, "SELECT $1::numeric", 0, 1700);
STMT(s_interval_untyped, "SELECT $1::interval", 0, 1186);
STMT(s_date_untyped, "SELECT $1::date", 0, 1082);
/* A binder of another width than the declared type. */
STMT(s_int8_from_int32, "SELECT $1::int8", 20, 20);

typedef void (*binder_fn)(pqg_args *a, const void *v);

/* Runs st with one bound value and decodes into *out; returns rc. */
static int
run1(const pqg_stmt *st, void (*bind)(pqg_args *, void *), void *v, pqg_decode_fn dec,
     any_row *out, void **mem)
{
    pqg_args a;
    pqg_args_init(&a, st);
    bind(&a, v);
    return pqg_query_one(pool, st, &a, dec, out, sizeof *out, mem);
}

static void b_i16(pqg_args *a, void *v) { pqg_arg_int16(a, *(int16_t *)v); }
static void b_i32(pqg_args *a, void *v) { pqg_arg_int32(a, *(int32_t *)v); }
static void b_i64(pqg_args *a, void *v) { pqg_arg_int64(a, *(int64_t *)v); }
static void b_f32(pqg_args *a, void *v) { pqg_arg_float(a, *(float *)v); }
static void b_f64(pqg_args *a, void *v) { pqg_arg_double(a, *(double *)v); }
static void b_bool(pqg_args *a, void *v) { pqg_arg_bool(a, *(bool *)v); }
static void b_text(pqg_args *a, void *v) { pqg_arg_text(a, (const char *)v); }
static void b_numeric(pqg_args *a, void *v) { pqg_arg_numeric(a, (const char *)v); }
static void b_json(pqg_args *a, void *v) { pqg_arg_json(a, (const char *)v); }
static void b_jsonb(pqg_args *a, void *v) { pqg_arg_jsonb(a, (const char *)v); }
static void b_bytes(pqg_args *a, void *v) { pqg_arg_bytes(a, *(pqg_bytes *)v); }
static void b_uuid(pqg_args *a, void *v) { pqg_arg_uuid(a, *(pqg_uuid *)v); }
static void b_ts(pqg_args *a, void *v) { pqg_arg_timestamp(a, *(pqg_timestamp *)v); }
static void b_date(pqg_args *a, void *v) { pqg_arg_date(a, *(pqg_date *)v); }
static void b_iv(pqg_args *a, void *v) { pqg_arg_interval(a, *(pqg_interval *)v); }
static void b_ni32(pqg_args *a, void *v) { pqg_arg_null_int32(a, *(pqg_null_int32 *)v); }
static void b_a_i32(pqg_args *a, void *v) { pqg_arg_array_int32(a, *(pqg_array_int32 *)v); }
static void b_a_i64(pqg_args *a, void *v) { pqg_arg_array_int64(a, *(pqg_array_int64 *)v); }
static void b_a_i16(pqg_args *a, void *v) { pqg_arg_array_int16(a, *(pqg_array_int16 *)v); }
static void b_a_f64(pqg_args *a, void *v) { pqg_arg_array_double(a, *(pqg_array_double *)v); }
static void b_a_f32(pqg_args *a, void *v) { pqg_arg_array_float(a, *(pqg_array_float *)v); }
static void b_a_b(pqg_args *a, void *v) { pqg_arg_array_bool(a, *(pqg_array_bool *)v); }
static void b_a_s(pqg_args *a, void *v) { pqg_arg_array_text(a, *(pqg_array_text *)v); }
static void b_a_uuid(pqg_args *a, void *v) { pqg_arg_array_uuid(a, *(pqg_array_uuid *)v); }
static void b_a_ts(pqg_args *a, void *v) { pqg_arg_array_timestamp(a, *(pqg_array_timestamp *)v); }
static void b_a_date(pqg_args *a, void *v) { pqg_arg_array_date(a, *(pqg_array_date *)v); }
static void b_a_bytes(pqg_args *a, void *v) { pqg_arg_array_bytes(a, *(pqg_array_bytes *)v); }
static void b_vec(pqg_args *a, void *v) { pqg_arg_vector(a, *(pqg_vector *)v); }

static void
test_integers(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    int16_t i16s[] = {0, 1, -1, INT16_MIN, INT16_MAX};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(run1(&s_int2, b_i16, &i16s[i], dec_i16, &r, &mem), 0);
        assert_int_equal(r.i16, i16s[i]);
        assert_null(mem);
    }
    int32_t i32s[] = {0, 42, -42, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(run1(&s_int4, b_i32, &i32s[i], dec_i32, &r, &mem), 0);
        assert_int_equal(r.i32, i32s[i]);
    }
    int64_t i64s[] = {0, INT64_C(1) << 40, -7, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(run1(&s_int8, b_i64, &i64s[i], dec_i64, &r, &mem), 0);
        assert_true(r.i64 == i64s[i]);
        assert_int_equal(run1(&s_int8_untyped, b_i64, &i64s[i], dec_i64, &r, &mem), 0);
        assert_true(r.i64 == i64s[i]);
    }
    int32_t small = -123456;
    assert_int_equal(run1(&s_int8_from_int32, b_i32, &small, dec_i64, &r, &mem), 0);
    assert_true(r.i64 == -123456);
    /* int8 result into an int16 getter that cannot hold it: a decode error naming the column. */
    int64_t big = 100000;
    assert_int_equal(run1(&s_int8, b_i64, &big, dec_i16, &r, &mem), PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "s_int8"));
    assert_non_null(strstr(pqg_last_error()->message, "out of range"));
}

static void
test_floats_bool(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    float fs[] = {0.0f, 1.5f, -3.25e10f, 1e-30f};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(run1(&s_float4, b_f32, &fs[i], dec_f32, &r, &mem), 0);
        assert_true(r.f32 == fs[i]);
    }
    double ds[] = {0.0, 0.1, -1e300, 3.141592653589793, 1.0 / 0.0};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(run1(&s_float8, b_f64, &ds[i], dec_f64, &r, &mem), 0);
        assert_true(r.f64 == ds[i]);
    }
    bool t = true, f = false;
    assert_int_equal(run1(&s_bool, b_bool, &t, dec_bool, &r, &mem), 0);
    assert_true(r.b);
    assert_int_equal(run1(&s_bool, b_bool, &f, dec_bool, &r, &mem), 0);
    assert_false(r.b);
}

static void
test_text(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    const char *samples[] = {"", "hello", "ünïcödé ✓ 日本語 🎉", "quote ' and \" and \\"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(run1(&s_text, b_text, (void *)samples[i], dec_text, &r, &mem), 0);
        assert_string_equal(r.s, samples[i]);
        pqg_free(mem);
        assert_int_equal(run1(&s_varchar, b_text, (void *)samples[i], dec_text, &r, &mem), 0);
        assert_string_equal(r.s, samples[i]);
        pqg_free(mem);
    }
    /* NULL text binds and reads back NULL */
    assert_int_equal(run1(&s_text, b_text, NULL, dec_text, &r, &mem), 0);
    assert_null(r.s);
    assert_null(mem);
    /* 1 MB */
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    assert_int_equal(run1(&s_text, b_text, big, dec_text, &r, &mem), 0);
    assert_int_equal(strlen(r.s), n);
    assert_memory_equal(r.s, big, n);
    pqg_free(mem);
    free(big);
}

static void
test_numeric(void **state)
{
    (void)state;
    const char *vals[] = {"0", "-0.5", "0.00000000000000000001", "123456789.000100", "NaN",
                          "Infinity", "-Infinity", "1.500", "-99999999999999999999.99999",
                          "10000", "0.0001", "1e3", "12345678901234567890123456789012345678.9"};
    const char *want[] = {"0", "-0.5", "0.00000000000000000001", "123456789.000100", "NaN",
                          "Infinity", "-Infinity", "1.500", "-99999999999999999999.99999",
                          "10000", "0.0001", "1000", "12345678901234567890123456789012345678.9"};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        any_row r;
        void *mem;
        assert_int_equal(run1(&s_numeric, b_numeric, (void *)vals[i], dec_numeric, &r, &mem), 0);
        assert_string_equal(r.s, want[i]);
        pqg_free(mem);
        assert_int_equal(
            run1(&s_numeric_untyped, b_numeric, (void *)vals[i], dec_numeric, &r, &mem), 0);
        assert_string_equal(r.s, want[i]);
        pqg_free(mem);
    }
    /* the server's own text for a computed value agrees with ours */
    static const pqg_stmt s = {"num_calc", "SELECT 1::numeric / 3, (2::numeric ^ 200)::text",
                               0, NULL, 2, NULL, NULL, false};
    any_row r;
    void *mem;
    assert_int_equal(pqg_query_one(pool, &s, NULL, dec_numeric, &r, sizeof r, &mem), 0);
    assert_string_equal(r.s, "0.33333333333333333333");
    pqg_free(mem);
    /* integers read through the numeric getter (the block bound for int8 is exact) */
    static const pqg_stmt s_int_num = {"int_num",
                                       "SELECT (-9223372036854775808)::int8 FROM "
                                       "generate_series(1, 3)", 0, NULL, 1, NULL, NULL, false};
    void *rows;
    size_t len;
    assert_int_equal(pqg_query_many(pool, &s_int_num, NULL, dec_numeric, sizeof r, &rows, &len),
                     0);
    assert_int_equal(len, 3);
    assert_string_equal(((any_row *)rows)[2].s, "-9223372036854775808");
    pqg_free(rows);
    /* malformed numeric text is a binding error */
    assert_int_equal(run1(&s_numeric, b_numeric, "12abc", dec_numeric, &r, &mem), PQG_EINVAL);
}

static void
test_json(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    assert_int_equal(run1(&s_json, b_json, "{\"a\": [1, 2, \"ü\"]}", dec_json, &r, &mem), 0);
    assert_string_equal(r.s, "{\"a\": [1, 2, \"ü\"]}");
    pqg_free(mem);
    assert_int_equal(run1(&s_jsonb, b_jsonb, "{\"b\":1,  \"a\":null}", dec_json, &r, &mem), 0);
    assert_string_equal(r.s, "{\"a\": null, \"b\": 1}");
    pqg_free(mem);
    assert_int_equal(run1(&s_jsonb, b_jsonb, "{bad", dec_json, &r, &mem), PQG_ESERVER);
    assert_string_equal(pqg_last_error()->sqlstate, "22P02");
}

static void
test_bytea_uuid(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    uint8_t raw[] = {0, 1, 0, 255, 0, 'x', 0};
    pqg_bytes b = {raw, sizeof raw};
    assert_int_equal(run1(&s_bytea, b_bytes, &b, dec_bytes, &r, &mem), 0);
    assert_int_equal(r.bytes.len, sizeof raw);
    assert_memory_equal(r.bytes.data, raw, sizeof raw);
    pqg_free(mem);
    assert_int_equal(run1(&s_bytea_untyped, b_bytes, &b, dec_bytes, &r, &mem), 0);
    assert_int_equal(r.bytes.len, sizeof raw);
    assert_memory_equal(r.bytes.data, raw, sizeof raw);
    pqg_free(mem);
    pqg_bytes empty = {raw, 0};
    assert_int_equal(run1(&s_bytea, b_bytes, &empty, dec_bytes, &r, &mem), 0);
    assert_non_null(r.bytes.data);
    assert_int_equal(r.bytes.len, 0);
    pqg_free(mem);
    pqg_bytes null = {NULL, 0};
    assert_int_equal(run1(&s_bytea, b_bytes, &null, dec_bytes, &r, &mem), 0);
    assert_null(r.bytes.data);

    pqg_uuid u;
    assert_int_equal(pqg_uuid_parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", &u), 0);
    assert_int_equal(run1(&s_uuid, b_uuid, &u, dec_uuid, &r, &mem), 0);
    assert_true(pqg_uuid_equal(r.uuid, u));
    assert_int_equal(run1(&s_uuid_untyped, b_uuid, &u, dec_uuid, &r, &mem), 0);
    assert_true(pqg_uuid_equal(r.uuid, u));
}

static void
test_time(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    pqg_timestamp tss[] = {0, 1, -1, INT64_C(1714564800000001), INT64_C(-62135596800000000),
                           INT64_MAX, INT64_MIN, pqg_timestamp_now()};
    for (size_t i = 0; i < sizeof tss / sizeof *tss; i++) {
        assert_int_equal(run1(&s_tstz, b_ts, &tss[i], dec_ts, &r, &mem), 0);
        assert_true(r.ts == tss[i]);
        assert_int_equal(run1(&s_ts, b_ts, &tss[i], dec_ts, &r, &mem), 0);
        assert_true(r.ts == tss[i]);
        assert_int_equal(run1(&s_tstz_untyped, b_ts, &tss[i], dec_ts, &r, &mem), 0);
        assert_true(r.ts == tss[i]);
    }
    /* the server agrees on the epoch */
    static const pqg_stmt s_epoch = {"epoch", "SELECT '1970-01-01 00:00:00.000001+00'::timestamptz",
                                     0, NULL, 1, NULL, NULL, false};
    assert_int_equal(pqg_query_one(pool, &s_epoch, NULL, dec_ts, &r, sizeof r, &mem), 0);
    assert_true(r.ts == 1);
    pqg_date ds[] = {0, -1, 19844, -719162, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) {
        assert_int_equal(run1(&s_date, b_date, &ds[i], dec_date, &r, &mem), 0);
        assert_int_equal(r.date, ds[i]);
        assert_int_equal(run1(&s_date_untyped, b_date, &ds[i], dec_date, &r, &mem), 0);
        assert_int_equal(r.date, ds[i]);
    }
    pqg_interval ivs[] = {{0, 0, 0}, {1, 2, 3}, {-86400000001, -5, 14}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(run1(&s_interval, b_iv, &ivs[i], dec_iv, &r, &mem), 0);
        assert_true(r.iv.usec == ivs[i].usec && r.iv.days == ivs[i].days &&
                    r.iv.months == ivs[i].months);
        assert_int_equal(run1(&s_interval_untyped, b_iv, &ivs[i], dec_iv, &r, &mem), 0);
        assert_true(r.iv.usec == ivs[i].usec && r.iv.days == ivs[i].days &&
                    r.iv.months == ivs[i].months);
    }
}

static void
test_nulls(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    pqg_null_int32 n = {0};
    assert_int_equal(run1(&s_int4, b_ni32, &n, dec_ni32, &r, &mem), 0);
    assert_false(r.ni32.valid);
    pqg_null_int32 v = {.value = 7, .valid = true};
    assert_int_equal(run1(&s_int4, b_ni32, &v, dec_ni32, &r, &mem), 0);
    assert_true(r.ni32.valid);
    assert_int_equal(r.ni32.value, 7);
    /* NULL into a non-nullable getter is a decode error naming query and column */
    assert_int_equal(run1(&s_int4, b_ni32, &n, dec_i32, &r, &mem), PQG_EDECODE);
    assert_int_equal(pqg_last_error()->code, PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "s_int4"));
    assert_non_null(strstr(pqg_last_error()->message, "NULL"));
    pqg_null_timestamp nts = {0};
    (void)nts;
    assert_int_equal(run1(&s_tstz, b_ni32, &n, dec_nts, &r, &mem), 0);
    assert_false(r.nts.valid);
}

static void
test_arrays(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    int32_t i32[] = {1, -2, INT32_MAX};
    pqg_array_int32 a32 = {i32, 3};
    assert_int_equal(run1(&s_a_int4, b_a_i32, &a32, dec_a_i32, &r, &mem), 0);
    assert_int_equal(r.a_i32.len, 3);
    assert_memory_equal(r.a_i32.items, i32, sizeof i32);
    pqg_free(mem);
    assert_int_equal(run1(&s_a_int4_untyped, b_a_i32, &a32, dec_a_i32, &r, &mem), 0);
    assert_int_equal(r.a_i32.len, 3);
    assert_memory_equal(r.a_i32.items, i32, sizeof i32);
    pqg_free(mem);
    pqg_array_int32 empty = {i32, 0};
    assert_int_equal(run1(&s_a_int4, b_a_i32, &empty, dec_a_i32, &r, &mem), 0);
    assert_int_equal(r.a_i32.len, 0);
    assert_non_null(r.a_i32.items);
    pqg_free(mem);
    pqg_array_int32 null = {NULL, 0};
    assert_int_equal(run1(&s_a_int4, b_a_i32, &null, dec_a_i32, &r, &mem), 0);
    assert_null(r.a_i32.items);

    int64_t i64[] = {INT64_MIN, 0, INT64_MAX};
    pqg_array_int64 a64 = {i64, 3};
    assert_int_equal(run1(&s_a_int8, b_a_i64, &a64, dec_a_i64, &r, &mem), 0);
    assert_memory_equal(r.a_i64.items, i64, sizeof i64);
    pqg_free(mem);
    int16_t i16[] = {-5, 5};
    pqg_array_int16 a16 = {i16, 2};
    assert_int_equal(run1(&s_a_int2, b_a_i16, &a16, dec_a_i16, &r, &mem), 0);
    assert_memory_equal(r.a_i16.items, i16, sizeof i16);
    pqg_free(mem);
    double f64[] = {0.1, -2.5, 1e300};
    pqg_array_double af64 = {f64, 3};
    assert_int_equal(run1(&s_a_float8, b_a_f64, &af64, dec_a_f64, &r, &mem), 0);
    assert_memory_equal(r.a_f64.items, f64, sizeof f64);
    pqg_free(mem);
    float f32[] = {0.5f, -1.25f};
    pqg_array_float af32 = {f32, 2};
    assert_int_equal(run1(&s_a_float4, b_a_f32, &af32, dec_a_f32, &r, &mem), 0);
    assert_memory_equal(r.a_f32.items, f32, sizeof f32);
    pqg_free(mem);
    bool bs[] = {true, false, true};
    pqg_array_bool ab = {bs, 3};
    assert_int_equal(run1(&s_a_bool, b_a_b, &ab, dec_a_b, &r, &mem), 0);
    assert_memory_equal(r.a_b.items, bs, sizeof bs);
    pqg_free(mem);

    const char *ss[] = {"a", NULL, "", "with \"quotes\", {braces} \\ and NULL", "NULL", "ü"};
    pqg_array_text as = {ss, 6};
    const pqg_stmt *text_stmts[] = {&s_a_text, &s_a_varchar, &s_a_text_untyped};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(run1(text_stmts[k], b_a_s, &as, dec_a_s, &r, &mem), 0);
        assert_int_equal(r.a_s.len, 6);
        for (size_t i = 0; i < 6; i++) {
            if (!ss[i])
                assert_null(r.a_s.items[i]);
            else
                assert_string_equal(r.a_s.items[i], ss[i]);
        }
        pqg_free(mem);
    }

    pqg_uuid us[2];
    pqg_uuid_parse("00000000-0000-0000-0000-000000000001", &us[0]);
    pqg_uuid_parse("ffffffff-ffff-ffff-ffff-ffffffffffff", &us[1]);
    pqg_array_uuid au = {us, 2};
    assert_int_equal(run1(&s_a_uuid, b_a_uuid, &au, dec_a_uuid, &r, &mem), 0);
    assert_true(pqg_uuid_equal(r.a_uuid.items[1], us[1]));
    pqg_free(mem);
    pqg_timestamp ts[] = {1, INT64_MAX, -1000001};
    pqg_array_timestamp ats = {ts, 3};
    assert_int_equal(run1(&s_a_tstz, b_a_ts, &ats, dec_a_ts, &r, &mem), 0);
    assert_memory_equal(r.a_ts.items, ts, sizeof ts);
    pqg_free(mem);
    pqg_date dd[] = {0, 20000, -800000};
    pqg_array_date ad = {dd, 3};
    assert_int_equal(run1(&s_a_date, b_a_date, &ad, dec_a_date, &r, &mem), 0);
    assert_memory_equal(r.a_date.items, dd, sizeof dd);
    pqg_free(mem);
    uint8_t z[] = {0, 0, 1};
    pqg_bytes bb[] = {{z, 3}, {NULL, 0}, {z, 0}};
    pqg_array_bytes abb = {bb, 3};
    assert_int_equal(run1(&s_a_bytea, b_a_bytes, &abb, dec_a_bytes, &r, &mem), 0);
    assert_int_equal(r.a_bytes.len, 3);
    assert_memory_equal(r.a_bytes.items[0].data, z, 3);
    assert_null(r.a_bytes.items[1].data);
    assert_non_null(r.a_bytes.items[2].data);
    assert_int_equal(r.a_bytes.items[2].len, 0);
    pqg_free(mem);

    /* a NULL element cannot go into an int32 array: decode error */
    static const pqg_stmt s_null_elem = {"null_elem", "SELECT ARRAY[1, NULL, 3]::int4[]", 0,
                                         NULL, 1, NULL, NULL, false};
    assert_int_equal(pqg_query_one(pool, &s_null_elem, NULL, dec_a_i32, &r, sizeof r, &mem),
                     PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "element 2"));
    static const pqg_stmt s_2d = {"two_d", "SELECT ARRAY[[1,2],[3,4]]::int4[]", 0, NULL, 1,
                                  NULL, NULL, false};
    assert_int_equal(pqg_query_one(pool, &s_2d, NULL, dec_a_i32, &r, sizeof r, &mem),
                     PQG_EDECODE);
}

static void
test_enums(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    assert_int_equal(run1(&s_enum, b_text, "happy", dec_enum, &r, &mem), 0);
    assert_int_equal(r.e, 3);
    /* a label the generated code does not know */
    assert_int_equal(pqg_exec_sql(pool, "ALTER TYPE rt_mood ADD VALUE IF NOT EXISTS 'meh'"), 0);
    assert_int_equal(run1(&s_enum, b_text, "meh", dec_enum, &r, &mem), PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "unknown enum label \"meh\""));
    const char *labels[] = {"ok", "sad", NULL, "happy"};
    pqg_array_text al = {labels, 4};
    /* enum[] with NULL element is fine as text, but cannot be decoded into C enums */
    assert_int_equal(run1(&s_a_enum, b_a_s, &al, dec_a_enum, &r, &mem), PQG_EDECODE);
    pqg_array_text al2 = {labels, 2};
    assert_int_equal(run1(&s_a_enum, b_a_s, &al2, dec_a_enum, &r, &mem), 0);
    assert_int_equal(r.a_e_len, 2);
    assert_int_equal(r.a_e[0], 2);
    assert_int_equal(r.a_e[1], 1);
    pqg_free(mem);
    /* enum as text */
    assert_int_equal(run1(&s_enum, b_text, "sad", dec_text, &r, &mem), 0);
    assert_string_equal(r.s, "sad");
    pqg_free(mem);
}

static void
test_vector_text_form(void **state)
{
    (void)state;
    /* pgvector is not installed here: check the text form the binder sends through a text
     * column, and decode the binary layout from a hand-built bytea (same wire format). */
    any_row r;
    void *mem;
    float items[] = {1.0f, -2.5f, 0.125f};
    pqg_vector v = {items, 3};
    static const uint32_t p0[] = {0};
    static const uint32_t c25[] = {25};
    static const pqg_stmt s = {"vec_text", "SELECT $1::text", 1, p0, 1, c25, NULL, false};
    assert_int_equal(run1(&s, b_vec, &v, dec_text, &r, &mem), 0);
    assert_string_equal(r.s, "[1,-2.5,0.125]");
    pqg_free(mem);
    static const pqg_stmt s3 = {"vec_bin2", "SELECT '\\x000300003f800000c02000003e000000'::bytea",
                                0, NULL, 1, NULL, NULL, false};
    assert_int_equal(pqg_query_one(pool, &s3, NULL, dec_vec, &r, sizeof r, &mem), 0);
    assert_int_equal(r.vec.len, 3);
    assert_memory_equal(r.vec.items, items, sizeof items);
    pqg_free(mem);
}

static void
test_column_checks(void **state)
{
    (void)state;
    any_row r;
    void *mem;
    static const uint32_t c_int8[] = {20};
    static const pqg_stmt wrong_type = {"wrong_type", "SELECT 1::int4", 0, NULL, 1, c_int8, NULL, false};
    assert_int_equal(pqg_query_one(pool, &wrong_type, NULL, dec_i32, &r, sizeof r, &mem),
                     PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "regenerate"));
    static const pqg_stmt wrong_count = {"wrong_count", "SELECT 1, 2", 0, NULL, 1, NULL, NULL, false};
    assert_int_equal(pqg_query_one(pool, &wrong_count, NULL, dec_i32, &r, sizeof r, &mem),
                     PQG_EDECODE);
    assert_non_null(strstr(pqg_last_error()->message, "2 columns"));
    /* wrong parameter count */
    pqg_args a;
    pqg_args_init(&a, &s_int4);
    assert_int_equal(pqg_query_one(pool, &s_int4, &a, dec_i32, &r, sizeof r, &mem), PQG_EINVAL);
    /* no row */
    static const pqg_stmt none = {"none", "SELECT 1 WHERE false", 0, NULL, 1, NULL, NULL, false};
    assert_int_equal(pqg_query_one(pool, &none, NULL, dec_i32, &r, sizeof r, &mem),
                     PQG_ENOTFOUND);
    assert_string_equal(pqg_last_error()->query, "none");
}

/* Many parameters: more than PQG_ARGS_INLINE forces the heap path. */
static void
test_many_params(void **state)
{
    (void)state;
    enum { N = 40 };
    static uint32_t types[N];
    static char sql[2048];
    size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT ");
    for (int i = 0; i < N; i++) {
        types[i] = 20;
        o += (size_t)snprintf(sql + o, sizeof sql - o, "%s$%d::int8", i ? " + " : "", i + 1);
    }
    const pqg_stmt st = {"many_params", sql, N, types, 1, NULL, NULL, false};
    pqg_args a;
    pqg_args_init(&a, &st);
    int64_t sum = 0;
    for (int i = 0; i < N; i++) {
        pqg_arg_int64(&a, (int64_t)i * 1000000000);
        sum += (int64_t)i * 1000000000;
    }
    any_row r;
    void *mem;
    assert_int_equal(pqg_query_one(pool, &st, &a, dec_numeric, &r, sizeof r, &mem), 0);
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)sum);
    assert_string_equal(r.s, want);
    pqg_free(mem);
}

int
main(void)
{
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url) {
        printf("skipped: DATABASE_URL not set\n");
        return 0;
    }
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = url;
    cfg.min_conns = 1;
    cfg.max_conns = 2;
    if (pqg_pool_open(&cfg, &pool) != 0) {
        fprintf(stderr, "pool open: %s\n", pqg_last_error()->message);
        return 1;
    }
    if (pqg_exec_sql(pool, "DROP TYPE IF EXISTS rt_mood CASCADE; "
                           "CREATE TYPE rt_mood AS ENUM ('sad', 'ok', 'happy')") != 0) {
        fprintf(stderr, "setup: %s\n", pqg_last_error()->message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),     cmocka_unit_test(test_floats_bool),
        cmocka_unit_test(test_text),         cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_json),         cmocka_unit_test(test_bytea_uuid),
        cmocka_unit_test(test_time),         cmocka_unit_test(test_nulls),
        cmocka_unit_test(test_arrays),       cmocka_unit_test(test_enums),
        cmocka_unit_test(test_vector_text_form), cmocka_unit_test(test_column_checks),
        cmocka_unit_test(test_many_params),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (pqg_exec_sql(pool, "DROP TYPE IF EXISTS rt_mood CASCADE") != 0)
        failed++;
    pqg_pool_close(pool, 5000);
    return failed;
}
