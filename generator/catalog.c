/*
 * catalog.c - applies schema DDL (CREATE/ALTER/DROP of tables, views, types, domains,
 * functions, schemas, extensions) to the user's catalog, reporting statements on unknown or
 * duplicate objects. View columns come from analyze.c; built-in types from pgcatalog.c.
 * Statements that cannot change what queries see (indexes, grants, comments...) are ignored.
 */
#include "catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "pgcatalog.h"
#include "pgnode.h"

static void *
xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fputs("pqgen: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void *
xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("pqgen: out of memory\n", stderr);
        abort();
    }
    return p;
}

static char *
xstrdup(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = xcalloc(n, 1);
    memcpy(p, s ? s : "", n);
    return p;
}

/* Grows *arr (of elem-sized items) so that it holds need items. */
static void
grow(void **arr, size_t elem, size_t *cap, size_t need)
{
    if (need <= *cap)
        return;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need)
        nc *= 2;
    *arr = xrealloc(*arr, nc * elem);
    *cap = nc;
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
    catalog *c = xcalloc(1, sizeof *c);
    c->schemas = xcalloc(1, sizeof(char *));
    c->schemas[0] = xstrdup("public");
    c->n_schemas = 1;
    return c;
}

static void
free_cols(cat_column *cols, size_t n)
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
        free_cols(t->cols, t->n_cols);
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
        free_cols(u->cols, u->n_cols);
        free(u);
    }
    free(c->types);
    for (size_t i = 0; i < c->n_funcs; i++) {
        cat_func *f = c->funcs[i];
        free(f->schema);
        free(f->name);
        free_cols(f->args, f->n_args);
        free_cols(f->cols, f->n_cols);
        free(f);
    }
    free(c->funcs);
    free(c->hash);
    free(c);
}

static bool
has_schema(const catalog *c, const char *s)
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

static void
hash_rebuild(catalog *c, size_t cap)
{
    while (cap < (c->n_tables + 1) * 2)
        cap *= 2;
    free(c->hash);
    c->hash = xcalloc(cap, sizeof(size_t));
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
        hash_rebuild(c, c->hash_cap ? c->hash_cap * 2 : 64);
    else
        hash_put(c, idx);
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

static cat_table *
add_table(catalog *c, const char *schema, const char *name)
{
    cat_table *t = xcalloc(1, sizeof *t);
    t->schema = xstrdup(schema);
    t->name = xstrdup(name);
    grow((void **)&c->tables, sizeof *c->tables, &c->cap_tables, c->n_tables + 1);
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

static cat_column *
add_column(cat_table *t, const char *name)
{
    grow((void **)&t->cols, sizeof *t->cols, &t->cap_cols, t->n_cols + 1);
    cat_column *col = &t->cols[t->n_cols++];
    memset(col, 0, sizeof *col);
    col->name = xstrdup(name);
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

static cat_utype *
add_utype(catalog *c, cat_utype_kind kind, const char *schema, const char *name)
{
    cat_utype *u = xcalloc(1, sizeof *u);
    u->kind = kind;
    u->schema = xstrdup(schema);
    u->name = xstrdup(name);
    grow((void **)&c->types, sizeof *c->types, &c->cap_types, c->n_types + 1);
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
catalog_typename(const catalog *c, const json_t *tn, cat_tref *out, bool *serial, char *why,
                 size_t whylen)
{
    cat_tref t = {0, NULL, 0};
    if (serial)
        *serial = false;
    const json_t *names = pn_list(tn, "names");
    size_t nn = pn_len(names);
    const char *name = pn_last_name(names);
    const char *schema = nn >= 2 ? pn_sval(pn_at(names, nn - 2)) : NULL;
    *out = t;
    if (!name) {
        snprintf(why, whylen, "unsupported type name");
        return false;
    }
    if (pn_bool(tn, "pct_type")) {
        snprintf(why, whylen, "%%TYPE references are not supported");
        return false;
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

/* === DDL === */

typedef struct ddl {
    catalog *c;
    const src_stmt *st;
    diag_list *d;
} ddl;

static void
ddl_error(ddl *x, int loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
ddl_error(ddl *x, int loc, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(x->d, DIAG_ERROR, x->st->file, x->st->start + (loc >= 0 ? (size_t)loc : 0), hint,
              fmt, ap);
    va_end(ap);
}

static const char *
rv_schema(const json_t *rv)
{
    const char *s = pn_str(rv, "schemaname");
    return s ? s : "public";
}

/* "did you mean" over the live tables' names. */
static const char *
closest_table(const catalog *c, const char *name, char *buf, size_t len)
{
    const char **cands = xcalloc(c->n_tables + 1, sizeof *cands);
    size_t n = 0;
    for (size_t i = 0; i < c->n_tables; i++)
        if (!c->tables[i]->dropped)
            cands[n++] = c->tables[i]->name;
    const char *best = diag_closest(name, cands, n);
    free(cands);
    if (!best)
        return NULL;
    snprintf(buf, len, "did you mean \"%s\"?", best);
    return buf;
}

static cat_table *
need_table(ddl *x, const json_t *rv, bool missing_ok)
{
    const char *name = pn_str(rv, "relname");
    if (!name) {
        ddl_error(x, -1, NULL, "malformed relation name");
        return NULL;
    }
    cat_table *t = catalog_table(x->c, rv_schema(rv), name);
    if (!t && !missing_ok) {
        char hb[160];
        ddl_error(x, pn_loc(rv), closest_table(x->c, name, hb, sizeof hb),
                  "relation \"%s\" does not exist", name);
    }
    return t;
}

static bool
resolve_type(ddl *x, const json_t *tn, cat_tref *out, bool *serial)
{
    char why[256];
    if (catalog_typename(x->c, tn, out, serial, why, sizeof why))
        return true;
    ddl_error(x, pn_loc(tn), NULL, "%s", why);
    return false;
}

static void
add_pk(cat_table *t, const char *col)
{
    for (size_t i = 0; i < t->n_pk; i++)
        if (!strcmp(t->pk[i], col))
            return;
    t->pk = xrealloc(t->pk, (t->n_pk + 1) * sizeof *t->pk);
    t->pk[t->n_pk++] = xstrdup(col);
}

/* Column constraints of a ColumnDef (also used by ALTER TABLE ADD COLUMN and partitions). */
static void
apply_col_constraints(ddl *x, cat_table *t, cat_column *col, const json_t *cdef)
{
    (void)x;
    const json_t *cons = pn_list(cdef, "constraints");
    if (pn_bool(cdef, "is_not_null"))
        col->not_null = true;
    for (size_t i = 0; i < pn_len(cons); i++) {
        const json_t *cn;
        if (!pn_is(pn_at(cons, i), "Constraint", &cn))
            continue;
        const char *ct = pn_str(cn, "contype");
        if (!ct)
            continue;
        if (!strcmp(ct, "CONSTR_NOTNULL")) {
            col->not_null = true;
        } else if (!strcmp(ct, "CONSTR_NULL")) {
            col->not_null = false;
        } else if (!strcmp(ct, "CONSTR_PRIMARY")) {
            col->not_null = true;
            add_pk(t, col->name);
        } else if (!strcmp(ct, "CONSTR_DEFAULT") || !strcmp(ct, "CONSTR_GENERATED")) {
            col->has_default = true;
        } else if (!strcmp(ct, "CONSTR_IDENTITY")) {
            col->has_default = true;
            col->not_null = true;
        }
    }
}

/* Fills col from a ColumnDef with a type. */
static bool
column_def(ddl *x, cat_table *t, cat_column *col, const json_t *cdef)
{
    const json_t *tn = pn_obj(cdef, "typeName");
    bool serial = false;
    if (!resolve_type(x, tn, &col->type, &serial))
        return false;
    if (serial) {
        col->not_null = true;
        col->has_default = true;
    }
    if (cat_tref_domain_not_null(col->type))
        col->not_null = true;
    apply_col_constraints(x, t, col, cdef);
    return true;
}

static void
copy_columns(cat_table *dst, const cat_table *src, bool with_defaults)
{
    for (size_t i = 0; i < src->n_cols; i++) {
        if (catalog_column(dst, src->cols[i].name))
            continue;
        cat_column *col = add_column(dst, src->cols[i].name);
        col->type = src->cols[i].type;
        col->not_null = src->cols[i].not_null;
        col->has_default = with_defaults && src->cols[i].has_default;
    }
}

static void
table_constraint(ddl *x, cat_table *t, const json_t *cn)
{
    const char *ct = pn_str(cn, "contype");
    if (!ct || strcmp(ct, "CONSTR_PRIMARY") != 0)
        return;
    const json_t *keys = pn_list(cn, "keys");
    for (size_t k = 0; k < pn_len(keys); k++) {
        const char *kn = pn_sval(pn_at(keys, k));
        if (!kn)
            continue;
        cat_column *col = (cat_column *)catalog_column(t, kn);
        if (!col) {
            ddl_error(x, pn_loc(cn), NULL, "column \"%s\" named in key does not exist", kn);
            continue;
        }
        col->not_null = true;
        add_pk(t, kn);
    }
}

static void
create_table(ddl *x, const json_t *cs)
{
    const json_t *rv = pn_obj(cs, "relation");
    const char *name = pn_str(rv, "relname");
    const char *schema = rv_schema(rv);
    if (!name)
        return;
    if (!has_schema(x->c, schema)) {
        ddl_error(x, pn_loc(rv), NULL, "schema \"%s\" does not exist", schema);
        return;
    }
    if (catalog_table(x->c, schema, name)) {
        if (!pn_bool(cs, "if_not_exists"))
            ddl_error(x, pn_loc(rv), "use CREATE TABLE IF NOT EXISTS, or drop it first",
                      "relation \"%s\" already exists", name);
        return;
    }
    cat_table *t = add_table(x->c, schema, name);
    t->kind = CAT_TABLE;
    t->partitioned = pn_obj(cs, "partspec") != NULL;
    const json_t *inh = pn_list(cs, "inhRelations");
    bool partition = pn_obj(cs, "partbound") != NULL;
    for (size_t i = 0; i < pn_len(inh); i++) {
        const json_t *prv;
        if (!pn_is(pn_at(inh, i), "RangeVar", &prv))
            continue;
        const cat_table *p = need_table(x, prv, false);
        if (!p)
            continue;
        copy_columns(t, p, true);
        if (partition && !t->partition_of) {
            char buf[300];
            if (strcmp(p->schema, "public") == 0)
                snprintf(buf, sizeof buf, "%s", p->name);
            else
                snprintf(buf, sizeof buf, "%s.%s", p->schema, p->name);
            t->partition_of = xstrdup(buf);
            for (size_t k = 0; k < p->n_pk; k++)
                add_pk(t, p->pk[k]);
        }
    }
    const json_t *elts = pn_list(cs, "tableElts");
    for (size_t i = 0; i < pn_len(elts); i++) {
        const json_t *e = pn_at(elts, i), *in;
        const char *k = pn_node(e, &in);
        if (!k)
            continue;
        if (!strcmp(k, "ColumnDef")) {
            const char *cn = pn_str(in, "colname");
            if (!cn)
                continue;
            cat_column *col = (cat_column *)catalog_column(t, cn);
            if (col && !pn_obj(in, "typeName")) {
                /* PARTITION OF ... (col WITH OPTIONS NOT NULL ...) */
                apply_col_constraints(x, t, col, in);
                continue;
            }
            if (col && !partition && pn_len(inh) == 0) {
                ddl_error(x, pn_loc(in), NULL, "column \"%s\" specified more than once", cn);
                continue;
            }
            if (!col)
                col = add_column(t, cn);
            column_def(x, t, col, in);
        } else if (!strcmp(k, "TableLikeClause")) {
            const cat_table *src = need_table(x, pn_obj(in, "relation"), false);
            long long opts = pn_int(in, "options", 0);
            if (src)
                copy_columns(t, src, (opts & ((1 << 3) | (1 << 4) | (1 << 5))) != 0);
        } else if (!strcmp(k, "Constraint")) {
            table_constraint(x, t, in);
        }
    }
}

static void
alter_table(ddl *x, const json_t *as)
{
    const char *objtype = pn_str(as, "objtype");
    if (objtype && strcmp(objtype, "OBJECT_TABLE") != 0 && strcmp(objtype, "OBJECT_FOREIGN_TABLE"))
        return; /* ALTER VIEW/INDEX/SEQUENCE ... */
    const json_t *rv = pn_obj(as, "relation");
    cat_table *t = need_table(x, rv, pn_bool(as, "missing_ok"));
    if (!t)
        return;
    const json_t *cmds = pn_list(as, "cmds");
    for (size_t i = 0; i < pn_len(cmds); i++) {
        const json_t *cmd;
        if (!pn_is(pn_at(cmds, i), "AlterTableCmd", &cmd))
            continue;
        const char *sub = pn_str(cmd, "subtype");
        const char *cname = pn_str(cmd, "name");
        const json_t *def = pn_obj(cmd, "def"), *din = NULL;
        const char *dk = pn_node(def, &din);
        if (!sub)
            continue;
        int loc = din ? pn_loc(din) : pn_loc(rv);
        if (!strcmp(sub, "AT_AddColumn") || !strcmp(sub, "AT_AddColumnRecurse")) {
            if (!dk || strcmp(dk, "ColumnDef") != 0)
                continue;
            const char *cn = pn_str(din, "colname");
            if (!cn)
                continue;
            if (catalog_column(t, cn)) {
                if (!pn_bool(cmd, "missing_ok"))
                    ddl_error(x, loc, "use ADD COLUMN IF NOT EXISTS",
                              "column \"%s\" of relation \"%s\" already exists", cn, t->name);
                continue;
            }
            cat_column tmp = {0};
            tmp.name = (char *)cn;
            if (!column_def(x, t, &tmp, din))
                continue;
            cat_column *col = add_column(t, cn);
            col->type = tmp.type;
            col->not_null = tmp.not_null;
            col->has_default = tmp.has_default;
            continue;
        }
        if (!strcmp(sub, "AT_AddConstraint") || !strcmp(sub, "AT_AddConstraintRecurse")) {
            if (dk && !strcmp(dk, "Constraint"))
                table_constraint(x, t, din);
            continue;
        }
        if (!cname)
            continue;
        cat_column *col = (cat_column *)catalog_column(t, cname);
        bool col_cmd = !strcmp(sub, "AT_DropColumn") || !strcmp(sub, "AT_DropColumnRecurse") ||
                       !strcmp(sub, "AT_AlterColumnType") || !strcmp(sub, "AT_SetNotNull") ||
                       !strcmp(sub, "AT_DropNotNull") || !strcmp(sub, "AT_ColumnDefault") ||
                       !strcmp(sub, "AT_AddIdentity") || !strcmp(sub, "AT_DropIdentity");
        if (!col_cmd)
            continue;
        if (!col) {
            if (pn_bool(cmd, "missing_ok"))
                continue;
            const char **cands = xcalloc(t->n_cols + 1, sizeof *cands);
            for (size_t k = 0; k < t->n_cols; k++)
                cands[k] = t->cols[k].name;
            const char *best = diag_closest(cname, cands, t->n_cols);
            char hb[160];
            if (best)
                snprintf(hb, sizeof hb, "did you mean \"%s\"?", best);
            free(cands);
            ddl_error(x, pn_loc(rv), best ? hb : NULL,
                      "column \"%s\" of relation \"%s\" does not exist", cname, t->name);
            continue;
        }
        if (!strcmp(sub, "AT_DropColumn") || !strcmp(sub, "AT_DropColumnRecurse")) {
            size_t k = (size_t)(col - t->cols);
            free(col->name);
            memmove(&t->cols[k], &t->cols[k + 1], (t->n_cols - k - 1) * sizeof *col);
            t->n_cols--;
            for (size_t p = 0; p < t->n_pk; p++) {
                if (!strcmp(t->pk[p], cname)) {
                    free(t->pk[p]);
                    memmove(&t->pk[p], &t->pk[p + 1], (t->n_pk - p - 1) * sizeof *t->pk);
                    t->n_pk--;
                    break;
                }
            }
        } else if (!strcmp(sub, "AT_AlterColumnType")) {
            if (dk && !strcmp(dk, "ColumnDef")) {
                cat_tref nt;
                if (resolve_type(x, pn_obj(din, "typeName"), &nt, NULL))
                    col->type = nt;
            }
        } else if (!strcmp(sub, "AT_SetNotNull")) {
            col->not_null = true;
        } else if (!strcmp(sub, "AT_DropNotNull")) {
            col->not_null = false;
        } else if (!strcmp(sub, "AT_ColumnDefault")) {
            col->has_default = def != NULL && din != NULL;
        } else if (!strcmp(sub, "AT_AddIdentity")) {
            col->has_default = true;
            col->not_null = true;
        }
    }
}

/* Splits a List of String names into schema and name. */
static bool
split_names(const json_t *names, const char **schema, const char **name)
{
    size_t n = pn_len(names);
    *name = n ? pn_sval(pn_at(names, n - 1)) : NULL;
    *schema = n >= 2 ? pn_sval(pn_at(names, n - 2)) : NULL;
    return *name != NULL;
}

static void
drop_objects(ddl *x, const json_t *ds)
{
    const char *rt = pn_str(ds, "removeType");
    const json_t *objs = pn_list(ds, "objects");
    bool missing_ok = pn_bool(ds, "missing_ok");
    if (!rt)
        return;
    for (size_t i = 0; i < pn_len(objs); i++) {
        const json_t *o = pn_at(objs, i), *in;
        const char *schema = NULL, *name = NULL;
        if (!strcmp(rt, "OBJECT_TABLE") || !strcmp(rt, "OBJECT_VIEW") ||
            !strcmp(rt, "OBJECT_MATVIEW") || !strcmp(rt, "OBJECT_FOREIGN_TABLE")) {
            if (!pn_is(o, "List", &in) || !split_names(pn_list(in, "items"), &schema, &name))
                continue;
            cat_table *t = catalog_table(x->c, schema, name);
            if (!t) {
                if (!missing_ok) {
                    char hb[160];
                    ddl_error(x, -1, closest_table(x->c, name, hb, sizeof hb),
                              "relation \"%s\" does not exist", name);
                }
                continue;
            }
            t->dropped = true;
            /* dropping a partitioned table drops its partitions */
            for (size_t k = 0; k < x->c->n_tables; k++) {
                cat_table *p = x->c->tables[k];
                if (!p->dropped && p->partition_of && !strcmp(p->partition_of, t->name))
                    p->dropped = true;
            }
        } else if (!strcmp(rt, "OBJECT_TYPE") || !strcmp(rt, "OBJECT_DOMAIN")) {
            const json_t *names = NULL;
            if (pn_is(o, "TypeName", &in))
                names = pn_list(in, "names");
            else if (pn_is(o, "List", &in))
                names = pn_list(in, "items");
            if (!split_names(names, &schema, &name))
                continue;
            cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
            if (!u) {
                if (!missing_ok)
                    ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
                continue;
            }
            u->dropped = true;
        } else if (!strcmp(rt, "OBJECT_FUNCTION") || !strcmp(rt, "OBJECT_PROCEDURE") ||
                   !strcmp(rt, "OBJECT_ROUTINE")) {
            if (!pn_is(o, "ObjectWithArgs", &in) ||
                !split_names(pn_list(in, "objname"), &schema, &name))
                continue;
            int nargs = pn_bool(in, "args_unspecified") ? -1 : (int)pn_len(pn_list(in, "objargs"));
            cat_func *f = (cat_func *)catalog_func(x->c, schema, name, nargs);
            if (!f) {
                if (!missing_ok)
                    ddl_error(x, -1, NULL, "function %s does not exist", name);
                continue;
            }
            f->dropped = true;
        } else if (!strcmp(rt, "OBJECT_SCHEMA")) {
            name = pn_sval(o);
            if (!name)
                continue;
            size_t k;
            for (k = 0; k < x->c->n_schemas; k++)
                if (!strcmp(x->c->schemas[k], name))
                    break;
            if (k == x->c->n_schemas) {
                if (!missing_ok)
                    ddl_error(x, -1, NULL, "schema \"%s\" does not exist", name);
                continue;
            }
            free(x->c->schemas[k]);
            memmove(&x->c->schemas[k], &x->c->schemas[k + 1],
                    (x->c->n_schemas - k - 1) * sizeof(char *));
            x->c->n_schemas--;
            /* CASCADE (or an empty schema): everything in it goes */
            for (size_t t = 0; t < x->c->n_tables; t++)
                if (!strcmp(x->c->tables[t]->schema, name))
                    x->c->tables[t]->dropped = true;
            for (size_t t = 0; t < x->c->n_types; t++)
                if (!strcmp(x->c->types[t]->schema, name))
                    x->c->types[t]->dropped = true;
            for (size_t t = 0; t < x->c->n_funcs; t++)
                if (!strcmp(x->c->funcs[t]->schema, name))
                    x->c->funcs[t]->dropped = true;
        } else if (!strcmp(rt, "OBJECT_EXTENSION")) {
            name = pn_sval(o);
            for (size_t k = 0; name && k < x->c->n_extensions; k++) {
                if (!strcmp(x->c->extensions[k], name)) {
                    free(x->c->extensions[k]);
                    memmove(&x->c->extensions[k], &x->c->extensions[k + 1],
                            (x->c->n_extensions - k - 1) * sizeof(char *));
                    x->c->n_extensions--;
                    x->c->ext_mask &= ~pgc_extension_bit(name);
                    break;
                }
            }
        }
    }
}

static void
rename_object(ddl *x, const json_t *rs)
{
    const char *rt = pn_str(rs, "renameType");
    const char *newname = pn_str(rs, "newname");
    if (!rt || !newname)
        return;
    const json_t *rv = pn_obj(rs, "relation");
    if (!strcmp(rt, "OBJECT_TABLE") || !strcmp(rt, "OBJECT_VIEW") ||
        !strcmp(rt, "OBJECT_MATVIEW")) {
        cat_table *t = need_table(x, rv, pn_bool(rs, "missing_ok"));
        if (!t)
            return;
        if (catalog_table(x->c, t->schema, newname)) {
            ddl_error(x, pn_loc(rv), NULL, "relation \"%s\" already exists", newname);
            return;
        }
        char *old = t->name;
        t->name = xstrdup(newname);
        for (size_t k = 0; k < x->c->n_tables; k++) {
            cat_table *p = x->c->tables[k];
            if (p->partition_of && !strcmp(p->partition_of, old)) {
                free(p->partition_of);
                p->partition_of = xstrdup(newname);
            }
        }
        free(old);
        hash_rebuild(x->c, x->c->hash_cap ? x->c->hash_cap : 64);
    } else if (!strcmp(rt, "OBJECT_COLUMN")) {
        cat_table *t = need_table(x, rv, pn_bool(rs, "missing_ok"));
        const char *old = pn_str(rs, "subname");
        if (!t || !old)
            return;
        cat_column *col = (cat_column *)catalog_column(t, old);
        if (!col) {
            ddl_error(x, pn_loc(rv), NULL, "column \"%s\" of relation \"%s\" does not exist", old,
                      t->name);
            return;
        }
        if (catalog_column(t, newname)) {
            ddl_error(x, pn_loc(rv), NULL, "column \"%s\" of relation \"%s\" already exists",
                      newname, t->name);
            return;
        }
        for (size_t p = 0; p < t->n_pk; p++) {
            if (!strcmp(t->pk[p], old)) {
                free(t->pk[p]);
                t->pk[p] = xstrdup(newname);
            }
        }
        free(col->name);
        col->name = xstrdup(newname);
    } else if (!strcmp(rt, "OBJECT_TYPE") || !strcmp(rt, "OBJECT_DOMAIN")) {
        const char *schema, *name;
        const json_t *obj = json_object_get(rs, "object"), *in;
        const json_t *names = pn_is(obj, "List", &in) ? pn_list(in, "items") : NULL;
        if (!split_names(names, &schema, &name))
            return;
        cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
        if (!u) {
            ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
            return;
        }
        free(u->name);
        u->name = xstrdup(newname);
    } else if (!strcmp(rt, "OBJECT_SCHEMA")) {
        const char *old = pn_str(rs, "subname");
        for (size_t k = 0; old && k < x->c->n_schemas; k++) {
            if (!strcmp(x->c->schemas[k], old)) {
                free(x->c->schemas[k]);
                x->c->schemas[k] = xstrdup(newname);
                for (size_t t = 0; t < x->c->n_tables; t++) {
                    if (!strcmp(x->c->tables[t]->schema, old)) {
                        free(x->c->tables[t]->schema);
                        x->c->tables[t]->schema = xstrdup(newname);
                    }
                }
                for (size_t t = 0; t < x->c->n_types; t++) {
                    if (!strcmp(x->c->types[t]->schema, old)) {
                        free(x->c->types[t]->schema);
                        x->c->types[t]->schema = xstrdup(newname);
                    }
                }
                hash_rebuild(x->c, x->c->hash_cap ? x->c->hash_cap : 64);
            }
        }
    }
}

static void
create_enum(ddl *x, const json_t *es)
{
    const char *schema, *name;
    if (!split_names(pn_list(es, "typeName"), &schema, &name))
        return;
    if (!schema)
        schema = "public";
    if (catalog_utype(x->c, schema, name) || pgc_type_by_name(name)) {
        ddl_error(x, -1, NULL, "type \"%s\" already exists", name);
        return;
    }
    cat_utype *u = add_utype(x->c, CAT_ENUM, schema, name);
    const json_t *vals = pn_list(es, "vals");
    u->values = xcalloc(pn_len(vals) + 1, sizeof(char *));
    for (size_t i = 0; i < pn_len(vals); i++) {
        const char *v = pn_sval(pn_at(vals, i));
        if (v)
            u->values[u->n_values++] = xstrdup(v);
    }
}

static void
alter_enum(ddl *x, const json_t *es)
{
    const char *schema, *name;
    if (!split_names(pn_list(es, "typeName"), &schema, &name))
        return;
    cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
    if (!u || u->kind != CAT_ENUM) {
        ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
        return;
    }
    const char *nv = pn_str(es, "newVal");
    const char *old = pn_str(es, "oldVal");
    if (!nv)
        return;
    if (old) {
        for (size_t i = 0; i < u->n_values; i++) {
            if (!strcmp(u->values[i], old)) {
                free(u->values[i]);
                u->values[i] = xstrdup(nv);
                return;
            }
        }
        ddl_error(x, -1, NULL, "\"%s\" is not an existing enum label", old);
        return;
    }
    for (size_t i = 0; i < u->n_values; i++) {
        if (!strcmp(u->values[i], nv)) {
            if (!pn_bool(es, "skipIfNewValExists"))
                ddl_error(x, -1, "use ADD VALUE IF NOT EXISTS",
                          "enum label \"%s\" already exists", nv);
            return;
        }
    }
    size_t pos = u->n_values;
    const char *nb = pn_str(es, "newValNeighbor");
    if (nb) {
        size_t k;
        for (k = 0; k < u->n_values && strcmp(u->values[k], nb); k++)
            ;
        if (k == u->n_values) {
            ddl_error(x, -1, NULL, "\"%s\" is not an existing enum label", nb);
            return;
        }
        pos = pn_bool(es, "newValIsAfter") ? k + 1 : k;
    }
    u->values = xrealloc(u->values, (u->n_values + 1) * sizeof(char *));
    memmove(&u->values[pos + 1], &u->values[pos], (u->n_values - pos) * sizeof(char *));
    u->values[pos] = xstrdup(nv);
    u->n_values++;
}

static void
create_composite(ddl *x, const json_t *cs)
{
    const json_t *rv = pn_obj(cs, "typevar");
    const char *name = pn_str(rv, "relname");
    const char *schema = rv_schema(rv);
    if (!name)
        return;
    if (catalog_utype(x->c, schema, name)) {
        ddl_error(x, pn_loc(rv), NULL, "type \"%s\" already exists", name);
        return;
    }
    const json_t *defs = pn_list(cs, "coldeflist");
    cat_column *cols = xcalloc(pn_len(defs) + 1, sizeof *cols);
    size_t n = 0;
    for (size_t i = 0; i < pn_len(defs); i++) {
        const json_t *cd;
        if (!pn_is(pn_at(defs, i), "ColumnDef", &cd) || !pn_str(cd, "colname"))
            continue;
        if (!resolve_type(x, pn_obj(cd, "typeName"), &cols[n].type, NULL))
            continue;
        cols[n++].name = xstrdup(pn_str(cd, "colname"));
    }
    cat_utype *u = add_utype(x->c, CAT_COMPOSITE, schema, name);
    u->cols = cols;
    u->n_cols = n;
}

static void
create_domain(ddl *x, const json_t *ds)
{
    const char *schema, *name;
    if (!split_names(pn_list(ds, "domainname"), &schema, &name))
        return;
    if (!schema)
        schema = "public";
    if (catalog_utype(x->c, schema, name)) {
        ddl_error(x, -1, NULL, "type \"%s\" already exists", name);
        return;
    }
    cat_tref base;
    if (!resolve_type(x, pn_obj(ds, "typeName"), &base, NULL))
        return;
    cat_utype *u = add_utype(x->c, CAT_DOMAIN, schema, name);
    u->base = cat_tref_base(base);
    u->not_null = cat_tref_domain_not_null(base);
    const json_t *cons = pn_list(ds, "constraints");
    for (size_t i = 0; i < pn_len(cons); i++) {
        const json_t *cn;
        if (pn_is(pn_at(cons, i), "Constraint", &cn)) {
            const char *ct = pn_str(cn, "contype");
            if (ct && !strcmp(ct, "CONSTR_NOTNULL"))
                u->not_null = true;
        }
    }
}

static void
alter_domain(ddl *x, const json_t *as)
{
    const char *schema, *name;
    if (!split_names(pn_list(as, "typeName"), &schema, &name))
        return;
    cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
    if (!u || u->kind != CAT_DOMAIN) {
        ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
        return;
    }
    const char *sub = pn_str(as, "subtype"); /* 'N' drop not null, 'O' set not null */
    if (sub && !strcmp(sub, "N"))
        u->not_null = false;
    else if (sub && !strcmp(sub, "O"))
        u->not_null = true;
}

/* A view, materialized view or CREATE TABLE AS: columns from the analyzer. */
static void
create_view(ddl *x, const json_t *rv, const json_t *query, const json_t *aliases, bool replace,
            bool if_not_exists, cat_rel_kind kind)
{
    const char *name = pn_str(rv, "relname");
    const char *schema = rv_schema(rv);
    if (!name)
        return;
    if (!has_schema(x->c, schema)) {
        ddl_error(x, pn_loc(rv), NULL, "schema \"%s\" does not exist", schema);
        return;
    }
    cat_table *old = catalog_table(x->c, schema, name);
    if (old && !replace) {
        if (!if_not_exists)
            ddl_error(x, pn_loc(rv), NULL, "relation \"%s\" already exists", name);
        return;
    }
    an_column *cols = NULL;
    size_t n = 0;
    if (analyze_view(x->c, query, x->st, &cols, &n, x->d) != 0)
        return;
    cat_table *t;
    if (old) {
        /* CREATE OR REPLACE VIEW keeps the view's place in creation order */
        t = old;
        free_cols(t->cols, t->n_cols);
        t->cols = NULL;
        t->n_cols = t->cap_cols = 0;
    } else {
        t = add_table(x->c, schema, name);
    }
    t->kind = kind;
    for (size_t i = 0; i < n; i++) {
        const char *cn = cols[i].name;
        if (i < pn_len(aliases) && pn_sval(pn_at(aliases, i)))
            cn = pn_sval(pn_at(aliases, i));
        if (catalog_column(t, cn)) {
            ddl_error(x, pn_loc(rv), "give the columns distinct aliases",
                      "column \"%s\" specified more than once", cn);
            continue;
        }
        cat_column *col = add_column(t, cn);
        col->type = cols[i].type;
        col->not_null = kind != CAT_TABLE && !cols[i].nullable;
    }
    analyze_columns_free(cols, n);
}

static bool
defelem_bool(const json_t *de, bool dflt)
{
    const json_t *arg = json_object_get(de, "arg"), *in;
    if (pn_is(arg, "Boolean", &in))
        return pn_bool(in, "boolval");
    if (pn_is(arg, "Integer", &in))
        return pn_int(in, "ival", 0) != 0;
    return dflt;
}

static void
create_function(ddl *x, const json_t *fs)
{
    const char *schema, *name;
    if (!split_names(pn_list(fs, "funcname"), &schema, &name))
        return;
    if (!schema)
        schema = "public";
    const json_t *params = pn_list(fs, "parameters");
    cat_func *f = xcalloc(1, sizeof *f);
    f->args = xcalloc(pn_len(params) + 1, sizeof *f->args);
    f->cols = xcalloc(pn_len(params) + 1, sizeof *f->cols);
    f->is_procedure = pn_bool(fs, "is_procedure");
    bool ok = true;
    for (size_t i = 0; i < pn_len(params); i++) {
        const json_t *fp;
        if (!pn_is(pn_at(params, i), "FunctionParameter", &fp))
            continue;
        const char *mode = pn_str(fp, "mode");
        const char *pname = pn_str(fp, "name");
        cat_tref t;
        if (!resolve_type(x, pn_obj(fp, "argType"), &t, NULL)) {
            ok = false;
            continue;
        }
        bool in = !mode || !strcmp(mode, "FUNC_PARAM_IN") || !strcmp(mode, "FUNC_PARAM_INOUT") ||
                  !strcmp(mode, "FUNC_PARAM_VARIADIC") || !strcmp(mode, "FUNC_PARAM_DEFAULT");
        bool out = mode && (!strcmp(mode, "FUNC_PARAM_OUT") || !strcmp(mode, "FUNC_PARAM_INOUT") ||
                            !strcmp(mode, "FUNC_PARAM_TABLE"));
        if (in) {
            cat_column *a = &f->args[f->n_args++];
            a->name = xstrdup(pname ? pname : "");
            a->type = t;
            if (json_object_get(fp, "defexpr"))
                f->n_defaults++;
        }
        if (out && !f->is_procedure) {
            cat_column *col = &f->cols[f->n_cols++];
            char buf[32];
            snprintf(buf, sizeof buf, "column%zu", f->n_cols);
            col->name = xstrdup(pname ? pname : buf);
            col->type = t;
        }
    }
    const json_t *rt = pn_obj(fs, "returnType");
    const char *rschema = NULL, *rname = NULL;
    const cat_table *rowtype = NULL;
    if (rt && split_names(pn_list(rt, "names"), &rschema, &rname) &&
        !pn_len(pn_list(rt, "arrayBounds")) && !catalog_utype(x->c, rschema, rname) &&
        (rschema || !pgc_type_by_name(rname)))
        rowtype = catalog_table(x->c, rschema, rname);
    if (rt && rowtype) {
        /* RETURNS [SETOF] a_table: the table's row type */
        f->setof = pn_bool(rt, "setof");
        f->ret = cat_tref_builtin(PGC_RECORD);
        for (size_t k = 0; k < f->n_cols; k++)
            free(f->cols[k].name);
        free(f->cols);
        f->cols = xcalloc(rowtype->n_cols + 1, sizeof *f->cols);
        f->n_cols = rowtype->n_cols;
        for (size_t k = 0; k < rowtype->n_cols; k++) {
            f->cols[k] = rowtype->cols[k];
            f->cols[k].name = xstrdup(rowtype->cols[k].name);
        }
    } else if (rt) {
        f->setof = pn_bool(rt, "setof");
        if (!resolve_type(x, rt, &f->ret, NULL))
            ok = false;
    } else if (f->n_cols == 1) {
        f->ret = f->cols[0].type;
    } else if (f->n_cols > 1) {
        f->ret = cat_tref_builtin(PGC_RECORD);
    } else {
        f->ret = cat_tref_builtin(PGC_VOID);
    }
    if (f->n_cols == 1 && !rowtype && !(rt && f->setof && f->ret.id == PGC_RECORD)) {
        /* one OUT parameter: the function returns that type, not a row */
        free_cols(f->cols, f->n_cols);
        f->cols = NULL;
        f->n_cols = 0;
    }
    const json_t *opts = pn_list(fs, "options");
    for (size_t i = 0; i < pn_len(opts); i++) {
        const json_t *de;
        if (!pn_is(pn_at(opts, i), "DefElem", &de))
            continue;
        const char *dn = pn_str(de, "defname");
        if (dn && !strcmp(dn, "strict"))
            f->strict = defelem_bool(de, true);
    }
    if (!ok) {
        free_cols(f->args, f->n_args);
        free_cols(f->cols, f->n_cols);
        free(f);
        return;
    }
    cat_func *old = NULL;
    for (size_t i = 0; i < x->c->n_funcs; i++) {
        cat_func *g = x->c->funcs[i];
        if (g->dropped || strcmp(g->name, name) || strcmp(g->schema, schema) ||
            g->n_args != f->n_args)
            continue;
        bool same = true;
        for (size_t k = 0; k < f->n_args; k++)
            if (!cat_tref_eq(cat_tref_base(g->args[k].type), cat_tref_base(f->args[k].type)))
                same = false;
        if (same)
            old = g;
    }
    if (old) {
        if (!pn_bool(fs, "replace")) {
            ddl_error(x, -1, "use CREATE OR REPLACE FUNCTION",
                      "function \"%s\" already exists with the same argument types", name);
            free_cols(f->args, f->n_args);
            free_cols(f->cols, f->n_cols);
            free(f);
            return;
        }
        old->dropped = true;
    }
    f->schema = xstrdup(schema);
    f->name = xstrdup(name);
    grow((void **)&x->c->funcs, sizeof *x->c->funcs, &x->c->cap_funcs, x->c->n_funcs + 1);
    x->c->funcs[x->c->n_funcs++] = f;
}

static void
create_schema(ddl *x, const json_t *cs)
{
    const char *name = pn_str(cs, "schemaname");
    if (!name)
        return;
    if (has_schema(x->c, name)) {
        if (!pn_bool(cs, "if_not_exists"))
            ddl_error(x, -1, "use CREATE SCHEMA IF NOT EXISTS", "schema \"%s\" already exists",
                      name);
        return;
    }
    x->c->schemas = xrealloc(x->c->schemas, (x->c->n_schemas + 1) * sizeof(char *));
    x->c->schemas[x->c->n_schemas++] = xstrdup(name);
}

static void
create_extension(ddl *x, const json_t *ce)
{
    const char *name = pn_str(ce, "extname");
    if (!name)
        return;
    for (size_t i = 0; i < x->c->n_extensions; i++) {
        if (!strcmp(x->c->extensions[i], name)) {
            if (!pn_bool(ce, "if_not_exists"))
                ddl_error(x, -1, "use CREATE EXTENSION IF NOT EXISTS",
                          "extension \"%s\" already exists", name);
            return;
        }
    }
    x->c->extensions = xrealloc(x->c->extensions, (x->c->n_extensions + 1) * sizeof(char *));
    x->c->extensions[x->c->n_extensions++] = xstrdup(name);
    x->c->ext_mask |= pgc_extension_bit(name);
}

void
catalog_apply(catalog *c, const json_t *stmt, const src_stmt *st, diag_list *d)
{
    ddl x = {c, st, d};
    const json_t *in;
    const char *k = pn_node(stmt, &in);
    if (!k)
        return;
    if (!strcmp(k, "CreateStmt"))
        create_table(&x, in);
    else if (!strcmp(k, "AlterTableStmt"))
        alter_table(&x, in);
    else if (!strcmp(k, "DropStmt"))
        drop_objects(&x, in);
    else if (!strcmp(k, "RenameStmt"))
        rename_object(&x, in);
    else if (!strcmp(k, "CreateEnumStmt"))
        create_enum(&x, in);
    else if (!strcmp(k, "AlterEnumStmt"))
        alter_enum(&x, in);
    else if (!strcmp(k, "CompositeTypeStmt"))
        create_composite(&x, in);
    else if (!strcmp(k, "CreateDomainStmt"))
        create_domain(&x, in);
    else if (!strcmp(k, "AlterDomainStmt"))
        alter_domain(&x, in);
    else if (!strcmp(k, "ViewStmt"))
        create_view(&x, pn_obj(in, "view"), json_object_get(in, "query"),
                    pn_list(in, "aliases"), pn_bool(in, "replace"), false, CAT_VIEW);
    else if (!strcmp(k, "CreateTableAsStmt")) {
        const json_t *into = pn_obj(in, "into");
        const char *ot = pn_str(in, "objtype");
        cat_rel_kind kind = ot && !strcmp(ot, "OBJECT_MATVIEW") ? CAT_MATVIEW : CAT_TABLE;
        create_view(&x, pn_obj(into, "rel"), json_object_get(in, "query"),
                    pn_list(into, "colNames"), false, pn_bool(in, "if_not_exists"), kind);
    } else if (!strcmp(k, "CreateFunctionStmt"))
        create_function(&x, in);
    else if (!strcmp(k, "CreateSchemaStmt"))
        create_schema(&x, in);
    else if (!strcmp(k, "CreateExtensionStmt"))
        create_extension(&x, in);
    /* everything else (indexes, grants, comments, triggers, DO, seed data...) changes nothing
     * a query can see */
}

/* === JSON === */

static void
type_fields(json_t *o, cat_tref t, bool with_oid)
{
    char buf[300];
    cat_tref_name(t, buf, sizeof buf);
    json_object_set_new(o, "type", json_string(buf));
    json_object_set_new(o, "array_dims", json_integer(t.dims));
    if (with_oid)
        json_object_set_new(o, "oid", json_integer(cat_tref_oid(t)));
}

json_t *
catalog_to_json(const catalog *c)
{
    json_t *root = json_object();
    json_t *schemas = json_array(), *exts = json_array(), *tables = json_array();
    json_t *enums = json_array(), *domains = json_array(), *comps = json_array();
    json_t *funcs = json_array();
    for (size_t i = 0; i < c->n_schemas; i++)
        json_array_append_new(schemas, json_string(c->schemas[i]));
    for (size_t i = 0; i < c->n_extensions; i++)
        json_array_append_new(exts, json_string(c->extensions[i]));
    for (size_t i = 0; i < c->n_tables; i++) {
        const cat_table *t = c->tables[i];
        if (t->dropped)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "schema", json_string(t->schema));
        json_object_set_new(o, "name", json_string(t->name));
        json_object_set_new(o, "kind", json_string(t->kind == CAT_VIEW ? "view"
                                                   : t->kind == CAT_MATVIEW ? "materialized_view"
                                                                            : "table"));
        json_object_set_new(o, "partitioned", json_boolean(t->partitioned));
        json_object_set_new(o, "partition_of",
                            t->partition_of ? json_string(t->partition_of) : json_null());
        json_t *pk = json_array();
        for (size_t k = 0; k < t->n_pk; k++)
            json_array_append_new(pk, json_string(t->pk[k]));
        json_object_set_new(o, "primary_key", pk);
        json_t *cols = json_array();
        for (size_t k = 0; k < t->n_cols; k++) {
            json_t *co = json_object();
            json_object_set_new(co, "name", json_string(t->cols[k].name));
            type_fields(co, t->cols[k].type, false);
            json_object_set_new(co, "not_null", json_boolean(t->cols[k].not_null));
            json_object_set_new(co, "has_default", json_boolean(t->cols[k].has_default));
            json_object_set_new(co, "oid", json_integer(cat_tref_oid(t->cols[k].type)));
            json_array_append_new(cols, co);
        }
        json_object_set_new(o, "columns", cols);
        json_array_append_new(tables, o);
    }
    for (size_t i = 0; i < c->n_types; i++) {
        const cat_utype *u = c->types[i];
        if (u->dropped)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "schema", json_string(u->schema));
        json_object_set_new(o, "name", json_string(u->name));
        if (u->kind == CAT_ENUM) {
            json_t *vals = json_array();
            for (size_t k = 0; k < u->n_values; k++)
                json_array_append_new(vals, json_string(u->values[k]));
            json_object_set_new(o, "values", vals);
            json_array_append_new(enums, o);
        } else if (u->kind == CAT_DOMAIN) {
            type_fields(o, u->base, false);
            json_object_set_new(o, "not_null", json_boolean(u->not_null));
            json_object_set_new(o, "oid", json_integer(cat_tref_oid(u->base)));
            json_array_append_new(domains, o);
        } else {
            json_t *cols = json_array();
            for (size_t k = 0; k < u->n_cols; k++) {
                json_t *co = json_object();
                json_object_set_new(co, "name", json_string(u->cols[k].name));
                type_fields(co, u->cols[k].type, true);
                json_array_append_new(cols, co);
            }
            json_object_set_new(o, "columns", cols);
            json_array_append_new(comps, o);
        }
    }
    for (size_t i = 0; i < c->n_funcs; i++) {
        const cat_func *f = c->funcs[i];
        if (f->dropped)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "schema", json_string(f->schema));
        json_object_set_new(o, "name", json_string(f->name));
        json_t *args = json_array();
        for (size_t k = 0; k < f->n_args; k++) {
            json_t *a = json_object();
            json_object_set_new(a, "name", json_string(f->args[k].name));
            type_fields(a, f->args[k].type, false);
            json_array_append_new(args, a);
        }
        json_object_set_new(o, "args", args);
        json_t *ret = json_object();
        type_fields(ret, f->ret, false);
        json_object_set_new(o, "returns", ret);
        json_object_set_new(o, "setof", json_boolean(f->setof));
        if (f->n_cols) {
            json_t *cols = json_array();
            for (size_t k = 0; k < f->n_cols; k++) {
                json_t *co = json_object();
                json_object_set_new(co, "name", json_string(f->cols[k].name));
                type_fields(co, f->cols[k].type, false);
                json_array_append_new(cols, co);
            }
            json_object_set_new(o, "columns", cols);
        } else {
            json_object_set_new(o, "columns", json_null());
        }
        json_array_append_new(funcs, o);
    }
    json_object_set_new(root, "schemas", schemas);
    json_object_set_new(root, "extensions", exts);
    json_object_set_new(root, "tables", tables);
    json_object_set_new(root, "enums", enums);
    json_object_set_new(root, "domains", domains);
    json_object_set_new(root, "composites", comps);
    json_object_set_new(root, "functions", funcs);
    return root;
}
