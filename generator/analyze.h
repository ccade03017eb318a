/*
 * analyze.h - type-checks one query against the catalog: parameter types, names and
 * nullability, result column types and nullability, the statement kind, and the SQL as it will
 * be sent (sqlc macros and @names rewritten to $n). Also infers view columns for catalog.c.
 */
#ifndef PQGEN_ANALYZE_H
#define PQGEN_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "diag.h"
#include "pgnode.h"
#include "source.h"

typedef struct an_column {
    char *name;
    cat_tref type;
    bool nullable;
    bool where_not_null; /* nullable at its source, but the query's WHERE rules NULL out */
    char *table; /* source table/view/CTE, or NULL for expressions */
    char *embed; /* sqlc.embed(t): the embedded table's name, else NULL */
} an_column;

typedef struct an_param {
    int index; /* 1-based */
    char *name;
    cat_tref type;
    bool nullable;
    bool slice;
} an_param;

typedef struct an_query {
    const char *statement; /* "select", "insert", "update", "delete", "utility" (static) */
    bool read_only; /* a SELECT with no data-modifying CTE and no volatile function call */
    an_column *cols;
    size_t n_cols;
    an_param *params;
    size_t n_params;
    char *sql; /* rewritten SQL */
} an_query;

/* Analyzes the query statement st (st->sql, annotated with st->name and st->cmd). Every
 * problem goes to d. Returns 0 and fills *out, -1 when the query has errors, or -2 on out of
 * memory (*out is then empty). *out: caller owns; release with analyze_query_free(). */
int analyze_query(const catalog *c, const src_stmt *st, an_query *out, diag_list *d);
/* Frees everything in q and zeroes it. NULL is a harmless no-op. */
void analyze_query_free(an_query *q);

/* Infers the columns of a view / materialized view / CREATE TABLE AS query: `query` is the
 * wrapped SelectStmt node parsed from st->sql. Returns 0 and sets *cols (caller owns; release
 * with analyze_columns_free()), -1 after reporting errors to d, or -2 on out of memory. */
int analyze_view(const catalog *c, const pnode *query, const src_stmt *st, an_column **cols,
                 size_t *n, diag_list *d);
void analyze_columns_free(an_column *cols, size_t n);

#endif
