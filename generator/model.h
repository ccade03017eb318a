/*
 * model.h - the analysis entry point: schema statements -> catalog, query statements ->
 * analyzed queries, both as one JSON document (the model, documented in the README), which is
 * the contract between analysis and emission.
 */
#ifndef PQGEN_MODEL_H
#define PQGEN_MODEL_H

#include <jansson.h>

#include "diag.h"
#include "source.h"

/* Builds the model: {"catalog": {...}, "queries": [...]}. Every problem goes to d (all of them,
 * not just the first); queries with errors are left out of the model. Returns a new reference
 * (caller owns; release with json_decref()), or NULL on out of memory. */
json_t *model_build(const src_set *schema, const src_set *queries, diag_list *d);
/* The same analysis with the same diagnostics, without building the model (pqgen check).
 * Returns 0, or -1 on out of memory. */
int model_check(const src_set *schema, const src_set *queries, diag_list *d);

#endif
