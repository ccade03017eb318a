/*
 * catalog_int.h - internals shared by the catalog's files: catalog.c (objects, lookups,
 * allocation helpers), catalog_ddl.c (catalog_apply and table DDL), catalog_types.c (types,
 * views, functions, schemas, extensions) and catalog_json.c. Not for use outside them.
 */
#ifndef PQGEN_CATALOG_INT_H
#define PQGEN_CATALOG_INT_H

#include "catalog.h"

/* === allocation (catalog.c) ===
 * Every catalog allocation goes through these: on failure they return NULL (false) and raise
 * cat_alloc_failed instead of aborting; callers back out without leaving a half-linked object,
 * and catalog_apply() turns the flag into catalog_failed(). */
extern bool cat_alloc_failed;
void *cat_xcalloc(size_t n, size_t sz);
void *cat_xrealloc(void *p, size_t n);
/* A copy of s ("" for NULL). Caller owns; release with free(). */
char *cat_xstrdup(const char *s);
/* Replaces *dst with a copy of s; on allocation failure *dst is left as it was. */
bool cat_xreplace(char **dst, const char *s);
/* Grows *arr (of elem-sized items) so that it holds need items; false (and *arr unchanged) on
 * allocation failure. */
bool cat_grow(void **arr, size_t elem, size_t *cap, size_t need);

/* === objects (catalog.c) === */
void cat_free_cols(cat_column *cols, size_t n);
bool cat_has_schema(const catalog *c, const char *s);
/* Rebuilds the table index (after renames); keeps the old one on allocation failure. */
void cat_hash_rebuild(catalog *c, size_t cap);
/* New objects, linked into the catalog (or t) and indexed; NULL on allocation failure, with
 * nothing added. Borrowed; owned by the catalog. */
cat_table *cat_add_table(catalog *c, const char *schema, const char *name);
cat_column *cat_add_column(cat_table *t, const char *name);
cat_utype *cat_add_utype(catalog *c, cat_utype_kind kind, const char *schema, const char *name);

/* === DDL (catalog_ddl.c) === */
typedef struct cat_ddl {
    catalog *c;
    const src_stmt *st;
    diag_list *d;
} cat_ddl;

/* An error at byte loc of the statement's text (its start when loc < 0). */
void cat_ddl_error(cat_ddl *x, int loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A RangeVar's schema, "public" when it names none. Borrowed from the tree. */
const char *cat_rv_schema(const pnode *rv);
/* Resolves a TypeName node, reporting an unknown type. */
bool cat_resolve_type(cat_ddl *x, const pnode *tn, cat_tref *out, bool *serial);
/* Splits a List of String names into schema (NULL when unqualified) and name. */
bool cat_split_names(const pnode *names, const char **schema, const char **name);

/* === types, views, routines (catalog_types.c); each takes the statement's node body === */
void cat_create_enum(cat_ddl *x, const pnode *es);
void cat_alter_enum(cat_ddl *x, const pnode *es);
void cat_create_composite(cat_ddl *x, const pnode *cs);
void cat_create_domain(cat_ddl *x, const pnode *ds);
void cat_alter_domain(cat_ddl *x, const pnode *as);
/* CREATE [OR REPLACE] VIEW / MATERIALIZED VIEW / TABLE AS: rv the relation, query the wrapped
 * SelectStmt, aliases the column names given (may be NULL). */
void cat_create_view(cat_ddl *x, const pnode *rv, const pnode *query, const pnode *aliases,
                     bool replace, bool if_not_exists, cat_rel_kind kind);
void cat_create_function(cat_ddl *x, const pnode *fs);
void cat_create_schema(cat_ddl *x, const pnode *cs);
void cat_create_extension(cat_ddl *x, const pnode *ce);

#endif
