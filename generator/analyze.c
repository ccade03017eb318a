/*
 * analyze.c - the analyzer's entry points: parses one query (after the macro prescan in
 * params.c), dispatches on the statement kind, checks the annotation's command against the
 * result, and hands back parameters, columns and the SQL to send. Also the per-statement arena
 * and diagnostics helpers. Expressions, SELECT and DML live in analyze_expr/select/dml.c.
 */
#include "analyze_int.h"

#include <pg_query.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"

/* === arena === */

struct an_chunk {
    an_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void *
an_alloc(an_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!n)
        n = sizeof(max_align_t);
    an_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        c = catalog_alloc_fails() || cap > SIZE_MAX - sizeof *c ? NULL : malloc(sizeof *c + cap);
        if (!c)
            longjmp(*a->oom, 1);
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *
an_strdup(an_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = an_alloc(a, n);
    memcpy(p, s, n);
    return p;
}

char *
an_printf(an_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = an_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *
an_grow(an_arena *a, void *ptr, size_t elem, size_t *cap, size_t need)
{
    if (need <= *cap)
        return ptr;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need)
        nc *= 2;
    void *p = an_alloc(a, nc * elem);
    if (ptr)
        memcpy(p, ptr, *cap * elem);
    *cap = nc;
    return p;
}

void
an_oom(actx *c)
{
    longjmp(*c->ar.oom, 1);
}

void
an_arena_free(an_arena *a)
{
    an_chunk *c = a->head;
    while (c) {
        an_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

/* === diagnostics === */

static void
report(actx *c, diag_level lvl, int loc, const char *hint, const char *fmt, va_list ap)
{
    size_t off = c->st->start;
    if (loc >= 0 && (size_t)loc <= c->st->end - c->st->start)
        off += (size_t)loc;
    diag_addv(c->d, lvl, c->st->file, off, hint, fmt, ap);
}

void
an_error(actx *c, int loc, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(c, DIAG_ERROR, loc, hint, fmt, ap);
    va_end(ap);
    c->n_errors++;
}

void
an_warning(actx *c, int loc, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(c, DIAG_WARNING, loc, hint, fmt, ap);
    va_end(ap);
}

/* The name PostgreSQL's messages use for a builtin type (format_type_be), or NULL when it is
 * the catalog name. */
static const char *
sql_type_name(const char *name)
{
    static const char *const names[][2] = {
        {"int2", "smallint"},
        {"int4", "integer"},
        {"int8", "bigint"},
        {"float4", "real"},
        {"float8", "double precision"},
        {"bool", "boolean"},
        {"varchar", "character varying"},
        {"bpchar", "character"},
        {"timestamp", "timestamp without time zone"},
        {"timestamptz", "timestamp with time zone"},
        {"time", "time without time zone"},
        {"timetz", "time with time zone"},
        {"varbit", "bit varying"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i][0]))
            return names[i][1];
    return NULL;
}

const char *
an_type_str(actx *c, cat_tref t)
{
    char buf[300];
    if (!cat_tref_known(t))
        return "unknown";
    cat_tref_name(t, buf, sizeof buf);
    const char *sqlname = t.user ? NULL : sql_type_name(buf);
    if (sqlname)
        snprintf(buf, sizeof buf, "%s", sqlname);
    if (t.dims)
        return an_printf(&c->ar, "%s[]", buf);
    return an_strdup(&c->ar, buf);
}

void
an_add_col(actx *c, qres *q, const qcol *col)
{
    q->cols = an_grow(&c->ar, q->cols, sizeof *q->cols, &q->cap, q->n + 1);
    q->cols[q->n++] = *col;
}

rte *
an_add_rte(actx *c, scope *sc, const char *alias, size_t ncols)
{
    rte *r = an_alloc(&c->ar, sizeof *r);
    r->alias = alias;
    r->cols = an_alloc(&c->ar, (ncols ? ncols : 1) * sizeof *r->cols);
    r->n = ncols;
    sc->r = an_grow(&c->ar, sc->r, sizeof *sc->r, &sc->cap, sc->n + 1);
    sc->r[sc->n++] = r;
    return r;
}

/* === statements === */

void
an_stmt(actx *c, scope *sc, const pnode *node, qres *out, const char **kind)
{
    const pnode *in;
    const char *k = pn_node(node, &in);
    if (++c->depth > AN_MAX_DEPTH) {
        an_error(c, -1, NULL, "statement nested too deeply");
        c->depth--;
        return;
    }
    if (k && pn_kind_is(k, "SelectStmt")) {
        *kind = "select";
        an_select(c, sc, in, out);
    } else if (k && pn_kind_is(k, "InsertStmt")) {
        *kind = "insert";
        c->writes = true;
        an_insert(c, sc, in, out);
    } else if (k && pn_kind_is(k, "UpdateStmt")) {
        *kind = "update";
        c->writes = true;
        an_update(c, sc, in, out);
    } else if (k && pn_kind_is(k, "DeleteStmt")) {
        *kind = "delete";
        c->writes = true;
        an_delete(c, sc, in, out);
    } else {
        *kind = NULL;
    }
    c->depth--;
}

/* Tables named by utility statements must exist. */
static void
check_relations(actx *c, const pnode *list)
{
    for (size_t i = 0; i < pn_len(list); i++) {
        const pnode *rv;
        if (!pn_is(pn_at(list, i), "RangeVar", &rv))
            continue;
        const char *name = pn_str(rv, "relname");
        if (name && !catalog_table(c->cat, pn_str(rv, "schemaname"), name))
            an_error(c, pn_loc(rv), NULL, "relation \"%s\" does not exist", name);
    }
}

/* Utility statements (TRUNCATE, NOTIFY, CALL, SET, LOCK, REFRESH...): no columns; parameters
 * only where an expression gives them a type. */
static void
an_utility(actx *c, scope *sc, const char *k, const pnode *in)
{
    if (pn_kind_is(k, "TruncateStmt")) {
        check_relations(c, pn_list(in, "relations"));
    } else if (pn_kind_is(k, "LockStmt")) {
        check_relations(c, pn_list(in, "relations"));
    } else if (pn_kind_is(k, "RefreshMatViewStmt")) {
        const pnode *rv = pn_obj(in, "relation");
        const char *name = pn_str(rv, "relname");
        const cat_table *t = name ? catalog_table(c->cat, pn_str(rv, "schemaname"), name) : NULL;
        if (name && !t)
            an_error(c, pn_loc(rv), NULL, "relation \"%s\" does not exist", name);
        else if (t && t->kind != CAT_MATVIEW)
            an_error(c, pn_loc(rv), NULL, "\"%s\" is not a materialized view", name);
    } else if (pn_kind_is(k, "CallStmt")) {
        const pnode *fc = pn_obj(in, "funccall"); /* a bare FuncCall */
        if (fc)
            an_func(c, sc, fc, NULL);
    }
}

static bool
cmd_is(const src_stmt *st, const char *a)
{
    return st->cmd && !strcmp(st->cmd, a);
}

/* :copyfrom must be INSERT INTO t (cols) VALUES ($1, $2, ...) with one row of bare params. */
static void
check_copyfrom(actx *c, const char *k, const pnode *in)
{
    const char *why = NULL;
    const pnode *sel = NULL, *rows = NULL;
    if (!k || !pn_kind_is(k, "InsertStmt"))
        why = "it is not an INSERT";
    else if (pn_obj(in, "onConflictClause") || pn_list(in, "returningList") ||
             pn_obj(in, "withClause"))
        why = "COPY cannot do ON CONFLICT, RETURNING or WITH";
    else if (!pn_is(pn_get(in, "selectStmt"), "SelectStmt", &sel) ||
             !(rows = pn_list(sel, "valuesLists")) || pn_len(rows) != 1)
        why = "it must insert exactly one VALUES row";
    else {
        const pnode *row, *items;
        row = pn_at(rows, 0);
        items = pn_is(row, "List", &row) ? pn_list(row, "items") : NULL;
        for (size_t i = 0; i < pn_len(items); i++)
            if (!an_param_index(c, pn_at(items, i)))
                why = "every value must be a parameter";
    }
    if (why)
        an_error(c, -1, "write it as INSERT INTO t (a, b) VALUES ($1, $2)",
                 ":copyfrom query \"%s\" has the wrong form: %s", c->st->name, why);
}

/* Whether two columns land in the same generated struct (both top-level or the same embed). */
static bool
same_struct(const char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    return strcmp(a, b) == 0;
}

static void
qres_to_cols(actx *c, const qres *q, an_column **cols, size_t *n)
{
    *cols = catalog_alloc_fails() ? NULL : calloc(q->n ? q->n : 1, sizeof **cols);
    if (!*cols)
        an_oom(c);
    *n = q->n;
    /* names: ?column? -> column_N (warned), duplicates suffixed (warned) */
    for (size_t i = 0; i < q->n; i++) {
        const qcol *qc = &q->cols[i];
        const char *name = qc->name;
        if (qc->unnamed) {
            name = an_printf(&c->ar, "column_%zu", i + 1);
            an_warning(c, qc->loc, "give it a name with AS",
                       "result column %zu has no name; calling it \"%s\"", i + 1, name);
        }
        for (int suffix = 2;; suffix++) {
            bool clash = false;
            /* columns of different sqlc.embed() structs may share names */
            for (size_t k = 0; k < i; k++)
                if (!strcmp((*cols)[k].name, name) && same_struct((*cols)[k].embed, qc->embed))
                    clash = true;
            if (!clash)
                break;
            const char *nn = an_printf(&c->ar, "%s_%d", qc->name, suffix);
            if (suffix == 2)
                an_warning(c, qc->loc, "give the columns distinct names with AS",
                           "duplicate result column \"%s\"; calling this one \"%s\"", qc->name,
                           nn);
            name = nn;
        }
        an_column *o = &(*cols)[i];
        o->name = catalog_alloc_fails() ? NULL : strdup(name);
        o->type = qc->t;
        o->nullable = qc->nullable;
        o->where_not_null = qc->where_not_null;
        o->table = qc->table ? strdup(qc->table) : NULL;
        o->embed = qc->embed ? strdup(qc->embed) : NULL;
        if (!o->name || (qc->table && !o->table) || (qc->embed && !o->embed))
            an_oom(c); /* the caller frees *cols: every pointer in it is valid or NULL */
        if (!cat_tref_known(o->type))
            o->type = cat_tref_builtin(PGC_TEXT); /* unknown literals resolve to text */
    }
}

void
analyze_columns_free(an_column *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) {
        free(cols[i].name);
        free(cols[i].table);
        free(cols[i].embed);
    }
    free(cols);
}

void
analyze_query_free(an_query *q)
{
    if (!q)
        return;
    analyze_columns_free(q->cols, q->n_cols);
    for (size_t i = 0; q->params && i < q->n_params; i++)
        free(q->params[i].name);
    free(q->params);
    free(q->sql);
    memset(q, 0, sizeof *q);
}

/* Parses text (same length as c->orig); reports syntax errors. Returns the loaded tree (caller
 * owns; release with pn_doc_free()) or NULL. */
static pn_doc *
parse(actx *c, const char *text)
{
    PgQueryParseResult r = pg_query_parse(text);
    pn_doc *tree = NULL;
    if (r.error) {
        size_t off = source_cursor_to_offset(text, r.error->cursorpos);
        an_error(c, (int)off, NULL, "%s", r.error->message ? r.error->message : "syntax error");
    } else {
        char err[160];
        tree = pn_doc_parse(r.parse_tree, strlen(r.parse_tree), err, sizeof err);
        if (!tree)
            an_error(c, -1, NULL, "cannot read the parse tree: %s", err);
    }
    pg_query_free_parse_result(r);
    return tree;
}

/* analyze_query's work, between its setjmp and its cleanup. */
static void
query_body(actx *c, an_query *out)
{
    const src_stmt *st = c->st;
    c->sql = an_prescan(c);
    c->tree = c->n_errors ? NULL : parse(c, c->sql);
    const pnode *stmts = pn_list(pn_doc_root(c->tree), "stmts");
    if (c->tree && pn_len(stmts) != 1) {
        an_error(c, -1, NULL, "a query must be exactly one statement");
    } else if (c->tree) {
        const pnode *node = pn_get(pn_at(stmts, 0), "stmt"), *in;
        const char *k = pn_node(node, &in);
        qres q = {0};
        scope sc = {0};
        const char *kind = NULL;
        an_stmt(c, &sc, node, &q, &kind);
        if (!kind) {
            kind = "utility";
            if (k)
                an_utility(c, &sc, k, in);
            else
                an_error(c, -1, NULL, "unsupported statement");
        }
        out->statement = kind;
        /* SELECT ... INTO creates a table; a volatile call may write (or notify). */
        out->read_only = !strcmp(kind, "select") && !c->writes && !pn_get(in, "intoClause");
        if (cmd_is(st, ":copyfrom"))
            check_copyfrom(c, k, in);
        bool rows = cmd_is(st, ":one") || cmd_is(st, ":many") || cmd_is(st, ":batchone") ||
                    cmd_is(st, ":batchmany");
        if (rows && q.n == 0 && !c->n_errors)
            an_error(c, -1,
                     !strcmp(kind, "select") ? "use :exec" : "add RETURNING, or use :exec",
                     "query \"%s\" is %s but returns no columns", st->name ? st->name : "?",
                     st->cmd);
        an_params_finish(c, out);
        if (!c->n_errors) {
            qres_to_cols(c, &q, &out->cols, &out->n_cols);
            out->sql = an_rewrite_sql(c);
        }
    }
}

int
analyze_query(const catalog *cat, const src_stmt *st, an_query *out, diag_list *d)
{
    memset(out, 0, sizeof *out);
    /* On the heap, so its members are not the indeterminate locals of a function that
     * returns twice from setjmp. */
    actx *c = catalog_alloc_fails() ? NULL : calloc(1, sizeof *c);
    if (!c)
        return -2;
    jmp_buf oom;
    c->ar.oom = &oom;
    if (setjmp(oom)) {
        pn_doc_free(c->tree);
        an_arena_free(&c->ar);
        free(c);
        analyze_query_free(out);
        return -2;
    }
    c->cat = cat;
    c->d = d;
    c->st = st;
    c->orig = st->sql;
    query_body(c, out);
    pn_doc_free(c->tree);
    int errs = c->n_errors;
    an_arena_free(&c->ar);
    free(c);
    if (errs) {
        analyze_query_free(out);
        return -1;
    }
    return 0;
}

int
analyze_view(const catalog *cat, const pnode *query, const src_stmt *st, an_column **cols,
             size_t *n, diag_list *d)
{
    *cols = NULL;
    *n = 0;
    actx *c = catalog_alloc_fails() ? NULL : calloc(1, sizeof *c);
    if (!c)
        return -2;
    jmp_buf oom;
    c->ar.oom = &oom;
    if (setjmp(oom)) {
        an_arena_free(&c->ar);
        free(c);
        analyze_columns_free(*cols, *n);
        *cols = NULL;
        *n = 0;
        return -2;
    }
    c->cat = cat;
    c->d = d;
    c->st = st;
    c->orig = st->sql;
    c->sql = st->sql;
    c->in_schema = true;
    qres q = {0};
    scope sc = {0};
    const char *kind = NULL;
    an_stmt(c, &sc, query, &q, &kind);
    if (!kind)
        an_error(c, -1, NULL, "unsupported view query");
    if (!c->n_errors)
        qres_to_cols(c, &q, cols, n);
    int errs = c->n_errors;
    an_arena_free(&c->ar);
    free(c);
    return errs ? -1 : 0;
}
