/* pgcatalog.c: lookups and overload resolution over PostgreSQL's built-in catalog, whose tables
 * (pgcatalog_data.c) scripts/gen-pgcatalog generates from a real PostgreSQL 15.
 * The resolution code follows parse_func.c, parse_oper.c and parse_coerce.c (func_get_detail,
 * func_select_candidate, oper, can_coerce_type, enforce_generic_type_consistency) closely enough
 * for static type checking. Domains, user composites, named arguments and COALESCE-like
 * expressions are analyze.c's business. Nothing here allocates: scratch space is on the stack. */
#include "pgcatalog.h"

#include <stddef.h>
#include <string.h>

/* FUNC_MAX_ARGS: PostgreSQL refuses calls with more arguments. */
#define MAX_ARGS 100

#define OID_INT2VECTOR 22u
#define OID_OIDVECTOR 30u

const char *const pgc_extension_names[] = {"uuid-ossp", "pgcrypto", "citext", "hstore", "vector"};
const size_t pgc_extension_count = sizeof pgc_extension_names / sizeof pgc_extension_names[0];

unsigned
pgc_extension_bit(const char *extname)
{
    if (extname == NULL)
        return 0;
    if (strcmp(extname, "pgvector") == 0)
        extname = "vector";
    for (size_t i = 0; i < pgc_extension_count; i++)
        if (strcmp(extname, pgc_extension_names[i]) == 0)
            return 1u << i;
    return 0;
}

/* ---- types ---- */

static const pgc_type *
type_exact(const char *name)
{
    size_t lo = 0, hi = pgc_data_ntypes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, pgc_data_types[mid].name);
        if (c == 0)
            return &pgc_data_types[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* SQL spellings the grammar turns into catalog names; kept sorted by alias. */
static const struct {
    const char *alias;
    const char *name;
} type_aliases[] = {
    {"bigint", "int8"},
    {"bigserial", "int8"},
    {"bit varying", "varbit"},
    {"boolean", "bool"},
    {"char varying", "varchar"},
    {"character", "bpchar"},
    {"character varying", "varchar"},
    {"dec", "numeric"},
    {"decimal", "numeric"},
    {"double precision", "float8"},
    {"float", "float8"},
    {"int", "int4"},
    {"integer", "int4"},
    {"real", "float4"},
    {"serial", "int4"},
    {"serial2", "int2"},
    {"serial4", "int4"},
    {"serial8", "int8"},
    {"smallint", "int2"},
    {"smallserial", "int2"},
    {"time with time zone", "timetz"},
    {"time without time zone", "time"},
    {"timestamp with time zone", "timestamptz"},
    {"timestamp without time zone", "timestamp"},
};

const pgc_type *
pgc_type_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    if (strncmp(name, "pg_catalog.", 11) == 0)
        name += 11;
    size_t len = strlen(name);
    if (len > 2 && strcmp(name + len - 2, "[]") == 0) {
        /* Any number of trailing [] is the one array type: PostgreSQL ignores declared dims. */
        char base[128];
        while (len > 2 && memcmp(name + len - 2, "[]", 2) == 0)
            len -= 2;
        if (len >= sizeof base)
            return NULL;
        memcpy(base, name, len);
        base[len] = '\0';
        const pgc_type *elem = pgc_type_by_name(base);
        if (elem == NULL || elem->array_oid == 0)
            return NULL;
        return pgc_type_by_oid(elem->array_oid);
    }
    const pgc_type *t = type_exact(name);
    if (t != NULL)
        return t;
    for (size_t i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++)
        if (strcmp(name, type_aliases[i].alias) == 0)
            return type_exact(type_aliases[i].name);
    return NULL;
}

const pgc_type *
pgc_type_by_oid(uint32_t id)
{
    size_t lo = 0, hi = pgc_data_ntypes;
    if (id == 0)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const pgc_type *t = &pgc_data_types[pgc_data_types_by_id[mid]];
        if (t->id == id)
            return t;
        if (id < t->id)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool
pgc_type_visible(const pgc_type *t, unsigned ext_mask)
{
    return t != NULL && (t->ext_bit == 0 || (t->ext_bit & ext_mask) != 0);
}

static bool
is_unknown(uint32_t id)
{
    return id == PGC_UNKNOWN || id == PGC_UNKNOWN_OID;
}

uint32_t
pgc_array_of(uint32_t elem)
{
    if (elem == PGC_ANYENUM)
        return PGC_ANYENUM_ARRAY;
    const pgc_type *t = pgc_type_by_oid(elem);
    return t != NULL ? t->array_oid : 0;
}

uint32_t
pgc_elem_of(uint32_t id)
{
    if (id == PGC_ANYENUM_ARRAY)
        return PGC_ANYENUM;
    const pgc_type *t = pgc_type_by_oid(id);
    return t != NULL && t->category == 'A' ? t->elem_oid : 0;
}

char
pgc_type_category(uint32_t id)
{
    if (id == PGC_ANYENUM)
        return 'E';
    if (id == PGC_ANYENUM_ARRAY)
        return 'A';
    const pgc_type *t = is_unknown(id) ? NULL : pgc_type_by_oid(id);
    return t != NULL ? t->category : 'X';
}

/* Category and preference of a declared (candidate) type: anyenum is a pseudo-type here. */
static char
decl_category(uint32_t id)
{
    const pgc_type *t = pgc_type_by_oid(id);
    return t != NULL ? t->category : 'X';
}

static bool
decl_preferred(uint32_t id)
{
    const pgc_type *t = pgc_type_by_oid(id);
    return t != NULL && t->preferred;
}

/* typtype of a value's type: PGC_ANYENUM stands for a real enum. */
static char
value_typtype(uint32_t id)
{
    if (id == PGC_ANYENUM)
        return 'e';
    const pgc_type *t = pgc_type_by_oid(id);
    return t != NULL ? t->typtype : 0;
}

static uint32_t
range_subtype(uint32_t range)
{
    for (size_t i = 0; i < pgc_data_nranges; i++)
        if (pgc_data_ranges[i].range == range)
            return pgc_data_ranges[i].subtype;
    return 0;
}

static uint32_t
multirange_range(uint32_t multirange)
{
    for (size_t i = 0; i < pgc_data_nranges; i++)
        if (pgc_data_ranges[i].multirange == multirange)
            return pgc_data_ranges[i].range;
    return 0;
}

static uint32_t
range_multirange(uint32_t range)
{
    for (size_t i = 0; i < pgc_data_nranges; i++)
        if (pgc_data_ranges[i].range == range)
            return pgc_data_ranges[i].multirange;
    return 0;
}

/* ---- functions, operators, casts: lookups ---- */

_Static_assert(offsetof(pgc_func, name) == 0 && offsetof(pgc_oper, name) == 0,
               "name_run reads an entry's name at its start");

/* The run of entries named name in a table sorted by name, whose entries (size bytes each)
 * start with their name (pgc_func, pgc_oper): its first index, *count entries long. */
static size_t
name_run(const void *table, size_t n, size_t size, const char *name, size_t *count)
{
    const char *base = table;
    size_t lo = 0, hi = n;
#define NAME_AT(i) (*(const char *const *)(const void *)(base + (i) * size))
    /* Lower bound of the run, then its end. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(NAME_AT(mid), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < n && strcmp(NAME_AT(end), name) == 0)
        end++;
#undef NAME_AT
    *count = end - lo;
    return lo;
}

const pgc_func *
pgc_funcs_by_name(const char *name, size_t *count)
{
    size_t ignored, first;
    if (count == NULL)
        count = &ignored;
    *count = 0;
    if (name == NULL)
        return NULL;
    first = name_run(pgc_data_funcs, pgc_data_nfuncs, sizeof *pgc_data_funcs, name, count);
    return *count ? &pgc_data_funcs[first] : NULL;
}

bool
pgc_func_visible(const pgc_func *f, unsigned ext_mask)
{
    return f != NULL && (f->ext_bit == 0 || (f->ext_bit & ext_mask) != 0);
}

const pgc_oper *
pgc_opers_by_name(const char *name, size_t *count)
{
    size_t ignored, first;
    if (count == NULL)
        count = &ignored;
    *count = 0;
    if (name == NULL)
        return NULL;
    first = name_run(pgc_data_opers, pgc_data_nopers, sizeof *pgc_data_opers, name, count);
    return *count ? &pgc_data_opers[first] : NULL;
}

static const pgc_cast *
cast_any(uint32_t source, uint32_t target)
{
    size_t lo = 0, hi = pgc_data_ncasts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const pgc_cast *c = &pgc_data_casts[mid];
        if (c->source == source && c->target == target)
            return c;
        if (source < c->source || (source == c->source && target < c->target))
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const pgc_cast *
pgc_find_cast(uint32_t source, uint32_t target, unsigned ext_mask)
{
    const pgc_cast *c = cast_any(source, target);
    if (c != NULL && c->ext_bit != 0 && (c->ext_bit & ext_mask) == 0)
        return NULL;
    return c;
}

/* ---- coercion ---- */

static int
context_rank(char context)
{
    return context == 'i' ? 0 : context == 'a' ? 1 : 2;
}

/* find_coercion_pathway(): is there any way from `from` to `to` in this context? */
static bool
coercion_pathway(uint32_t from, uint32_t to, char context)
{
    if (from == to)
        return true;
    const pgc_cast *c = cast_any(from, to);
    if (c != NULL)
        return context_rank(c->context) <= context_rank(context);
    if (to != OID_INT2VECTOR && to != OID_OIDVECTOR) {
        uint32_t te = pgc_elem_of(to), se = pgc_elem_of(from);
        if (te != 0 && se != 0)
            return coercion_pathway(se, te, context);
    }
    /* I/O conversion: anything to a string type on assignment, from one when explicit. */
    if (context_rank(context) >= 1 && pgc_type_category(to) == 'S')
        return true;
    if (context_rank(context) >= 2 && pgc_type_category(from) == 'S')
        return true;
    return false;
}

static bool
is_polymorphic(uint32_t id)
{
    switch (id) {
    case PGC_ANYELEMENT:
    case PGC_ANYARRAY:
    case PGC_ANYNONARRAY:
    case PGC_ANYENUM:
    case PGC_ANYRANGE:
    case PGC_ANYMULTIRANGE:
    case PGC_ANYCOMPATIBLE:
    case PGC_ANYCOMPATIBLEARRAY:
    case PGC_ANYCOMPATIBLENONARRAY:
    case PGC_ANYCOMPATIBLERANGE:
    case PGC_ANYCOMPATIBLEMULTIRANGE:
        return true;
    default:
        return false;
    }
}

/* can_coerce_type() for one non-polymorphic target. */
static bool
coerce_one(uint32_t from, uint32_t to, char context)
{
    if (from == to || to == PGC_ANY || is_unknown(from))
        return true;
    if (to == PGC_RECORD && (from == PGC_RECORD || value_typtype(from) == 'c'))
        return true;
    if (to == PGC_RECORD_ARRAY && value_typtype(pgc_elem_of(from)) == 'c')
        return true;
    if (coercion_pathway(from, to, context))
        return true;
    return from == PGC_RECORD && value_typtype(to) == 'c';
}

/* A candidate: a function with its argument list as this call sees it (VARIADIC expanded,
 * defaults dropped), or an operator. */
typedef struct cand {
    const pgc_func *func;
    const pgc_oper *oper;
    uint32_t op[2];   /* operator operand types (prefix: op[0] is the right operand) */
    uint32_t va_type; /* VARIADIC element type for positions >= nfixed, or 0 */
    int nfixed;
    uint32_t ret;
    bool dup; /* another candidate had the same effective signature: choosing it is ambiguous */
} cand;

static uint32_t
decl_at(const cand *c, int i)
{
    if (c->oper != NULL)
        return c->op[i];
    if (c->va_type != 0 && i >= c->nfixed)
        return c->va_type;
    return c->func->args[i];
}

/* What the inputs say about the polymorphic declared types of a candidate. */
typedef struct poly {
    uint32_t elem, array, range, multirange;                  /* anyelement family */
    uint32_t compat, compat_array, compat_range, compat_multirange; /* anycompatible family */
} poly;

static bool
is_family1(uint32_t id)
{
    return id == PGC_ANYELEMENT || id == PGC_ANYARRAY || id == PGC_ANYNONARRAY ||
           id == PGC_ANYENUM || id == PGC_ANYRANGE || id == PGC_ANYMULTIRANGE;
}

static bool
is_family2(uint32_t id)
{
    return id == PGC_ANYCOMPATIBLE || id == PGC_ANYCOMPATIBLEARRAY ||
           id == PGC_ANYCOMPATIBLENONARRAY || id == PGC_ANYCOMPATIBLERANGE ||
           id == PGC_ANYCOMPATIBLEMULTIRANGE;
}

static uint32_t common_type(int n, const uint32_t *types);

/* check_generic_type_consistency(), and with `enforce` the part of
 * enforce_generic_type_consistency() that must determine every family used by the arguments or
 * by `ret` (all-unknown anyelement arguments fail; all-unknown anycompatible ones become text). */
static bool
poly_collect(const cand *c, int nargs, const uint32_t *in, bool enforce, uint32_t ret, poly *p)
{
    uint32_t compat_types[MAX_ARGS + 1];
    int ncompat = 0;
    bool f1 = is_family1(ret), f2 = is_family2(ret), nonarray = false, isenum = false;
    bool compat_nonarray = false;

    memset(p, 0, sizeof *p);
    for (int i = 0; i < nargs; i++) {
        uint32_t d = decl_at(c, i), a = in[i];
        if (!is_polymorphic(d))
            continue;
        f1 |= is_family1(d);
        f2 |= is_family2(d);
        nonarray |= d == PGC_ANYNONARRAY;
        isenum |= d == PGC_ANYENUM;
        compat_nonarray |= d == PGC_ANYCOMPATIBLENONARRAY;
        if (is_unknown(a))
            continue;
        switch (d) {
        case PGC_ANYELEMENT:
        case PGC_ANYNONARRAY:
        case PGC_ANYENUM:
            if (p->elem != 0 && p->elem != a)
                return false;
            p->elem = a;
            break;
        case PGC_ANYARRAY:
            if (pgc_elem_of(a) == 0 || (p->array != 0 && p->array != a))
                return false;
            p->array = a;
            break;
        case PGC_ANYRANGE:
            if (value_typtype(a) != 'r' || (p->range != 0 && p->range != a))
                return false;
            p->range = a;
            break;
        case PGC_ANYMULTIRANGE:
            if (value_typtype(a) != 'm' || (p->multirange != 0 && p->multirange != a))
                return false;
            p->multirange = a;
            break;
        case PGC_ANYCOMPATIBLE:
        case PGC_ANYCOMPATIBLENONARRAY:
            compat_types[ncompat++] = a;
            break;
        case PGC_ANYCOMPATIBLEARRAY:
            if (pgc_elem_of(a) == 0)
                return false;
            compat_types[ncompat++] = pgc_elem_of(a);
            break;
        case PGC_ANYCOMPATIBLERANGE:
            if (value_typtype(a) != 'r' || (p->compat_range != 0 && p->compat_range != a))
                return false;
            p->compat_range = a;
            break;
        case PGC_ANYCOMPATIBLEMULTIRANGE:
            if (value_typtype(a) != 'm' ||
                (p->compat_multirange != 0 && p->compat_multirange != a))
                return false;
            p->compat_multirange = a;
            break;
        default:
            break;
        }
    }

    /* anyelement family: the element type from arrays, multiranges and ranges must agree. */
    if (p->array != 0) {
        uint32_t e = pgc_elem_of(p->array);
        if (p->elem != 0 && p->elem != e)
            return false;
        p->elem = e;
    }
    if (p->multirange != 0) {
        uint32_t r = multirange_range(p->multirange);
        if (p->range != 0 && p->range != r)
            return false;
        p->range = r;
    }
    if (p->range != 0) {
        uint32_t s = range_subtype(p->range);
        if (p->elem != 0 && p->elem != s)
            return false;
        p->elem = s;
    }
    if (p->elem != 0) {
        if (nonarray && pgc_elem_of(p->elem) != 0)
            return false;
        if (isenum && value_typtype(p->elem) != 'e')
            return false;
    }

    /* anycompatible family: the common type of everything, ranges fixing their subtype. */
    if (p->compat_multirange != 0) {
        uint32_t r = multirange_range(p->compat_multirange);
        if (p->compat_range != 0 && p->compat_range != r)
            return false;
        p->compat_range = r;
    }
    if (p->compat_range != 0) {
        uint32_t s = range_subtype(p->compat_range);
        for (int i = 0; i < ncompat; i++)
            if (!coerce_one(compat_types[i], s, 'i'))
                return false;
        p->compat = s;
    } else if (ncompat > 0) {
        p->compat = common_type(ncompat, compat_types);
        if (p->compat == 0)
            return false;
    }
    if (p->compat != 0 && compat_nonarray && pgc_elem_of(p->compat) != 0)
        return false;

    if (!enforce)
        return true;
    if (f1 && p->elem == 0)
        return false; /* "could not determine polymorphic type because input has type unknown" */
    if (f2 && p->compat == 0)
        p->compat = PGC_TEXT;
    return true;
}

/* The concrete type for declared type d once the polymorphic types are known; 0 if unknown. */
static uint32_t
poly_concrete(const poly *p, uint32_t d)
{
    switch (d) {
    case PGC_ANYELEMENT:
    case PGC_ANYNONARRAY:
    case PGC_ANYENUM:
        return p->elem;
    case PGC_ANYARRAY:
        return p->array != 0 ? p->array : pgc_array_of(p->elem);
    case PGC_ANYRANGE:
        return p->range;
    case PGC_ANYMULTIRANGE:
        return p->multirange != 0 ? p->multirange : range_multirange(p->range);
    case PGC_ANYCOMPATIBLE:
    case PGC_ANYCOMPATIBLENONARRAY:
        return p->compat;
    case PGC_ANYCOMPATIBLEARRAY:
        return pgc_array_of(p->compat);
    case PGC_ANYCOMPATIBLERANGE:
        return p->compat_range;
    case PGC_ANYCOMPATIBLEMULTIRANGE:
        return p->compat_multirange != 0 ? p->compat_multirange
                                         : range_multirange(p->compat_range);
    default:
        return d;
    }
}

/* can_coerce_type() over a whole argument list, implicit context. */
static bool
coerce_list(const cand *c, int nargs, const uint32_t *in)
{
    bool generics = false;
    for (int i = 0; i < nargs; i++) {
        uint32_t d = decl_at(c, i);
        if (in[i] == d || d == PGC_ANY)
            continue;
        if (is_polymorphic(d)) {
            generics = true;
            continue;
        }
        if (!coerce_one(in[i], d, 'i'))
            return false;
    }
    poly p;
    return !generics || poly_collect(c, nargs, in, false, 0, &p);
}

bool
pgc_can_coerce(uint32_t from, uint32_t to, char context)
{
    if (!is_polymorphic(to))
        return coerce_one(from, to, context);
    if (from == to)
        return true;
    /* A one-argument pseudo-candidate: decl_at() reads op[] whenever .oper is set. */
    cand c = {.oper = &pgc_data_opers[0], .op = {to, 0}};
    uint32_t in[1] = {from};
    poly p;
    return poly_collect(&c, 1, in, false, 0, &p);
}

/* select_common_type(): unknowns ignored, all unknown gives text, 0 when impossible. */
static uint32_t
common_type(int n, const uint32_t *types)
{
    uint32_t ptype = 0;
    char pcat = 0;
    bool ppref = false;
    for (int i = 0; i < n; i++) {
        uint32_t t = types[i];
        if (is_unknown(t) || t == ptype)
            continue;
        if (ptype == 0) {
            ptype = t;
            pcat = pgc_type_category(t);
            ppref = decl_preferred(t);
            continue;
        }
        if (pgc_type_category(t) != pcat)
            return 0;
        if (!ppref && coerce_one(ptype, t, 'i') && !coerce_one(t, ptype, 'i')) {
            ptype = t;
            ppref = decl_preferred(t);
        }
    }
    if (ptype == 0)
        return PGC_TEXT;
    for (int i = 0; i < n; i++)
        if (!coerce_one(types[i], ptype, 'i'))
            return 0;
    return ptype;
}

uint32_t
pgc_select_common_type(int n, const uint32_t *types)
{
    if (n <= 0 || types == NULL)
        return 0;
    return common_type(n, types);
}

/* ---- candidate selection ---- */

static int
count_exact(const cand *c, int nargs, const uint32_t *in, bool or_preferred)
{
    int n = 0;
    for (int i = 0; i < nargs; i++) {
        if (is_unknown(in[i]))
            continue;
        uint32_t d = decl_at(c, i);
        if (d == in[i] || (or_preferred && decl_preferred(d) &&
                           decl_category(d) == pgc_type_category(in[i])))
            n++;
    }
    return n;
}

/* Keeps the candidates with the highest count_exact(); all when none scores. */
static int
keep_best(cand *cs, int n, int nargs, const uint32_t *in, bool or_preferred)
{
    int best = 0, kept = 0;
    for (int k = 0; k < n; k++) {
        int m = count_exact(&cs[k], nargs, in, or_preferred);
        if (m > best) {
            best = m;
            kept = 0;
        }
        if (m == best)
            cs[kept++] = cs[k];
    }
    return kept;
}

/* func_select_candidate(): index of the winner among cs[0..n), or -1. Reorders cs. */
static int
select_candidate(cand *cs, int n, int nargs, const uint32_t *in)
{
    int nunknowns = 0;
    for (int i = 0; i < nargs; i++)
        nunknowns += is_unknown(in[i]);

    n = keep_best(cs, n, nargs, in, false);
    if (n == 1)
        return 0;
    n = keep_best(cs, n, nargs, in, true);
    if (n == 1)
        return 0;
    if (nunknowns == 0)
        return -1;

    /* Resolve each unknown slot to one category: string wins conflicts, else they fail. */
    char slot_cat[MAX_ARGS];
    bool slot_pref[MAX_ARGS];
    bool resolved = true;
    for (int i = 0; i < nargs && resolved; i++) {
        if (!is_unknown(in[i]))
            continue;
        bool conflict = false;
        slot_cat[i] = 0;
        slot_pref[i] = false;
        for (int k = 0; k < n; k++) {
            uint32_t d = decl_at(&cs[k], i);
            char cat = decl_category(d);
            bool pref = decl_preferred(d);
            if (slot_cat[i] == 0) {
                slot_cat[i] = cat;
                slot_pref[i] = pref;
            } else if (cat == slot_cat[i]) {
                slot_pref[i] |= pref;
            } else if (cat == 'S') {
                slot_cat[i] = 'S';
                slot_pref[i] = pref;
            } else {
                conflict = true;
            }
        }
        if (conflict && slot_cat[i] != 'S')
            resolved = false;
    }
    if (resolved) {
        int kept = 0;
        for (int k = 0; k < n; k++) {
            bool keep = true;
            for (int i = 0; i < nargs && keep; i++) {
                if (!is_unknown(in[i]))
                    continue;
                uint32_t d = decl_at(&cs[k], i);
                if (decl_category(d) != slot_cat[i] || (slot_pref[i] && !decl_preferred(d)))
                    keep = false;
            }
            if (keep)
                cs[kept++] = cs[k];
        }
        n = kept;
        if (n == 1)
            return 0;
    }

    /* Last gasp: when all known inputs have one type, take the unknowns as that type too. */
    if (nunknowns < nargs) {
        uint32_t known = 0;
        for (int i = 0; i < nargs; i++) {
            if (is_unknown(in[i]))
                continue;
            if (known == 0) {
                known = in[i];
            } else if (known != in[i]) {
                known = 0;
                break;
            }
        }
        if (known != 0) {
            uint32_t as_known[MAX_ARGS];
            int found = -1, matches = 0;
            for (int i = 0; i < nargs; i++)
                as_known[i] = known;
            for (int k = 0; k < n && matches < 2; k++) {
                if (coerce_list(&cs[k], nargs, as_known)) {
                    matches++;
                    found = k;
                }
            }
            if (matches == 1)
                return found;
        }
    }
    return -1;
}

static bool
exact_match(const cand *c, int nargs, const uint32_t *in)
{
    for (int i = 0; i < nargs; i++)
        if (decl_at(c, i) != in[i])
            return false;
    return true;
}

static bool
exact_match_cands(const cand *a, const cand *b, int nargs)
{
    for (int i = 0; i < nargs; i++)
        if (decl_at(a, i) != decl_at(b, i))
            return false;
    return true;
}

/* The shared tail of function and operator resolution: exact match, then the candidates every
 * argument coerces to, then the heuristics; then polymorphic types are resolved. Returns the
 * winner's index in cs (reordered) or -1. */
static int
resolve(cand *cs, int n, int nargs, const uint32_t *in, uint32_t *resolved, uint32_t *ret,
        bool *ambiguous)
{
    int win = -1;
    for (int k = 0; k < n && win < 0; k++)
        if (exact_match(&cs[k], nargs, in))
            win = k;
    if (win < 0) {
        int m = 0;
        for (int k = 0; k < n; k++)
            if (coerce_list(&cs[k], nargs, in))
                cs[m++] = cs[k];
        if (m == 0)
            return -1;
        win = m == 1 ? 0 : select_candidate(cs, m, nargs, in);
        if (win < 0) {
            *ambiguous = true;
            return -1;
        }
    }

    const cand *c = &cs[win];
    poly p;
    if (c->dup || !poly_collect(c, nargs, in, true, c->ret, &p)) {
        *ambiguous = true;
        return -1;
    }
    for (int i = 0; i < nargs; i++) {
        uint32_t d = decl_at(c, i);
        uint32_t t = d == PGC_ANY ? in[i] : poly_concrete(&p, d);
        if (t == 0 && d != PGC_ANY) {
            *ambiguous = true;
            return -1;
        }
        resolved[i] = t;
    }
    *ret = poly_concrete(&p, c->ret);
    if (*ret == 0) {
        *ambiguous = true;
        return -1;
    }
    return win;
}

const pgc_func *
pgc_resolve_func(const char *name, int nargs, const uint32_t *argtypes, unsigned ext_mask,
                 uint32_t *resolved_args, uint32_t *ret, bool *ambiguous)
{
    bool amb_dummy;
    uint32_t ret_dummy, in[MAX_ARGS], res[MAX_ARGS];
    cand cs[PGC_MAX_CANDIDATES];
    int n = 0;
    size_t count;

    if (ambiguous == NULL)
        ambiguous = &amb_dummy;
    if (ret == NULL)
        ret = &ret_dummy;
    *ambiguous = false;
    if (nargs < 0 || nargs > MAX_ARGS)
        return NULL;
    for (int i = 0; i < nargs; i++)
        in[i] = argtypes == NULL || is_unknown(argtypes[i]) ? PGC_UNKNOWN : argtypes[i];

    const pgc_func *run = pgc_funcs_by_name(name, &count);
    for (size_t k = 0; k < count && n < PGC_MAX_CANDIDATES; k++) {
        const pgc_func *f = &run[k];
        cand c = {.func = f, .ret = f->ret, .nfixed = f->nargs};
        if (!pgc_func_visible(f, ext_mask))
            continue;
        /* FuncnameGetCandidates(): VARIADIC needs at least one variadic argument; defaults
         * fill in omitted trailing arguments. */
        if (f->variadic && f->nargs <= nargs) {
            c.va_type = f->variadic_type;
            c.nfixed = f->nargs - 1;
        } else if (f->nargs > nargs) {
            if (nargs + f->ndefaults < f->nargs)
                continue;
        } else if (f->nargs != nargs) {
            continue;
        }
        /* Same effective signature as an earlier candidate (int4multirange(int4range) and
         * int4multirange(VARIADIC int4range[]) called with one argument): the non-variadic one
         * wins; two of a kind (defaults) make the call ambiguous, as in FuncnameGetCandidates. */
        int same = -1;
        for (int j = 0; j < n && same < 0; j++)
            if (exact_match_cands(&cs[j], &c, nargs))
                same = j;
        if (same < 0) {
            cs[n++] = c;
        } else if (cs[same].va_type != 0 && c.va_type == 0) {
            cs[same] = c;
        } else if (!(c.va_type != 0 && cs[same].va_type == 0)) {
            cs[same].dup = true;
        }
    }
    int win = resolve(cs, n, nargs, in, res, ret, ambiguous);
    if (win < 0)
        return NULL;
    if (resolved_args != NULL)
        memcpy(resolved_args, res, (size_t)nargs * sizeof res[0]);
    return cs[win].func;
}

const pgc_oper *
pgc_resolve_oper(const char *name, uint32_t left, uint32_t right, unsigned ext_mask,
                 uint32_t *resolved_left, uint32_t *resolved_right, uint32_t *ret,
                 bool *ambiguous)
{
    bool amb_dummy, prefix = left == PGC_NOARG;
    uint32_t ret_dummy, in[2], res[2];
    int nargs = prefix ? 1 : 2, n = 0;
    cand cs[PGC_MAX_CANDIDATES];
    size_t count;

    if (ambiguous == NULL)
        ambiguous = &amb_dummy;
    if (ret == NULL)
        ret = &ret_dummy;
    *ambiguous = false;
    if (prefix) {
        in[0] = is_unknown(right) ? PGC_UNKNOWN : right;
    } else {
        in[0] = is_unknown(left) ? PGC_UNKNOWN : left;
        in[1] = is_unknown(right) ? PGC_UNKNOWN : right;
    }

    const pgc_oper *run = pgc_opers_by_name(name, &count);
    for (size_t k = 0; k < count && n < PGC_MAX_CANDIDATES; k++) {
        const pgc_oper *o = &run[k];
        if ((o->ext_bit != 0 && (o->ext_bit & ext_mask) == 0) || prefix != (o->left == 0))
            continue;
        cand c = {.oper = o, .ret = o->result};
        c.op[0] = prefix ? o->right : o->left;
        c.op[1] = o->right;
        cs[n++] = c;
    }

    int win = -1;
    if (!prefix && (in[0] == PGC_UNKNOWN) != (in[1] == PGC_UNKNOWN)) {
        /* binary_oper_exact(): one unknown side is first taken as the other side's type. */
        uint32_t both = in[0] != PGC_UNKNOWN ? in[0] : in[1];
        uint32_t same[2] = {both, both};
        for (int k = 0; k < n && win < 0; k++)
            if (exact_match(&cs[k], 2, same)) {
                poly p;
                if (poly_collect(&cs[k], 2, same, true, cs[k].ret, &p)) {
                    win = k;
                    res[0] = res[1] = both;
                    *ret = poly_concrete(&p, cs[k].ret);
                }
            }
    }
    if (win < 0)
        win = resolve(cs, n, nargs, in, res, ret, ambiguous);
    if (win < 0)
        return NULL;
    if (resolved_left != NULL)
        *resolved_left = prefix ? PGC_NOARG : res[0];
    if (resolved_right != NULL)
        *resolved_right = prefix ? res[0] : res[1];
    return cs[win].oper;
}

const pgc_type *
pgc_func_style_cast(const char *name, int nargs, const uint32_t *argtypes, unsigned ext_mask,
                    bool arg_is_literal)
{
    const pgc_type *t;
    size_t count;
    if (name == NULL || nargs != 1 || argtypes == NULL)
        return NULL;
    t = type_exact(name);
    if (t == NULL || !pgc_type_visible(t, ext_mask))
        return NULL;
    uint32_t src = is_unknown(argtypes[0]) ? PGC_UNKNOWN : argtypes[0];
    const pgc_func *run = pgc_funcs_by_name(name, &count);
    for (size_t k = 0; k < count; k++)
        if (pgc_func_visible(&run[k], ext_mask) && run[k].nargs == 1 && run[k].args[0] == src)
            return NULL; /* an exact pg_proc match is a real function call */
    if (src == PGC_UNKNOWN && arg_is_literal)
        return t;
    /* func_get_detail(): a binary-compatible cast or an I/O conversion counts as a cast; a cast
     * function would have been found as a function of that name, and arrays do not count. */
    if (src == t->id)
        return t;
    const pgc_cast *c = cast_any(src, t->id);
    if (c != NULL)
        return c->method == 'b' || c->method == 'i' ? t : NULL;
    if (pgc_elem_of(src) != 0 && pgc_elem_of(t->id) != 0)
        return NULL;
    if (t->category == 'S')
        return src == PGC_RECORD || value_typtype(src) == 'c' ? NULL : t;
    return pgc_type_category(src) == 'S' ? t : NULL;
}

uint32_t
pgc_func_concrete_type(const pgc_func *f, int nargs, const uint32_t *resolved_args,
                       uint32_t declared)
{
    if (!is_polymorphic(declared))
        return declared;
    if (f == NULL || nargs < 0 || nargs > MAX_ARGS || (nargs > 0 && resolved_args == NULL))
        return 0;
    cand c = {.func = f, .ret = declared, .nfixed = f->nargs};
    if (f->variadic && f->nargs <= nargs) {
        c.va_type = f->variadic_type;
        c.nfixed = f->nargs - 1;
    } else if (nargs > f->nargs) {
        return 0;
    }
    poly p;
    if (!poly_collect(&c, nargs, resolved_args, true, declared, &p))
        return 0;
    return poly_concrete(&p, declared);
}

/* ---- hints ---- */

/* Edit distance counting an adjacent transposition as one edit (optimal string alignment), so
 * "lenght" is 1 from "length"; gives up (returning limit + 1) once it must exceed limit. */
static int
edit_distance(const char *a, size_t la, const char *b, int limit)
{
    int rows[3][64];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    size_t lb = strlen(b);
    if (lb >= 64 || (int)(la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int rowmin = cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            int v = sub < del ? sub : del;
            v = v < ins ? v : ins;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        if (rowmin > limit)
            return limit + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *
pgc_closest_func_name(const char *name, unsigned ext_mask)
{
    size_t len;
    if (name == NULL || (len = strlen(name)) == 0 || len >= 64)
        return NULL;
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL;
    int best_d = limit + 1;
    for (size_t k = 0; k < pgc_data_nfuncs; k++) {
        const pgc_func *f = &pgc_data_funcs[k];
        if (!pgc_func_visible(f, ext_mask) || (best != NULL && strcmp(best, f->name) == 0))
            continue;
        int d = edit_distance(name, len, f->name, best_d - 1 < limit ? best_d - 1 : limit);
        if (d == 0)
            return NULL;
        if (d < best_d) {
            best_d = d;
            best = f->name;
        }
    }
    return best;
}
