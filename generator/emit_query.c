/*
 * emit_query.c - the derived form of one query: C names, parameters (scalars or a params
 * struct) with their bind lines, the row (a table's struct or its own), the statement
 * descriptor's OID arrays, wrapped prototypes and runtime calls, and the doc comment; for
 * :copyfrom the COPY statement made from the INSERT, for :batch* the adapters' names.
 * The shared helpers and struct fields are emit_derive.c's; types are emit_types.c's.
 */
#include "emit_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"

#define BOX(s) json_string(s)

static const char *const local_names[] = {"args", "rc", "mem", "rows", "len",      "ctx",
                                          "db",   "p",  "out", "fn",   "userdata", "rows_affected",
                                          "i"};

static char *
param_ident(const char *name, size_t index)
{
    char *id;
    size_t k;
    if (!name || !*name)
        return emit_fmt("p%zu", index);
    id = emit_ident(name);
    for (k = 0; id && k < sizeof local_names / sizeof local_names[0]; k++)
        if (strcmp(id, local_names[k]) == 0) {
            char *alt = emit_fmt("%s_", id);
            free(id);
            return alt;
        }
    return id;
}

/* The command's kind: one many exec execrows execresult copyfrom batchexec batchone
 * batchmany (an unknown command, which analysis rejects, is treated as exec). */
static const char *
cmd_kind(const char *cmd)
{
    static const char *const kinds[] = {"one",      "many",      "exec",      "execrows",
                                        "execresult", "copyfrom", "batchexec", "batchone",
                                        "batchmany"};
    size_t i;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (cmd[0] == ':' && strcmp(cmd + 1, kinds[i]) == 0)
            return kinds[i];
    return "exec";
}

static void
set_protos(json_t *q, const char *fn, json_t *args, const char *member)
{
    const char **a = calloc(json_array_size(args) + 1, sizeof *a);
    size_t i, n = json_array_size(args);
    char *mname;

    if (!a)
        return;
    for (i = 0; i < n; i++)
        a[i] = json_string_value(json_array_get(args, i));
    emit_set_own(q, "proto", emit_proto("PQG_MUST_CHECK int", fn, a, n, false, ";"));
    emit_set_own(q, "proto_def", emit_proto("int", fn, a, n, true, ""));
    mname = emit_fmt("(*%s)", member);
    emit_set_own(q, "member", emit_proto("    int", mname, a, n, false, ";"));
    free(mname);
    free(a);
}

/* The type name a comment gives an OID: the catalog's ("varchar", "text[]"), or for 0 (an enum
 * or an extension type, whose OID differs per database) the model's, from type and dims.
 * Caller owns; release with free(). */
static char *
oid_type_name(uint32_t oid, const char *type, int array_dims)
{
    const pgc_type *t = pgc_type_by_oid(oid);
    const pgc_type *elem = t && t->category == 'A' ? pgc_type_by_oid(t->elem_oid) : NULL;
    emit_sb b = {0};

    if (elem)
        emit_sb_printf(&b, "%s[]", elem->name);
    else if (t)
        emit_sb_add(&b, t->name);
    else {
        if (strncmp(type, "pg_catalog.", 11) == 0)
            type += 11;
        emit_sb_add(&b, *type ? type : "unknown");
        for (; array_dims > 0; array_dims--)
            emit_sb_add(&b, "[]");
    }
    if (b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p;
}

/* Appends {oid, name} to oids: what set_oid_array declares for one parameter or column. */
static void
add_oid(json_t *oids, long long oid, json_t *model_type)
{
    char *name = oid_type_name((uint32_t)oid, emit_str_of(model_type, "type"),
                               (int)json_integer_value(json_object_get(model_type, "array_dims")));
    emit_sb esc = {0};

    emit_comment_escape(&esc, name ? name : "");
    json_array_append_new(oids, json_pack("{s:I, s:s}", "oid", (json_int_t)oid, "name",
                                          emit_sb_str(&esc)));
    emit_sb_free(&esc);
    free(name);
}

/* key: the full declaration of the OID array ("static const uint32_t x[n] = {25 /" "* text *" "/,
 * ...};"), or null; key_ref: its name, or "NULL" when there are none. oids: add_oid's. */
static void
set_oid_array(json_t *o, const char *key, const char *fn, json_t *oids)
{
    size_t i, n = json_array_size(oids);
    char **items = calloc(n + 1, sizeof *items), *name = emit_fmt("%s_%s", fn, key), *head, *ref;
    json_t *e;

    ref = emit_fmt("%s_ref", key);
    if (n == 0 || !items || !name || !ref) {
        emit_set_str(o, key, NULL);
        emit_set_str(o, ref ? ref : "?", "NULL");
    } else {
        json_array_foreach (oids, i, e) {
            long long oid = (long long)json_integer_value(json_object_get(e, "oid"));
            items[i] = emit_fmt("%lld /* %s */", oid, emit_str_of(e, "name"));
        }
        head = emit_fmt("static const uint32_t %s[%zu] = {", name, n);
        emit_set_own(o, key, emit_wrap_list(head, (const char *const *)items, n, "};"));
        emit_set_str(o, ref, name);
        free(head);
        for (i = 0; i < n; i++)
            free(items[i]);
    }
    free(items), free(name), free(ref);
}

/* ---- :copyfrom: INSERT INTO t (cols) VALUES ($1, ..., $n) -> COPY t (cols) FROM STDIN ---- */

typedef struct sql_lex {
    const char *s;
    size_t pos;
} sql_lex;

static void
lex_space(sql_lex *x)
{
    for (;;) {
        const char *p = x->s + x->pos;
        if (isspace((unsigned char)*p)) {
            x->pos++;
        } else if (p[0] == '-' && p[1] == '-') {
            while (x->s[x->pos] && x->s[x->pos] != '\n')
                x->pos++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            x->pos = end ? (size_t)(end + 2 - x->s) : strlen(x->s);
        } else {
            return;
        }
    }
}

/* Consumes a keyword (case-insensitive, whole word). */
static bool
lex_word(sql_lex *x, const char *w)
{
    size_t n = strlen(w);
    lex_space(x);
    if (strncasecmp(x->s + x->pos, w, n) != 0 ||
        isalnum((unsigned char)x->s[x->pos + n]) || x->s[x->pos + n] == '_')
        return false;
    x->pos += n;
    return true;
}

static bool
lex_char(sql_lex *x, char c)
{
    lex_space(x);
    if (x->s[x->pos] != c)
        return false;
    x->pos++;
    return true;
}

/* An identifier, plain or "quoted" (kept as written), appended to b. */
static bool
lex_ident(sql_lex *x, emit_sb *b)
{
    const char *p;
    size_t n = 0;
    lex_space(x);
    p = x->s + x->pos;
    if (*p == '"') {
        for (n = 1; p[n]; n++)
            if (p[n] == '"') {
                if (p[n + 1] != '"')
                    break;
                n++;
            }
        if (p[n] != '"')
            return false;
        n++;
    } else {
        if (!isalpha((unsigned char)*p) && *p != '_' && !((unsigned char)*p & 0x80))
            return false;
        while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '$' ||
               ((unsigned char)p[n] & 0x80))
            n++;
    }
    emit_sb_addn(b, p, n);
    x->pos += n;
    return true;
}

/* The COPY statement for a :copyfrom INSERT, or NULL when the INSERT is not of the form
 * INSERT INTO t [AS a] (c1, ..., cn) VALUES ($1, ..., $n) with n == n_params. The column list
 * wraps, so that the generated literal stays readable. Caller owns. */
static char *
copy_sql(const char *sql, size_t n_params)
{
    sql_lex x = {sql, 0};
    emit_sb b = {0}, col = {0};
    size_t n_cols = 0, k, line_start = 0;
    bool ok;

    ok = lex_word(&x, "INSERT") && lex_word(&x, "INTO");
    emit_sb_add(&b, "COPY ");
    ok = ok && lex_ident(&x, &b);
    while (ok && lex_char(&x, '.')) {
        emit_sb_add(&b, ".");
        ok = lex_ident(&x, &b);
    }
    if (ok && lex_word(&x, "AS")) {
        emit_sb junk = {0};
        ok = lex_ident(&x, &junk);
        emit_sb_free(&junk);
    }
    ok = ok && lex_char(&x, '(');
    emit_sb_add(&b, " (");
    while (ok) {
        emit_sb_free(&col);
        ok = lex_ident(&x, &col);
        if (!ok)
            break;
        if (n_cols > 0) {
            emit_sb_add(&b, ",");
            if (b.len - line_start + 1 + col.len > 84) {
                emit_sb_add(&b, "\n    ");
                line_start = b.len - 4;
            } else {
                emit_sb_add(&b, " ");
            }
        }
        emit_sb_add(&b, emit_sb_str(&col));
        n_cols++;
        if (lex_char(&x, ')'))
            break;
        ok = lex_char(&x, ',');
    }
    emit_sb_free(&col);
    ok = ok && n_cols == n_params && lex_word(&x, "VALUES") && lex_char(&x, '(');
    for (k = 1; ok && k <= n_cols; k++) {
        char want[24];
        int len = snprintf(want, sizeof want, "$%zu", k);
        lex_space(&x);
        ok = strncmp(x.s + x.pos, want, (size_t)len) == 0 &&
             !isdigit((unsigned char)x.s[x.pos + (size_t)len]);
        if (ok) {
            x.pos += (size_t)len;
            ok = lex_char(&x, k < n_cols ? ',' : ')');
        }
    }
    if (ok) {
        lex_char(&x, ';');
        lex_space(&x);
        ok = x.s[x.pos] == '\0';
    }
    emit_sb_add(&b, b.len - line_start + 28 > 84 ? ")\nFROM STDIN (FORMAT binary)"
                                                   : ") FROM STDIN (FORMAT binary)");
    if (!ok || b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p;
}

/* The OID the COPY descriptor declares for a column, so that its binder sends binary COPY's
 * field body (see pqg_copy_from): the model's exact OID (a domain's is its base type's), 0 for
 * enums (their binary form is the label), or the codec's own type when the model has none.
 * Returns -1 for what binary COPY cannot take from libpqg. */
static long long
copy_oid(const emit_type *t, uint32_t oid)
{
    static const struct {
        const char *codec;
        uint32_t oid;
    } own[] = {{"int16", 21},      {"int32", 23},     {"int64", 20},     {"float", 700},
               {"double", 701},    {"bool", 16},      {"uuid", 2950},    {"timestamp", 1184},
               {"date", 1082},     {"interval", 1186}, {"numeric", 1700}, {"bytes", 17},
               {"json", 114},      {"jsonb", 3802},   {"jansson", 3802}};
    size_t i;

    if (t->kind == EMIT_ENUM)
        return 0;
    /* An enum array's binary form names the enum's OID, which differs per database; vector has
     * no binary binder. */
    if (t->kind == EMIT_ENUM_ARRAY || strcmp(t->codec, "vector") == 0)
        return -1;
    /* A bytes override on another type: the bytes are that type's binary form. */
    if (strcmp(t->codec, "bytes") == 0)
        return 17;
    if (oid != 0 || strcmp(t->codec, "text") == 0)
        return oid;
    for (i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(own[i].codec, t->codec) == 0)
            return own[i].oid;
    return -1;
}

/* The derived :copyfrom and :batch* parts: adapter names, prototypes, runtime calls. */
static void
derive_bulk(emit_ctx *cx, json_t *o, const char *kind, const char *fn, const char *snake,
            const char *where, json_t *row, bool has_params)
{
    const char *ps = emit_str_of(o, "params_struct"), *stmt = emit_str_of(o, "stmt");
    const char *row_c = row ? emit_str_of(row, "c_name") : "";
    /* Without temporaries to release after it, the runtime call is the return value. */
    const char *lead = json_is_true(json_object_get(o, "has_temps")) ? "    rc =" : "    return";
    json_t *args = json_array();
    char *s;

    emit_set_own(o, "ctx_type", emit_fmt("%s_%s", fn, strcmp(kind, "copyfrom") ? "batch" : "copy"));
    emit_set_own(o, "release_fn", emit_fmt("%s_release", fn));
    emit_set_own(o, "result_fn", emit_fmt("%s_result", fn));
    json_array_append_new(args, BOX("pqg_db *db"));
    if (!strcmp(kind, "copyfrom")) {
        json_t *from = json_array(), *fo = json_object();
        char *from_fn = emit_fmt("%s_from", fn), *member = emit_fmt("%s_from", snake);
        const char *call[6];

        emit_set_own(o, "bind_fn", emit_fmt("%s_bind_row", fn));
        json_array_append_new(args, json_sprintf("const %s *rows", ps));
        json_array_append_new(args, BOX("size_t n_rows"));
        json_array_append_new(args, BOX("int64_t *copied"));
        json_array_append_new(from, BOX("pqg_db *db"));
        json_array_append_new(from, json_sprintf("int (*next)(%s *row, void *userdata)", ps));
        json_array_append_new(from, BOX("void *userdata"));
        json_array_append_new(from, BOX("int64_t *copied"));
        set_protos(fo, from_fn, from, member);
        json_object_set(o, "from_proto", json_object_get(fo, "proto"));
        json_object_set(o, "from_proto_def", json_object_get(fo, "proto_def"));
        json_object_set(o, "from_member", json_object_get(fo, "member"));
        emit_set_str(o, "from_fn", from_fn);
        emit_claim(cx, from_fn, where);
        s = emit_fmt("&%s", stmt);
        call[0] = "db", call[1] = s, call[2] = "n_rows", call[3] = emit_str_of(o, "bind_fn");
        call[4] = "&ctx", call[5] = "copied";
        emit_set_own(o, "call", emit_proto(lead, "pqg_copy_from", call, 6, false, ";"));
        call[2] = "PQG_COPY_UNBOUNDED";
        emit_set_own(o, "from_call", emit_proto(lead, "pqg_copy_from", call, 6, false, ";"));
        free(s);
        json_decref(from), json_decref(fo);
        free(from_fn), free(member);
    } else {
        const char *call[8];
        char *size = row ? emit_fmt("sizeof(%s)", row_c) : strdup("0");
        char *dec = row ? strdup(emit_str_of(o, "decode_fn")) : strdup("NULL");
        char *res = !strcmp(kind, "batchexec")
                        ? emit_fmt("fn != NULL ? %s : NULL", emit_str_of(o, "result_fn"))
                        : strdup(emit_str_of(o, "result_fn"));

        emit_set_own(o, "bind_fn", has_params ? emit_fmt("%s_bind_item", fn) : strdup("NULL"));
        if (has_params)
            json_array_append_new(args, json_sprintf("const %s *items", ps));
        json_array_append_new(args, BOX("size_t n_items"));
        {
            /* The callback's type is a typedef: inline, it would not fit in 100 columns. */
            const char *rr[6] = {"size_t i", "int rc", "const void *rows", "size_t n_rows",
                                 "int64_t rows_affected", "void *userdata"};
            char *r1 = emit_fmt("const %s *row", row_c), *r2 = emit_fmt("const %s *rows", row_c);
            char *tname = emit_fmt("%s_fn", fn), *pname = emit_fmt("(*%s)", tname);
            const char *cv[5];
            size_t nc = 0;
            cv[nc++] = "size_t i", cv[nc++] = "int rc";
            if (!strcmp(kind, "batchexec"))
                cv[nc++] = "int64_t rows_affected";
            else if (!strcmp(kind, "batchone"))
                cv[nc++] = r1;
            else
                cv[nc++] = r2, cv[nc++] = "size_t n_rows";
            cv[nc++] = "void *userdata";
            emit_set_str(o, "fn_type", tname);
            emit_set_own(o, "fn_typedef", emit_proto("typedef int", pname, cv, nc, false, ";"));
            emit_set_own(o, "result_def",
                         emit_proto("static int", emit_str_of(o, "result_fn"), rr, 6, true, ""));
            emit_claim(cx, tname, where);
            s = emit_fmt("%s fn", tname);
            free(r1), free(r2), free(tname), free(pname);
        }
        json_array_append_new(args, BOX(s));
        json_array_append_new(args, BOX("void *userdata"));
        free(s);
        s = emit_fmt("&%s", stmt);
        call[0] = "db", call[1] = s, call[2] = "n_items", call[3] = emit_str_of(o, "bind_fn");
        call[4] = dec, call[5] = size, call[6] = res, call[7] = "&ctx";
        emit_set_own(o, "call",
                     emit_proto(lead, !strcmp(kind, "batchone") ? "pqg_batch_run_one"
                                                                : "pqg_batch_run",
                                call, 8, false, ";"));
        free(s), free(size), free(dec), free(res);
    }
    set_protos(o, fn, args, snake);
    json_decref(args);
    {
        /* The adapters' static names can clash with another query's public ones. */
        const char *keys[] = {"ctx_type", "release_fn", "result_fn", "bind_fn"};
        size_t k;
        for (k = 0; k < 4; k++)
            if (strcmp(emit_str_of(o, keys[k]), "NULL") != 0)
                emit_claim(cx, emit_str_of(o, keys[k]), where);
    }
}

/* For a :one whose only column has a fixed-size C type (an integer, float, bool, uuid, time
 * value or enum, nullable or not), sets o["scalar"]: the value comes back through a typed
 * out-parameter named after the column, as sqlc returns a scalar, instead of a one-field row
 * struct with a block to free. Returns whether it did. params: the derived parameters. */
static bool
derive_scalar(emit_ctx *cx, json_t *o, json_t *q, const char *where, json_t *params)
{
    json_t *cols = json_object_get(q, "columns"), *c = json_array_get(cols, 0), *sc, *dec, *p;
    const char *name, *table;
    char *key, *what, *id;
    emit_type t;
    size_t i, k;
    bool clash = false;
    int rc;

    if (json_array_size(cols) != 1 || json_string_value(json_object_get(c, "embed")))
        return false;
    name = emit_str_of(c, "name");
    table = json_string_value(json_object_get(c, "table"));
    key = table ? emit_fmt("%s.%s", table, name) : NULL;
    what = emit_fmt("%s: column \"%s\"", where, name);
    rc = emit_map_type(cx, emit_str_of(c, "type"),
                       (int)json_integer_value(json_object_get(c, "array_dims")),
                       json_is_true(json_object_get(c, "nullable")),
                       (uint32_t)json_integer_value(json_object_get(c, "oid")), key, false, what,
                       &t);
    free(key), free(what);
    /* A failed mapping was reported; the row path would only report it again. */
    if (rc == 0 && t.kind != EMIT_SCALAR && t.kind != EMIT_ENUM)
        return false;

    /* The out-parameter must not shadow a parameter or a local of the function. */
    id = emit_ident(*name ? name : "value");
    for (k = 0; id && k < sizeof local_names / sizeof local_names[0]; k++)
        clash = clash || (strcmp(id, local_names[k]) == 0 && strcmp(id, "out") != 0);
    json_array_foreach (params, i, p)
        clash = clash || (id && strcmp(id, emit_str_of(p, "c_name")) == 0);
    if (clash) {
        char *alt = emit_fmt("%s_out", id);
        free(id);
        id = alt;
    }

    sc = json_object();
    dec = json_array();
    emit_set_str(sc, "name", id);
    emit_set_str(sc, "c_type", t.c_type);
    emit_set_own(sc, "decl", emit_fmt("%s *%s", t.c_type, id ? id : ""));
    emit_decode_lines(&t, 0, "*dst", "", dec);
    json_object_set_new(sc, "decode", dec);
    emit_set_str(sc, "null_note", !t.nullable             ? ""
                                  : t.kind == EMIT_ENUM ? " (0 for SQL NULL)"
                                                        : " (.valid false for SQL NULL)");
    json_object_set_new(o, "scalar", sc);
    free(id);
    return true;
}

json_t *
emit_derive_query(emit_ctx *cx, json_t *q, json_t *by_key)
{
    json_t *o = json_deep_copy(q), *params = json_array(), *pre = json_array();
    json_t *bind = json_array(), *post = json_array(), *temps = json_array(), *fields = NULL;
    json_t *row = NULL, *scalar, *p;
    const char *out_name, *name = emit_str_of(q, "name"), *cmd = emit_str_of(q, "cmd"),
               *file = emit_str_of(q, "file");
    const char *kind = cmd_kind(cmd);
    int line = (int)json_integer_value(json_object_get(q, "line"));
    char *snake = emit_snake(name), *fn = emit_fmt("%s_%s", cx->prefix, snake);
    char *loc = emit_fmt("%s:%d", file, line), *where = emit_fmt("%s: query %s", loc, name);
    size_t n_model_params = json_array_size(json_object_get(q, "params"));
    bool is_copy = !strcmp(kind, "copyfrom");
    bool is_batch = !strncmp(kind, "batch", 5);
    bool bulk = is_copy || is_batch;
    /* Bulk commands take an array of items: always a struct per item. */
    bool has_struct = n_model_params > 3 || (bulk && n_model_params > 0);
    bool is_one = !strcmp(kind, "one"), is_many = !strcmp(kind, "many");
    bool returns_rows = is_one || is_many || !strcmp(kind, "batchone") ||
                        !strcmp(kind, "batchmany");
    emit_bind_mode mode = {bulk ? "args" : "&args", bulk};
    json_t *seen = json_object(), *oids = json_array(), *coids = json_array(), *nullables;
    json_t *copy_oids = json_array();
    emit_sb com = {0};
    size_t i;
    int n_cols;

    nullables = json_array();
    emit_set_str(o, "fn", fn);
    emit_set_str(o, "snake", snake);
    emit_set_str(o, "location", loc);
    emit_set_str(o, "kind", kind);
    json_object_set_new(o, "is_one", json_boolean(is_one));
    json_object_set_new(o, "is_many", json_boolean(is_many));
    json_object_set_new(o, "is_exec", json_boolean(!strcmp(kind, "exec")));
    json_object_set_new(o, "is_execrows", json_boolean(!strcmp(kind, "execrows")));
    json_object_set_new(o, "is_execresult", json_boolean(!strcmp(kind, "execresult")));
    json_object_set_new(o, "is_copyfrom", json_boolean(is_copy));
    json_object_set_new(o, "is_batchexec", json_boolean(!strcmp(kind, "batchexec")));
    json_object_set_new(o, "is_batchone", json_boolean(!strcmp(kind, "batchone")));
    json_object_set_new(o, "is_batchmany", json_boolean(!strcmp(kind, "batchmany")));
    json_object_set_new(o, "is_batch", json_boolean(is_batch));
    json_object_set_new(o, "is_bulk", json_boolean(bulk));
    json_object_set_new(o, "is_plain", json_boolean(!bulk));
    emit_set_own(o, "stmt", emit_fmt("%s_stmt", fn));
    emit_set_own(o, "decode_fn", emit_fmt("%s_decode", fn));
    if (is_copy) {
        char *copy = copy_sql(emit_str_of(q, "sql"), n_model_params);
        if (!copy) {
            emit_error(cx, "write it as INSERT INTO t (a, b) VALUES ($1, $2), one parameter "
                           "per column in order, nothing else (COPY cannot evaluate "
                           "expressions or ON CONFLICT)",
                       "%s: a :copyfrom query must be a plain INSERT ... VALUES ($1, ..., $n)",
                       where);
            copy = strdup("");
        }
        json_object_set_new(o, "sql_lines", emit_c_string_lines(copy));
        {
            char *c = emit_fmt("%s as COPY: the OIDs are the columns' exact types, so that every "
                               "value is bound in COPY's binary form (an enum's is its label: "
                               "OID 0).", name);
            emit_set_own(o, "copy_comment", emit_block_comment(c, ""));
            free(c);
        }
        json_object_set_new(o, "overlength", json_boolean(strlen(copy) > 4000));
        free(copy);
    } else {
        json_object_set_new(o, "sql_lines", emit_c_string_lines(emit_str_of(q, "sql")));
        json_object_set_new(o, "overlength",
                            json_boolean(strlen(emit_str_of(q, "sql")) > 4000));
    }
    emit_claim(cx, fn, where);

    /* Parameters. */
    json_array_foreach (json_object_get(q, "params"), i, p) {
        json_t *po = json_deep_copy(p);
        size_t index = (size_t)json_integer_value(json_object_get(p, "index"));
        char *id = param_ident(json_string_value(json_object_get(p, "name")), index);
        char *what = emit_fmt("%s: parameter $%zu", where, index), *rv, *tmp;
        bool nullable = json_is_true(json_object_get(p, "nullable"));
        uint32_t model_oid = (uint32_t)json_integer_value(json_object_get(p, "oid"));
        emit_type t;

        if (json_object_get(seen, id)) {
            char *alt = emit_fmt("%s_%zu", id, index);
            free(id);
            id = alt;
        }
        json_object_set(seen, id, json_true());
        if (emit_map_type(cx, emit_str_of(p, "type"),
                          (int)json_integer_value(json_object_get(p, "array_dims")), nullable,
                          model_oid, NULL, true, what, &t) != 0) {
            json_decref(po);
            free(id), free(what);
            continue;
        }
        emit_set_str(po, "c_name", id);
        emit_type_to_json(&t, po);
        emit_set_own(po, "decl", emit_decl_of(t.c_type, id));
        emit_set_own(po, "field_comment",
                     emit_fmt(" /* $%zu%s */", index, nullable ? ", nullable" : ""));
        {
            char *c = emit_fmt("/* $%zu%s */", index, nullable ? ", nullable" : "");
            emit_member_lines(po, emit_str_of(po, "decl"), c);
            free(c);
        }
        add_oid(oids, t.param_oid, p);
        if (is_copy) {
            long long co = copy_oid(&t, model_oid);
            if (co < 0)
                emit_error(cx, "load it with a :batchexec INSERT instead",
                           "%s: binary COPY cannot take a %s value from libpqg", what,
                           t.kind == EMIT_ENUM_ARRAY ? "enum array" : emit_str_of(p, "type"));
            add_oid(copy_oids, co < 0 ? 0 : co, p);
        }
        rv = has_struct ? emit_fmt("p->%s", id) : strdup(id);
        /* Temporaries for converted arguments; argN_ if the natural name is taken. */
        tmp = emit_fmt("%s_%s", id, t.kind == EMIT_JANSSON ? "json" : "text");
        if (json_object_get(seen, tmp)) {
            free(tmp);
            tmp = emit_fmt("arg%zu_", index);
        }
        json_object_set(seen, tmp, json_true());
        emit_bind_lines(&t, rv, tmp, &mode, temps, pre, bind, post);
        if (nullable)
            json_array_append_new(nullables, json_string(id));
        json_array_append_new(params, po);
        free(id), free(what), free(rv), free(tmp);
    }
    emit_mark_last(params);
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "n_params", json_integer((json_int_t)json_array_size(params)));
    json_object_set_new(o, "has_params", json_boolean(json_array_size(params) > 0));
    json_object_set_new(o, "has_params_struct", json_boolean(has_struct));
    emit_set_own(o, "params_struct", emit_fmt("%s_params", fn));
    if (has_struct) {
        char *n = emit_fmt("%s_params", fn);
        emit_claim(cx, n, where);
        free(n);
    }
    set_oid_array(o, "param_types", fn, is_copy ? copy_oids : oids);
    json_object_set_new(o, "temps", temps);
    json_object_set_new(o, "has_temps", json_boolean(json_array_size(temps) > 0));
    json_object_set_new(o, "pre", pre);
    json_object_set_new(o, "bind", bind);
    json_object_set_new(o, "post", post);
    json_object_set_new(o, "has_pre", json_boolean(json_array_size(pre) > 0));

    /* The row: a table's struct when the model says so, a fixed-size scalar for a :one of one
     * such column, else a struct of its own. */
    if (returns_rows && is_one && derive_scalar(cx, o, q, where, params)) {
        json_object_set_new(o, "row", json_null());
    } else if (returns_rows) {
        const char *tname = json_string_value(json_object_get(q, "table"));
        json_t *tbl = tname ? json_object_get(by_key, tname) : NULL;
        if (tbl) {
            /* The table's decoder uses the table's column order, which the model guarantees
             * to be the query's; models.c defines it once for every query returning tbl. */
            row = json_incref(tbl);
            json_object_set_new(row, "has_decode", json_true());
            emit_set_str(o, "decode_fn", emit_str_of(row, "decode_fn"));
        } else {
            char *c_name = emit_fmt("%s_row", fn);
            fields =
                emit_derive_fields(cx, json_object_get(q, "columns"), NULL, where, by_key, &n_cols);
            row = json_object();
            json_object_set_new(row, "fields", fields);
            json_object_set_new(row, "is_table", json_false());
            emit_struct_names(cx, row, c_name, fn, where);
            emit_set_own(row, "comment", emit_fmt("/* A row of %s (%s). */", name, loc));
            emit_set_str(row, "decode_fn", emit_str_of(o, "decode_fn"));
            if (!is_one && !is_many)
                json_object_set_new(row, "has_free", json_false());
            free(c_name);
        }
        /* Only :many hands out a _rows array (emit_derive marks table structs). */
        if (is_many)
            json_object_set_new(row, "has_rows", json_true());
        json_object_set_new(o, "row", row);
    } else {
        json_object_set_new(o, "row", json_null());
    }
    if (!json_object_get(o, "scalar"))
        json_object_set_new(o, "scalar", json_null());
    scalar = json_object_get(o, "scalar");
    if (!json_is_object(scalar))
        scalar = NULL;
    emit_set_str(o, "out_name", scalar ? emit_str_of(scalar, "name") : "out");
    out_name = emit_str_of(o, "out_name");
    json_object_set_new(o, "n_columns",
                        json_integer((json_int_t)json_array_size(json_object_get(q, "columns"))));
    {
        json_t *c;
        json_array_foreach (json_object_get(q, "columns"), i, c)
            add_oid(coids, json_integer_value(json_object_get(c, "oid")), c);
        set_oid_array(o, "column_types", fn, coids);
    }
    json_object_set_new(o, "has_columns",
                        json_boolean(json_array_size(json_object_get(q, "columns")) > 0));

    if (bulk) {
        derive_bulk(cx, o, kind, fn, snake, where, row, json_array_size(params) > 0);
    } else {
        /* Prototypes: the plain call and, for :many, the streaming _each variant. */
        json_t *args = json_array(), *each_args;
        const char *row_c = row ? emit_str_of(row, "c_name") : "";
        const char *rows_c = row ? emit_str_of(row, "rows_name") : "";
        json_t *po;
        char *each_fn = emit_fmt("%s_each", fn);

        json_array_append_new(args, BOX("pqg_db *db"));
        if (has_struct)
            json_array_append_new(args, json_sprintf("const %s_params *p", fn));
        else
            json_array_foreach (params, i, po)
                json_array_append_new(args, BOX(emit_str_of(po, "decl")));
        each_args = json_deep_copy(args);
        if (is_one && scalar)
            json_array_append_new(args, BOX(emit_str_of(scalar, "decl")));
        else if (is_one)
            json_array_append_new(args, json_sprintf("%s *out", row_c));
        else if (is_many)
            json_array_append_new(args, json_sprintf("%s *out", rows_c));
        else if (!strcmp(kind, "execrows"))
            json_array_append_new(args, BOX("int64_t *rows_affected"));
        else if (!strcmp(kind, "execresult"))
            json_array_append_new(args, BOX("pqg_exec_result *out"));
        set_protos(o, fn, args, snake);
        if (is_many) {
            json_t *eo = json_object();
            char *member = emit_fmt("%s_each", snake);
            json_array_append_new(each_args,
                                  json_sprintf("int (*fn)(const %s *row, void *userdata)", row_c));
            json_array_append_new(each_args, BOX("void *userdata"));
            set_protos(eo, each_fn, each_args, member);
            json_object_set(o, "each_proto", json_object_get(eo, "proto"));
            json_object_set(o, "each_proto_def", json_object_get(eo, "proto_def"));
            json_object_set(o, "each_member", json_object_get(eo, "member"));
            emit_set_str(o, "each_fn", each_fn);
            emit_set_own(o, "each_ctx", emit_fmt("%s_each_ctx", fn));
            emit_set_own(o, "each_row_fn", emit_fmt("%s_each_row", fn));
            emit_claim(cx, each_fn, where);
            json_decref(eo);
            free(member);
        }
        json_decref(args), json_decref(each_args);
        free(each_fn);
    }

    /* The runtime call, wrapped at 100 columns at two indentations (plain, and under the
     * "if (rc == 0)" that guards parameters needing allocation). */
    if (!bulk) {
        const char *stmt = emit_str_of(o, "stmt"), *dec = emit_str_of(o, "decode_fn");
        bool has_pre = json_array_size(pre) > 0;
        char *a[7];
        const char *call = "pqg_exec";
        size_t na = 0, k;
        if (is_one) {
            call = "pqg_query_one";
            a[na++] = emit_fmt("&%s", stmt), a[na++] = strdup("&args"), a[na++] = strdup(dec);
            a[na++] = strdup(out_name), a[na++] = emit_fmt("sizeof *%s", out_name);
            a[na++] = strdup("&mem");
        } else if (is_many) {
            call = "pqg_query_many";
            a[na++] = emit_fmt("&%s", stmt), a[na++] = strdup("&args"), a[na++] = strdup(dec);
            a[na++] = emit_fmt("sizeof(%s)", emit_str_of(row, "c_name"));
            a[na++] = strdup("&rows"), a[na++] = strdup("&len");
        } else {
            if (!strcmp(kind, "execresult"))
                call = "pqg_exec_result_get";
            a[na++] = emit_fmt("&%s", stmt), a[na++] = strdup("&args");
            a[na++] = strdup(!strcmp(kind, "exec")       ? "NULL"
                             : !strcmp(kind, "execrows") ? "rows_affected"
                                                         : "out");
        }
        {
            const char *av[8];
            av[0] = "db";
            for (k = 0; k < na; k++)
                av[k + 1] = a[k];
            /* Without cleanup or out-fields to set after it, the call is the return value. */
            bool direct = !has_pre && !is_one && !is_many;
            json_object_set_new(o, "direct_return", json_boolean(direct));
            emit_set_own(o, "call",
                         emit_proto(direct ? "    return" : "    rc =", call, av, na + 1, false,
                                    ";"));
            emit_set_own(o, "call_nested",
                         emit_proto("        rc =", call, av, na + 1, false, ";"));
            if (is_many) {
                const char *ev[8] = {"db",  a[0], "&args", dec, a[3], emit_str_of(o, "each_row_fn"),
                                     "&ctx"};
                emit_set_own(o, "each_call", emit_proto(has_pre ? "    rc =" : "    return",
                                                        "pqg_query_each", ev, 7, false, ";"));
                emit_set_own(o, "each_call_nested",
                             emit_proto("        rc =", "pqg_query_each", ev, 7, false, ";"));
            }
        }
        for (k = 0; k < na; k++)
            free(a[k]);
    }

    /* The doc comment: name, place, the user's doc lines, what it returns, who owns what. */
    emit_sb_printf(&com, "%s %s (%s)", name, cmd, loc);
    if (json_string_value(json_object_get(q, "doc")))
        emit_sb_printf(&com, "\n%s", emit_str_of(q, "doc"));
    if (json_array_size(nullables) > 0) {
        json_t *e;
        emit_sb_add(&com, bulk ? "\nNullable fields (NULL, .valid = false or 0 is SQL NULL):"
                               : "\nNullable (NULL, .valid = false or 0 binds SQL NULL):");
        json_array_foreach (nullables, i, e)
            emit_sb_printf(&com, "%s %s%s", i ? "," : "", has_struct && !bulk ? "p->" : "",
                           json_string_value(e));
        emit_sb_add(&com, ".");
    }
    {
        json_t *each_com = NULL, *from_com = NULL;
        if (scalar)
            emit_sb_printf(&com,
                           "\nReturns 0 and sets *%s%s, PQG_ENOTFOUND when there is no row, or "
                           "another PQG_E* code (*%s is then zero).",
                           out_name, emit_str_of(scalar, "null_note"), out_name);
        else if (is_one)
            emit_sb_printf(&com,
                           "\nReturns 0 and fills *out, PQG_ENOTFOUND when there is no row, "
                           "or another PQG_E* code.\n*out owns its strings: release with "
                           "%s(); on error *out is empty.",
                           emit_str_of(row, "free_fn"));
        else if (is_many) {
            char *c2;
            emit_sb e = {0};
            /* The streamed variant points back to the plain one rather than repeat its doc. */
            emit_sb_printf(&e, "%s :many, streamed (%s)\nLike %s(), but streams the rows to fn "
                               "without copying them: each row is borrowed and valid only during "
                               "the call. fn returns 0 to continue; any other value stops the "
                               "scan and is returned.\nReturns 0, fn's value or a PQG_E* code.",
                           name, loc, fn);
            emit_sb_printf(&com,
                           "\nReturns 0 and fills *out (len 0 when no row matches), or a "
                           "PQG_E* code.\n*out owns its rows and their strings: release "
                           "with %s(); on error *out is empty.",
                           emit_str_of(row, "rows_free_fn"));
            c2 = emit_block_comment(emit_sb_str(&e), "");
            each_com = c2 ? json_string(c2) : json_null();
            free(c2);
            emit_sb_free(&e);
        } else if (!strcmp(kind, "execrows"))
            emit_sb_add(&com, "\nReturns 0 and sets *rows_affected (may be NULL), or a PQG_E* "
                              "code.");
        else if (!strcmp(kind, "execresult"))
            emit_sb_add(&com, "\nReturns 0 and fills *out (command tag and row count), or a "
                              "PQG_E* code.");
        else if (is_copy) {
            char *c2;
            emit_sb e = {0};
            emit_sb_printf(&e, "%s :copyfrom, streamed (%s)", name, loc);
            emit_sb_add(&com,
                        "\nLoads rows[0..n_rows) with one binary COPY (rows are borrowed for "
                        "the call). Atomic: on any failure no row is kept, and a surrounding "
                        "transaction is aborted. A failing row's index is in "
                        "pqg_copy_last_error_row() and in pqg_last_error()'s message.\n"
                        "Returns 0 and sets *copied (may be NULL) to the rows loaded, or a "
                        "PQG_E* code.");
            emit_sb_add(&e,
                        "\nThe same load from a source of unknown length: next fills *row "
                        "(zeroed first) and returns 1, or 0 at the end, or a negative value "
                        "that aborts the load and is returned. What *row points to is "
                        "borrowed until next is called again or this call returns. Atomic as "
                        "above.\nReturns 0 and sets *copied (may be NULL) to the rows loaded, "
                        "or a PQG_E* code.");
            c2 = emit_block_comment(emit_sb_str(&e), "");
            from_com = c2 ? json_string(c2) : json_null();
            free(c2);
            emit_sb_free(&e);
        } else if (is_batch) {
            /* One paragraph per line: emit_block_comment wraps them. */
            emit_sb_printf(&com, "\nRuns the statement once per item%s, all in one round "
                                 "trip (pipeline mode).",
                           json_array_size(params) ? " of items[0..n_items)" : "");
            if (!strcmp(kind, "batchexec"))
                emit_sb_add(&com, "\nfn (may be NULL) gets each item's outcome in order: rc 0 "
                                  "or its PQG_E* code, and its rows affected.");
            else if (!strcmp(kind, "batchone"))
                emit_sb_add(&com, "\nfn (may be NULL) gets each item's outcome in order: rc 0 "
                                  "and its row, or its PQG_E* code and NULL; an item without "
                                  "a row gets PQG_ENOTFOUND, which fails neither the batch nor "
                                  "the return value. The row is borrowed: valid only during "
                                  "the call.");
            else
                emit_sb_add(&com, "\nfn (may be NULL) gets each item's outcome in order: rc 0 "
                                  "and its rows[0..n_rows) (NULL when none), or its PQG_E* "
                                  "code and NULL. The rows are borrowed: valid only during the "
                                  "call.");
            emit_sb_add(&com, " pqg_last_error() describes item i's failure during the call. "
                              "fn returns 0 to go on; anything else stops the calls (the "
                              "batch still runs to its end, and the value is returned).\n"
                              "Atomic outside a transaction (one implicit transaction): when "
                              "an item fails, no item's effects are kept, and the items after "
                              "it get PQG_ESERVER (pqg_error_is_batch_aborted()). Inside a "
                              "transaction, a failure aborts the transaction.");
            if (json_array_size(params))
                emit_sb_add(&com, " items are borrowed for the call.");
            emit_sb_add(&com, "\nReturns 0, the first failing item's code, or fn's stop value.");
        } else
            emit_sb_add(&com, "\nReturns 0 or a PQG_E* code.");
        emit_set_own(o, "comment", emit_block_comment(emit_sb_str(&com), ""));
        json_object_set_new(o, "each_comment", each_com ? each_com : json_null());
        json_object_set_new(o, "from_comment", from_com ? from_com : json_null());
    }
    if (has_struct)
        emit_set_own(o, "params_comment",
                     emit_fmt(bulk ? "/* One %s of %s (%s). */" : "/* Parameters of %s%s (%s). */",
                              bulk ? (is_copy ? "row" : "item") : "", name, loc));
    json_decref(seen), json_decref(oids), json_decref(coids), json_decref(nullables);
    json_decref(copy_oids);
    emit_sb_free(&com);
    free(snake), free(fn), free(loc), free(where);
    return o;
}
