/*
 * codec_array.c - one-dimensional arrays: binders (binary when the declared parameter type is
 * the array type the binder knows, else PostgreSQL's text form '{"a",NULL}', which the server
 * can infer for enum arrays and OID 0) and getters (binary results, NULL elements allowed only
 * where the C element can say NULL: text and bytes). Scalar codecs are in codec.c.
 */
#include <stdio.h>
#include <string.h>

#include "pqg_int.h"

static uint32_t
declared(const pqg_args *a)
{
    const pqg_stmt *st = a->stmt;
    if (st && st->param_types && a->n < st->n_params)
        return st->param_types[a->n];
    return 0;
}

/* --- binders --- */

typedef struct arr_desc {
    uint32_t array_oid, elem_oid;    /* binary when the declared type is array_oid */
    uint32_t array_oid2, elem_oid2;  /* a second accepted array type (timestamp[]), or 0 */
    size_t csize;                    /* sizeof the C element */
    int wire;                        /* wire bytes per element */
    void (*put)(char *dst, const void *item);
    int (*text)(char *dst, const void *item);  /* text form, <= 64 chars */
} arr_desc;

static void
put_i16(char *d, const void *p)
{
    pqg__put16(d, (uint16_t) * (const int16_t *)p);
}
static void
put_i32(char *d, const void *p)
{
    pqg__put32(d, (uint32_t) * (const int32_t *)p);
}
static void
put_i64(char *d, const void *p)
{
    pqg__put64(d, (uint64_t) * (const int64_t *)p);
}
static void
put_f32(char *d, const void *p)
{
    uint32_t u;
    memcpy(&u, p, 4);
    pqg__put32(d, u);
}
static void
put_f64(char *d, const void *p)
{
    uint64_t u;
    memcpy(&u, p, 8);
    pqg__put64(d, u);
}
static void
put_bool(char *d, const void *p)
{
    d[0] = *(const bool *)p ? 1 : 0;
}
static void
put_uuid(char *d, const void *p)
{
    memcpy(d, ((const pqg_uuid *)p)->bytes, 16);
}
static void
put_ts(char *d, const void *p)
{
    int64_t v = *(const int64_t *)p;
    pqg__put64(d, (uint64_t)((v == INT64_MAX || v == INT64_MIN) ? v : v - PQG__PG_EPOCH_USEC));
}
static void
put_date(char *d, const void *p)
{
    int32_t v = *(const int32_t *)p;
    pqg__put32(d, (uint32_t)((v == INT32_MAX || v == INT32_MIN) ? v : v - PQG__PG_EPOCH_DAYS));
}

static int
text_i16(char *d, const void *p)
{
    return sprintf(d, "%d", *(const int16_t *)p);
}
static int
text_i32(char *d, const void *p)
{
    return sprintf(d, "%d", *(const int32_t *)p);
}
static int
text_i64(char *d, const void *p)
{
    return sprintf(d, "%lld", (long long)*(const int64_t *)p);
}
static int
text_f32(char *d, const void *p)
{
    return sprintf(d, "%.9g", (double)*(const float *)p);
}
static int
text_f64(char *d, const void *p)
{
    return sprintf(d, "%.17g", *(const double *)p);
}
static int
text_bool(char *d, const void *p)
{
    return sprintf(d, "%s", *(const bool *)p ? "t" : "f");
}
static int
text_uuid(char *d, const void *p)
{
    pqg_uuid_format(*(const pqg_uuid *)p, d);
    return 36;
}
static int
text_ts(char *d, const void *p)
{
    pqg_timestamp_format(*(const pqg_timestamp *)p, d);
    return (int)strlen(d);
}
static int
text_date(char *d, const void *p)
{
    /* Through timestamp formatting at midnight, then cut the time off. */
    int32_t v = *(const int32_t *)p;
    if (v == INT32_MAX || v == INT32_MIN)
        return sprintf(d, "%s", v > 0 ? "infinity" : "-infinity");
    char buf[40];
    pqg_timestamp_format((int64_t)v * INT64_C(86400000000), buf);
    const char *bc = strstr(buf, " BC");
    return sprintf(d, "%.10s%s", buf, bc ? " BC" : "");
}

/* Escapes s into a double-quoted array element; returns the bytes written. */
static size_t
quote_elem(char *d, const char *s, size_t n)
{
    size_t o = 0;
    d[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            d[o++] = '\\';
        d[o++] = s[i];
    }
    d[o++] = '"';
    return o;
}

static void
write_header(char *p, int has_null, uint32_t elem, size_t n)
{
    pqg__put32(p, n ? 1 : 0);
    pqg__put32(p + 4, (uint32_t)has_null);
    pqg__put32(p + 8, elem);
    if (n) {
        pqg__put32(p + 12, (uint32_t)n);
        pqg__put32(p + 16, 1);
    }
}

static void
bind_fixed(pqg_args *a, const void *items, size_t n, const arr_desc *d)
{
    if (!items) {
        pqg_arg_null(a);
        return;
    }
    uint32_t t = declared(a);
    uint32_t elem = t == d->array_oid ? d->elem_oid
                    : (d->array_oid2 && t == d->array_oid2) ? d->elem_oid2
                                                             : 0;
    if (elem) {
        size_t size = (n ? 20 : 12) + n * (4 + (size_t)d->wire);
        char *p = pqg__args_alloc(a, size);
        if (!p) {
            pqg_arg_null(a);
            return;
        }
        write_header(p, 0, elem, n);
        char *o = p + (n ? 20 : 12);
        for (size_t i = 0; i < n; i++) {
            pqg__put32(o, (uint32_t)d->wire);
            d->put(o + 4, (const char *)items + i * d->csize);
            o += 4 + d->wire;
        }
        pqg__args_push(a, p, (int)size, 1);
        return;
    }
    char *p = pqg__args_alloc(a, 3 + n * 70);
    if (!p) {
        pqg_arg_null(a);
        return;
    }
    size_t o = 0;
    p[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        int len = d->text(buf, (const char *)items + i * d->csize);
        if (i)
            p[o++] = ',';
        o += quote_elem(p + o, buf, (size_t)len);
    }
    p[o++] = '}';
    p[o] = '\0';
    pqg__args_push(a, p, (int)o, 0);
}

#define FIXED_BINDER(name, arr, el, arr2, el2, ctype, wire, putf, textf)            \
    void pqg_arg_array_##name(pqg_args *a, pqg_array_##name v)                      \
    {                                                                               \
        static const arr_desc d = {arr, el, arr2, el2, sizeof(ctype), wire, putf, textf}; \
        bind_fixed(a, v.items, v.len, &d);                                          \
    }
FIXED_BINDER(int16, 1005, 21, 0, 0, int16_t, 2, put_i16, text_i16)
FIXED_BINDER(int32, 1007, 23, 0, 0, int32_t, 4, put_i32, text_i32)
FIXED_BINDER(int64, 1016, 20, 0, 0, int64_t, 8, put_i64, text_i64)
FIXED_BINDER(float, 1021, 700, 0, 0, float, 4, put_f32, text_f32)
FIXED_BINDER(double, 1022, 701, 0, 0, double, 8, put_f64, text_f64)
FIXED_BINDER(bool, 1000, 16, 0, 0, bool, 1, put_bool, text_bool)
FIXED_BINDER(uuid, 2951, 2950, 0, 0, pqg_uuid, 16, put_uuid, text_uuid)
FIXED_BINDER(timestamp, 1185, 1184, 1115, 1114, pqg_timestamp, 8, put_ts, text_ts)
FIXED_BINDER(date, 1182, 1082, 0, 0, pqg_date, 4, put_date, text_date)
#undef FIXED_BINDER

void
pqg_arg_array_text(pqg_args *a, pqg_array_text v)
{
    if (!v.items) {
        pqg_arg_null(a);
        return;
    }
    uint32_t t = declared(a), elem = 0;
    if (t == PQG__OID_TEXTARRAY)
        elem = PQG__OID_TEXT;
    else if (t == PQG__OID_VARCHARARRAY)
        elem = PQG__OID_VARCHAR;
    else if (t == PQG__OID_BPCHARARRAY)
        elem = PQG__OID_BPCHAR;
    size_t total = 0;
    int has_null = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.items[i])
            total += strlen(v.items[i]);
        else
            has_null = 1;
    }
    if (elem) {
        size_t size = (v.len ? 20 : 12) + 4 * v.len + total;
        char *p = pqg__args_alloc(a, size);
        if (!p) {
            pqg_arg_null(a);
            return;
        }
        write_header(p, has_null, elem, v.len);
        char *o = p + (v.len ? 20 : 12);
        for (size_t i = 0; i < v.len; i++) {
            if (!v.items[i]) {
                pqg__put32(o, UINT32_MAX);
                o += 4;
                continue;
            }
            size_t n = strlen(v.items[i]);
            pqg__put32(o, (uint32_t)n);
            memcpy(o + 4, v.items[i], n);
            o += 4 + n;
        }
        pqg__args_push(a, p, (int)size, 1);
        return;
    }
    /* Text form: each element quoted, so commas, braces, quotes and "NULL" survive. */
    char *p = pqg__args_alloc(a, 3 + v.len * 5 + 2 * total);
    if (!p) {
        pqg_arg_null(a);
        return;
    }
    size_t o = 0;
    p[o++] = '{';
    for (size_t i = 0; i < v.len; i++) {
        if (i)
            p[o++] = ',';
        if (!v.items[i]) {
            memcpy(p + o, "NULL", 4);
            o += 4;
        } else {
            o += quote_elem(p + o, v.items[i], strlen(v.items[i]));
        }
    }
    p[o++] = '}';
    p[o] = '\0';
    pqg__args_push(a, p, (int)o, 0);
}

void
pqg_arg_array_enum(pqg_args *a, const int *items, size_t len, const char *const *labels,
                   int n_labels)
{
    if (!items) {
        pqg_arg_null(a);
        return;
    }
    /* Sent as a text-format array literal whatever the declared type: an enum array's OID is
     * not fixed, and the query's cast (@roles::message_role[]) turns text[] into it. */
    size_t total = 0;
    for (size_t i = 0; i < len; i++) {
        if (items[i] < 1 || items[i] > n_labels) {
            if (!a->err)
                a->err = PQG_EINVAL; /* not a value of the generated enum */
            pqg_arg_null(a);
            return;
        }
        total += strlen(labels[items[i] - 1]);
    }
    char *p = pqg__args_alloc(a, 3 + len * 3 + 2 * total);
    if (!p) {
        pqg_arg_null(a);
        return;
    }
    size_t o = 0;
    p[o++] = '{';
    for (size_t i = 0; i < len; i++) {
        if (i)
            p[o++] = ',';
        const char *label = labels[items[i] - 1];
        o += quote_elem(p + o, label, strlen(label));
    }
    p[o++] = '}';
    p[o] = '\0';
    pqg__args_push(a, p, (int)o, 0);
}

void
pqg_arg_array_bytes(pqg_args *a, pqg_array_bytes v)
{
    if (!v.items) {
        pqg_arg_null(a);
        return;
    }
    size_t total = 0;
    int has_null = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.items[i].data)
            total += v.items[i].len;
        else
            has_null = 1;
    }
    if (declared(a) == 1001) {
        size_t size = (v.len ? 20 : 12) + 4 * v.len + total;
        char *p = pqg__args_alloc(a, size);
        if (!p) {
            pqg_arg_null(a);
            return;
        }
        write_header(p, has_null, PQG__OID_BYTEA, v.len);
        char *o = p + (v.len ? 20 : 12);
        for (size_t i = 0; i < v.len; i++) {
            if (!v.items[i].data) {
                pqg__put32(o, UINT32_MAX);
                o += 4;
                continue;
            }
            pqg__put32(o, (uint32_t)v.items[i].len);
            memcpy(o + 4, v.items[i].data, v.items[i].len);
            o += 4 + v.items[i].len;
        }
        pqg__args_push(a, p, (int)size, 1);
        return;
    }
    /* Text form: "\\x0a0b" per element (the backslash escaped inside quotes). */
    char *p = pqg__args_alloc(a, 3 + v.len * 8 + 2 * total);
    if (!p) {
        pqg_arg_null(a);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    p[o++] = '{';
    for (size_t i = 0; i < v.len; i++) {
        if (i)
            p[o++] = ',';
        if (!v.items[i].data) {
            memcpy(p + o, "NULL", 4);
            o += 4;
            continue;
        }
        memcpy(p + o, "\"\\\\x", 4);
        o += 4;
        for (size_t j = 0; j < v.items[i].len; j++) {
            p[o++] = hex[v.items[i].data[j] >> 4];
            p[o++] = hex[v.items[i].data[j] & 15];
        }
        p[o++] = '"';
    }
    p[o++] = '}';
    p[o] = '\0';
    pqg__args_push(a, p, (int)o, 0);
}

/* --- getters --- */

typedef struct arr_view {
    uint32_t elem;
    size_t n;
    bool has_null;
    const char *data, *end;
} arr_view;

/* Reads the array header of (col); *isnull for SQL NULL. */
static int
open_array(pqg_row *r, int col, arr_view *av, bool *isnull)
{
    memset(av, 0, sizeof *av);
    *isnull = false;
    if (!r)
        return PQG_EINVAL;
    if (r->err)
        return r->err;
    if ((unsigned)col >= (unsigned)r->nfields)
        return pqg__row_error(r, col, "no such column (the result has %d)", r->nfields);
    int len = PQgetlength(r->res, r->row, col);
    if (len == 0 && PQgetisnull(r->res, r->row, col)) {
        *isnull = true;
        return 0;
    }
    const char *v = PQgetvalue(r->res, r->row, col);
    if (len < 12)
        return pqg__row_error(r, col, "is not an array");
    uint32_t ndim = pqg__get32(v);
    av->has_null = pqg__get32(v + 4) != 0;
    av->elem = pqg__get32(v + 8);
    av->end = v + len;
    if (ndim == 0) {
        av->data = v + 12;
        return 0;
    }
    if (ndim != 1)
        return pqg__row_error(r, col, "%u-dimensional arrays are not supported", ndim);
    if (len < 20)
        return pqg__row_error(r, col, "truncated array header");
    av->n = pqg__get32(v + 12);
    av->data = v + 20;
    if (av->n > (size_t)(len - 20) / 4)
        return pqg__row_error(r, col, "array length %zu exceeds its data", av->n);
    return 0;
}

/* Next element: *ev = NULL for a NULL element. */
static int
next_elem(pqg_row *r, int col, arr_view *av, const char **ev, int *elen)
{
    if (av->end - av->data < 4)
        return pqg__row_error(r, col, "truncated array");
    int32_t n = (int32_t)pqg__get32(av->data);
    av->data += 4;
    if (n < 0) {
        *ev = NULL;
        *elen = 0;
        return 0;
    }
    if (av->end - av->data < n)
        return pqg__row_error(r, col, "truncated array element");
    *ev = av->data;
    *elen = n;
    av->data += n;
    return 0;
}

static void *
items_alloc(pqg_row *r, int col, size_t n, size_t size, size_t align)
{
    return pqg__row_alloc(r, col, n ? n * size : 1, align);
}

typedef const char *(*elem_dec)(const char *v, int len, uint32_t oid, void *out);

static const char *
dec_i16(const char *v, int len, uint32_t oid, void *out)
{
    int64_t x;
    const char *bad = pqg__dec_int(v, len, oid, &x);
    if (!bad && (x < INT16_MIN || x > INT16_MAX))
        bad = "element out of range for int16";
    if (!bad)
        *(int16_t *)out = (int16_t)x;
    return bad;
}
static const char *
dec_i32(const char *v, int len, uint32_t oid, void *out)
{
    int64_t x;
    const char *bad = pqg__dec_int(v, len, oid, &x);
    if (!bad && (x < INT32_MIN || x > INT32_MAX))
        bad = "element out of range for int32";
    if (!bad)
        *(int32_t *)out = (int32_t)x;
    return bad;
}
static const char *
dec_i64(const char *v, int len, uint32_t oid, void *out)
{
    return pqg__dec_int(v, len, oid, out);
}
static const char *
dec_f32(const char *v, int len, uint32_t oid, void *out)
{
    double x;
    const char *bad = pqg__dec_double(v, len, oid, &x);
    if (!bad)
        *(float *)out = (float)x;
    return bad;
}
static const char *
dec_f64(const char *v, int len, uint32_t oid, void *out)
{
    return pqg__dec_double(v, len, oid, out);
}

static int
get_fixed_array(pqg_row *r, int col, elem_dec dec, size_t size, size_t align, void **items,
                size_t *len)
{
    *items = NULL;
    *len = 0;
    arr_view av;
    bool isnull;
    int rc = open_array(r, col, &av, &isnull);
    if (rc || isnull)
        return rc;
    char *out = items_alloc(r, col, av.n, size, align);
    if (!out)
        return r->err;
    for (size_t i = 0; i < av.n; i++) {
        const char *ev;
        int elen;
        if ((rc = next_elem(r, col, &av, &ev, &elen)))
            return rc;
        if (!ev)
            return pqg__row_error(r, col, "element %zu is NULL but the C element type cannot "
                                  "hold NULL", i + 1);
        const char *bad = dec(ev, elen, av.elem, out + i * size);
        if (bad)
            return pqg__row_error(r, col, "element %zu %s (element type oid %u)", i + 1, bad,
                                  av.elem);
    }
    *items = out;
    *len = av.n;
    return 0;
}

#define ARRAY_GETTER(name, ctype, dec)                                                   \
    int pqg_get_array_##name(pqg_row *r, int col, pqg_array_##name *out)                 \
    {                                                                                    \
        void *items;                                                                     \
        size_t len;                                                                      \
        int rc = get_fixed_array(r, col, dec, sizeof(ctype), _Alignof(ctype), &items,    \
                                 &len);                                                  \
        out->items = rc ? NULL : items;                                                  \
        out->len = rc ? 0 : len;                                                         \
        return rc;                                                                       \
    }
ARRAY_GETTER(int16, int16_t, dec_i16)
ARRAY_GETTER(int32, int32_t, dec_i32)
ARRAY_GETTER(int64, int64_t, dec_i64)
ARRAY_GETTER(float, float, dec_f32)
ARRAY_GETTER(double, double, dec_f64)
ARRAY_GETTER(bool, bool, pqg__dec_bool)
ARRAY_GETTER(uuid, pqg_uuid, pqg__dec_uuid)
ARRAY_GETTER(timestamp, pqg_timestamp, pqg__dec_timestamp)
ARRAY_GETTER(date, pqg_date, pqg__dec_date)
#undef ARRAY_GETTER

int
pqg_get_array_text(pqg_row *r, int col, pqg_array_text *out)
{
    out->items = NULL;
    out->len = 0;
    arr_view av;
    bool isnull;
    int rc = open_array(r, col, &av, &isnull);
    if (rc || isnull)
        return rc;
    const char **items = items_alloc(r, col, av.n, sizeof *items, _Alignof(const char *));
    if (!items)
        return r->err;
    for (size_t i = 0; i < av.n; i++) {
        const char *ev;
        int elen;
        if ((rc = next_elem(r, col, &av, &ev, &elen)))
            return rc;
        if (!ev) {
            items[i] = NULL;
            continue;
        }
        char *s = pqg__row_alloc(r, col, (size_t)elen + 1, 1);
        if (!s)
            return r->err;
        memcpy(s, ev, (size_t)elen);
        s[elen] = '\0';
        items[i] = s;
    }
    out->items = items;
    out->len = av.n;
    return 0;
}

int
pqg_get_array_bytes(pqg_row *r, int col, pqg_array_bytes *out)
{
    out->items = NULL;
    out->len = 0;
    arr_view av;
    bool isnull;
    int rc = open_array(r, col, &av, &isnull);
    if (rc || isnull)
        return rc;
    pqg_bytes *items = items_alloc(r, col, av.n, sizeof *items, _Alignof(pqg_bytes));
    if (!items)
        return r->err;
    for (size_t i = 0; i < av.n; i++) {
        const char *ev;
        int elen;
        if ((rc = next_elem(r, col, &av, &ev, &elen)))
            return rc;
        items[i].data = NULL;
        items[i].len = 0;
        if (!ev)
            continue;
        /* Empty elements point at a 1-byte slot so they stay distinct from NULL. */
        uint8_t *d = pqg__row_alloc(r, col, elen ? (size_t)elen : 1, 1);
        if (!d)
            return r->err;
        memcpy(d, ev, (size_t)elen);
        items[i].data = d;
        items[i].len = (size_t)elen;
    }
    out->items = items;
    out->len = av.n;
    return 0;
}

int
pqg_get_array_enum(pqg_row *r, int col, const char *const *labels, int n_labels, int **items,
                   size_t *len)
{
    *items = NULL;
    *len = 0;
    arr_view av;
    bool isnull;
    int rc = open_array(r, col, &av, &isnull);
    if (rc || isnull)
        return rc;
    int *out = items_alloc(r, col, av.n, sizeof(int), _Alignof(int));
    if (!out)
        return r->err;
    for (size_t i = 0; i < av.n; i++) {
        const char *ev;
        int elen;
        if ((rc = next_elem(r, col, &av, &ev, &elen)))
            return rc;
        if (!ev)
            return pqg__row_error(r, col, "element %zu is NULL but the C enum cannot hold NULL",
                                  i + 1);
        out[i] = pqg__enum_lookup(ev, (size_t)elen, labels, n_labels);
        if (!out[i])
            return pqg__row_error(r, col, "unknown enum label \"%.*s\" (the enum changed: "
                                  "regenerate)", elen > 100 ? 100 : elen, ev);
    }
    *items = out;
    *len = av.n;
    return 0;
}
