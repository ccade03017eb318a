/*
 * pgnode.h - small, type-checked accessors for libpg_query's JSON parse trees (jansson).
 *
 * libpg_query drops default values (false, 0, "", empty lists), wraps Node-typed fields as
 * {"Type": {...}} but not concretely typed ones, and loses integers <= 0 in A_Const (bug #243).
 * Every accessor here tolerates missing or mistyped members and returns a neutral default.
 */
#ifndef PQGEN_PGNODE_H
#define PQGEN_PGNODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Member `key` of obj when it is an object / array / string; NULL otherwise (also when obj is
 * not an object). Borrowed; valid while the tree lives. */
const json_t *pn_obj(const json_t *obj, const char *key);
const json_t *pn_list(const json_t *obj, const char *key);
const char *pn_str(const json_t *obj, const char *key);
/* Integer member, or def when absent or not an integer. */
long long pn_int(const json_t *obj, const char *key, long long def);
/* Boolean member; absent means false (libpg_query omits false). */
bool pn_bool(const json_t *obj, const char *key);
/* The "location" member, or -1 when absent. */
int pn_loc(const json_t *obj);

/* Array length (0 for NULL or non-arrays) and element i (NULL when out of range). */
size_t pn_len(const json_t *arr);
const json_t *pn_at(const json_t *arr, size_t i);

/* A wrapped node {"Type": {...}}: returns "Type" and sets *inner to the body. NULL (and *inner
 * NULL) for anything else, including the empty object that stands for a NULL node. inner may be
 * NULL. Borrowed. */
const char *pn_node(const json_t *node, const json_t **inner);
/* True when node is a wrapped node of the given type; sets *inner (may be NULL). */
bool pn_is(const json_t *node, const char *type, const json_t **inner);
/* The text of a {"String": {"sval": ...}} node, or NULL. Borrowed. */
const char *pn_sval(const json_t *node);
/* The last String of a name list (["pg_catalog", "int4"] -> "int4"), or NULL. Borrowed. */
const char *pn_last_name(const json_t *names);
/* Wrapped node member `key` of obj: shorthand for pn_node(json_object_get(obj, key), inner). */
const char *pn_child(const json_t *obj, const char *key, const json_t **inner);

typedef enum pn_const_kind {
    PN_CONST_NULL,   /* NULL literal */
    PN_CONST_INT,    /* fits in int64: *ival */
    PN_CONST_FLOAT,  /* numeric literal (decimal point, exponent or beyond int64): *sval */
    PN_CONST_STR,    /* string literal: *sval */
    PN_CONST_BOOL,   /* *ival is 0 or 1 */
    PN_CONST_BITSTR, /* B'0101' / X'ff': *sval */
    PN_CONST_BAD     /* malformed */
} pn_const_kind;

/* Decodes an A_Const body. sql is the text the tree was parsed from: integers <= 0 are
 * recovered from it at the node's location. *sval is borrowed from the tree. */
pn_const_kind pn_aconst(const json_t *aconst, const char *sql, long long *ival,
                        const char **sval);

/* === locations the tree leaves out ===
 * Some nodes carry no location (IndexElem names, COMMENT ON objects, ALTER TABLE subcommands'
 * column names). These scan the statement text instead, the way PostgreSQL's lexer does:
 * comments and whitespace are skipped; string literals (incl. E'' and $tag$ quoting), numbers
 * and quoted identifiers are single tokens. */
typedef struct pn_tok {
    size_t start, end; /* byte range in the text */
    bool ident;        /* an identifier or keyword (quoted or not) */
    bool quoted;       /* a "quoted identifier" */
} pn_tok;

/* The token at or after byte pos of sql (NUL-terminated). Returns false at the end. */
bool pn_next_token(const char *sql, size_t pos, pn_tok *t);
/* Whether t names identifier `name`: unquoted tokens compare ASCII case-insensitively (PostgreSQL
 * folds them to lower case), quoted ones exactly after undoubling "". */
bool pn_tok_ident(const char *sql, const pn_tok *t, const char *name);
/* Whether t is the unquoted keyword `word` (any case). */
bool pn_tok_word(const char *sql, const pn_tok *t, const char *word);

#endif
