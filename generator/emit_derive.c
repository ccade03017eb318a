/*
 * emit_derive.c - the derived model: a copy of the model plus everything templates need (C
 * names, C types, getters and binders, decode/bind lines, prototypes, comments, separators),
 * so a template only formats. Enums, table structs, query files and queries are derived here;
 * the type mapping is emit_types.c's, names are emit_names.c's, migrations emit_migrate.c's.
 */
#include "emit_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqg.h"

#define BOX(s) json_string(s)

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

void
emit_claim(emit_ctx *cx, const char *c_name, const char *owner)
{
    json_t *prev = json_object_get(cx->names, c_name);
    if (prev) {
        emit_error(cx, "rename one of them (or its table, enum or query)",
                   "name clash in C: %s is generated for both %s and %s", c_name,
                   json_string_value(prev), owner);
        return;
    }
    json_object_set_new(cx->names, c_name, BOX(owner));
}

char *
emit_fmt(const char *f, ...)
{
    char *s;
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* Sets key to a string that the caller allocated (NULL is stored as JSON null). */
void
emit_set_own(json_t *o, const char *key, char *s)
{
    json_object_set_new(o, key, s ? json_string(s) : json_null());
    free(s);
}

void
emit_set_str(json_t *o, const char *key, const char *s)
{
    json_object_set_new(o, key, s ? json_string(s) : json_null());
}

const char *
emit_str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Marks the last element of each array (for separators in templates). */
void
emit_mark_last(json_t *arr)
{
    size_t i, n = json_array_size(arr);
    for (i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        if (json_is_object(e)) {
            json_object_set_new(e, "last", json_boolean(i + 1 == n));
            json_object_set_new(e, "first", json_boolean(i == 0));
        }
    }
}

char *
emit_decl_of(const char *c_type, const char *name)
{
    size_t n = strlen(c_type);
    return emit_fmt("%s%s%s", c_type, n && c_type[n - 1] == '*' ? "" : " ", name);
}

/* ---- types as JSON (fields keep their emit_type so nested decoders can be made again) ---- */

void
emit_type_to_json(const emit_type *t, json_t *o)
{
    emit_set_str(o, "c_type", t->c_type);
    emit_set_str(o, "codec", t->codec);
    emit_set_str(o, "getter", t->get);
    emit_set_str(o, "binder", t->arg);
    emit_set_str(o, "kind", kind_names[t->kind]);
    emit_set_str(o, "enum_c", t->enum_c[0] ? t->enum_c : NULL);
    json_object_set_new(o, "n_labels", json_integer(t->n_labels));
    json_object_set_new(o, "param_oid", json_integer(t->param_oid));
    json_object_set_new(o, "is_jansson", json_boolean(t->kind == EMIT_JANSSON));
}

static void
type_from_json(json_t *o, emit_type *t)
{
    size_t i;
    memset(t, 0, sizeof *t);
    for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strcmp(emit_str_of(o, "kind"), kind_names[i]) == 0)
            t->kind = (emit_kind)i;
    snprintf(t->c_type, sizeof t->c_type, "%s", emit_str_of(o, "c_type"));
    snprintf(t->codec, sizeof t->codec, "%s", emit_str_of(o, "codec"));
    snprintf(t->get, sizeof t->get, "%s", emit_str_of(o, "getter"));
    snprintf(t->arg, sizeof t->arg, "%s", emit_str_of(o, "binder"));
    snprintf(t->enum_c, sizeof t->enum_c, "%s", emit_str_of(o, "enum_c"));
    t->n_labels = (int)json_integer_value(json_object_get(o, "n_labels"));
    t->nullable = json_is_true(json_object_get(o, "nullable"));
}

/* ---- enums ---- */

static json_t *
derive_enums(emit_ctx *cx)
{
    json_t *out = json_array(), *en;
    size_t i;

    json_array_foreach (json_object_get(json_object_get(cx->model, "catalog"), "enums"), i, en) {
        json_t *o = json_deep_copy(en), *vals = json_array(), *v;
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
            /* Labels that differ only in punctuation ("a-b", "a_b") would collide. */
            for (k = 0; k < j; k++)
                if (strcmp(emit_str_of(json_array_get(vals, k), "macro"), macro) == 0) {
                    free(macro);
                    macro = emit_fmt("%s_%s_%zu", upper, luc ? luc : "", j + 1);
                    break;
                }
            emit_c_escape(&lit, json_string_value(v), strlen(json_string_value(v)));
            json_array_append_new(vals, json_pack("{s:O, s:s, s:s, s:I}", "label", v, "label_c",
                                                  emit_sb_str(&lit), "macro", macro, "value",
                                                  (json_int_t)(j + 1)));
            emit_claim(cx, macro, "an enum label");
            emit_sb_free(&lit);
            free(lid), free(luc), free(macro);
        }
        emit_mark_last(vals);
        json_object_set_new(o, "values", vals);
        emit_set_str(o, "c_name", c_name);
        emit_set_str(o, "upper", upper);
        emit_set_own(o, "to_string", emit_fmt("%s_to_string", c_name));
        emit_set_own(o, "from_string", emit_fmt("%s_from_string", c_name));
        emit_set_own(o, "labels", emit_fmt("%s_labels", c_name));
        emit_set_own(o, "array", emit_fmt("%s_array", c_name));
        emit_set_own(o, "array_json", emit_fmt("%s_array_json", c_name));
        json_object_set_new(o, "n_values", json_integer((json_int_t)json_array_size(vals)));
        emit_set_own(o, "comment",
                     emit_fmt("/* Enum %s%s%s. Values start at 1: 0 is never a label (a NULL "
                              "nullable enum). */",
                              strcmp(schema, "public") ? schema : "",
                              strcmp(schema, "public") ? "." : "", emit_str_of(en, "name")));
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
        json_array_append_new(out, o);
        free(id), free(c_name), free(upper);
    }
    emit_mark_last(out);
    return out;
}

/* ---- struct fields ---- */

/* "bad |= json_object_set_new(o, \"name\", expr);", wrapped, for json.c. */
static void
set_json_set(json_t *f)
{
    char *key = emit_fmt("\"%s\"", emit_str_of(f, "name_c"));
    const char *args[3] = {"o", key, emit_str_of(f, "json_expr")};
    emit_set_own(f, "json_set",
                 emit_proto("    bad |=", "json_object_set_new", args, 3, false, ";"));
    free(key);
}

/* Whether fields (through embedded structs) hold a json_t *: then decoders track getter
 * failures, so that a failing row releases the JSON values it had already parsed. */
static bool
fields_have_jansson(json_t *fields)
{
    json_t *f;
    size_t i;
    json_array_foreach (fields, i, f) {
        if (json_is_true(json_object_get(f, "is_jansson")))
            return true;
        if (json_object_get(f, "struct_fields") &&
            fields_have_jansson(json_object_get(f, "struct_fields")))
            return true;
    }
    return false;
}

/* The member lines of a struct field or parameter: "decl; comment", or the comment on a line of
 * its own above when both do not fit in 100 columns at a 4-column indent. */
void
emit_member_lines(json_t *o, const char *decl, const char *comment)
{
    json_t *lines = json_array();
    const char *c = comment ? comment : "";
    while (*c == ' ')
        c++;
    if (*c && 4 + strlen(decl) + 2 + strlen(c) > 100) {
        json_array_append_new(lines, BOX(c));
        json_array_append_new(lines, json_sprintf("%s;", decl));
    } else {
        json_array_append_new(lines, json_sprintf("%s;%s%s", decl, *c ? " " : "", c));
    }
    json_object_set_new(o, "member_lines", lines);
}

/* Decode lines of field f (a column, or an embedded struct's run of columns) into dst->. */
static void
field_decode(json_t *f, const char *track, json_t *dec)
{
    int col = (int)json_integer_value(json_object_get(f, "col"));
    json_t *sub = json_object_get(f, "struct_fields");
    emit_type t;
    char *lv;

    if (!sub) {
        type_from_json(f, &t);
        lv = emit_fmt("dst->%s", emit_str_of(f, "c_name"));
        emit_decode_lines(&t, col, lv, track, dec);
        free(lv);
        return;
    }
    {
        bool optional = json_is_true(json_object_get(f, "optional"));
        json_t *inner = json_array(), *tf, *line;
        size_t k;
        json_array_foreach (sub, k, tf) {
            type_from_json(tf, &t);
            lv = emit_fmt("dst->%s.%s", emit_str_of(f, "c_name"), emit_str_of(tf, "c_name"));
            emit_decode_lines(&t, col + (int)k, lv, track, inner);
            free(lv);
        }
        if (optional) {
            /* The embedded row of an outer join that matched nothing: all its columns are NULL,
             * which its non-null getters would refuse. */
            json_array_append_new(dec, json_sprintf("%s = !pqg_row_all_null(r, %d, %zu);",
                                                    emit_str_of(f, "valid_lv"), col,
                                                    json_array_size(sub)));
            json_array_append_new(dec, json_sprintf("if (%s) {", emit_str_of(f, "valid_lv")));
            json_array_foreach (inner, k, line)
                json_array_append_new(dec, json_sprintf("    %s", json_string_value(line)));
            json_array_append_new(dec, BOX("}"));
        } else {
            json_array_extend(dec, inner);
        }
        json_decref(inner);
    }
}

/* A struct's fields from columns. Columns of a catalog table have "not_null"; query columns
 * have "nullable". table_key is the catalog table (for column overrides), or NULL to use each
 * column's own "table". Returns the fields array; errors go to cx. */
json_t *
emit_derive_fields(emit_ctx *cx, json_t *columns, const char *table_key, const char *where,
                   json_t *tables, int *n_cols)
{
    json_t *fields = json_array(), *col;
    json_t *seen = json_object();
    size_t i, n = json_array_size(columns);
    const char *track;

    *n_cols = 0;
    for (i = 0; i < n; i++) {
        const char *embed;
        const char *name, *type, *tk;
        bool nullable;
        char *ident, *key, *what, *lv;
        emit_type t;
        json_t *f;

        col = json_array_get(columns, i);
        embed = json_string_value(json_object_get(col, "embed"));
        if (embed && tables) {
            /* sqlc.embed(t): a nested table struct when the run of columns is exactly t's. On
             * the nullable side of an outer join every column is nullable: the struct is then
             * optional, with a bool <name>_valid beside it. */
            const char *etable = json_string_value(json_object_get(col, "table"));
            json_t *tbl = etable ? json_object_get(tables, etable) : NULL;
            /* "embed" is what sqlc.embed() named: an alias or the table; "table" the table. */
            if (!tbl)
                tbl = json_object_get(tables, embed);
            json_t *tcols = json_object_get(tbl, "fields");
            size_t k, m = json_array_size(tcols);
            bool ok = tbl && m > 0 && i + m <= n, same = true, all_null = true;
            for (k = 0; ok && k < m; k++) {
                json_t *qc = json_array_get(columns, i + k), *tf = json_array_get(tcols, k);
                bool qn = json_is_true(json_object_get(qc, "nullable"));
                ok = json_equal(json_object_get(qc, "embed"), json_object_get(col, "embed")) &&
                     json_equal(json_object_get(qc, "table"), json_object_get(col, "table")) &&
                     strcmp(emit_str_of(qc, "name"), emit_str_of(tf, "name")) == 0;
                same = same && qn == json_is_true(json_object_get(tf, "nullable"));
                all_null = all_null && qn;
            }
            if (ok && (same || all_null)) {
                json_t *sf = json_object();
                char *fname = emit_ident(emit_str_of(tbl, "singular"));
                bool optional = !same;
                char *vname = emit_fmt("%s_valid", fname);
                emit_set_str(sf, "name", embed);
                emit_set_str(sf, "name_c", fname);
                emit_set_str(sf, "c_name", fname);
                emit_set_str(sf, "c_type", emit_str_of(tbl, "c_name"));
                emit_set_str(sf, "kind", "struct");
                emit_set_own(sf, "decl", emit_decl_of(emit_str_of(tbl, "c_name"), fname));
                json_object_set_new(sf, "col", json_integer((json_int_t)i));
                json_object_set_new(sf, "optional", json_boolean(optional));
                json_object_set_new(sf, "nullable", json_boolean(optional));
                json_object_set_new(sf, "is_jansson", json_false());
                if (optional) {
                    char *c1 = emit_fmt("/* meaningful only when %s */", vname);
                    emit_set_str(sf, "valid_name", vname);
                    emit_set_own(sf, "valid_lv", emit_fmt("dst->%s", vname));
                    emit_set_own(sf, "nullable_comment", emit_fmt(" %s", c1));
                    emit_member_lines(sf, emit_str_of(sf, "decl"), c1);
                    {
                        json_t *ml = json_object_get(sf, "member_lines");
                        json_array_append_new(ml, json_sprintf("bool %s; /* false: the outer "
                                                               "join matched no %s row */",
                                                               vname,
                                                               emit_str_of(tbl, "name")));
                    }
                    emit_set_own(sf, "json_expr",
                                 emit_fmt("v->%s ? %s_to_json(&v->%s) : json_null()", vname,
                                          emit_str_of(tbl, "c_name"), fname));
                    json_object_set(seen, vname, json_true());
                    free(c1);
                } else {
                    emit_set_str(sf, "valid_name", NULL);
                    emit_set_str(sf, "nullable_comment", "");
                    emit_member_lines(sf, emit_str_of(sf, "decl"), NULL);
                    emit_set_own(sf, "json_expr", emit_fmt("%s_to_json(&v->%s)",
                                                           emit_str_of(tbl, "c_name"), fname));
                }
                set_json_set(sf);
                json_object_set_new(sf, "struct_fields", json_incref(tcols));
                json_object_set(seen, fname, json_true());
                json_array_append_new(fields, sf);
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
        if (json_object_get(seen, ident)) {
            /* Duplicate result names (two "id"s from a join) become id_2, id_3... */
            int k;
            for (k = 2;; k++) {
                char *alt = emit_fmt("%s_%d", ident, k);
                if (!json_object_get(seen, alt)) {
                    free(ident);
                    ident = alt;
                    break;
                }
                free(alt);
            }
        }
        json_object_set(seen, ident, json_true());
        f = json_object();
        emit_set_str(f, "name", name);
        {
            emit_sb lit = {0};
            emit_c_escape(&lit, name, strlen(name));
            emit_set_str(f, "name_c", emit_sb_str(&lit));
            emit_sb_free(&lit);
        }
        emit_set_str(f, "type", type);
        json_object_set(f, "array_dims", json_object_get(col, "array_dims"));
        json_object_set_new(f, "nullable", json_boolean(nullable));
        json_object_set_new(f, "col", json_integer((json_int_t)i));
        emit_set_str(f, "c_name", ident);
        emit_type_to_json(&t, f);
        emit_set_own(f, "decl", emit_decl_of(t.c_type, ident));
        emit_set_str(f, "nullable_comment", nullable ? " /* nullable */" : "");
        emit_member_lines(f, emit_str_of(f, "decl"), nullable ? "/* nullable */" : NULL);
        lv = emit_fmt("v->%s", ident);
        emit_set_own(f, "json_expr", emit_json_expr(&t, lv));
        free(lv);
        set_json_set(f);
        json_array_append_new(fields, f);
        free(ident), free(key), free(what);
    }
    json_decref(seen);
    *n_cols = (int)n;
    /* Decode lines last: whether getters are tracked depends on every field. */
    track = fields_have_jansson(fields) ? "bad |= " : "";
    json_array_foreach (fields, i, col) {
        json_t *dec = json_array();
        field_decode(col, track, dec);
        json_object_set_new(col, "decode", dec);
    }
    emit_mark_last(fields);
    return fields;
}

/* json_decref lines for every json_t * member of a struct, through embedded structs. */
static void
release_lines(json_t *fields, const char *path, json_t *out)
{
    json_t *f;
    size_t i;
    json_array_foreach (fields, i, f) {
        if (json_is_true(json_object_get(f, "is_jansson"))) {
            json_array_append_new(
                out, json_sprintf("json_decref(%s%s);", path, emit_str_of(f, "c_name")));
        } else if (json_object_get(f, "struct_fields")) {
            char *sub = emit_fmt("%s%s.", path, emit_str_of(f, "c_name"));
            release_lines(json_object_get(f, "struct_fields"), sub, out);
            free(sub);
        }
    }
}

/* Adds the names every row struct has (free functions, rows type, json) to o. */
void
emit_struct_names(emit_ctx *cx, json_t *o, const char *c_name, const char *base, const char *owner)
{
    json_t *rel = json_array(), *rel_row = json_array();
    const char *suffix[] = {"_free", "_rows_free", "_to_json"};
    size_t k;

    emit_set_str(o, "c_name", c_name);
    /* Whether the _rows type is emitted: set when a :many query returns the struct. Its names
     * are claimed either way, so adding such a query never makes a clash appear elsewhere. */
    if (!json_object_get(o, "has_rows"))
        json_object_set_new(o, "has_rows", json_false());
    /* A :batchone/:batchmany row is only ever borrowed: emit_derive_query clears it. */
    json_object_set_new(o, "has_free", json_true());
    emit_set_own(o, "free_fn", emit_fmt("%s_free", c_name));
    emit_set_own(o, "rows_name", emit_fmt("%s_rows", base));
    emit_set_own(o, "rows_free_fn", emit_fmt("%s_rows_free", base));
    emit_set_own(o, "to_json_fn", emit_fmt("%s_to_json", c_name));
    emit_set_own(o, "rows_to_json_fn", emit_fmt("%s_rows_to_json", base));
    {
        /* Prototypes, wrapped: long query names make long type names. */
        char *free_fn = emit_fmt("%s_free", c_name), *rows_free = emit_fmt("%s_rows_free", base);
        char *to_json = emit_fmt("%s_to_json", c_name),
             *rows_json = emit_fmt("%s_rows_to_json", base);
        char *a1 = emit_fmt("%s *v", c_name), *a2 = emit_fmt("%s_rows *r", base);
        char *a3 = emit_fmt("const %s *v", c_name), *a4 = emit_fmt("const %s_rows *r", base);
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
        free(free_fn), free(rows_free), free(to_json), free(rows_json);
        free(a1), free(a2), free(a3), free(a4);
    }
    release_lines(json_object_get(o, "fields"), "v->", rel);
    release_lines(json_object_get(o, "fields"), "row->", rel_row);
    {
        /* A decoder that failed midway releases what it parsed (see emit_derive_fields):
         * "json_decref(dst->x);" then "dst->x = NULL;". */
        json_t *rel_dst = json_array(), *lines = json_array(), *e;
        size_t i;
        release_lines(json_object_get(o, "fields"), "dst->", rel_dst);
        json_array_foreach (rel_dst, i, e) {
            const char *l = json_string_value(e);
            json_array_append(lines, e);
            json_array_append_new(lines, json_sprintf("%.*s = NULL;", (int)(strlen(l) - 14),
                                                      l + 12));
        }
        json_object_set_new(o, "release_dst", lines);
        json_decref(rel_dst);
    }
    json_object_set_new(o, "has_jansson", json_boolean(json_array_size(rel) > 0));
    json_object_set_new(o, "release", rel);
    json_object_set_new(o, "release_row", rel_row);
    emit_claim(cx, c_name, owner);
    {
        char *rn = emit_fmt("%s_rows", base);
        emit_claim(cx, rn, owner);
        free(rn);
    }
    for (k = 0; k < 3; k++) {
        char *n = emit_fmt("%s%s", k == 1 ? base : c_name, suffix[k]);
        emit_claim(cx, n, owner);
        free(n);
    }
}

static char *
table_key(json_t *t)
{
    const char *schema = emit_str_of(t, "schema");
    if (*schema && strcmp(schema, "public") != 0)
        return emit_fmt("%s.%s", schema, emit_str_of(t, "name"));
    return strdup(emit_str_of(t, "name"));
}

/* One struct per table and view (partitions share their parent's). by_key: key -> struct. */
static json_t *
derive_models(emit_ctx *cx, json_t *by_key)
{
    json_t *out = json_array(), *t;
    size_t i;

    json_array_foreach (json_object_get(json_object_get(cx->model, "catalog"), "tables"), i, t) {
        json_t *o, *fields;
        const char *parent = json_string_value(json_object_get(t, "partition_of"));
        const char *schema = emit_str_of(t, "schema");
        const char *kind = emit_str_of(t, "kind");
        char *key = table_key(t), *sing, *id, *c_name, *where, *owner;
        int n_cols;

        if (parent) {
            json_t *p = json_object_get(by_key, parent);
            if (p)
                json_object_set(by_key, key, p);
            free(key);
            continue;
        }
        sing = emit_singular(emit_str_of(t, "name"));
        id = emit_ident(sing);
        c_name = *schema && strcmp(schema, "public") ? emit_fmt("%s_%s_%s", cx->prefix, schema, id)
                                                     : emit_fmt("%s_%s", cx->prefix, id);
        where = emit_fmt("%s %s", strcmp(kind, "table") ? "view" : "table", key);
        fields = emit_derive_fields(cx, json_object_get(t, "columns"), key, where, NULL, &n_cols);
        o = json_object();
        emit_set_str(o, "schema", schema);
        emit_set_str(o, "name", emit_str_of(t, "name"));
        emit_set_str(o, "kind", kind);
        emit_set_str(o, "singular", sing);
        json_object_set_new(o, "fields", fields);
        json_object_set_new(o, "is_table", json_true());
        owner = emit_fmt("%s %s", strcmp(kind, "table") == 0 ? "table" : "view", key);
        emit_struct_names(cx, o, c_name, c_name, owner);
        {
            /* One shared decoder in models.c, emitted when a query returns the struct
             * (emit_derive_query sets has_decode); the name is reserved either way. */
            char *dec = emit_fmt("%s_decode", c_name);
            const char *arg[2] = {"pqg_row *r", "void *out"};
            emit_set_str(o, "decode_fn", dec);
            emit_set_own(o, "decode_proto", emit_proto("void", dec, arg, 2, false, ";"));
            char *com = emit_fmt("Decodes a row whose columns are those of %s, in order, into "
                                 "*out (a %s).", key, c_name);
            emit_set_own(o, "decode_comment", emit_block_comment(com, ""));
            free(com);
            json_object_set_new(o, "has_decode", json_false());
            emit_claim(cx, dec, owner);
            free(dec);
        }
        emit_set_own(o, "comment",
                     emit_fmt("/* A row of %s %s. */",
                              strcmp(kind, "table") == 0  ? "table"
                              : strcmp(kind, "view") == 0 ? "view"
                                                          : "materialized view",
                              key));
        json_object_set(by_key, key, o);
        json_array_append_new(out, o);
        free(key), free(sing), free(id), free(c_name), free(where), free(owner);
    }
    emit_mark_last(out);
    return out;
}

/* Whether the queries.c template's code for dq calls memset: a query-defined row's _free
 * functions, emptying *out before checking a params struct, and the bulk adapters' contexts. */
static bool
query_uses_memset(json_t *dq)
{
    json_t *row = json_object_get(dq, "row");
    bool own_row = json_is_object(row) && !json_is_true(json_object_get(row, "is_table"));

    if (json_is_true(json_object_get(dq, "is_bulk")))
        return true;
    if (own_row && (json_is_true(json_object_get(row, "has_free")) ||
                    json_is_true(json_object_get(row, "has_rows"))))
        return true;
    return json_is_true(json_object_get(dq, "has_params_struct")) &&
           (json_is_true(json_object_get(dq, "is_one")) ||
            json_is_true(json_object_get(dq, "is_many")));
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

json_t *
emit_derive(emit_ctx *cx)
{
    json_t *root = json_deep_copy(cx->model), *by_key = json_object(), *files = json_array();
    json_t *queries = json_array(), *rows = json_array(), *all = json_array(), *q, *migs;
    json_t *file_index = json_object(), *options;
    const char *cfg_name;
    emit_sb src = {0};
    bool jansson = false, has_decoders = false;
    size_t i;

    if (!root || !by_key || !files || !queries || !rows || !all || !file_index)
        goto oom;
    cfg_name = strrchr(cx->cfg->path ? cx->cfg->path : "pqgen.json", '/');
    cfg_name = cfg_name ? cfg_name + 1 : (cx->cfg->path ? cx->cfg->path : "pqgen.json");
    emit_set_str(root, "version", PQG_VERSION);
    emit_set_str(root, "prefix", cx->prefix);
    emit_set_str(root, "PREFIX", cx->upper_prefix);
    emit_set_own(root, "umbrella", emit_fmt("%s.h", cx->prefix));
    emit_set_own(root, "umbrella_guard", emit_fmt("%s_H", cx->upper_prefix));
    emit_set_str(root, "config_name", cfg_name);
    for (i = 0; i < cx->cfg->n_schema; i++)
        emit_sb_printf(&src, "%s%s", i ? ", " : "", cx->cfg->schema[i]);
    emit_set_str(root, "schema_sources", emit_sb_str(&src));
    emit_sb_free(&src);
    options =
        json_pack("{s:b, s:b}", "interface", cx->cfg->emit_interface, "json", cx->cfg->emit_json);
    json_object_set_new(root, "options", options);
    {
        char *n = emit_fmt("%s_migrations", cx->prefix);
        emit_claim(cx, n, "the migrations");
        free(n);
        n = emit_fmt("%s_querier", cx->prefix);
        emit_claim(cx, n, "the querier interface");
        free(n);
        n = emit_fmt("%s_querier_default", cx->prefix);
        emit_claim(cx, n, "the querier interface");
        free(n);
    }

    emit_check_overrides(cx);
    json_object_set_new(root, "enums", derive_enums(cx));
    json_object_set_new(root, "models", derive_models(cx, by_key));

    json_array_foreach (json_object_get(cx->model, "queries"), i, q) {
        json_t *dq = emit_derive_query(cx, q, by_key);
        const char *path = emit_str_of(q, "file");
        json_t *f = json_object_get(file_index, path);
        json_t *row = json_object_get(dq, "row");

        if (!f) {
            char *base = file_base(path), *upper = base ? emit_upper(base) : NULL;
            f = json_object();
            emit_set_str(f, "path", path);
            emit_set_str(f, "base", base);
            emit_set_own(f, "header", emit_fmt("%s.h", base));
            emit_set_own(f, "source", emit_fmt("%s.c", base));
            emit_set_own(f, "guard", emit_fmt("%s_%s_H", cx->upper_prefix, upper));
            json_object_set_new(f, "queries", json_array());
            json_object_set_new(f, "overlength", json_false());
            json_object_set_new(f, "uses_stdlib", json_false());
            json_object_set_new(f, "uses_string", json_false());
            json_object_set(file_index, path, f);
            json_array_append_new(files, f);
            free(base), free(upper);
        }
        json_array_append(json_object_get(f, "queries"), dq);
        if (json_is_true(json_object_get(dq, "overlength")))
            json_object_set_new(f, "overlength", json_true());
        /* The .c file includes only the headers its code uses: free() of serialized JSON
         * parameters, and memset. */
        if (json_array_size(json_object_get(dq, "post")) > 0)
            json_object_set_new(f, "uses_stdlib", json_true());
        if (query_uses_memset(dq))
            json_object_set_new(f, "uses_string", json_true());
        if (json_is_object(row) && !json_is_true(json_object_get(row, "is_table"))) {
            json_array_append(rows, row);
            if (json_is_true(json_object_get(row, "has_jansson")))
                jansson = true;
        }
        if (json_array_size(json_object_get(dq, "pre")) > 0) {
            json_t *pa;
            size_t k;
            json_array_foreach (json_object_get(dq, "params"), k, pa)
                if (json_is_true(json_object_get(pa, "is_jansson")))
                    jansson = true;
        }
        json_array_append_new(queries, dq);
    }
    json_array_foreach (files, i, q)
        emit_mark_last(json_object_get(q, "queries"));
    emit_mark_last(files);
    emit_mark_last(queries);
    emit_mark_last(rows);
    json_object_set_new(root, "queries", queries);
    json_object_set_new(root, "query_files", files);
    json_object_set_new(root, "row_structs", rows);
    json_array_extend(all, json_object_get(root, "models"));
    json_array_extend(all, rows);
    json_object_set_new(root, "json_structs", all);
    json_array_foreach (json_object_get(root, "models"), i, q) {
        if (json_is_true(json_object_get(q, "has_jansson")))
            jansson = true;
        if (json_is_true(json_object_get(q, "has_decode")))
            has_decoders = true;
    }
    json_object_set_new(root, "has_decoders", json_boolean(has_decoders));
    json_object_set_new(root, "uses_jansson", json_boolean(jansson));

    migs = emit_migrations(cx);
    json_object_set_new(root, "migrations", migs ? migs : json_array());
    json_object_set_new(root, "has_migrations", json_boolean(json_array_size(migs) > 0));
    json_decref(by_key);
    json_decref(file_index);
    if (cx->errors > 0) {
        json_decref(root);
        return NULL;
    }
    return root;
oom:
    emit_error(cx, NULL, "out of memory");
    json_decref(root), json_decref(by_key), json_decref(files), json_decref(queries);
    json_decref(rows), json_decref(all), json_decref(file_index);
    return NULL;
}
