/*
 * analyze_group.c - the GROUP BY rule PostgreSQL enforces at parse time: in a grouped query
 * (GROUP BY, HAVING or an aggregate), a column of the SELECT list, HAVING or ORDER BY used
 * outside an aggregate must be grouped, or belong to a table whose primary key is grouped
 * (functional dependency), or sit inside an expression that is itself grouped. Subqueries are
 * not looked into. Called by analyze_select.c once a SELECT analyzed without errors.
 */
#include "analyze_int.h"

#include <string.h>

#include "pgcatalog.h"

typedef struct grouping {
    actx *c;
    scope *sc;            /* the SELECT's own FROM level: outer references are constants */
    const rcol **cols;    /* grouped columns */
    size_t ncols, capcols;
    const pnode **exprs; /* grouped expressions (and the targets GROUP BY names by alias or
                             ordinal) */
    size_t nexprs, capexprs;
    const rcol **reported;
    size_t nrep, caprep;
} grouping;

/* Structural equality of two parse trees, ignoring "location". */
static bool
group_same_tree(const pnode *a, const pnode *b)
{
    if (pn_is_object(a) && pn_is_object(b)) {
        size_t na = 0, nb = 0;
        for (size_t i = 0; i < pn_size(a); i++) {
            const char *k = pn_key_at(a, i);
            if (pn_kind_is(k, "location"))
                continue;
            na++;
            if (!group_same_tree(pn_val_at(a, i), pn_getn(b, k, strlen(k))))
                return false;
        }
        for (size_t i = 0; i < pn_size(b); i++)
            nb += strcmp(pn_key_at(b, i), "location") != 0;
        return na == nb;
    }
    if (pn_is_array(a) && pn_is_array(b)) {
        if (pn_len(a) != pn_len(b))
            return false;
        for (size_t i = 0; i < pn_len(a); i++)
            if (!group_same_tree(pn_at(a, i), pn_at(b, i)))
                return false;
        return true;
    }
    return a && b && pn_equal(a, b);
}

/* The column of the SELECT's own FROM level a ColumnRef names, or NULL (an outer reference,
 * a star, or a name that did not resolve: reported elsewhere). *r gets its entry. */
static const rcol *
group_lookup(const scope *sc, const pnode *cref, const rte **r)
{
    const pnode *fields = pn_list(cref, "fields");
    size_t nf = pn_len(fields);
    const char *name = nf ? pn_sval(pn_at(fields, nf - 1)) : NULL;
    if (!name || nf > 2)
        return NULL;
    const char *alias = nf == 2 ? pn_sval(pn_at(fields, 0)) : NULL;
    if (nf == 2 && !alias)
        return NULL;
    for (size_t i = 0; i < sc->n; i++) {
        const rte *e = sc->r[i];
        if (alias && (!e->alias || strcmp(e->alias, alias) != 0))
            continue;
        for (size_t k = 0; k < e->n; k++) {
            if ((alias || !e->cols[k].hidden) && !strcmp(e->cols[k].name, name)) {
                *r = e;
                return &e->cols[k];
            }
        }
        if (alias)
            return NULL;
    }
    return NULL;
}

static bool
group_has_col(const grouping *g, const rcol *col)
{
    for (size_t i = 0; i < g->ncols; i++) {
        const rcol *x = g->cols[i];
        if (x == col)
            return true;
        /* JOIN ... USING (id): the merged id and the joined tables' own id columns stand for
         * the same value, as far as grouping is concerned */
        if ((x->hidden || col->hidden) && !strcmp(x->name, col->name))
            return true;
    }
    return false;
}

/* Whether every primary key column of e's table is grouped (the other columns then depend on
 * it functionally). Views and derived tables have no primary key. */
static bool
group_pk_grouped(const grouping *g, const rte *e)
{
    const cat_table *t = e->rel;
    if (!t || t->kind != CAT_TABLE || t->n_pk == 0 || e->n != t->n_cols)
        return false;
    for (size_t p = 0; p < t->n_pk; p++) {
        const cat_column *pc = catalog_column(t, t->pk[p]);
        if (!pc || !group_has_col(g, &e->cols[pc - t->cols]))
            return false;
    }
    return true;
}

static void
group_report(grouping *g, const rte *e, const rcol *col, int loc)
{
    for (size_t i = 0; i < g->nrep; i++)
        if (g->reported[i] == col)
            return;
    actx *c = g->c;
    g->reported = an_grow(&c->ar, g->reported, sizeof *g->reported, &g->caprep, g->nrep + 1);
    g->reported[g->nrep++] = col;
    const char *hint;
    if (e->rel && e->rel->kind == CAT_TABLE && e->rel->n_pk > 0 && e->alias)
        hint = an_printf(&c->ar, "add it to GROUP BY (or group by the primary key of %s), or "
                         "use it inside an aggregate such as max(%s.%s)", e->alias, e->alias,
                         col->name);
    else
        hint = an_printf(&c->ar, "add it to GROUP BY, or use it inside an aggregate such as "
                         "max(%s)", col->name);
    if (e->alias)
        an_error(c, loc, hint, "column \"%s.%s\" must appear in the GROUP BY clause or be used "
                 "in an aggregate function", e->alias, col->name);
    else
        an_error(c, loc, hint, "column \"%s\" must appear in the GROUP BY clause or be used in "
                 "an aggregate function", col->name);
}

/* Whether a FuncCall is a plain aggregate call (not a window function): its arguments are
 * aggregated, so they need not be grouped. */
static bool
group_is_aggregate(const actx *c, const pnode *fc)
{
    if (pn_obj(fc, "over"))
        return false;
    if (pn_bool(fc, "agg_star") || pn_bool(fc, "agg_distinct") || pn_bool(fc, "agg_within_group") ||
        pn_list(fc, "agg_order") || pn_node(pn_get(fc, "agg_filter"), NULL))
        return true;
    const char *name = pn_last_name(pn_list(fc, "funcname"));
    if (!name || catalog_has_func_name(c->cat, name))
        return false;
    size_t n = 0;
    const pgc_func *f = pgc_funcs_by_name(name, &n);
    for (size_t i = 0; f && i < n; i++)
        if (f[i].kind == 'a')
            return true;
    return false;
}

/* Whether node holds an aggregate call of this query level (not inside a subquery). */
static bool
group_has_aggregate(const actx *c, const pnode *node, int depth)
{
    if (depth > AN_MAX_DEPTH)
        return false;
    if (pn_is_array(node)) {
        for (size_t i = 0; i < pn_len(node); i++)
            if (group_has_aggregate(c, pn_at(node, i), depth + 1))
                return true;
        return false;
    }
    if (!pn_is_object(node) || pn_is(node, "SubLink", NULL))
        return false;
    const pnode *fc;
    if (pn_is(node, "FuncCall", &fc) && group_is_aggregate(c, fc))
        return true;
    for (size_t i = 0; i < pn_size(node); i++)
        if (group_has_aggregate(c, pn_val_at(node, i), depth + 1))
            return true;
    return false;
}

/* A star's columns: the first ungrouped one is reported (one error per star, as PostgreSQL
 * gives). Returns whether one was. */
static bool
group_check_rte(grouping *g, const rte *e, int loc)
{
    if (group_pk_grouped(g, e))
        return false;
    for (size_t k = 0; k < e->n; k++) {
        if (!e->cols[k].hidden && !group_has_col(g, &e->cols[k])) {
            group_report(g, e, &e->cols[k], loc);
            return true;
        }
    }
    return false;
}

/* Reports the ungrouped columns node uses outside aggregates. */
static void
group_walk(grouping *g, const pnode *node, int depth)
{
    if (depth > AN_MAX_DEPTH)
        return;
    if (pn_is_array(node)) {
        for (size_t i = 0; i < pn_len(node); i++)
            group_walk(g, pn_at(node, i), depth + 1);
        return;
    }
    if (!pn_is_object(node) || pn_is(node, "SubLink", NULL))
        return;
    for (size_t i = 0; i < g->nexprs; i++)
        if (group_same_tree(node, g->exprs[i]))
            return;
    const pnode *in;
    if (pn_is(node, "FuncCall", &in) && group_is_aggregate(g->c, in))
        return;
    if (pn_is(node, "ColumnRef", &in)) {
        const pnode *fields = pn_list(in, "fields");
        size_t nf = pn_len(fields);
        if (nf && pn_is(pn_at(fields, nf - 1), "A_Star", NULL)) {
            /* * and t.*: every column they expand to */
            const char *alias = nf == 2 ? pn_sval(pn_at(fields, 0)) : NULL;
            for (size_t i = 0; i < g->sc->n; i++)
                if ((nf == 1 || (alias && g->sc->r[i]->alias &&
                                 !strcmp(g->sc->r[i]->alias, alias))) &&
                    group_check_rte(g, g->sc->r[i], pn_loc(in)))
                    return;
            return;
        }
        const rte *e = NULL;
        const rcol *col = group_lookup(g->sc, in, &e);
        if (col && !group_has_col(g, col) && !group_pk_grouped(g, e))
            group_report(g, e, col, pn_loc(in));
        return;
    }
    for (size_t i = 0; i < pn_size(node); i++)
        group_walk(g, pn_val_at(node, i), depth + 1);
}

/* The target a GROUP BY / ORDER BY item names by ordinal or output name, or NULL. by_alias:
 * whether a bare name that is also an input column means the output column (ORDER BY) or
 * the input column (GROUP BY), as PostgreSQL resolves them. */
static const pnode *
group_target(grouping *g, const pnode *targets, const pnode *item, bool by_alias)
{
    const pnode *in;
    if (pn_is(item, "A_Const", &in)) {
        long long ord = 0;
        const char *sval;
        if (pn_aconst(in, g->c->sql, &ord, &sval) == PN_CONST_INT && ord >= 1 &&
            (size_t)ord <= pn_len(targets)) {
            const pnode *rt;
            if (pn_is(pn_at(targets, (size_t)ord - 1), "ResTarget", &rt))
                return pn_get(rt, "val");
        }
        return NULL;
    }
    const pnode *fields;
    const char *name;
    if (!pn_is(item, "ColumnRef", &in) || pn_len(fields = pn_list(in, "fields")) != 1 ||
        !(name = pn_sval(pn_at(fields, 0))))
        return NULL;
    const rte *e;
    if (!by_alias && group_lookup(g->sc, in, &e))
        return NULL;
    for (size_t i = 0; i < pn_len(targets); i++) {
        const pnode *rt;
        if (!pn_is(pn_at(targets, i), "ResTarget", &rt))
            continue;
        const char *tn = pn_str(rt, "name");
        bool unnamed;
        if (!tn)
            tn = an_colname(g->c, pn_get(rt, "val"), &unnamed);
        if (tn && !strcmp(tn, name))
            return pn_get(rt, "val");
    }
    return NULL;
}

static void
group_add_item(grouping *g, const pnode *targets, const pnode *item)
{
    actx *c = g->c;
    const pnode *in;
    if (pn_is(item, "GroupingSet", &in)) {
        const pnode *content = pn_list(in, "content");
        for (size_t i = 0; i < pn_len(content); i++)
            group_add_item(g, targets, pn_at(content, i));
        return;
    }
    if (pn_is(item, "RowExpr", &in)) {
        const pnode *args = pn_list(in, "args");
        for (size_t i = 0; i < pn_len(args); i++)
            group_add_item(g, targets, pn_at(args, i));
        return;
    }
    const pnode *target = group_target(g, targets, item, false);
    const pnode *expr = target ? target : item;
    const rte *e;
    if (pn_is(expr, "ColumnRef", &in)) {
        const rcol *col = group_lookup(g->sc, in, &e);
        if (col) {
            g->cols = an_grow(&c->ar, g->cols, sizeof *g->cols, &g->capcols, g->ncols + 1);
            g->cols[g->ncols++] = col;
        }
    }
    g->exprs = an_grow(&c->ar, g->exprs, sizeof *g->exprs, &g->capexprs, g->nexprs + 1);
    g->exprs[g->nexprs++] = expr;
}

void
an_check_grouping(actx *c, scope *sc, const pnode *sel)
{
    const pnode *targets = pn_list(sel, "targetList");
    const pnode *group = pn_list(sel, "groupClause");
    const pnode *having = pn_get(sel, "havingClause");
    const pnode *sort = pn_list(sel, "sortClause");
    bool grouped = pn_len(group) > 0 || pn_node(having, NULL) ||
                   group_has_aggregate(c, targets, 0) || group_has_aggregate(c, sort, 0);
    if (!grouped)
        return;
    grouping g = {0};
    g.c = c;
    g.sc = sc;
    for (size_t i = 0; i < pn_len(group); i++)
        group_add_item(&g, targets, pn_at(group, i));
    for (size_t i = 0; i < pn_len(targets); i++) {
        const pnode *rt;
        if (pn_is(pn_at(targets, i), "ResTarget", &rt))
            group_walk(&g, pn_get(rt, "val"), 0);
    }
    if (pn_node(having, NULL))
        group_walk(&g, having, 0);
    for (size_t i = 0; i < pn_len(sort); i++) {
        const pnode *sb;
        if (!pn_is(pn_at(sort, i), "SortBy", &sb))
            continue;
        const pnode *node = pn_get(sb, "node");
        if (!group_target(&g, targets, node, true))
            group_walk(&g, node, 0);
    }
}
