/*
 * catalog_types.c - the DDL that creates types and routines: enums (and ALTER TYPE ADD/RENAME
 * VALUE), composite types, domains, views and materialized views (columns inferred by
 * analyze_view()), functions and procedures (arguments, OUT/TABLE columns, RETURNS SETOF
 * a table), schemas and extensions. Dispatched from catalog_apply() in catalog_ddl.c.
 */
#include "catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "pgcatalog.h"
#include "pgnode.h"

void
cat_create_enum(cat_ddl *x, const pnode *es)
{
    const char *schema, *name;
    if (!cat_split_names(pn_list(es, "typeName"), &schema, &name))
        return;
    if (!schema)
        schema = "public";
    if (catalog_utype(x->c, schema, name) || pgc_type_by_name(name)) {
        cat_ddl_error(x, -1, NULL, "type \"%s\" already exists", name);
        return;
    }
    cat_utype *u = cat_add_utype(x->c, CAT_ENUM, schema, name);
    const pnode *vals = pn_list(es, "vals");
    if (!u || !(u->values = cat_xcalloc(pn_len(vals) + 1, sizeof(char *))))
        return;
    for (size_t i = 0; i < pn_len(vals); i++) {
        const char *v = pn_sval(pn_at(vals, i));
        if (v && !(u->values[u->n_values++] = cat_xstrdup(v))) {
            u->n_values--;
            return;
        }
    }
}

void
cat_alter_enum(cat_ddl *x, const pnode *es)
{
    const char *schema, *name;
    if (!cat_split_names(pn_list(es, "typeName"), &schema, &name))
        return;
    cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
    if (!u || u->kind != CAT_ENUM) {
        cat_ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
        return;
    }
    const char *nv = pn_str(es, "newVal");
    const char *old = pn_str(es, "oldVal");
    if (!nv)
        return;
    if (old) {
        for (size_t i = 0; i < u->n_values; i++) {
            if (!strcmp(u->values[i], old)) {
                cat_xreplace(&u->values[i], nv);
                return;
            }
        }
        cat_ddl_error(x, -1, NULL, "\"%s\" is not an existing enum label", old);
        return;
    }
    for (size_t i = 0; i < u->n_values; i++) {
        if (!strcmp(u->values[i], nv)) {
            if (!pn_bool(es, "skipIfNewValExists"))
                cat_ddl_error(x, -1, "use ADD VALUE IF NOT EXISTS",
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
            cat_ddl_error(x, -1, NULL, "\"%s\" is not an existing enum label", nb);
            return;
        }
        pos = pn_bool(es, "newValIsAfter") ? k + 1 : k;
    }
    char *label = cat_xstrdup(nv);
    char **values = label ? cat_xrealloc(u->values, (u->n_values + 1) * sizeof(char *)) : NULL;
    if (!values) {
        free(label);
        return;
    }
    u->values = values;
    memmove(&u->values[pos + 1], &u->values[pos], (u->n_values - pos) * sizeof(char *));
    u->values[pos] = label;
    u->n_values++;
}

void
cat_create_composite(cat_ddl *x, const pnode *cs)
{
    const pnode *rv = pn_obj(cs, "typevar");
    const char *name = pn_str(rv, "relname");
    const char *schema = cat_rv_schema(rv);
    if (!name)
        return;
    if (catalog_utype(x->c, schema, name)) {
        cat_ddl_error(x, pn_loc(rv), NULL, "type \"%s\" already exists", name);
        return;
    }
    const pnode *defs = pn_list(cs, "coldeflist");
    cat_column *cols = cat_xcalloc(pn_len(defs) + 1, sizeof *cols);
    size_t n = 0;
    if (!cols)
        return;
    for (size_t i = 0; i < pn_len(defs); i++) {
        const pnode *cd;
        if (!pn_is(pn_at(defs, i), "ColumnDef", &cd) || !pn_str(cd, "colname"))
            continue;
        if (!cat_resolve_type(x, pn_obj(cd, "typeName"), &cols[n].type, NULL))
            continue;
        if (!(cols[n].name = cat_xstrdup(pn_str(cd, "colname"))))
            break;
        n++;
    }
    cat_utype *u = cat_alloc_failed ? NULL : cat_add_utype(x->c, CAT_COMPOSITE, schema, name);
    if (!u) {
        cat_free_cols(cols, n);
        return;
    }
    u->cols = cols;
    u->n_cols = n;
}

void
cat_create_domain(cat_ddl *x, const pnode *ds)
{
    const char *schema, *name;
    if (!cat_split_names(pn_list(ds, "domainname"), &schema, &name))
        return;
    if (!schema)
        schema = "public";
    if (catalog_utype(x->c, schema, name)) {
        cat_ddl_error(x, -1, NULL, "type \"%s\" already exists", name);
        return;
    }
    cat_tref base;
    if (!cat_resolve_type(x, pn_obj(ds, "typeName"), &base, NULL))
        return;
    cat_utype *u = cat_add_utype(x->c, CAT_DOMAIN, schema, name);
    if (!u)
        return;
    u->base = cat_tref_base(base);
    u->not_null = cat_tref_domain_not_null(base);
    const pnode *cons = pn_list(ds, "constraints");
    for (size_t i = 0; i < pn_len(cons); i++) {
        const pnode *cn;
        if (pn_is(pn_at(cons, i), "Constraint", &cn)) {
            const char *ct = pn_str(cn, "contype");
            if (ct && !strcmp(ct, "CONSTR_NOTNULL"))
                u->not_null = true;
        }
    }
}

void
cat_alter_domain(cat_ddl *x, const pnode *as)
{
    const char *schema, *name;
    if (!cat_split_names(pn_list(as, "typeName"), &schema, &name))
        return;
    cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
    if (!u || u->kind != CAT_DOMAIN) {
        cat_ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
        return;
    }
    const char *sub = pn_str(as, "subtype"); /* 'N' drop not null, 'O' set not null */
    if (sub && !strcmp(sub, "N"))
        u->not_null = false;
    else if (sub && !strcmp(sub, "O"))
        u->not_null = true;
}

/* A view, materialized view or CREATE TABLE AS: columns from the analyzer. */
void
cat_create_view(cat_ddl *x, const pnode *rv, const pnode *query, const pnode *aliases,
                bool replace, bool if_not_exists, cat_rel_kind kind)
{
    const char *name = pn_str(rv, "relname");
    const char *schema = cat_rv_schema(rv);
    if (!name)
        return;
    if (!cat_has_schema(x->c, schema)) {
        cat_ddl_error(x, pn_loc(rv), NULL, "schema \"%s\" does not exist", schema);
        return;
    }
    cat_table *old = catalog_table(x->c, schema, name);
    if (old && !replace) {
        if (!if_not_exists)
            cat_ddl_error(x, pn_loc(rv), NULL, "relation \"%s\" already exists", name);
        return;
    }
    an_column *cols = NULL;
    size_t n = 0;
    int rc = analyze_view(x->c, query, x->st, &cols, &n, x->d);
    if (rc == -2)
        cat_alloc_failed = true;
    if (rc != 0)
        return;
    cat_table *t;
    if (old) {
        /* CREATE OR REPLACE VIEW keeps the view's place in creation order */
        t = old;
        cat_free_cols(t->cols, t->n_cols);
        t->cols = NULL;
        t->n_cols = t->cap_cols = 0;
    } else if (!(t = cat_add_table(x->c, schema, name))) {
        analyze_columns_free(cols, n);
        return;
    }
    t->kind = kind;
    for (size_t i = 0; i < n; i++) {
        const char *cn = cols[i].name;
        if (i < pn_len(aliases) && pn_sval(pn_at(aliases, i)))
            cn = pn_sval(pn_at(aliases, i));
        if (catalog_column(t, cn)) {
            cat_ddl_error(x, pn_loc(rv), "give the columns distinct aliases",
                          "column \"%s\" specified more than once", cn);
            continue;
        }
        cat_column *col = cat_add_column(t, cn);
        if (!col)
            break;
        col->type = cols[i].type;
        col->not_null = kind != CAT_TABLE && !cols[i].nullable;
    }
    analyze_columns_free(cols, n);
}

static bool
defelem_bool(const pnode *de, bool dflt)
{
    const pnode *arg = pn_get(de, "arg"), *in;
    if (pn_is(arg, "Boolean", &in))
        return pn_bool(in, "boolval");
    if (pn_is(arg, "Integer", &in))
        return pn_int(in, "ival", 0) != 0;
    return dflt;
}

void
cat_create_function(cat_ddl *x, const pnode *fs)
{
    const char *schema, *name;
    if (!cat_split_names(pn_list(fs, "funcname"), &schema, &name))
        return;
    if (!schema)
        schema = "public";
    const pnode *params = pn_list(fs, "parameters");
    cat_func *f = cat_xcalloc(1, sizeof *f);
    if (!f)
        return;
    f->volatility = 'v';
    f->args = cat_xcalloc(pn_len(params) + 1, sizeof *f->args);
    f->cols = cat_xcalloc(pn_len(params) + 1, sizeof *f->cols);
    if (!f->args || !f->cols) {
        free(f->args);
        free(f->cols);
        free(f);
        return;
    }
    f->is_procedure = pn_bool(fs, "is_procedure");
    bool ok = true;
    for (size_t i = 0; i < pn_len(params); i++) {
        const pnode *fp;
        if (!pn_is(pn_at(params, i), "FunctionParameter", &fp))
            continue;
        const char *mode = pn_str(fp, "mode");
        const char *pname = pn_str(fp, "name");
        cat_tref t;
        if (!cat_resolve_type(x, pn_obj(fp, "argType"), &t, NULL)) {
            ok = false;
            continue;
        }
        bool in = !mode || !strcmp(mode, "FUNC_PARAM_IN") || !strcmp(mode, "FUNC_PARAM_INOUT") ||
                  !strcmp(mode, "FUNC_PARAM_VARIADIC") || !strcmp(mode, "FUNC_PARAM_DEFAULT");
        bool out = mode && (!strcmp(mode, "FUNC_PARAM_OUT") || !strcmp(mode, "FUNC_PARAM_INOUT") ||
                            !strcmp(mode, "FUNC_PARAM_TABLE"));
        if (in) {
            cat_column *a = &f->args[f->n_args++];
            if (!(a->name = cat_xstrdup(pname ? pname : "")))
                ok = false;
            a->type = t;
            if (pn_get(fp, "defexpr"))
                f->n_defaults++;
        }
        if (out && !f->is_procedure) {
            cat_column *col = &f->cols[f->n_cols++];
            char buf[32];
            snprintf(buf, sizeof buf, "column%zu", f->n_cols);
            if (!(col->name = cat_xstrdup(pname ? pname : buf)))
                ok = false;
            col->type = t;
        }
    }
    const pnode *rt = pn_obj(fs, "returnType");
    const char *rschema = NULL, *rname = NULL;
    const cat_table *rowtype = NULL;
    if (rt && cat_split_names(pn_list(rt, "names"), &rschema, &rname) &&
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
        f->cols = cat_xcalloc(rowtype->n_cols + 1, sizeof *f->cols);
        f->n_cols = f->cols ? rowtype->n_cols : 0;
        for (size_t k = 0; k < f->n_cols; k++) {
            f->cols[k] = rowtype->cols[k];
            if (!(f->cols[k].name = cat_xstrdup(rowtype->cols[k].name)))
                ok = false;
        }
        if (!f->cols)
            ok = false;
    } else if (rt) {
        f->setof = pn_bool(rt, "setof");
        if (!cat_resolve_type(x, rt, &f->ret, NULL))
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
        cat_free_cols(f->cols, f->n_cols);
        f->cols = NULL;
        f->n_cols = 0;
    }
    const pnode *opts = pn_list(fs, "options");
    for (size_t i = 0; i < pn_len(opts); i++) {
        const pnode *de;
        if (!pn_is(pn_at(opts, i), "DefElem", &de))
            continue;
        const char *dn = pn_str(de, "defname");
        if (dn && !strcmp(dn, "strict"))
            f->strict = defelem_bool(de, true);
        if (dn && !strcmp(dn, "volatility")) {
            const char *v = pn_sval(pn_get(de, "arg"));
            f->volatility = v && (v[0] == 'i' || v[0] == 's') ? v[0] : 'v';
        }
    }
    if (!ok) {
        cat_free_cols(f->args, f->n_args);
        cat_free_cols(f->cols, f->n_cols);
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
    if (old && !pn_bool(fs, "replace")) {
        cat_ddl_error(x, -1, "use CREATE OR REPLACE FUNCTION",
                      "function \"%s\" already exists with the same argument types", name);
        cat_free_cols(f->args, f->n_args);
        cat_free_cols(f->cols, f->n_cols);
        free(f);
        return;
    }
    f->schema = cat_xstrdup(schema);
    f->name = cat_xstrdup(name);
    if (!f->schema || !f->name ||
        !cat_grow((void **)&x->c->funcs, sizeof *x->c->funcs, &x->c->cap_funcs,
                  x->c->n_funcs + 1)) {
        free(f->schema);
        free(f->name);
        cat_free_cols(f->args, f->n_args);
        cat_free_cols(f->cols, f->n_cols);
        free(f);
        return;
    }
    if (old)
        old->dropped = true;
    x->c->funcs[x->c->n_funcs++] = f;
}

void
cat_create_schema(cat_ddl *x, const pnode *cs)
{
    const char *name = pn_str(cs, "schemaname");
    if (!name)
        return;
    if (cat_has_schema(x->c, name)) {
        if (!pn_bool(cs, "if_not_exists"))
            cat_ddl_error(x, -1, "use CREATE SCHEMA IF NOT EXISTS", "schema \"%s\" already exists",
                          name);
        return;
    }
    char *nm = cat_xstrdup(name);
    char **schemas = nm ? cat_xrealloc(x->c->schemas, (x->c->n_schemas + 1) * sizeof(char *))
                        : NULL;
    if (!schemas) {
        free(nm);
        return;
    }
    x->c->schemas = schemas;
    x->c->schemas[x->c->n_schemas++] = nm;
}

void
cat_create_extension(cat_ddl *x, const pnode *ce)
{
    const char *name = pn_str(ce, "extname");
    if (!name)
        return;
    for (size_t i = 0; i < x->c->n_extensions; i++) {
        if (!strcmp(x->c->extensions[i], name)) {
            if (!pn_bool(ce, "if_not_exists"))
                cat_ddl_error(x, -1, "use CREATE EXTENSION IF NOT EXISTS",
                              "extension \"%s\" already exists", name);
            return;
        }
    }
    char *nm = cat_xstrdup(name);
    char **exts = nm ? cat_xrealloc(x->c->extensions, (x->c->n_extensions + 1) * sizeof(char *))
                     : NULL;
    if (!exts) {
        free(nm);
        return;
    }
    x->c->extensions = exts;
    x->c->extensions[x->c->n_extensions++] = nm;
    x->c->ext_mask |= pgc_extension_bit(name);
}
