/*
 * catalog.h - the user's schema as pqgen understands it: schemas, extensions, tables, views,
 * enums, domains, composite types and functions, built by applying DDL statements in order.
 * Built-in PostgreSQL objects live in pgcatalog.h; cat_tref bridges both worlds.
 */
#ifndef PQGEN_CATALOG_H
#define PQGEN_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "pgnode.h"
#include "source.h"

typedef struct cat_utype cat_utype;

/* A type reference: a pgcatalog type (builtin or extension: id != 0) or a user type, plus array
 * dimensions. Both zero means unknown. Element types only: arrays are always id/user + dims. */
typedef struct cat_tref {
    uint32_t id;           /* pgcatalog id of the (element) type, 0 for user types */
    const cat_utype *user; /* enum, domain or composite; owned by the catalog */
    int dims;              /* array dimensions */
} cat_tref;

typedef struct cat_column {
    char *name;
    cat_tref type;
    bool not_null;
    bool has_default;
} cat_column;

typedef enum cat_rel_kind { CAT_TABLE, CAT_VIEW, CAT_MATVIEW } cat_rel_kind;

typedef struct cat_table {
    char *schema, *name;
    cat_rel_kind kind;
    bool partitioned;
    char *partition_of; /* parent's name (schema-qualified when not public), or NULL */
    char **pk;
    size_t n_pk;
    cat_column *cols;
    size_t n_cols, cap_cols;
    bool dropped;
    /* BEFORE INSERT ... FOR EACH ROW triggers by name: they may fill NOT NULL columns that an
     * INSERT leaves out, so the analyzer does not report those. */
    char **insert_triggers;
    size_t n_insert_triggers;
} cat_table;

typedef enum cat_utype_kind { CAT_ENUM, CAT_DOMAIN, CAT_COMPOSITE } cat_utype_kind;

struct cat_utype {
    cat_utype_kind kind;
    char *schema, *name;
    bool dropped;
    char **values; /* enum labels in sort order */
    size_t n_values;
    cat_tref base; /* domain: base type (never itself a domain) */
    bool not_null; /* domain: NOT NULL */
    cat_column *cols; /* composite */
    size_t n_cols;
};

typedef struct cat_func {
    char *schema, *name;
    cat_column *args; /* IN/INOUT/VARIADIC arguments; name may be "" */
    size_t n_args, n_defaults;
    cat_tref ret;
    bool setof, strict, dropped, is_procedure;
    char volatility; /* 'i' immutable, 's' stable, 'v' volatile (the default) */
    cat_column *cols; /* RETURNS TABLE / OUT columns (n_cols > 0) */
    size_t n_cols;
} cat_func;

typedef struct catalog {
    char **schemas;
    size_t n_schemas;
    char **extensions;
    size_t n_extensions;
    unsigned ext_mask;
    cat_table **tables;
    size_t n_tables, cap_tables;
    cat_utype **types;
    size_t n_types, cap_types;
    cat_func **funcs;
    size_t n_funcs, cap_funcs;
    /* open-addressing index over tables by "schema.name" (lowercase as stored) */
    size_t *hash;
    size_t hash_cap;
    bool oom; /* an allocation failed: the catalog is incomplete and takes no more statements */
} catalog;

/* A new catalog holding the schema "public", or NULL on out of memory. Caller owns; release
 * with catalog_free(). */
catalog *catalog_new(void);
/* Whether an allocation failed while applying statements (catalog_apply does nothing more
 * then). The catalog stays consistent enough to free, not to use. */
bool catalog_failed(const catalog *c);
/* For tests: when set to n > 0, the n-th allocation from then on made by the catalog or the
 * analyzer fails (once), as if memory ran out. 0 (the default) never fails. */
extern long catalog_test_fail_alloc;
/* Consumes one tick of catalog_test_fail_alloc: true when this allocation is to fail. */
bool catalog_alloc_fails(void);
/* NULL is a harmless no-op. */
void catalog_free(catalog *c);

/* Applies one parsed schema statement (the "stmt" node of a RawStmt) taken from st; problems
 * go to d at st->file, st->start + location. */
void catalog_apply(catalog *c, const pnode *stmt, const src_stmt *st, diag_list *d);

/* Lookups (schema NULL = search path: public). Dropped objects are invisible. Borrowed. */
cat_table *catalog_table(const catalog *c, const char *schema, const char *name);
const cat_utype *catalog_utype(const catalog *c, const char *schema, const char *name);
/* User functions named name (in schema, or any when NULL) accepting nargs arguments. */
const cat_func *catalog_func(const catalog *c, const char *schema, const char *name, int nargs);
bool catalog_has_func_name(const catalog *c, const char *name);
const cat_column *catalog_column(const cat_table *t, const char *name);

/* Resolves a TypeName node body; sql is the text it was parsed from (for typmods). Returns
 * false with *why set ("type \"x\" does not exist" into buf) when unknown. *serial is set when
 * the name is serial/bigserial/smallserial. */
bool catalog_typename(const catalog *c, const pnode *typname, cat_tref *out, bool *serial,
                      char *why, size_t whylen);

/* === type references === */
bool cat_tref_known(cat_tref t);
bool cat_tref_eq(cat_tref a, cat_tref b);
cat_tref cat_tref_builtin(uint32_t id); /* splits array ids into element + dims */
/* The id to give pgcatalog's resolver: domains -> base type, enums -> PGC_ANYENUM(_ARRAY),
 * composites -> PGC_RECORD(_ARRAY), arrays -> the array type's id. 0 for unknown. */
uint32_t cat_tref_resolver_id(cat_tref t);
/* The model's "type" name (element type; "app.status" for user types outside public). Written
 * into buf (at least 128 bytes); returns buf. */
const char *cat_tref_name(cat_tref t, char *buf, size_t len);
/* The model's "oid": builtin wire OID (array OID when dims > 0), 0 for enums/composites/
 * extension types, the base type's for domains. */
uint32_t cat_tref_oid(cat_tref t);
/* The domain's base type with the reference's array dims; t itself when not a domain. */
cat_tref cat_tref_base(cat_tref t);
/* True when values of t can never be NULL by type (NOT NULL domain). */
bool cat_tref_domain_not_null(cat_tref t);

/* Catalog as the model's "catalog" object, or NULL on out of memory. Caller owns; release
 * with json_decref(). */
json_t *catalog_to_json(const catalog *c);

#endif
