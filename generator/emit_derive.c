/*
 * emit_derive.c - the derived model: a copy of the model plus everything templates need (C
 * names, C types, getters and binders, decode/bind lines, prototypes, comments, separators),
 * so a template only formats. It is a template value tree (template.h) in one arena per run:
 * no reference counting or per-string malloc. Enums, table structs, query files and queries are
 * derived here; the type mapping is emit_types.c's, names emit_names.c's, migrations
 * emit_migrate.c's.
 */
#include "emit_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqg.h"


static const char *const kind_names[] = {"scalar",     "pointer", "value_ptr", "enum",
                                         "enum_array", "jansson", "struct"};

void
emit_error(emit_ctx *cx, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(cx->d, DIAG_ERROR, NULL, 0, hint, fmt, ap);
    va_end(ap);
    cx->errors++;
}

static size_t
name_hash(const char *s)
{
    size_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot of name in the set: where it is, or the empty slot where it would go. */
static size_t
name_slot(const emit_name_set *s, const char *name)
{
    size_t mask = s->cap - 1, i = name_hash(name) & mask;
    while (s->names[i] && strcmp(s->names[i], name) != 0)
        i = (i + 1) & mask;
    return i;
}

static int
names_grow(emit_name_set *s)
{
    emit_name_set g = {0};
    size_t i;
    g.cap = s->cap ? s->cap * 2 : 1024;
    g.names = calloc(g.cap, sizeof *g.names);
    g.owners = calloc(g.cap, sizeof *g.owners);
    if (!g.names || !g.owners) {
        free(g.names), free(g.owners);
        return -1;
    }
    for (i = 0; i < s->cap; i++)
        if (s->names[i]) {
            size_t k = name_slot(&g, s->names[i]);
            g.names[k] = s->names[i];
            g.owners[k] = s->owners[i];
        }
    g.n = s->n;
    free(s->names), free(s->owners);
    *s = g;
    return 0;
}

void
emit_claim(emit_ctx *cx, const char *c_name, const char *owner)
{
    emit_name_set *s = &cx->names;
    size_t k;
    if ((s->n + 1) * 2 > s->cap && names_grow(s) != 0) {
        emit_error(cx, NULL, "out of memory");
        return;
    }
    k = name_slot(s, c_name);
    if (s->names[k]) {
        emit_error(cx, "rename one of them (or its table, enum or query)",
                   "name clash in C: %s is generated for both %s and %s", c_name, s->owners[k],
                   owner);
        return;
    }
    s->names[k] = tv_strdup(cx->a, c_name);
    s->owners[k] = tv_strdup(cx->a, owner);
    s->n++;
}

int
emit_ctx_init(emit_ctx *cx, json_t *model, const config *cfg, diag_list *d)
{
    memset(cx, 0, sizeof *cx);
    cx->cfg = cfg;
    cx->model = model;
    cx->d = d;
    cx->prefix = cfg->prefix ? cfg->prefix : "db";
    cx->upper_prefix = emit_upper(cx->prefix);
    cx->a = tv_arena_new();
    return cx->upper_prefix && cx->a ? 0 : -1;
}

void
emit_ctx_free(emit_ctx *cx)
{
    free(cx->upper_prefix);
    free(cx->names.names);
    free(cx->names.owners);
    free(cx->memo_types);
    tv_arena_free(cx->a);
    memset(cx, 0, sizeof *cx);
}

char *
emit_fmt(const char *f, ...)
{
    char small[256], *s;
    va_list ap;
    int n;

    /* One pass for the usual short result. */
    va_start(ap, f);
    n = tv_vformat(small, sizeof small, f, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    if ((size_t)n < sizeof small) {
        memcpy(s, small, (size_t)n + 1);
        return s;
    }
    va_start(ap, f);
    tv_vformat(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* Sets key to a string that the caller allocated (NULL is stored as JSON null). */
void
emit_set_own(tv *o, const char *key, char *s)
{
    tv_set_str(o, key, s);
    free(s);
}

const char *
emit_str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

const char *
emit_sv(const tv *o, const char *key)
{
    const char *s = tv_sval(tv_get(o, key));
    return s ? s : "";
}

/* Marks the last element of each array (for separators in templates). */
void
emit_mark_last(tv *arr)
{
    size_t i, n = tv_len(arr);
    for (i = 0; i < n; i++) {
        tv *e = tv_at(arr, i);
        if (tv_kind_of(e) == TV_OBJ) {
            tv_set_bool(e, "last", i + 1 == n);
            tv_set_bool(e, "first", i == 0);
        }
    }
}

char *
emit_decl_of(tv_arena *a, const char *c_type, const char *name)
{
    size_t n = strlen(c_type);
    return tv_sprintf(a, "%s%s%s", c_type, n && c_type[n - 1] == '*' ? "" : " ", name);
}

/* ---- types as JSON (fields keep their emit_type so nested decoders can be made again) ---- */

void
emit_type_to_tv(const emit_type *t, tv *o)
{
    tv_set_str(o, "c_type", t->c_type);
    tv_set_str(o, "codec", t->codec);
    tv_set_str(o, "getter", t->get);
    tv_set_str(o, "binder", t->arg);
    tv_set_str(o, "kind", kind_names[t->kind]);
    tv_set_str(o, "enum_c", t->enum_c[0] ? t->enum_c : NULL);
    tv_set_int(o, "n_labels", t->n_labels);
    tv_set_int(o, "param_oid", t->param_oid);
    tv_set_bool(o, "is_jansson", t->kind == EMIT_JANSSON);
}

static void
type_from_tv(tv *o, emit_type *t)
{
    size_t i;
    memset(t, 0, sizeof *t);
    for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strcmp(emit_sv(o, "kind"), kind_names[i]) == 0)
            t->kind = (emit_kind)i;
    tv_format(t->c_type, sizeof t->c_type, "%s", emit_sv(o, "c_type"));
    tv_format(t->codec, sizeof t->codec, "%s", emit_sv(o, "codec"));
    tv_format(t->get, sizeof t->get, "%s", emit_sv(o, "getter"));
    tv_format(t->arg, sizeof t->arg, "%s", emit_sv(o, "binder"));
    tv_format(t->enum_c, sizeof t->enum_c, "%s", emit_sv(o, "enum_c"));
    t->n_labels = (int)tv_ival(tv_get(o, "n_labels"));
    t->nullable = tv_is_true(tv_get(o, "nullable"));
}

/* ---- enums ---- */

static tv *
derive_enums(emit_ctx *cx)
{
    tv *out = tv_arr(cx->a);
    json_t *en;
    size_t i;

    json_array_foreach (json_object_get(json_object_get(cx->model, "catalog"), "enums"), i, en) {
        tv *o = tv_from_json(cx->a, en), *vals = tv_arr(cx->a);
        json_t *v;
        const char *schema = emit_str_of(en, "schema");
        char *id = emit_ident(emit_str_of(en, "name"));
        char *c_name = strcmp(schema, "public") && *schema
                           ? emit_fmt("%s_%s_%s", cx->prefix, schema, id)
                           : emit_fmt("%s_%s", cx->prefix, id);
        char *upper = emit_upper(c_name);
        size_t j;

        json_array_foreach (json_object_get(en, "values"), j, v) {
            emit_sb lit = {0};
            char *lid = emit_ident(json_string_value(v));
            char *luc = lid ? emit_upper(lid) : NULL;
            char *macro = emit_fmt("%s_%s", upper, luc ? luc : "");
            size_t k;
            tv *vo;
            /* Labels that differ only in punctuation ("a-b", "a_b") would collide. */
            for (k = 0; k < j; k++)
                if (strcmp(emit_sv(tv_at(vals, k), "macro"), macro) == 0) {
                    free(macro);
                    macro = emit_fmt("%s_%s_%zu", upper, luc ? luc : "", j + 1);
                    break;
                }
            emit_c_escape(&lit, json_string_value(v), strlen(json_string_value(v)));
            vo = tv_obj_sized(cx->a, 6);
            tv_set(vo, "label", tv_from_json(cx->a, v));
            tv_set_str(vo, "label_c", emit_sb_str(&lit));
            tv_set_str(vo, "macro", macro);
            tv_set_int(vo, "value", (long long)(j + 1));
            tv_push(vals, vo);
            emit_claim(cx, macro, "an enum label");
            emit_sb_free(&lit);
            free(lid), free(luc), free(macro);
        }
        emit_mark_last(vals);
        tv_set(o, "values", vals);
        tv_set_str(o, "c_name", c_name);
        tv_set_str(o, "upper", upper);
        tv_set_fmt(o, "to_string", "%s_to_string", c_name);
        tv_set_fmt(o, "from_string", "%s_from_string", c_name);
        tv_set_fmt(o, "labels", "%s_labels", c_name);
        tv_set_fmt(o, "array", "%s_array", c_name);
        tv_set_int(o, "n_values", (long long)tv_len(vals));
        tv_set_fmt(o, "comment",
                   "/* Enum %s%s%s. Values start at 1: 0 is never a label (a NULL "
                   "nullable enum). */",
                   strcmp(schema, "public") ? schema : "", strcmp(schema, "public") ? "." : "",
                   emit_str_of(en, "name"));
        {
            char *owner = emit_fmt("enum %s", emit_str_of(en, "name"));
            const char *suffix[] = {"", "_array", "_labels", "_to_string", "_from_string"};
            size_t k;
            for (k = 0; k < 5; k++) {
                char *n = emit_fmt("%s%s", c_name, suffix[k]);
                emit_claim(cx, n, owner);
                free(n);
            }
            free(owner);
        }
        tv_push(out, o);
        free(id), free(c_name), free(upper);
    }
    emit_mark_last(out);
    return out;
}

/* ---- struct fields ---- */

/* "bad |= json_object_set_new(o, \"name\", expr);", wrapped, for json.c. */
static void
set_json_set(tv_arena *a, tv *f)
{
    char *key = tv_sprintf(a, "\"%s\"", emit_sv(f, "name_c"));
    const char *args[3] = {"o", key, emit_sv(f, "json_expr")};
    emit_set_own(f, "json_set",
                 emit_proto("    bad |=", "json_object_set_new", args, 3, false, ";"));
}

/* Whether fields (through embedded structs) hold a json_t *: then decoders track getter
 * failures, so that a failing row releases the JSON values it had already parsed. */
static bool
fields_have_jansson(tv *fields)
{
    tv *f;
    size_t i;
    tv_foreach (fields, i, f) {
        if (tv_is_true(tv_get(f, "is_jansson")))
            return true;
        if (tv_get(f, "struct_fields") && fields_have_jansson(tv_get(f, "struct_fields")))
            return true;
    }
    return false;
}

/* The member lines of a struct field or parameter: "decl; comment", or the comment on a line of
 * its own above when both do not fit in 100 columns at a 4-column indent. */
void
emit_member_lines(tv *o, const char *decl, const char *comment)
{
    tv *lines = tv_arr(tv_arena_of(o));
    const char *c = comment ? comment : "";
    while (*c == ' ')
        c++;
    if (*c && 4 + strlen(decl) + 2 + strlen(c) > 100) {
        tv_push_str(lines, c);
        tv_push_fmt(lines, "%s;", decl);
    } else {
        tv_push_fmt(lines, "%s;%s%s", decl, *c ? " " : "", c);
    }
    tv_set(o, "member_lines", lines);
}

/* Decode lines of field f (a column, or an embedded struct's run of columns) into dst->. ft: the
 * column's type, or NULL to read it back from f. */
static void
field_decode(tv_arena *a, tv *f, const emit_type *ft, const char *track, tv *dec)
{
    int col = (int)tv_ival(tv_get(f, "col"));
    tv *sub = tv_get(f, "struct_fields");
    emit_type t;
    char lv[512];

    if (!sub) {
        if (!ft) {
            type_from_tv(f, &t);
            ft = &t;
        }
        tv_format(lv, sizeof lv, "dst->%s", emit_sv(f, "c_name"));
        emit_decode_lines(ft, col, lv, track, dec);
        return;
    }
    {
        bool optional = tv_is_true(tv_get(f, "optional"));
        tv *inner = tv_arr(a), *tf, *line;
        size_t k;
        tv_foreach (sub, k, tf) {
            type_from_tv(tf, &t);
            tv_format(lv, sizeof lv, "dst->%s.%s", emit_sv(f, "c_name"), emit_sv(tf, "c_name"));
            emit_decode_lines(&t, col + (int)k, lv, track, inner);
        }
        if (optional) {
            /* The embedded row of an outer join that matched nothing: all its columns are NULL,
             * which its non-null getters would refuse. */
            tv_push_fmt(dec, "%s = !pqg_row_all_null(r, %d, %zu);", emit_sv(f, "valid_lv"), col,
                        tv_len(sub));
            tv_push_fmt(dec, "if (%s) {", emit_sv(f, "valid_lv"));
            tv_foreach (inner, k, line)
                tv_push_fmt(dec, "    %s", tv_sval(line));
            tv_push_str(dec, "}");
        } else {
            tv_extend(dec, inner);
        }
    }
}

/* A struct's fields from columns. Columns of a catalog table have "not_null"; query columns
 * have "nullable". table_key is the catalog table (for column overrides), or NULL to use each
 * column's own "table". Returns the fields array; errors go to cx. */
tv *
emit_derive_fields(emit_ctx *cx, json_t *columns, const char *table_key, const char *where,
                   tv *tables, int *n_cols)
{
    tv_arena *a = cx->a;
    tv *fields = tv_arr(a), *fo;
    tv *seen = tv_obj(a);
    json_t *col;
    size_t i, n = json_array_size(columns);
    const char *track;
    /* The type of each field made from one column (NULL for embedded structs), by position. */
    const emit_type **types = n ? tv_alloc(a, n * sizeof *types) : NULL;

    *n_cols = 0;
    for (i = 0; i < n; i++) {
        const char *embed;
        const char *name, *type, *tk;
        bool nullable;
        char *ident, *key, *what;
        emit_type t;
        tv *f;

        col = json_array_get(columns, i);
        embed = json_string_value(json_object_get(col, "embed"));
        if (embed && tables) {
            /* sqlc.embed(t): a nested table struct when the run of columns is exactly t's. On
             * the nullable side of an outer join every column is nullable: the struct is then
             * optional, with a bool <name>_valid beside it. */
            const char *etable = json_string_value(json_object_get(col, "table"));
            tv *tbl = etable ? tv_get(tables, etable) : NULL;
            /* "embed" is what sqlc.embed() named: an alias or the table; "table" the table. */
            if (!tbl)
                tbl = tv_get(tables, embed);
            tv *tcols = tv_get(tbl, "fields");
            size_t k, m = tv_len(tcols);
            bool ok = tbl && m > 0 && i + m <= n, same = true, all_null = true;
            for (k = 0; ok && k < m; k++) {
                json_t *qc = json_array_get(columns, i + k);
                tv *tf = tv_at(tcols, k);
                bool qn = json_is_true(json_object_get(qc, "nullable"));
                ok = json_equal(json_object_get(qc, "embed"), json_object_get(col, "embed")) &&
                     json_equal(json_object_get(qc, "table"), json_object_get(col, "table")) &&
                     strcmp(emit_str_of(qc, "name"), emit_sv(tf, "name")) == 0;
                same = same && qn == tv_is_true(tv_get(tf, "nullable"));
                all_null = all_null && qn;
            }
            if (ok && (same || all_null)) {
                tv *sf = tv_obj_sized(a, 20);
                char *fname = emit_ident(emit_sv(tbl, "singular"));
                bool optional = !same;
                char *vname = emit_fmt("%s_valid", fname);
                tv_set_str(sf, "name", embed);
                tv_set_str(sf, "name_c", fname);
                tv_set_str(sf, "c_name", fname);
                tv_set_str(sf, "c_type", emit_sv(tbl, "c_name"));
                tv_set_str(sf, "kind", "struct");
                tv_set_str(sf, "decl", emit_decl_of(a, emit_sv(tbl, "c_name"), fname));
                tv_set_int(sf, "col", (long long)i);
                tv_set_bool(sf, "optional", optional);
                tv_set_bool(sf, "nullable", optional);
                tv_set_bool(sf, "is_jansson", 0);
                if (optional) {
                    char *c1 = emit_fmt("/* meaningful only when %s */", vname);
                    tv_set_str(sf, "valid_name", vname);
                    tv_set_fmt(sf, "valid_lv", "dst->%s", vname);
                    tv_set_fmt(sf, "nullable_comment", " %s", c1);
                    emit_member_lines(sf, emit_sv(sf, "decl"), c1);
                    tv_push_fmt(tv_get(sf, "member_lines"),
                                "bool %s; /* false: the outer join matched no %s row */", vname,
                                emit_sv(tbl, "name"));
                    tv_set_fmt(sf, "json_expr", "v->%s ? %s_to_json(&v->%s) : json_null()", vname,
                               emit_sv(tbl, "c_name"), fname);
                    tv_set(seen, vname, tv_bool(1));
                    free(c1);
                } else {
                    tv_set_str(sf, "valid_name", NULL);
                    tv_set_str(sf, "nullable_comment", "");
                    emit_member_lines(sf, emit_sv(sf, "decl"), NULL);
                    tv_set_fmt(sf, "json_expr", "%s_to_json(&v->%s)", emit_sv(tbl, "c_name"),
                               fname);
                }
                set_json_set(a, sf);
                if (types)
                    types[tv_len(fields)] = NULL;
                tv_set(sf, "struct_fields", tcols);
                tv_set(seen, fname, tv_bool(1));
                tv_push(fields, sf);
                free(fname), free(vname);
                i += m - 1;
                continue;
            }
        }
        name = emit_str_of(col, "name");
        type = emit_str_of(col, "type");
        nullable = json_object_get(col, "not_null")
                       ? !json_is_true(json_object_get(col, "not_null"))
                       : json_is_true(json_object_get(col, "nullable"));
        tk = table_key ? table_key : json_string_value(json_object_get(col, "table"));
        key = tk ? emit_fmt("%s.%s", tk, name) : NULL;
        what = emit_fmt("%s: column \"%s\"", where, name);
        if (emit_map_type(cx, type, (int)json_integer_value(json_object_get(col, "array_dims")),
                          nullable, (uint32_t)json_integer_value(json_object_get(col, "oid")), key,
                          false, what, &t) != 0) {
            free(key), free(what);
            continue;
        }
        ident = emit_ident(*name ? name : "column");
        if (tv_get(seen, ident)) {
            /* Duplicate result names (two "id"s from a join) become id_2, id_3... */
            int k;
            for (k = 2;; k++) {
                char *alt = emit_fmt("%s_%d", ident, k);
                if (!tv_get(seen, alt)) {
                    free(ident);
                    ident = alt;
                    break;
                }
                free(alt);
            }
        }
        tv_set(seen, ident, tv_bool(1));
        f = tv_obj_sized(a, 24);
        tv_set_str(f, "name", name);
        {
            emit_sb lit = {0};
            emit_c_escape(&lit, name, strlen(name));
            tv_set_str(f, "name_c", emit_sb_str(&lit));
            emit_sb_free(&lit);
        }
        tv_set_str(f, "type", type);
        tv_set(f, "array_dims", tv_from_json(a, json_object_get(col, "array_dims")));
        tv_set_bool(f, "nullable", nullable);
        tv_set_int(f, "col", (long long)i);
        tv_set_str(f, "c_name", ident);
        emit_type_to_tv(&t, f);
        {
            const char *decl = emit_decl_of(a, t.c_type, ident);
            char lv[512];
            tv_set_str(f, "decl", decl);
            tv_set_str(f, "nullable_comment", nullable ? " /* nullable */" : "");
            emit_member_lines(f, decl, nullable ? "/* nullable */" : NULL);
            tv_format(lv, sizeof lv, "v->%s", ident);
            emit_set_own(f, "json_expr", emit_json_expr(&t, lv));
        }
        set_json_set(a, f);
        if (types) {
            emit_type *kept = tv_alloc(a, sizeof *kept);
            if (kept)
                *kept = t;
            types[tv_len(fields)] = kept;
        }
        tv_push(fields, f);
        free(ident), free(key), free(what);
    }
    *n_cols = (int)n;
    /* Decode lines last: whether getters are tracked depends on every field. */
    track = fields_have_jansson(fields) ? "bad |= " : "";
    tv_foreach (fields, i, fo) {
        tv *dec = tv_arr(a);
        field_decode(a, fo, types ? types[i] : NULL, track, dec);
        tv_set(fo, "decode", dec);
    }
    emit_mark_last(fields);
    return fields;
}

/* json_decref lines for every json_t * member of a struct, through embedded structs. */
static void
release_lines(tv *fields, const char *path, tv *out)
{
    tv *f;
    size_t i;
    tv_foreach (fields, i, f) {
        if (tv_is_true(tv_get(f, "is_jansson"))) {
            tv_push_fmt(out, "json_decref(%s%s);", path, emit_sv(f, "c_name"));
        } else if (tv_get(f, "struct_fields")) {
            char *sub = emit_fmt("%s%s.", path, emit_sv(f, "c_name"));
            release_lines(tv_get(f, "struct_fields"), sub, out);
            free(sub);
        }
    }
}

/* Adds the names every row struct has (free functions, rows type, json) to o. */
void
emit_struct_names(emit_ctx *cx, tv *o, const char *c_name, const char *base, const char *owner)
{
    tv_arena *a = cx->a;
    tv *rel = tv_arr(a), *rel_row = tv_arr(a);
    char *free_fn = tv_sprintf(a, "%s_free", c_name), *rows = tv_sprintf(a, "%s_rows", base);
    char *rows_free = tv_sprintf(a, "%s_rows_free", base);
    char *to_json = tv_sprintf(a, "%s_to_json", c_name);
    char *rows_json = tv_sprintf(a, "%s_rows_to_json", base);

    tv_set_str(o, "c_name", c_name);
    /* Whether the _rows type is emitted: set when a :many query returns the struct. Its names
     * are claimed either way, so adding such a query never makes a clash appear elsewhere. */
    if (!tv_get(o, "has_rows"))
        tv_set_bool(o, "has_rows", 0);
    /* A :batchone/:batchmany row is only ever borrowed: emit_derive_query clears it. */
    tv_set_bool(o, "has_free", 1);
    tv_set_str(o, "free_fn", free_fn);
    tv_set_str(o, "rows_name", rows);
    tv_set_str(o, "rows_free_fn", rows_free);
    tv_set_str(o, "to_json_fn", to_json);
    tv_set_str(o, "rows_to_json_fn", rows_json);
    {
        /* Prototypes, wrapped: long query names make long type names. */
        char *a1 = tv_sprintf(a, "%s *v", c_name), *a2 = tv_sprintf(a, "%s_rows *r", base);
        char *a3 = tv_sprintf(a, "const %s *v", c_name);
        char *a4 = tv_sprintf(a, "const %s_rows *r", base);
        const char *args[4] = {a1, a2, a3, a4};
        emit_set_own(o, "free_proto", emit_proto("void", free_fn, &args[0], 1, false, ";"));
        emit_set_own(o, "free_def", emit_proto("void", free_fn, &args[0], 1, true, ""));
        emit_set_own(o, "rows_free_proto", emit_proto("void", rows_free, &args[1], 1, false, ";"));
        emit_set_own(o, "rows_free_def", emit_proto("void", rows_free, &args[1], 1, true, ""));
        emit_set_own(o, "to_json_proto", emit_proto("json_t *", to_json, &args[2], 1, false, ";"));
        emit_set_own(o, "to_json_def", emit_proto("json_t *", to_json, &args[2], 1, true, ""));
        emit_set_own(o, "rows_to_json_proto",
                     emit_proto("json_t *", rows_json, &args[3], 1, false, ";"));
        emit_set_own(o, "rows_to_json_def",
                     emit_proto("json_t *", rows_json, &args[3], 1, true, ""));
    }
    release_lines(tv_get(o, "fields"), "v->", rel);
    release_lines(tv_get(o, "fields"), "row->", rel_row);
    {
        /* A decoder that failed midway releases what it parsed (see emit_derive_fields):
         * "json_decref(dst->x);" then "dst->x = NULL;". */
        tv *rel_dst = tv_arr(a), *lines = tv_arr(a), *e;
        size_t i;
        release_lines(tv_get(o, "fields"), "dst->", rel_dst);
        tv_foreach (rel_dst, i, e) {
            const char *l = tv_sval(e);
            tv_push(lines, e);
            tv_push_fmt(lines, "%.*s = NULL;", (int)(strlen(l) - 14), l + 12);
        }
        tv_set(o, "release_dst", lines);
    }
    tv_set_bool(o, "has_jansson", tv_len(rel) > 0);
    tv_set(o, "release", rel);
    tv_set(o, "release_row", rel_row);
    if (tv_len(rel) > 0) {
        /* The runtime's hook (pqg_stmt.release_row) for decoded rows it drops. */
        char *fn = tv_sprintf(a, "%s_release_json", c_name);
        const char *arg[1] = {"void *row"};
        tv_set_str(o, "release_json_fn", fn);
        emit_set_own(o, "release_json_proto", emit_proto("void", fn, arg, 1, false, ";"));
        emit_claim(cx, fn, owner);
    }
    emit_claim(cx, c_name, owner);
    emit_claim(cx, rows, owner);
    emit_claim(cx, free_fn, owner);
    emit_claim(cx, rows_free, owner);
    emit_claim(cx, to_json, owner);
}

/* "table", or "schema.table" outside public: how overrides and by_key name a table. Caller
 * owns; release with free(). */
static char *
table_key(json_t *t)
{
    const char *schema = emit_str_of(t, "schema");
    if (*schema && strcmp(schema, "public") != 0)
        return emit_fmt("%s.%s", schema, emit_str_of(t, "name"));
    return strdup(emit_str_of(t, "name"));
}

/* One struct per table and view (partitions share their parent's). by_key: key -> struct. */
static tv *
derive_models(emit_ctx *cx, tv *by_key)
{
    tv_arena *a = cx->a;
    tv *out = tv_arr(a);
    json_t *t;
    size_t i;

    json_array_foreach (json_object_get(json_object_get(cx->model, "catalog"), "tables"), i, t) {
        tv *o, *fields;
        const char *parent = json_string_value(json_object_get(t, "partition_of"));
        const char *schema = emit_str_of(t, "schema");
        const char *kind = emit_str_of(t, "kind");
        char *key = table_key(t), *sing, *id, *c_name, *where, *owner;
        int n_cols;

        if (parent) {
            tv *p = tv_get(by_key, parent);
            if (p)
                tv_set(by_key, key, p);
            free(key);
            continue;
        }
        sing = emit_singular(emit_str_of(t, "name"));
        id = emit_ident(sing);
        c_name = *schema && strcmp(schema, "public") ? emit_fmt("%s_%s_%s", cx->prefix, schema, id)
                                                     : emit_fmt("%s_%s", cx->prefix, id);
        where = emit_fmt("%s %s", strcmp(kind, "table") ? "view" : "table", key);
        fields = emit_derive_fields(cx, json_object_get(t, "columns"), key, where, NULL, &n_cols);
        o = tv_obj_sized(a, 40);
        tv_set_str(o, "schema", schema);
        tv_set_str(o, "name", emit_str_of(t, "name"));
        tv_set_str(o, "kind", kind);
        tv_set_str(o, "singular", sing);
        tv_set(o, "fields", fields);
        tv_set_bool(o, "is_table", 1);
        owner = emit_fmt("%s %s", strcmp(kind, "table") == 0 ? "table" : "view", key);
        emit_struct_names(cx, o, c_name, c_name, owner);
        {
            /* One shared decoder in models.c, emitted when a query returns the struct
             * (emit_derive_query sets has_decode); the name is reserved either way. */
            char *dec = tv_sprintf(a, "%s_decode", c_name);
            const char *arg[2] = {"pqg_row *r", "void *out"};
            tv_set_str(o, "decode_fn", dec);
            emit_set_own(o, "decode_proto", emit_proto("void", dec, arg, 2, false, ";"));
            char *com = emit_fmt("Decodes a row whose columns are those of %s, in order, into "
                                 "*out (a %s).", key, c_name);
            emit_set_own(o, "decode_comment", emit_block_comment(com, ""));
            free(com);
            tv_set_bool(o, "has_decode", 0);
            emit_claim(cx, dec, owner);
        }
        tv_set_fmt(o, "comment", "/* A row of %s %s. */",
                   strcmp(kind, "table") == 0  ? "table"
                   : strcmp(kind, "view") == 0 ? "view"
                                               : "materialized view",
                   key);
        tv_set(by_key, key, o);
        tv_push(out, o);
        free(key), free(sing), free(id), free(c_name), free(where), free(owner);
    }
    emit_mark_last(out);
    return out;
}

/* Whether the queries.c template's code for dq calls memset: a query-defined row's _free
 * functions, emptying *out before checking a params struct, and the bulk adapters' contexts. */
static bool
query_uses_memset(tv *dq)
{
    tv *row = tv_get(dq, "row");
    bool own_row = tv_kind_of(row) == TV_OBJ && !tv_is_true(tv_get(row, "is_table"));

    if (tv_is_true(tv_get(dq, "is_bulk")))
        return true;
    if (own_row && (tv_is_true(tv_get(row, "has_free")) || tv_is_true(tv_get(row, "has_rows"))))
        return true;
    return tv_is_true(tv_get(dq, "has_params_struct")) &&
           (tv_is_true(tv_get(dq, "is_one")) || tv_is_true(tv_get(dq, "is_many")));
}

/* "queries/conversations.sql" -> "conversations". Caller owns. */
static char *
file_base(const char *path)
{
    const char *s = strrchr(path, '/');
    const char *b = s ? s + 1 : path;
    const char *dot = strrchr(b, '.');
    char *raw = strndup(b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
    char *id = raw ? emit_ident(raw) : NULL;
    free(raw);
    return id;
}

/* Query i of the model, or NULL after the last (taken from cx->io in order, when it says). */
static json_t *
next_query(emit_ctx *cx, size_t i)
{
    if (cx->io && cx->io->next_query)
        return cx->io->next_query(cx->io->next_query_data);
    return json_array_get(json_object_get(cx->model, "queries"), i);
}

/* The root: the model's members (its queries are replaced by the derived ones, in place). */
static tv *
derive_root(emit_ctx *cx)
{
    tv *root = tv_obj(cx->a);
    const char *k;
    json_t *v;
    json_object_foreach (cx->model, k, v)
        tv_set(root, k, strcmp(k, "queries") == 0 ? tv_null() : tv_from_json(cx->a, v));
    return root;
}

tv *
emit_derive(emit_ctx *cx)
{
    tv_arena *a = cx->a;
    tv *root = derive_root(cx), *by_key = tv_obj(a), *files = tv_arr(a);
    tv *queries = tv_arr(a), *rows = tv_arr(a), *all = tv_arr(a), *f, *migs, *options;
    /* path -> file object; files are few, but keep the lookup off the per-query path cost. */
    tv *file_index = tv_obj(a);
    json_t *q;
    const char *cfg_name;
    emit_sb src = {0};
    bool jansson = false, has_decoders = false;
    size_t i;

    cfg_name = strrchr(cx->cfg->path ? cx->cfg->path : "pqgen.json", '/');
    cfg_name = cfg_name ? cfg_name + 1 : (cx->cfg->path ? cx->cfg->path : "pqgen.json");
    tv_set_str(root, "version", PQG_VERSION);
    tv_set_str(root, "prefix", cx->prefix);
    tv_set_str(root, "PREFIX", cx->upper_prefix);
    tv_set_fmt(root, "umbrella", "%s.h", cx->prefix);
    tv_set_fmt(root, "umbrella_guard", "%s_H", cx->upper_prefix);
    tv_set_str(root, "config_name", cfg_name);
    for (i = 0; i < cx->cfg->n_schema; i++)
        emit_sb_printf(&src, "%s%s", i ? ", " : "", cx->cfg->schema[i]);
    tv_set_str(root, "schema_sources", emit_sb_str(&src));
    emit_sb_free(&src);
    options = tv_obj(a);
    tv_set_bool(options, "interface", cx->cfg->emit_interface);
    tv_set_bool(options, "json", cx->cfg->emit_json);
    tv_set(root, "options", options);
    {
        char *n = emit_afmt(a, "%s_migrations", cx->prefix);
        emit_claim(cx, n, "the migrations");
        n = emit_afmt(a, "%s_querier", cx->prefix);
        emit_claim(cx, n, "the querier interface");
        n = emit_afmt(a, "%s_querier_default", cx->prefix);
        emit_claim(cx, n, "the querier interface");
    }

    emit_check_overrides(cx);
    tv_set(root, "enums", derive_enums(cx));
    tv_set(root, "models", derive_models(cx, by_key));

    for (i = 0; (q = next_query(cx, i)) != NULL; i++) {
        tv *dq = emit_derive_query(cx, q, by_key);
        const char *path = emit_str_of(q, "file");
        tv *row = tv_get(dq, "row");

        f = tv_get(file_index, path);
        if (!f) {
            char *base = file_base(path), *upper = base ? emit_upper(base) : NULL;
            f = tv_obj(a);
            tv_set_str(f, "path", path);
            tv_set_str(f, "base", base);
            tv_set_fmt(f, "header", "%s.h", base ? base : "(null)");
            tv_set_fmt(f, "source", "%s.c", base ? base : "(null)");
            tv_set_fmt(f, "guard", "%s_%s_H", cx->upper_prefix, upper ? upper : "(null)");
            tv_set(f, "queries", tv_arr(a));
            tv_set_bool(f, "overlength", 0);
            tv_set_bool(f, "uses_stdlib", 0);
            tv_set_bool(f, "uses_string", 0);
            tv_set(file_index, path, f);
            tv_push(files, f);
            free(base), free(upper);
        }
        tv_push(tv_get(f, "queries"), dq);
        if (tv_is_true(tv_get(dq, "overlength")))
            tv_set_bool(f, "overlength", 1);
        /* The .c file includes only the headers its code uses: free() of serialized JSON
         * parameters, and memset. */
        if (tv_len(tv_get(dq, "post")) > 0)
            tv_set_bool(f, "uses_stdlib", 1);
        if (query_uses_memset(dq))
            tv_set_bool(f, "uses_string", 1);
        if (tv_kind_of(row) == TV_OBJ && !tv_is_true(tv_get(row, "is_table"))) {
            tv_push(rows, row);
            if (tv_is_true(tv_get(row, "has_jansson")))
                jansson = true;
        }
        if (tv_len(tv_get(dq, "pre")) > 0) {
            tv *pa;
            size_t k;
            tv_foreach (tv_get(dq, "params"), k, pa)
                if (tv_is_true(tv_get(pa, "is_jansson")))
                    jansson = true;
        }
        tv_push(queries, dq);
    }
    tv_foreach (files, i, f)
        emit_mark_last(tv_get(f, "queries"));
    emit_mark_last(files);
    emit_mark_last(queries);
    emit_mark_last(rows);
    tv_set(root, "queries", queries);
    tv_set(root, "query_files", files);
    tv_set(root, "row_structs", rows);
    tv_extend(all, tv_get(root, "models"));
    tv_extend(all, rows);
    tv_set(root, "json_structs", all);
    tv_foreach (tv_get(root, "models"), i, f) {
        if (tv_is_true(tv_get(f, "has_jansson")))
            jansson = true;
        if (tv_is_true(tv_get(f, "has_decode")))
            has_decoders = true;
    }
    tv_set_bool(root, "has_decoders", has_decoders);
    tv_set_bool(root, "uses_jansson", jansson);

    migs = emit_migrations(cx);
    tv_set(root, "migrations", migs ? migs : tv_arr(a));
    tv_set_bool(root, "has_migrations", tv_len(migs) > 0);
    if (tv_arena_oom(a))
        emit_error(cx, NULL, "out of memory");
    if (cx->errors > 0)
        return NULL;
    return root;
}
