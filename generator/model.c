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
    char err[160];
    pn_doc *tree = pn_doc_parse(r.parse_tree, strlen(r.parse_tree), err, sizeof err);
    pg_query_free_parse_result(r);
    if (!tree) {
        diag_add(d, DIAG_ERROR, st->file, st->start, NULL, "cannot read the parse tree: %s",
                 err);
        return;
    }
    const pnode *stmts = pn_list(pn_doc_root(tree), "stmts");
    for (size_t i = 0; i < pn_len(stmts); i++) {
        const pnode *raw = pn_at(stmts, i);
        catalog_apply(cat, pn_get(raw, "stmt"), st, d);
    }
    pn_doc_free(tree);
}

/* jansson reports out of memory as a failed set/append (a NULL value also fails, and is
 * released): *ok records it so that model_build() can return NULL instead of a model with
 * holes. */
static void
model_set(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (json_object_set_new_nocheck(o, key, v) != 0) /* keys are ASCII literals */
        *ok = false;
}

static void
model_append(json_t *a, json_t *v, bool *ok)
{
    if (json_array_append_new(a, v) != 0)
        *ok = false;
}

static json_t *
type_json(json_t *o, cat_tref t, bool *ok)
{
    char buf[300];
    cat_tref_name(t, buf, sizeof buf);
    model_set(o, "type", json_string(buf), ok);
    model_set(o, "array_dims", json_integer(t.dims), ok);
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
query_json(const catalog *cat, const src_stmt *st, const an_query *q, bool *ok)
{
    json_t *o = json_object();
    int line = 0, col = 0;
    source_linecol(st->file, st->name_offset, &line, &col);
    model_set(o, "name", json_string(st->name ? st->name : ""), ok);
    model_set(o, "cmd", json_string(st->cmd ? st->cmd : ":exec"), ok);
    model_set(o, "file", json_string(st->file->path), ok);
    model_set(o, "line", json_integer(line), ok);
    model_set(o, "doc", st->doc ? json_string(st->doc) : json_null(), ok);
    model_set(o, "sql", json_string(q->sql), ok);
    model_set(o, "statement", json_string(q->statement), ok);
    json_t *params = json_array();
    for (size_t i = 0; i < q->n_params; i++) {
        const an_param *p = &q->params[i];
        json_t *po = json_object();
        model_set(po, "index", json_integer(p->index), ok);
        model_set(po, "name", json_string(p->name), ok);
        type_json(po, p->type, ok);
        model_set(po, "nullable", json_boolean(p->nullable), ok);
        model_set(po, "oid", json_integer(cat_tref_oid(p->type)), ok);
        model_set(po, "slice", json_boolean(p->slice), ok);
        model_append(params, po, ok);
    }
    model_set(o, "params", params, ok);
    json_t *cols = json_array();
    for (size_t i = 0; i < q->n_cols; i++) {
        const an_column *c = &q->cols[i];
        json_t *co = json_object();
        model_set(co, "name", json_string(c->name), ok);
        type_json(co, c->type, ok);
        model_set(co, "nullable", json_boolean(c->nullable), ok);
        model_set(co, "oid", json_integer(cat_tref_oid(c->type)), ok);
        model_set(co, "table", c->table ? json_string(c->table) : json_null(), ok);
        model_set(co, "embed", c->embed ? json_string(c->embed) : json_null(), ok);
        model_append(cols, co, ok);
    }
    model_set(o, "columns", cols, ok);
    const cat_table *t = result_table(cat, q);
    model_set(o, "table", t ? json_string(t->name) : json_null(), ok);
    return o;
}

/* Applies the schema and analyzes every query; with qs (the model's "queries" array) each
 * analyzed query is appended to it. Returns the catalog (caller owns; release with
 * catalog_free()), or NULL on out of memory; *ok is false when the result is incomplete. */
static catalog *
model_analyze(const src_set *schema, const src_set *queries, diag_list *d, json_t *qs,
              bool *ok)
{
    catalog *cat = catalog_new();
    if (!cat) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; schema && i < schema->n_stmts && !catalog_failed(cat); i++)
        apply_schema_stmt(cat, &schema->stmts[i], d);
    *ok = !catalog_failed(cat);
    for (size_t i = 0; *ok && queries && i < queries->n_stmts; i++) {
        const src_stmt *st = &queries->stmts[i];
        an_query q;
        int rc = analyze_query(cat, st, &q, d);
        if (rc == -2)
            *ok = false;
        if (rc != 0)
            continue;
        if (qs)
            model_append(qs, query_json(cat, st, &q, ok), ok);
        analyze_query_free(&q);
    }
    return cat;
}

int
model_check(const src_set *schema, const src_set *queries, diag_list *d)
{
    bool ok;
    catalog_free(model_analyze(schema, queries, d, NULL, &ok));
    return ok ? 0 : -1;
}

json_t *
model_build(const src_set *schema, const src_set *queries, diag_list *d)
{
    json_t *qs = json_array();
    bool ok;
    catalog *cat = model_analyze(schema, queries, d, qs, &ok);
    if (!cat) {
        json_decref(qs);
        return NULL;
    }
    json_t *root = json_object();
    if (ok) {
        json_t *cj = catalog_to_json(cat);
        ok = cj != NULL;
        model_set(root, "catalog", cj, &ok);
    }
    model_set(root, "queries", qs, &ok);
    catalog_free(cat);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}
