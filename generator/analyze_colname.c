/*
 * analyze_colname.c - the names of result columns, as PostgreSQL's FigureColname gives them:
 * a column reference's last field, a function's name, a cast's inner name, CASE's "case",
 * "?column?" when there is none (an_colname). The analyzer's other files call it for SELECT
 * lists, RETURNING and FROM-clause functions.
 */
#include "analyze_int.h"

#include <string.h>

static int
colname(actx *c, const pnode *node, const char **name, int depth)
{
    const pnode *in;
    const char *k = pn_node(node, &in);
    if (!k || depth > 50)
        return 0;
    if (pn_kind_is(k, "ColumnRef")) {
        const pnode *f = pn_list(in, "fields");
        const char *s = pn_sval(pn_at(f, pn_len(f) ? pn_len(f) - 1 : 0));
        if (s) {
            *name = s;
            return 2;
        }
        return 0;
    }
    if (pn_kind_is(k, "A_Indirection")) {
        const pnode *ind = pn_list(in, "indirection");
        for (size_t i = pn_len(ind); i-- > 0;) {
            const char *s = pn_sval(pn_at(ind, i));
            if (s) {
                *name = s;
                return 2;
            }
            if (pn_is(pn_at(ind, i), "A_Star", NULL))
                break;
        }
        return colname(c, pn_get(in, "arg"), name, depth + 1);
    }
    if (pn_kind_is(k, "FuncCall")) {
        const char *s = pn_last_name(pn_list(in, "funcname"));
        if (s) {
            *name = s;
            return 2;
        }
        return 0;
    }
    if (pn_kind_is(k, "A_Expr")) {
        const char *kind = pn_str(in, "kind");
        if (kind && !strcmp(kind, "AEXPR_NULLIF")) {
            *name = "nullif";
            return 2;
        }
        return 0;
    }
    if (pn_kind_is(k, "TypeCast")) {
        int s = colname(c, pn_get(in, "arg"), name, depth + 1);
        if (s <= 1) {
            const char *tn = pn_last_name(pn_list(pn_obj(in, "typeName"), "names"));
            if (tn) {
                *name = tn;
                return 1;
            }
        }
        return s;
    }
    if (pn_kind_is(k, "CollateClause"))
        return colname(c, pn_get(in, "arg"), name, depth + 1);
    if (pn_kind_is(k, "SubLink")) {
        const char *t = pn_str(in, "subLinkType");
        if (t && !strcmp(t, "EXISTS_SUBLINK")) {
            *name = "exists";
            return 2;
        }
        if (t && !strcmp(t, "ARRAY_SUBLINK")) {
            *name = "array";
            return 2;
        }
        if (t && !strcmp(t, "EXPR_SUBLINK")) {
            const pnode *sel;
            if (pn_is(pn_get(in, "subselect"), "SelectStmt", &sel)) {
                const pnode *tl = pn_list(sel, "targetList"), *rt;
                if (pn_len(tl) >= 1 && pn_is(pn_at(tl, 0), "ResTarget", &rt)) {
                    if (pn_str(rt, "name")) {
                        *name = pn_str(rt, "name");
                        return 2;
                    }
                    return colname(c, pn_get(rt, "val"), name, depth + 1);
                }
            }
        }
        return 0;
    }
    if (pn_kind_is(k, "CaseExpr")) {
        *name = "case";
        return 1;
    }
    if (pn_kind_is(k, "A_ArrayExpr")) {
        *name = "array";
        return 2;
    }
    if (pn_kind_is(k, "RowExpr")) {
        *name = "row";
        return 2;
    }
    if (pn_kind_is(k, "CoalesceExpr")) {
        *name = "coalesce";
        return 2;
    }
    if (pn_kind_is(k, "MinMaxExpr")) {
        const char *op = pn_str(in, "op");
        *name = op && !strcmp(op, "IS_LEAST") ? "least" : "greatest";
        return 2;
    }
    if (pn_kind_is(k, "GroupingFunc")) {
        *name = "grouping";
        return 2;
    }
    if (pn_kind_is(k, "SQLValueFunction")) {
        static const struct {
            const char *op, *name;
        } m[] = {
            {"SVFOP_CURRENT_DATE", "current_date"},
            {"SVFOP_CURRENT_TIME", "current_time"},
            {"SVFOP_CURRENT_TIME_N", "current_time"},
            {"SVFOP_CURRENT_TIMESTAMP", "current_timestamp"},
            {"SVFOP_CURRENT_TIMESTAMP_N", "current_timestamp"},
            {"SVFOP_LOCALTIME", "localtime"},
            {"SVFOP_LOCALTIME_N", "localtime"},
            {"SVFOP_LOCALTIMESTAMP", "localtimestamp"},
            {"SVFOP_LOCALTIMESTAMP_N", "localtimestamp"},
            {"SVFOP_CURRENT_ROLE", "current_role"},
            {"SVFOP_CURRENT_USER", "current_user"},
            {"SVFOP_USER", "user"},
            {"SVFOP_SESSION_USER", "session_user"},
            {"SVFOP_CURRENT_CATALOG", "current_catalog"},
            {"SVFOP_CURRENT_SCHEMA", "current_schema"},
        };
        const char *op = pn_str(in, "op");
        for (size_t i = 0; op && i < sizeof m / sizeof *m; i++) {
            if (!strcmp(op, m[i].op)) {
                *name = m[i].name;
                return 2;
            }
        }
        return 0;
    }
    return 0;
}

const char *
an_colname(actx *c, const pnode *node, bool *unnamed)
{
    const char *name = NULL;
    int s = colname(c, node, &name, 0);
    *unnamed = s == 0 || !name;
    return *unnamed ? "?column?" : name;
}
