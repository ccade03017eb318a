/*
 * codec_get.c - result getters (pqg_get_*) for scalars, text-like values, numeric, json,
 * bytea, vector and enums, the element decoders codec_array.c reuses, and the result layout:
 * per-column facts decided once per result, from which the drivers in conn.c size one block per
 * call looking only at variable-length columns. Getters are sticky: after the first error in a
 * row they return it without decoding.
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
    const char *cname = (r->res && col >= 0 && col < r->nfields) ? PQfname(r->res, col) : "?";
    pqg__set_error(PQG_EDECODE, r->st ? r->st->name : NULL, "query %s: column %d (%s): %s", qname,
                   col, cname, what);
    r->err = PQG_EDECODE;
    return PQG_EDECODE;
}

void *
pqg__row_alloc(pqg_row *r, int col, size_t n, size_t align)
{
    if (r->cols[col].kind != PQG__COL_FIXED) {
        void *p = pqg__bump_alloc(&r->mem, n, align);
        if (p)
            return p;
    }
    if (!r->full) {
        /* The lean sizing gave this column no room (a getter writing text for a fixed-size
         * column, e.g. pqg_get_numeric on int8): stop here, the driver sizes again. */
        r->short_block = true;
        if (!r->err)
            r->err = PQG_EDECODE;
        return NULL;
    }
    pqg__row_error(r, col, "internal: result block too small");
    return NULL;
}

/* Fetches (col) of the current row. *v = NULL for SQL NULL when nullable, else an error.
 * Two libpq calls per value: libpq reports length 0 for NULL, and no non-NULL binary value of
 * a fixed-size type is empty, so PQgetisnull is asked only about empty values. */
static inline int
fetch(pqg_row *r, int col, const char **v, int *len, bool nullable)
{
    *v = NULL;
    *len = 0;
    if (!r)
        return pqg__set_error(PQG_EINVAL, NULL, "row is NULL");
    if (r->err)
        return r->err;
    if ((unsigned)col >= (unsigned)r->nfields)
        return pqg__row_error(r, col, "no such column (the result has %d)", r->nfields);
    int n = PQgetlength(r->res, r->row, col);
    if (n == 0 && PQgetisnull(r->res, r->row, col)) {
        if (nullable)
            return 0;
        return pqg__row_error(r, col, "is NULL but the generated type is not nullable");
    }
    *v = PQgetvalue(r->res, r->row, col);
    *len = n;
    return 0;
}

/* The column's type; col was checked by fetch(). */
static inline uint32_t
coltype(const pqg_row *r, int col)
{
    return r->cols[col].oid;
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

/* Integers of any width the column has, range-checked for the C type. */
static int
int_value(pqg_row *r, int col, const char *v, int len, int64_t *out, int64_t lo, int64_t hi)
{
    uint32_t t = coltype(r, col);
    if (is_float_oid(t) || t == PQG__OID_NUMERIC)
        return pqg__row_error(r, col, "type oid %u is not an integer", t);
    const char *bad = pqg__dec_int(v, len, t, out);
    if (bad)
        return pqg__row_error(r, col, "%s (%d bytes)", bad, len);
    if (*out < lo || *out > hi)
        return pqg__row_error(r, col, "value %lld out of range for the C type", (long long)*out);
    return 0;
}

/* Each getter first tries the case generated code makes: the column is of the getter's own
 * type (oid, wire length), decoded in line; anything else takes the general path. */
#define INT_GETTER(name, ctype, lo, hi, oid, wire, load)                         \
    int pqg_get_##name(pqg_row *r, int col, ctype *out)                          \
    {                                                                            \
        const char *v;                                                           \
        int len;                                                                 \
        int rc = fetch(r, col, &v, &len, false);                                 \
        if (rc)                                                                  \
            return rc;                                                           \
        if (coltype(r, col) == (oid) && len == (wire)) {                         \
            *out = (ctype)load(v);                                               \
            return 0;                                                            \
        }                                                                        \
        int64_t x = 0;                                                           \
        rc = int_value(r, col, v, len, &x, lo, hi);                              \
        if (rc == 0)                                                             \
            *out = (ctype)x;                                                     \
        return rc;                                                               \
    }                                                                            \
    int pqg_get_null_##name(pqg_row *r, int col, pqg_null_##name *out)           \
    {                                                                            \
        const char *v;                                                           \
        int len;                                                                 \
        memset(out, 0, sizeof *out);                                             \
        int rc = fetch(r, col, &v, &len, true);                                  \
        if (rc || !v)                                                            \
            return rc;                                                           \
        int64_t x = 0;                                                           \
        if (coltype(r, col) == (oid) && len == (wire))                           \
            x = (ctype)load(v);                                                  \
        else if ((rc = int_value(r, col, v, len, &x, lo, hi)) != 0)              \
            return rc;                                                           \
        out->value = (ctype)x;                                                   \
        out->valid = true;                                                       \
        return 0;                                                                \
    }
INT_GETTER(int16, int16_t, INT16_MIN, INT16_MAX, PQG__OID_INT2, 2, (int16_t)pqg__get16)
INT_GETTER(int32, int32_t, INT32_MIN, INT32_MAX, PQG__OID_INT4, 4, (int32_t)pqg__get32)
INT_GETTER(int64, int64_t, INT64_MIN, INT64_MAX, PQG__OID_INT8, 8, (int64_t)pqg__get64)
#undef INT_GETTER

/* float4, float8 or an integer column, as a double. */
static int
double_value(pqg_row *r, int col, const char *v, int len, double *out)
{
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

static inline float
load_float4(const char *v)
{
    uint32_t u = pqg__get32(v);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline double
load_float8(const char *v)
{
    uint64_t u = pqg__get64(v);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

#define FLOAT_GETTER(name, ctype, oid, wire, load)                               \
    int pqg_get_##name(pqg_row *r, int col, ctype *out)                          \
    {                                                                            \
        const char *v;                                                           \
        int len;                                                                 \
        int rc = fetch(r, col, &v, &len, false);                                 \
        if (rc)                                                                  \
            return rc;                                                           \
        if (coltype(r, col) == (oid) && len == (wire)) {                         \
            *out = load(v);                                                      \
            return 0;                                                            \
        }                                                                        \
        double x = 0;                                                            \
        rc = double_value(r, col, v, len, &x);                                   \
        if (rc == 0)                                                             \
            *out = (ctype)x;                                                     \
        return rc;                                                               \
    }                                                                            \
    int pqg_get_null_##name(pqg_row *r, int col, pqg_null_##name *out)           \
    {                                                                            \
        const char *v;                                                           \
        int len;                                                                 \
        memset(out, 0, sizeof *out);                                             \
        int rc = fetch(r, col, &v, &len, true);                                  \
        if (rc || !v)                                                            \
            return rc;                                                           \
        if (coltype(r, col) == (oid) && len == (wire)) {                         \
            out->value = load(v);                                                \
        } else {                                                                 \
            double x = 0;                                                        \
            if ((rc = double_value(r, col, v, len, &x)) != 0)                    \
                return rc;                                                       \
            out->value = (ctype)x;                                               \
        }                                                                        \
        out->valid = true;                                                       \
        return 0;                                                                \
    }
FLOAT_GETTER(float, float, PQG__OID_FLOAT4, 4, load_float4)
FLOAT_GETTER(double, double, PQG__OID_FLOAT8, 8, load_float8)
#undef FLOAT_GETTER

/* Fixed-size scalars: each checks the length (and the OID when the server's type is known). */
static inline const char *
dec_bool(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 1 || (oid != PQG__OID_BOOL && oid != 0))
        return "is not a bool";
    *(bool *)out = v[0] != 0;
    return NULL;
}

static inline const char *
dec_uuid(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 16 || (oid != PQG__OID_UUID && oid < 16384 && oid != 0))
        return "is not a uuid";
    memcpy(((pqg_uuid *)out)->bytes, v, 16);
    return NULL;
}

static inline const char *
dec_timestamp(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 8 || (oid != PQG__OID_TIMESTAMP && oid != PQG__OID_TIMESTAMPTZ && oid != 0))
        return "is not a timestamp or timestamptz";
    int64_t w = (int64_t)pqg__get64(v);
    *(pqg_timestamp *)out = (w == INT64_MAX || w == INT64_MIN) ? w : w + PQG__PG_EPOCH_USEC;
    return NULL;
}

static inline const char *
dec_date(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 4 || (oid != PQG__OID_DATE && oid != 0))
        return "is not a date";
    int32_t w = (int32_t)pqg__get32(v);
    *(pqg_date *)out = (w == INT32_MAX || w == INT32_MIN) ? w : w + PQG__PG_EPOCH_DAYS;
    return NULL;
}

static inline const char *
dec_interval(const char *v, int len, uint32_t oid, void *out)
{
    if (len != 16 || (oid != PQG__OID_INTERVAL && oid != 0))
        return "is not an interval";
    pqg_interval *iv = out;
    iv->usec = (int64_t)pqg__get64(v);
    iv->days = (int32_t)pqg__get32(v + 8);
    iv->months = (int32_t)pqg__get32(v + 12);
    return NULL;
}

/* The element decoders codec_array.c reuses (called through a pointer there). */
const char *
pqg__dec_bool(const char *v, int len, uint32_t oid, void *out)
{
    return dec_bool(v, len, oid, out);
}

const char *
pqg__dec_uuid(const char *v, int len, uint32_t oid, void *out)
{
    return dec_uuid(v, len, oid, out);
}

const char *
pqg__dec_timestamp(const char *v, int len, uint32_t oid, void *out)
{
    return dec_timestamp(v, len, oid, out);
}

const char *
pqg__dec_date(const char *v, int len, uint32_t oid, void *out)
{
    return dec_date(v, len, oid, out);
}

const char *
pqg__dec_interval(const char *v, int len, uint32_t oid, void *out)
{
    return dec_interval(v, len, oid, out);
}

static int
fixed_error(pqg_row *r, int col, const char *bad, int len)
{
    return pqg__row_error(r, col, "%s (type oid %u, %d bytes)", bad, coltype(r, col), len);
}

/* dec is called directly (in line) on the value; it checks length and type itself. */
#define FIXED_GETTER(name, ctype, dec)                                           \
    int pqg_get_##name(pqg_row *r, int col, ctype *out)                          \
    {                                                                            \
        const char *v;                                                           \
        int len;                                                                 \
        int rc = fetch(r, col, &v, &len, false);                                 \
        if (rc)                                                                  \
            return rc;                                                           \
        ctype x;                                                                 \
        const char *bad = dec(v, len, coltype(r, col), &x);                      \
        if (bad)                                                                 \
            return fixed_error(r, col, bad, len);                                \
        *out = x;                                                                \
        return 0;                                                                \
    }                                                                            \
    int pqg_get_null_##name(pqg_row *r, int col, pqg_null_##name *out)           \
    {                                                                            \
        const char *v;                                                           \
        int len;                                                                 \
        memset(out, 0, sizeof *out);                                             \
        int rc = fetch(r, col, &v, &len, true);                                  \
        if (rc || !v)                                                            \
            return rc;                                                           \
        const char *bad = dec(v, len, coltype(r, col), &out->value);             \
        if (bad) {                                                               \
            memset(out, 0, sizeof *out);                                         \
            return fixed_error(r, col, bad, len);                                \
        }                                                                        \
        out->valid = true;                                                       \
        return 0;                                                                \
    }
FIXED_GETTER(bool, bool, dec_bool)
FIXED_GETTER(uuid, pqg_uuid, dec_uuid)
FIXED_GETTER(timestamp, pqg_timestamp, dec_timestamp)
FIXED_GETTER(date, pqg_date, dec_date)
FIXED_GETTER(interval, pqg_interval, dec_interval)
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

static inline int
copy_text(pqg_row *r, int col, const char *v, size_t len, const char **out)
{
    pqg__bump *b = &r->mem;
    char *p;
    if (r->cols[col].kind != PQG__COL_FIXED && b->cap - b->used > len) {
        p = b->base + b->used; /* the common case of pqg__row_alloc, in line */
        b->used += len + 1;
    } else if (!(p = pqg__row_alloc(r, col, len + 1, 1))) {
        return r->err;
    }
    memcpy(p, v, len);
    p[len] = '\0';
    *out = p;
    return 0;
}

static int
get_numeric_text(pqg_row *r, int col, const char *v, int len, const char **out)
{
    size_t cap = pqg__numeric_text_bound(v, (size_t)len) + 1;
    char *p = pqg__row_alloc(r, col, cap, 1);
    if (!p)
        return r->err;
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
    if (t == PQG__OID_TEXT || t == PQG__OID_VARCHAR)
        return copy_text(r, col, v, (size_t)len, out);
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
    uint8_t *p = pqg__row_alloc(r, col, (size_t)len ? (size_t)len : 1, 1);
    if (!p)
        return r->err;
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
    float *items = pqg__row_alloc(r, col, dim ? dim * sizeof(float) : 1, _Alignof(float));
    if (!items)
        return r->err;
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
    if (!r || first < 0 || n < 0 || first > r->nfields - n)
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

/* The kind of a binary column of type t under a lean layout (one switch: this runs for every
 * column of every result). */
static uint8_t
lean_kind(uint32_t t)
{
    switch (t) {
    case PQG__OID_BOOL: case PQG__OID_INT8: case PQG__OID_INT2: case PQG__OID_INT4:
    case PQG__OID_OID: case PQG__OID_FLOAT4: case PQG__OID_FLOAT8: case PQG__OID_DATE:
    case PQG__OID_TIME: case PQG__OID_TIMESTAMP: case PQG__OID_TIMESTAMPTZ:
    case PQG__OID_INTERVAL: case PQG__OID_UUID:
        return PQG__COL_FIXED;
    case PQG__OID_TEXT: case PQG__OID_VARCHAR: case PQG__OID_BPCHAR: case PQG__OID_NAME:
    case PQG__OID_CHAR: case PQG__OID_JSON: case PQG__OID_JSONB: case PQG__OID_XML:
    case PQG__OID_BYTEA: case PQG__OID_UNKNOWN:
        return PQG__COL_TEXT;
    case PQG__OID_NUMERIC:
        return PQG__COL_NUMERIC;
    default:
        return is_known_array(t) ? PQG__COL_ARRAY : PQG__COL_OTHER;
    }
}

/* Room a RESERVED column keeps per row: a fixed-size value is at most 16 bytes, and the most
 * a getter writes for one is pqg_get_numeric's "-9223372036854775808" and a NUL (21 bytes),
 * pqg_get_bytes' copy (16) or a vector's floats (12, aligned). */
#define RESERVED_BYTES 32

static uint8_t
col_kind(uint32_t t, bool binary, bool declared, bool full)
{
    if (!binary)
        return PQG__COL_OTHER;
    uint8_t kind = lean_kind(t);
    if (kind == PQG__COL_FIXED)
        /* Generated code reads a declared fixed-size column with its own getter, which writes
         * into the row struct; anything else (hand-written statements, overrides) gets room,
         * up front when undeclared, after one short block otherwise. */
        return declared && !full ? PQG__COL_FIXED : PQG__COL_RESERVED;
    if (kind == PQG__COL_TEXT && full)
        return PQG__COL_OTHER;
    return kind;
}

int
pqg__layout_init(pqg__layout *l, const PGresult *res, const pqg_stmt *st, bool full)
{
    int n = PQnfields(res);
    l->n = n;
    l->n_var = 0;
    l->full = full;
    l->per_row = 0;
    l->heap = NULL;
    l->cols = l->cols_inline;
    l->var = l->var_inline;
    if (n > PQG__COLS_INLINE) {
        size_t cols_size = pqg__align((size_t)n * sizeof *l->cols, _Alignof(int));
        char *h = pqg__malloc(cols_size + (size_t)n * sizeof *l->var);
        if (!h)
            return pqg__set_error(PQG_ENOMEM, st ? st->name : NULL, "out of memory");
        l->heap = h;
        l->cols = (pqg__col *)(void *)h;
        l->var = (int *)(void *)(h + cols_size);
    }
    bool binary = PQbinaryTuples(res) == 1;
    const uint32_t *declared = st && st->n_columns == n ? st->column_types : NULL;
    for (int i = 0; i < n; i++) {
        uint32_t want = declared ? declared[i] : 0;
        uint32_t t = want ? want : (uint32_t)PQftype(res, i);
        uint8_t kind = col_kind(t, binary, want != 0, full);
        l->cols[i].oid = t;
        l->cols[i].kind = kind;
        if (kind == PQG__COL_RESERVED)
            l->per_row += RESERVED_BYTES;
        else if (kind != PQG__COL_FIXED)
            l->var[l->n_var++] = i;
    }
    return 0;
}

void
pqg__layout_free(pqg__layout *l)
{
    pqg__free(l->heap);
    l->heap = NULL;
}

size_t
pqg__layout_row_bound(const pqg__layout *l, const PGresult *res, int row)
{
    size_t n = l->per_row;
    for (int k = 0; k < l->n_var; k++) {
        int col = l->var[k];
        /* libpq reports length 0 for NULL: only an empty value needs the second question. */
        size_t len = (size_t)PQgetlength(res, row, col);
        if (len == 0 && PQgetisnull(res, row, col))
            continue;
        switch (l->cols[col].kind) {
        case PQG__COL_TEXT:
            n += len + 1; /* text and json (len + NUL), bytea (len, 1 when empty) */
            break;
        case PQG__COL_NUMERIC:
            n += pqg__numeric_text_bound(PQgetvalue(res, row, col), len) + 2;
            break;
        case PQG__COL_ARRAY:
            /* Decoded items (pointers, pqg_bytes, enums as int) are at most 4x their wire size
             * (a 4-byte length word per element), plus alignment. */
            n += 4 * len + 16;
            break;
        default: {
            /* Enum arrays have dynamic OIDs, so an unknown type whose value starts like a 1-D
             * array header is sized as one: text never holds NUL bytes, and a vector's first
             * word is dim << 16. */
            const char *v = len >= 12 ? PQgetvalue(res, row, col) : NULL;
            if (v && l->cols[col].oid >= 16384 && v[0] == 0 && pqg__get32(v) <= 6)
                n += 4 * len + 16;
            else
                n += len + 16; /* text (len + NUL), bytes, json, vector (floats <= wire) */
            break;
        }
        }
    }
    return n;
}
