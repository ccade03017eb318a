/*
 * analyze_int.h - internals shared by the analyzer's files (analyze.c: entry points, arena,
 * diagnostics, utility statements; analyze_expr.c: expressions; analyze_func.c: function and
 * aggregate calls; analyze_colname.c: result column names; analyze_colref.c: column
 * references; analyze_select.c: SELECT, FROM, CTEs, set operations; analyze_group.c: the
 * GROUP BY rule; analyze_dml.c: INSERT/UPDATE/DELETE; params.c: parameters, sqlc macros and
 * the SQL rewrite). Not for use outside the analyzer.
 */
#ifndef PQGEN_ANALYZE_INT_H
#define PQGEN_ANALYZE_INT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

#include "analyze.h"
#include "catalog.h"
#include "pgnode.h"

/* Deepest expression/query nesting analyzed; deeper input gets an error, not a stack overflow. */
#define AN_MAX_DEPTH 200

/* A bump allocator for everything one statement's analysis needs: freed at once.
 *
 * Out of memory: the analysis is a recursive descent over half-built scopes with some 60
 * allocation sites, so rather than threading NULL through all of them, an allocation failure
 * unwinds with longjmp to the entry point that owns the arena (analyze_query/analyze_view).
 * That is safe because everything allocated between the setjmp and the failure lives in the
 * arena or in heap objects the entry point reaches through its (heap-allocated) context: the
 * parse tree and the partly filled result, which the entry point frees before returning -2.
 * Nothing else is in flight: diagnostics are complete records whenever they exist. */
typedef struct an_chunk an_chunk;
typedef struct an_arena {
    an_chunk *head;
    jmp_buf *oom; /* where an allocation failure unwinds to; set by the entry point */
} an_arena;

/* Zeroed memory from a; on out of memory it does not return (see above). Borrowed; valid
 * until an_arena_free(a). */
void *an_alloc(an_arena *a, size_t n);
char *an_strdup(an_arena *a, const char *s);
char *an_printf(an_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grows an arena array of elem-sized items to hold at least need items. */
void *an_grow(an_arena *a, void *ptr, size_t elem, size_t *cap, size_t need);
void an_arena_free(an_arena *a);

/* The value of an expression. */
typedef struct aval {
    cat_tref t;
    bool nullable;
    bool unknown;      /* untyped: string literal, NULL literal, or untyped parameter */
    int param;         /* > 0: the expression is exactly parameter $param (no cast) */
    const char *col;   /* plain column reference: the column's name */
    const char *table; /* plain column reference: its source table */
    bool where_not_null; /* plain column reference: non-null only because WHERE says so */
} aval;

/* A column of a range table entry (FROM item). */
typedef struct rcol {
    const char *name;
    cat_tref t;
    bool nullable;
    const char *table; /* source table name for the model's "table" */
    bool hidden;       /* merged away by USING/NATURAL: qualified access only */
    bool where_not_null; /* nullable at the source, but a WHERE clause rules NULL out */
} rcol;

typedef struct rte {
    const char *alias; /* qualifier; NULL for the merged columns of USING/NATURAL joins */
    rcol *cols;
    size_t n;
    const cat_table *rel; /* the catalog relation for a plain table/view */
    bool unknown;         /* stands for a relation that does not exist (already reported): its
                             columns are unknown, so lookups that may mean it stay silent */
} rte;

typedef struct cte {
    const char *name;
    rcol *cols;
    size_t n;
    bool ready; /* false while its recursive body is being analyzed without columns */
} cte;

/* A result column of a SELECT / RETURNING. */
typedef struct qcol {
    const char *name;
    cat_tref t;
    bool nullable;
    const char *table;
    const char *embed;
    bool unnamed; /* PostgreSQL would call it ?column? */
    bool where_not_null; /* a column nullable at its source that a WHERE clause rules NULL out */
    int loc;
} qcol;

typedef struct qres {
    qcol *cols;
    size_t n, cap;
} qres;

typedef struct scope {
    struct scope *parent;
    rte **r;
    size_t n, cap;
    cte **ctes;
    size_t nctes, capctes;
    const qres *out; /* the SELECT's output, for ORDER BY/GROUP BY references to aliases */
    size_t nfrom;    /* FROM items written (some may have failed to resolve) */
} scope;

/* A named-parameter occurrence found by the prescan (@name, sqlc.arg/narg/slice/embed). */
typedef struct occ {
    size_t start, end; /* byte range in the original statement text */
    const char *name;
    char kind;         /* '@', 'a' (arg), 'n' (narg), 's' (slice), 'e' (embed) */
    int index;         /* parameter number; 0 for embed */
    bool consumed;     /* replaced by an enclosing edit (IN (sqlc.slice(x))) */
} occ;

typedef struct aparam {
    const char *name;
    int prio;          /* 3 macro name, 2 column, 1 function argument / limit, 0 none */
    cat_tref t;
    bool typed;
    bool nullable;
    bool slice;
    bool used;
    int loc;           /* first location, for diagnostics */
} aparam;

typedef struct edit {
    size_t start, end;
    const char *text;
} edit;

typedef struct actx {
    an_arena ar;
    pn_doc *tree; /* the statement's parse tree (analyze_query), freed by the entry point */
    const catalog *cat;
    diag_list *d;
    const src_stmt *st;
    const char *sql;  /* the text that was parsed (prescan rewrote macros, same length) */
    const char *orig; /* st->sql */
    occ *occ;
    size_t nocc, capocc;
    aparam *p; /* p[1..np] */
    size_t np, capp;
    edit *ed;
    size_t ned, caped;
    int n_errors;
    int depth;
    bool named, positional;
    bool in_schema; /* a view body: parameters are errors */
    bool writes;    /* a data-modifying statement or a volatile function call was seen */
} actx;

/* analyze.c */
/* Reports an allocation failure outside the arena (the malloc'd results): unwinds like an
 * arena failure. Does not return. */
_Noreturn void an_oom(actx *c);
void an_error(actx *c, int loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void an_warning(actx *c, int loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Analyzes a SELECT/INSERT/UPDATE/DELETE node (wrapped) into out; *kind gets the statement
 * kind. Used for the top level, CTEs and views. */
void an_stmt(actx *c, scope *sc, const pnode *node, qres *out, const char **kind);
void an_add_col(actx *c, qres *q, const qcol *col);
rte *an_add_rte(actx *c, scope *sc, const char *alias, size_t ncols);
/* A type as PostgreSQL's messages name it ("integer", "character varying[]", user types by
 * name), for diagnostics. Borrowed; valid until the arena is freed. */
const char *an_type_str(actx *c, cat_tref t);

/* analyze_expr.c */
aval an_expr(actx *c, scope *sc, const pnode *node);
/* A typed value / the value of an untyped expression (nullable, type unknown). */
aval an_val(cat_tref t, bool nullable);
aval an_unknown_val(void);
/* Whether pgcatalog type id is polymorphic (anyelement, anyarray, record...). */
bool an_is_polymorphic(uint32_t id);
/* The catalog type for resolver id `id` given to an operand, preferring the other operand's
 * own (user) type when the resolver answered with its id. */
cat_tref an_mapback(uint32_t id, const aval *other);
/* Before analyzing node in a context that expects type t (an INSERT column, the other side of
 * a comparison...): an untyped parameter (bare, or inside ARRAY[]/COALESCE/CASE) takes t, the
 * name (with priority prio) when it has none, and nullable (when >= 0: 1 forces nullable). */
void an_coerce(actx *c, const pnode *node, cat_tref t, const char *name, int prio,
               int nullable);
/* analyze_colname.c: PostgreSQL's FigureColname: *unnamed when it would be "?column?".
 * Borrowed from the tree or the arena. */
const char *an_colname(actx *c, const pnode *node, bool *unnamed);
bool an_typename(actx *c, const pnode *typname, cat_tref *out);
/* The parameter index node refers to (bare ParamRef), or 0. */
int an_param_index(actx *c, const pnode *node);
/* PostgreSQL's select_common_type over vals (user types kept when chosen); unknown when none
 * is known; an error at loc naming `what` when they cannot be matched. */
cat_tref an_common_type(actx *c, const aval *vals, size_t n, int loc, const char *what);
/* Analyzes a boolean condition (WHERE, HAVING, ON): parameters become bool. */
void an_cond(actx *c, scope *sc, const pnode *node);

/* What a function call resolved to, for FROM-clause functions (their columns). */
typedef struct an_funcinfo {
    const struct pgc_func *pf; /* builtin, or NULL */
    const cat_func *uf;        /* user-defined, or NULL */
    uint32_t resolved[100];    /* pgcatalog ids the arguments were resolved to (builtins) */
    int nargs;
    bool args_nullable;        /* some argument may be NULL */
} an_funcinfo;

/* analyze_func.c */
/* Analyzes a FuncCall body; fi (may be NULL) gets what it resolved to. */
aval an_func(actx *c, scope *sc, const pnode *fc, an_funcinfo *fi);

/* analyze_select.c */
void an_select(actx *c, scope *parent, const pnode *sel, qres *out);
/* A WHERE clause: checked as a condition, then the columns it proves never NULL (tested IS NOT
 * NULL or compared, in a top-level AND term) become non-null for what follows (SELECT list,
 * DELETE ... RETURNING). */
void an_where(actx *c, scope *sc, const pnode *where);
void an_from_item(actx *c, scope *sc, const pnode *node);
void an_with(actx *c, scope *sc, const pnode *with);
/* Target list (SELECT list or RETURNING) into out. */
void an_targets(actx *c, scope *sc, const pnode *list, qres *out);
/* A catalog table as a range entry named alias (or its name). */
rte *an_table_rte(actx *c, scope *sc, const cat_table *t, const char *alias);
void an_limit(actx *c, scope *sc, const pnode *sel);

/* analyze_colref.c */
/* Column reference lookup; false after reporting an error (or, silently, when it may name a
 * column of a relation already reported missing). */
bool an_colref(actx *c, scope *sc, const pnode *cref, aval *out);
rte *an_find_rte(scope *sc, const char *alias, bool this_level_only);
/* "did you mean" hints: the closest relation (tables: catalog tables and CTEs; else the
 * aliases in scope), and for a qualifier naming no FROM item, the alias of the table it names
 * (colname NULL for t.*). NULL when none. Arena strings. */
const char *an_closest_rel(actx *c, scope *sc, const char *name, bool tables);
const char *an_alias_hint(actx *c, scope *sc, const char *alias, const char *colname);

/* analyze_group.c */
/* PostgreSQL's grouping rule for a plain SELECT (sel) whose FROM level is sc: columns used
 * outside aggregates must be grouped or depend on a grouped primary key. Reports each
 * ungrouped column once. */
void an_check_grouping(actx *c, scope *sc, const pnode *sel);

/* analyze_dml.c */
void an_insert(actx *c, scope *sc, const pnode *ins, qres *out);
void an_update(actx *c, scope *sc, const pnode *upd, qres *out);
void an_delete(actx *c, scope *sc, const pnode *del, qres *out);

/* params.c */
/* Rewrites @name and sqlc.* macros in st->sql into same-length text that parses
 * ($1 + spaces, t.* + spaces), recording occurrences. Returns the arena copy. */
char *an_prescan(actx *c);
/* The parameter a ParamRef at loc with number n stands for (registering it); 0 on error. */
int an_param_ref(actx *c, int loc, int number);
/* The named-macro occurrence starting at byte loc, or NULL. */
occ *an_occ_at(actx *c, int loc);
void an_param_type(actx *c, int idx, cat_tref t);
void an_param_name(actx *c, int idx, const char *name, int prio);
void an_param_nullable(actx *c, int idx);
void an_add_edit(actx *c, size_t start, size_t end, const char *text);
/* Index just past the parenthesis matching the one at or after pos in c->sql (0 if none). */
size_t an_match_paren(actx *c, size_t pos);
/* Checks every parameter got a type, dedups names, fills q->params. */
void an_params_finish(actx *c, an_query *q);
/* The SQL to send: edits and occurrences applied to the original text. Caller owns; release
 * with free(). */
char *an_rewrite_sql(actx *c);

#endif
