/*
 * model.c - model_build(): applies the schema statements to a catalog, analyzes every query
 * and writes both as the model JSON (the contract with emit.c, documented in the README).
 * Parsing happens here one statement at a time; each tree is released right after use.
 * model_stream runs the query analysis on a worker thread and hands each query over as soon as
 * it is analyzed, so that pqgen generate derives C for one query while the next is parsed.
 */
#include "model.h"

#include <pg_query.h>
#include <pthread.h>
#include <stdlib.h>
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

/* The catalog table whose columns the result is exactly (names, order, types, nullability),
 * except that a column nullable in the table but proven non-null by the query's WHERE
 * (x IS NOT NULL) still fits: the table's struct is reused, its field nullable. */
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
            (c->nullable ? t->cols[i].not_null
                         : !t->cols[i].not_null && !c->where_not_null) ||
            c->embed)
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
    model_set(o, "read_only", json_boolean(q->read_only), ok);
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
        if (c->where_not_null)
            model_set(co, "where_not_null", json_true(), ok);
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

/* The catalog of the schema statements, every problem going to d. Returns NULL on out of
 * memory (caller owns; release with catalog_free()). */
static catalog *
schema_catalog(const src_set *schema, diag_list *d)
{
    catalog *cat = catalog_new();
    for (size_t i = 0; cat && schema && i < schema->n_stmts && !catalog_failed(cat); i++)
        apply_schema_stmt(cat, &schema->stmts[i], d);
    if (cat && catalog_failed(cat)) {
        catalog_free(cat);
        return NULL;
    }
    return cat;
}

/* A consumer that caught up is woken when this many queries wait for it (or at the end), not
 * for each one: a futex wake per query made thousands of context switches on two CPUs. */
#define HANDOFF_BATCH 16

struct model_stream {
    catalog *cat;
    const src_set *queries;
    model_load_fn load;    /* fills *queries on the worker first, or NULL */
    void *load_data;
    json_t *model;         /* {"catalog": ..., "queries": []}: the array is filled by finish */
    diag_list d;           /* the analysis' diagnostics, merged into the caller's by finish */
    json_t **done;         /* the analyzed queries in source order: owned, until finish */
    size_t n_done, cap_done, n_taken;
    bool finished, ok, threaded, consumer_waiting;
    bool worker_ok;        /* the worker's own: no out of memory so far */
    pthread_t thread;
    pthread_mutex_t mu;    /* guards done, n_done, n_taken, finished, consumer_waiting */
    pthread_cond_t cv;
};

/* Hands j over to the consumer (the array grows under the lock the consumer reads it under).
 * Returns false on out of memory (j is released). */
static bool
stream_publish(model_stream *s, json_t *j)
{
    bool ok = true;
    pthread_mutex_lock(&s->mu);
    if (s->n_done == s->cap_done) {
        size_t cap = s->cap_done ? s->cap_done * 2 : 256;
        json_t **d = realloc(s->done, cap * sizeof *d);
        if (d) {
            s->done = d;
            s->cap_done = cap;
        }
        ok = d != NULL;
    }
    if (ok)
        s->done[s->n_done++] = j;
    if (s->consumer_waiting && s->n_done - s->n_taken >= HANDOFF_BATCH)
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (!ok)
        json_decref(j);
    return ok;
}

/* Analyzes queries->stmts[first..]. With s, each analyzed query's JSON is handed to the
 * consumer at once; without, only the diagnostics are wanted (pqgen check). Reads cat and
 * queries only: the analysis keeps its state in the an_query. */
static void
analyze_queries(const catalog *cat, const src_set *queries, size_t first, diag_list *d,
                model_stream *s, bool *ok)
{
    for (size_t i = first; *ok && queries && i < queries->n_stmts; i++) {
        const src_stmt *st = &queries->stmts[i];
        an_query q;
        int rc = analyze_query(cat, st, &q, d);
        if (rc == -2)
            *ok = false;
        if (rc != 0)
            continue;
        if (s) {
            json_t *j = query_json(cat, st, &q, ok);
            if (!j || !stream_publish(s, j))
                *ok = false;
        }
        analyze_query_free(&q);
    }
}

/* A query file was loaded (a src_file_fn): its statements are analyzed before the next file is
 * read, so that the consumer gets the first queries early. */
static void
stream_file_added(void *arg, const src_set *set, size_t first)
{
    model_stream *s = arg;
    analyze_queries(s->cat, set, first, &s->d, s, &s->worker_ok);
}

static void *
stream_worker(void *arg)
{
    model_stream *s = arg;
    s->worker_ok = true;
    if (s->load) {
        if (s->load(s->load_data, &s->d, stream_file_added, s) != 0)
            s->worker_ok = false;
    } else {
        analyze_queries(s->cat, s->queries, 0, &s->d, s, &s->worker_ok);
    }
    pthread_mutex_lock(&s->mu);
    s->ok = s->worker_ok;
    s->finished = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void
stream_free(model_stream *s)
{
    for (size_t i = 0; i < s->n_done; i++)
        json_decref(s->done[i]);
    free(s->done);
    diag_list_free(&s->d);
    json_decref(s->model);
    catalog_free(s->cat);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

model_stream *
model_stream_start(const src_set *schema, const src_set *queries, model_load_fn load,
                   void *load_data, diag_list *d, bool threaded)
{
    model_stream *s = calloc(1, sizeof *s);
    bool ok = true;
    if (!s)
        return NULL;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->queries = queries;
    s->load = load;
    s->load_data = load_data;
    s->ok = true;
    s->cat = schema_catalog(schema, d);
    s->model = json_object();
    if (!s->cat || !s->model) {
        stream_free(s);
        return NULL;
    }
    /* The catalog is complete before any query is analyzed (analysis only reads it), so the
     * consumer can start on the tables while the first queries are still being parsed. */
    json_t *cj = catalog_to_json(s->cat);
    model_set(s->model, "catalog", cj, &ok);
    model_set(s->model, "queries", json_array(), &ok);
    if (!cj || !ok) {
        stream_free(s);
        return NULL;
    }
    s->threaded = threaded && pthread_create(&s->thread, NULL, stream_worker, s) == 0;
    if (!s->threaded)
        stream_worker(s);
    return s;
}

json_t *
model_stream_model(const model_stream *s)
{
    return s->model;
}

json_t *
model_stream_next(void *stream)
{
    model_stream *s = stream;
    json_t *q = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->n_taken == s->n_done && !s->finished) {
        s->consumer_waiting = true;
        while (s->n_done - s->n_taken < HANDOFF_BATCH && !s->finished)
            pthread_cond_wait(&s->cv, &s->mu);
        s->consumer_waiting = false;
    }
    if (s->n_taken < s->n_done)
        q = s->done[s->n_taken++];
    pthread_mutex_unlock(&s->mu);
    return q;
}

json_t *
model_stream_finish(model_stream *s, diag_list *d)
{
    json_t *model = NULL, *qs;
    bool ok;
    if (s->threaded)
        pthread_join(s->thread, NULL);
    ok = s->ok && diag_list_append(d, &s->d) == 0;
    qs = json_object_get(s->model, "queries");
    for (size_t i = 0; ok && i < s->n_done; i++)
        if (json_array_append(qs, s->done[i]) != 0)
            ok = false;
    if (ok) {
        model = s->model;
        s->model = NULL;
    }
    stream_free(s);
    return model;
}

int
model_check(const src_set *schema, const src_set *queries, diag_list *d)
{
    bool ok = true;
    catalog *cat = schema_catalog(schema, d);
    if (!cat)
        return -1;
    analyze_queries(cat, queries, 0, d, NULL, &ok);
    catalog_free(cat);
    return ok ? 0 : -1;
}

json_t *
model_build(const src_set *schema, const src_set *queries, diag_list *d)
{
    model_stream *s = model_stream_start(schema, queries, NULL, NULL, d, false);
    return s ? model_stream_finish(s, d) : NULL;
}
