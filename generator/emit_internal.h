/*
 * emit_internal.h - what the emit_*.c files share: naming helpers (emit_names.c), the C type
 * mapping (emit_types.c), the model derivation (emit_derive.c) and migrations (emit_migrate.c).
 * Not used outside the emit stage.
 */
#ifndef PQGEN_EMIT_INTERNAL_H
#define PQGEN_EMIT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "emit.h"
#include "template.h"

/* ---- emit_names.c ---- */

/* Growable string. All emit_sb_* functions tolerate a failed allocation by setting oom. */
typedef struct emit_sb {
    char *p;
    size_t len, cap;
    bool oom;
} emit_sb;
void emit_sb_add(emit_sb *b, const char *s);
void emit_sb_addn(emit_sb *b, const char *s, size_t n);
void emit_sb_printf(emit_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (never NULL once anything was added; "" otherwise). Borrowed from b. */
const char *emit_sb_str(emit_sb *b);
void emit_sb_free(emit_sb *b);

/* "GetConversationsByIDs" -> "get_conversations_by_ids". Caller owns; release with free(). */
char *emit_snake(const char *name);
/* The singular of a table name, applied to its last '_'-separated word (see README).
 * Caller owns; release with free(). */
char *emit_singular(const char *name);
/* A C identifier made of name: non-alphanumerics become '_', a leading digit gets '_',
 * and C keywords get a trailing '_'. Caller owns; release with free(). */
char *emit_ident(const char *name);
/* ASCII uppercase copy. Caller owns; release with free(). */
char *emit_upper(const char *s);
/* Whether s is a C11 keyword or a name generated code reserves (e.g. "_mem"). */
bool emit_is_reserved(const char *s);
/* Escapes text for the inside of a C string literal: \" \\ \n \t, other control bytes as
 * 3-digit octal, "??" as "?\?" (no trigraphs); UTF-8 is kept. Appends to b. */
void emit_c_escape(emit_sb *b, const char *s, size_t n);
/* Splits s into lines and returns an array of {"text": escaped line + "\n" except the
 * last line, "last": bool}: the pieces of a concatenated string literal. Borrowed from a. */
tv *emit_c_string_lines(tv_arena *a, const char *s);
/* Makes s safe inside a C block comment: "*" "/" and "/" "*" pairs get a space, and so does
 * "??" before "/" (a trigraph that could splice lines). Appends to b. */
void emit_comment_escape(emit_sb *b, const char *s);
/* A block comment from lines ('\n'-separated text): "/" "* a\n * b *" "/". Caller owns. */
char *emit_block_comment(const char *lines, const char *indent);
/* Formats "ret name(arg, arg, ...)" as a prototype wrapped at 100 columns with continuation
 * lines aligned after '('; when that does not fit, the list breaks after '(' and continues 4
 * columns in. With def, the return type goes on its own line. Caller owns. */
char *emit_proto(const char *ret, const char *name, const char *const *args, size_t n_args,
                 bool def, const char *suffix);
/* An array initializer: head + items joined by ", " + tail on one line when that fits in 100
 * columns, else head, one item a line (4 columns in, each with its comma), and tail on a line of
 * its own. Caller owns; release with free(). */
char *emit_wrap_list(const char *head, const char *const *items, size_t n, const char *tail);

/* ---- emit_types.c ---- */

typedef enum emit_kind {
    EMIT_SCALAR,      /* value type; nullable form is pqg_null_<codec> */
    EMIT_POINTER,     /* const char *: NULL is SQL NULL */
    EMIT_VALUE_PTR,   /* pqg_bytes, pqg_vector, pqg_array_*: NULL data/items is SQL NULL */
    EMIT_ENUM,        /* generated enum; 0 is SQL NULL when nullable */
    EMIT_ENUM_ARRAY,  /* generated <enum>_array */
    EMIT_JANSSON,     /* json_t * via json_loads/json_dumps */
    EMIT_STRUCT       /* an embedded table struct (sqlc.embed) */
} emit_kind;

typedef struct emit_type {
    emit_kind kind;
    char c_type[160];    /* as declared in a struct or a parameter list */
    char codec[32];      /* runtime codec: "uuid", "text", "array_text", "enum", "jansson"... */
    char get[64];        /* getter (decoding), e.g. "pqg_get_null_uuid" */
    char arg[64];        /* binder, e.g. "pqg_arg_uuid" */
    char enum_c[128];    /* EMIT_ENUM / EMIT_ENUM_ARRAY: the enum's C type */
    int n_labels;
    uint32_t param_oid;  /* what the statement descriptor declares for a parameter */
    bool nullable;
} emit_type;

/* Maps a model type (column or parameter) to C. column_key is "table.column" or NULL (for
 * column overrides). where describes the use for diagnostics ("queries/x.sql:3: column
 * \"a\" of GetX"). Returns 0, or -1 after adding an error to d. */
struct emit_ctx;
int emit_map_type(struct emit_ctx *cx, const char *type, int array_dims, bool nullable,
                  uint32_t oid, const char *column_key, bool is_param, const char *where,
                  emit_type *out);
/* Validates cfg->overrides once (unknown codec, c_type not matching its codec). */
int emit_check_overrides(struct emit_ctx *cx);
/* Lines decoding column col into lvalue (e.g. "dst->id", or "*dst" for a pointer to the value
 * itself), appended to arr (an array of strings). track
 * prefixes each getter call ("bad |= ", to remember a failure; or ""). */
void emit_decode_lines(const emit_type *t, int col, const char *lvalue, const char *track,
                       tv *arr);
/* Where bind lines run: args is the pqg_args pointer expression ("&args" in a query function,
 * "args" in a batch or COPY adapter); in_ctx keeps temporaries in the adapter's context struct
 * ("ctx->name", declared by the temps lines) so they outlive the adapter call until the next
 * row or item (the runtime borrows bound values until then), and post also resets them. */
typedef struct emit_bind_mode {
    const char *args;
    bool in_ctx;
} emit_bind_mode;
/* Lines binding rvalue (e.g. "p->id"); temps/pre/post receive declarations (context members
 * when in_ctx, else locals), setup (which may set a local int rc to PQG_ENOMEM) and cleanup.
 * tmp is a unique C name for temporaries. */
void emit_bind_lines(const emit_type *t, const char *rvalue, const char *tmp,
                     const emit_bind_mode *mode, tv *temps, tv *pre, tv *bind, tv *post);
/* Expression converting lvalue to a new json_t * (json.c's helpers). Caller owns. */
char *emit_json_expr(const emit_type *t, const char *lvalue);

/* ---- emit_derive.c ---- */

/* Every generated global C name -> what made it, for clash checks: an open-addressing hash set
 * whose strings live in the run's arena. */
typedef struct emit_name_set {
    const char **names;
    const char **owners;
    size_t n, cap;
} emit_name_set;

typedef struct emit_ctx {
    const config *cfg;
    json_t *model;       /* borrowed */
    const emit_stream *io;         /* NULL: queries from model["queries"], files only returned */
    diag_list *d;
    const char *prefix;  /* "db" */
    char *upper_prefix;  /* "DB" */
    tv_arena *a;         /* the derived model and its strings */
    emit_name_set names;
    tv *enum_index, *domain_index; /* emit_types.c's catalog lookups, built on first use */
    tv *type_memo;                 /* emit_map_type's results: key -> index in memo_types */
    struct emit_type *memo_types;
    size_t n_memo, cap_memo;
    int errors;
} emit_ctx;

/* Sets up cx for one run over model (cx->a, names). Returns 0 or -1 (out of memory). */
int emit_ctx_init(emit_ctx *cx, json_t *model, const config *cfg, diag_list *d);
void emit_ctx_free(emit_ctx *cx);
/* Builds the derived model (the model is converted, not changed). Returns a value borrowed from
 * cx->a, or NULL after reporting errors to cx->d. */
tv *emit_derive(emit_ctx *cx);
/* Records a global C name; reports a clash with an earlier owner. */
void emit_claim(emit_ctx *cx, const char *c_name, const char *owner);
/* Adds an error (no source position) to cx->d and counts it. */
void emit_error(emit_ctx *cx, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Helpers shared by emit_derive.c and emit_query.c. emit_fmt: caller owns; release with free().
 * emit_afmt: borrowed from cx->a, valid for the run. */
char *emit_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
#define emit_afmt tv_sprintf
/* Sets o[key] to s, then frees s (NULL is stored as JSON null). */
void emit_set_own(tv *o, const char *key, char *s);
#define emit_set_str tv_set_str
/* o[key] as a string, "" when missing. Borrowed from o. */
const char *emit_str_of(json_t *o, const char *key);
const char *emit_sv(const tv *o, const char *key);
/* Sets "first" and "last" on each object of arr (separators in templates). */
void emit_mark_last(tv *arr);
/* "const char *name" / "int32_t name". Borrowed from a. */
char *emit_decl_of(tv_arena *a, const char *c_type, const char *name);
void emit_type_to_tv(const emit_type *t, tv *o);
/* A struct's fields from catalog or query columns (see emit_derive.c). */
tv *emit_derive_fields(emit_ctx *cx, json_t *columns, const char *table_key, const char *where,
                       tv *tables, int *n_cols);
/* Sets o["member_lines"]: the lines declaring a member (decl and its comment, the comment on a
 * line above when both do not fit in 100 columns). */
void emit_member_lines(tv *o, const char *decl, const char *comment);
/* The names every row struct has (free functions, rows type, JSON), claimed. */
void emit_struct_names(emit_ctx *cx, tv *o, const char *c_name, const char *base,
                       const char *owner);
/* The derived form of one model query (emit_query.c). by_key: catalog structs by table. */
tv *emit_derive_query(emit_ctx *cx, json_t *q, tv *by_key);

/* ---- emit_migrate.c ---- */

/* Reads cfg's schema paths into [{version, name, up_lines, down_lines|null, checksum, last}],
 * sorted by version. Returns a value borrowed from cx->a, or NULL after reporting to cx->d. */
tv *emit_migrations(emit_ctx *cx);

/* The whole file at path, NUL-terminated, or NULL (unreadable or out of memory).
 * Caller owns; release with free(). */
char *emit_read_text(const char *path);

/* ---- emit_diff.c ---- */

/* A whole file, NUL-terminated, its length in *len. Returns NULL (errno set) when it cannot be
 * read. Caller owns; release with free(). */
char *emit_read_all(const char *path, size_t *len);

#endif
