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

/* Where each argument of a call goes in a candidate's parameter list: positional ones in order,
 * named ones (f(a => 1)) by name, as PostgreSQL matches them. params[k] is the k-th declared
 * input name (NULL or "" when unnamed); n_required are the ones without a default. Returns the
 * number of parameters the call then covers (slot[i] for argument i), or -1 when the names do
 * not fit: unknown or repeated, or a parameter without a default left out. */
static int
place_args(const char *const *argname, int n, const char *const *params, int n_params,
           int n_required, int *slot)
{
    bool used[100] = {false};
    int len = 0;
    for (int i = 0; i < n; i++) {
        int p = i;
        if (argname[i]) {
            for (p = 0; p < n_params; p++)
                if (params[p] && !strcmp(params[p], argname[i]))
                    break;
        }
        if (p >= n_params || used[p])
            return -1;
        used[p] = true;
        slot[i] = p;
        if (p + 1 > len)
            len = p + 1;
    }
    if (len < n_required)
        return -1;
    for (int p = 0; p < len; p++)
        if (!used[p] && p < n_required)
            return -1;
    return len;
}

/* Every parameter name of the functions called name, for "did you mean". Returns the count
 * (at most max). */
static size_t
param_names(const actx *c, const char *schema, const char *name, const char **out, size_t max)
{
    size_t n = 0, cnt = 0;
    for (size_t k = 0; k < c->cat->n_funcs; k++) {
        const cat_func *f = c->cat->funcs[k];
        if (f->dropped || strcmp(f->name, name) || (schema && strcmp(f->schema, schema)))
            continue;
        for (size_t p = 0; p < f->n_args && n < max; p++)
            if (f->args[p].name && f->args[p].name[0])
                out[n++] = f->args[p].name;
    }
    const pgc_func *pf = schema ? NULL : pgc_funcs_by_name(name, &cnt);
    for (size_t k = 0; pf && k < cnt; k++) {
        if (!pgc_func_visible(&pf[k], c->cat->ext_mask) || !pf[k].argnames)
            continue;
        for (int p = 0; p < pf[k].nargs && n < max; p++)
            if (pf[k].argnames[p][0])
                out[n++] = pf[k].argnames[p];
    }
    return n;
}

/* Why no function fits the named arguments: a name no function of that name declares (with the
 * closest declared one), or else a required parameter left out or a name given twice. */
static void
named_args_error(actx *c, const char *schema, const char *name, const char *const *argname,
                 const int *argloc, int n, bool any_candidate)
{
    const char *known[512];
    size_t n_known = param_names(c, schema, name, known, 512);
    int first_named = -1;
    for (int i = 0; i < n; i++) {
        bool found = false;
        if (!argname[i])
            continue;
        if (first_named < 0)
            first_named = i;
        for (size_t k = 0; k < n_known && !found; k++)
            found = strcmp(known[k], argname[i]) == 0;
        if (!found && any_candidate) {
            const char *best = diag_closest(argname[i], known, n_known);
            an_error(c, argloc[i], best ? an_printf(&c->ar, "did you mean \"%s\"?", best) : NULL,
                     "function %s has no parameter named \"%s\"", name, argname[i]);
            return;
        }
    }
    an_error(c, first_named >= 0 ? argloc[first_named] : -1,
             any_candidate ? "give every parameter without a default, each once"
                           : "only functions that declare parameter names take named arguments",
             "no function %s takes the named arguments given", name);
}

/* A call with named arguments, put in declaration order for the first function of that name
 * whose parameter names fit (user-defined first, as resolution looks them up first): vals and
 * ids are reordered, a left-out parameter with a default stands in as a value of its declared
 * type, and *n becomes the count of parameters covered. Overload resolution then runs on the
 * positional form. Returns false after reporting an error when no function fits. */
static bool
named_args(actx *c, const char *schema, const char *name, const char *const *argname,
           const int *argloc, aval *vals, uint32_t *ids, int *n)
{
    const char *params[100];
    int slot[100], len = -1;
    cat_tref decl[100];
    bool any_candidate = false;

    for (size_t k = c->cat->n_funcs; len < 0 && k-- > 0;) {
        const cat_func *f = c->cat->funcs[k];
        if (f->dropped || strcmp(f->name, name) || (schema && strcmp(f->schema, schema)) ||
            f->n_args > 100)
            continue;
        any_candidate = true;
        for (size_t p = 0; p < f->n_args; p++) {
            params[p] = f->args[p].name;
            decl[p] = f->args[p].type;
        }
        len = place_args(argname, *n, params, (int)f->n_args,
                         (int)(f->n_args - f->n_defaults), slot);
    }
    size_t cnt = 0;
    const pgc_func *pf = schema ? NULL : pgc_funcs_by_name(name, &cnt);
    for (size_t k = 0; len < 0 && pf && k < cnt; k++) {
        const pgc_func *f = &pf[k];
        if (!pgc_func_visible(f, c->cat->ext_mask) || !f->argnames)
            continue;
        any_candidate = true;
        for (int p = 0; p < f->nargs; p++) {
            params[p] = f->argnames[p];
            decl[p] = cat_tref_builtin(f->args[p]);
        }
        len = place_args(argname, *n, params, f->nargs, f->nargs - f->ndefaults, slot);
    }
    if (len < 0) {
        named_args_error(c, schema, name, argname, argloc, *n, any_candidate);
        return false;
    }
    aval placed[100];
    uint32_t placed_ids[100];
    bool given[100] = {false};
    for (int i = 0; i < *n; i++) {
        placed[slot[i]] = vals[i];
        placed_ids[slot[i]] = ids[i];
        given[slot[i]] = true;
    }
    for (int p = 0; p < len; p++) {
        if (!given[p]) {
            placed[p] = an_val(decl[p], false);
            placed_ids[p] = cat_tref_resolver_id(decl[p]);
        }
    }
    memcpy(vals, placed, (size_t)len * sizeof *vals);
    memcpy(ids, placed_ids, (size_t)len * sizeof *ids);
    *n = len;
    return true;
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
    const char *argname[100];
    int argloc[100];
    bool anynull = false, named = false;
    for (int i = 0; i < n; i++) {
        const pnode *a = pn_at(args, i), *na;
        argname[i] = NULL;
        argloc[i] = pn_loc(a);
        if (pn_is(a, "NamedArgExpr", &na)) {
            argname[i] = pn_str(na, "name");
            argloc[i] = pn_loc(na);
            named = true;
            a = pn_get(na, "arg");
        }
        vals[i] = an_expr(c, sc, a);
        ids[i] = vals[i].unknown ? 0 : cat_tref_resolver_id(vals[i].t);
        anynull |= vals[i].nullable;
    }
    if (named && !named_args(c, schema, name, argname, argloc, vals, ids, &n))
        return an_unknown_val();
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
        if (uf->volatility == 'v' || uf->is_procedure)
            c->writes = true;
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
    if (f->volatility == 'v')
        c->writes = true; /* nextval, pg_notify, set_config...; random() only costs a drain */
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
