/*
 * analyze_select.c - SELECT: FROM items (tables, views, CTEs, derived tables, functions,
 * joins with per-column nullability for outer joins, USING/NATURAL merging, LATERAL), WITH
 * (recursive and data-modifying), set operations, VALUES, target lists with * and t.*
 * expansion and sqlc.embed, GROUP BY/HAVING/ORDER BY/LIMIT. Column references:
 * analyze_colref.c; expressions: analyze_expr.c; the grouping rule: analyze_group.c.
 */
#include "analyze_int.h"

#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"

static cte *
find_cte(scope *sc, const char *name)
{
    for (scope *s = sc; s; s = s->parent)
        for (size_t i = s->nctes; i-- > 0;)
            if (!strcmp(s->ctes[i]->name, name))
                return s->ctes[i];
    return NULL;
}

rte *
an_table_rte(actx *c, scope *sc, const cat_table *t, const char *alias)
{
    rte *r = an_add_rte(c, sc, alias ? alias : t->name, t->n_cols);
    r->rel = t;
    for (size_t i = 0; i < t->n_cols; i++) {
        r->cols[i].name = t->cols[i].name;
        r->cols[i].t = t->cols[i].type;
        r->cols[i].nullable = !t->cols[i].not_null;
        r->cols[i].table = t->name;
    }
    return r;
}

/* Applies alias column names (AS x(a, b)) to r. */
static void
rename_cols(actx *c, rte *r, const pnode *alias)
{
    const pnode *names = pn_list(alias, "colnames");
    if (pn_len(names) > r->n)
        an_error(c, pn_loc(alias), NULL, "table \"%s\" has %zu columns available but %zu "
                 "columns specified", r->alias ? r->alias : "?", r->n, pn_len(names));
    for (size_t i = 0; i < pn_len(names) && i < r->n; i++) {
        const char *s = pn_sval(pn_at(names, i));
        if (s)
            r->cols[i].name = s;
    }
}

/* === FROM === */

static const char *
alias_name(const pnode *alias)
{
    return pn_str(alias, "aliasname");
}

static void
from_rangevar(actx *c, scope *sc, const pnode *rv)
{
    const char *name = pn_str(rv, "relname");
    const char *schema = pn_str(rv, "schemaname");
    const pnode *alias = pn_obj(rv, "alias");
    if (!name) {
        an_error(c, pn_loc(rv), NULL, "malformed table reference");
        return;
    }
    cte *ct = schema ? NULL : find_cte(sc, name);
    if (ct) {
        if (!ct->ready) {
            an_error(c, pn_loc(rv), NULL, "recursive reference to query \"%s\" must not appear "
                     "within its non-recursive term", name);
            return;
        }
        const char *an = alias_name(alias);
        rte *r = an_add_rte(c, sc, an ? an : name, ct->n);
        memcpy(r->cols, ct->cols, ct->n * sizeof *r->cols);
        rename_cols(c, r, alias);
        return;
    }
    const cat_table *t = catalog_table(c->cat, schema, name);
    if (!t) {
        an_error(c, pn_loc(rv), an_closest_rel(c, sc, name, true),
                 "relation \"%s\" does not exist", name);
        /* A placeholder keeps the alias in scope, so a.id and unqualified columns that could
         * come from it give no second error. */
        const char *an = alias_name(alias);
        rte *r = an_add_rte(c, sc, an ? an : name, 0);
        r->unknown = true;
        return;
    }
    rte *r = an_table_rte(c, sc, t, alias_name(alias));
    rename_cols(c, r, alias);
}

static void
from_subselect(actx *c, scope *sc, const pnode *rs)
{
    const pnode *sel;
    if (!pn_is(pn_get(rs, "subquery"), "SelectStmt", &sel)) {
        an_error(c, -1, NULL, "unsupported subquery in FROM");
        return;
    }
    /* Without LATERAL the subquery sees the outer query and the CTEs, not its siblings. */
    scope tmp = *sc;
    tmp.n = 0;
    tmp.r = NULL;
    tmp.cap = 0;
    qres q = {0};
    an_select(c, pn_bool(rs, "lateral") ? sc : &tmp, sel, &q);
    const pnode *alias = pn_obj(rs, "alias");
    rte *r = an_add_rte(c, sc, alias_name(alias), q.n);
    for (size_t i = 0; i < q.n; i++) {
        r->cols[i].name = q.cols[i].name;
        r->cols[i].t = q.cols[i].t;
        r->cols[i].nullable = q.cols[i].nullable;
        r->cols[i].table = q.cols[i].table;
        r->cols[i].where_not_null = q.cols[i].where_not_null;
    }
    rename_cols(c, r, alias);
}

static void
from_function(actx *c, scope *sc, const pnode *rf)
{
    const pnode *funcs = pn_list(rf, "functions");
    const pnode *alias = pn_obj(rf, "alias");
    rcol *cols = NULL;
    size_t n = 0, cap = 0;
    const char *first_name = NULL;
    for (size_t i = 0; i < pn_len(funcs); i++) {
        const pnode *item, *fc;
        if (!pn_is(pn_at(funcs, i), "List", &item))
            continue;
        const pnode *items = pn_list(item, "items");
        const pnode *fnode = pn_at(items, 0);
        const pnode *defs = pn_list(rf, "coldeflist");
        const pnode *cdl;
        if (pn_is(pn_at(items, 1), "List", &cdl))
            defs = pn_list(cdl, "items");
        if (!pn_is(fnode, "FuncCall", &fc)) {
            /* e.g. a SQL-standard function syntax node: analyze as a plain expression */
            aval v = an_expr(c, sc, fnode);
            cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
            bool unnamed;
            cols[n].name = an_colname(c, fnode, &unnamed);
            cols[n].t = v.t;
            cols[n].nullable = v.nullable;
            n++;
            continue;
        }
        an_funcinfo fi;
        aval v = an_func(c, sc, fc, &fi);
        const char *fname = pn_last_name(pn_list(fc, "funcname"));
        if (!first_name)
            first_name = fname;
        if (pn_len(defs)) {
            for (size_t k = 0; k < pn_len(defs); k++) {
                const pnode *cd;
                cat_tref t;
                if (!pn_is(pn_at(defs, k), "ColumnDef", &cd) ||
                    !an_typename(c, pn_obj(cd, "typeName"), &t))
                    continue;
                cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
                cols[n].name = pn_str(cd, "colname");
                cols[n].t = t;
                cols[n].nullable = true;
                n++;
            }
        } else if (fi.uf && fi.uf->n_cols) {
            for (size_t k = 0; k < fi.uf->n_cols; k++) {
                cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
                cols[n].name = fi.uf->cols[k].name;
                cols[n].t = fi.uf->cols[k].type;
                cols[n].nullable = !fi.uf->cols[k].not_null;
                n++;
            }
        } else if (fi.uf && fi.uf->ret.user && fi.uf->ret.user->kind == CAT_COMPOSITE &&
                   !fi.uf->ret.dims) {
            const cat_utype *u = fi.uf->ret.user;
            for (size_t k = 0; k < u->n_cols; k++) {
                cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
                cols[n].name = u->cols[k].name;
                cols[n].t = u->cols[k].type;
                cols[n].nullable = true;
                n++;
            }
        } else if (fi.pf && fi.pf->nouts > 0 && fi.pf->out_types) {
            for (size_t k = 0; k < fi.pf->nouts; k++) {
                cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
                uint32_t t = pgc_func_concrete_type(fi.pf, fi.nargs, fi.resolved,
                                                    fi.pf->out_types[k]);
                cols[n].name = fi.pf->out_names ? fi.pf->out_names[k] : "?column?";
                cols[n].t = cat_tref_builtin(t ? t : PGC_TEXT);
                cols[n].nullable = true;
                n++;
            }
        } else {
            cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
            const char *an = alias_name(alias);
            cols[n].name = an && pn_len(funcs) == 1 ? an : fname;
            cols[n].t = v.t;
            cols[n].nullable = v.nullable;
            n++;
        }
    }
    if (pn_bool(rf, "ordinality")) {
        cols = an_grow(&c->ar, cols, sizeof *cols, &cap, n + 1);
        cols[n].name = "ordinality";
        cols[n].t = cat_tref_builtin(PGC_INT8);
        cols[n].nullable = false;
        n++;
    }
    const char *an = alias_name(alias);
    rte *r = an_add_rte(c, sc, an ? an : first_name, n);
    if (n)
        memcpy(r->cols, cols, n * sizeof *cols);
    rename_cols(c, r, alias);
}

static void
mark_nullable(scope *sc, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        for (size_t k = 0; k < sc->r[i]->n; k++)
            sc->r[i]->cols[k].nullable = true;
}

static rcol *
find_visible(scope *sc, size_t from, size_t to, const char *name, int *count)
{
    rcol *found = NULL;
    *count = 0;
    for (size_t i = from; i < to; i++) {
        for (size_t k = 0; k < sc->r[i]->n; k++) {
            rcol *col = &sc->r[i]->cols[k];
            if (!col->hidden && !strcmp(col->name, name)) {
                if (!found)
                    found = col;
                (*count)++;
            }
        }
    }
    return found;
}

/* Whether sc->r[from, to) holds a relation already reported missing. */
static bool
has_unknown(const scope *sc, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (sc->r[i]->unknown)
            return true;
    return false;
}

static void
from_join(actx *c, scope *sc, const pnode *je)
{
    size_t start = sc->n;
    an_from_item(c, sc, pn_get(je, "larg"));
    size_t mid = sc->n;
    an_from_item(c, sc, pn_get(je, "rarg"));
    size_t end = sc->n;
    const char *jt = pn_str(je, "jointype");
    bool left = jt && !strcmp(jt, "JOIN_LEFT"), right = jt && !strcmp(jt, "JOIN_RIGHT");
    bool full = jt && !strcmp(jt, "JOIN_FULL");

    /* USING / NATURAL: names to merge, with their pre-join nullability */
    const pnode *using = pn_list(je, "usingClause");
    size_t nu = 0;
    const char **unames = NULL;
    if (pn_bool(je, "isNatural")) {
        unames = an_alloc(&c->ar, 64 * sizeof *unames);
        for (size_t i = start; i < mid; i++) {
            for (size_t k = 0; k < sc->r[i]->n && nu < 64; k++) {
                const rcol *lc = &sc->r[i]->cols[k];
                int cnt;
                if (!lc->hidden && find_visible(sc, mid, end, lc->name, &cnt))
                    unames[nu++] = lc->name;
            }
        }
    } else if (pn_len(using)) {
        nu = pn_len(using);
        unames = an_alloc(&c->ar, nu * sizeof *unames);
        for (size_t i = 0; i < nu; i++)
            unames[i] = pn_sval(pn_at(using, i));
    }
    rcol *merged = nu ? an_alloc(&c->ar, nu * sizeof *merged) : NULL;
    size_t nm = 0;
    for (size_t i = 0; i < nu; i++) {
        if (!unames[i])
            continue;
        int lc_n, rc_n;
        rcol *lc = find_visible(sc, start, mid, unames[i], &lc_n);
        rcol *rc = find_visible(sc, mid, end, unames[i], &rc_n);
        if (!lc || !rc) {
            if (has_unknown(sc, !lc ? start : mid, !lc ? mid : end))
                continue; /* that side is a relation already reported missing */
            an_error(c, pn_loc(je), NULL, "column \"%s\" specified in USING clause does not "
                     "exist in %s table", unames[i], !lc ? "left" : "right");
            continue;
        }
        if (lc_n > 1 || rc_n > 1) {
            an_error(c, pn_loc(je), NULL, "common column name \"%s\" appears more than once "
                     "in %s table", unames[i], lc_n > 1 ? "left" : "right");
            continue;
        }
        rcol m = *lc;
        if (left)
            m.nullable = lc->nullable;
        else if (right)
            m.nullable = rc->nullable;
        else
            m.nullable = lc->nullable && rc->nullable;
        if (right || !cat_tref_known(m.t))
            m.t = rc->t;
        m.hidden = false;
        merged[nm++] = m;
        lc->hidden = true;
        rc->hidden = true;
    }
    if (left || full)
        mark_nullable(sc, mid, end);
    if (right || full)
        mark_nullable(sc, start, mid);
    if (nm) {
        /* merged columns come first, as SELECT * shows them */
        an_add_rte(c, sc, NULL, nm);
        rte *mr = sc->r[sc->n - 1];
        memmove(&sc->r[start + 1], &sc->r[start], (sc->n - 1 - start) * sizeof *sc->r);
        sc->r[start] = mr;
        memcpy(mr->cols, merged, nm * sizeof *merged);
        end++;
    }
    const pnode *quals = pn_get(je, "quals");
    if (quals && pn_node(quals, NULL))
        an_cond(c, sc, quals);
    const pnode *alias = pn_obj(je, "alias");
    if (alias_name(alias)) {
        /* (a JOIN b) AS j: one entry with the visible columns */
        size_t n = 0;
        for (size_t i = start; i < end; i++)
            for (size_t k = 0; k < sc->r[i]->n; k++)
                n += !sc->r[i]->cols[k].hidden;
        rcol *cols = an_alloc(&c->ar, (n ? n : 1) * sizeof *cols);
        n = 0;
        for (size_t i = start; i < end; i++)
            for (size_t k = 0; k < sc->r[i]->n; k++)
                if (!sc->r[i]->cols[k].hidden)
                    cols[n++] = sc->r[i]->cols[k];
        sc->n = start;
        rte *r = an_add_rte(c, sc, alias_name(alias), n);
        memcpy(r->cols, cols, n * sizeof *cols);
        rename_cols(c, r, alias);
    }
}

void
an_from_item(actx *c, scope *sc, const pnode *node)
{
    const pnode *in;
    const char *k = pn_node(node, &in);
    if (!k) {
        an_error(c, -1, NULL, "unsupported FROM item");
        return;
    }
    if (++c->depth > AN_MAX_DEPTH) {
        an_error(c, -1, NULL, "query nested too deeply");
        c->depth--;
        return;
    }
    if (pn_kind_is(k, "RangeVar"))
        from_rangevar(c, sc, in);
    else if (pn_kind_is(k, "RangeSubselect"))
        from_subselect(c, sc, in);
    else if (pn_kind_is(k, "RangeFunction"))
        from_function(c, sc, in);
    else if (pn_kind_is(k, "JoinExpr"))
        from_join(c, sc, in);
    else
        an_error(c, pn_loc(in), NULL, "unsupported FROM item %s", k);
    c->depth--;
}

/* === WITH === */

static cte *
add_cte(actx *c, scope *sc, const char *name)
{
    cte *ct = an_alloc(&c->ar, sizeof *ct);
    ct->name = name;
    sc->ctes = an_grow(&c->ar, sc->ctes, sizeof *sc->ctes, &sc->capctes, sc->nctes + 1);
    sc->ctes[sc->nctes++] = ct;
    return ct;
}

static void
cte_set_cols(actx *c, cte *ct, const qres *q, const pnode *aliases)
{
    ct->n = q->n;
    ct->cols = an_alloc(&c->ar, (q->n ? q->n : 1) * sizeof *ct->cols);
    for (size_t i = 0; i < q->n; i++) {
        ct->cols[i].name = q->cols[i].name;
        if (i < pn_len(aliases) && pn_sval(pn_at(aliases, i)))
            ct->cols[i].name = pn_sval(pn_at(aliases, i));
        ct->cols[i].t = q->cols[i].t;
        ct->cols[i].nullable = q->cols[i].nullable;
        ct->cols[i].where_not_null = q->cols[i].where_not_null;
        ct->cols[i].table = ct->name;
    }
    ct->ready = true;
}

void
an_with(actx *c, scope *sc, const pnode *with)
{
    if (!with)
        return;
    bool recursive = pn_bool(with, "recursive");
    const pnode *ctes = pn_list(with, "ctes");
    for (size_t i = 0; i < pn_len(ctes); i++) {
        const pnode *ce;
        if (!pn_is(pn_at(ctes, i), "CommonTableExpr", &ce))
            continue;
        const char *name = pn_str(ce, "ctename");
        const pnode *q = pn_get(ce, "ctequery"), *sel;
        const pnode *aliases = pn_list(ce, "aliascolnames");
        if (!name)
            continue;
        cte *ct = add_cte(c, sc, name);
        const char *op;
        if (recursive && pn_is(q, "SelectStmt", &sel) && (op = pn_str(sel, "op")) &&
            strcmp(op, "SETOP_NONE") != 0) {
            /* the non-recursive arm gives the columns; then the whole body is checked */
            qres first = {0};
            an_select(c, sc, pn_obj(sel, "larg"), &first);
            cte_set_cols(c, ct, &first, aliases);
            qres all = {0};
            an_select(c, sc, sel, &all);
            if (all.n == first.n)
                for (size_t k = 0; k < all.n; k++) {
                    ct->cols[k].nullable = all.cols[k].nullable;
                    ct->cols[k].where_not_null = all.cols[k].where_not_null;
                }
            continue;
        }
        qres res = {0};
        const char *kind = NULL;
        an_stmt(c, sc, q, &res, &kind);
        if (!kind) {
            an_error(c, pn_loc(ce), NULL, "unsupported statement in WITH");
            continue;
        }
        if (pn_len(aliases) > res.n)
            an_error(c, pn_loc(ce), NULL, "WITH query \"%s\" has %zu columns available but %zu "
                     "columns specified", name, res.n, pn_len(aliases));
        cte_set_cols(c, ct, &res, aliases);
    }
}

/* === target lists === */

static void
add_rcol(actx *c, qres *out, const rcol *col, const char *embed, int loc)
{
    qcol q = {0};
    q.name = col->name;
    q.t = col->t;
    q.nullable = col->nullable;
    q.where_not_null = col->where_not_null;
    q.table = col->table;
    q.embed = embed;
    q.loc = loc;
    an_add_col(c, out, &q);
}

void
an_targets(actx *c, scope *sc, const pnode *list, qres *out)
{
    for (size_t i = 0; i < pn_len(list); i++) {
        const pnode *rt, *cref;
        if (!pn_is(pn_at(list, i), "ResTarget", &rt)) {
            an_error(c, -1, NULL, "unsupported target list item");
            continue;
        }
        const pnode *val = pn_get(rt, "val");
        int loc = pn_loc(rt);
        if (pn_is(val, "ColumnRef", &cref)) {
            const pnode *fields = pn_list(cref, "fields");
            size_t nf = pn_len(fields);
            if (nf && pn_is(pn_at(fields, nf - 1), "A_Star", NULL)) {
                if (nf == 1) {
                    for (size_t r = 0; r < sc->n; r++)
                        for (size_t k = 0; k < sc->r[r]->n; k++)
                            if (!sc->r[r]->cols[k].hidden)
                                add_rcol(c, out, &sc->r[r]->cols[k], NULL, loc);
                    if (sc->n == 0 && sc->nfrom == 0)
                        an_error(c, loc, NULL, "SELECT * with no tables specified is not valid");
                    continue;
                }
                const char *alias = pn_sval(pn_at(fields, nf - 2));
                rte *r = alias ? an_find_rte(sc, alias, false) : NULL;
                if (!r) {
                    an_error(c, loc, an_alias_hint(c, sc, alias ? alias : "", NULL),
                             "missing FROM-clause entry for table \"%s\"", alias ? alias : "?");
                    continue;
                }
                occ *o = an_occ_at(c, pn_loc(cref));
                const char *embed = o && o->kind == 'e' ? o->name : NULL;
                for (size_t k = 0; k < r->n; k++)
                    add_rcol(c, out, &r->cols[k], embed, loc);
                continue;
            }
        }
        aval v = an_expr(c, sc, val);
        qcol q = {0};
        bool unnamed = false;
        q.name = pn_str(rt, "name");
        if (!q.name)
            q.name = an_colname(c, val, &unnamed);
        q.unnamed = unnamed;
        q.t = v.t;
        q.nullable = v.nullable;
        q.table = v.col ? v.table : NULL;
        q.where_not_null = v.col && !v.nullable && v.where_not_null;
        q.loc = loc;
        an_add_col(c, out, &q);
    }
}

/* ORDER BY / GROUP BY item: an output column name, an ordinal, or an expression. */
static void
sort_item(actx *c, scope *sc, const pnode *node, const qres *out)
{
    const pnode *in;
    if (pn_is(node, "ColumnRef", &in)) {
        const pnode *f = pn_list(in, "fields");
        const char *s = pn_len(f) == 1 ? pn_sval(pn_at(f, 0)) : NULL;
        if (s && out) {
            int cnt = 0;
            find_visible(sc, 0, sc->n, s, &cnt);
            if (cnt == 0)
                for (size_t i = 0; i < out->n; i++)
                    if (!strcmp(out->cols[i].name, s))
                        return;
        }
    }
    if (pn_is(node, "A_Const", NULL))
        return;
    if (pn_is(node, "GroupingSet", &in)) {
        const pnode *content = pn_list(in, "content");
        for (size_t i = 0; i < pn_len(content); i++)
            sort_item(c, sc, pn_at(content, i), out);
        return;
    }
    if (pn_is(node, "RowExpr", &in)) {
        const pnode *args = pn_list(in, "args");
        for (size_t i = 0; i < pn_len(args); i++)
            sort_item(c, sc, pn_at(args, i), out);
        return;
    }
    an_expr(c, sc, node);
}

void
an_limit(actx *c, scope *sc, const pnode *sel)
{
    const pnode *lc = pn_get(sel, "limitCount");
    const pnode *lo = pn_get(sel, "limitOffset");
    if (lc && pn_node(lc, NULL)) {
        an_coerce(c, lc, cat_tref_builtin(PGC_INT8), "limit", 1, -1);
        an_expr(c, sc, lc);
    }
    if (lo && pn_node(lo, NULL)) {
        an_coerce(c, lo, cat_tref_builtin(PGC_INT8), "offset", 1, -1);
        an_expr(c, sc, lo);
    }
}

static void
sort_clause(actx *c, scope *sc, const pnode *list, const qres *out)
{
    const pnode *sb;
    for (size_t i = 0; i < pn_len(list); i++)
        if (pn_is(pn_at(list, i), "SortBy", &sb))
            sort_item(c, sc, pn_get(sb, "node"), out);
}

static void
select_setop(actx *c, scope *sc, const pnode *sel, const char *op, qres *out)
{
    qres l = {0}, r = {0};
    an_select(c, sc, pn_obj(sel, "larg"), &l);
    an_select(c, sc, pn_obj(sel, "rarg"), &r);
    const char *what = !strcmp(op, "SETOP_UNION") ? "UNION"
                       : !strcmp(op, "SETOP_INTERSECT") ? "INTERSECT" : "EXCEPT";
    if (l.n != r.n) {
        an_error(c, -1, NULL, "each %s query must have the same number of columns", what);
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        qcol q = l.cols[i];
        aval pair[2];
        memset(pair, 0, sizeof pair);
        pair[0].t = l.cols[i].t;
        pair[0].unknown = !cat_tref_known(l.cols[i].t);
        pair[1].t = r.cols[i].t;
        pair[1].unknown = !cat_tref_known(r.cols[i].t);
        q.t = an_common_type(c, pair, 2, -1, what);
        if (!strcmp(op, "SETOP_INTERSECT"))
            q.nullable = l.cols[i].nullable && r.cols[i].nullable;
        else if (!strcmp(op, "SETOP_EXCEPT"))
            q.nullable = l.cols[i].nullable;
        else
            q.nullable = l.cols[i].nullable || r.cols[i].nullable;
        q.where_not_null = !q.nullable && (l.cols[i].where_not_null || r.cols[i].where_not_null);
        if (!q.table || !r.cols[i].table || strcmp(q.table, r.cols[i].table) != 0)
            q.table = NULL;
        q.embed = NULL;
        an_add_col(c, out, &q);
    }
    sort_clause(c, sc, pn_list(sel, "sortClause"), out);
    an_limit(c, sc, sel);
}

static void
select_values(actx *c, scope *sc, const pnode *rows, qres *out)
{
    size_t ncols = 0;
    for (size_t i = 0; i < pn_len(rows); i++) {
        const pnode *row;
        if (!pn_is(pn_at(rows, i), "List", &row))
            continue;
        const pnode *items = pn_list(row, "items");
        if (i == 0) {
            ncols = pn_len(items);
            for (size_t k = 0; k < ncols; k++) {
                qcol q = {0};
                q.name = an_printf(&c->ar, "column%zu", k + 1);
                q.nullable = false;
                an_add_col(c, out, &q);
            }
        } else if (pn_len(items) != ncols) {
            an_error(c, pn_loc(pn_obj(pn_at(items, 0), "A_Const")), NULL,
                     "VALUES lists must all be the same length");
            continue;
        }
        for (size_t k = 0; k < ncols; k++) {
            const pnode *node = pn_at(items, k);
            if (cat_tref_known(out->cols[k].t))
                an_coerce(c, node, out->cols[k].t, NULL, 0, -1);
            aval v = an_expr(c, sc, node);
            if (!cat_tref_known(out->cols[k].t) && !v.unknown)
                out->cols[k].t = v.t;
            out->cols[k].nullable |= v.nullable;
        }
    }
}

/* The column of this level's FROM items that cref names, or NULL: unknown, ambiguous, a
 * whole row, or an outer query's (a correlated condition filters nothing out there). */
static rcol *
where_column(scope *sc, const pnode *cref)
{
    const pnode *fields = pn_list(cref, "fields");
    size_t nf = pn_len(fields);
    const char *col = nf ? pn_sval(pn_at(fields, nf - 1)) : NULL;
    const char *alias = nf == 2 ? pn_sval(pn_at(fields, 0)) : NULL;
    rcol *found = NULL;
    if (!col || nf > 2 || (nf == 2 && !alias))
        return NULL;
    for (size_t i = 0; i < sc->n; i++) {
        rte *r = sc->r[i];
        if (alias && (!r->alias || strcmp(r->alias, alias) != 0))
            continue;
        for (size_t k = 0; k < r->n; k++) {
            if ((alias || !r->cols[k].hidden) && strcmp(r->cols[k].name, col) == 0) {
                if (found)
                    return NULL;
                found = &r->cols[k];
            }
        }
    }
    return found;
}

/* Marks the column that e is (a plain column reference) as never NULL. */
static void
not_null_column(scope *sc, const pnode *e)
{
    const pnode *cref;
    rcol *col;
    if (pn_is(e, "ColumnRef", &cref) && (col = where_column(sc, cref)) != NULL &&
        col->nullable) {
        col->nullable = false;
        col->where_not_null = true;
    }
}

/* WHERE keeps the rows for which it is true: a column that one of its top-level AND terms
 * tests with IS NOT NULL, or compares with a comparison operator (strict: NULL compares to
 * NULL, not true), is never NULL in what the query returns. */
static void
narrow_not_null(scope *sc, const pnode *cond)
{
    const pnode *in;
    if (pn_is(cond, "BoolExpr", &in)) {
        const char *op = pn_str(in, "boolop");
        const pnode *args = pn_list(in, "args");
        if (op && strcmp(op, "AND_EXPR") == 0)
            for (size_t i = 0; i < pn_len(args); i++)
                narrow_not_null(sc, pn_at(args, i));
    } else if (pn_is(cond, "NullTest", &in)) {
        const char *t = pn_str(in, "nulltesttype");
        if (t && strcmp(t, "IS_NOT_NULL") == 0)
            not_null_column(sc, pn_get(in, "arg"));
    } else if (pn_is(cond, "A_Expr", &in)) {
        static const char *const cmp[] = {"=", "<>", "!=", "<", ">", "<=", ">="};
        const char *kind = pn_str(in, "kind"), *op = pn_last_name(pn_list(in, "name"));
        bool comparison = false;
        for (size_t i = 0; op && i < sizeof cmp / sizeof *cmp; i++)
            comparison = comparison || strcmp(op, cmp[i]) == 0;
        if (kind && strcmp(kind, "AEXPR_OP") == 0 && comparison) {
            not_null_column(sc, pn_get(in, "lexpr"));
            not_null_column(sc, pn_get(in, "rexpr"));
        }
    }
}

/* Whether a SELECT list item is a call of a built-in aggregate (count(*), sum(x)...). */
static bool
is_aggregate(const pnode *target)
{
    const pnode *rt, *fc;
    size_t n = 0;
    if (!pn_is(target, "ResTarget", &rt) || !pn_is(pn_get(rt, "val"), "FuncCall", &fc))
        return false;
    const char *name = pn_last_name(pn_list(fc, "funcname"));
    const pgc_func *f = name ? pgc_funcs_by_name(name, &n) : NULL;
    return f && n > 0 && f[0].kind == 'a' && !pn_obj(fc, "over");
}

/* Marks every output of a SELECT with grouping sets nullable, except aggregates (outputs match
 * the SELECT list one to one there: no * in a grouped query's list). */
static void
grouping_sets_nullable(const pnode *targets, qres *out)
{
    for (size_t k = 0; k < out->n; k++) {
        if (pn_len(targets) == out->n && is_aggregate(pn_at(targets, k)))
            continue;
        out->cols[k].nullable = true;
        out->cols[k].where_not_null = false;
    }
}

void
an_where(actx *c, scope *sc, const pnode *where)
{
    an_cond(c, sc, where);
    if (where && pn_node(where, NULL))
        narrow_not_null(sc, where);
}

void
an_select(actx *c, scope *parent, const pnode *sel, qres *out)
{
    if (!sel) {
        an_error(c, -1, NULL, "malformed SELECT");
        return;
    }
    if (++c->depth > AN_MAX_DEPTH) {
        an_error(c, -1, NULL, "query nested too deeply");
        c->depth--;
        return;
    }
    scope sc = {0};
    sc.parent = parent;
    an_with(c, &sc, pn_obj(sel, "withClause"));
    const char *op = pn_str(sel, "op");
    if (op && strcmp(op, "SETOP_NONE") != 0) {
        select_setop(c, &sc, sel, op, out);
        c->depth--;
        return;
    }
    const pnode *rows = pn_list(sel, "valuesLists");
    if (rows) {
        select_values(c, &sc, rows, out);
        sort_clause(c, &sc, pn_list(sel, "sortClause"), out);
        an_limit(c, &sc, sel);
        c->depth--;
        return;
    }
    int errors_before = c->n_errors;
    const pnode *from = pn_list(sel, "fromClause");
    sc.nfrom = pn_len(from);
    for (size_t i = 0; i < pn_len(from); i++)
        an_from_item(c, &sc, pn_at(from, i));
    an_where(c, &sc, pn_get(sel, "whereClause"));
    an_targets(c, &sc, pn_list(sel, "targetList"), out);
    sc.out = out;
    const pnode *dist = pn_list(sel, "distinctClause");
    for (size_t i = 0; i < pn_len(dist); i++)
        if (pn_node(pn_at(dist, i), NULL))
            sort_item(c, &sc, pn_at(dist, i), out);
    const pnode *group = pn_list(sel, "groupClause"), *gs;
    for (size_t i = 0; i < pn_len(group); i++) {
        const char *gk;
        sort_item(c, &sc, pn_at(group, i), out);
        /* ROLLUP, CUBE and GROUPING SETS add rows where the keys left out are NULL: every
         * output but an aggregate's may be NULL then. */
        if (pn_is(pn_at(group, i), "GroupingSet", &gs) && (gk = pn_str(gs, "kind")) != NULL &&
            strcmp(gk, "GROUPING_SET_SIMPLE") != 0 && strcmp(gk, "GROUPING_SET_EMPTY") != 0)
            grouping_sets_nullable(pn_list(sel, "targetList"), out);
    }
    an_cond(c, &sc, pn_get(sel, "havingClause"));
    const pnode *wins = pn_list(sel, "windowClause"), *wd;
    for (size_t i = 0; i < pn_len(wins); i++) {
        if (!pn_is(pn_at(wins, i), "WindowDef", &wd))
            continue;
        const pnode *pl = pn_list(wd, "partitionClause");
        for (size_t k = 0; k < pn_len(pl); k++)
            an_expr(c, &sc, pn_at(pl, k));
        sort_clause(c, &sc, pn_list(wd, "orderClause"), NULL);
    }
    sort_clause(c, &sc, pn_list(sel, "sortClause"), out);
    an_limit(c, &sc, sel);
    /* only on a clean analysis: a column that did not resolve was reported already */
    if (c->n_errors == errors_before)
        an_check_grouping(c, &sc, sel);
    c->depth--;
}
