/*
 * pgnode.h - libpg_query's JSON parse trees as a compact read-only tree (pn_doc), read by a
 * small in-situ JSON parser into one arena per statement, plus type-checked accessors.
 *
 * libpg_query drops default values (false, 0, "", empty lists), wraps Node-typed fields as
 * {"Type": {...}} but not concretely typed ones, and loses integers <= 0 in A_Const (bug #243).
 * Every accessor here tolerates missing or mistyped members (and NULL) and returns a neutral
 * default.
 */
#ifndef PQGEN_PGNODE_H
#define PQGEN_PGNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* === the tree === */

typedef enum pn_type {
    PN_NULL,
    PN_FALSE,
    PN_TRUE,
    PN_INT,
    PN_REAL,
    PN_STRING,
    PN_ARRAY,
    PN_OBJECT
} pn_type;

typedef struct pnode pnode;
typedef struct pn_member pn_member;

/* A JSON value. Objects are arrays of members in document order (parse-tree objects have few
 * keys: lookup is a linear scan comparing length-prefixed keys). */
struct pnode {
    uint32_t type; /* pn_type */
    uint32_t n;    /* PN_STRING: length in bytes; PN_ARRAY: items; PN_OBJECT: members */
    union {
        long long i;           /* PN_INT */
        double d;              /* PN_REAL */
        const char *s;         /* PN_STRING: NUL-terminated (JSON \u0000 is rejected) */
        const pnode *items;    /* PN_ARRAY */
        const pn_member *mems; /* PN_OBJECT */
    } u;
};

struct pn_member {
    const char *key; /* NUL-terminated; key[-1] holds min(strlen(key), 255) */
    pnode val;
};

/* A parsed document: the root value and the arena holding every node and string. */
typedef struct pn_doc pn_doc;

/* Parses the JSON text json[0..len) (copied; the caller's buffer is not kept). Returns the
 * document, or NULL with a message in err (may be NULL). The one rejection libpg_query's output
 * can meet, nesting beyond 2048 levels, reads exactly as jansson's did ("maximum parsing depth
 * reached near '{'"); other malformed input gets jansson's wording without the "near" part, and
 * "out of memory". Caller owns; release with pn_doc_free(). */
pn_doc *pn_doc_parse(const char *json, size_t len, char *err, size_t errlen);
/* The root value. Borrowed; valid until pn_doc_free(doc). */
const pnode *pn_doc_root(const pn_doc *doc);
/* NULL is a harmless no-op. */
void pn_doc_free(pn_doc *doc);

/* === generic access (all NULL-safe) === */

static inline bool
pn_is_object(const pnode *v)
{
    return v && v->type == PN_OBJECT;
}

static inline bool
pn_is_array(const pnode *v)
{
    return v && v->type == PN_ARRAY;
}

/* Member key (klen bytes) of obj, any type; NULL when absent or obj is not an object.
 * Borrowed; valid while the document lives. */
static inline const pnode *
pn_getn(const pnode *obj, const char *key, size_t klen)
{
    if (!obj || obj->type != PN_OBJECT)
        return NULL;
    unsigned char pre = klen < 255 ? (unsigned char)klen : 255;
    for (uint32_t i = 0; i < obj->n; i++) {
        const char *k = obj->u.mems[i].key;
        if ((unsigned char)k[-1] == pre &&
            (pre < 255 ? memcmp(k, key, klen) == 0 : strcmp(k, key) == 0))
            return &obj->u.mems[i].val;
    }
    return NULL;
}

/* Member key of obj (jansson's json_object_get). With a literal key the length folds to a
 * constant. Borrowed. */
static inline const pnode *
pn_get(const pnode *obj, const char *key)
{
    return pn_getn(obj, key, strlen(key));
}

/* Number of members of an object (0 for anything else); member i's key and value. Borrowed. */
static inline size_t
pn_size(const pnode *obj)
{
    return pn_is_object(obj) ? obj->n : 0;
}

static inline const char *
pn_key_at(const pnode *obj, size_t i)
{
    return i < pn_size(obj) ? obj->u.mems[i].key : NULL;
}

static inline const pnode *
pn_val_at(const pnode *obj, size_t i)
{
    return i < pn_size(obj) ? &obj->u.mems[i].val : NULL;
}

/* Array length (0 for NULL or non-arrays) and element i (NULL when out of range). */
static inline size_t
pn_len(const pnode *arr)
{
    return pn_is_array(arr) ? arr->n : 0;
}

static inline const pnode *
pn_at(const pnode *arr, size_t i)
{
    return i < pn_len(arr) ? &arr->u.items[i] : NULL;
}

/* Deep equality with jansson's json_equal semantics (same type; integers and reals never equal
 * each other; objects compare as key sets). Two NULLs are not equal. */
bool pn_equal(const pnode *a, const pnode *b);

/* === parse-tree accessors === */

/* Member `key` of obj when it is an object / array / string; NULL otherwise (also when obj is
 * not an object). Borrowed; valid while the tree lives. */
static inline const pnode *
pn_obj(const pnode *obj, const char *key)
{
    const pnode *v = pn_get(obj, key);
    return pn_is_object(v) ? v : NULL;
}

static inline const pnode *
pn_list(const pnode *obj, const char *key)
{
    const pnode *v = pn_get(obj, key);
    return pn_is_array(v) ? v : NULL;
}

static inline const char *
pn_str(const pnode *obj, const char *key)
{
    const pnode *v = pn_get(obj, key);
    return v && v->type == PN_STRING ? v->u.s : NULL;
}

/* Integer member, or def when absent or not an integer. */
static inline long long
pn_int(const pnode *obj, const char *key, long long def)
{
    const pnode *v = pn_get(obj, key);
    return v && v->type == PN_INT ? v->u.i : def;
}

/* Boolean member; absent means false (libpg_query omits false). */
static inline bool
pn_bool(const pnode *obj, const char *key)
{
    const pnode *v = pn_get(obj, key);
    return v && v->type == PN_TRUE;
}

/* The "location" member, or -1 when absent. */
static inline int
pn_loc(const pnode *obj)
{
    long long l = pn_int(obj, "location", -1);
    return l < 0 || l > 0x7fffffff ? -1 : (int)l;
}

/* A wrapped node {"Type": {...}}: returns "Type" and sets *inner to the body. NULL (and *inner
 * NULL) for anything else, including the empty object that stands for a NULL node. inner may be
 * NULL. Borrowed. */
static inline const char *
pn_node(const pnode *node, const pnode **inner)
{
    if (inner)
        *inner = NULL;
    if (!node || node->type != PN_OBJECT || node->n != 1 ||
        node->u.mems[0].val.type != PN_OBJECT)
        return NULL;
    if (inner)
        *inner = &node->u.mems[0].val;
    return node->u.mems[0].key;
}

/* True when node is a wrapped node of the given type (type_len bytes); sets *inner (may be
 * NULL). */
static inline bool
pn_isn(const pnode *node, const char *type, size_t type_len, const pnode **inner)
{
    const pnode *in;
    const char *k = pn_node(node, &in);
    if (!k || (unsigned char)k[-1] != (type_len < 255 ? type_len : 255) ||
        (type_len < 255 ? memcmp(k, type, type_len) != 0 : strcmp(k, type) != 0))
        return false;
    if (inner)
        *inner = in;
    return true;
}

/* True when node is a wrapped node of the given type; sets *inner (may be NULL). */
static inline bool
pn_is(const pnode *node, const char *type, const pnode **inner)
{
    return pn_isn(node, type, strlen(type), inner);
}

/* Whether the node type name k (as returned by pn_node) is `type`. */
static inline bool
pn_kind_is(const char *k, const char *type)
{
    size_t n = strlen(type);
    return k && (unsigned char)k[-1] == (n < 255 ? n : 255) &&
           (n < 255 ? memcmp(k, type, n) == 0 : strcmp(k, type) == 0);
}

/* The text of a {"String": {"sval": ...}} node, or NULL. Borrowed. */
const char *pn_sval(const pnode *node);
/* The last String of a name list (["pg_catalog", "int4"] -> "int4"), or NULL. Borrowed. */
const char *pn_last_name(const pnode *names);
/* Wrapped node member `key` of obj: shorthand for pn_node(pn_get(obj, key), inner). */
static inline const char *
pn_child(const pnode *obj, const char *key, const pnode **inner)
{
    return pn_node(pn_get(obj, key), inner);
}

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
pn_const_kind pn_aconst(const pnode *aconst, const char *sql, long long *ival,
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
