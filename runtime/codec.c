/*
 * codec.c - parameter binding: pqg_args and the scalar binders (pqg_arg_*), and the uuid and
 * timestamp text helpers. A parameter goes in binary when its declared OID is the binder's own
 * type and in text format otherwise (OID 0: enums, extension types), which the server can always
 * infer.
 * Getters are in codec_get.c, arrays in codec_array.c, numeric's binary form in codec_numeric.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pqg_int.h"

/* ---------- args ---------- */

typedef struct args_chunk {
    struct args_chunk *next;
    size_t cap, used;
    _Alignas(16) char data[];
} args_chunk;

void
pqg_args_init(pqg_args *a, const pqg_stmt *st)
{
    memset(a, 0, offsetof(pqg_args, inline_values));
    a->cap = PQG_ARGS_INLINE;
    a->values = a->inline_values;
    a->lengths = a->inline_lengths;
    a->formats = a->inline_formats;
    a->scratch_used = 0;
    a->heap = NULL;
    a->stmt = st;
}

void
pqg_args_clear(pqg_args *a)
{
    if (!a)
        return;
    args_chunk *c = a->heap;
    while (c) {
        args_chunk *next = c->next;
        pqg__free(c);
        c = next;
    }
    a->heap = NULL;
    a->n = 0;
    a->cap = PQG_ARGS_INLINE;
    a->values = a->inline_values;
    a->lengths = a->inline_lengths;
    a->formats = a->inline_formats;
    a->scratch_used = 0;
}

void *
pqg__args_alloc(pqg_args *a, size_t n)
{
    n = pqg__align(n, 16);
    args_chunk *c = a->heap;
    if (c && c->cap - c->used >= n) {
        void *p = c->data + c->used;
        c->used += n;
        return p;
    }
    size_t cap = n > 4096 ? n : 4096;
    c = pqg__malloc(sizeof *c + cap);
    if (!c) {
        if (!a->err)
            a->err = PQG_ENOMEM;
        return NULL;
    }
    c->cap = cap;
    c->used = n;
    c->next = a->heap;
    a->heap = c;
    return c->data;
}

static char *
scratch(pqg_args *a, size_t n)
{
    if (a->scratch_used + n <= sizeof a->scratch) {
        char *p = a->scratch + a->scratch_used;
        a->scratch_used += n;
        return p;
    }
    return pqg__args_alloc(a, n);
}

/* The declared OID of the parameter about to be bound (0 when unknown). */
static uint32_t
declared(const pqg_args *a)
{
    const pqg_stmt *st = a->stmt;
    if (st && st->param_types && a->n < st->n_params)
        return st->param_types[a->n];
    return 0;
}

void
pqg__args_push(pqg_args *a, const char *v, int len, int fmt)
{
    if (a->n >= a->cap) {
        int cap = a->cap * 2;
        const char **vals = pqg__args_alloc(a, (size_t)cap * sizeof *vals);
        int *lens = pqg__args_alloc(a, (size_t)cap * sizeof *lens);
        int *fmts = pqg__args_alloc(a, (size_t)cap * sizeof *fmts);
        if (!vals || !lens || !fmts) {
            a->n++;
            return;
        }
        memcpy(vals, a->values, (size_t)a->n * sizeof *vals);
        memcpy(lens, a->lengths, (size_t)a->n * sizeof *lens);
        memcpy(fmts, a->formats, (size_t)a->n * sizeof *fmts);
        a->values = vals;
        a->lengths = lens;
        a->formats = fmts;
        a->cap = cap;
    }
    a->values[a->n] = v;
    a->lengths[a->n] = len;
    a->formats[a->n] = fmt;
    a->n++;
}

/* Binds a text-format value formatted into args storage. */
static void
push_textf(pqg_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
push_textf(pqg_args *a, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    char *p = pqg__args_alloc(a, (size_t)n + 1);
    if (!p) {
        pqg__args_push(a, NULL, 0, 0);
        return;
    }
    memcpy(p, tmp, (size_t)n + 1);
    pqg__args_push(a, p, n, 0);
}

void
pqg_arg_null(pqg_args *a)
{
    pqg__args_push(a, NULL, 0, 1);
}

static void
bind_int(pqg_args *a, int64_t v)
{
    uint32_t t = declared(a);
    char *p;
    switch (t) {
    case PQG__OID_INT2:
        if (v < INT16_MIN || v > INT16_MAX)
            break;
        if ((p = scratch(a, 2)))
            pqg__put16(p, (uint16_t)v);
        pqg__args_push(a, p, 2, 1);
        return;
    case PQG__OID_INT4:
        if (v < INT32_MIN || v > INT32_MAX)
            break;
        if ((p = scratch(a, 4)))
            pqg__put32(p, (uint32_t)v);
        pqg__args_push(a, p, 4, 1);
        return;
    case PQG__OID_INT8:
        if ((p = scratch(a, 8)))
            pqg__put64(p, (uint64_t)v);
        pqg__args_push(a, p, 8, 1);
        return;
    default:
        push_textf(a, "%lld", (long long)v);
        return;
    }
    if (!a->err)
        a->err = PQG_EINVAL; /* out of range for the declared width */
    pqg__args_push(a, NULL, 0, 1);
}

void
pqg_arg_int16(pqg_args *a, int16_t v)
{
    bind_int(a, v);
}

void
pqg_arg_int32(pqg_args *a, int32_t v)
{
    bind_int(a, v);
}

void
pqg_arg_int64(pqg_args *a, int64_t v)
{
    bind_int(a, v);
}

static void
push_double_text(pqg_args *a, double v, int digits)
{
    if (isnan(v))
        pqg__args_push(a, "NaN", 3, 0);
    else if (isinf(v))
        pqg__args_push(a, v > 0 ? "Infinity" : "-Infinity", v > 0 ? 8 : 9, 0);
    else
        push_textf(a, "%.*g", digits, v);
}

static void
bind_float(pqg_args *a, double v, bool is_float)
{
    uint32_t t = declared(a);
    char *p;
    if (t == PQG__OID_FLOAT4) {
        float f = (float)v;
        uint32_t u;
        memcpy(&u, &f, 4);
        if ((p = scratch(a, 4)))
            pqg__put32(p, u);
        pqg__args_push(a, p, 4, 1);
    } else if (t == PQG__OID_FLOAT8) {
        uint64_t u;
        memcpy(&u, &v, 8);
        if ((p = scratch(a, 8)))
            pqg__put64(p, u);
        pqg__args_push(a, p, 8, 1);
    } else {
        push_double_text(a, v, is_float ? 9 : 17);
    }
}

void
pqg_arg_float(pqg_args *a, float v)
{
    bind_float(a, v, true);
}

void
pqg_arg_double(pqg_args *a, double v)
{
    bind_float(a, v, false);
}

void
pqg_arg_bool(pqg_args *a, bool v)
{
    if (declared(a) == PQG__OID_BOOL) {
        char *p = scratch(a, 1);
        if (p)
            *p = v ? 1 : 0;
        pqg__args_push(a, p, 1, 1);
    } else {
        pqg__args_push(a, v ? "t" : "f", 1, 0);
    }
}

void
pqg_arg_text(pqg_args *a, const char *v)
{
    /* Text and text format carry the same bytes; the text format also feeds enums, domains and
     * any type the server infers. */
    if (!v)
        pqg__args_push(a, NULL, 0, 1);
    else
        pqg__args_push(a, v, (int)strlen(v), 0);
}

void
pqg_arg_numeric(pqg_args *a, const char *v)
{
    if (!v) {
        pqg__args_push(a, NULL, 0, 1);
        return;
    }
    if (declared(a) != PQG__OID_NUMERIC) {
        pqg__args_push(a, v, (int)strlen(v), 0);
        return;
    }
    size_t cap = 8 + 2 * (strlen(v) / 4 + 4), len = 0;
    char *p = pqg__args_alloc(a, cap);
    if (!p) {
        pqg__args_push(a, NULL, 0, 1);
        return;
    }
    if (pqg__numeric_encode(v, p, cap, &len) != 0) {
        if (!a->err)
            a->err = PQG_EINVAL;
        pqg__args_push(a, NULL, 0, 1);
        return;
    }
    pqg__args_push(a, p, (int)len, 1);
}

void
pqg_arg_json(pqg_args *a, const char *v)
{
    if (!v) {
        pqg__args_push(a, NULL, 0, 1);
        return;
    }
    if (declared(a) != PQG__OID_JSONB) {
        pqg__args_push(a, v, (int)strlen(v), declared(a) == PQG__OID_JSON ? 1 : 0);
        return;
    }
    size_t n = strlen(v);
    char *p = pqg__args_alloc(a, n + 1);
    if (p) {
        p[0] = 1; /* jsonb binary format version */
        memcpy(p + 1, v, n);
    }
    pqg__args_push(a, p, (int)n + 1, 1);
}

void
pqg_arg_jsonb(pqg_args *a, const char *v)
{
    pqg_arg_json(a, v);
}

/* bytea in text format: "\x" and hex digits. */
static void
push_bytea_text(pqg_args *a, const uint8_t *d, size_t n)
{
    char *p = pqg__args_alloc(a, 2 * n + 3);
    if (!p) {
        pqg__args_push(a, NULL, 0, 0);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    p[0] = '\\';
    p[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        p[2 + 2 * i] = hex[d[i] >> 4];
        p[3 + 2 * i] = hex[d[i] & 15];
    }
    p[2 + 2 * n] = '\0';
    pqg__args_push(a, p, (int)(2 * n + 2), 0);
}

void
pqg_arg_bytes(pqg_args *a, pqg_bytes v)
{
    if (!v.data) {
        pqg__args_push(a, NULL, 0, 1);
        return;
    }
    if (declared(a) == PQG__OID_BYTEA)
        pqg__args_push(a, (const char *)v.data, (int)v.len, 1);
    else
        push_bytea_text(a, v.data, v.len);
}

void
pqg_arg_uuid(pqg_args *a, pqg_uuid v)
{
    if (declared(a) == PQG__OID_UUID) {
        char *p = scratch(a, 16);
        if (p)
            memcpy(p, v.bytes, 16);
        pqg__args_push(a, p, 16, 1);
    } else {
        char buf[37];
        pqg_uuid_format(v, buf);
        push_textf(a, "%s", buf);
    }
}

void
pqg_arg_timestamp(pqg_args *a, pqg_timestamp v)
{
    uint32_t t = declared(a);
    if (t == PQG__OID_TIMESTAMP || t == PQG__OID_TIMESTAMPTZ) {
        char *p = scratch(a, 8);
        int64_t w = (v == INT64_MAX || v == INT64_MIN) ? v : v - PQG__PG_EPOCH_USEC;
        if (p)
            pqg__put64(p, (uint64_t)w);
        pqg__args_push(a, p, 8, 1);
    } else {
        char buf[40];
        pqg_timestamp_format(v, buf);
        push_textf(a, "%s", buf);
    }
}

static void
format_date(pqg_date d, char *buf, size_t cap);

void
pqg_arg_date(pqg_args *a, pqg_date v)
{
    if (declared(a) == PQG__OID_DATE) {
        char *p = scratch(a, 4);
        int32_t w = (v == INT32_MAX || v == INT32_MIN) ? v : v - PQG__PG_EPOCH_DAYS;
        if (p)
            pqg__put32(p, (uint32_t)w);
        pqg__args_push(a, p, 4, 1);
    } else {
        char buf[32];
        format_date(v, buf, sizeof buf);
        push_textf(a, "%s", buf);
    }
}

void
pqg_arg_interval(pqg_args *a, pqg_interval v)
{
    if (declared(a) == PQG__OID_INTERVAL) {
        char *p = scratch(a, 16);
        if (p) {
            pqg__put64(p, (uint64_t)v.usec);
            pqg__put32(p + 8, (uint32_t)v.days);
            pqg__put32(p + 12, (uint32_t)v.months);
        }
        pqg__args_push(a, p, 16, 1);
    } else {
        push_textf(a, "%d mons %d days %lld microseconds", v.months, v.days, (long long)v.usec);
    }
}

void
pqg_arg_vector(pqg_args *a, pqg_vector v)
{
    /* vector's OID differs per database, so the text form "[1,2,3]" is the portable one. */
    if (!v.items) {
        pqg__args_push(a, NULL, 0, 1);
        return;
    }
    char *p = pqg__args_alloc(a, v.len * 18 + 3);
    if (!p) {
        pqg__args_push(a, NULL, 0, 0);
        return;
    }
    size_t o = 0;
    p[o++] = '[';
    for (size_t i = 0; i < v.len; i++)
        o += (size_t)sprintf(p + o, i ? ",%.9g" : "%.9g", (double)v.items[i]);
    p[o++] = ']';
    p[o] = '\0';
    pqg__args_push(a, p, (int)o, 0);
}

#define NULL_BINDER(name, ctype)                             \
    void pqg_arg_null_##name(pqg_args *a, pqg_null_##name v) \
    {                                                        \
        if (v.valid)                                         \
            pqg_arg_##name(a, v.value);                      \
        else                                                 \
            pqg_arg_null(a);                                 \
    }
NULL_BINDER(int16, int16_t)
NULL_BINDER(int32, int32_t)
NULL_BINDER(int64, int64_t)
NULL_BINDER(float, float)
NULL_BINDER(double, double)
NULL_BINDER(bool, bool)
NULL_BINDER(uuid, pqg_uuid)
NULL_BINDER(timestamp, pqg_timestamp)
NULL_BINDER(date, pqg_date)
NULL_BINDER(interval, pqg_interval)
#undef NULL_BINDER

/* ---------- uuid, timestamp, date text ---------- */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
pqg_uuid_parse(const char *text, pqg_uuid *out)
{
    pqg_uuid u;
    if (!text || !out)
        return PQG_EINVAL;
    const char *p = text;
    bool braces = *p == '{';
    if (braces)
        p++;
    for (int i = 0; i < 16; i++) {
        if (*p == '-' && (i == 4 || i == 6 || i == 8 || i == 10))
            p++;
        int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
        if (hi < 0 || lo < 0)
            return PQG_EINVAL;
        u.bytes[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    if (braces && *p++ != '}')
        return PQG_EINVAL;
    if (*p)
        return PQG_EINVAL;
    *out = u;
    return 0;
}

void
pqg_uuid_format(pqg_uuid id, char buf[37])
{
    static const char hex[] = "0123456789abcdef";
    char *o = buf;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[id.bytes[i] >> 4];
        *o++ = hex[id.bytes[i] & 15];
    }
    *o = '\0';
}

bool
pqg_uuid_equal(pqg_uuid a, pqg_uuid b)
{
    return memcmp(a.bytes, b.bytes, 16) == 0;
}

pqg_timestamp
pqg_timestamp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
pqg__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

int64_t
pqg__floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && ((a < 0) != (b < 0)));
}

/* ISO dates for years <= 0 need PostgreSQL's "BC" (year 0 is 1 BC). */
static int
format_ymd(char *buf, size_t cap, int64_t y, unsigned m, unsigned d)
{
    if (y <= 0)
        return snprintf(buf, cap, "%04lld-%02u-%02u BC", (long long)(1 - y), m, d);
    return snprintf(buf, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

void
pqg_timestamp_format(pqg_timestamp ts, char buf[40])
{
    if (ts == INT64_MAX) {
        snprintf(buf, 40, "infinity");
        return;
    }
    if (ts == INT64_MIN) {
        snprintf(buf, 40, "-infinity");
        return;
    }
    int64_t days = pqg__floor_div(ts, INT64_C(86400000000));
    int64_t rem = ts - days * INT64_C(86400000000);
    int64_t y;
    unsigned m, d;
    pqg__civil_from_days(days, &y, &m, &d);
    unsigned hh = (unsigned)(rem / 3600000000), mm = (unsigned)(rem / 60000000 % 60);
    unsigned ss = (unsigned)(rem / 1000000 % 60), us = (unsigned)(rem % 1000000);
    /* Formatted into a larger buffer: the compiler cannot see that every field is bounded. */
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02u:%02u:%02u.%06uZ%s",
             (long long)(y <= 0 ? 1 - y : y), m, d, hh, mm, ss, us,
             y <= 0 ? " BC" : ""); /* PostgreSQL wants BC after the time */
    snprintf(buf, 40, "%.39s", tmp);
}

static void
format_date(pqg_date v, char *buf, size_t cap)
{
    if (v == INT32_MAX) {
        snprintf(buf, cap, "infinity");
        return;
    }
    if (v == INT32_MIN) {
        snprintf(buf, cap, "-infinity");
        return;
    }
    int64_t y;
    unsigned m, d;
    pqg__civil_from_days(v, &y, &m, &d);
    format_ymd(buf, cap, y, m, d);
}
