/*
 * analyze_dml.c - INSERT (column lists, VALUES or SELECT, ON CONFLICT with EXCLUDED),
 * UPDATE (SET incl. multi-column, FROM) and DELETE (USING), all with RETURNING. Parameters
 * bound to a target column take its type and name, and its nullability.
 */
#include "analyze_int.h"

#include <string.h>

#include "pgcatalog.h"

static const cat_table *
target_table(actx *c, const pnode *rv)
{
    const char *name = pn_str(rv, "relname");
    if (!name) {
        an_error(c, -1, NULL, "malformed target table");
        return NULL;
    }
    const cat_table *t = catalog_table(c->cat, pn_str(rv, "schemaname"), name);
    if (!t) {
        const char **cands = an_alloc(&c->ar, (c->cat->n_tables + 1) * sizeof *cands);
        size_t n = 0;
        for (size_t i = 0; i < c->cat->n_tables; i++)
            if (!c->cat->tables[i]->dropped)
                cands[n++] = c->cat->tables[i]->name;
        const char *best = diag_closest(name, cands, n);
        an_error(c, pn_loc(rv), best ? an_printf(&c->ar, "did you mean \"%s\"?", best) : NULL,
                 "relation \"%s\" does not exist", name);
    }
    return t;
}

static const cat_column *
target_column(actx *c, const cat_table *t, const char *name, int loc)
{
    const cat_column *col = catalog_column(t, name);
    if (!col) {
        const char **cands = an_alloc(&c->ar, (t->n_cols + 1) * sizeof *cands);
        for (size_t i = 0; i < t->n_cols; i++)
            cands[i] = t->cols[i].name;
        const char *best = diag_closest(name, cands, t->n_cols);
        an_error(c, loc, best ? an_printf(&c->ar, "did you mean \"%s\"?", best) : NULL,
                 "column \"%s\" of relation \"%s\" does not exist", name, t->name);
    }
    return col;
}

/* A value assigned to a column: parameters take the column's type, name and nullability;
 * values of a builtin type that cannot be assigned are errors. */
static void
assign(actx *c, scope *sc, const pnode *node, const cat_column *col)
{
    if (!node || pn_is(node, "SetToDefault", NULL))
        return;
    an_coerce(c, node, col->type, col->name, 2, col->not_null ? -1 : 1);
    aval v = an_expr(c, sc, node);
    if (v.unknown || !cat_tref_known(v.t) || v.t.user || col->type.user)
        return;
    uint32_t from = cat_tref_resolver_id(v.t), to = cat_tref_resolver_id(col->type);
    if (from && to && !pgc_can_coerce(from, to, 'a')) {
        const pnode *in;
        pn_node(node, &in);
        an_error(c, pn_loc(in), "rewrite or cast the expression",
                 "column \"%s\" is of type %s but expression is of type %s", col->name,
                 an_type_str(c, col->type), an_type_str(c, v.t));
    }
}

/* SET a = x, (b, c) = (y, z), (d, e) = (SELECT ...) */
static void
set_list(actx *c, scope *sc, const cat_table *t, const pnode *list)
{
    for (size_t i = 0; i < pn_len(list); i++) {
        const pnode *rt;
        if (!pn_is(pn_at(list, i), "ResTarget", &rt))
            continue;
        const char *name = pn_str(rt, "name");
        const pnode *val = pn_get(rt, "val"), *mar;
        if (!name)
            continue;
        const cat_column *col = target_column(c, t, name, pn_loc(rt));
        if (pn_is(val, "MultiAssignRef", &mar)) {
            const pnode *src = pn_get(mar, "source"), *row;
            long long colno = pn_int(mar, "colno", 1);
            if (pn_is(src, "RowExpr", &row)) {
                const pnode *args = pn_list(row, "args");
                if (col && colno >= 1 && (size_t)colno <= pn_len(args))
                    assign(c, sc, pn_at(args, (size_t)colno - 1), col);
            } else if (colno == 1) {
                an_expr(c, sc, src);
            }
            continue;
        }
        if (!col) {
            an_expr(c, sc, val);
            continue;
        }
        if (pn_len(pn_list(rt, "indirection"))) {
            /* SET arr[i] = x / SET comp.f = x: the element's type */
            cat_column el = *col;
            if (el.type.dims)
                el.type.dims--;
            el.not_null = false;
            assign(c, sc, val, &el);
            continue;
        }
        assign(c, sc, val, col);
    }
}

/* A NOT NULL column without a default that the INSERT leaves out would get NULL and fail at
 * run time: reported at the column list (or the table name when there is none). Columns
 * whose NOT NULL comes from a domain are left alone: the domain may have a default; so are the
 * tables with a BEFORE INSERT row trigger, which may fill them. */
static void
check_not_null(actx *c, const cat_table *t, const pnode *rv, const pnode *cols,
               const cat_column *const *tcols, size_t ncols, bool has_values)
{
    const char *missing[8];
    size_t n = 0, more = 0;
    if (t->n_insert_triggers > 0)
        return;
    for (size_t i = 0; i < t->n_cols; i++) {
        const cat_column *col = &t->cols[i];
        if (!col->not_null || col->has_default || cat_tref_domain_not_null(col->type))
            continue;
        bool set = false;
        for (size_t k = 0; has_values && k < ncols && !set; k++)
            set = tcols[k] == col || !tcols[k]; /* an unknown name was reported already */
        if (set)
            continue;
        if (n < sizeof missing / sizeof *missing)
            missing[n++] = col->name;
        else
            more++;
    }
    if (n == 0)
        return;
    int loc = pn_loc(rv);
    const pnode *rt;
    if (pn_len(cols) && pn_is(pn_at(cols, 0), "ResTarget", &rt))
        loc = pn_loc(rt);
    if (n == 1) {
        an_error(c, loc, an_printf(&c->ar, "\"%s\" has no default: add it to the column list "
                                   "and give it a value", missing[0]),
                 "null value in column \"%s\" of relation \"%s\" violates not-null constraint",
                 missing[0], t->name);
        return;
    }
    const char *list = "";
    for (size_t i = 0; i < n; i++)
        list = an_printf(&c->ar, "%s%s\"%s\"", list, i ? ", " : "", missing[i]);
    if (more)
        list = an_printf(&c->ar, "%s and %zu more", list, more);
    an_error(c, loc, "they have no default: add them to the column list and give them values",
             "null values in columns %s of relation \"%s\" violate not-null constraints", list,
             t->name);
}

void
an_insert(actx *c, scope *parent, const pnode *ins, qres *out)
{
    scope sc = {0};
    sc.parent = parent;
    an_with(c, &sc, pn_obj(ins, "withClause"));
    const pnode *rv = pn_obj(ins, "relation");
    const cat_table *t = target_table(c, rv);
    if (!t)
        return;
    /* target columns */
    const pnode *cols = pn_list(ins, "cols");
    size_t ncols = cols ? pn_len(cols) : t->n_cols;
    const cat_column **tcols = an_alloc(&c->ar, (ncols ? ncols : 1) * sizeof *tcols);
    int *tlocs = an_alloc(&c->ar, (ncols ? ncols : 1) * sizeof *tlocs);
    for (size_t i = 0; i < ncols; i++) {
        if (!cols) {
            tcols[i] = &t->cols[i];
            tlocs[i] = pn_loc(rv);
            continue;
        }
        const pnode *rt;
        if (!pn_is(pn_at(cols, i), "ResTarget", &rt) || !pn_str(rt, "name"))
            continue;
        tlocs[i] = pn_loc(rt);
        tcols[i] = target_column(c, t, pn_str(rt, "name"), pn_loc(rt));
        for (size_t k = 0; tcols[i] && k < i; k++)
            if (tcols[k] == tcols[i])
                an_error(c, pn_loc(rt), NULL, "column \"%s\" specified more than once",
                         tcols[i]->name);
    }
    check_not_null(c, t, rv, cols, tcols, ncols, pn_get(ins, "selectStmt") != NULL);
    /* values: the target table is not in scope for them */
    const pnode *selnode = pn_get(ins, "selectStmt"), *sel;
    if (selnode && pn_is(selnode, "SelectStmt", &sel)) {
        const pnode *rows = pn_list(sel, "valuesLists");
        const char *op = pn_str(sel, "op");
        bool simple_values = rows && !pn_list(sel, "sortClause") &&
                             !pn_get(sel, "limitCount") && !pn_obj(sel, "withClause");
        if (simple_values) {
            for (size_t r = 0; r < pn_len(rows); r++) {
                const pnode *row;
                if (!pn_is(pn_at(rows, r), "List", &row))
                    continue;
                const pnode *items = pn_list(row, "items");
                size_t n = pn_len(items);
                if (n > ncols) {
                    const pnode *in;
                    pn_node(pn_at(items, ncols), &in);
                    an_error(c, pn_loc(in), "remove the extra values or name more columns",
                             "INSERT has more expressions than target columns");
                } else if (n < ncols) {
                    an_error(c, tlocs[n], "add values or remove columns from the list",
                             "INSERT has more target columns than expressions");
                }
                for (size_t k = 0; k < n; k++) {
                    if (k < ncols && tcols[k])
                        assign(c, &sc, pn_at(items, k), tcols[k]);
                    else
                        an_expr(c, &sc, pn_at(items, k));
                }
            }
        } else {
            const pnode *tl = pn_list(sel, "targetList");
            if (!rows && (!op || !strcmp(op, "SETOP_NONE"))) {
                for (size_t k = 0; k < pn_len(tl) && k < ncols; k++) {
                    const pnode *rt;
                    if (tcols[k] && pn_is(pn_at(tl, k), "ResTarget", &rt))
                        an_coerce(c, pn_get(rt, "val"), tcols[k]->type,
                                  tcols[k]->name, 2, tcols[k]->not_null ? -1 : 1);
                }
            }
            qres q = {0};
            an_select(c, &sc, sel, &q);
            if (q.n > ncols)
                an_error(c, -1, "remove the extra values or name more columns",
                         "INSERT has more expressions than target columns");
            else if (q.n < ncols && !c->n_errors)
                an_error(c, tlocs[q.n], "add values or remove columns from the list",
                         "INSERT has more target columns than expressions");
        }
    }
    /* ON CONFLICT: the target and EXCLUDED are in scope */
    scope tsc = {0};
    tsc.parent = &sc;
    const pnode *rva = pn_obj(rv, "alias");
    const char *alias = pn_str(rva, "aliasname");
    an_table_rte(c, &tsc, t, alias);
    const pnode *oc = pn_obj(ins, "onConflictClause");
    if (oc) {
        scope csc = tsc;
        csc.r = NULL;
        csc.n = csc.cap = 0;
        an_table_rte(c, &csc, t, alias);
        rte *ex = an_table_rte(c, &csc, t, "excluded");
        (void)ex;
        const pnode *infer = pn_obj(oc, "infer");
        const pnode *elems = pn_list(infer, "indexElems"), *ie;
        for (size_t i = 0; i < pn_len(elems); i++) {
            if (!pn_is(pn_at(elems, i), "IndexElem", &ie))
                continue;
            if (pn_str(ie, "name"))
                target_column(c, t, pn_str(ie, "name"), pn_loc(oc));
            else if (pn_get(ie, "expr"))
                an_expr(c, &tsc, pn_get(ie, "expr"));
        }
        an_cond(c, &tsc, pn_get(infer, "whereClause"));
        set_list(c, &csc, t, pn_list(oc, "targetList"));
        an_cond(c, &csc, pn_get(oc, "whereClause"));
    }
    an_targets(c, &tsc, pn_list(ins, "returningList"), out);
}

void
an_update(actx *c, scope *parent, const pnode *upd, qres *out)
{
    scope sc = {0};
    sc.parent = parent;
    an_with(c, &sc, pn_obj(upd, "withClause"));
    const pnode *rv = pn_obj(upd, "relation");
    const cat_table *t = target_table(c, rv);
    if (!t)
        return;
    an_table_rte(c, &sc, t, pn_str(pn_obj(rv, "alias"), "aliasname"));
    const pnode *from = pn_list(upd, "fromClause");
    for (size_t i = 0; i < pn_len(from); i++)
        an_from_item(c, &sc, pn_at(from, i));
    set_list(c, &sc, t, pn_list(upd, "targetList"));
    /* Not an_where: RETURNING shows the new values, which SET may make NULL. */
    an_cond(c, &sc, pn_get(upd, "whereClause"));
    /* RETURNING sees the FROM items too */
    an_targets(c, &sc, pn_list(upd, "returningList"), out);
}

void
an_delete(actx *c, scope *parent, const pnode *del, qres *out)
{
    scope sc = {0};
    sc.parent = parent;
    an_with(c, &sc, pn_obj(del, "withClause"));
    const pnode *rv = pn_obj(del, "relation");
    const cat_table *t = target_table(c, rv);
    if (!t)
        return;
    an_table_rte(c, &sc, t, pn_str(pn_obj(rv, "alias"), "aliasname"));
    const pnode *using = pn_list(del, "usingClause");
    for (size_t i = 0; i < pn_len(using); i++)
        an_from_item(c, &sc, pn_at(using, i));
    an_where(c, &sc, pn_get(del, "whereClause"));
    an_targets(c, &sc, pn_list(del, "returningList"), out);
}
