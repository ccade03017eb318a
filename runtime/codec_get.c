/*
 * codec_get.c - result getters (pqg_get_*) for scalars, text-like values, numeric, json,
 * bytea, vector and enums, the element decoders codec_array.c reuses, and the per-field size
 * bound the result drivers in conn.c add up to allocate one block per call. Getters are sticky:
 * after the first error in a row they return it without decoding.
 */
#include <stdio.h>
#include <string.h>

#include "pqg_int.h"

/* ---------- getters ---------- */

int
pqg__row_error(pqg_row *r, int col, const char *fmt, ...)
{
    if (r->err)
        return r->err;
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *qname = r->st && r->st->name ? r->st->name : "(sql)";
    const char *cname = (r->res && col >= 0 && col < PQnfields(r->res)) ? PQfname(r->res, col)
                                                                          : "?";
    pqg__set_error(PQG_EDECODE, r->st ? r->st->name : NULL, "query %s: column %d (%s): %s", qname,
                   col, cname, what);
    r->err = PQG_EDECODE;
    return PQG_EDECODE;
}

/* Fetches (col) of the current row. *v = NULL for SQL NULL when nullable, else an error. */
static int
fetch(pqg_row *r, int col, const char **v, int *len, bool nullable)
{
    *v = NULL;
    *len = 0;
    if (!r)
        return pqg__set_error(PQG_EINVAL, NULL, "row is NULL");
    if (r->err)
        return r->err;
    if (col < 0 || col >= PQnfields(r->res))
        return pqg__row_error(r, col, "no such column (the result has %d)", PQnfields(r->res));
    if (PQgetisnull(r->res, r->row, col)) {
        if (nullable)
            return 0;
        return pqg__row_error(r, col, "is NULL but the generated type is not nullable");
    }
    *v = PQgetvalue(r->res, r->row, col);
    *len = PQgetlength(r->res, r->row, col);
    return 0;
}

static uint32_t
coltype(const pqg_row *r, int col)
{
    return (uint32_t)PQftype(r->res, col);
}

const char *
pqg__dec_int(const char *v, int len, uint32_t oid, int64_t *out)
{
    if (oid == PQG__OID_OID && len == 4) {
        *out = pqg__get32(v);
        return NULL;
    }
    switch (len) {
    case 2:
        *out = (int16_t)pqg__get16(v);
        return NULL;
    case 4:
        *out = (int32_t)pqg__get32(v);
        return NULL;
    case 8:
        *out = (int64_t)pqg__get64(v);
        return NULL;
    default:
        return "is not an integer";
    }
}

const char *
pqg__dec_double(const char *v, int len, uint32_t oid, double *out)
{
    (void)oid;
    if (len == 4) {
        uint32_t u = pqg__get32(v);
        float f;
        memcpy(&f, &u, 4);
        *out = f;
        return NULL;
    }
    if (len == 8) {
        uint64_t u = pqg__get64(v);
        memcpy(out, &u, 8);
        return NULL;
    }
    return "is not a float4 or float8";
}

static bool
is_float_oid(uint32_t t)
{
    return t == PQG__OID_FLOAT4 || t == PQG__OID_FLOAT8;
}

static int
get_int(pqg_row *r, int col, int64_t *out, int64_t lo, int64_t hi, bool nullable, bool *isnull)
{
    const char *v;
    int len;
    int rc = fetch(r, col, &v, &len, nullable);
    if (rc)
        return rc;
    if (!v) {
        *isnull = true;
        return 0;
    }
    if (is_float_oid(coltype(r, col)) || coltype(r, col) == PQG__OID_NUMERIC)
        return pqg__row_error(r, col, "type oid %u is not an integer", coltype(r, col));
    const char *bad = pqg__dec_int(v, len, coltype(r, col), out);
    if (bad)
        return pqg__row_error(r, col, "%s (%d bytes)", bad, len);
    if (*out < lo || *out > hi)
        return pqg__row_error(r, col, "value %lld out of range for the C type", (long long)*out);
    return 0;
}

#define INT_GETTER(name, ctype, lo, hi)                                          \
    int pqg_get_##name(pqg_row *r, int col, ctype *out)                          \
    {                                                                            \
        int64_t x = 0;                                                           \
        bool isnull = false;                                                     \
        int rc = get_int(r, col, &x, lo, hi, false, &isnull);                    \
        if (rc == 0)                                                             \
            *out = (ctype)x;                                                     \
        return rc;                                                               \
    }                                                                            \
    int pqg_get_null_##name(pqg_row *r, int col, pqg_null_##name *out)           \
    {                                                                            \
        int64_t x = 0;                                                           \
        bool isnull = false;                                                     \
        memset(out, 0, sizeof *out);                                             \
        int rc = get_int(r, col, &x, lo, hi, true, &isnull);                     \
        if (rc == 0 && !isnull) {                                                \
            out->value = (ctype)x;                                               \
            out->valid = true;                                                   \
        }                                                                        \
        return rc;                                                               \
    }
INT_GETTER(int16, int16_t, INT16_MIN, INT16_MAX)
INT_GETTER(int32, int32_t, INT32_MIN, INT32_MAX)
INT_GETTER(int64, int64_t, INT64_MIN, INT64_MAX)
#undef INT_GETTER

static int
get_double(pqg_row *r, int col, double *out, bool nullable, bool *isnull)
{
    const char *v;
    int len;
    int rc = fetch(r, col, &v, &len, nullable);
    if (rc)
        return rc;
    if (!v) {
        *isnull = true;
        return 0;
    }
    uint32_t t = coltype(r, col);
    if (t == PQG__OID_INT2 || t == PQG__OID_INT4 || t == PQG__OID_INT8) {
        int64_t x = 0;
        pqg__dec_int(v, len, t, &x);
        *out = (double)x;
        return 0;
    }
    const char *bad = pqg__dec_double(v, len, t, out);
    if (bad)
        return pqg__row_error(r, col, "%s (type oid %u)", bad, t);
    return 0;
}

#define FLOAT_GETTER(name, ctype)                                                \
    int pqg_get_##name(pqg_row *r, int col, ctype *out)                          \
    {                                                                            \
        double x = 0;                                                            \
        bool isnull = false;                                                     \
        int rc = get_double(r, col, &x, false, &isnull);                         \
        if (rc == 0)                                                             \
            *out = (ctype)x;                                                     \
        return rc;                                                               \
    }                                                                            \
    int pqg_get_null_##name(pqg_row *r, int col, pqg_null_##name *out)           \
    {                                                                            \
        double x = 0;                                                            \
        bool isnull = false;                                                     \
        memset(out, 0, sizeof *out);                                             \
        int rc = get_double(r, col, &x, true, &isnull);                          \
        if (rc == 0 && !isnull) {                                                \
            out->value = (ctype)x;                                               \
            out->valid = true;                                                   \
        }                                                                        \
        return rc;                                                               \
    }
FLOAT_GETTER(float, float)
FLOAT_GETTER(double, double)
#undef FLOAT_GETTER

/* Fixed-size scalars: each checks the length (and the OID when the server's type is known). */
typedef const char *(*fixed_dec)(const char *v, int len, uint32_t oid, void *out);

const char *
pqg__dec_bool(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 1 || (oid != PQG__OID_BOOL && oid != 0))
        return "is not a bool";
    *(bool *)out = v[0] != 0;
    return NULL;
}

const char *
pqg__dec_uuid(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 16 || (oid != PQG__OID_UUID && oid < 16384 && oid != 0))
        return "is not a uuid";
    memcpy(((pqg_uuid *)out)->bytes, v, 16);
    return NULL;
}

const char *
pqg__dec_timestamp(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 8 || (oid != PQG__OID_TIMESTAMP && oid != PQG__OID_TIMESTAMPTZ && oid != 0))
        return "is not a timestamp or timestamptz";
    int64_t w = (int64_t)pqg__get64(v);
    *(pqg_timestamp *)out = (w == INT64_MAX || w == INT64_MIN) ? w : w + PQG__PG_EPOCH_USEC;
    return NULL;
}

const char *
pqg__dec_date(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 4 || (oid != PQG__OID_DATE && oid != 0))
        return "is not a date";
    int32_t w = (int32_t)pqg__get32(v);
    *(pqg_date *)out = (w == INT32_MAX || w == INT32_MIN) ? w : w + PQG__PG_EPOCH_DAYS;
    return NULL;
}

const char *
pqg__dec_interval(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 16 || (oid != PQG__OID_INTERVAL && oid != 0))
        return "is not an interval";
    pqg_interval *iv = out;
    iv->usec = (int64_t)pqg__get64(v);
    iv->days = (int32_t)pqg__get32(v + 8);
    iv->months = (int32_t)pqg__get32(v + 12);
    return NULL;
}

static int
get_fixed(pqg_row *r, int col, fixed_dec dec, void *out, bool nullable, bool *isnull)
{
    const char *v;
    int len;
    int rc = fetch(r, col, &v, &len, nullable);
    if (rc)
        return rc;
    if (!v) {
        *isnull = true;
        return 0;
    }
    const char *bad = dec(v, len, coltype(r, col), out);
    if (bad)
        return pqg__row_error(r, col, "%s (type oid %u, %d bytes)", bad, coltype(r, col), len);
    return 0;
}

#define FIXED_GETTER(name, ctype, dec)                                           \
    int pqg_get_##name(pqg_row *r, int col, ctype *out)                          \
    {                                                                            \
        ctype x;                                                                 \
        memset(&x, 0, sizeof x);                                                 \
        bool isnull = false;                                                     \
        int rc = get_fixed(r, col, dec, &x, false, &isnull);                     \
        if (rc == 0)                                                             \
            *out = x;                                                            \
        return rc;                                                               \
    }                                                                            \
    int pqg_get_null_##name(pqg_row *r, int col, pqg_null_##name *out)           \
    {                                                                            \
        bool isnull = false;                                                     \
        memset(out, 0, sizeof *out);                                             \
        int rc = get_fixed(r, col, dec, &out->value, true, &isnull);             \
        if (rc == 0 && !isnull)                                                  \
            out->valid = true;                                                   \
        else                                                                     \
            memset(out, 0, sizeof *out);                                         \
        return rc;                                                               \
    }
FIXED_GETTER(bool, bool, pqg__dec_bool)
FIXED_GETTER(uuid, pqg_uuid, pqg__dec_uuid)
FIXED_GETTER(timestamp, pqg_timestamp, pqg__dec_timestamp)
FIXED_GETTER(date, pqg_date, pqg__dec_date)
FIXED_GETTER(interval, pqg_interval, pqg__dec_interval)
#undef FIXED_GETTER

/* Types whose binary form is not their text: a text getter on them is a generator bug. */
static bool
binary_not_text(uint32_t t)
{
    switch (t) {
    case PQG__OID_BOOL: case PQG__OID_INT8: case PQG__OID_INT2: case PQG__OID_INT4:
    case PQG__OID_OID: case PQG__OID_FLOAT4: case PQG__OID_FLOAT8: case PQG__OID_DATE:
    case PQG__OID_TIME: case PQG__OID_TIMESTAMP: case PQG__OID_TIMESTAMPTZ:
    case PQG__OID_INTERVAL: case PQG__OID_UUID: case PQG__OID_BYTEA:
        return true;
    default:
        return false;
    }
}

static int
copy_text(pqg_row *r, int col, const char *v, size_t len, const char **out)
{
    char *p = pqg__bump_alloc(&r->mem, len + 1, 1);
    if (!p)
        return pqg__row_error(r, col, "internal: result block too small");
    memcpy(p, v, len);
    p[len] = '\0';
    *out = p;
    return 0;
}

static int
get_numeric_text(pqg_row *r, int col, const char *v, int len, const char **out)
{
    size_t cap = pqg__numeric_text_bound(v, (size_t)len) + 1;
    char *p = pqg__bump_alloc(&r->mem, cap, 1);
    if (!p)
        return pqg__row_error(r, col, "internal: result block too small");
    if (pqg__numeric_decode(v, (size_t)len, p, cap) != 0)
        return pqg__row_error(r, col, "malformed binary numeric");
    *out = p;
    return 0;
}

int
pqg_get_text(pqg_row *r, int col, const char **out)
{
    const char *v;
    int len;
    *out = NULL;
    int rc = fetch(r, col, &v, &len, true);
    if (rc || !v)
        return rc;
    uint32_t t = coltype(r, col);
    if (t == PQG__OID_NUMERIC)
        return get_numeric_text(r, col, v, len, out);
    if (t == PQG__OID_JSONB)
        return pqg_get_json(r, col, out);
    if (binary_not_text(t))
        return pqg__row_error(r, col, "type oid %u is not text-like", t);
    return copy_text(r, col, v, (size_t)len, out);
}

int
pqg_get_numeric(pqg_row *r, int col, const char **out)
{
    const char *v;
    int len;
    *out = NULL;
    int rc = fetch(r, col, &v, &len, true);
    if (rc || !v)
        return rc;
    uint32_t t = coltype(r, col);
    if (t == PQG__OID_NUMERIC)
        return get_numeric_text(r, col, v, len, out);
    if (t == PQG__OID_INT2 || t == PQG__OID_INT4 || t == PQG__OID_INT8) {
        int64_t x = 0;
        pqg__dec_int(v, len, t, &x);
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%lld", (long long)x);
        return copy_text(r, col, buf, (size_t)n, out);
    }
    return pqg__row_error(r, col, "type oid %u is not numeric", t);
}

int
pqg_get_json(pqg_row *r, int col, const char **out)
{
    const char *v;
    int len;
    *out = NULL;
    int rc = fetch(r, col, &v, &len, true);
    if (rc || !v)
        return rc;
    uint32_t t = coltype(r, col);
    if (t == PQG__OID_JSONB) {
        if (len < 1 || v[0] != 1)
            return pqg__row_error(r, col, "unsupported jsonb binary version");
        return copy_text(r, col, v + 1, (size_t)len - 1, out);
    }
    if (binary_not_text(t) || t == PQG__OID_NUMERIC)
        return pqg__row_error(r, col, "type oid %u is not json", t);
    return copy_text(r, col, v, (size_t)len, out);
}

int
pqg_get_bytes(pqg_row *r, int col, pqg_bytes *out)
{
    const char *v;
    int len;
    out->data = NULL;
    out->len = 0;
    int rc = fetch(r, col, &v, &len, true);
    if (rc || !v)
        return rc;
    /* A non-NULL pointer even for an empty value, so "empty" and "NULL" stay apart. */
    uint8_t *p = pqg__bump_alloc(&r->mem, (size_t)len ? (size_t)len : 1, 1);
    if (!p)
        return pqg__row_error(r, col, "internal: result block too small");
    memcpy(p, v, (size_t)len);
    out->data = p;
    out->len = (size_t)len;
    return 0;
}

int
pqg_get_vector(pqg_row *r, int col, pqg_vector *out)
{
    const char *v;
    int len;
    out->items = NULL;
    out->len = 0;
    int rc = fetch(r, col, &v, &len, true);
    if (rc || !v)
        return rc;
    if (len < 4)
        return pqg__row_error(r, col, "is not a vector");
    size_t dim = pqg__get16(v);
    if ((size_t)len != 4 + 4 * dim)
        return pqg__row_error(r, col, "is not a vector (%d bytes for %zu dimensions)", len, dim);
    float *items = pqg__bump_alloc(&r->mem, dim ? dim * sizeof(float) : 1, _Alignof(float));
    if (!items)
        return pqg__row_error(r, col, "internal: result block too small");
    for (size_t i = 0; i < dim; i++) {
        uint32_t u = pqg__get32(v + 4 + 4 * i);
        memcpy(&items[i], &u, 4);
    }
    out->items = items;
    out->len = dim;
    return 0;
}

/* Labels are few (tens): a linear scan beats building an index per call. */
int
pqg__enum_lookup(const char *v, size_t len, const char *const *labels, int n_labels)
{
    for (int i = 0; i < n_labels; i++)
        if (strlen(labels[i]) == len && memcmp(labels[i], v, len) == 0)
            return i + 1;
    return 0;
}

static int
get_enum(pqg_row *r, int col, const char *const *labels, int n_labels, int *out, bool nullable)
{
    const char *v;
    int len;
    *out = 0;
    int rc = fetch(r, col, &v, &len, nullable);
    if (rc || !v)
        return rc;
    int e = pqg__enum_lookup(v, (size_t)len, labels, n_labels);
    if (!e)
        return pqg__row_error(r, col, "unknown enum label \"%.*s\" (the enum changed: regenerate)",
                              len > 100 ? 100 : len, v);
    *out = e;
    return 0;
}

int
pqg_get_enum(pqg_row *r, int col, const char *const *labels, int n_labels, int *out)
{
    return get_enum(r, col, labels, n_labels, out, false);
}

int
pqg_get_null_enum(pqg_row *r, int col, const char *const *labels, int n_labels, int *out)
{
    return get_enum(r, col, labels, n_labels, out, true);
}

bool
pqg_row_all_null(pqg_row *r, int first, int n)
{
    if (!r || first < 0 || first + n > PQnfields(r->res))
        return false;
    for (int c = first; c < first + n; c++)
        if (!PQgetisnull(r->res, r->row, c))
            return false;
    return true;
}

/* ---------- block sizing ---------- */

static bool
is_known_array(uint32_t t)
{
    switch (t) {
    case 1000: case 1001: case 1005: case 1007: case 1009: case 1014: case 1015: case 1016:
    case 1021: case 1022: case 1115: case 1182: case 1185: case 1187: case 1231: case 2951:
    case 199: case 3807: case 1028:
        return true;
    default:
        return false;
    }
}

size_t
pqg__field_bound(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    uint32_t t = (uint32_t)PQftype(res, col);
    size_t len = (size_t)PQgetlength(res, row, col);
    const char *v = PQgetvalue(res, row, col);
    switch (t) {
    /* Fixed-size values decode into the row struct; only pqg_get_numeric on an integer column
     * writes text ("-9223372036854775808" and a NUL). */
    case PQG__OID_INT2:
        return 8;
    case PQG__OID_INT4:
        return 12;
    case PQG__OID_INT8:
        return 21;
    case PQG__OID_BOOL: case PQG__OID_FLOAT4: case PQG__OID_FLOAT8: case PQG__OID_DATE:
    case PQG__OID_TIMESTAMP: case PQG__OID_TIMESTAMPTZ: case PQG__OID_INTERVAL:
    case PQG__OID_UUID:
        return 0;
    case PQG__OID_NUMERIC:
        return pqg__numeric_text_bound(v, len) + 2;
    default:
        break;
    }
    /* Arrays: decoded items (pointers, pqg_bytes, enums as int) are at most 4x their wire size
     * (a 4-byte length word per element), plus alignment. Enum arrays have dynamic OIDs, so an
     * unknown type whose value starts like a 1-D array header is sized as one: text never
     * holds NUL bytes, and a vector's first word is dim << 16. */
    if (is_known_array(t) ||
        (t >= 16384 && len >= 12 && v[0] == 0 && pqg__get32(v) <= 6))
        return 4 * len + 16;
    return len + 16; /* text (len + NUL), bytes, json, vector (floats <= wire) */
}
