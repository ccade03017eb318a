/*
 * analyze_func.c - function calls: resolution of builtin (pgcatalog) and user functions with
 * their argument types, aggregates (FILTER, ORDER BY, WITHIN GROUP, DISTINCT), window
 * functions and their OVER clauses, and the nullability of the result (strict functions of
 * non-null arguments, count() never NULL, other aggregates nullable). Called from an_expr()
 * in analyze_expr.c and, for FROM-clause functions, from analyze_select.c.
 */
#include "analyze_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"

/* Non-strict functions that still never return NULL. */
static bool
never_null_func(const char *name)
{
    static const char *const names[] = {
        "concat", "concat_ws", "format", "json_build_array", "json_build_object",
        "jsonb_build_array", "jsonb_build_object", "num_nonnulls", "num_nulls",
        "row_to_json", "to_json", "to_jsonb", "array_append", "array_prepend", "array_cat",
        "txid_current", "gen_random_uuid", "uuid_generate_v4", "now", "clock_timestamp",
        "statement_timestamp", "transaction_timestamp", "random",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

/* Strict functions that still return NULL for some non-NULL inputs. */
static bool
may_null_func(const char *name)
{
    static const char *const names[] = {
        "jsonb_extract_path", "jsonb_extract_path_text", "json_extract_path",
        "json_extract_path_text", "jsonb_path_query_first", "json_object_field",
        "json_object_field_text", "jsonb_object_field", "jsonb_object_field_text",
        "regexp_match", "array_position", "array_length", "array_upper", "array_lower",
        "array_ndims", "array_dims", "to_regclass", "to_regtype", "to_regproc", "substring",
        "json_array_element", "jsonb_array_element", "json_array_element_text",
        "jsonb_array_element_text", "current_setting", "nullif", "pg_get_viewdef",
        /* set-returning: a NULL element or JSON null becomes a NULL row */
        "unnest", "json_array_elements_text", "jsonb_array_elements_text", "string_to_table",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

static bool
never_null_window(const char *name)
{
    static const char *const names[] = {
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "count",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(name, names[i]))
            return true;
    return false;
}

static void
window_def(actx *c, scope *sc, const pnode *wd)
{
    const pnode *pl = pn_list(wd, "partitionClause");
    for (size_t i = 0; i < pn_len(pl); i++)
        an_expr(c, sc, pn_at(pl, i));
    const pnode *ol = pn_list(wd, "orderClause"), *sb;
    for (size_t i = 0; i < pn_len(ol); i++)
        if (pn_is(pn_at(ol, i), "SortBy", &sb))
            an_expr(c, sc, pn_get(sb, "node"));
}

static const char *
types_str(actx *c, const aval *vals, int n)
{
    char *s = an_strdup(&c->ar, "");
    for (int i = 0; i < n; i++)
        s = an_printf(&c->ar, "%s%s%s", s, i ? ", " : "",
                      vals[i].unknown ? "unknown" : an_type_str(c, vals[i].t));
    return s;
}

aval
an_func(actx *c, scope *sc, const pnode *fc, an_funcinfo *fi)
{
    const pnode *names = pn_list(fc, "funcname");
    size_t nn = pn_len(names);
    const char *name = pn_last_name(names);
    const char *schema = nn >= 2 ? pn_sval(pn_at(names, nn - 2)) : NULL;
    int loc = pn_loc(fc);
    if (fi)
        memset(fi, 0, sizeof *fi);
    if (!name) {
        an_error(c, loc, NULL, "unsupported function name");
        return an_unknown_val();
    }
    if (schema && !strcmp(schema, "sqlc")) {
        an_error(c, loc, "write sqlc.arg(name), sqlc.narg(name), sqlc.slice(name) or "
                 "sqlc.embed(table)", "malformed sqlc macro \"sqlc.%s\"", name);
        return an_unknown_val();
    }
    if (schema && !strcmp(schema, "pg_catalog"))
        schema = NULL;
    const pnode *args = pn_list(fc, "args");
    int n = (int)pn_len(args);
    if (n > 100) {
        an_error(c, loc, NULL, "too many arguments");
        return an_unknown_val();
    }
    aval vals[100];
    uint32_t ids[100], res[100];
    bool anynull = false;
    for (int i = 0; i < n; i++) {
        const pnode *a = pn_at(args, i), *na;
        if (pn_is(a, "NamedArgExpr", &na))
            a = pn_get(na, "arg");
        vals[i] = an_expr(c, sc, a);
        ids[i] = vals[i].unknown ? 0 : cat_tref_resolver_id(vals[i].t);
        anynull |= vals[i].nullable;
    }
    if (fi) {
        fi->nargs = n;
        fi->args_nullable = anynull;
    }
    const pnode *order = pn_list(fc, "agg_order"), *sb;
    bool within = pn_bool(fc, "agg_within_group");
    for (size_t i = 0; i < pn_len(order); i++) {
        if (!pn_is(pn_at(order, i), "SortBy", &sb))
            continue;
        aval ov = an_expr(c, sc, pn_get(sb, "node"));
        if (within && n < 100) {
            /* ordered-set aggregates take the WITHIN GROUP expressions as arguments */
            vals[n] = ov;
            ids[n] = ov.unknown ? 0 : cat_tref_resolver_id(ov.t);
            n++;
        }
    }
    const pnode *filter = pn_get(fc, "agg_filter");
    if (filter && pn_node(filter, NULL))
        an_cond(c, sc, filter);
    const pnode *over = pn_obj(fc, "over");
    if (over)
        window_def(c, sc, over);

    /* user-defined functions shadow nothing built in with the same signature, but are looked
     * up first: schema objects are what the user most likely means */
    const cat_func *uf = catalog_func(c->cat, schema, name, n);
    if (uf) {
        for (int i = 0; i < n; i++) {
            if (vals[i].param && vals[i].unknown)
                an_param_type(c, vals[i].param, uf->args[i].type);
            if (vals[i].param)
                an_param_name(c, vals[i].param, uf->args[i].name, 1);
        }
        if (fi)
            fi->uf = uf;
        aval v = an_val(uf->ret, uf->strict ? anynull : true);
        return v;
    }
    if (schema) {
        an_error(c, loc, NULL, "function %s.%s(%s) does not exist", schema, name,
                 types_str(c, vals, n));
        return an_unknown_val();
    }
    bool amb = false;
    uint32_t ret = 0;
    const pgc_func *f =
        pgc_resolve_func(name, n, ids, c->cat->ext_mask, res, &ret, &amb);
    if (!f) {
        size_t cnt = 0;
        const pgc_func *any = pgc_funcs_by_name(name, &cnt);
        bool visible = false;
        for (size_t i = 0; any && i < cnt; i++)
            if (pgc_func_visible(&any[i], c->cat->ext_mask))
                visible = true;
        if (amb) {
            an_error(c, loc, "add explicit casts to the arguments",
                     "function %s(%s) is not unique", name, types_str(c, vals, n));
        } else if (!visible && !catalog_has_func_name(c->cat, name)) {
            const char *best = pgc_closest_func_name(name, c->cat->ext_mask);
            const char *hint = NULL;
            if (cnt)
                hint = an_printf(&c->ar, "it comes with the extension \"%s\": add CREATE "
                                 "EXTENSION to the schema", any[0].extension);
            else if (best)
                hint = an_printf(&c->ar, "did you mean \"%s\"?", best);
            an_error(c, loc, hint, "function %s does not exist", name);
        } else {
            an_error(c, loc, "no function matches the given name and argument types; you "
                     "might need to add explicit casts",
                     "function %s(%s) does not exist", name, types_str(c, vals, n));
        }
        return an_unknown_val();
    }
    for (int i = 0; i < n; i++) {
        if (vals[i].param && vals[i].unknown) {
            cat_tref t = an_mapback(res[i], NULL);
            /* a polymorphic argument: take the type of another argument of the same kind */
            if (!cat_tref_known(t))
                for (int k = 0; k < n; k++)
                    if (k != i && !vals[k].unknown)
                        t = vals[k].t;
            an_param_type(c, vals[i].param, t);
        }
        if (vals[i].param && f->argnames && i < f->nargs && f->argnames[i] &&
            f->argnames[i][0])
            an_param_name(c, vals[i].param, f->argnames[i], 1);
    }
    if (fi) {
        fi->pf = f;
        memcpy(fi->resolved, res, (size_t)n * sizeof *res);
    }
    aval v = {0};
    if (ret == PGC_ANYENUM || ret == PGC_ANYENUM_ARRAY || an_is_polymorphic(ret)) {
        for (int i = 0; i < n; i++) {
            if (vals[i].t.user || (ret != PGC_RECORD && cat_tref_known(vals[i].t))) {
                v.t = vals[i].t;
                v.t.dims = (ret == PGC_ANYENUM_ARRAY || ret == PGC_ANYARRAY) ? 1 : 0;
                if (vals[i].t.dims && ret != PGC_ANYENUM_ARRAY && ret != PGC_ANYARRAY &&
                    !vals[i].t.user)
                    v.t.dims = 0;
                break;
            }
        }
        if (!cat_tref_known(v.t))
            v.t = cat_tref_builtin(ret);
    } else {
        v.t = cat_tref_builtin(ret);
    }
    if (f->kind == 'a')
        v.nullable = strcmp(name, "count") != 0;
    else if (f->kind == 'w')
        v.nullable = !never_null_window(name);
    else if (f->strict)
        v.nullable = anynull || may_null_func(name);
    else
        v.nullable = !never_null_func(name);
    return v;
}
