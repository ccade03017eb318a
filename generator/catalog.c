/*
 * catalog.c - the user's catalog as objects: creating and freeing it, type references, the
 * table index, lookups (tables, columns, types, functions), type names, and the allocation
 * helpers every catalog file uses (out of memory is a flag, not an abort). The DDL that fills
 * it is in catalog_ddl.c (tables) and catalog_types.c (types, views, functions, schemas);
 * catalog_json.c writes it as the model's "catalog".
 */
#include "catalog_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "pgcatalog.h"
#include "pgnode.h"

/* Allocation failure: every allocation goes through the x* helpers below, which return NULL
 * and raise this flag instead of aborting. The code that called them backs out without
 * leaving a half-linked object (names stay valid, counts match what was stored), and
 * catalog_apply() moves the flag into the catalog, which then refuses further statements;
 * model_build() sees catalog_failed() and reports out of memory. One flag for the process:
 * one catalog is built at a time, and only one thread uses these at once (the schema on the
 * main thread, then the queries' analysis on the model_stream worker while the main thread
 * only derives C from finished queries). */
bool cat_alloc_failed;

long catalog_test_fail_alloc;

bool
catalog_alloc_fails(void)
{
    if (catalog_test_fail_alloc > 0 && --catalog_test_fail_alloc == 0)
        return true;
    return false;
}

void *
cat_xcalloc(size_t n, size_t sz)
{
    void *p = catalog_alloc_fails() ? NULL : calloc(n ? n : 1, sz ? sz : 1);
    if (!p)
        cat_alloc_failed = true;
    return p;
}

void *
cat_xrealloc(void *p, size_t n)
{
    void *q = catalog_alloc_fails() ? NULL : realloc(p, n ? n : 1);
    if (!q)
        cat_alloc_failed = true;
    return q;
}

char *
cat_xstrdup(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = cat_xcalloc(n, 1);
    if (p)
        memcpy(p, s ? s : "", n);
    return p;
}

/* Replaces *dst with a copy of s; on allocation failure *dst is left as it was. */
bool
cat_xreplace(char **dst, const char *s)
{
    char *p = cat_xstrdup(s);
    if (!p)
        return false;
    free(*dst);
    *dst = p;
    return true;
}

/* Grows *arr (of elem-sized items) so that it holds need items; false (and *arr unchanged) on
 * allocation failure. */
bool
cat_grow(void **arr, size_t elem, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need)
        nc *= 2;
    void *p = cat_xrealloc(*arr, nc * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = nc;
    return true;
}

/* === type references === */

bool
cat_tref_known(cat_tref t)
{
    return t.id != 0 || t.user != NULL;
}

bool
cat_tref_eq(cat_tref a, cat_tref b)
{
    return a.id == b.id && a.user == b.user && a.dims == b.dims;
}

cat_tref
cat_tref_builtin(uint32_t id)
{
    cat_tref t = {id, NULL, 0};
    if (id == PGC_ANYENUM_ARRAY) {
        t.id = PGC_ANYENUM;
        t.dims = 1;
    } else if (id && pgc_type_category(id) == 'A') {
        uint32_t e = pgc_elem_of(id);
        if (e) {
            t.id = e;
            t.dims = 1;
        }
    }
    return t;
}

cat_tref
cat_tref_base(cat_tref t)
{
    if (t.user && t.user->kind == CAT_DOMAIN) {
        cat_tref b = t.user->base;
        b.dims += t.dims;
        return b;
    }
    return t;
}

bool
cat_tref_domain_not_null(cat_tref t)
{
    return t.dims == 0 && t.user && t.user->kind == CAT_DOMAIN && t.user->not_null;
}

uint32_t
cat_tref_resolver_id(cat_tref t)
{
    t = cat_tref_base(t);
    uint32_t e;
    if (t.user)
        e = t.user->kind == CAT_ENUM ? PGC_ANYENUM : PGC_RECORD;
    else
        e = t.id;
    if (!e || t.dims == 0)
        return e;
    if (e == PGC_ANYENUM)
        return PGC_ANYENUM_ARRAY;
    if (e == PGC_RECORD)
        return PGC_RECORD_ARRAY;
    uint32_t a = pgc_array_of(e);
    return a ? a : PGC_ANYARRAY;
}

const char *
cat_tref_name(cat_tref t, char *buf, size_t len)
{
    if (t.user) {
        if (strcmp(t.user->schema, "public") == 0)
            snprintf(buf, len, "%s", t.user->name);
        else
            snprintf(buf, len, "%s.%s", t.user->schema, t.user->name);
        return buf;
    }
    const pgc_type *pt = t.id ? pgc_type_by_oid(t.id) : NULL;
    snprintf(buf, len, "%s", pt ? pt->name : "text");
    return buf;
}

uint32_t
cat_tref_oid(cat_tref t)
{
    t = cat_tref_base(t);
    if (t.user)
        return 0;
    if (!t.id) /* never resolved: shown as text */
        return t.dims ? PGC_TEXT_ARRAY : PGC_TEXT;
    const pgc_type *pt = pgc_type_by_oid(t.id);
    if (!pt || !pt->oid)
        return 0;
    return t.dims ? pt->array_oid : pt->oid;
}

/* === catalog basics === */

catalog *
catalog_new(void)
{
    cat_alloc_failed = false;
    catalog *c = cat_xcalloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->schemas = cat_xcalloc(1, sizeof(char *));
    if (c->schemas && (c->schemas[0] = cat_xstrdup("public")) != NULL)
        c->n_schemas = 1;
    if (cat_alloc_failed) {
        catalog_free(c);
        cat_alloc_failed = false;
        return NULL;
    }
    return c;
}

void
cat_free_cols(cat_column *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cols[i].name);
    free(cols);
}

void
catalog_free(catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_schemas; i++)
        free(c->schemas[i]);
    free(c->schemas);
    for (size_t i = 0; i < c->n_extensions; i++)
        free(c->extensions[i]);
    free(c->extensions);
    for (size_t i = 0; i < c->n_tables; i++) {
        cat_table *t = c->tables[i];
        free(t->schema);
        free(t->name);
        free(t->partition_of);
        for (size_t k = 0; k < t->n_pk; k++)
            free(t->pk[k]);
        free(t->pk);
        for (size_t k = 0; k < t->n_insert_triggers; k++)
            free(t->insert_triggers[k]);
        free(t->insert_triggers);
        cat_free_cols(t->cols, t->n_cols);
        free(t);
    }
    free(c->tables);
    for (size_t i = 0; i < c->n_types; i++) {
        cat_utype *u = c->types[i];
        free(u->schema);
        free(u->name);
        for (size_t k = 0; k < u->n_values; k++)
            free(u->values[k]);
        free(u->values);
        cat_free_cols(u->cols, u->n_cols);
        free(u);
    }
    free(c->types);
    for (size_t i = 0; i < c->n_funcs; i++) {
        cat_func *f = c->funcs[i];
        free(f->schema);
        free(f->name);
        cat_free_cols(f->args, f->n_args);
        cat_free_cols(f->cols, f->n_cols);
        free(f);
    }
    free(c->funcs);
    free(c->hash);
    free(c);
}

bool
cat_has_schema(const catalog *c, const char *s)
{
    for (size_t i = 0; i < c->n_schemas; i++)
        if (strcmp(c->schemas[i], s) == 0)
            return true;
    return false;
}

/* === table index === */

static size_t
hash_key(const char *schema, const char *name)
{
    size_t h = 1469598103934665603ull;
    for (const char *p = schema; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ '.') * 1099511628211ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

/* Slots hold index + 1; 0 is empty. Stale slots (renamed or dropped tables) are skipped by the
 * name comparison in catalog_table() and vanish at the next rebuild. */
static void
hash_put(catalog *c, size_t idx)
{
    cat_table *t = c->tables[idx];
    size_t h = hash_key(t->schema, t->name) & (c->hash_cap - 1);
    while (c->hash[h])
        h = (h + 1) & (c->hash_cap - 1);
    c->hash[h] = idx + 1;
}

void
cat_hash_rebuild(catalog *c, size_t cap)
{
    while (cap < (c->n_tables + 1) * 2)
        cap *= 2;
    size_t *h = cat_xcalloc(cap, sizeof(size_t));
    if (!h)
        return; /* the old index stays; the catalog is failing anyway */
    free(c->hash);
    c->hash = h;
    c->hash_cap = cap;
    for (size_t i = 0; i < c->n_tables; i++)
        if (!c->tables[i]->dropped)
            hash_put(c, i);
}

/* Indexes table idx, which is already counted in n_tables. */
static void
hash_insert(catalog *c, size_t idx)
{
    if (!c->hash || (c->n_tables + 1) * 2 > c->hash_cap)
        cat_hash_rebuild(c, c->hash_cap ? c->hash_cap * 2 : 64);
    else
        hash_put(c, idx);
    /* a failed rebuild leaves the table unindexed (not findable), never a full index */
}

cat_table *
catalog_table(const catalog *c, const char *schema, const char *name)
{
    if (!name || !c->hash)
        return NULL;
    if (!schema)
        schema = "public";
    size_t h = hash_key(schema, name) & (c->hash_cap - 1);
    while (c->hash[h]) {
        cat_table *t = c->tables[c->hash[h] - 1];
        if (!t->dropped && strcmp(t->name, name) == 0 && strcmp(t->schema, schema) == 0)
            return t;
        h = (h + 1) & (c->hash_cap - 1);
    }
    return NULL;
}

cat_table *
cat_add_table(catalog *c, const char *schema, const char *name)
{
    cat_table *t = cat_xcalloc(1, sizeof *t);
    if (!t || !(t->schema = cat_xstrdup(schema)) || !(t->name = cat_xstrdup(name)) ||
        !cat_grow((void **)&c->tables, sizeof *c->tables, &c->cap_tables, c->n_tables + 1)) {
        if (t) {
            free(t->schema);
            free(t->name);
        }
        free(t);
        return NULL;
    }
    c->tables[c->n_tables] = t;
    c->n_tables++;
    hash_insert(c, c->n_tables - 1);
    return t;
}

const cat_column *
catalog_column(const cat_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

/* NULL on allocation failure (nothing added). */
cat_column *
cat_add_column(cat_table *t, const char *name)
{
    char *nm = cat_xstrdup(name);
    if (!nm || !cat_grow((void **)&t->cols, sizeof *t->cols, &t->cap_cols, t->n_cols + 1)) {
        free(nm);
        return NULL;
    }
    cat_column *col = &t->cols[t->n_cols++];
    memset(col, 0, sizeof *col);
    col->name = nm;
    return col;
}

const cat_utype *
catalog_utype(const catalog *c, const char *schema, const char *name)
{
    if (!schema)
        schema = "public";
    for (size_t i = c->n_types; i-- > 0;) {
        const cat_utype *u = c->types[i];
        if (!u->dropped && strcmp(u->name, name) == 0 && strcmp(u->schema, schema) == 0)
            return u;
    }
    return NULL;
}

cat_utype *
cat_add_utype(catalog *c, cat_utype_kind kind, const char *schema, const char *name)
{
    cat_utype *u = cat_xcalloc(1, sizeof *u);
    if (!u || !(u->schema = cat_xstrdup(schema)) || !(u->name = cat_xstrdup(name)) ||
        !cat_grow((void **)&c->types, sizeof *c->types, &c->cap_types, c->n_types + 1)) {
        if (u) {
            free(u->schema);
            free(u->name);
        }
        free(u);
        return NULL;
    }
    u->kind = kind;
    c->types[c->n_types++] = u;
    return u;
}

const cat_func *
catalog_func(const catalog *c, const char *schema, const char *name, int nargs)
{
    for (size_t i = c->n_funcs; i-- > 0;) {
        const cat_func *f = c->funcs[i];
        if (f->dropped || strcmp(f->name, name) != 0)
            continue;
        if (schema && strcmp(f->schema, schema) != 0)
            continue;
        if (nargs >= 0 && ((size_t)nargs > f->n_args || (size_t)nargs + f->n_defaults < f->n_args))
            continue;
        return f;
    }
    return NULL;
}

bool
catalog_failed(const catalog *c)
{
    return c->oom;
}

bool
catalog_has_func_name(const catalog *c, const char *name)
{
    return catalog_func(c, NULL, name, -1) != NULL;
}

/* === type names === */

static bool
is_serial(const char *n, uint32_t *id)
{
    if (!strcmp(n, "serial") || !strcmp(n, "serial4"))
        *id = PGC_INT4;
    else if (!strcmp(n, "bigserial") || !strcmp(n, "serial8"))
        *id = PGC_INT8;
    else if (!strcmp(n, "smallserial") || !strcmp(n, "serial2"))
        *id = PGC_INT2;
    else
        return false;
    return true;
}

bool
catalog_typename(const catalog *c, const pnode *tn, cat_tref *out, bool *serial, char *why,
                 size_t whylen)
{
    cat_tref t = {0, NULL, 0};
    if (serial)
        *serial = false;
    const pnode *names = pn_list(tn, "names");
    size_t nn = pn_len(names);
    const char *name = pn_last_name(names);
    const char *schema = nn >= 2 ? pn_sval(pn_at(names, nn - 2)) : NULL;
    *out = t;
    if (!name) {
        snprintf(why, whylen, "unsupported type name");
        return false;
    }
    if (pn_bool(tn, "pct_type")) {
        /* [schema.]table.column%TYPE, as function arguments and results may say: the
         * column's type (dims written after %TYPE add to it). */
        const char *tbl = nn >= 2 ? pn_sval(pn_at(names, nn - 2)) : NULL;
        const char *sch = nn >= 3 ? pn_sval(pn_at(names, nn - 3)) : NULL;
        const cat_table *ct = tbl ? catalog_table(c, sch, tbl) : NULL;
        const cat_column *cc = ct ? catalog_column(ct, name) : NULL;
        if (!cc) {
            if (!tbl)
                snprintf(why, whylen, "%%TYPE needs a column: write table.column%%TYPE");
            else if (!ct)
                snprintf(why, whylen, "relation \"%s\" does not exist (in %s.%s%%TYPE)", tbl,
                         tbl, name);
            else
                snprintf(why, whylen, "column \"%s\" of relation \"%s\" does not exist", name,
                         tbl);
            return false;
        }
        t = cc->type;
        t.dims += (int)pn_len(pn_list(tn, "arrayBounds"));
        *out = t;
        return true;
    }
    int dims = (int)pn_len(pn_list(tn, "arrayBounds"));
    uint32_t sid;
    if ((!schema || !strcmp(schema, "pg_catalog")) && is_serial(name, &sid)) {
        if (serial)
            *serial = true;
        t.id = sid;
        t.dims = dims;
        *out = t;
        return true;
    }
    if (!schema || !strcmp(schema, "pg_catalog")) {
        const pgc_type *pt = pgc_type_by_name(name);
        if (pt && pgc_type_visible(pt, c->ext_mask)) {
            t = cat_tref_builtin(pt->id);
            t.dims += dims;
            *out = t;
            return true;
        }
    }
    if (!schema || strcmp(schema, "pg_catalog") != 0) {
        const cat_utype *u = catalog_utype(c, schema, name);
        if (u) {
            t.user = u;
            t.dims = dims;
            *out = t;
            return true;
        }
    }
    const pgc_type *pt = pgc_type_by_name(name);
    if (pt && pt->extension)
        snprintf(why, whylen, "type \"%s\" does not exist (it comes with the extension \"%s\": "
                 "add CREATE EXTENSION %s to the schema)", name, pt->extension, pt->extension);
    else if (schema)
        snprintf(why, whylen, "type \"%s.%s\" does not exist", schema, name);
    else
        snprintf(why, whylen, "type \"%s\" does not exist", name);
    return false;
}
