/*
 * vet.h - `pqgen vet`: every query checked against a live PostgreSQL.
 *
 * Applies the schema to a scratch database (a throwaway server, or a fresh database on --db),
 * prepares and describes every query, compares parameter and column types and nullability with
 * the static model, fills the tables with synthetic rows, and applies plan rules (sequential
 * scans, cost, SELECT *, :many without LIMIT) with index advice verified by hypopg.
 *
 * pqgen.json "vet" object (every key optional; defaults shown):
 *   {"rows": 2000,                       synthetic rows per table (0: no fill, no plan rules)
 *    "rules": {
 *      "seq_scan":           {"level": "warning", "min_rows": 1000},   on by default
 *      "max_cost":           {"level": "warning", "limit": 100000},    off unless configured
 *      "select_star":        {"level": "warning"},                     off unless configured
 *      "many_without_limit": {"level": "warning"}}}                    off unless configured
 * A rule given as an object is on (with "level": "off" turning it off); false turns it off,
 * true turns it on with its defaults. Levels: "error", "warning", "off".
 * Per query: a "-- vet: off(seq_scan, max_cost)" comment line under the annotation turns those
 * rules off ("param_type", "column_type", "nullability" too); "-- vet: off" skips the query.
 */
#ifndef PQGEN_VET_H
#define PQGEN_VET_H

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "diag.h"
#include "source.h"

typedef struct vet_options {
    const char *db_url; /* NULL: throwaway server */
    bool json_output;
} vet_options;

/* Runs vet; findings go to d (or, with json_output, are printed as a JSON array of
 * {file, line, col, level, rule, message, hint} to stdout and ALSO added to d). Returns 0 when it
 * ran (check d->n_errors), -1 when it could not run (no server: says why in d). */
int vet_run(const config *cfg, json_t *model, const src_set *schema, const src_set *queries,
            const vet_options *opt, diag_list *d);

/* ---- internal to vet.c, vet_types.c, vet_fill.c and vet_plan.c ------------------------------ */

#include <sys/types.h>

#include "vet_libpq.h"

typedef enum vet_rule_id {
    VET_SEQ_SCAN,
    VET_MAX_COST,
    VET_SELECT_STAR,
    VET_MANY_WITHOUT_LIMIT,
    VET_N_RULES
} vet_rule_id;

typedef struct vet_rule {
    bool on;
    diag_level level;
    double threshold; /* seq_scan: min_rows; max_cost: limit */
} vet_rule;

typedef struct vet_finding {
    const src_file *file;
    size_t offset;
    diag_level level;
    char *rule;
    char *message;
    char *hint;
} vet_finding;

typedef struct vet_query {
    json_t *jq;            /* borrowed from the model */
    const char *name;
    const char *sql;       /* the model's sql: what the application sends */
    const char *cmd;
    const char *statement; /* select|insert|update|delete|utility */
    const src_stmt *stmt;  /* the query's statement in the queries src_set, or NULL */
    int n_params;
    Oid *param_oids;       /* the model's parameter types as server OIDs (0: let it infer) */
    char prep_name[64];    /* the typed prepared statement, when prepared */
    bool prepared;
} vet_query;

typedef struct vet_ctx {
    const config *cfg;
    json_t *model;
    const src_set *schema;
    const src_set *queries;
    PGconn *conn;
    long rows;
    vet_rule rules[VET_N_RULES];
    bool hypopg;            /* CREATE EXTENSION hypopg worked */
    char **missing;         /* names that need an extension this server lacks (NULL-ended) */
    size_t n_missing;
    unsigned prep_counter;
    vet_finding *f;
    size_t n_f, cap_f;
} vet_ctx;

/* Records a finding for query q (at its statement; q may be NULL: not tied to a file). */
void vet_add(vet_ctx *c, const vet_query *q, diag_level level, const char *rule, const char *hint,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Records a finding at a byte offset of file (may be NULL). */
void vet_add_at(vet_ctx *c, const src_file *file, size_t offset, diag_level level,
                const char *rule, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Runs sql; on failure returns NULL and, when err is not NULL, *err is the server's message
 * (caller owns; release with free()). Success: caller owns; release with PQclear(). */
PGresult *vet_exec(vet_ctx *c, const char *sql, char **err);
/* Runs sql with text parameters; as vet_exec. */
PGresult *vet_exec_params(vet_ctx *c, const char *sql, int n, const char *const *values,
                          char **err);
/* True when the query's pragmas turn rule off ("vet: off(rule)") or the whole query
 * ("vet: off"). */
bool vet_rule_off(const vet_query *q, const char *rule);
/* malloc'd printf. Caller owns; release with free(). Aborts the message (NULL) on out of memory. */
char *vet_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An identifier quoted for SQL. Caller owns; release with free(). */
char *vet_quote_ident(const char *s);

/* Runs a command whose result is not needed; 0, or -1 (with *err as vet_exec). */
int vet_exec_cmd(vet_ctx *c, const char *sql, char **err);

/* vet_types.c: the server's types and the comparison of inferred types with them. */
typedef struct vet_type {
    Oid oid;
    char *name;     /* typname, "nsp.typname" outside pg_catalog and public */
    char typtype;   /* b c d e p r m */
    char category;  /* typcategory: 'A' arrays */
    Oid elem;
    Oid base;       /* domains */
} vet_type;

/* One vet run: the connection context and the server's pg_type, sorted by OID. */
typedef struct vet_state {
    vet_ctx c;
    vet_type *types; /* owned; vet_run() frees them */
    size_t n_types;
} vet_state;

/* Loads pg_type into r->types. 0, or -1 on a failed query or out of memory. */
int vet_load_types(vet_state *r);
/* The non-array type named name ("int4", "app.mood"), or NULL. Borrowed from r. */
const vet_type *vet_find_type_name(const vet_state *r, const char *name);
/* Result columns of q (desc: its PQdescribePrepared): types against the model, count, and
 * NOT NULL of plain table columns. Findings go to r->c. */
void vet_check_columns(vet_state *r, vet_query *q, PGresult *desc);
/* Parameters of q: the types the server infers on its own against the model's. */
void vet_check_params(vet_state *r, vet_query *q);

/* vet_server.c: a throwaway cluster. */
typedef struct vet_server {
    char dir[512];  /* temp dir: data/ and the socket */
    char bin[256];  /* PostgreSQL's bin directory */
    pid_t pid;
    uid_t uid;      /* run as (only when we are root) */
    gid_t gid;
    bool drop;
} vet_server;

/* Starts a throwaway cluster (socket in s->dir, port 5432, user postgres, trust); installs
 * SIGINT/SIGTERM/SIGHUP handlers that stop it. Returns 0, or -1 with the reason in d. */
int vet_server_start(vet_server *s, diag_list *d);
/* Stops the cluster, removes its directory and restores the signal handlers. */
void vet_server_stop(vet_server *s);

/* vet_fill.c: fills every table with c->rows synthetic rows (parents first), then ANALYZE.
 * Tables it cannot fill get a warning finding (rule "fill"). Returns 0, -1 on a dead connection. */
int vet_fill(vet_ctx *c);

/* vet_plan.c: SELECT * and :many-without-LIMIT rules (source level) and, when the query is
 * prepared, the plan rules (seq_scan, max_cost) with index advice. */
void vet_plan_query(vet_ctx *c, vet_query *q);

/* Index advice from a Seq Scan's Filter: the CREATE INDEX statement (without ';'), or NULL when
 * no column compared with a parameter or constant is found. Exposed for unit tests.
 * Caller owns; release with free(). */
char *vet_index_for_filter(const char *relation, const char *alias, const char *filter);

/* Maps a byte offset in the model's sql to the corresponding byte offset in the statement's
 * source text (which spells parameters as @name or sqlc.arg(name)). Exposed for unit tests. */
size_t vet_map_offset(const char *model_sql, const char *src, size_t target);

#endif
