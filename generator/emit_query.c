/*
 * emit_query.c - the derived form of one query: C names, parameters (scalars or a params
 * struct) with their bind lines, the row (a table's struct or its own), the statement
 * descriptor's OID arrays, wrapped prototypes and runtime calls, and the doc comment.
 * The shared helpers and struct fields are emit_derive.c's; types are emit_types.c's.
 */
#include "emit_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *
cmd_kind(const char *cmd)
{
    if (!strcmp(cmd, ":one") || !strcmp(cmd, ":batchone"))
        return "one";
    if (!strcmp(cmd, ":many") || !strcmp(cmd, ":batchmany"))
        return "many";
    if (!strcmp(cmd, ":execrows"))
        return "execrows";
    if (!strcmp(cmd, ":execresult"))
        return "execresult";
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

/* key: the full declaration of the OID array ("static const uint32_t x[n] = {...};"), or null;
 * key_ref: its name, or "NULL" when there are none. */
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
        json_array_foreach (oids, i, e)
            items[i] = emit_fmt("%lld", (long long)json_integer_value(e));
        head = emit_fmt("static const uint32_t %s[%zu] = {", name, n);
        emit_set_own(o, key, emit_wrap_list(head, (const char *const *)items, n, "};"));
        emit_set_str(o, ref, name);
        free(head);
        for (i = 0; i < n; i++)
            free(items[i]);
    }
    free(items), free(name), free(ref);
}

json_t *
emit_derive_query(emit_ctx *cx, json_t *q, json_t *by_key)
{
    json_t *o = json_deep_copy(q), *params = json_array(), *pre = json_array();
    json_t *bind = json_array(), *post = json_array(), *fields = NULL, *row = NULL, *p;
    const char *name = emit_str_of(q, "name"), *cmd = emit_str_of(q, "cmd"),
               *file = emit_str_of(q, "file");
    const char *kind = cmd_kind(cmd);
    int line = (int)json_integer_value(json_object_get(q, "line"));
    char *snake = emit_snake(name), *fn = emit_fmt("%s_%s", cx->prefix, snake);
    char *loc = emit_fmt("%s:%d", file, line), *where = emit_fmt("%s: query %s", loc, name);
    bool has_struct = json_array_size(json_object_get(q, "params")) > 3;
    bool returns_rows = !strcmp(kind, "one") || !strcmp(kind, "many");
    json_t *seen = json_object(), *oids = json_array(), *coids = json_array(), *nullables;
    emit_sb nl = {0}, com = {0};
    size_t i;
    int n_cols = 0;

    nullables = json_array();
    emit_set_str(o, "fn", fn);
    emit_set_str(o, "snake", snake);
    emit_set_str(o, "location", loc);
    emit_set_str(o, "kind", kind);
    json_object_set_new(o, "is_one", json_boolean(!strcmp(kind, "one")));
    json_object_set_new(o, "is_many", json_boolean(!strcmp(kind, "many")));
    json_object_set_new(o, "is_exec", json_boolean(!strcmp(kind, "exec")));
    json_object_set_new(o, "is_execrows", json_boolean(!strcmp(kind, "execrows")));
    json_object_set_new(o, "is_execresult", json_boolean(!strcmp(kind, "execresult")));
    emit_set_own(o, "stmt", emit_fmt("%s_stmt", fn));
    emit_set_own(o, "decode_fn", emit_fmt("%s_decode", fn));
    json_object_set_new(o, "sql_lines", emit_c_string_lines(emit_str_of(q, "sql")));
    json_object_set_new(o, "overlength", json_boolean(strlen(emit_str_of(q, "sql")) > 4000));
    emit_claim(cx, fn, where);

    /* Parameters. */
    json_array_foreach (json_object_get(q, "params"), i, p) {
        json_t *po = json_deep_copy(p);
        size_t index = (size_t)json_integer_value(json_object_get(p, "index"));
        char *id = param_ident(json_string_value(json_object_get(p, "name")), index);
        char *what = emit_fmt("%s: parameter $%zu", where, index), *rv, *tmp;
        bool nullable = json_is_true(json_object_get(p, "nullable"));
        emit_type t;

        if (json_object_get(seen, id)) {
            char *alt = emit_fmt("%s_%zu", id, index);
            free(id);
            id = alt;
        }
        json_object_set(seen, id, json_true());
        if (emit_map_type(cx, emit_str_of(p, "type"),
                          (int)json_integer_value(json_object_get(p, "array_dims")), nullable,
                          (uint32_t)json_integer_value(json_object_get(p, "oid")), NULL, true, what,
                          &t) != 0) {
            json_decref(po);
            free(id), free(what);
            continue;
        }
        emit_set_str(po, "c_name", id);
        emit_type_to_json(&t, po);
        emit_set_own(po, "decl", emit_decl_of(t.c_type, id));
        emit_set_own(po, "field_comment",
                     emit_fmt(" /* $%zu%s */", index, nullable ? ", nullable" : ""));
        json_array_append_new(oids, json_integer(t.param_oid));
        rv = has_struct ? emit_fmt("p->%s", id) : strdup(id);
        /* Temporaries for converted arguments; argN_ if the natural name is taken. */
        tmp = emit_fmt("%s_%s", id, t.kind == EMIT_JANSSON ? "json" : "text");
        if (json_object_get(seen, tmp)) {
            free(tmp);
            tmp = emit_fmt("arg%zu_", index);
        }
        json_object_set(seen, tmp, json_true());
        emit_bind_lines(&t, rv, tmp, pre, bind, post);
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
    set_oid_array(o, "param_types", fn, oids);
    json_object_set_new(o, "pre", pre);
    json_object_set_new(o, "bind", bind);
    json_object_set_new(o, "post", post);
    json_object_set_new(o, "has_pre", json_boolean(json_array_size(pre) > 0));

    /* The row: a table's struct when the model says so, else a struct of its own. */
    if (returns_rows) {
        const char *tname = json_string_value(json_object_get(q, "table"));
        json_t *tbl = tname ? json_object_get(by_key, tname) : NULL;
        if (tbl) {
            row = json_incref(tbl);
            n_cols = (int)json_array_size(json_object_get(q, "columns"));
            fields = json_object_get(tbl, "fields");
            /* The table's decode lines use dst-> and the table's column order, which the
             * model guarantees to be the query's. */
        } else {
            char *c_name = emit_fmt("%s_row", fn);
            fields =
                emit_derive_fields(cx, json_object_get(q, "columns"), NULL, where, by_key, &n_cols);
            row = json_object();
            json_object_set_new(row, "fields", fields);
            json_object_set_new(row, "is_table", json_false());
            emit_struct_names(cx, row, c_name, fn, where);
            emit_set_own(row, "comment", emit_fmt("/* A row of %s (%s). */", name, loc));
            free(c_name);
        }
        json_object_set_new(o, "row", row);
    } else {
        json_object_set_new(o, "row", json_null());
    }
    json_object_set_new(o, "n_columns",
                        json_integer((json_int_t)json_array_size(json_object_get(q, "columns"))));
    {
        json_t *c;
        json_array_foreach (json_object_get(q, "columns"), i, c)
            json_array_append_new(coids,
                                  json_integer(json_integer_value(json_object_get(c, "oid"))));
        set_oid_array(o, "column_types", fn, coids);
    }
    json_object_set_new(o, "has_columns",
                        json_boolean(json_array_size(json_object_get(q, "columns")) > 0));
    (void)n_cols;

    /* Prototypes: the plain call and, for :many, the streaming _each variant. */
    {
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
        if (!strcmp(kind, "one"))
            json_array_append_new(args, json_sprintf("%s *out", row_c));
        else if (!strcmp(kind, "many"))
            json_array_append_new(args, json_sprintf("%s *out", rows_c));
        else if (!strcmp(kind, "execrows"))
            json_array_append_new(args, BOX("int64_t *rows_affected"));
        else if (!strcmp(kind, "execresult"))
            json_array_append_new(args, BOX("pqg_exec_result *out"));
        set_protos(o, fn, args, snake);
        if (!strcmp(kind, "many")) {
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
    {
        const char *stmt = emit_str_of(o, "stmt"), *dec = emit_str_of(o, "decode_fn");
        char *a[7], *size = NULL;
        const char *call = "pqg_exec";
        size_t na = 0, k;
        if (!strcmp(kind, "one")) {
            call = "pqg_query_one";
            a[na++] = emit_fmt("&%s", stmt), a[na++] = strdup("&args"), a[na++] = strdup(dec);
            a[na++] = strdup("out"), a[na++] = strdup("sizeof *out"), a[na++] = strdup("&mem");
        } else if (!strcmp(kind, "many")) {
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
            emit_set_own(o, "call", emit_proto("    rc =", call, av, na + 1, false, ";"));
            emit_set_own(o, "call_nested",
                         emit_proto("        rc =", call, av, na + 1, false, ";"));
            if (!strcmp(kind, "many")) {
                const char *ev[8] = {"db",  a[0], "&args", dec, a[3], emit_str_of(o, "each_row_fn"),
                                     "&ctx"};
                emit_set_own(o, "each_call",
                             emit_proto("    rc =", "pqg_query_each", ev, 7, false, ";"));
                emit_set_own(o, "each_call_nested",
                             emit_proto("        rc =", "pqg_query_each", ev, 7, false, ";"));
            }
        }
        for (k = 0; k < na; k++)
            free(a[k]);
        free(size);
    }

    /* The doc comment: name, place, the user's doc lines, what it returns, who owns what. */
    emit_sb_printf(&com, "%s %s (%s)", name, cmd, loc);
    if (json_string_value(json_object_get(q, "doc")))
        emit_sb_printf(&com, "\n%s", emit_str_of(q, "doc"));
    if (!strcmp(cmd, ":batchexec") || !strcmp(cmd, ":batchone") || !strcmp(cmd, ":batchmany"))
        emit_sb_printf(&com,
                       "\n%s runs one item per call for now: libpqg has no pipeline API "
                       "yet, so the batched form is not generated.",
                       cmd);
    if (!strcmp(cmd, ":copyfrom"))
        emit_sb_add(&com, "\n:copyfrom inserts one row per call for now: libpqg has no COPY API "
                          "yet, so the bulk form is not generated.");
    if (json_array_size(nullables) > 0) {
        json_t *e;
        emit_sb_add(&com, "\nNullable (NULL, .valid = false or 0 binds SQL NULL):");
        json_array_foreach (nullables, i, e)
            emit_sb_printf(&com, "%s %s%s", i ? "," : "", has_struct ? "p->" : "",
                           json_string_value(e));
        emit_sb_add(&com, ".");
    }
    {
        json_t *each_com = NULL;
        if (!strcmp(kind, "one"))
            emit_sb_printf(&com,
                           "\nReturns 0 and fills *out, PQG_ENOTFOUND when there is no row, "
                           "or another PQG_E* code.\n*out owns its strings: release with "
                           "%s(); on error *out is empty.",
                           emit_str_of(row, "free_fn"));
        else if (!strcmp(kind, "many")) {
            char *c2;
            emit_sb e = {0};
            emit_sb_add(&e, emit_sb_str(&com));
            emit_sb_printf(&com,
                           "\nReturns 0 and fills *out (len 0 when no row matches), or a "
                           "PQG_E* code.\n*out owns its rows and their strings: release "
                           "with %s(); on error *out is empty.",
                           emit_str_of(row, "rows_free_fn"));
            emit_sb_printf(&e, "\nStreams the rows to fn instead, without copying: each row is "
                               "borrowed and valid only\nduring the call. fn returns 0 to "
                               "continue; any other value stops the scan and is returned.\n"
                               "Returns 0, fn's value or a PQG_E* code.");
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
        else
            emit_sb_add(&com, "\nReturns 0 or a PQG_E* code.");
        emit_set_own(o, "comment", emit_block_comment(emit_sb_str(&com), ""));
        json_object_set_new(o, "each_comment", each_com ? each_com : json_null());
    }
    if (has_struct)
        emit_set_own(o, "params_comment", emit_fmt("/* Parameters of %s (%s). */", name, loc));
    json_decref(seen), json_decref(oids), json_decref(coids), json_decref(nullables);
    emit_sb_free(&nl), emit_sb_free(&com);
    free(snake), free(fn), free(loc), free(where);
    return o;
}
