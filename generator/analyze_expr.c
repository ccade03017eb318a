/*
 * analyze_expr.c - expressions: the type and nullability of every expression kind the raw
 * parser produces, parameter types from the context they appear in (comparisons, function
 * arguments, casts, IN, ANY, BETWEEN, LIKE...) and operator resolution through pgcatalog.
 * Function calls are in analyze_func.c, result column names in analyze_colname.c.
 */
#include "analyze_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"

static cat_tref
B(uint32_t id)
{
    return cat_tref_builtin(id);
}

aval
an_val(cat_tref t, bool nullable)
{
    aval v = {0};
    v.t = t;
    v.nullable = nullable;
    return v;
}

aval
an_unknown_val(void)
{
    aval v = {0};
    v.unknown = true;
    v.nullable = true;
    return v;
}

bool
an_is_polymorphic(uint32_t id)
{
    switch (id) {
    case PGC_ANY:
    case PGC_ANYARRAY:
    case PGC_ANYELEMENT:
    case PGC_ANYNONARRAY:
    case PGC_ANYENUM:
    case PGC_ANYENUM_ARRAY:
    case PGC_ANYRANGE:
    case PGC_ANYMULTIRANGE:
    case PGC_ANYCOMPATIBLE:
    case PGC_ANYCOMPATIBLEARRAY:
    case PGC_ANYCOMPATIBLENONARRAY:
    case PGC_ANYCOMPATIBLERANGE:
    case PGC_ANYCOMPATIBLEMULTIRANGE:
    case PGC_RECORD:
    case PGC_RECORD_ARRAY:
        return true;
    default:
        return false;
    }
}

/* The catalog type for resolver id `id` given to an operand, preferring the other operand's
 * own (user) type when the resolver answered with its id. */
cat_tref
an_mapback(uint32_t id, const aval *other)
{
    if (other && cat_tref_known(other->t)) {
        uint32_t oid = cat_tref_resolver_id(other->t);
        if (oid == id)
            return other->t;
        if (an_is_polymorphic(id)) {
            cat_tref t = other->t;
            if (id == PGC_ANYARRAY || id == PGC_ANYCOMPATIBLEARRAY || id == PGC_ANYENUM_ARRAY ||
                id == PGC_RECORD_ARRAY) {
                if (t.dims == 0)
                    t.dims = 1;
            }
            return t;
        }
    }
    if (an_is_polymorphic(id) || id == PGC_UNKNOWN_OID)
        return (cat_tref){0, NULL, 0};
    return B(id);
}

static int
param_lookup(actx *c, const pnode *pr)
{
    occ *o = an_occ_at(c, pn_loc(pr));
    if (o && o->kind != 'e')
        return o->index;
    long long n = pn_int(pr, "number", 0);
    return n > 0 && (size_t)n <= c->np ? (int)n : 0;
}

int
an_param_index(actx *c, const pnode *node)
{
    const pnode *in;
    return pn_is(node, "ParamRef", &in) ? param_lookup(c, in) : 0;
}

/* The parameter behind node, looking through casts and COLLATE. */
static int
param_through(actx *c, const pnode *node)
{
    for (int i = 0; i < 50; i++) {
        const pnode *in;
        const char *k = pn_node(node, &in);
        if (!k)
            return 0;
        if (pn_kind_is(k, "ParamRef"))
            return param_lookup(c, in);
        if (!pn_kind_is(k, "TypeCast") && !pn_kind_is(k, "CollateClause"))
            return 0;
        node = pn_get(in, "arg");
    }
    return 0;
}

void
an_coerce(actx *c, const pnode *node, cat_tref t, const char *name, int prio, int nullable)
{
    const pnode *in;
    const char *k = pn_node(node, &in);
    if (!k || c->depth > AN_MAX_DEPTH)
        return;
    if (pn_kind_is(k, "ParamRef")) {
        int idx = param_lookup(c, in);
        if (!idx)
            idx = an_param_ref(c, pn_loc(in), (int)pn_int(in, "number", 0));
        an_param_type(c, idx, t);
        an_param_name(c, idx, name, prio);
        if (nullable == 1)
            an_param_nullable(c, idx);
    } else if (pn_kind_is(k, "TypeCast") || pn_kind_is(k, "CollateClause")) {
        int idx = param_through(c, node);
        if (idx) {
            an_param_name(c, idx, name, prio);
            if (nullable == 1)
                an_param_nullable(c, idx);
        }
    } else if (pn_kind_is(k, "A_ArrayExpr") && t.dims > 0) {
        cat_tref e = t;
        e.dims--;
        const pnode *el = pn_list(in, "elements");
        c->depth++;
        for (size_t i = 0; i < pn_len(el); i++)
            an_coerce(c, pn_at(el, i), e, NULL, 0, -1);
        c->depth--;
    } else if (pn_kind_is(k, "CoalesceExpr") || pn_kind_is(k, "MinMaxExpr")) {
        const pnode *args = pn_list(in, "args");
        c->depth++;
        for (size_t i = 0; i < pn_len(args); i++)
            an_coerce(c, pn_at(args, i), t, name, prio, -1);
        c->depth--;
    } else if (pn_kind_is(k, "CaseExpr")) {
        const pnode *args = pn_list(in, "args"), *cw;
        c->depth++;
        for (size_t i = 0; i < pn_len(args); i++)
            if (pn_is(pn_at(args, i), "CaseWhen", &cw))
                an_coerce(c, pn_get(cw, "result"), t, name, prio, -1);
        an_coerce(c, pn_get(in, "defresult"), t, name, prio, -1);
        c->depth--;
    }
}

bool
an_typename(actx *c, const pnode *tn, cat_tref *out)
{
    char why[300];
    if (catalog_typename(c->cat, tn, out, NULL, why, sizeof why))
        return true;
    an_error(c, pn_loc(tn), NULL, "%s", why);
    return false;
}

void
an_cond(actx *c, scope *sc, const pnode *node)
{
    if (!node || !pn_node(node, NULL))
        return;
    an_coerce(c, node, B(PGC_BOOL), NULL, 0, -1);
    aval v = an_expr(c, sc, node);
    (void)v;
}

/* === operators === */

static const char *
op_name(const pnode *names)
{
    const char *n = pn_last_name(names);
    return n ? n : "?";
}

/* Resolves l op r (l may be absent: prefix). Types untyped parameters from the operator. */
static aval
binop(actx *c, const char *op, aval *l, aval *r, int loc)
{
    if (l && l->param && r->col)
        an_param_name(c, l->param, r->col, 2);
    if (l && r->param && l->col)
        an_param_name(c, r->param, l->col, 2);
    uint32_t lid = !l ? PGC_NOARG : l->unknown ? 0 : cat_tref_resolver_id(l->t);
    uint32_t rid = r->unknown ? 0 : cat_tref_resolver_id(r->t);
    uint32_t rl = 0, rr = 0, ret = 0;
    bool amb = false;
    const pgc_oper *o = pgc_resolve_oper(op, lid, rid, c->cat->ext_mask, &rl, &rr, &ret, &amb);
    if (!o && lid == 0 && rid == 0)
        o = pgc_resolve_oper(op, PGC_TEXT, PGC_TEXT, c->cat->ext_mask, &rl, &rr, &ret, &amb);
    if (!o && l && lid == 0 && rid != 0 && !l->param) /* 'literal' op x: try x's type */
        o = pgc_resolve_oper(op, rid, rid, c->cat->ext_mask, &rl, &rr, &ret, &amb);
    if (!o && l && rid == 0 && lid != 0 && !r->param)
        o = pgc_resolve_oper(op, lid, lid, c->cat->ext_mask, &rl, &rr, &ret, &amb);
    if (!o) {
        const char *ls = l ? (l->unknown ? "unknown" : an_type_str(c, l->t)) : NULL;
        const char *rs = r->unknown ? "unknown" : an_type_str(c, r->t);
        const char *hint = "no operator matches the given name and argument types; you might "
                           "need to add an explicit cast";
        /* A column compared with a value of another type (uuid = 42): name the column's type. */
        const aval *colside = l && l->col && !l->unknown ? l : r->col && !r->unknown ? r : NULL;
        const aval *other = colside == r ? l : r;
        if (!amb && colside && other && !other->col && !other->param)
            hint = an_printf(&c->ar, "\"%s\" is of type %s: compare it with a value of that type, "
                             "or cast the other side", colside->col,
                             colside == l ? ls : rs);
        if (amb)
            an_error(c, loc, hint, "operator is not unique: %s%s%s %s", ls ? ls : "",
                     ls ? " " : "", op, rs);
        else
            an_error(c, loc, hint, "operator does not exist: %s%s%s %s", ls ? ls : "",
                     ls ? " " : "", op, rs);
        return an_unknown_val();
    }
    if (l && l->param && l->unknown) {
        an_param_type(c, l->param, an_mapback(rl, r));
        l->t = an_mapback(rl, r);
        l->unknown = !cat_tref_known(l->t);
    }
    if (r->param && r->unknown) {
        an_param_type(c, r->param, an_mapback(rr, l));
        r->t = an_mapback(rr, l);
        r->unknown = !cat_tref_known(r->t);
    }
    aval v = {0};
    if (an_is_polymorphic(ret)) {
        v.t = an_mapback(ret, l && cat_tref_known(l->t) ? l : r);
    } else {
        v.t = B(ret);
    }
    bool anynull = (l && l->nullable) || r->nullable;
    /* JSON field and path extraction is strict yet gives NULL for a missing key */
    bool may_null = !strcmp(op, "->") || !strcmp(op, "->>") || !strcmp(op, "#>") ||
                    !strcmp(op, "#>>");
    v.nullable = o->strict && !may_null ? anynull : true;
    return v;
}

/* The common type of vals (CASE, COALESCE, VALUES, ARRAY[]); unknown when none is known. */
static cat_tref
common_type(actx *c, const aval *vals, size_t n, int loc, const char *what)
{
    cat_tref first = {0, NULL, 0};
    bool same = true, any = false;
    for (size_t i = 0; i < n; i++) {
        if (vals[i].unknown || !cat_tref_known(vals[i].t))
            continue;
        if (!any) {
            first = vals[i].t;
            any = true;
        } else if (!cat_tref_eq(first, vals[i].t)) {
            same = false;
        }
    }
    if (!any) {
        /* only untyped literals: they resolve to text, and parameters with them */
        for (size_t i = 0; i < n; i++)
            if (vals[i].unknown && !vals[i].param && !vals[i].nullable)
                return B(PGC_TEXT);
        return first;
    }
    if (same)
        return first;
    uint32_t ids[64];
    int k = 0;
    for (size_t i = 0; i < n && k < 64; i++)
        if (!vals[i].unknown && cat_tref_known(vals[i].t))
            ids[k++] = cat_tref_resolver_id(vals[i].t);
    uint32_t ct = pgc_select_common_type(k, ids);
    if (!ct) {
        an_error(c, loc, "add casts so that all branches have the same type",
                 "%s types %s and %s cannot be matched", what, an_type_str(c, first),
                 an_type_str(c, vals[n - 1].t));
        return first;
    }
    /* keep a user type when it is the one chosen */
    for (size_t i = 0; i < n; i++)
        if (!vals[i].unknown && cat_tref_known(vals[i].t) &&
            cat_tref_resolver_id(vals[i].t) == ct)
            return vals[i].t;
    return B(ct);
}

cat_tref
an_common_type(actx *c, const aval *vals, size_t n, int loc, const char *what)
{
    return common_type(c, vals, n, loc, what);
}

/* Gives untyped parameters among nodes/vals the type t. */
static void
settle(actx *c, const pnode *const *nodes, aval *vals, size_t n, cat_tref t)
{
    if (!cat_tref_known(t))
        return;
    for (size_t i = 0; i < n; i++) {
        if (vals[i].param && vals[i].unknown) {
            an_param_type(c, vals[i].param, t);
            vals[i].t = t;
            vals[i].unknown = false;
        } else if (nodes[i]) {
            an_coerce(c, nodes[i], t, NULL, 0, -1);
        }
    }
}

static aval
expr_list_common(actx *c, scope *sc, const pnode *args, bool coalesce, int loc,
                 const char *what)
{
    size_t n = pn_len(args);
    if (n == 0)
        return an_unknown_val();
    aval *vals = an_alloc(&c->ar, n * sizeof *vals);
    const pnode **nodes = an_alloc(&c->ar, n * sizeof *nodes);
    for (size_t i = 0; i < n; i++) {
        nodes[i] = pn_at(args, i);
        vals[i] = an_expr(c, sc, nodes[i]);
        if (coalesce && i + 1 < n) {
            int p = param_through(c, nodes[i]);
            if (p)
                an_param_nullable(c, p);
        }
    }
    cat_tref t = common_type(c, vals, n, loc, what);
    settle(c, nodes, vals, n, t);
    aval v = an_val(t, true);
    v.unknown = !cat_tref_known(t);
    for (size_t i = 0; i < n; i++)
        if (!vals[i].nullable)
            v.nullable = false;
    return v;
}

static aval
expr_case(actx *c, scope *sc, const pnode *in)
{
    const pnode *argn = pn_get(in, "arg");
    aval a = {0};
    bool has_arg = argn && pn_node(argn, NULL);
    if (has_arg)
        a = an_expr(c, sc, argn);
    const pnode *args = pn_list(in, "args");
    const pnode *def = pn_get(in, "defresult");
    bool has_def = def && pn_node(def, NULL);
    size_t n = pn_len(args) + (has_def ? 1 : 0);
    aval *vals = an_alloc(&c->ar, (n ? n : 1) * sizeof *vals);
    const pnode **nodes = an_alloc(&c->ar, (n ? n : 1) * sizeof *nodes);
    size_t k = 0;
    for (size_t i = 0; i < pn_len(args); i++) {
        const pnode *cw;
        if (!pn_is(pn_at(args, i), "CaseWhen", &cw))
            continue;
        const pnode *w = pn_get(cw, "expr");
        if (has_arg) {
            aval wv = an_expr(c, sc, w);
            binop(c, "=", &a, &wv, pn_loc(cw));
        } else {
            an_cond(c, sc, w);
        }
        nodes[k] = pn_get(cw, "result");
        vals[k] = an_expr(c, sc, nodes[k]);
        k++;
    }
    if (has_def) {
        nodes[k] = def;
        vals[k] = an_expr(c, sc, def);
        k++;
    }
    cat_tref t = common_type(c, vals, k, pn_loc(in), "CASE");
    settle(c, nodes, vals, k, t);
    aval v = an_val(t, !has_def);
    v.unknown = !cat_tref_known(t);
    for (size_t i = 0; i < k; i++)
        if (vals[i].nullable)
            v.nullable = true;
    return v;
}

/* === sublinks === */

static aval
expr_sublink(actx *c, scope *sc, const pnode *in)
{
    const char *type = pn_str(in, "subLinkType");
    const pnode *sub = pn_get(in, "subselect"), *sel;
    qres q = {0};
    if (!pn_is(sub, "SelectStmt", &sel)) {
        an_error(c, pn_loc(in), NULL, "unsupported subquery");
        return an_unknown_val();
    }
    an_select(c, sc, sel, &q);
    if (!type)
        type = "";
    if (!strcmp(type, "EXISTS_SUBLINK"))
        return an_val(B(PGC_BOOL), false);
    if (q.n != 1 && (!strcmp(type, "EXPR_SUBLINK") || !strcmp(type, "ARRAY_SUBLINK") ||
                     !strcmp(type, "ANY_SUBLINK") || !strcmp(type, "ALL_SUBLINK"))) {
        an_error(c, pn_loc(in), NULL, "subquery must return only one column");
        return an_unknown_val();
    }
    if (!strcmp(type, "EXPR_SUBLINK"))
        return an_val(q.cols[0].t, true);
    if (!strcmp(type, "ARRAY_SUBLINK")) {
        cat_tref t = q.cols[0].t;
        t.dims++;
        return an_val(t, false);
    }
    if (!strcmp(type, "ANY_SUBLINK") || !strcmp(type, "ALL_SUBLINK")) {
        const pnode *test = pn_get(in, "testexpr");
        aval l = an_expr(c, sc, test);
        aval r = an_val(q.cols[0].t, q.cols[0].nullable);
        r.col = q.cols[0].name;
        const pnode *opn = pn_list(in, "operName");
        aval v = binop(c, pn_len(opn) ? op_name(opn) : "=", &l, &r, pn_loc(in));
        return an_val(B(PGC_BOOL), v.nullable);
    }
    return an_val(B(PGC_BOOL), true);
}

/* === A_Expr === */

static aval
expr_in(actx *c, scope *sc, const pnode *in, const char *op)
{
    aval l = an_expr(c, sc, pn_get(in, "lexpr"));
    const pnode *rex = pn_get(in, "rexpr"), *lin;
    const pnode *items = pn_is(rex, "List", &lin) ? pn_list(lin, "items") : NULL;
    bool nullable = l.nullable;
    for (size_t i = 0; i < pn_len(items); i++) {
        const pnode *it = pn_at(items, i), *pr;
        if (pn_is(it, "ParamRef", &pr)) {
            occ *o = an_occ_at(c, pn_loc(pr));
            if (o && o->kind == 's') {
                /* sqlc.slice: bound as one array; IN (...) becomes = ANY($n) */
                int idx = an_param_ref(c, pn_loc(pr), 1);
                if (cat_tref_known(l.t)) {
                    cat_tref at = l.t;
                    at.dims++;
                    an_param_type(c, idx, at);
                }
                if (l.col)
                    an_param_name(c, idx, l.col, 2);
                size_t start = (size_t)pn_loc(in);
                size_t end = an_match_paren(c, start);
                if (end && pn_len(items) == 1) {
                    bool neg = !strcmp(op, "<>");
                    an_add_edit(c, start, end,
                                an_printf(&c->ar, neg ? "<> ALL($%d)" : "= ANY($%d)", idx));
                } else {
                    an_error(c, pn_loc(pr), NULL,
                             "sqlc.slice() must be the only item of an IN list");
                }
                continue;
            }
        }
        aval r = an_expr(c, sc, it);
        aval v = binop(c, op, &l, &r, pn_loc(in));
        nullable |= v.nullable;
    }
    return an_val(B(PGC_BOOL), nullable);
}

static aval
expr_aexpr(actx *c, scope *sc, const pnode *in)
{
    const char *kind = pn_str(in, "kind");
    const char *op = op_name(pn_list(in, "name"));
    int loc = pn_loc(in);
    const pnode *ln = pn_get(in, "lexpr"), *rn = pn_get(in, "rexpr");
    bool has_l = ln && pn_node(ln, NULL);
    if (!kind)
        kind = "AEXPR_OP";
    if (!strcmp(kind, "AEXPR_IN"))
        return expr_in(c, sc, in, op);
    if (!strcmp(kind, "AEXPR_BETWEEN") || !strcmp(kind, "AEXPR_NOT_BETWEEN") ||
        !strcmp(kind, "AEXPR_BETWEEN_SYM") || !strcmp(kind, "AEXPR_NOT_BETWEEN_SYM")) {
        aval l = an_expr(c, sc, ln);
        const pnode *lin;
        const pnode *items = pn_is(rn, "List", &lin) ? pn_list(lin, "items") : NULL;
        bool nullable = l.nullable;
        for (size_t i = 0; i < pn_len(items); i++) {
            aval r = an_expr(c, sc, pn_at(items, i));
            aval v = binop(c, i == 0 ? ">=" : "<=", &l, &r, loc);
            nullable |= v.nullable;
        }
        return an_val(B(PGC_BOOL), nullable);
    }
    aval l = {0};
    if (has_l)
        l = an_expr(c, sc, ln);
    if (!strcmp(kind, "AEXPR_OP_ANY") || !strcmp(kind, "AEXPR_OP_ALL")) {
        aval r = an_expr(c, sc, rn);
        if (r.param && r.unknown && cat_tref_known(l.t)) {
            cat_tref at = l.t;
            at.dims++;
            an_param_type(c, r.param, at);
            r.t = at;
            r.unknown = false;
        }
        if (r.param && l.col)
            an_param_name(c, r.param, l.col, 2);
        aval re = r;
        re.param = 0;
        if (cat_tref_known(r.t) && r.t.dims > 0)
            re.t.dims--;
        aval v = binop(c, op, &l, &re, loc);
        if (l.param && re.unknown == false && cat_tref_known(re.t))
            an_param_type(c, l.param, re.t);
        return an_val(B(PGC_BOOL), v.nullable || r.nullable);
    }
    aval r = an_expr(c, sc, rn);
    if (!strcmp(kind, "AEXPR_DISTINCT") || !strcmp(kind, "AEXPR_NOT_DISTINCT")) {
        binop(c, "=", &l, &r, loc);
        return an_val(B(PGC_BOOL), false);
    }
    if (!strcmp(kind, "AEXPR_NULLIF")) {
        binop(c, "=", &l, &r, loc);
        return an_val(l.t, true);
    }
    if (!strcmp(kind, "AEXPR_OP") || !strcmp(kind, "AEXPR_LIKE") ||
        !strcmp(kind, "AEXPR_ILIKE") || !strcmp(kind, "AEXPR_SIMILAR"))
        return binop(c, op, has_l ? &l : NULL, &r, loc);
    an_error(c, loc, NULL, "unsupported expression %s", kind);
    return an_unknown_val();
}

/* === the rest === */

static aval
expr_const(actx *c, const pnode *in)
{
    long long iv;
    const char *sv;
    switch (pn_aconst(in, c->sql, &iv, &sv)) {
    case PN_CONST_INT:
        return an_val(B(iv >= -2147483648LL && iv <= 2147483647LL ? PGC_INT4 : PGC_INT8), false);
    case PN_CONST_FLOAT:
        return an_val(B(PGC_NUMERIC), false);
    case PN_CONST_BOOL:
        return an_val(B(PGC_BOOL), false);
    case PN_CONST_BITSTR:
        return an_val(B(1560u), false);
    case PN_CONST_STR: {
        aval v = an_unknown_val();
        v.nullable = false;
        return v;
    }
    case PN_CONST_NULL:
        return an_unknown_val();
    default:
        an_error(c, pn_loc(in), NULL, "unsupported constant");
        return an_unknown_val();
    }
}

static aval
expr_sqlvalue(const pnode *in)
{
    const char *op = pn_str(in, "op");
    if (!op)
        return an_val(B(PGC_TEXT), false);
    if (!strcmp(op, "SVFOP_CURRENT_DATE"))
        return an_val(B(PGC_DATE), false);
    if (!strncmp(op, "SVFOP_CURRENT_TIMESTAMP", 23))
        return an_val(B(PGC_TIMESTAMPTZ), false);
    if (!strncmp(op, "SVFOP_CURRENT_TIME", 18))
        return an_val(B(1266u), false);
    if (!strncmp(op, "SVFOP_LOCALTIMESTAMP", 20))
        return an_val(B(PGC_TIMESTAMP), false);
    if (!strncmp(op, "SVFOP_LOCALTIME", 15))
        return an_val(B(PGC_TIME), false);
    if (!strcmp(op, "SVFOP_CURRENT_SCHEMA"))
        return an_val(B(PGC_NAME), true);
    return an_val(B(PGC_NAME), false);
}

static aval
expr_indirection(actx *c, scope *sc, const pnode *in)
{
    aval v = an_expr(c, sc, pn_get(in, "arg"));
    const pnode *ind = pn_list(in, "indirection");
    for (size_t i = 0; i < pn_len(ind); i++) {
        const pnode *it = pn_at(ind, i), *ai;
        const char *fname = pn_sval(it);
        v.col = NULL;
        v.table = NULL;
        if (pn_is(it, "A_Indices", &ai)) {
            if (pn_get(ai, "uidx"))
                an_expr(c, sc, pn_get(ai, "uidx"));
            if (pn_get(ai, "lidx"))
                an_expr(c, sc, pn_get(ai, "lidx"));
            if (!pn_bool(ai, "is_slice")) {
                if (v.t.dims > 0) /* jsonb subscripting keeps jsonb */
                    v.t.dims--;
            }
            v.nullable = true;
        } else if (fname) {
            const cat_utype *u = v.t.user;
            if (u && u->kind == CAT_DOMAIN)
                u = NULL;
            if (!u || u->kind != CAT_COMPOSITE || v.t.dims) {
                an_error(c, pn_loc(in), NULL, "column notation .%s applied to type %s, which "
                         "is not a composite type", fname, an_type_str(c, v.t));
                return an_unknown_val();
            }
            size_t k;
            for (k = 0; k < u->n_cols && strcmp(u->cols[k].name, fname); k++)
                ;
            if (k == u->n_cols) {
                an_error(c, pn_loc(in), NULL, "column \"%s\" not found in data type %s", fname,
                         u->name);
                return an_unknown_val();
            }
            v.t = u->cols[k].type;
            v.nullable = true;
            v.col = u->cols[k].name;
        } else {
            v.nullable = true; /* (x).* */
        }
    }
    v.param = 0;
    return v;
}

static aval
expr_inner(actx *c, scope *sc, const char *k, const pnode *in)
{
    if (pn_kind_is(k, "ColumnRef")) {
        aval v;
        if (!an_colref(c, sc, in, &v))
            return an_unknown_val();
        return v;
    }
    if (pn_kind_is(k, "ParamRef")) {
        int idx = an_param_ref(c, pn_loc(in), (int)pn_int(in, "number", 0));
        aval v = an_unknown_val();
        v.nullable = false;
        v.param = idx;
        if (idx && c->p[idx].typed) {
            v.t = c->p[idx].t;
            v.unknown = false;
        }
        if (idx && c->p[idx].nullable)
            v.nullable = true;
        return v;
    }
    if (pn_kind_is(k, "A_Const"))
        return expr_const(c, in);
    if (pn_kind_is(k, "TypeCast")) {
        const pnode *arg = pn_get(in, "arg");
        cat_tref t;
        bool ok = an_typename(c, pn_obj(in, "typeName"), &t);
        if (ok)
            an_coerce(c, arg, t, NULL, 0, -1);
        aval a = an_expr(c, sc, arg);
        if (!ok)
            return an_unknown_val();
        if (a.param && a.unknown)
            an_param_type(c, a.param, t);
        aval v = an_val(t, a.nullable);
        if (cat_tref_domain_not_null(t))
            v.nullable = false;
        v.col = a.col;
        return v;
    }
    if (pn_kind_is(k, "A_Expr"))
        return expr_aexpr(c, sc, in);
    if (pn_kind_is(k, "BoolExpr")) {
        const pnode *args = pn_list(in, "args");
        bool nullable = false;
        for (size_t i = 0; i < pn_len(args); i++) {
            an_coerce(c, pn_at(args, i), B(PGC_BOOL), NULL, 0, -1);
            aval a = an_expr(c, sc, pn_at(args, i));
            nullable |= a.nullable;
        }
        return an_val(B(PGC_BOOL), nullable);
    }
    if (pn_kind_is(k, "NullTest")) {
        const pnode *arg = pn_get(in, "arg");
        aval a = an_expr(c, sc, arg);
        int p = param_through(c, arg);
        if (p)
            an_param_nullable(c, p);
        (void)a;
        return an_val(B(PGC_BOOL), false);
    }
    if (pn_kind_is(k, "BooleanTest")) {
        const pnode *arg = pn_get(in, "arg");
        an_coerce(c, arg, B(PGC_BOOL), NULL, 0, -1);
        an_expr(c, sc, arg);
        return an_val(B(PGC_BOOL), false);
    }
    if (pn_kind_is(k, "FuncCall"))
        return an_func(c, sc, in, NULL);
    if (pn_kind_is(k, "CaseExpr"))
        return expr_case(c, sc, in);
    if (pn_kind_is(k, "CoalesceExpr"))
        return expr_list_common(c, sc, pn_list(in, "args"), true, pn_loc(in), "COALESCE");
    if (pn_kind_is(k, "MinMaxExpr"))
        return expr_list_common(c, sc, pn_list(in, "args"), false, pn_loc(in),
                                "GREATEST/LEAST");
    if (pn_kind_is(k, "SubLink"))
        return expr_sublink(c, sc, in);
    if (pn_kind_is(k, "A_ArrayExpr")) {
        const pnode *el = pn_list(in, "elements");
        aval v = expr_list_common(c, sc, el, false, pn_loc(in), "ARRAY");
        v.nullable = false;
        if (cat_tref_known(v.t))
            v.t.dims++;
        return v;
    }
    if (pn_kind_is(k, "RowExpr")) {
        const pnode *args = pn_list(in, "args");
        for (size_t i = 0; i < pn_len(args); i++)
            an_expr(c, sc, pn_at(args, i));
        return an_val(B(PGC_RECORD), false);
    }
    if (pn_kind_is(k, "A_Indirection"))
        return expr_indirection(c, sc, in);
    if (pn_kind_is(k, "SQLValueFunction"))
        return expr_sqlvalue(in);
    if (pn_kind_is(k, "CollateClause"))
        return an_expr(c, sc, pn_get(in, "arg"));
    if (pn_kind_is(k, "GroupingFunc")) {
        const pnode *args = pn_list(in, "args");
        for (size_t i = 0; i < pn_len(args); i++)
            an_expr(c, sc, pn_at(args, i));
        return an_val(B(PGC_INT4), false);
    }
    if (pn_kind_is(k, "SetToDefault"))
        return an_unknown_val();
    an_error(c, pn_loc(in), NULL, "unsupported expression %s", k);
    return an_unknown_val();
}

aval
an_expr(actx *c, scope *sc, const pnode *node)
{
    const pnode *in;
    const char *k = pn_node(node, &in);
    if (!k) {
        an_error(c, -1, NULL, "unsupported expression");
        return an_unknown_val();
    }
    if (++c->depth > AN_MAX_DEPTH) {
        if (c->depth == AN_MAX_DEPTH + 1)
            an_error(c, pn_loc(in), NULL, "expression nested too deeply");
        c->depth--;
        return an_unknown_val();
    }
    aval v = expr_inner(c, sc, k, in);
    c->depth--;
    return v;
}
