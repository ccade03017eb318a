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

static const char *const local_names[] = {"args", "rc", "mem", "rows", "len",      "ctx",
                                          "db",   "p",  "out", "fn",   "userdata", "rows_affected",
                                          "i"};

/* The C name of parameter index called name: "p<index>" when unnamed, with '_' added when it
 * is one of the generated function's locals. Caller owns; release with free(). */
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
set_protos(tv *q, const char *fn, tv *args, const char *member)
{
    const char **a = calloc(tv_len(args) + 1, sizeof *a);
    size_t i, n = tv_len(args);
    char *mname;

    if (!a)
        return;
    for (i = 0; i < n; i++)
        a[i] = tv_sval(tv_at(args, i));
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
add_oid(tv *oids, long long oid, json_t *model_type)
{
    char *name = oid_type_name((uint32_t)oid, emit_str_of(model_type, "type"),
                               (int)json_integer_value(json_object_get(model_type, "array_dims")));
    emit_sb esc = {0};

    emit_comment_escape(&esc, name ? name : "");
    {
        tv *o = tv_obj_sized(tv_arena_of(oids), 2);
        tv_set_int(o, "oid", oid);
        tv_set_str(o, "name", emit_sb_str(&esc));
        tv_push(oids, o);
    }
    emit_sb_free(&esc);
    free(name);
}

/* key: the full declaration of the OID array ("static const uint32_t x[n] = {25 /" "* text *" "/,
 * ...};"), or null; key_ref: its name, or "NULL" when there are none. oids: add_oid's. */
static void
set_oid_array(tv *o, const char *key, const char *fn, tv *oids)
{
    size_t i, n = tv_len(oids);
    char **items = calloc(n + 1, sizeof *items), *name = emit_fmt("%s_%s", fn, key), *head, *ref;
    tv *e;

    ref = emit_fmt("%s_ref", key);
    if (n == 0 || !items || !name || !ref) {
        emit_set_str(o, key, NULL);
        emit_set_str(o, ref ? ref : "?", "NULL");
    } else {
        tv_foreach (oids, i, e) {
            long long oid = tv_ival(tv_get(e, "oid"));
            items[i] = emit_fmt("%lld /* %s */", oid, emit_sv(e, "name"));
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
        int len = tv_format(want, sizeof want, "$%zu", k);
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
derive_bulk(emit_ctx *cx, tv *o, const char *kind, const char *fn, const char *snake,
            const char *where, tv *row, bool has_params)
{
    const char *ps = emit_sv(o, "params_struct"), *stmt = emit_sv(o, "stmt");
    const char *row_c = row ? emit_sv(row, "c_name") : "";
    /* Without temporaries to release after it, the runtime call is the return value. */
    const char *lead = tv_is_true(tv_get(o, "has_temps")) ? "    rc =" : "    return";
    tv *args = tv_arr(cx->a);
    char *s;

    emit_set_own(o, "ctx_type", emit_fmt("%s_%s", fn, strcmp(kind, "copyfrom") ? "batch" : "copy"));
    emit_set_own(o, "release_fn", emit_fmt("%s_release", fn));
    emit_set_own(o, "result_fn", emit_fmt("%s_result", fn));
    tv_push_str(args, "pqg_db *db");
    if (!strcmp(kind, "copyfrom")) {
        tv *from = tv_arr(cx->a), *fo = tv_obj(cx->a);
        char *from_fn = emit_fmt("%s_from", fn), *member = emit_fmt("%s_from", snake);
        const char *call[6];

        emit_set_own(o, "bind_fn", emit_fmt("%s_bind_row", fn));
        tv_push_fmt(args, "const %s *rows", ps);
        tv_push_str(args, "size_t n_rows");
        tv_push_str(args, "int64_t *copied");
        tv_push_str(from, "pqg_db *db");
        tv_push_fmt(from, "int (*next)(%s *row, void *userdata)", ps);
        tv_push_str(from, "void *userdata");
        tv_push_str(from, "int64_t *copied");
        set_protos(fo, from_fn, from, member);
        tv_set(o, "from_proto", tv_get(fo, "proto"));
        tv_set(o, "from_proto_def", tv_get(fo, "proto_def"));
        tv_set(o, "from_member", tv_get(fo, "member"));
        emit_set_str(o, "from_fn", from_fn);
        emit_claim(cx, from_fn, where);
        s = emit_fmt("&%s", stmt);
        call[0] = "db", call[1] = s, call[2] = "n_rows", call[3] = emit_sv(o, "bind_fn");
        call[4] = "&ctx", call[5] = "copied";
        emit_set_own(o, "call", emit_proto(lead, "pqg_copy_from", call, 6, false, ";"));
        call[2] = "PQG_COPY_UNBOUNDED";
        emit_set_own(o, "from_call", emit_proto(lead, "pqg_copy_from", call, 6, false, ";"));
        free(s);
        free(from_fn), free(member);
    } else {
        const char *call[8];
        char *size = row ? emit_fmt("sizeof(%s)", row_c) : strdup("0");
        char *dec = row ? strdup(emit_sv(o, "decode_fn")) : strdup("NULL");
        char *res = !strcmp(kind, "batchexec")
                        ? emit_fmt("fn != NULL ? %s : NULL", emit_sv(o, "result_fn"))
                        : strdup(emit_sv(o, "result_fn"));

        emit_set_own(o, "bind_fn", has_params ? emit_fmt("%s_bind_item", fn) : strdup("NULL"));
        if (has_params)
            tv_push_fmt(args, "const %s *items", ps);
        tv_push_str(args, "size_t n_items");
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
                         emit_proto("static int", emit_sv(o, "result_fn"), rr, 6, true, ""));
            emit_claim(cx, tname, where);
            s = emit_fmt("%s fn", tname);
            free(r1), free(r2), free(tname), free(pname);
        }
        tv_push_str(args, s);
        tv_push_str(args, "void *userdata");
        free(s);
        s = emit_fmt("&%s", stmt);
        call[0] = "db", call[1] = s, call[2] = "n_items", call[3] = emit_sv(o, "bind_fn");
        call[4] = dec, call[5] = size, call[6] = res, call[7] = "&ctx";
        emit_set_own(o, "call",
                     emit_proto(lead, !strcmp(kind, "batchone") ? "pqg_batch_run_one"
                                                                : "pqg_batch_run",
                                call, 8, false, ";"));
        free(s), free(size), free(dec), free(res);
    }
    set_protos(o, fn, args, snake);
    {
        /* The adapters' static names can clash with another query's public ones. */
        const char *keys[] = {"ctx_type", "release_fn", "result_fn", "bind_fn"};
        size_t k;
        for (k = 0; k < 4; k++)
            if (strcmp(emit_sv(o, keys[k]), "NULL") != 0)
                emit_claim(cx, emit_sv(o, keys[k]), where);
    }
}

/* For a :one whose only column has a fixed-size C type (an integer, float, bool, uuid, time
 * value or enum, nullable or not), sets o["scalar"]: the value comes back through a typed
 * out-parameter named after the column, as sqlc returns a scalar, instead of a one-field row
 * struct with a block to free. Returns whether it did. params: the derived parameters. */
static bool
derive_scalar(emit_ctx *cx, tv *o, json_t *q, const char *where, tv *params)
{
    json_t *cols = json_object_get(q, "columns"), *c = json_array_get(cols, 0);
    tv *sc, *dec, *p;
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
    tv_foreach (params, i, p)
        clash = clash || (id && strcmp(id, emit_sv(p, "c_name")) == 0);
    if (clash) {
        char *alt = emit_fmt("%s_out", id);
        free(id);
        id = alt;
    }

    sc = tv_obj(cx->a);
    dec = tv_arr(cx->a);
    emit_set_str(sc, "name", id);
    emit_set_str(sc, "c_type", t.c_type);
    tv_set_fmt(sc, "decl", "%s *%s", t.c_type, id ? id : "");
    emit_decode_lines(&t, 0, "*dst", "", dec);
    tv_set(sc, "decode", dec);
    emit_set_str(sc, "null_note", !t.nullable             ? ""
                                  : t.kind == EMIT_ENUM ? " (0 for SQL NULL)"
                                                        : " (.valid false for SQL NULL)");
    tv_set(o, "scalar", sc);
    free(id);
    return true;
}

tv *
emit_derive_query(emit_ctx *cx, json_t *q, tv *by_key)
{
    tv_arena *a = cx->a;
    /* Room for the ~70 derived members: no regrowth of the member table. */
    tv *o = tv_from_json_obj(a, q, 72), *params = tv_arr(a), *pre = tv_arr(a);
    tv *bind = tv_arr(a), *post = tv_arr(a), *temps = tv_arr(a), *fields = NULL;
    tv *row = NULL, *scalar;
    json_t *p;
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
    tv *seen = tv_obj(a), *oids = tv_arr(a), *coids = tv_arr(a), *nullables;
    tv *copy_oids = tv_arr(a);
    emit_sb com = {0};
    size_t i;
    int n_cols;

    nullables = tv_arr(a);
    emit_set_str(o, "fn", fn);
    emit_set_str(o, "snake", snake);
    emit_set_str(o, "location", loc);
    emit_set_str(o, "kind", kind);
    tv_set_bool(o, "is_one", is_one);
    tv_set_bool(o, "is_many", is_many);
    /* _each may cancel the rest of a result it stops reading only when that undoes nothing. */
    tv_set_bool(o, "cancel_on_stop", is_many && json_is_true(json_object_get(q, "read_only")));
    tv_set_bool(o, "is_exec", !strcmp(kind, "exec"));
    tv_set_bool(o, "is_execrows", !strcmp(kind, "execrows"));
    tv_set_bool(o, "is_execresult", !strcmp(kind, "execresult"));
    tv_set_bool(o, "is_copyfrom", is_copy);
    tv_set_bool(o, "is_batchexec", !strcmp(kind, "batchexec"));
    tv_set_bool(o, "is_batchone", !strcmp(kind, "batchone"));
    tv_set_bool(o, "is_batchmany", !strcmp(kind, "batchmany"));
    tv_set_bool(o, "is_batch", is_batch);
    tv_set_bool(o, "is_bulk", bulk);
    tv_set_bool(o, "is_plain", !bulk);
    tv_set_fmt(o, "stmt", "%s_stmt", fn);
    tv_set_fmt(o, "decode_fn", "%s_decode", fn);
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
        tv_set(o, "sql_lines", emit_c_string_lines(a, copy));
        {
            char *c = emit_fmt("%s as COPY: the OIDs are the columns' exact types, so that every "
                               "value is bound in COPY's binary form (an enum's is its label: "
                               "OID 0).", name);
            emit_set_own(o, "copy_comment", emit_block_comment(c, ""));
            free(c);
        }
        tv_set_bool(o, "overlength", strlen(copy) > 4000);
        free(copy);
    } else {
        tv_set(o, "sql_lines", emit_c_string_lines(a, emit_str_of(q, "sql")));
        tv_set_bool(o, "overlength", strlen(emit_str_of(q, "sql")) > 4000);
    }
    emit_claim(cx, fn, where);

    /* Parameters. */
    json_array_foreach(json_object_get(q, "params"), i, p) {
        tv *po = tv_from_json_obj(a, p, 16);
        size_t index = (size_t)json_integer_value(json_object_get(p, "index"));
        char *id = param_ident(json_string_value(json_object_get(p, "name")), index);
        char *what = emit_fmt("%s: parameter $%zu", where, index), *rv, *tmp;
        bool nullable = json_is_true(json_object_get(p, "nullable"));
        uint32_t model_oid = (uint32_t)json_integer_value(json_object_get(p, "oid"));
        emit_type t;

        if (tv_get(seen, id)) {
            char *alt = emit_fmt("%s_%zu", id, index);
            free(id);
            id = alt;
        }
        tv_set(seen, id, tv_bool(1));
        if (emit_map_type(cx, emit_str_of(p, "type"),
                          (int)json_integer_value(json_object_get(p, "array_dims")), nullable,
                          model_oid, NULL, true, what, &t) != 0) {
            free(id), free(what);
            continue;
        }
        emit_set_str(po, "c_name", id);
        emit_type_to_tv(&t, po);
        {
            const char *decl = emit_decl_of(a, t.c_type, id);
            char c[64];
            tv_set_str(po, "decl", decl);
            tv_format(c, sizeof c, "/* $%zu%s */", index, nullable ? ", nullable" : "");
            tv_set_fmt(po, "field_comment", " %s", c);
            emit_member_lines(po, decl, c);
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
        if (tv_get(seen, tmp)) {
            free(tmp);
            tmp = emit_fmt("arg%zu_", index);
        }
        tv_set(seen, tmp, tv_bool(1));
        emit_bind_lines(&t, rv, tmp, &mode, temps, pre, bind, post);
        if (nullable)
            tv_push_str(nullables, id);
        tv_push(params, po);
        free(id), free(what), free(rv), free(tmp);
    }
    emit_mark_last(params);
    tv_set(o, "params", params);
    tv_set_int(o, "n_params", (long long)tv_len(params));
    tv_set_bool(o, "has_params", tv_len(params) > 0);
    tv_set_bool(o, "has_params_struct", has_struct);
    tv_set_fmt(o, "params_struct", "%s_params", fn);
    if (has_struct)
        emit_claim(cx, emit_sv(o, "params_struct"), where);
    set_oid_array(o, "param_types", fn, is_copy ? copy_oids : oids);
    tv_set(o, "temps", temps);
    tv_set_bool(o, "has_temps", tv_len(temps) > 0);
    tv_set(o, "pre", pre);
    tv_set(o, "bind", bind);
    tv_set(o, "post", post);
    tv_set_bool(o, "has_pre", tv_len(pre) > 0);

    /* The row: a table's struct when the model says so, a fixed-size scalar for a :one of one
     * such column, else a struct of its own. */
    if (returns_rows && is_one && derive_scalar(cx, o, q, where, params)) {
        tv_set(o, "row", tv_null());
    } else if (returns_rows) {
        const char *tname = json_string_value(json_object_get(q, "table"));
        tv *tbl = tname ? tv_get(by_key, tname) : NULL;
        if (tbl) {
            /* The table's decoder uses the table's column order, which the model guarantees
             * to be the query's; models.c defines it once for every query returning tbl. */
            row = tbl;
            tv_set_bool(row, "has_decode", 1);
            emit_set_str(o, "decode_fn", emit_sv(row, "decode_fn"));
        } else {
            char *c_name = emit_fmt("%s_row", fn);
            fields =
                emit_derive_fields(cx, json_object_get(q, "columns"), NULL, where, by_key, &n_cols);
            row = tv_obj_sized(a, 40);
            tv_set(row, "fields", fields);
            tv_set_bool(row, "is_table", 0);
            emit_struct_names(cx, row, c_name, fn, where);
            tv_set_fmt(row, "comment", "/* A row of %s (%s). */", name, loc);
            emit_set_str(row, "decode_fn", emit_sv(o, "decode_fn"));
            if (!is_one && !is_many)
                tv_set_bool(row, "has_free", 0);
            free(c_name);
        }
        /* Only :many hands out a _rows array (emit_derive marks table structs). */
        if (is_many)
            tv_set_bool(row, "has_rows", 1);
        tv_set(o, "row", row);
    } else {
        tv_set(o, "row", tv_null());
    }
    if (!tv_get(o, "scalar"))
        tv_set(o, "scalar", tv_null());
    scalar = tv_get(o, "scalar");
    if (tv_kind_of(scalar) != TV_OBJ)
        scalar = NULL;
    emit_set_str(o, "out_name", scalar ? emit_sv(scalar, "name") : "out");
    out_name = emit_sv(o, "out_name");
    tv_set_int(o, "n_columns", (long long)json_array_size(json_object_get(q, "columns")));
    {
        json_t *c;
        json_array_foreach(json_object_get(q, "columns"), i, c)
            add_oid(coids, json_integer_value(json_object_get(c, "oid")), c);
        set_oid_array(o, "column_types", fn, coids);
    }
    tv_set_bool(o, "has_columns", json_array_size(json_object_get(q, "columns")) > 0);

    if (bulk) {
        derive_bulk(cx, o, kind, fn, snake, where, row, tv_len(params) > 0);
    } else {
        /* Prototypes: the plain call and, for :many, the streaming _each variant. */
        tv *args = tv_arr(a), *each_args;
        const char *row_c = row ? emit_sv(row, "c_name") : "";
        const char *rows_c = row ? emit_sv(row, "rows_name") : "";
        tv *po;
        char *each_fn = emit_fmt("%s_each", fn);

        tv_push_str(args, "pqg_db *db");
        if (has_struct)
            tv_push_fmt(args, "const %s_params *p", fn);
        else
            tv_foreach (params, i, po)
                tv_push_str(args, emit_sv(po, "decl"));
        each_args = tv_arr_copy(a, args);
        if (is_one && scalar)
            tv_push_str(args, emit_sv(scalar, "decl"));
        else if (is_one)
            tv_push_fmt(args, "%s *out", row_c);
        else if (is_many)
            tv_push_fmt(args, "%s *out", rows_c);
        else if (!strcmp(kind, "execrows"))
            tv_push_str(args, "int64_t *rows_affected");
        else if (!strcmp(kind, "execresult"))
            tv_push_str(args, "pqg_exec_result *out");
        set_protos(o, fn, args, snake);
        if (is_many) {
            tv *eo = tv_obj(a);
            char *member = emit_fmt("%s_each", snake);
            tv_push_fmt(each_args, "int (*fn)(const %s *row, void *userdata)", row_c);
            tv_push_str(each_args, "void *userdata");
            set_protos(eo, each_fn, each_args, member);
            tv_set(o, "each_proto", tv_get(eo, "proto"));
            tv_set(o, "each_proto_def", tv_get(eo, "proto_def"));
            tv_set(o, "each_member", tv_get(eo, "member"));
            emit_set_str(o, "each_fn", each_fn);
            tv_set_fmt(o, "each_ctx", "%s_each_ctx", fn);
            tv_set_fmt(o, "each_row_fn", "%s_each_row", fn);
            emit_claim(cx, each_fn, where);
            free(member);
        }
        free(each_fn);
    }

    /* The runtime call, wrapped at 100 columns at two indentations (plain, and under the
     * "if (rc == 0)" that guards parameters needing allocation). */
    if (!bulk) {
        const char *stmt = emit_sv(o, "stmt"), *dec = emit_sv(o, "decode_fn");
        bool has_pre = tv_len(pre) > 0;
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
            a[na++] = emit_fmt("sizeof(%s)", emit_sv(row, "c_name"));
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
            tv_set_bool(o, "direct_return", direct);
            emit_set_own(o, "call",
                         emit_proto(direct ? "    return" : "    rc =", call, av, na + 1, false,
                                    ";"));
            emit_set_own(o, "call_nested",
                         emit_proto("        rc =", call, av, na + 1, false, ";"));
            if (is_many) {
                const char *ev[8] = {"db",  a[0], "&args", dec, a[3], emit_sv(o, "each_row_fn"),
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
    if (tv_len(nullables) > 0) {
        tv *e;
        emit_sb_add(&com, bulk ? "\nNullable fields (NULL, .valid = false or 0 is SQL NULL):"
                               : "\nNullable (NULL, .valid = false or 0 binds SQL NULL):");
        tv_foreach (nullables, i, e)
            emit_sb_printf(&com, "%s %s%s", i ? "," : "", has_struct && !bulk ? "p->" : "",
                           tv_sval(e));
        emit_sb_add(&com, ".");
    }
    {
        tv *each_com = NULL, *from_com = NULL;
        if (scalar)
            emit_sb_printf(&com,
                           "\nReturns 0 and sets *%s%s, PQG_ENOTFOUND when there is no row, or "
                           "another PQG_E* code (*%s is then zero).",
                           out_name, emit_sv(scalar, "null_note"), out_name);
        else if (is_one)
            emit_sb_printf(&com,
                           "\nReturns 0 and fills *out, PQG_ENOTFOUND when there is no row, "
                           "or another PQG_E* code.\n*out owns its strings: release with "
                           "%s(); on error *out is empty.",
                           emit_sv(row, "free_fn"));
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
                           emit_sv(row, "rows_free_fn"));
            c2 = emit_block_comment(emit_sb_str(&e), "");
            each_com = tv_str(a, c2);
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
            from_com = tv_str(a, c2);
            free(c2);
            emit_sb_free(&e);
        } else if (is_batch) {
            /* One paragraph per line: emit_block_comment wraps them. */
            emit_sb_printf(&com, "\nRuns the statement once per item%s, all in one round "
                                 "trip (pipeline mode).",
                           tv_len(params) ? " of items[0..n_items)" : "");
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
            if (tv_len(params))
                emit_sb_add(&com, " items are borrowed for the call.");
            emit_sb_add(&com, "\nReturns 0, the first failing item's code, or fn's stop value.");
        } else
            emit_sb_add(&com, "\nReturns 0 or a PQG_E* code.");
        emit_set_own(o, "comment", emit_block_comment(emit_sb_str(&com), ""));
        tv_set(o, "each_comment", each_com ? each_com : tv_null());
        tv_set(o, "from_comment", from_com ? from_com : tv_null());
    }
    if (has_struct)
        emit_set_own(o, "params_comment",
                     emit_fmt(bulk ? "/* One %s of %s (%s). */" : "/* Parameters of %s%s (%s). */",
                              bulk ? (is_copy ? "row" : "item") : "", name, loc));
    emit_sb_free(&com);
    free(snake), free(fn), free(loc), free(where);
    return o;
}
