/* template.c: a mustache renderer (spec v1 core, no lambdas) over template values (tv: an
 * arena-allocated JSON-like tree; jansson data is converted first). A template is parsed once
 * into a flat node array in which each section records where its body ends; rendering walks that
 * array against a context stack and appends to one growable buffer. Partials come from a
 * caller-supplied loader, are checked eagerly and parsed once per (name, indentation) per parsed
 * template. emit.c drives it; it knows nothing about the model's shape.
 */
#include "template.h"

#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- template values ---- */

#define ARENA_FIRST (64 * 1024)
#define ARENA_CHUNK (2 * 1024 * 1024)

struct chunk {
    struct chunk *next;
    size_t used, cap;
    /* data follows, 16-aligned */
};

/* Object keys are interned: the same key text is stored once per arena. */
struct interned {
    const char *key;
    uint32_t len, hash;
};

/* The interned form of a C-string key, remembered by the key's address: most keys are string
 * literals, so a set or get usually skips strlen, hashing and the intern table. */
struct key_memo {
    const char *ptr, *ik;
    uint32_t n, h;
};

#define KEY_MEMO 512

struct tv_arena {
    struct key_memo memo[KEY_MEMO];
    struct chunk *head;
    int oom;
    struct interned *keys;  /* open addressing, malloc'd */
    size_t n_keys, keys_cap;
    tv **strs;              /* short string values, shared (strings are immutable) */
    size_t n_strs, strs_cap;
};

struct tv_entry {
    const char *key;
    uint32_t klen, hash;
    tv *val;
};

struct tv {
    tv_kind kind;
    union {
        long long i;
        double d;
        struct {
            const char *p;
            size_t len;
        } s;
        struct {
            tv **v;
            size_t n, cap;
            tv_arena *a;
        } arr;
        struct {
            struct tv_entry *e;
            size_t n, cap;
            tv_arena *a;
            uint32_t *idx;  /* from INDEX_MIN entries: open addressing, entry index + 1 */
            size_t mask;
        } obj;
        struct {
            const json_t *j;
            tv_arena *a;
        } lazy;
    } u;
};

/* A JSON array or object not converted yet (see tv_from_json_obj): it becomes the converted
 * value in place when first reached through its container, so that nothing outside the
 * accessors below ever sees this kind. */
#define TV_LAZY ((tv_kind)100)

static tv *resolve(tv *v);

static tv null_v = {.kind = TV_NULL}, true_v = {.kind = TV_TRUE}, false_v = {.kind = TV_FALSE};

#define CHUNK_HDR ((sizeof(struct chunk) + 15) & ~(size_t)15)

tv_arena *
tv_arena_new(void)
{
    return calloc(1, sizeof(tv_arena));
}

void
tv_arena_free(tv_arena *a)
{
    if (!a)
        return;
    free(a->keys);
    free(a->strs);
    while (a->head) {
        struct chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
    free(a);
}

int
tv_arena_oom(const tv_arena *a)
{
    return !a || a->oom;
}

void *
tv_alloc(tv_arena *a, size_t n)
{
    struct chunk *c = a->head;
    /* 8-aligned: values hold pointers, sizes, long long and double at most. */
    n = (n + 7) & ~(size_t)7;
    if (!c || c->cap - c->used < n) {
        /* The first chunk is small (most template_render calls need little); later ones are
         * huge-page sized and aligned: a big derived model then costs a few dozen page faults
         * instead of tens of thousands (the kernel may back them with transparent huge pages). */
        size_t size = a->head ? ARENA_CHUNK : ARENA_FIRST;
        size_t cap = n > size / 4 ? n : size - CHUNK_HDR;
        void *mem = NULL;
        if (cap == ARENA_CHUNK - CHUNK_HDR) {
            if (posix_memalign(&mem, ARENA_CHUNK, ARENA_CHUNK) != 0)
                mem = NULL;
#ifdef MADV_HUGEPAGE
            else
                madvise(mem, ARENA_CHUNK, MADV_HUGEPAGE);
#endif
        } else {
            mem = malloc(CHUNK_HDR + cap);
        }
        if (!mem) {
            a->oom = 1;
            return NULL;
        }
        c = mem;
        c->cap = cap;
        c->used = 0;
        /* A big block goes behind the current chunk, whose free space stays usable. */
        if (cap != size - CHUNK_HDR && a->head) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = (char *)c + CHUNK_HDR + c->used;
    c->used += n;
    return p;
}

static char *
arena_strn(tv_arena *a, const char *s, size_t n)
{
    char *p = tv_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
tv_strdup(tv_arena *a, const char *s)
{
    char *p = arena_strn(a, s ? s : "", s ? strlen(s) : 0);
    return p ? p : "";
}

/* Appends s[0..n) to buf (size bytes) at *len, truncating, and counts all of it. */
static void
fmt_put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 < size) {
        size_t room = size - 1 - *len;
        memcpy(buf + *len, s, n < room ? n : room);
    }
    *len += n;
}

static void
fmt_pad(char *buf, size_t size, size_t *len, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        fmt_put(buf, size, len, spaces, k);
        n -= k;
    }
}

int
tv_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
    va_list ap2;
    size_t len = 0;
    const char *f = fmt;

    va_copy(ap2, ap);
    while (*f) {
        const char *pct = strchr(f, '%');
        int left = 0, width = -1, prec = -1, lng = 0, zu = 0;
        char num[24], *np;
        const char *s;
        size_t n;
        unsigned long long u;
        int neg = 0;

        if (!pct) {
            fmt_put(buf, size, &len, f, strlen(f));
            break;
        }
        fmt_put(buf, size, &len, f, (size_t)(pct - f));
        f = pct + 1;
        if (*f == '%') {
            fmt_put(buf, size, &len, "%", 1);
            f++;
            continue;
        }
        if (*f == '-') {
            left = 1;
            f++;
        }
        if (*f == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            f++;
        } else if (*f >= '1' && *f <= '9') {
            width = 0;
            while (*f >= '0' && *f <= '9')
                width = width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                prec = 0;
                while (*f >= '0' && *f <= '9')
                    prec = prec * 10 + (*f++ - '0');
            }
        }
        if (*f == 'z') {
            zu = 1;
            f++;
        } else {
            while (*f == 'l') {
                lng++;
                f++;
            }
        }
        switch (*f) {
        case 's':
            if (zu || lng)
                goto fallback;
            s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);
            break;
        case 'd':
        case 'i':
        case 'u':
            if (prec >= 0)
                goto fallback;
            if (*f == 'u') {
                u = zu ? va_arg(ap, size_t)
                    : lng >= 2 ? va_arg(ap, unsigned long long)
                    : lng == 1 ? va_arg(ap, unsigned long)
                               : va_arg(ap, unsigned int);
            } else {
                long long v = zu ? (long long)va_arg(ap, ssize_t)
                              : lng >= 2 ? va_arg(ap, long long)
                              : lng == 1 ? va_arg(ap, long)
                                         : va_arg(ap, int);
                neg = v < 0;
                u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            }
            np = num + sizeof num;
            do {
                *--np = (char)('0' + u % 10);
                u /= 10;
            } while (u);
            if (neg)
                *--np = '-';
            s = np;
            n = (size_t)(num + sizeof num - np);
            break;
        default:
            goto fallback;
        }
        f++;
        if (width > 0 && (size_t)width > n && !left)
            fmt_pad(buf, size, &len, (size_t)width - n);
        fmt_put(buf, size, &len, s, n);
        if (width > 0 && (size_t)width > n && left)
            fmt_pad(buf, size, &len, (size_t)width - n);
    }
    va_end(ap2);
    if (size > 0)
        buf[len < size ? len : size - 1] = '\0';
    return len > INT_MAX ? -1 : (int)len;
fallback:
    /* Anything else (flags, %x, %g, %03o...): the C library, from the start. */
    {
        int r = vsnprintf(buf, size, fmt, ap2);
        va_end(ap2);
        return r;
    }
}

int
tv_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = tv_vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* Formats into the arena: straight into the current chunk when it fits. */
static char *
arena_vfmt(tv_arena *a, size_t *len, const char *fmt, va_list ap)
{
    struct chunk *c = a->head;
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    if (c && c->cap - c->used >= 32) {
        size_t room = c->cap - c->used;
        p = (char *)c + CHUNK_HDR + c->used;
        n = tv_vformat(p, room, fmt, ap);
        if (n >= 0 && (size_t)n < room) {
            c->used += ((size_t)n + 1 + 7) & ~(size_t)7;
            va_end(ap2);
            *len = (size_t)n;
            return p;
        }
    } else {
        n = tv_vformat(NULL, 0, fmt, ap);
    }
    if (n < 0 || !(p = tv_alloc(a, (size_t)n + 1))) {
        va_end(ap2);
        return NULL;
    }
    tv_vformat(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    *len = (size_t)n;
    return p;
}

char *
tv_sprintf(tv_arena *a, const char *fmt, ...)
{
    va_list ap;
    size_t n;
    va_start(ap, fmt);
    char *p = arena_vfmt(a, &n, fmt, ap);
    va_end(ap);
    return p ? p : "";
}

/* Bytes a value of kind needs: strings and numbers take less than containers. */
static size_t
value_size(tv_kind kind)
{
    if (kind == TV_LAZY)
        return sizeof(tv);
    switch (kind) {
    case TV_OBJ:
        return sizeof(tv);
    case TV_ARR:
        return offsetof(tv, u) + sizeof(((tv *)0)->u.arr);
    case TV_STR:
        return offsetof(tv, u) + sizeof(((tv *)0)->u.s);
    default:
        return offsetof(tv, u) + sizeof(long long);
    }
}

static tv *
new_value_extra(tv_arena *a, tv_kind kind, size_t extra)
{
    size_t n = value_size(kind);
    tv *v = tv_alloc(a, n + extra);
    if (!v)
        return NULL;
    memset(v, 0, n);
    v->kind = kind;
    return v;
}

static tv *
new_value(tv_arena *a, tv_kind kind)
{
    return new_value_extra(a, kind, 0);
}

tv *
tv_null(void)
{
    return &null_v;
}

tv *
tv_bool(int b)
{
    return b ? &true_v : &false_v;
}

tv *
tv_int(tv_arena *a, long long i)
{
    tv *v = new_value(a, TV_INT);
    if (!v)
        return &null_v;
    v->u.i = i;
    return v;
}

tv *
tv_real(tv_arena *a, double d)
{
    tv *v = new_value(a, TV_REAL);
    if (!v)
        return &null_v;
    v->u.d = d;
    return v;
}

/* A string value over p (already in the arena). */
static tv *
str_value(tv_arena *a, const char *p, size_t n)
{
    tv *v;
    if (!p || !(v = new_value(a, TV_STR)))
        return &null_v;
    v->u.s.p = p;
    v->u.s.len = n;
    return v;
}

static uint32_t hash_key(const char *s, size_t n);

/* Short strings repeat a lot (C types, getters, kinds, comments): one value per text. */
#define SHARED_STR_MAX 48

/* The slot for text s[0..n) in the shared string table (grown first when needed), or NULL. */
static tv **
shared_slot(tv_arena *a, const char *s, size_t n)
{
    size_t i, mask;
    if ((a->n_strs + 1) * 2 > a->strs_cap) {
        size_t cap = a->strs_cap ? a->strs_cap * 2 : 1024;
        tv **t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (i = 0; i < a->strs_cap; i++) {
            size_t j;
            tv *v = a->strs[i];
            if (!v)
                continue;
            for (j = hash_key(v->u.s.p, v->u.s.len) & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
                ;
            t[j] = v;
        }
        free(a->strs);
        a->strs = t;
        a->strs_cap = cap;
    }
    mask = a->strs_cap - 1;
    for (i = hash_key(s, n) & mask; a->strs[i]; i = (i + 1) & mask)
        if (a->strs[i]->u.s.len == n && memcmp(a->strs[i]->u.s.p, s, n) == 0)
            break;
    return &a->strs[i];
}

tv *
tv_strn(tv_arena *a, const char *s, size_t n)
{
    tv *v, **slot = NULL;
    char *p;
    if (!s)
        return &null_v;
    if (n <= SHARED_STR_MAX && (slot = shared_slot(a, s, n)) != NULL && *slot)
        return *slot;
    /* The bytes go right behind the value: one allocation. */
    if (!(v = new_value_extra(a, TV_STR, n + 1)))
        return &null_v;
    p = (char *)v + value_size(TV_STR);
    memcpy(p, s, n);
    p[n] = '\0';
    v->u.s.p = p;
    v->u.s.len = n;
    if (slot) {
        *slot = v;
        a->n_strs++;
    }
    return v;
}

tv *
tv_str(tv_arena *a, const char *s)
{
    return s ? tv_strn(a, s, strlen(s)) : &null_v;
}

static tv *
vfmt_value(tv_arena *a, const char *fmt, va_list ap)
{
    size_t n = 0;
    char *p = arena_vfmt(a, &n, fmt, ap);
    return p ? str_value(a, p, n) : &null_v;
}

tv *
tv_fmt(tv_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tv *v = vfmt_value(a, fmt, ap);
    va_end(ap);
    return v;
}

tv *
tv_obj(tv_arena *a)
{
    tv *v = new_value(a, TV_OBJ);
    if (!v)
        return &null_v;
    v->u.obj.a = a;
    return v;
}

static int obj_reserve(tv *o, size_t cap);

tv *
tv_obj_sized(tv_arena *a, size_t cap)
{
    tv *v = tv_obj(a);
    if (v->kind == TV_OBJ && cap > 0 && obj_reserve(v, cap) != 0)
        return &null_v;
    return v;
}

static tv *
tv_arr_sized(tv_arena *a, size_t cap)
{
    tv *v = new_value(a, TV_ARR);
    if (!v)
        return &null_v;
    v->u.arr.a = a;
    if (cap > 0) {
        v->u.arr.v = tv_alloc(a, cap * sizeof *v->u.arr.v);
        if (!v->u.arr.v)
            return &null_v;
        v->u.arr.cap = cap;
    }
    return v;
}

tv *
tv_arr(tv_arena *a)
{
    tv *v = new_value(a, TV_ARR);
    if (!v)
        return &null_v;
    v->u.arr.a = a;
    return v;
}

tv_kind
tv_kind_of(const tv *v)
{
    return v ? resolve((tv *)v)->kind : TV_NULL;
}

tv_arena *
tv_arena_of(const tv *v)
{
    if (v && v->kind == TV_OBJ)
        return v->u.obj.a;
    return v && v->kind == TV_ARR ? v->u.arr.a : NULL;
}

/* A word at a time (keys and short strings are hashed often); deterministic across runs. */
static uint32_t
hash_key(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
    while (n >= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    w = 0;
    while (n > 0)
        w = (w << 8) | (unsigned char)s[--n];
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* Objects up to INDEX_MIN members are searched linearly; bigger ones (a derived query has about
 * a hundred) get a hash index. */
#define INDEX_MIN 32

/* The interned form of key, or NULL when the arena has never seen it (then no object of the
 * arena has that member). */
static const char *
intern_find(const tv_arena *a, const char *key, size_t n, uint32_t h)
{
    size_t i, mask;
    if (!a->keys_cap)
        return NULL;
    mask = a->keys_cap - 1;
    for (i = h & mask; a->keys[i].key; i = (i + 1) & mask)
        if (a->keys[i].hash == h && a->keys[i].len == n && memcmp(a->keys[i].key, key, n) == 0)
            return a->keys[i].key;
    return NULL;
}

/* The arena's interned copy of key (every member name of the arena's objects is interned, so
 * members compare by pointer), or NULL when out of memory. borrow: key itself becomes the
 * interned form when new (it must outlive the arena). */
static const char *
intern_key(tv_arena *a, const char *key, size_t n, uint32_t h, int borrow)
{
    size_t i, mask;
    if ((a->n_keys + 1) * 2 > a->keys_cap) {
        size_t cap = a->keys_cap ? a->keys_cap * 2 : 512;
        struct interned *k = calloc(cap, sizeof *k);
        if (!k) {
            a->oom = 1;
            return NULL;
        }
        for (i = 0; i < a->keys_cap; i++) {
            size_t j;
            if (!a->keys[i].key)
                continue;
            for (j = a->keys[i].hash & (cap - 1); k[j].key; j = (j + 1) & (cap - 1))
                ;
            k[j] = a->keys[i];
        }
        free(a->keys);
        a->keys = k;
        a->keys_cap = cap;
    }
    mask = a->keys_cap - 1;
    for (i = h & mask; a->keys[i].key; i = (i + 1) & mask)
        if (a->keys[i].hash == h && a->keys[i].len == n && memcmp(a->keys[i].key, key, n) == 0)
            return a->keys[i].key;
    const char *copy = borrow ? key : arena_strn(a, key, n);
    if (!copy)
        return NULL;
    a->keys[i] = (struct interned){copy, (uint32_t)n, h};
    a->n_keys++;
    return copy;
}

/* The member whose interned name is ik (hash h). */
static struct tv_entry *
obj_find(const tv *o, const char *ik, uint32_t h, size_t *slot)
{
    if (o->u.obj.idx) {
        size_t i = h & o->u.obj.mask;
        uint32_t k;
        while ((k = o->u.obj.idx[i]) != 0) {
            struct tv_entry *e = &o->u.obj.e[k - 1];
            if (e->key == ik)
                return e;
            i = (i + 1) & o->u.obj.mask;
        }
        if (slot)
            *slot = i;
        return NULL;
    }
    for (size_t i = 0; i < o->u.obj.n; i++)
        if (o->u.obj.e[i].key == ik)
            return &o->u.obj.e[i];
    return NULL;
}

static tv *
obj_getn(const tv *o, const char *key, size_t n, uint32_t h)
{
    struct tv_entry *e;
    const char *ik;
    if (!o || o->kind != TV_OBJ || !(ik = intern_find(o->u.obj.a, key, n, h)))
        return NULL;
    e = obj_find(o, ik, h, NULL);
    return e ? resolve(e->val) : NULL;
}

/* (Re)builds the index for room entries. */
static int
obj_index(tv *o, size_t room)
{
    size_t cap = 32, i;
    uint32_t *idx;
    while (cap < room * 2)
        cap *= 2;
    idx = tv_alloc(o->u.obj.a, cap * sizeof *idx);
    if (!idx)
        return -1;
    memset(idx, 0, cap * sizeof *idx);
    for (i = 0; i < o->u.obj.n; i++) {
        size_t k = o->u.obj.e[i].hash & (cap - 1);
        while (idx[k])
            k = (k + 1) & (cap - 1);
        idx[k] = (uint32_t)i + 1;
    }
    o->u.obj.idx = idx;
    o->u.obj.mask = cap - 1;
    return 0;
}

/* Makes room for cap members (no-op when there is). */
static int
obj_reserve(tv *o, size_t cap)
{
    struct tv_entry *ne;
    if (cap <= o->u.obj.cap)
        return 0;
    ne = tv_alloc(o->u.obj.a, cap * sizeof *ne);
    if (!ne)
        return -1;
    if (o->u.obj.n)
        memcpy(ne, o->u.obj.e, o->u.obj.n * sizeof *ne);
    o->u.obj.e = ne;
    o->u.obj.cap = cap;
    return cap >= INDEX_MIN ? obj_index(o, cap) : 0;
}

static int obj_set_ik(tv *o, const char *ik, size_t n, uint32_t h, tv *v);

/* Sets o[key] to v; key is copied unless borrow (then it must outlive the arena). */
static int
obj_set_key(tv *o, const char *key, size_t n, tv *v, int borrow)
{
    uint32_t h;
    const char *ik;
    if (!o || o->kind != TV_OBJ)
        return -1;
    h = hash_key(key, n);
    if (!(ik = intern_key(o->u.obj.a, key, n, h, borrow)))
        return -1;
    return obj_set_ik(o, ik, n, h, v);
}

/* Sets o[ik] (ik interned in o's arena, hash h) to v. */
static int
obj_set_ik(tv *o, const char *ik, size_t n, uint32_t h, tv *v)
{
    size_t slot = 0;
    struct tv_entry *e;
    if (!v)
        v = &null_v;
    if ((e = obj_find(o, ik, h, &slot)) != NULL) {
        e->val = v;
        return 0;
    }
    if (o->u.obj.n == o->u.obj.cap) {
        if (obj_reserve(o, o->u.obj.cap ? o->u.obj.cap * 2 : 8) != 0)
            return -1;
        if (o->u.obj.idx)
            obj_find(o, ik, h, &slot);
    }
    o->u.obj.e[o->u.obj.n++] = (struct tv_entry){ik, (uint32_t)n, h, v};
    if (o->u.obj.idx)
        o->u.obj.idx[slot] = (uint32_t)o->u.obj.n;
    return 0;
}

/* Appends member key (borrowed, interned) that o is known not to have: a JSON object's. */
static void
obj_append_json_key(tv *o, const char *key, size_t n, tv *v)
{
    uint32_t h = hash_key(key, n);
    const char *ik = intern_key(o->u.obj.a, key, n, h, 1);
    size_t slot = 0;
    if (!ik || (o->u.obj.n == o->u.obj.cap &&
                obj_reserve(o, o->u.obj.cap ? o->u.obj.cap * 2 : 8) != 0))
        return;
    if (o->u.obj.idx)
        obj_find(o, ik, h, &slot);
    o->u.obj.e[o->u.obj.n++] = (struct tv_entry){ik, (uint32_t)n, h, v};
    if (o->u.obj.idx)
        o->u.obj.idx[slot] = (uint32_t)o->u.obj.n;
}

/* Appends the members of JSON object j to o (which has none of them). */
static void
obj_append_json(tv_arena *a, tv *o, const json_t *j)
{
    void *it;
    if (o->kind != TV_OBJ)
        return;
    for (it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it))
        obj_append_json_key(o, json_object_iter_key(it), json_object_iter_key_len(it),
                            tv_from_json(a, json_object_iter_value(it)));
}

/* Set on a thread that reads a tree which other threads read at the same time (see
 * tv_read_only_begin): lazy values are then converted into this arena at each read, and the
 * shared tree is never written. */
static _Thread_local tv_arena *scratch_arena;

void
tv_read_only_begin(tv_arena *scratch)
{
    scratch_arena = scratch;
}

void
tv_read_only_end(void)
{
    scratch_arena = NULL;
}

/* v, converted first when it is a lazy JSON value (in place: every holder sees it; or, on a
 * read-only thread, into its scratch arena). */
static tv *
resolve(tv *v)
{
    tv *c;
    if (!v || v->kind != TV_LAZY)
        return v;
    if (scratch_arena)
        return tv_from_json(scratch_arena, v->u.lazy.j);
    c = tv_from_json(v->u.lazy.a, v->u.lazy.j);
    if (c->kind == TV_NULL || c->kind == TV_TRUE || c->kind == TV_FALSE)
        v->kind = c->kind;
    else
        memcpy(v, c, value_size(c->kind));
    return v;
}

static int
obj_setn(tv *o, const char *key, size_t n, tv *v)
{
    return obj_set_key(o, key, n, v, 0);
}

/* key (a C string) interned in a, with its length and hash; NULL when out of memory, or when
 * !insert and a has never seen it. The memo check compares text, so a reused buffer holding
 * another key is not mistaken for the one remembered. */
static const char *
key_lookup(tv_arena *a, const char *key, size_t *n, uint32_t *h, int insert)
{
    struct key_memo *m = &a->memo[((uintptr_t)key >> 3) % KEY_MEMO];
    const char *ik;
    if (m->ptr == key && strcmp(key, m->ik) == 0) {
        *n = m->n;
        *h = m->h;
        return m->ik;
    }
    *n = strlen(key);
    *h = hash_key(key, *n);
    ik = insert ? intern_key(a, key, *n, *h, 0) : intern_find(a, key, *n, *h);
    if (ik)
        *m = (struct key_memo){key, ik, (uint32_t)*n, *h};
    return ik;
}

int
tv_set(tv *o, const char *key, tv *v)
{
    size_t n;
    uint32_t h;
    const char *ik;
    if (!o || o->kind != TV_OBJ || !(ik = key_lookup(o->u.obj.a, key, &n, &h, 1)))
        return -1;
    return obj_set_ik(o, ik, n, h, v);
}

void
tv_set_str(tv *o, const char *key, const char *s)
{
    if (o && o->kind == TV_OBJ)
        tv_set(o, key, tv_str(o->u.obj.a, s));
}

void
tv_set_fmt(tv *o, const char *key, const char *fmt, ...)
{
    va_list ap;
    if (!o || o->kind != TV_OBJ)
        return;
    va_start(ap, fmt);
    tv_set(o, key, vfmt_value(o->u.obj.a, fmt, ap));
    va_end(ap);
}

void
tv_set_bool(tv *o, const char *key, int b)
{
    tv_set(o, key, tv_bool(b));
}

void
tv_set_int(tv *o, const char *key, long long i)
{
    if (o && o->kind == TV_OBJ)
        tv_set(o, key, tv_int(o->u.obj.a, i));
}

tv *
tv_get(const tv *o, const char *key)
{
    size_t n;
    uint32_t h;
    const char *ik;
    struct tv_entry *e;
    if (!o || o->kind != TV_OBJ || !(ik = key_lookup(o->u.obj.a, key, &n, &h, 0)))
        return NULL;
    e = obj_find(o, ik, h, NULL);
    return e ? resolve(e->val) : NULL;
}

int
tv_push(tv *arr, tv *v)
{
    if (!arr || arr->kind != TV_ARR)
        return -1;
    if (arr->u.arr.n == arr->u.arr.cap) {
        size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 8;
        tv **p = tv_alloc(arr->u.arr.a, cap * sizeof *p);
        if (!p)
            return -1;
        if (arr->u.arr.n)
            memcpy(p, arr->u.arr.v, arr->u.arr.n * sizeof *p);
        arr->u.arr.v = p;
        arr->u.arr.cap = cap;
    }
    arr->u.arr.v[arr->u.arr.n++] = v ? v : &null_v;
    return 0;
}

void
tv_push_str(tv *arr, const char *s)
{
    if (arr && arr->kind == TV_ARR)
        tv_push(arr, tv_str(arr->u.arr.a, s));
}

void
tv_push_fmt(tv *arr, const char *fmt, ...)
{
    va_list ap;
    if (!arr || arr->kind != TV_ARR)
        return;
    va_start(ap, fmt);
    tv_push(arr, vfmt_value(arr->u.arr.a, fmt, ap));
    va_end(ap);
}

void
tv_extend(tv *arr, const tv *from)
{
    size_t n = tv_len(from);
    for (size_t i = 0; i < n; i++)
        tv_push(arr, from->u.arr.v[i]);
}

size_t
tv_len(const tv *arr)
{
    arr = resolve((tv *)arr);
    return arr && arr->kind == TV_ARR ? arr->u.arr.n : 0;
}

tv *
tv_at(const tv *arr, size_t i)
{
    return arr && arr->kind == TV_ARR && i < arr->u.arr.n ? resolve(arr->u.arr.v[i]) : NULL;
}

tv *
tv_arr_copy(tv_arena *a, const tv *arr)
{
    tv *c = tv_arr(a);
    tv_extend(c, arr);
    return c;
}

tv *
tv_obj_copy(tv_arena *a, const tv *o)
{
    tv *c;
    if (!o || o->kind != TV_OBJ)
        return &null_v;
    if (a != o->u.obj.a) {
        /* Member names are interned per arena: set them again. */
        c = tv_obj_sized(a, o->u.obj.n);
        for (size_t i = 0; i < o->u.obj.n; i++)
            obj_setn(c, o->u.obj.e[i].key, o->u.obj.e[i].klen, o->u.obj.e[i].val);
        return c;
    }
    c = tv_obj(a);
    if (c->kind != TV_OBJ || o->u.obj.n == 0)
        return c;
    c->u.obj.e = tv_alloc(a, o->u.obj.n * sizeof *c->u.obj.e);
    if (!c->u.obj.e)
        return &null_v;
    memcpy(c->u.obj.e, o->u.obj.e, o->u.obj.n * sizeof *c->u.obj.e);
    c->u.obj.n = c->u.obj.cap = o->u.obj.n;
    if (c->u.obj.cap >= INDEX_MIN && obj_index(c, c->u.obj.cap) != 0)
        return &null_v;
    return c;
}

const char *
tv_sval(const tv *v)
{
    v = resolve((tv *)v);
    return v && v->kind == TV_STR ? v->u.s.p : NULL;
}

long long
tv_ival(const tv *v)
{
    v = resolve((tv *)v);
    return v && v->kind == TV_INT ? v->u.i : 0;
}

int
tv_is_true(const tv *v)
{
    v = resolve((tv *)v);
    return v && v->kind == TV_TRUE;
}

tv *
tv_from_json_obj(tv_arena *a, const json_t *j, size_t extra)
{
    void *it;
    tv *v;
    if (!json_is_object(j))
        return tv_from_json(a, j);
    v = tv_obj_sized(a, json_object_size(j) + extra);
    if (v->kind != TV_OBJ)
        return v;
    /* Members that are arrays or objects (a query's columns and params) wait until something
     * reads them: the derived model replaces some and templates rarely read the others. */
    for (it = json_object_iter((json_t *)j); it; it = json_object_iter_next((json_t *)j, it)) {
        json_t *m = json_object_iter_value(it);
        tv *mv;
        if (json_is_array(m) || json_is_object(m)) {
            mv = new_value(a, TV_LAZY);
            if (!mv) {
                mv = &null_v;
            } else {
                mv->u.lazy.j = m;
                mv->u.lazy.a = a;
            }
        } else {
            mv = tv_from_json(a, m);
        }
        obj_append_json_key(v, json_object_iter_key(it), json_object_iter_key_len(it), mv);
    }
    return v;
}

tv *
tv_from_json(tv_arena *a, const json_t *j)
{
    tv *v;
    size_t i;
    if (!j)
        return &null_v;
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        v = tv_obj_sized(a, json_object_size(j));
        obj_append_json(a, v, j);
        return v;
    case JSON_ARRAY:
        v = tv_arr_sized(a, json_array_size(j));
        for (i = 0; i < json_array_size(j); i++)
            tv_push(v, tv_from_json(a, json_array_get(j, i)));
        return v;
    case JSON_STRING:
        return str_value(a, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return tv_int(a, (long long)json_integer_value(j));
    case JSON_REAL:
        return tv_real(a, json_real_value(j));
    case JSON_TRUE:
        return &true_v;
    case JSON_FALSE:
        return &false_v;
    default:
        return &null_v;
    }
}

json_t *
tv_to_json(const tv *v)
{
    json_t *j;
    size_t i;
    switch (tv_kind_of(v)) {
    case TV_OBJ:
        j = json_object();
        for (i = 0; j && i < v->u.obj.n; i++)
            json_object_setn_new_nocheck(j, v->u.obj.e[i].key, v->u.obj.e[i].klen,
                                         tv_to_json(resolve(v->u.obj.e[i].val)));
        return j;
    case TV_ARR:
        j = json_array();
        for (i = 0; j && i < v->u.arr.n; i++)
            json_array_append_new(j, tv_to_json(resolve(v->u.arr.v[i])));
        return j;
    case TV_STR:
        return json_stringn_nocheck(v->u.s.p, v->u.s.len);
    case TV_INT:
        return json_integer((json_int_t)v->u.i);
    case TV_REAL:
        return json_real(v->u.d);
    case TV_TRUE:
        return json_true();
    case TV_FALSE:
        return json_false();
    default:
        return json_null();
    }
}

/* Both limits turn hostile or runaway templates into errors instead of stack overflows. */
#define MAX_SECTION_DEPTH 256
#define MAX_PARTIAL_DEPTH 64
#define MAX_DELIM 32

enum node_kind { NODE_TEXT, NODE_VAR, NODE_SECTION, NODE_INVERTED, NODE_PARTIAL };

struct node {
    enum node_kind kind;
    int escape;             /* NODE_VAR: {{x}} rather than {{{x}}} or {{&x}} */
    const char *str;        /* text, or the tag's trimmed name; points into the source */
    size_t len;
    const char *indent;     /* NODE_PARTIAL: whitespace before a standalone tag, else NULL */
    size_t indent_len;
    size_t end;             /* sections: index one past the last node of the body */
    size_t pos;             /* offset of the tag in the source, for error lines */
    size_t seg;             /* names: length of the first dotted segment */
    uint32_t hash;          /* names: hash_key of the first segment */
};

struct tmpl {
    const char *name;       /* borrowed: the options' name or a partial source's name */
    const char *src;        /* borrowed: nodes point into it */
    size_t src_len;
    struct node *nodes;
    size_t n, cap;
};

/* A partial's text, loaded once per render. text == NULL means the loader did not know it. */
struct source {
    char *name;
    char *text;
    int checked;            /* parsed once unindented, and its own partials checked */
    struct source *next;
};

/* A partial parsed for one standalone indentation (the spec indents every line of it). */
struct parsed {
    struct source *src;
    char *indent;
    size_t indent_len;
    char *text;             /* the indented copy, or NULL when indent_len is 0 */
    struct tmpl t;
    struct parsed *next;
};

struct buf {
    char *p;
    size_t len, cap;
};

/* A parsed template and the partials it has loaded so far. */
struct template {
    template_options opt;
    char *text;             /* the template's own copy of its source */
    struct tmpl root;
    struct source *sources;
    struct parsed *parsed;
    size_t last_len;        /* the previous render's length: the next output buffer's size */
};

struct render {
    const template_options *opt;
    template *tpl;          /* where partials are cached */
    template_error *err;
    struct buf out;
    const tv **stack;
    size_t depth, stack_cap;
    int partial_depth;
};

static const template_options default_options = {0, 0, NULL, NULL, NULL};

static int
line_of(const char *src, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos && src[i]; i++)
        if (src[i] == '\n')
            line++;
    return line;
}

static void
set_error(template_error *err, const char *file, const char *src, size_t pos, const char *fmt,
          ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "<template>");
    err->line = src ? line_of(src, pos) : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static int
buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int
buf_add(struct buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static struct node *
tmpl_add(struct tmpl *t, enum node_kind kind, const char *str, size_t len, size_t pos)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        struct node *nodes = realloc(t->nodes, cap * sizeof *nodes);
        if (!nodes)
            return NULL;
        t->nodes = nodes;
        t->cap = cap;
    }
    struct node *nd = &t->nodes[t->n++];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->str = str;
    nd->len = len;
    nd->pos = pos;
    if (kind != NODE_TEXT) {
        const char *dot = memchr(str, '.', len);
        nd->seg = dot && len > 1 ? (size_t)(dot - str) : len;
        nd->hash = hash_key(str, nd->seg);
    }
    return nd;
}

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses the `{{=open close=}}` body into the current delimiters. */
static int
parse_delimiters(const char *s, size_t len, char *open, size_t *olen, char *close, size_t *clen)
{
    size_t i = 0, a, b;
    while (i < len && is_blank(s[i]))
        i++;
    a = i;
    while (i < len && !is_blank(s[i]))
        i++;
    size_t alen = i - a;
    while (i < len && is_blank(s[i]))
        i++;
    b = i;
    while (i < len && !is_blank(s[i]))
        i++;
    size_t blen = i - b;
    while (i < len && is_blank(s[i]))
        i++;
    if (i != len || alen == 0 || blen == 0 || alen > MAX_DELIM || blen > MAX_DELIM)
        return -1;
    if (memchr(s + a, '=', alen) || memchr(s + b, '=', blen))
        return -1;
    memcpy(open, s + a, alen);
    open[alen] = '\0';
    *olen = alen;
    memcpy(close, s + b, blen);
    close[blen] = '\0';
    *clen = blen;
    return 0;
}

/* Parses t->src into t->nodes. Every parse starts with the default delimiters, which is what
 * the spec asks of partials. On error fills *err (file = t->name) and returns -1. */
static int
parse(struct tmpl *t, template_error *err)
{
    const char *s = t->src;
    size_t n = t->src_len;
    char open[MAX_DELIM + 1] = "{{", close[MAX_DELIM + 1] = "}}";
    size_t olen = 2, clen = 2;
    size_t stack[MAX_SECTION_DEPTH];
    size_t depth = 0;
    size_t pos = 0, text_start = 0;

    for (;;) {
        const char *found = memmem(s + pos, n - pos, open, olen);
        if (!found)
            break;
        size_t tag = (size_t)(found - s);
        size_t p = tag + olen;
        char type = p < n ? s[p] : '\0';
        if (type && strchr("#^/!>&{=", type))
            p++;
        else
            type = '\0';

        /* Triple mustaches end with "}" + close and delimiter tags with "=" + close. */
        char term[MAX_DELIM + 2];
        size_t tlen = 0;
        if (type == '{' || type == '=')
            term[tlen++] = type == '{' ? '}' : '=';
        memcpy(term + tlen, close, clen);
        tlen += clen;
        const char *tend = memmem(s + p, n - p, term, tlen);
        if (!tend) {
            set_error(err, t->name, s, tag, "unclosed tag: no '%.*s' after '%.*s'", (int)tlen,
                      term, (int)olen, open);
            return -1;
        }
        size_t body_end = (size_t)(tend - s);
        size_t tag_end = body_end + tlen;

        size_t name = p, name_end = body_end;
        while (name < name_end && is_blank(s[name]))
            name++;
        while (name_end > name && is_blank(s[name_end - 1]))
            name_end--;
        size_t name_len = name_end - name;
        if (type != '!' && type != '=') {
            if (name_len == 0) {
                set_error(err, t->name, s, tag, "empty tag name");
                return -1;
            }
            for (size_t i = name; i < name_end; i++) {
                if (is_blank(s[i])) {
                    set_error(err, t->name, s, tag, "tag name '%.*s' contains whitespace",
                              (int)name_len, s + name);
                    return -1;
                }
            }
        }

        /* Standalone: alone on its line apart from spaces and tabs; the whole line goes. */
        size_t text_end = tag, next = tag_end;
        if (type && strchr("#^/!>=", type)) {
            size_t ls = tag;
            while (ls > 0 && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
                ls--;
            if (ls == 0 || s[ls - 1] == '\n') {
                size_t after = tag_end;
                while (after < n && (s[after] == ' ' || s[after] == '\t'))
                    after++;
                int standalone = 1;
                if (after < n && s[after] == '\n')
                    after++;
                else if (after + 1 < n && s[after] == '\r' && s[after + 1] == '\n')
                    after += 2;
                else if (after < n)
                    standalone = 0;
                if (standalone) {
                    text_end = ls;
                    next = after;
                }
            }
        }

        if (text_end > text_start && !tmpl_add(t, NODE_TEXT, s + text_start,
                                               text_end - text_start, text_start))
            goto oom;

        struct node *nd;
        switch (type) {
        case '#':
        case '^':
            if (depth == MAX_SECTION_DEPTH) {
                set_error(err, t->name, s, tag, "sections nested deeper than %d",
                          MAX_SECTION_DEPTH);
                return -1;
            }
            if (!tmpl_add(t, type == '#' ? NODE_SECTION : NODE_INVERTED, s + name, name_len, tag))
                goto oom;
            stack[depth++] = t->n - 1;
            break;
        case '/': {
            if (depth == 0) {
                set_error(err, t->name, s, tag, "close tag '%.*s' without an open section",
                          (int)name_len, s + name);
                return -1;
            }
            struct node *open_nd = &t->nodes[stack[--depth]];
            if (open_nd->len != name_len || memcmp(open_nd->str, s + name, name_len) != 0) {
                set_error(err, t->name, s, tag,
                          "close tag '%.*s' does not match section '%.*s' opened on line %d",
                          (int)name_len, s + name, (int)open_nd->len, open_nd->str,
                          line_of(s, open_nd->pos));
                return -1;
            }
            open_nd->end = t->n;
            break;
        }
        case '!':
            break;
        case '>':
            if (!(nd = tmpl_add(t, NODE_PARTIAL, s + name, name_len, tag)))
                goto oom;
            if (text_end != tag) {
                nd->indent = s + text_end;
                nd->indent_len = tag - text_end;
            }
            break;
        case '=':
            if (parse_delimiters(s + p, body_end - p, open, &olen, close, &clen) < 0) {
                set_error(err, t->name, s, tag,
                          "bad delimiter tag: want two non-empty delimiters without '=' or "
                          "whitespace, at most %d bytes each", MAX_DELIM);
                return -1;
            }
            break;
        default:
            if (!(nd = tmpl_add(t, NODE_VAR, s + name, name_len, tag)))
                goto oom;
            nd->escape = type == '\0';
            break;
        }
        pos = text_start = next;
    }
    if (n > text_start && !tmpl_add(t, NODE_TEXT, s + text_start, n - text_start, text_start))
        goto oom;
    if (depth > 0) {
        struct node *open_nd = &t->nodes[stack[depth - 1]];
        set_error(err, t->name, s, open_nd->pos, "unclosed section '%.*s'", (int)open_nd->len,
                  open_nd->str);
        return -1;
    }
    return 0;
oom:
    set_error(err, t->name, s, pos, "out of memory");
    return -1;
}

/* Finds or loads the source of partial `name`. Returns -1 only when out of memory. */
static int
get_source(struct render *r, const char *name, size_t len, struct source **out)
{
    for (struct source *src = r->tpl->sources; src; src = src->next) {
        if (strlen(src->name) == len && memcmp(src->name, name, len) == 0) {
            *out = src;
            return 0;
        }
    }
    struct source *src = calloc(1, sizeof *src);
    if (!src || !(src->name = strndup(name, len))) {
        free(src);
        return -1;
    }
    if (r->opt->partial)
        src->text = r->opt->partial(src->name, r->opt->partial_userdata);
    src->next = r->tpl->sources;
    r->tpl->sources = src;
    *out = src;
    return 0;
}

/* Checks every partial tag of `t`, recursively: each must load (in strict mode) and parse.
 * Recursion goes by distinct names only, so self-including partials terminate. */
static int
check_partials(struct render *r, const struct tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct node *nd = &t->nodes[i];
        if (nd->kind != NODE_PARTIAL)
            continue;
        struct source *src;
        if (get_source(r, nd->str, nd->len, &src) < 0) {
            set_error(r->err, t->name, t->src, nd->pos, "out of memory");
            return -1;
        }
        if (!src->text) {
            if (r->opt->strict_partials) {
                set_error(r->err, t->name, t->src, nd->pos, "unknown partial '%s'", src->name);
                return -1;
            }
            continue;
        }
        if (src->checked)
            continue;
        src->checked = 1;
        struct tmpl pt = {.name = src->name, .src = src->text, .src_len = strlen(src->text)};
        int rc = parse(&pt, r->err);
        if (rc == 0)
            rc = check_partials(r, &pt);
        free(pt.nodes);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Copies `text` with `indent` inserted at the start of every line (a final newline does not
 * start a line). Caller owns; release with free(). */
static char *
indent_text(const char *text, const char *indent, size_t indent_len)
{
    size_t lines = 1, len = strlen(text);
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\n')
            lines++;
    char *out = malloc(len + lines * indent_len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    memcpy(out, indent, indent_len);
    o += indent_len;
    for (size_t i = 0; i < len; i++) {
        out[o++] = text[i];
        if (text[i] == '\n' && i + 1 < len) {
            memcpy(out + o, indent, indent_len);
            o += indent_len;
        }
    }
    out[o] = '\0';
    return out;
}

/* Returns the parsed form of partial node `nd` (in template `t`), NULL in *out when it is
 * unknown. Borrowed; valid until the render ends. */
static int
get_parsed(struct render *r, const struct tmpl *t, const struct node *nd, struct tmpl **out)
{
    struct source *src;
    if (get_source(r, nd->str, nd->len, &src) < 0)
        goto oom;
    *out = NULL;
    if (!src->text)
        return 0;
    for (struct parsed *pp = r->tpl->parsed; pp; pp = pp->next) {
        if (pp->src == src && pp->indent_len == nd->indent_len &&
            memcmp(pp->indent, nd->indent ? nd->indent : "", nd->indent_len) == 0) {
            *out = &pp->t;
            return 0;
        }
    }
    struct parsed *pp = calloc(1, sizeof *pp);
    if (!pp)
        goto oom;
    pp->src = src;
    pp->indent_len = nd->indent_len;
    pp->indent = strndup(nd->indent ? nd->indent : "", nd->indent_len);
    if (pp->indent && nd->indent_len)
        pp->text = indent_text(src->text, pp->indent, pp->indent_len);
    if (!pp->indent || (nd->indent_len && !pp->text)) {
        free(pp->indent);
        free(pp->text);
        free(pp);
        goto oom;
    }
    pp->t.name = src->name;
    pp->t.src = pp->text ? pp->text : src->text;
    pp->t.src_len = strlen(pp->t.src);
    pp->next = r->tpl->parsed;
    r->tpl->parsed = pp;
    if (parse(&pp->t, r->err) < 0)
        return -1;
    *out = &pp->t;
    return 0;
oom:
    set_error(r->err, t->name, t->src, nd->pos, "out of memory");
    return -1;
}

static int
push(struct render *r, const tv *v)
{
    if (r->depth == r->stack_cap) {
        size_t cap = r->stack_cap ? r->stack_cap * 2 : 32;
        const tv **stack = realloc(r->stack, cap * sizeof *stack);
        if (!stack)
            return -1;
        r->stack = stack;
        r->stack_cap = cap;
    }
    r->stack[r->depth++] = v;
    return 0;
}

/* The spec's lookup: "." is the top of the stack; otherwise the first part of a dotted name is
 * searched from the top of the stack down, and the remaining parts only inside what it found. */
static const tv *
lookup(const struct render *r, const struct node *nd)
{
    const char *name = nd->str;
    size_t len = nd->len;
    if (len == 1 && name[0] == '.')
        return r->depth ? r->stack[r->depth - 1] : NULL;
    const char *dot = nd->seg < len ? name + nd->seg : NULL;
    const tv *v = NULL;
    for (size_t i = r->depth; i-- > 0;) {
        if ((v = obj_getn(r->stack[i], name, nd->seg, nd->hash)) != NULL)
            break;
    }
    while (v && dot) {
        const char *part = dot + 1;
        size_t rest = (size_t)(name + len - part), seg;
        dot = memchr(part, '.', rest);
        seg = dot ? (size_t)(dot - part) : rest;
        v = obj_getn(v, part, seg, hash_key(part, seg));
    }
    return v;
}

static int
truthy(const tv *v)
{
    if (!v)
        return 0;
    switch (v->kind) {
    case TV_NULL:
    case TV_FALSE:
        return 0;
    case TV_STR:
        return v->u.s.len > 0;
    case TV_ARR:
        return v->u.arr.n > 0;
    case TV_INT:
        return v->u.i != 0;
    case TV_REAL:
        return v->u.d != 0.0;
    default:
        return 1;
    }
}

static int
add_escaped(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        default: continue;
        }
        if (buf_add(b, s + run, i - run) < 0 || buf_add(b, rep, strlen(rep)) < 0)
            return -1;
        run = i + 1;
    }
    return buf_add(b, s + run, n - run);
}

static int
add_value(struct render *r, const tv *v, int escape)
{
    char num[64];
    const char *s = num;
    size_t n;
    char *dumped = NULL;
    if (!v)
        return 0;
    switch (v->kind) {
    case TV_NULL:
        return 0;
    case TV_STR:
        s = v->u.s.p;
        n = v->u.s.len;
        break;
    case TV_INT:
        n = (size_t)snprintf(num, sizeof num, "%lld", v->u.i);
        break;
    case TV_REAL: {
        /* The shortest of %.15g..%.17g that reads back as the same double: 1.21, not
         * 1.2099999999999999. */
        double d = v->u.d;
        for (int prec = 15; prec <= 17; prec++) {
            n = (size_t)snprintf(num, sizeof num, "%.*g", prec, d);
            if (strtod(num, NULL) == d)
                break;
        }
        break;
    }
    case TV_TRUE:
        s = "true";
        n = 4;
        break;
    case TV_FALSE:
        s = "false";
        n = 5;
        break;
    default: {
        /* Objects and arrays as compact JSON, exactly as jansson writes them. */
        json_t *j = tv_to_json(v);
        dumped = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        json_decref(j);
        if (!dumped)
            return -1;
        s = dumped;
        n = strlen(dumped);
        break;
    }
    }
    if (n == 0)
        return 0;
    int rc = escape ? add_escaped(&r->out, s, n) : buf_add(&r->out, s, n);
    free(dumped);
    return rc;
}

static int render_nodes(struct render *r, const struct tmpl *t, size_t from, size_t to);

static int
out_of_memory(struct render *r, const struct tmpl *t, const struct node *nd)
{
    set_error(r->err, t->name, t->src, nd->pos, "out of memory");
    return -1;
}

static int
render_partial(struct render *r, const struct tmpl *t, const struct node *nd)
{
    struct tmpl *pt;
    if (r->partial_depth >= MAX_PARTIAL_DEPTH) {
        set_error(r->err, t->name, t->src, nd->pos,
                  "partial '%.*s' nested deeper than %d (recursive partial?)", (int)nd->len,
                  nd->str, MAX_PARTIAL_DEPTH);
        return -1;
    }
    if (get_parsed(r, t, nd, &pt) < 0)
        return -1;
    if (!pt) {
        if (!r->opt->strict_partials)
            return 0;
        set_error(r->err, t->name, t->src, nd->pos, "unknown partial '%.*s'", (int)nd->len,
                  nd->str);
        return -1;
    }
    r->partial_depth++;
    int rc = render_nodes(r, pt, 0, pt->n);
    r->partial_depth--;
    return rc;
}

static int
render_nodes(struct render *r, const struct tmpl *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct node *nd = &t->nodes[i];
        const tv *v;
        switch (nd->kind) {
        case NODE_TEXT:
            if (buf_add(&r->out, nd->str, nd->len) < 0)
                return out_of_memory(r, t, nd);
            break;
        case NODE_VAR:
            if (add_value(r, lookup(r, nd), nd->escape && r->opt->escape_html) < 0)
                return out_of_memory(r, t, nd);
            break;
        case NODE_SECTION:
            v = lookup(r, nd);
            if (!truthy(v)) {
                /* nothing */
            } else if (v->kind == TV_ARR) {
                for (size_t k = 0; k < v->u.arr.n; k++) {
                    if (push(r, resolve(v->u.arr.v[k])) < 0)
                        return out_of_memory(r, t, nd);
                    int rc = render_nodes(r, t, i + 1, nd->end);
                    r->depth--;
                    if (rc < 0)
                        return -1;
                }
            } else {
                if (push(r, v) < 0)
                    return out_of_memory(r, t, nd);
                int rc = render_nodes(r, t, i + 1, nd->end);
                r->depth--;
                if (rc < 0)
                    return -1;
            }
            i = nd->end - 1;
            break;
        case NODE_INVERTED:
            if (!truthy(lookup(r, nd)) && render_nodes(r, t, i + 1, nd->end) < 0)
                return -1;
            i = nd->end - 1;
            break;
        case NODE_PARTIAL:
            if (render_partial(r, t, nd) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

void
template_free(template *t)
{
    if (!t)
        return;
    free(t->root.nodes);
    while (t->parsed) {
        struct parsed *next = t->parsed->next;
        free(t->parsed->t.nodes);
        free(t->parsed->text);
        free(t->parsed->indent);
        free(t->parsed);
        t->parsed = next;
    }
    while (t->sources) {
        struct source *next = t->sources->next;
        free(t->sources->name);
        free(t->sources->text);
        free(t->sources);
        t->sources = next;
    }
    free(t->text);
    free(t);
}

template *
template_parse(const char *tmpl, const template_options *opt, template_error *err)
{
    template *t;
    struct render r = {0};
    const char *name;

    opt = opt ? opt : &default_options;
    name = opt->name ? opt->name : "<template>";
    if (!tmpl) {
        set_error(err, name, NULL, 0, "template_render: NULL template or output");
        return NULL;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->text = strdup(tmpl))) {
        free(t);
        set_error(err, name, NULL, 0, "out of memory");
        return NULL;
    }
    t->opt = *opt;
    t->root.name = name;
    t->root.src = t->text;
    t->root.src_len = strlen(t->text);
    r.opt = &t->opt;
    r.tpl = t;
    r.err = err;
    if (parse(&t->root, err) < 0 || check_partials(&r, &t->root) < 0) {
        template_free(t);
        return NULL;
    }
    return t;
}

int
template_render_parsed(template *t, const tv *data, char **out, template_error *err)
{
    struct render r = {.opt = &t->opt, .tpl = t, .err = err};
    int rc = -1;

    *out = NULL;
    if (data && push(&r, data) < 0) {
        set_error(err, t->root.name, NULL, 0, "out of memory");
        goto done;
    }
    if (buf_reserve(&r.out, t->last_len > t->root.src_len ? t->last_len : t->root.src_len) < 0) {
        set_error(err, t->root.name, NULL, 0, "out of memory");
        goto done;
    }
    r.out.p[0] = '\0';
    if (render_nodes(&r, &t->root, 0, t->root.n) < 0)
        goto done;
    *out = r.out.p;
    t->last_len = r.out.len;
    r.out.p = NULL;
    rc = 0;
done:
    free(r.out.p);
    free(r.stack);
    return rc;
}

int
template_render_tv(const char *tmpl, const tv *data, const template_options *opt, char **out,
                   template_error *err)
{
    template *t;
    int rc;

    if (out)
        *out = NULL;
    if (!out) {
        set_error(err, opt && opt->name ? opt->name : "<template>", NULL, 0,
                  "template_render: NULL template or output");
        return -1;
    }
    if (!(t = template_parse(tmpl, opt, err)))
        return -1;
    rc = template_render_parsed(t, data, out, err);
    template_free(t);
    return rc;
}

int
template_render(const char *tmpl, json_t *data, const template_options *opt, char **out,
                template_error *err)
{
    tv_arena *a = tv_arena_new();
    const tv *v = NULL;
    int rc;

    if (out)
        *out = NULL;
    if (a && data)
        v = tv_from_json(a, data);
    if (!a || tv_arena_oom(a)) {
        set_error(err, opt && opt->name ? opt->name : "<template>", NULL, 0, "out of memory");
        tv_arena_free(a);
        return -1;
    }
    rc = template_render_tv(tmpl, v, opt, out, err);
    tv_arena_free(a);
    return rc;
}

char *
template_partial_from_dir(const char *name, void *userdata)
{
    const char *dir = userdata;
    if (!dir || !name || !*name || name[0] == '.' || strchr(name, '/'))
        return NULL;
    size_t plen = strlen(dir) + strlen(name) + sizeof "/.mustache";
    char *path = malloc(plen);
    if (!path)
        return NULL;
    snprintf(path, plen, "%s/%s.mustache", dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return NULL;
    struct buf b = {0};
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_add(&b, chunk, got) < 0) {
            free(b.p);
            fclose(f);
            return NULL;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : strdup("");
}

char *
template_partial_from_json(const char *name, void *userdata)
{
    json_t *v = json_object_get((json_t *)userdata, name);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}
