/*
 * config.h - pqgen.json: where the schema and queries are, where output goes, and how.
 *
 *   {"version": 1, "schema": ["schema"], "queries": ["queries"], "out": "generated",
 *    "prefix": "db", "templates": "templates-dir", "overrides": [...],
 *    "emit": {"interface": false, "json": false}, "vet": {...}}
 *
 * Unknown keys and wrong types are errors that name the key. Paths are relative to the
 * config file's directory.
 */
#ifndef PQGEN_CONFIG_H
#define PQGEN_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "diag.h"

typedef struct config {
    char *path;            /* the config file as given */
    char *dir;             /* its directory: the base of every relative path */
    int version;           /* 1 */
    char **schema;         /* paths as written, relative to dir */
    size_t n_schema;
    char **queries;
    size_t n_queries;
    char *out;             /* default "generated" */
    char *prefix;          /* default "db"; a C identifier */
    char *templates;       /* NULL: the built-in templates */
    json_t *overrides;     /* borrowed from raw: an array (possibly empty), validated shape:
                              [{"db_type"|"column": "...", "c_type": "...", "codec": "...",
                                "nullable": bool?}] */
    bool emit_interface;
    bool emit_json;
    json_t *vet;           /* borrowed from raw: the "vet" object, or NULL */
    json_t *raw;           /* the whole document (owned) */
} config;

/* Loads and validates path. Problems go to d as errors on the config file (each naming the key).
 * Returns 0 when usable, -1 otherwise (*out is then empty). *out: caller owns; release with
 * config_free(). */
int config_load(const char *path, config *out, diag_list *d);
/* NULL is a harmless no-op. */
void config_free(config *c);

#endif
