/*
 * model.h - the analysis entry point: schema statements -> catalog, query statements ->
 * analyzed queries, both as one JSON document (the model, documented in the README), which is
 * the contract between analysis and emission.
 */
#ifndef PQGEN_MODEL_H
#define PQGEN_MODEL_H

#include <jansson.h>
#include <stdbool.h>

#include "diag.h"
#include "source.h"

/* Builds the model: {"catalog": {...}, "queries": [...]}. Every problem goes to d (all of them,
 * not just the first); queries with errors are left out of the model. Returns a new reference
 * (caller owns; release with json_decref()), or NULL on out of memory. */
json_t *model_build(const src_set *schema, const src_set *queries, diag_list *d);
/* The same analysis with the same diagnostics, without building the model (pqgen check).
 * Returns 0, or -1 on out of memory. */
int model_check(const src_set *schema, const src_set *queries, diag_list *d);

/* The model with its queries handed over one at a time, in source order, as they are analyzed:
 * on a worker thread when threaded, so that the caller can work on query i while query i+1 is
 * analyzed (pqgen generate derives C code meanwhile). The schema is applied by
 * model_stream_start on the calling thread; the analysis only reads the catalog and the
 * sources, which must stay unchanged until model_stream_finish. */
typedef struct model_stream model_stream;
/* Loads the query sources into the src_set given to model_stream_start, on the worker (their
 * splitting then runs beside the caller's work too), calling added(added_data, ...) after each
 * file (source_load_each does), which analyzes that file's queries. Problems go to d. Returns
 * 0, or -1 on out of memory. */
typedef int (*model_load_fn)(void *data, diag_list *d, src_file_fn added, void *added_data);
/* Applies the schema (its problems go to d), then loads the queries with load(load_data) when
 * load is not NULL, and analyzes them (those problems go to d in model_stream_finish). Returns
 * NULL on out of memory. Caller owns; release with model_stream_finish(), which also waits for
 * the worker. */
model_stream *model_stream_start(const src_set *schema, const src_set *queries, model_load_fn load,
                                 void *load_data, diag_list *d, bool threaded);
/* The model as far as it is built: "catalog" complete, "queries" empty until
 * model_stream_finish. Borrowed; valid until model_stream_finish. */
json_t *model_stream_model(const model_stream *s);
/* The next analyzed query (queries with errors are skipped), waiting for its analysis; NULL
 * after the last. Borrowed; valid until model_stream_finish, and then as long as the model it
 * returns. The argument is a model_stream (void * to fit emit_stream.next_query). */
json_t *model_stream_next(void *stream);
/* Waits for the analysis, appends its diagnostics to d, frees s, and returns the complete
 * model (as model_build makes it): a new reference (caller owns; release with json_decref()),
 * or NULL on out of memory. */
json_t *model_stream_finish(model_stream *s, diag_list *d);

#endif
