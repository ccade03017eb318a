/*
 * pgnode.c - libpg_query's JSON output read into a compact read-only tree: a hand-written
 * in-situ JSON parser (strings unescaped in place in an arena copy of the text, containers
 * built on an explicit stack, so deep trees cannot overflow the C stack), accessors that
 * tolerate malformed trees, the A_Const integer workaround (values <= 0 dropped), and a small
 * SQL token scanner that recovers the locations some nodes do not carry.
 */
#include "pgnode.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* === arena === */

typedef struct pn_chunk {
    struct pn_chunk *next;
    size_t used, cap;
    max_align_t data[];
} pn_chunk;

struct pn_doc {
    pn_chunk *head; /* newest first; the doc itself lives in the oldest chunk */
    pnode root;
};

/* n bytes (8-aligned) from the doc's arena, or NULL on out of memory. Borrowed; valid until
 * pn_doc_free(). */
static void *
pn_alloc(pn_doc *d, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    pn_chunk *c = d->head;
    if (c->cap - c->used < n) {
        size_t cap = c->cap * 2;
        if (cap < n)
            cap = n;
        if (cap > SIZE_MAX / 2 - sizeof *c)
            return NULL;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = d->head;
        c->used = 0;
        c->cap = cap;
        d->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void
pn_doc_free(pn_doc *d)
{
    if (!d)
        return;
    pn_chunk *c = d->head; /* d lives in the last chunk freed */
    while (c) {
        pn_chunk *n = c->next;
        free(c);
        c = n;
    }
}

const pnode *
pn_doc_root(const pn_doc *d)
{
    return d ? &d->root : NULL;
}

/* === parser === */

/* jansson's JSON_PARSER_MAX_DEPTH: deeper documents fail the same way they did with jansson. */
#define PN_MAX_DEPTH 2048

typedef struct pn_frame {
    size_t base;     /* first stack slot of this container's values */
    const char *key; /* the container's own key in its parent object (NULL in arrays) */
    bool obj;
} pn_frame;

typedef struct pn_parser {
    pn_doc *doc;
    char *text, *end; /* the arena copy (NUL at end) */
    pn_member *stk;   /* values of the open containers, innermost last (arrays: key NULL) */
    size_t nstk, capstk;
    bool stk_heap;
    pn_frame *fr;
    size_t nfr, capfr;
    bool fr_heap;
    char *err;
    size_t errlen;
} pn_parser;

static bool
pn_fail(pn_parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool
pn_fail(pn_parser *ps, const char *fmt, ...)
{
    if (ps->err && ps->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->errlen, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Grows a parser stack held first in a caller's local array, then on the heap. */
static bool
pn_grow(void **arr, size_t elem, size_t *cap, bool *heap)
{
    if (*cap > SIZE_MAX / 2 / elem)
        return false;
    size_t nc = *cap * 2;
    void *p = *heap ? realloc(*arr, nc * elem) : malloc(nc * elem);
    if (!p)
        return false;
    if (!*heap)
        memcpy(p, *arr, *cap * elem);
    *arr = p;
    *cap = nc;
    *heap = true;
    return true;
}

/* Characters that end the fast scan of a string: '"', '\\' and control characters (NUL too). */
static const unsigned char pn_stop[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
    [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
    [0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
    [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
    [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* libpg_query writes no whitespace: one test on the common path. */
static inline char *
pn_ws(char *p)
{
    while ((unsigned char)*p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
        p++;
    return p;
}

static int
pn_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The string starting at the quote p, unescaped in place and NUL-terminated; sets *s and *len.
 * Returns the position after the closing quote, or NULL on error. Unescaping never lengthens
 * the text (\uXXXX is 6 bytes for at most 3 of UTF-8, a surrogate pair 12 for 4). */
static inline __attribute__((always_inline)) char *
pn_string(pn_parser *ps, char *p, char **s, size_t *len)
{
    char *r = p + 1;
    /* fast path: no escapes, nothing to move */
    while (!pn_stop[(unsigned char)*r])
        r++;
    if (*r == '"') {
        *r = '\0';
        *s = p + 1;
        *len = (size_t)(r - (p + 1));
        return r + 1;
    }
    char *w = r;
    for (;;) {
        unsigned char c = (unsigned char)*r;
        if (c == '"')
            break;
        if (c < 0x20) {
            if (r >= ps->end)
                pn_fail(ps, "premature end of input");
            else
                pn_fail(ps, "control character 0x%x", c);
            return NULL;
        }
        if (c != '\\') {
            *w++ = *r++;
            continue;
        }
        r++;
        switch (*r) {
        case '"': case '\\': case '/':
            *w++ = *r++;
            break;
        case 'b': *w++ = '\b'; r++; break;
        case 'f': *w++ = '\f'; r++; break;
        case 'n': *w++ = '\n'; r++; break;
        case 'r': *w++ = '\r'; r++; break;
        case 't': *w++ = '\t'; r++; break;
        case 'u': {
            long cp = pn_hex4(r + 1);
            if (cp < 0)
                return pn_fail(ps, "invalid escape"), NULL;
            r += 5;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = r[0] == '\\' && r[1] == 'u' ? pn_hex4(r + 2) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return pn_fail(ps, "invalid Unicode '\\u%04lX'", cp), NULL;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                r += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return pn_fail(ps, "invalid Unicode '\\u%04lX'", cp), NULL;
            } else if (cp == 0) {
                return pn_fail(ps, "\\u0000 is not allowed without JSON_ALLOW_NUL"), NULL;
            }
            if (cp < 0x80) {
                *w++ = (char)cp;
            } else if (cp < 0x800) {
                *w++ = (char)(0xC0 | (cp >> 6));
                *w++ = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                *w++ = (char)(0xE0 | (cp >> 12));
                *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *w++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *w++ = (char)(0xF0 | (cp >> 18));
                *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *w++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return pn_fail(ps, "invalid escape"), NULL;
        }
    }
    *w = '\0';
    *s = p + 1;
    *len = (size_t)(w - (p + 1));
    return r + 1;
}

/* An object key at p (after whitespace): the string, its length stored in the byte before it
 * (the opening quote, no longer needed), then ':'. Returns the position of the value. */
static inline __attribute__((always_inline)) char *
pn_key(pn_parser *ps, char *p, const char **key)
{
    char *s;
    size_t len;
    if (*p != '"')
        return pn_fail(ps, "string or '}' expected"), NULL;
    if (!(p = pn_string(ps, p, &s, &len)))
        return NULL;
    s[-1] = (char)(len < 255 ? len : 255);
    *key = s;
    p = pn_ws(p);
    if (*p != ':')
        return pn_fail(ps, "':' expected"), NULL;
    return pn_ws(p + 1);
}

/* A number at p into *v (jansson's grammar and types: integers without '.'/exponent). */
static char *
pn_number(pn_parser *ps, char *p, pnode *v)
{
    char *q = p;
    bool neg = *q == '-', real = false;
    if (neg)
        q++;
    if (*q == '0') {
        q++;
    } else if (*q >= '1' && *q <= '9') {
        while (*q >= '0' && *q <= '9')
            q++;
    } else {
        return pn_fail(ps, "invalid token"), NULL;
    }
    if (*q == '.') {
        real = true;
        q++;
        if (!(*q >= '0' && *q <= '9'))
            return pn_fail(ps, "invalid token"), NULL;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (*q == 'e' || *q == 'E') {
        real = true;
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!(*q >= '0' && *q <= '9'))
            return pn_fail(ps, "invalid token"), NULL;
        while (*q >= '0' && *q <= '9')
            q++;
    }
    if (!real) {
        unsigned long long u = 0, lim = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
        for (char *d = p + neg; d < q; d++) {
            unsigned dig = (unsigned)(*d - '0');
            if (u > (lim - dig) / 10)
                return pn_fail(ps, neg ? "too big negative integer" : "too big integer"), NULL;
            u = u * 10 + dig;
        }
        v->type = PN_INT;
        v->u.i = neg ? (u == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)u)
                     : (long long)u;
        return q;
    }
    errno = 0;
    double d = strtod(p, NULL);
    if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
        return pn_fail(ps, "real number overflow"), NULL;
    v->type = PN_REAL;
    v->u.d = d;
    return q;
}

/* The raw text of the token at p, for jansson's "near '...'" (tokens over 20 bytes get none). */
static void
pn_depth_error(pn_parser *ps, const char *p)
{
    size_t n = 1;
    if (*p == '"') {
        while (p[n] && p[n] != '"')
            n += p[n] == '\\' && p[n + 1] ? 2 : 1;
        n += p[n] == '"';
    } else if (*p != '{' && *p != '[') {
        while (p[n] && (p[n] == '-' || p[n] == '+' || p[n] == '.' ||
                        (p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'z') ||
                        (p[n] >= 'A' && p[n] <= 'Z')))
            n++;
    }
    if (n <= 20)
        pn_fail(ps, "maximum parsing depth reached near '%.*s'", (int)n, p);
    else
        pn_fail(ps, "maximum parsing depth reached");
}

/* Closes the innermost container: its values move from the stack into the arena. */
static bool
pn_close(pn_parser *ps, pnode *v, const char **key)
{
    pn_frame *f = &ps->fr[--ps->nfr];
    size_t n = ps->nstk - f->base;
    pn_member *m = ps->stk + f->base;
    if (n > UINT32_MAX)
        return pn_fail(ps, "container too large");
    v->n = (uint32_t)n;
    if (f->obj) {
        pn_member *dst = n ? pn_alloc(ps->doc, n * sizeof *dst) : NULL;
        if (n && !dst)
            return pn_fail(ps, "out of memory");
        if (n)
            memcpy(dst, m, n * sizeof *dst);
        v->type = PN_OBJECT;
        v->u.mems = dst;
    } else {
        pnode *dst = n ? pn_alloc(ps->doc, n * sizeof *dst) : NULL;
        if (n && !dst)
            return pn_fail(ps, "out of memory");
        for (size_t i = 0; i < n; i++)
            dst[i] = m[i].val;
        v->type = PN_ARRAY;
        v->u.items = dst;
    }
    ps->nstk = f->base;
    *key = f->key;
    return true;
}

static bool
pn_parse(pn_parser *ps)
{
    char *p = pn_ws(ps->text);
    const char *key = NULL; /* the pending value's key in the open object */
    pnode v;
    if (*p != '{' && *p != '[')
        return pn_fail(ps, "'[' or '{' expected");
    for (;;) {
        /* one value at p */
        if (ps->nfr >= PN_MAX_DEPTH) {
            pn_depth_error(ps, p);
            return false;
        }
        memset(&v, 0, sizeof v);
        switch (*p) {
        case '{':
        case '[': {
            bool obj = *p == '{';
            if (ps->nfr == ps->capfr &&
                !pn_grow((void **)&ps->fr, sizeof *ps->fr, &ps->capfr, &ps->fr_heap))
                return pn_fail(ps, "out of memory");
            ps->fr[ps->nfr++] = (pn_frame){ps->nstk, key, obj};
            p = pn_ws(p + 1);
            if (*p == (obj ? '}' : ']')) {
                p++;
                if (!pn_close(ps, &v, &key))
                    return false;
                break;
            }
            key = NULL;
            if (obj && !(p = pn_key(ps, p, &key)))
                return false;
            continue;
        }
        case '"': {
            char *s;
            size_t len;
            if (!(p = pn_string(ps, p, &s, &len)))
                return false;
            if (len > UINT32_MAX)
                return pn_fail(ps, "string too long");
            v.type = PN_STRING;
            v.n = (uint32_t)len;
            v.u.s = s;
            break;
        }
        case 't':
        case 'f':
        case 'n': {
            static const char *const lit[] = {"true", "false", "null"};
            static const pn_type lt[] = {PN_TRUE, PN_FALSE, PN_NULL};
            int i = *p == 't' ? 0 : *p == 'f' ? 1 : 2;
            size_t n = strlen(lit[i]);
            if (strncmp(p, lit[i], n) != 0 || (p[n] >= 'a' && p[n] <= 'z'))
                return pn_fail(ps, "invalid token");
            v.type = lt[i];
            p += n;
            break;
        }
        default:
            if (!(p = pn_number(ps, p, &v)))
                return false;
            break;
        }
        /* v is complete: store it in its container, then close containers that end here */
        for (;;) {
            if (ps->nfr == 0) {
                ps->doc->root = v;
                p = pn_ws(p);
                if (p != ps->end)
                    return pn_fail(ps, "end of file expected");
                return true;
            }
            if (ps->nstk == ps->capstk &&
                !pn_grow((void **)&ps->stk, sizeof *ps->stk, &ps->capstk, &ps->stk_heap))
                return pn_fail(ps, "out of memory");
            ps->stk[ps->nstk].key = key;
            ps->stk[ps->nstk++].val = v;
            p = pn_ws(p);
            bool obj = ps->fr[ps->nfr - 1].obj;
            if (*p == ',') {
                p = pn_ws(p + 1);
                key = NULL;
                if (obj && !(p = pn_key(ps, p, &key)))
                    return false;
                break;
            }
            if (*p != (obj ? '}' : ']'))
                return pn_fail(ps, obj ? "'}' expected" : "']' expected");
            p++;
            if (!pn_close(ps, &v, &key))
                return false;
        }
    }
}

pn_doc *
pn_doc_parse(const char *json, size_t len, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    /* One chunk nearly always holds it all: the doc, the text and the nodes (measured on
     * libpg_query's output for the bench corpus: 1.9 bytes of nodes per byte of JSON). */
    if (len > SIZE_MAX / 4 - 4096) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t text = (len + 1 + 7) & ~(size_t)7;
    size_t cap = sizeof(pn_doc) + 8 + text + 1024 + len / 4 * 9;
    pn_chunk *c = malloc(sizeof *c + cap);
    if (!c) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->next = NULL;
    c->cap = cap;
    c->used = (sizeof(pn_doc) + 7) & ~(size_t)7;
    pn_doc *d = (pn_doc *)(void *)c->data;
    d->head = c;
    memset(&d->root, 0, sizeof d->root);
    char *copy = pn_alloc(d, len + 1); /* fits in the first chunk */
    if (len)
        memcpy(copy, json, len);
    copy[len] = '\0';
    pn_member stk[256];
    pn_frame fr[64];
    pn_parser ps = {
        .doc = d, .text = copy, .end = copy + len,
        .stk = stk, .capstk = sizeof stk / sizeof stk[0],
        .fr = fr, .capfr = sizeof fr / sizeof fr[0],
        .err = err, .errlen = errlen,
    };
    bool ok = pn_parse(&ps); /* a NUL byte in json fails as an unexpected token */
    if (ps.stk_heap)
        free(ps.stk);
    if (ps.fr_heap)
        free(ps.fr);
    if (!ok) {
        pn_doc_free(d);
        return NULL;
    }
    return d;
}

/* === generic access === */

bool
pn_equal(const pnode *a, const pnode *b)
{
    if (!a || !b || a->type != b->type)
        return false;
    switch (a->type) {
    case PN_NULL:
    case PN_TRUE:
    case PN_FALSE:
        return true;
    case PN_INT:
        return a->u.i == b->u.i;
    case PN_REAL:
        return a->u.d == b->u.d;
    case PN_STRING:
        return a->n == b->n && memcmp(a->u.s, b->u.s, a->n) == 0;
    case PN_ARRAY:
        if (a->n != b->n)
            return false;
        for (uint32_t i = 0; i < a->n; i++)
            if (!pn_equal(&a->u.items[i], &b->u.items[i]))
                return false;
        return true;
    case PN_OBJECT:
        if (a->n != b->n)
            return false;
        for (uint32_t i = 0; i < a->n; i++) {
            const char *k = a->u.mems[i].key;
            if (!pn_equal(&a->u.mems[i].val, pn_getn(b, k, strlen(k))))
                return false;
        }
        return true;
    }
    return false;
}

/* === parse-tree accessors === */

const char *
pn_sval(const pnode *node)
{
    const pnode *in;
    if (!pn_is(node, "String", &in))
        return NULL;
    const char *s = pn_str(in, "sval");
    return s ? s : ""; /* "" is dropped as a default */
}

const char *
pn_last_name(const pnode *names)
{
    size_t n = pn_len(names);
    return n ? pn_sval(pn_at(names, n - 1)) : NULL;
}

/* Reads an integer literal from the source text (the JSON lost it). */
static bool
int_from_text(const char *sql, int loc, long long *out)
{
    if (!sql || loc < 0 || (size_t)loc >= strlen(sql))
        return false;
    const char *p = sql + loc;
    errno = 0;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno)
        return false;
    *out = v;
    return true;
}

pn_const_kind
pn_aconst(const pnode *c, const char *sql, long long *ival, const char **sval)
{
    *ival = 0;
    *sval = NULL;
    if (!pn_is_object(c))
        return PN_CONST_BAD;
    if (pn_bool(c, "isnull"))
        return PN_CONST_NULL;
    const pnode *v;
    if ((v = pn_obj(c, "ival"))) {
        const pnode *i = pn_get(v, "ival");
        if (i && i->type == PN_INT) {
            *ival = i->u.i;
            return PN_CONST_INT;
        }
        long long t;
        if (int_from_text(sql, pn_loc(c), &t))
            *ival = t;
        return PN_CONST_INT;
    }
    if ((v = pn_obj(c, "fval"))) {
        const char *s = pn_str(v, "fval");
        *sval = s ? s : "0";
        /* Integers beyond int32 arrive as fval strings: int8 when they fit. */
        const char *p = *sval;
        if (*p == '-')
            p++;
        if (*p && strspn(p, "0123456789") == strlen(p)) {
            errno = 0;
            long long t = strtoll(*sval, NULL, 10);
            if (!errno) {
                *ival = t;
                return PN_CONST_INT;
            }
        }
        return PN_CONST_FLOAT;
    }
    if ((v = pn_obj(c, "sval"))) {
        const char *s = pn_str(v, "sval");
        *sval = s ? s : "";
        return PN_CONST_STR;
    }
    if ((v = pn_obj(c, "boolval"))) {
        *ival = pn_bool(v, "boolval");
        return PN_CONST_BOOL;
    }
    if ((v = pn_obj(c, "bsval"))) {
        const char *s = pn_str(v, "bsval");
        *sval = s ? s : "";
        return PN_CONST_BITSTR;
    }
    return PN_CONST_BAD;
}

/* === token scanner === */

static bool
pn_ident_char(unsigned char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
           (!first && ((c >= '0' && c <= '9') || c == '$'));
}

/* End of the quoted run starting at sql[i] == q ("" or '' doubled inside; backslash escapes
 * when esc), or the end of the text when it is unterminated. */
static size_t
pn_skip_quoted(const char *sql, size_t i, char q, bool esc)
{
    for (i++; sql[i]; i++) {
        if (esc && sql[i] == '\\' && sql[i + 1]) {
            i++;
        } else if (sql[i] == q) {
            if (sql[i + 1] != q)
                return i + 1;
            i++;
        }
    }
    return i;
}

bool
pn_next_token(const char *sql, size_t pos, pn_tok *t)
{
    size_t i = pos;
    for (;;) {
        while (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' ||
               sql[i] == '\f' || sql[i] == '\v')
            i++;
        if (sql[i] == '-' && sql[i + 1] == '-') {
            while (sql[i] && sql[i] != '\n')
                i++;
        } else if (sql[i] == '/' && sql[i + 1] == '*') {
            int depth = 0; /* PostgreSQL's block comments nest */
            while (sql[i]) {
                if (sql[i] == '/' && sql[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (sql[i] == '*' && sql[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    i++;
                }
            }
        } else {
            break;
        }
    }
    if (!sql[i])
        return false;
    unsigned char c = (unsigned char)sql[i];
    memset(t, 0, sizeof *t);
    t->start = i;
    if (c == '"') {
        t->end = pn_skip_quoted(sql, i, '"', false);
        t->ident = t->quoted = true;
    } else if (c == '\'') {
        t->end = pn_skip_quoted(sql, i, '\'', false);
    } else if ((c == 'E' || c == 'e') && sql[i + 1] == '\'') {
        t->end = pn_skip_quoted(sql, i + 1, '\'', true);
    } else if (c == '$' && (sql[i + 1] == '$' || pn_ident_char((unsigned char)sql[i + 1], true))) {
        /* $tag$ ... $tag$ */
        size_t k = i + 1;
        while (sql[k] && sql[k] != '$' && pn_ident_char((unsigned char)sql[k], false))
            k++;
        if (sql[k] != '$') {
            t->end = i + 1;
            return true;
        }
        size_t tag = k + 1 - i;
        const char *close = sql + k + 1;
        for (; *close; close++)
            if (*close == '$' && strncmp(close, sql + i, tag) == 0)
                break;
        t->end = *close ? (size_t)(close - sql) + tag : (size_t)(close - sql);
    } else if (pn_ident_char(c, true)) {
        size_t k = i + 1;
        while (pn_ident_char((unsigned char)sql[k], false))
            k++;
        t->end = k;
        t->ident = true;
    } else if (c >= '0' && c <= '9') {
        size_t k = i + 1;
        while (pn_ident_char((unsigned char)sql[k], false) || sql[k] == '.')
            k++;
        t->end = k;
    } else {
        t->end = i + 1;
    }
    return true;
}

bool
pn_tok_ident(const char *sql, const pn_tok *t, const char *name)
{
    if (!t->ident || !name)
        return false;
    const char *p = sql + t->start;
    size_t n = t->end - t->start;
    if (!t->quoted) {
        size_t k = 0;
        for (; k < n && name[k]; k++) {
            int a = (unsigned char)p[k];
            if (a >= 'A' && a <= 'Z')
                a += 32;
            if (a != (unsigned char)name[k])
                return false;
        }
        return k == n && !name[k];
    }
    /* "..." with "" standing for one quote; an unterminated one has no closing quote */
    size_t k = 1, j = 0;
    while (k < n) {
        if (p[k] == '"') {
            if (k + 1 < n && p[k + 1] == '"')
                k++;
            else
                break;
        }
        if (p[k] != name[j])
            return false;
        k++;
        j++;
    }
    return !name[j];
}

bool
pn_tok_word(const char *sql, const pn_tok *t, const char *word)
{
    return t->ident && !t->quoted && pn_tok_ident(sql, t, word);
}
