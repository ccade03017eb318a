/*
 * model.c - model_build(): applies the schema statements to a catalog, analyzes every query
 * and writes both as the model JSON (the contract with emit.c, documented in the README).
 * Parsing happens here one statement at a time; each tree is released right after use.
 */
#include "model.h"

#include <pg_query.h>
#include <string.h>

#include "analyze.h"
#include "catalog.h"
#include "pgnode.h"

static void
apply_schema_stmt(catalog *cat, const src_stmt *st, diag_list *d)
{
    PgQueryParseResult r = pg_query_parse(st->sql);
    if (r.error) {
        size_t off = source_cursor_to_offset(st->sql, r.error->cursorpos);
        diag_add(d, DIAG_ERROR, st->file, st->start + off, NULL, "%s",
                 r.error->message ? r.error->message : "syntax error");
        pg_query_free_parse_result(r);
        return;
    }
    json_error_t je;
    json_t *tree = json_loadb(r.parse_tree, strlen(r.parse_tree), 0, &je);
    pg_query_free_parse_result(r);
    if (!tree) {
        diag_add(d, DIAG_ERROR, st->file, st->start, NULL, "cannot read the parse tree: %s",
                 je.text);
        return;
    }
    const json_t *stmts = pn_list(tree, "stmts");
    for (size_t i = 0; i < pn_len(stmts); i++) {
        const json_t *raw = pn_at(stmts, i);
        catalog_apply(cat, json_object_get(raw, "stmt"), st, d);
    }
    json_decref(tree);
}

static json_t *
type_json(json_t *o, cat_tref t)
{
    char buf[300];
    cat_tref_name(t, buf, sizeof buf);
    json_object_set_new(o, "type", json_string(buf));
    json_object_set_new(o, "array_dims", json_integer(t.dims));
    return o;
}

/* The catalog table whose columns the result is exactly (names, order, types, nullability). */
static const cat_table *
result_table(const catalog *cat, const an_query *q)
{
    if (!q->n_cols || !q->cols[0].table)
        return NULL;
    const cat_table *t = catalog_table(cat, NULL, q->cols[0].table);
    if (!t)
        for (size_t i = 0; i < cat->n_tables && !t; i++)
            if (!cat->tables[i]->dropped && !strcmp(cat->tables[i]->name, q->cols[0].table))
                t = cat->tables[i];
    if (!t || t->n_cols != q->n_cols)
        return NULL;
    for (size_t i = 0; i < q->n_cols; i++) {
        const an_column *c = &q->cols[i];
        if (strcmp(c->name, t->cols[i].name) != 0 || !cat_tref_eq(c->type, t->cols[i].type) ||
            c->nullable == t->cols[i].not_null || c->embed)
            return NULL;
    }
    return t;
}

static json_t *
query_json(const catalog *cat, const src_stmt *st, const an_query *q)
{
    json_t *o = json_object();
    int line = 0, col = 0;
    source_linecol(st->file, st->name_offset, &line, &col);
    json_object_set_new(o, "name", json_string(st->name ? st->name : ""));
    json_object_set_new(o, "cmd", json_string(st->cmd ? st->cmd : ":exec"));
    json_object_set_new(o, "file", json_string(st->file->path));
    json_object_set_new(o, "line", json_integer(line));
    json_object_set_new(o, "doc", st->doc ? json_string(st->doc) : json_null());
    json_object_set_new(o, "sql", json_string(q->sql));
    json_object_set_new(o, "statement", json_string(q->statement));
    json_t *params = json_array();
    for (size_t i = 0; i < q->n_params; i++) {
        const an_param *p = &q->params[i];
        json_t *po = json_object();
        json_object_set_new(po, "index", json_integer(p->index));
        json_object_set_new(po, "name", json_string(p->name));
        type_json(po, p->type);
        json_object_set_new(po, "nullable", json_boolean(p->nullable));
        json_object_set_new(po, "oid", json_integer(cat_tref_oid(p->type)));
        json_object_set_new(po, "slice", json_boolean(p->slice));
        json_array_append_new(params, po);
    }
    json_object_set_new(o, "params", params);
    json_t *cols = json_array();
    for (size_t i = 0; i < q->n_cols; i++) {
        const an_column *c = &q->cols[i];
        json_t *co = json_object();
        json_object_set_new(co, "name", json_string(c->name));
        type_json(co, c->type);
        json_object_set_new(co, "nullable", json_boolean(c->nullable));
        json_object_set_new(co, "oid", json_integer(cat_tref_oid(c->type)));
        json_object_set_new(co, "table", c->table ? json_string(c->table) : json_null());
        json_object_set_new(co, "embed", c->embed ? json_string(c->embed) : json_null());
        json_array_append_new(cols, co);
    }
    json_object_set_new(o, "columns", cols);
    const cat_table *t = result_table(cat, q);
    json_object_set_new(o, "table", t ? json_string(t->name) : json_null());
    return o;
}

json_t *
model_build(const src_set *schema, const src_set *queries, diag_list *d)
{
    catalog *cat = catalog_new();
    if (!cat)
        return NULL;
    for (size_t i = 0; schema && i < schema->n_stmts; i++)
        apply_schema_stmt(cat, &schema->stmts[i], d);
    json_t *qs = json_array();
    for (size_t i = 0; queries && i < queries->n_stmts; i++) {
        const src_stmt *st = &queries->stmts[i];
        an_query q;
        if (analyze_query(cat, st, &q, d) != 0)
            continue;
        json_array_append_new(qs, query_json(cat, st, &q));
        analyze_query_free(&q);
    }
    json_t *root = json_object();
    json_object_set_new(root, "catalog", catalog_to_json(cat));
    json_object_set_new(root, "queries", qs);
    catalog_free(cat);
    return root;
}
