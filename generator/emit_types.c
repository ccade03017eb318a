/*
 * emit_types.c - the C type of every column and parameter: PostgreSQL type (after domains) ->
 * runtime codec -> C type, getter and binder, with pqgen.json overrides applied first. Also the
 * exact lines that decode, bind and convert to JSON each kind, so templates only format.
 * Names (prefixes, singulars) come from emit_names.c; the model walk is emit_derive.c's.
 */
#include "emit_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A runtime codec: the C type, whether NULL needs a pqg_null_* wrapper, and the PostgreSQL
 * element OID used when the codec is an array's element. */
typedef struct codec {
    const char *name;
    const char *c_type;
    emit_kind kind;       /* EMIT_SCALAR, EMIT_POINTER or EMIT_VALUE_PTR */
    bool has_array;       /* pqg_array_<name> exists */
} codec;

static const codec codecs[] = {
    {"int16", "int16_t", EMIT_SCALAR, true},
    {"int32", "int32_t", EMIT_SCALAR, true},
    {"int64", "int64_t", EMIT_SCALAR, true},
    {"float", "float", EMIT_SCALAR, true},
    {"double", "double", EMIT_SCALAR, true},
    {"bool", "bool", EMIT_SCALAR, true},
    {"uuid", "pqg_uuid", EMIT_SCALAR, true},
    {"timestamp", "pqg_timestamp", EMIT_SCALAR, true},
    {"date", "pqg_date", EMIT_SCALAR, true},
    {"interval", "pqg_interval", EMIT_SCALAR, false},
    {"text", "const char *", EMIT_POINTER, true},
    {"numeric", "const char *", EMIT_POINTER, false},
    {"json", "const char *", EMIT_POINTER, false},
    {"jsonb", "const char *", EMIT_POINTER, false},
    {"bytes", "pqg_bytes", EMIT_VALUE_PTR, true},
    {"vector", "pqg_vector", EMIT_VALUE_PTR, false},
};

/* PostgreSQL type name -> codec. Types not listed have no binary codec in libpqg. */
static const struct {
    const char *pg;
    const char *codec;
} pg_types[] = {
    {"int2", "int16"},  {"int4", "int32"},         {"int8", "int64"},
    {"float4", "float"}, {"float8", "double"},     {"bool", "bool"},
    {"text", "text"},   {"varchar", "text"},       {"bpchar", "text"},
    {"citext", "text"}, {"name", "text"},          {"numeric", "numeric"},
    {"json", "json"},   {"jsonb", "jsonb"},        {"bytea", "bytes"},
    {"uuid", "uuid"},   {"timestamptz", "timestamp"}, {"timestamp", "timestamp"},
    {"date", "date"},   {"interval", "interval"},  {"vector", "vector"},
};

static const codec *
find_codec(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (strcmp(codecs[i].name, name) == 0)
            return &codecs[i];
    return NULL;
}

/* "json_t*" and "json_t *" are the same type: compare without spaces. */
static bool
same_c_type(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (*a != *b)
            return false;
        if (!*a)
            return true;
        a++, b++;
    }
}

static const char *
codec_for_c_type(const char *c_type)
{
    size_t i;
    if (same_c_type(c_type, "json_t *"))
        return "jansson";
    for (i = 0; i < sizeof codecs / sizeof codecs[0]; i++)
        if (same_c_type(codecs[i].c_type, c_type))
            return codecs[i].name;
    return NULL;
}

int
emit_check_overrides(emit_ctx *cx)
{
    json_t *o;
    size_t i;
    int bad = 0;

    if (!cx->cfg->overrides)
        return 0;
    json_array_foreach(cx->cfg->overrides, i, o) {
        const char *c_type = json_string_value(json_object_get(o, "c_type"));
        const char *codec_name = json_string_value(json_object_get(o, "codec"));
        const codec *c;

        if (!codec_name && c_type)
            codec_name = codec_for_c_type(c_type);
        if (!codec_name) {
            emit_error(cx, "give \"codec\": one of int16 int32 int64 float double bool uuid "
                           "timestamp date interval text numeric json jsonb bytes vector jansson",
                       "overrides[%zu]: no codec for c_type \"%s\"", i, c_type ? c_type : "");
            bad = -1;
            continue;
        }
        if (strcmp(codec_name, "jansson") == 0) {
            if (c_type && !same_c_type(c_type, "json_t *")) {
                emit_error(cx, NULL, "overrides[%zu]: codec \"jansson\" needs c_type \"json_t *\"",
                           i);
                bad = -1;
            }
            continue;
        }
        c = find_codec(codec_name);
        if (!c) {
            emit_error(cx, "known codecs: int16 int32 int64 float double bool uuid timestamp "
                           "date interval text numeric json jsonb bytes vector jansson",
                       "overrides[%zu]: unknown codec \"%s\"", i, codec_name);
            bad = -1;
        } else if (c_type && !same_c_type(c_type, c->c_type)) {
            emit_error(cx, NULL, "overrides[%zu]: c_type \"%s\" does not match codec \"%s\" "
                       "(which decodes into \"%s\")", i, c_type, codec_name, c->c_type);
            bad = -1;
        }
    }
    return bad;
}

/* The override for this use, or NULL. A column override wins over a db_type override. */
static json_t *
find_override(emit_ctx *cx, const char *type, int array_dims, bool nullable,
              const char *column_key)
{
    json_t *o, *by_type = NULL;
    size_t i;

    if (!cx->cfg->overrides)
        return NULL;
    json_array_foreach(cx->cfg->overrides, i, o) {
        const char *col = json_string_value(json_object_get(o, "column"));
        const char *dbt = json_string_value(json_object_get(o, "db_type"));
        json_t *nl = json_object_get(o, "nullable");

        if (json_is_boolean(nl) && json_boolean_value(nl) != nullable)
            continue;
        if (col && column_key && strcmp(col, column_key) == 0)
            return o;
        if (dbt && !by_type && array_dims == 0) {
            if (strncmp(dbt, "pg_catalog.", 11) == 0)
                dbt += 11;
            if (strcmp(dbt, type) == 0)
                by_type = o;
        }
    }
    return by_type;
}

/* The first element of arr (catalog enums or domains) that type names, plain ("mood", for the
 * public schema) or qualified ("app.mood"), found through an index built on first use (*index:
 * name -> position in arr). */
static json_t *
find_named(emit_ctx *cx, tv **index, json_t *arr, const char *type)
{
    json_t *e;
    size_t i;
    if (!*index && cx->a) {
        tv *ix = tv_obj(cx->a);
        json_array_foreach(arr, i, e) {
            const char *schema = json_string_value(json_object_get(e, "schema"));
            const char *name = json_string_value(json_object_get(e, "name"));
            char qualified[256];
            if (!name)
                continue;
            /* First match in array order wins, as in the linear search. */
            if ((!schema || strcmp(schema, "public") == 0) && !tv_get(ix, name))
                tv_set(ix, name, tv_int(cx->a, (long long)i));
            tv_format(qualified, sizeof qualified, "%s.%s", schema ? schema : "", name);
            if (!tv_get(ix, qualified))
                tv_set(ix, qualified, tv_int(cx->a, (long long)i));
        }
        *index = ix;
    }
    if (*index) {
        tv *pos = tv_get(*index, type);
        return pos ? json_array_get(arr, (size_t)tv_ival(pos)) : NULL;
    }
    json_array_foreach(arr, i, e) {
        const char *schema = json_string_value(json_object_get(e, "schema"));
        const char *name = json_string_value(json_object_get(e, "name"));
        char qualified[256];
        if (!name)
            continue;
        if (strcmp(name, type) == 0 && (!schema || strcmp(schema, "public") == 0))
            return e;
        tv_format(qualified, sizeof qualified, "%s.%s", schema ? schema : "", name);
        if (strcmp(qualified, type) == 0)
            return e;
    }
    return NULL;
}

/* The C enum name for a catalog enum ("db_message_role", "db_app_status"). */
static void
enum_c_name(emit_ctx *cx, json_t *en, char *out, size_t n)
{
    const char *schema = json_string_value(json_object_get(en, "schema"));
    char *id = emit_ident(json_string_value(json_object_get(en, "name")));
    if (schema && strcmp(schema, "public") != 0)
        tv_format(out, n, "%s_%s_%s", cx->prefix, schema, id ? id : "");
    else
        tv_format(out, n, "%s_%s", cx->prefix, id ? id : "");
    free(id);
}

static void
set_codec(emit_type *t, const codec *c, bool array, bool nullable)
{
    if (array) {
        t->kind = EMIT_VALUE_PTR;
        tv_format(t->c_type, sizeof t->c_type, "pqg_array_%s", c->name);
        tv_format(t->codec, sizeof t->codec, "array_%s", c->name);
        tv_format(t->get, sizeof t->get, "pqg_get_array_%s", c->name);
        tv_format(t->arg, sizeof t->arg, "pqg_arg_array_%s", c->name);
        return;
    }
    t->kind = c->kind;
    tv_format(t->codec, sizeof t->codec, "%s", c->name);
    if (c->kind == EMIT_SCALAR && nullable) {
        tv_format(t->c_type, sizeof t->c_type, "pqg_null_%s",
                 strcmp(c->name, "float") == 0 ? "float" : c->name);
        tv_format(t->get, sizeof t->get, "pqg_get_null_%s", c->name);
        tv_format(t->arg, sizeof t->arg, "pqg_arg_null_%s", c->name);
    } else {
        tv_format(t->c_type, sizeof t->c_type, "%s", c->c_type);
        /* json and jsonb share one getter; they differ only when binding. */
        tv_format(t->get, sizeof t->get, "pqg_get_%s",
                 strcmp(c->name, "jsonb") == 0 ? "json" : c->name);
        tv_format(t->arg, sizeof t->arg, "pqg_arg_%s", c->name);
    }
}

static int map_type(emit_ctx *cx, const char *type, int array_dims, bool nullable, uint32_t oid,
                    const char *column_key, bool is_param, const char *where, emit_type *out);

/* Without overrides a mapping depends only on the type, its dimensions, nullability and OID:
 * successful ones are remembered (cx->type_memo: that key -> index into cx->memo_types). */
int
emit_map_type(emit_ctx *cx, const char *type, int array_dims, bool nullable, uint32_t oid,
              const char *column_key, bool is_param, const char *where, emit_type *out)
{
    char key[320];
    tv *hit;
    int rc;

    if (json_array_size(cx->cfg->overrides) > 0 || !cx->a ||
        tv_format(key, sizeof key, "%d|%d|%u|%s", array_dims, nullable ? 1 : 0, (unsigned)oid,
                  type) >= (int)sizeof key)
        return map_type(cx, type, array_dims, nullable, oid, column_key, is_param, where, out);
    if (!cx->type_memo)
        cx->type_memo = tv_obj(cx->a);
    if ((hit = tv_get(cx->type_memo, key)) != NULL) {
        *out = cx->memo_types[tv_ival(hit)];
        return 0;
    }
    rc = map_type(cx, type, array_dims, nullable, oid, column_key, is_param, where, out);
    if (rc == 0) {
        if (cx->n_memo == cx->cap_memo) {
            size_t cap = cx->cap_memo ? cx->cap_memo * 2 : 64;
            emit_type *m = realloc(cx->memo_types, cap * sizeof *m);
            if (!m)
                return rc;
            cx->memo_types = m;
            cx->cap_memo = cap;
        }
        cx->memo_types[cx->n_memo] = *out;
        tv_set(cx->type_memo, key, tv_int(cx->a, (long long)cx->n_memo));
        cx->n_memo++;
    }
    return rc;
}

static int
map_type(emit_ctx *cx, const char *type, int array_dims, bool nullable, uint32_t oid,
         const char *column_key, bool is_param, const char *where, emit_type *out)
{
    json_t *catalog = json_object_get(cx->model, "catalog");
    json_t *ov, *en, *dom;
    const char *codec_name = NULL;
    const codec *c;
    int depth;

    memset(out, 0, sizeof *out);
    out->nullable = nullable;
    out->param_oid = oid;

    ov = find_override(cx, type, array_dims, nullable, column_key);
    if (ov) {
        const char *c_type = json_string_value(json_object_get(ov, "c_type"));
        codec_name = json_string_value(json_object_get(ov, "codec"));
        if (!codec_name && c_type)
            codec_name = codec_for_c_type(c_type);
        if (codec_name && strcmp(codec_name, "jansson") == 0) {
            out->kind = EMIT_JANSSON;
            tv_format(out->c_type, sizeof out->c_type, "json_t *");
            tv_format(out->codec, sizeof out->codec, "jansson");
            tv_format(out->get, sizeof out->get, "pqg_get_json");
            tv_format(out->arg, sizeof out->arg, "%s",
                     strcmp(type, "json") == 0 ? "pqg_arg_json" : "pqg_arg_jsonb");
            return 0;
        }
        c = codec_name ? find_codec(codec_name) : NULL;
        if (c) {
            set_codec(out, c, false, nullable);
            return 0;
        }
        /* emit_check_overrides already reported it. */
        return -1;
    }

    /* Domains bind and decode as their base type. */
    for (depth = 0; depth < 16; depth++) {
        dom = find_named(cx, &cx->domain_index, json_object_get(catalog, "domains"), type);
        if (!dom)
            break;
        type = json_string_value(json_object_get(dom, "type"));
        array_dims += (int)json_integer_value(json_object_get(dom, "array_dims"));
        if (!type)
            break;
    }
    if (!type)
        type = "";

    en = find_named(cx, &cx->enum_index, json_object_get(catalog, "enums"), type);
    if (en) {
        enum_c_name(cx, en, out->enum_c, sizeof out->enum_c);
        out->n_labels = (int)json_array_size(json_object_get(en, "values"));
        if (array_dims > 1) {
            emit_error(cx, NULL, "%s: multi-dimensional arrays of \"%s\" are not supported",
                       where, type);
            return -1;
        }
        if (array_dims == 1) {
            out->kind = EMIT_ENUM_ARRAY;
            tv_format(out->c_type, sizeof out->c_type, "%s_array", out->enum_c);
            tv_format(out->codec, sizeof out->codec, "enum_array");
            tv_format(out->get, sizeof out->get, "pqg_get_array_enum");
            tv_format(out->arg, sizeof out->arg, "pqg_arg_array_enum");
            /* An enum array's OID differs per database: declared 0 and sent as a text literal,
             * the server infers it from the context (a column, or a cast such as $1::role[]). */
            out->param_oid = 0;
        } else {
            out->kind = EMIT_ENUM;
            tv_format(out->c_type, sizeof out->c_type, "%s", out->enum_c);
            tv_format(out->codec, sizeof out->codec, "enum");
            tv_format(out->get, sizeof out->get, "%s",
                     nullable ? "pqg_get_null_enum" : "pqg_get_enum");
            tv_format(out->arg, sizeof out->arg, "pqg_arg_text");
            out->param_oid = 0;
        }
        return 0;
    }

    if (strncmp(type, "pg_catalog.", 11) == 0)
        type += 11;
    {
        size_t i;
        for (i = 0; i < sizeof pg_types / sizeof pg_types[0]; i++)
            if (strcmp(pg_types[i].pg, type) == 0)
                codec_name = pg_types[i].codec;
    }
    c = codec_name ? find_codec(codec_name) : NULL;
    if (!c || array_dims > 1 || (array_dims == 1 && !c->has_array)) {
        char hint[512];
        tv_format(hint, sizeof hint,
                 "add to \"overrides\" in pqgen.json e.g. {\"db_type\": \"%s\", \"c_type\": "
                 "\"pqg_bytes\", \"codec\": \"bytes\"} (the raw binary value), or cast it to "
                 "text in the query",
                 type);
        emit_error(cx, hint, "%s: no C mapping for type %s%s; add an override", where, type,
                   array_dims == 1 ? "[]" : array_dims > 1 ? "[][]" : "");
        return -1;
    }
    (void)is_param;
    set_codec(out, c, array_dims == 1, nullable);
    return 0;
}

static void
add_line(tv *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_line(tv *arr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    tv_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tv_push_str(arr, buf);
}

void
emit_decode_lines(const emit_type *t, int col, const char *lv, const char *track, tv *arr)
{
    switch (t->kind) {
    case EMIT_ENUM:
        add_line(arr, "{");
        add_line(arr, "    int v = 0;");
        add_line(arr, "    %s%s(r, %d, %s_labels, %d, &v);", track, t->get, col, t->enum_c,
                 t->n_labels);
        add_line(arr, "    %s = (%s)v;", lv, t->enum_c);
        add_line(arr, "}");
        break;
    case EMIT_ENUM_ARRAY:
        add_line(arr, "{");
        add_line(arr, "    int *items = NULL;");
        add_line(arr, "    size_t len = 0;");
        add_line(arr, "    %spqg_get_array_enum(r, %d, %s_labels, %d, &items, &len);", track, col,
                 t->enum_c, t->n_labels);
        add_line(arr, "    %s.items = (%s *)items;", lv, t->enum_c);
        add_line(arr, "    %s.len = len;", lv);
        add_line(arr, "}");
        break;
    case EMIT_JANSSON:
        add_line(arr, "{");
        add_line(arr, "    const char *text = NULL;");
        add_line(arr, "    %spqg_get_json(r, %d, &text);", track, col);
        add_line(arr, "    if (text != NULL)");
        add_line(arr, "        %s = json_loads(text, JSON_DECODE_ANY, NULL);", lv);
        add_line(arr, "}");
        break;
    default:
        /* "*dst" is a pointer already: pass dst, not &*dst. */
        if (lv[0] == '*')
            add_line(arr, "%s%s(r, %d, %s);", track, t->get, col, lv + 1);
        else
            add_line(arr, "%s%s(r, %d, &%s);", track, t->get, col, lv);
        break;
    }
}

void
emit_bind_lines(const emit_type *t, const char *rv, const char *tmp, const emit_bind_mode *m,
                tv *temps, tv *pre, tv *bind, tv *post)
{
    const char *args = m->args;
    char ref_buf[256];
    const char *ref = ref_buf;

    tv_format(ref_buf, sizeof ref_buf, "%s%s", m->in_ctx ? "ctx->" : "", tmp);
    switch (t->kind) {
    case EMIT_ENUM:
        /* to_string returns NULL for 0 (a NULL nullable enum), which binds SQL NULL. */
        add_line(bind, "pqg_arg_text(%s, %s_to_string(%s));", args, t->enum_c, rv);
        break;
    case EMIT_ENUM_ARRAY: {
        /* The enum is int-sized (a _Static_assert in models.h checks it). The call is wrapped
         * for the 4-column indent templates give bind lines, then split into lines. */
        char items[300], len[300], labels[160], n[16], *call, *line, *next;
        const char *a[5] = {args, items, len, labels, n};
        tv_format(items, sizeof items, "(const int *)%s.items", rv);
        tv_format(len, sizeof len, "%s.len", rv);
        tv_format(labels, sizeof labels, "%s_labels", t->enum_c);
        tv_format(n, sizeof n, "%d", t->n_labels);
        call = emit_proto("   ", "pqg_arg_array_enum", a, 5, false, ";");
        for (line = call; line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            add_line(bind, "%s", line + 4);
        }
        free(call);
        break;
    }
    case EMIT_JANSSON:
        /* In a query function, temps are locals declared with the others. */
        add_line(temps, m->in_ctx ? "char *%s;" : "char *%s = NULL;", tmp);
        add_line(pre, "if (%s != NULL) {", rv);
        add_line(pre, "    %s = json_dumps(%s, JSON_COMPACT | JSON_ENCODE_ANY);", ref, rv);
        add_line(pre, "    if (%s == NULL)", ref);
        add_line(pre, "        rc = PQG_ENOMEM;");
        add_line(pre, "}");
        add_line(bind, "%s(%s, %s);", t->arg, args, ref);
        add_line(post, "free(%s);", ref);
        if (m->in_ctx)
            add_line(post, "%s = NULL;", ref);
        break;
    default:
        add_line(bind, "%s(%s, %s);", t->arg, args, rv);
        break;
    }
}

char *
emit_json_expr(const emit_type *t, const char *lv)
{
    char buf[1024];
    const char *c = t->codec;
    bool null_struct = t->kind == EMIT_SCALAR && t->nullable;
    char val[600];

    tv_format(val, sizeof val, null_struct ? "%s.value" : "%s", lv);
    switch (t->kind) {
    case EMIT_ENUM:
        tv_format(buf, sizeof buf, "pqgj_string(%s_to_string(%s))", t->enum_c, lv);
        return strdup(buf);
    case EMIT_ENUM_ARRAY:
        tv_format(buf, sizeof buf, "PQGJ_ENUM_ARRAY(%s, %s_labels)", lv, t->enum_c);
        return strdup(buf);
    case EMIT_JANSSON:
        tv_format(buf, sizeof buf, "pqgj_jansson(%s)", lv);
        return strdup(buf);
    default:
        break;
    }
    if (strncmp(c, "array_", 6) == 0) {
        tv_format(buf, sizeof buf, "pqgj_%s(%s)", c, lv);
        return strdup(buf);
    }
    if (strcmp(c, "jsonb") == 0)
        c = "json";
    if (strcmp(c, "int16") == 0 || strcmp(c, "int32") == 0 || strcmp(c, "int64") == 0)
        tv_format(buf, sizeof buf, "json_integer((json_int_t)%s)", val);
    else if (strcmp(c, "float") == 0 || strcmp(c, "double") == 0)
        tv_format(buf, sizeof buf, "json_real((double)%s)", val);
    else if (strcmp(c, "bool") == 0)
        tv_format(buf, sizeof buf, "json_boolean(%s)", val);
    else if (strcmp(c, "text") == 0 || strcmp(c, "numeric") == 0)
        tv_format(buf, sizeof buf, "pqgj_string(%s)", val);
    else
        tv_format(buf, sizeof buf, "pqgj_%s(%s)", c, val);
    if (null_struct) {
        /* json.c has a pqgj_null_<codec> helper per nullable scalar. */
        tv_format(buf, sizeof buf, "pqgj_null_%s(%s)", c, lv);
    }
    return strdup(buf);
}
