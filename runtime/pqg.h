/*
 * pqg.h - libpqg, the runtime that pqgen-generated code links to.
 *
 * This is the one public header: if a name is not declared here it is not API.
 * Sections name the file that implements them, as libpq's header does.
 *
 * Memory rules (they hold for every function below):
 *  1. If a function's comment does not say you own the result, you do not.
 *  2. Fixed words: "Caller owns; release with X()." / "Borrowed; valid until Y." /
 *     "NULL is a harmless no-op."
 *  3. A call that fills an out-parameter either succeeds and hands over one block, or fails and
 *     leaves *out zeroed: on error there is nothing to free (freeing it anyway is safe).
 *  4. A struct that owns storage has a trailing `void *_mem;`; its _free() releases that block
 *     and zeroes the struct, never the struct itself.
 *
 * Errors: functions return 0 (or a count) on success and a negative PQG_E* code on failure;
 * details of the last failure of the calling thread are in pqg_last_error().
 *
 * Thread safety: a pool (pqg_pool_open) may be shared by any number of threads. A leased
 * connection or a transaction handle belongs to one thread at a time.
 */
#ifndef PQG_H
#define PQG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Generated code checks this and refuses to compile against a runtime of another ABI. */
#define PQG_ABI_VERSION 1
#define PQG_VERSION "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define PQG_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PQG_MUST_CHECK
#endif

/* === errors (error.c) === */

/* One table makes the codes, their names and their messages. Values never change. */
#define PQG_ERRNO_MAP(XX)                                                                      \
    XX(ENOTFOUND, -1, "no row")                                                                \
    XX(ECONFLICT, -2, "unique or exclusion violation")                                         \
    XX(ECONSTRAINT, -3, "foreign key, check or not-null violation")                            \
    XX(ERETRY, -4, "serialization failure or deadlock")                                        \
    XX(ETIMEOUT, -5, "statement or lock timeout")                                              \
    XX(EPOOL, -6, "no connection free before the acquire timeout")                             \
    XX(ECONN, -7, "connection lost or refused")                                                \
    XX(ESERVER, -8, "server error")                                                            \
    XX(EDECODE, -9, "result does not match the generated types")                               \
    XX(EINVAL, -10, "invalid argument")                                                        \
    XX(ENOMEM, -11, "out of memory")                                                           \
    XX(ECLOSED, -12, "pool is closed")                                                         \
    XX(EMIGRATE, -13, "migration refused")

enum pqg_errno {
#define PQG__ERRNO_ENUM(name, value, text) PQG_##name = value,
    PQG_ERRNO_MAP(PQG__ERRNO_ENUM)
#undef PQG__ERRNO_ENUM
};

/* Details of a failure. Fixed-size so that recording it never allocates. */
typedef struct pqg_error {
    int code;              /* PQG_E* */
    char sqlstate[6];      /* "" when the error did not come from the server */
    char message[512];
    char detail[512];
    char hint[256];
    char schema[64];
    char table[64];
    char column[64];
    char constraint[64];
    const char *query;     /* static name of the query that failed, or NULL */
} pqg_error;

/* Static text for a code ("no row"), or "unknown error". */
const char *pqg_strerror(int code);
/* Static name for a code ("PQG_ENOTFOUND"), or "PQG_EUNKNOWN". */
const char *pqg_err_name(int code);
/* The last failure on the calling thread. Borrowed; valid until this thread's next pqg_* call
 * that fails. Never NULL (a zeroed record when nothing failed). */
const pqg_error *pqg_last_error(void);
/* SQLSTATE class tests on the last error: unique_violation 23505, foreign_key_violation 23503,
 * check_violation 23514, not_null_violation 23502. */
bool pqg_error_is_unique_violation(const pqg_error *e);
bool pqg_error_is_foreign_key_violation(const pqg_error *e);
bool pqg_error_is_check_violation(const pqg_error *e);
bool pqg_error_is_not_null_violation(const pqg_error *e);

/* === memory (arena.c) === */

/* Replaces the allocator used for every block libpqg returns (call before any other pqg_*
 * function). NULLs restore malloc/realloc/free. Tests use it to fail the Nth allocation. */
void pqg_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
                       void (*free_fn)(void *));
/* Releases a block returned by libpqg (a result's _mem). NULL is a harmless no-op. */
void pqg_free(void *mem);

/* === value types (codec.c) === */

typedef struct pqg_uuid {
    uint8_t bytes[16];
} pqg_uuid;

/* Microseconds since 1970-01-01 00:00:00 UTC (timestamptz) or since that wall-clock time
 * (timestamp). Infinity is INT64_MAX / INT64_MIN. */
typedef int64_t pqg_timestamp;
/* Days since 1970-01-01. */
typedef int32_t pqg_date;
typedef struct pqg_interval {
    int64_t usec;
    int32_t days;
    int32_t months;
} pqg_interval;
/* bytea. data == NULL means SQL NULL when nullable. */
typedef struct pqg_bytes {
    const uint8_t *data;
    size_t len;
} pqg_bytes;
/* pgvector's vector. items == NULL means SQL NULL when nullable. */
typedef struct pqg_vector {
    const float *items;
    size_t len;
} pqg_vector;

/* Nullable scalars: zero-initialised means SQL NULL. */
#define PQG__NULL_TYPE(name, ctype)                                                            \
    typedef struct pqg_null_##name {                                                           \
        ctype value;                                                                           \
        bool valid;                                                                            \
    } pqg_null_##name;
PQG__NULL_TYPE(int16, int16_t)
PQG__NULL_TYPE(int32, int32_t)
PQG__NULL_TYPE(int64, int64_t)
PQG__NULL_TYPE(float, float)
PQG__NULL_TYPE(double, double)
PQG__NULL_TYPE(bool, bool)
PQG__NULL_TYPE(uuid, pqg_uuid)
PQG__NULL_TYPE(timestamp, pqg_timestamp)
PQG__NULL_TYPE(date, pqg_date)
PQG__NULL_TYPE(interval, pqg_interval)
#undef PQG__NULL_TYPE

/* One-dimensional arrays. In results, NULL elements of text-like arrays are NULL pointers; a NULL
 * element in an array of scalars is a decode error (PQG_EDECODE). */
#define PQG__ARRAY_TYPE(name, ctype)                                                           \
    typedef struct pqg_array_##name {                                                          \
        ctype *items;                                                                          \
        size_t len;                                                                            \
    } pqg_array_##name;
PQG__ARRAY_TYPE(int16, int16_t)
PQG__ARRAY_TYPE(int32, int32_t)
PQG__ARRAY_TYPE(int64, int64_t)
PQG__ARRAY_TYPE(float, float)
PQG__ARRAY_TYPE(double, double)
PQG__ARRAY_TYPE(bool, bool)
PQG__ARRAY_TYPE(text, const char *)
PQG__ARRAY_TYPE(uuid, pqg_uuid)
PQG__ARRAY_TYPE(timestamp, pqg_timestamp)
PQG__ARRAY_TYPE(date, pqg_date)
PQG__ARRAY_TYPE(bytes, pqg_bytes)
#undef PQG__ARRAY_TYPE

/* Text form helpers. pqg_uuid_parse returns 0 or PQG_EINVAL; pqg_uuid_format writes 36 chars
 * and a NUL into buf[37]. */
int pqg_uuid_parse(const char *text, pqg_uuid *out);
void pqg_uuid_format(pqg_uuid id, char buf[37]);
bool pqg_uuid_equal(pqg_uuid a, pqg_uuid b);
/* Current time as a pqg_timestamp (CLOCK_REALTIME). */
pqg_timestamp pqg_timestamp_now(void);
/* ISO 8601 UTC with microseconds ("2024-05-01T12:00:00.000001Z"), into buf[40]. */
void pqg_timestamp_format(pqg_timestamp ts, char buf[40]);

/* === connection pool (pool.c) === */

/* A pool, a leased connection or a transaction: every generated function takes one of these,
 * so the same call works in all three. */
typedef struct pqg_db pqg_db;

typedef struct pqg_config {
    const char *conninfo;          /* libpq conninfo or URL; NULL = libpq's environment defaults */
    int max_conns;                 /* default 30 */
    int min_conns;                 /* default 5; kept open and warm */
    int64_t max_lifetime_ms;       /* default 1h; each connection gets up to 10% jitter */
    int64_t max_idle_ms;           /* default 15m; idle connections above min_conns are closed */
    int64_t health_check_ms;       /* default 1m; period of the background health thread */
    int64_t acquire_timeout_ms;    /* default 30s; 0 = wait forever */
    int64_t connect_timeout_ms;    /* default 10s */
    int64_t statement_timeout_ms;  /* default 30s, set on each new connection; 0 = server default */
    int64_t lock_timeout_ms;       /* default 10s; 0 = server default */
    int64_t slow_query_ms;         /* default 1s; pqg_slowlog_attach_default's threshold */
    const char *application_name;  /* default "pqgen" */
    bool unnamed_statements;       /* true for PgBouncer transaction pooling: no named prepares */
} pqg_config;

/* Fills *cfg with the defaults above. */
void pqg_config_defaults(pqg_config *cfg);
/* Defaults, then the environment: DATABASE_URL, MAX_CONNECTIONS, MIN_CONNECTIONS,
 * MAX_CONN_LIFETIME, MAX_CONN_IDLE_TIME, HEALTH_CHECK_PERIOD, STATEMENT_TIMEOUT, LOCK_TIMEOUT,
 * SLOW_QUERY_THRESHOLD, ACQUIRE_TIMEOUT (durations: "1h", "15m", "30s", "250ms", "1500us", or a
 * bare number of milliseconds). Returns 0, or PQG_EINVAL naming the bad variable in
 * pqg_last_error(). String fields point into the environment: borrowed. */
int pqg_config_from_env(pqg_config *cfg);
/* Parses a duration as above into milliseconds. Returns 0 or PQG_EINVAL. */
int pqg_parse_duration_ms(const char *text, int64_t *out_ms);

/* Opens a pool and its min_conns connections. *out: caller owns; release with pqg_pool_close().
 * Fails with PQG_ECONN when the first connection cannot be made. The config is copied. */
PQG_MUST_CHECK int pqg_pool_open(const pqg_config *cfg, pqg_db **out);
/* Stops the health thread and closes every connection, waiting up to timeout_ms for leased ones
 * to come back. Returns 0, or PQG_ETIMEOUT if some were still leased: those stay usable by their
 * holders, each is closed at its pqg_release(), and the last one frees the pool (closing a
 * connection under a running statement would crash its thread). NULL is a harmless no-op. */
int pqg_pool_close(pqg_db *pool, int64_t timeout_ms);

typedef struct pqg_pool_stats {
    int total, idle, in_use, waiting;
    uint64_t acquire_count;
    uint64_t acquire_wait_us;          /* total time callers waited for a connection */
    uint64_t acquire_timeouts;
    uint64_t created;
    uint64_t closed_lifetime, closed_idle, closed_broken, closed_health;
} pqg_pool_stats;
/* A consistent snapshot. Thread-safe. */
int pqg_pool_stats_get(pqg_db *pool, pqg_pool_stats *out);

/* Leases a connection from a pool (waits up to acquire_timeout_ms: PQG_EPOOL). *conn: release with
 * pqg_release(). A pqg_db that is already a connection or transaction is returned as is
 * (its own owner releases it). */
PQG_MUST_CHECK int pqg_acquire(pqg_db *pool, pqg_db **conn);
/* Returns a leased connection to its pool. A transaction left open is rolled back and reported to
 * the tracer; a broken connection is closed and replaced. NULL is a harmless no-op. */
void pqg_release(pqg_db *conn);
/* The libpq connection behind a leased connection or transaction (borrowed; valid until release),
 * or NULL for a pool. For things libpqg does not wrap (LISTEN, large objects). */
struct pg_conn *pqg_pgconn(pqg_db *conn);

/* Fault injection for tests of applications: each statement fails with PQG_ECONN with the given
 * probability (0..1) and is delayed by latency_ms first. Zero both to turn it off. */
void pqg_pool_set_faults(pqg_db *pool, double failure_rate, int64_t latency_ms);

/* === statements and results (conn.c, codec.c) === */

/* A statement as pqgen generates it: static, one per query. Each connection prepares it once,
 * keyed by the descriptor's address (so keep it static); a NULL name runs it unnamed, uncached. */
typedef struct pqg_stmt {
    const char *name;              /* query name, e.g. "GetConversation"; also the prepared name */
    const char *sql;               /* as sent to the server, positional $n */
    int n_params;
    const uint32_t *param_types;   /* OIDs; 0 lets the server infer (enums, extension types) */
    int n_columns;                 /* expected result columns; checked against the result */
    const uint32_t *column_types;  /* expected OIDs or 0 when not fixed; checked when non-zero */
    /* Releases what the decoder allocated outside the result block for one decoded row (the
     * json_t values of jansson overrides), or NULL when it allocates nothing. The runtime calls
     * it on rows it decoded and then drops: those before a row that fails to decode, in
     * pqg_query_many and in batches. */
    void (*release_row)(void *row);
    /* The statement only reads (a SELECT with no data-modifying CTE and no volatile function
     * call): when a pqg_query_each callback stops early, the rest of a long result may be
     * cancelled instead of read, since cancelling undoes nothing. Otherwise it is drained: a
     * cancel would roll back what the statement wrote. */
    bool cancel_on_stop;
} pqg_stmt;

/* Parameters being bound for one execution. Lives on the caller's stack (do not copy it once
 * bound); the bound values are borrowed (strings are not copied) until the statement has run.
 * A value goes in binary when the declared OID (st->param_types[i]) is the binder's own type,
 * and in text format otherwise (declared 0: enums, enum arrays, extension types such as vector),
 * so that the server can infer the type. */
#define PQG_ARGS_INLINE 16
typedef struct pqg_args {
    int n;                      /* bound so far */
    int cap;
    int err;                    /* first binding error (sticky), 0 if none */
    const char **values;
    int *lengths;
    int *formats;
    const char *inline_values[PQG_ARGS_INLINE];
    int inline_lengths[PQG_ARGS_INLINE];
    int inline_formats[PQG_ARGS_INLINE];
    char scratch[PQG_ARGS_INLINE * 16];  /* fixed-size scalars are encoded here */
    size_t scratch_used;
    void *heap;                 /* extra storage (arrays, numeric, many params); freed by the run */
    const pqg_stmt *stmt;       /* set by pqg_args_init: binders read the declared param types */
} pqg_args;

/* Prepares args for st's parameters. Never fails: errors surface when the statement runs. */
void pqg_args_init(pqg_args *args, const pqg_stmt *st);
/* Releases what binding allocated. Idempotent. The pqg_query_* / pqg_exec calls call it. */
void pqg_args_clear(pqg_args *args);

/* Binders: append the next parameter, in $n order. A NULL pointer (text, json) or a nullable
 * value with .valid == false binds SQL NULL. */
void pqg_arg_null(pqg_args *a);
void pqg_arg_int16(pqg_args *a, int16_t v);
void pqg_arg_int32(pqg_args *a, int32_t v);
void pqg_arg_int64(pqg_args *a, int64_t v);
void pqg_arg_float(pqg_args *a, float v);
void pqg_arg_double(pqg_args *a, double v);
void pqg_arg_bool(pqg_args *a, bool v);
void pqg_arg_text(pqg_args *a, const char *v);      /* text, varchar, bpchar, citext, enums */
void pqg_arg_numeric(pqg_args *a, const char *v);   /* decimal text, e.g. "0.9500" */
void pqg_arg_json(pqg_args *a, const char *v);      /* json */
void pqg_arg_jsonb(pqg_args *a, const char *v);     /* jsonb */
void pqg_arg_bytes(pqg_args *a, pqg_bytes v);
void pqg_arg_uuid(pqg_args *a, pqg_uuid v);
void pqg_arg_timestamp(pqg_args *a, pqg_timestamp v);
void pqg_arg_date(pqg_args *a, pqg_date v);
void pqg_arg_interval(pqg_args *a, pqg_interval v);
void pqg_arg_vector(pqg_args *a, pqg_vector v);
void pqg_arg_null_int16(pqg_args *a, pqg_null_int16 v);
void pqg_arg_null_int32(pqg_args *a, pqg_null_int32 v);
void pqg_arg_null_int64(pqg_args *a, pqg_null_int64 v);
void pqg_arg_null_float(pqg_args *a, pqg_null_float v);
void pqg_arg_null_double(pqg_args *a, pqg_null_double v);
void pqg_arg_null_bool(pqg_args *a, pqg_null_bool v);
void pqg_arg_null_uuid(pqg_args *a, pqg_null_uuid v);
void pqg_arg_null_timestamp(pqg_args *a, pqg_null_timestamp v);
void pqg_arg_null_date(pqg_args *a, pqg_null_date v);
void pqg_arg_null_interval(pqg_args *a, pqg_null_interval v);
/* Arrays: elem is the element type's OID (e.g. 2950 for uuid); items == NULL binds NULL. */
void pqg_arg_array_int16(pqg_args *a, pqg_array_int16 v);
void pqg_arg_array_int32(pqg_args *a, pqg_array_int32 v);
void pqg_arg_array_int64(pqg_args *a, pqg_array_int64 v);
void pqg_arg_array_float(pqg_args *a, pqg_array_float v);
void pqg_arg_array_double(pqg_args *a, pqg_array_double v);
void pqg_arg_array_bool(pqg_args *a, pqg_array_bool v);
void pqg_arg_array_text(pqg_args *a, pqg_array_text v);   /* text[] (also varchar[], enum[]) */
void pqg_arg_array_uuid(pqg_args *a, pqg_array_uuid v);
void pqg_arg_array_timestamp(pqg_args *a, pqg_array_timestamp v);
void pqg_arg_array_date(pqg_args *a, pqg_array_date v);
void pqg_arg_array_bytes(pqg_args *a, pqg_array_bytes v);
/* Enum arrays: items are generated enum values (1-based: labels[v - 1] is v's label), bound as a
 * text[] literal the query casts to its enum array type. A value outside 1..n_labels fails the
 * statement with PQG_EINVAL; items == NULL binds NULL. */
void pqg_arg_array_enum(pqg_args *a, const int *items, size_t len, const char *const *labels,
                        int n_labels);

/* One row of a result being decoded. Getters copy variable-length data into the result's block
 * (strings are NUL-terminated). A getter returns 0 or PQG_EDECODE; the first error is also kept
 * in the row, so generated decoders are straight-line calls and the caller checks once. */
typedef struct pqg_row pqg_row;
int pqg_get_int16(pqg_row *r, int col, int16_t *out);
int pqg_get_int32(pqg_row *r, int col, int32_t *out);
int pqg_get_int64(pqg_row *r, int col, int64_t *out);
int pqg_get_float(pqg_row *r, int col, float *out);
int pqg_get_double(pqg_row *r, int col, double *out);
int pqg_get_bool(pqg_row *r, int col, bool *out);
int pqg_get_text(pqg_row *r, int col, const char **out);     /* NULL for SQL NULL */
int pqg_get_numeric(pqg_row *r, int col, const char **out);  /* exact decimal text */
int pqg_get_json(pqg_row *r, int col, const char **out);     /* json or jsonb, as text */
int pqg_get_bytes(pqg_row *r, int col, pqg_bytes *out);
int pqg_get_uuid(pqg_row *r, int col, pqg_uuid *out);
int pqg_get_timestamp(pqg_row *r, int col, pqg_timestamp *out);
int pqg_get_date(pqg_row *r, int col, pqg_date *out);
int pqg_get_interval(pqg_row *r, int col, pqg_interval *out);
int pqg_get_vector(pqg_row *r, int col, pqg_vector *out);
/* Enums: labels[i] is the label of C value i + 1. Unknown label: PQG_EDECODE naming it. */
int pqg_get_enum(pqg_row *r, int col, const char *const *labels, int n_labels, int *out);
int pqg_get_null_int16(pqg_row *r, int col, pqg_null_int16 *out);
int pqg_get_null_int32(pqg_row *r, int col, pqg_null_int32 *out);
int pqg_get_null_int64(pqg_row *r, int col, pqg_null_int64 *out);
int pqg_get_null_float(pqg_row *r, int col, pqg_null_float *out);
int pqg_get_null_double(pqg_row *r, int col, pqg_null_double *out);
int pqg_get_null_bool(pqg_row *r, int col, pqg_null_bool *out);
int pqg_get_null_uuid(pqg_row *r, int col, pqg_null_uuid *out);
int pqg_get_null_timestamp(pqg_row *r, int col, pqg_null_timestamp *out);
int pqg_get_null_date(pqg_row *r, int col, pqg_null_date *out);
int pqg_get_null_interval(pqg_row *r, int col, pqg_null_interval *out);
/* A nullable enum: *out = 0 for SQL NULL (0 is never a generated enum value). */
int pqg_get_null_enum(pqg_row *r, int col, const char *const *labels, int n_labels, int *out);
int pqg_get_array_int16(pqg_row *r, int col, pqg_array_int16 *out);
int pqg_get_array_int32(pqg_row *r, int col, pqg_array_int32 *out);
int pqg_get_array_int64(pqg_row *r, int col, pqg_array_int64 *out);
int pqg_get_array_float(pqg_row *r, int col, pqg_array_float *out);
int pqg_get_array_double(pqg_row *r, int col, pqg_array_double *out);
int pqg_get_array_bool(pqg_row *r, int col, pqg_array_bool *out);
int pqg_get_array_text(pqg_row *r, int col, pqg_array_text *out);
int pqg_get_array_uuid(pqg_row *r, int col, pqg_array_uuid *out);
int pqg_get_array_timestamp(pqg_row *r, int col, pqg_array_timestamp *out);
int pqg_get_array_date(pqg_row *r, int col, pqg_array_date *out);
int pqg_get_array_bytes(pqg_row *r, int col, pqg_array_bytes *out);
/* Enum arrays decode into int values (labels as for pqg_get_enum); the generated array type's
 * items are the generated enum, which has the same size as int on every ABI we build for
 * (checked by a static assertion in generated code). */
int pqg_get_array_enum(pqg_row *r, int col, const char *const *labels, int n_labels,
                       int **items, size_t *len);
/* Nested decode for sqlc.embed: a getter that reports whether every column in [first, first+n)
 * is NULL (the embedded row of an outer join that matched nothing). */
bool pqg_row_all_null(pqg_row *r, int first, int n);

/* Decodes the current row into dst (a generated row struct) by calling getters. */
typedef void (*pqg_decode_fn)(pqg_row *r, void *dst);

/* Runs st and decodes exactly the first row into *dst (row_size bytes, zeroed first).
 * Variable-length data goes into one block: *mem (caller owns; release with pqg_free(), which
 * the generated _free() does). No row: PQG_ENOTFOUND. Consumes args. */
PQG_MUST_CHECK int pqg_query_one(pqg_db *db, const pqg_stmt *st, pqg_args *args,
                                 pqg_decode_fn decode, void *dst, size_t row_size, void **mem);
/* Runs st and decodes every row into one block holding rows[len] followed by their data:
 * *rows = the array (caller owns the block; release with pqg_free(*rows)), *len = count.
 * O(1) allocations whatever the row count. Zero rows: 0 with *rows NULL, *len 0. Consumes args. */
PQG_MUST_CHECK int pqg_query_many(pqg_db *db, const pqg_stmt *st, pqg_args *args,
                                  pqg_decode_fn decode, size_t row_size, void **rows, size_t *len);
/* Streams rows (libpq single-row mode): each row is decoded into a scratch struct and passed to
 * fn, borrowed and valid only during the call. fn returns 0 to continue; any other value stops
 * the scan and is returned. The rest of the result is then read and dropped; past 1,000 rows,
 * a statement marked cancel_on_stop is cancelled instead, outside a transaction (which a
 * cancel would abort). The connection stays usable. Consumes args. */
PQG_MUST_CHECK int pqg_query_each(pqg_db *db, const pqg_stmt *st, pqg_args *args,
                                  pqg_decode_fn decode, size_t row_size,
                                  int (*fn)(const void *row, void *userdata), void *userdata);
/* Runs a statement that returns no rows (or ignores them). *rows_affected may be NULL.
 * Consumes args. */
PQG_MUST_CHECK int pqg_exec(pqg_db *db, const pqg_stmt *st, pqg_args *args,
                            int64_t *rows_affected);

/* What :execresult returns: the command tag ("UPDATE 3") and the row count. */
typedef struct pqg_exec_result {
    char command_tag[64];
    int64_t rows_affected;
} pqg_exec_result;
PQG_MUST_CHECK int pqg_exec_result_get(pqg_db *db, const pqg_stmt *st, pqg_args *args,
                                       pqg_exec_result *out);

/* Runs plain SQL with no parameters (simple protocol; may hold several statements). For setup,
 * DDL and migrations. Traced with a NULL query name. */
PQG_MUST_CHECK int pqg_exec_sql(pqg_db *db, const char *sql);

/* === transactions (tx.c) === */

typedef enum pqg_isolation {
    PQG_ISOLATION_DEFAULT = 0,
    PQG_ISOLATION_READ_COMMITTED,
    PQG_ISOLATION_REPEATABLE_READ,
    PQG_ISOLATION_SERIALIZABLE
} pqg_isolation;

typedef struct pqg_tx_options {
    pqg_isolation isolation;
    bool read_only;
    bool deferrable;
} pqg_tx_options;

/* Begins a transaction on db (a pool: a connection is leased for it and returned at commit or
 * rollback; a connection: used in place; a transaction: a SAVEPOINT). opts may be NULL.
 * *tx: finish with exactly one of pqg_commit() or pqg_rollback(). */
PQG_MUST_CHECK int pqg_begin(pqg_db *db, const pqg_tx_options *opts, pqg_db **tx);
/* Commits (or releases the savepoint) and frees tx. On failure the transaction is rolled back
 * and tx is still freed. */
int pqg_commit(pqg_db *tx);
/* Rolls back (to the savepoint) and frees tx. NULL is a harmless no-op. */
int pqg_rollback(pqg_db *tx);
/* Runs fn in a transaction on a fresh connection of pool, committing when fn returns 0 and
 * rolling back otherwise; retries the whole transaction on PQG_ERETRY (40001, 40P01) with
 * jittered exponential backoff, at most max_attempts times. Returns fn's result or the error. */
int pqg_tx_run(pqg_db *pool, const pqg_tx_options *opts, int (*fn)(pqg_db *tx, void *userdata),
               void *userdata, int max_attempts);

/* === tracing (trace.c) === */

typedef enum pqg_trace_event {
    PQG_TRACE_QUERY_START,
    PQG_TRACE_QUERY_END,
    PQG_TRACE_ACQUIRE,
    PQG_TRACE_BEGIN,
    PQG_TRACE_COMMIT,
    PQG_TRACE_ROLLBACK
} pqg_trace_event;

/* What a tracer sees. Everything is borrowed for the duration of the callback. */
typedef struct pqg_trace_info {
    pqg_trace_event event;
    const char *query_name;        /* NULL for unnamed SQL */
    const char *sql;
    int n_params;
    const char *const *param_values;  /* values as sent (see param_formats); NULL = SQL NULL */
    const int *param_lengths;
    const uint32_t *param_types;
    int64_t duration_us;           /* *_END, ACQUIRE, COMMIT, ROLLBACK */
    int64_t rows;                  /* rows returned or affected; -1 if unknown */
    int error;                     /* 0 or PQG_E* */
    const char *sqlstate;          /* "" when none */
    const char *conninfo;          /* the pool's conninfo, for loggers that open side connections */
    const int *param_formats;      /* per parameter: 1 binary, 0 text (declared OID 0); or NULL */
} pqg_trace_info;

typedef struct pqg_tracer {
    void (*on_event)(const pqg_trace_info *info, void *userdata);
    void *userdata;
} pqg_tracer;

/* Adds a tracer to the pool (at most 8); callbacks run on the thread that made the call and
 * must be thread-safe. The tracer struct is copied. Returns 0 or PQG_EINVAL when full. */
int pqg_pool_add_tracer(pqg_db *pool, const pqg_tracer *tracer);

/* === slow-query log (slowlog.c) === */

typedef struct pqg_slowlog pqg_slowlog;
typedef struct pqg_slowlog_options {
    int64_t threshold_ms;          /* queries at or above this are logged */
    bool log_arguments;            /* default false: arguments are written as "<redacted>" */
    bool explain;                  /* EXPLAIN (FORMAT JSON) the statement on a side connection */
    FILE *file;                    /* sink: a stream (default stderr) ... */
    void (*sink)(const char *json_line, void *userdata);  /* ... or a callback, if set */
    void *sink_userdata;
} pqg_slowlog_options;
/* Attaches a slow-query logger to pool: one JSON line per slow query
 * {"query":..,"sql":..,"duration_ms":..,"rows":..,"args":[..],"sqlstate":..,"plan":..}.
 * *out: caller owns; release with pqg_slowlog_free() after the pool is closed. */
PQG_MUST_CHECK int pqg_slowlog_attach(pqg_db *pool, const pqg_slowlog_options *opts,
                                      pqg_slowlog **out);
/* The same with the pool's configured threshold (pqg_config.slow_query_ms, from
 * SLOW_QUERY_THRESHOLD) and the default sink (stderr), arguments redacted, no EXPLAIN. */
PQG_MUST_CHECK int pqg_slowlog_attach_default(pqg_db *pool, pqg_slowlog **out);
/* Detaching is not supported: free after pqg_pool_close(). NULL is a harmless no-op. */
void pqg_slowlog_free(pqg_slowlog *log);

/* === metrics (metrics.c) === */

typedef struct pqg_metrics pqg_metrics;
/* Attaches per-query metrics (calls, errors, rows, latency p50/p95/p99) to pool.
 * *out: caller owns; release with pqg_metrics_free() after the pool is closed. */
PQG_MUST_CHECK int pqg_metrics_attach(pqg_db *pool, pqg_metrics **out);
void pqg_metrics_free(pqg_metrics *m);
/* {"queries":{"GetConversation":{"calls":..,"errors":..,"rows":..,"p50_us":..,"p95_us":..,
 * "p99_us":..}},"pool":{...pqg_pool_stats...}}. Caller owns; release with free(). */
char *pqg_metrics_json(pqg_metrics *m);
/* The same in Prometheus text exposition format. Caller owns; release with free(). */
char *pqg_metrics_prometheus(pqg_metrics *m);

/* === migrations (migrate.c) === */

/* One migration as pqgen embeds it from schema/. */
typedef struct pqg_migration {
    int64_t version;               /* from the file name: 0001_init.up.sql -> 1 */
    const char *name;              /* "init" */
    const char *up_sql;
    const char *down_sql;          /* NULL when there is no down file */
    const char *checksum;          /* hex SHA-256 of up_sql */
    /* Run outside a transaction, one statement at a time (CREATE INDEX CONCURRENTLY): these
     * NULL-terminated lists are up_sql and down_sql split into statements; NULL for the usual
     * migration, which runs whole in one transaction with its bookkeeping. A failure leaves the
     * statements before it applied and the migration unrecorded. */
    const char *const *up_statements;
    const char *const *down_statements;
} pqg_migration;

typedef struct pqg_migration_set {
    const pqg_migration *items;    /* sorted by version */
    size_t len;
} pqg_migration_set;

typedef struct pqg_migration_status {
    int64_t version;
    const char *name;              /* borrowed from the set */
    bool applied;
    pqg_timestamp applied_at;      /* 0 when not applied */
    bool checksum_mismatch;        /* applied, but the file changed since */
} pqg_migration_status;

/* Applies every pending migration up to target_version (0 = all), each in its own transaction
 * (or statement by statement, when it has up_statements), under a session advisory lock (a
 * second process waits). Refuses (PQG_EMIGRATE) when an applied
 * migration's checksum changed. *applied (may be NULL) = how many ran. With dry_run, nothing is
 * executed: *applied counts what would run, and each is printed to `dry_run_out` if non-NULL. */
PQG_MUST_CHECK int pqg_migrate_up(pqg_db *db, const pqg_migration_set *set, int64_t target_version,
                                  bool dry_run, FILE *dry_run_out, int *applied);
/* Reverts the last `steps` applied migrations (down SQL), newest first. */
PQG_MUST_CHECK int pqg_migrate_down(pqg_db *db, const pqg_migration_set *set, int steps,
                                    int *reverted);
/* One entry per migration in the set. *out: caller owns; release with pqg_free(*out). */
PQG_MUST_CHECK int pqg_migrate_status(pqg_db *db, const pqg_migration_set *set,
                                      pqg_migration_status **out, size_t *len);

/* === bulk load (copy.c) === */

/* bind_row's n_rows for a source of unknown length: bind_row returns 0 when it has no more. */
#define PQG_COPY_UNBOUNDED SIZE_MAX

/* Loads rows with binary COPY FROM STDIN: one statement, rows streamed in ~64 KB messages.
 * copy_stmt: sql = "COPY t (a, b) FROM STDIN (FORMAT binary)", n_params = the column count,
 * param_types = the columns' exact OIDs (0 only for enums, citext and domains over text, whose
 * binary form is their text; an array or extension type needs its OID).
 * For i = 0, 1, ... < n_rows, bind_row(i, args, userdata) binds row i's values with the
 * pqg_arg_* binders in column order and returns 1 (row bound), 0 (no more rows: ends the load
 * early; with n_rows = PQG_COPY_UNBOUNDED this is how the load ends) or a negative PQG_E* code
 * (aborts the load; returned as is). Bound values are borrowed until bind_row is next called.
 * COPY is atomic: on any failure no row is kept, and inside a transaction the transaction is
 * aborted (as PostgreSQL defines; roll it back). A failing row is named in pqg_last_error()'s
 * message ("copy Name: row 4999: null value in column ...", rows counted from 0 as bind_row
 * sees them) and by pqg_copy_last_error_row(); SQLSTATE, constraint etc. are the server's.
 * A server-side failure is read when all rows have been sent (COPY has no per-row answer).
 * db: a pool (a connection is leased for the call), a leased connection or a transaction.
 * *copied (may be NULL) = rows loaded, from the command tag; 0 on failure. n_rows == 0 is 0
 * without a round trip. Traced as one query (start, end with the row count). Thread-safe on a
 * pool, as any statement. */
PQG_MUST_CHECK int pqg_copy_from(pqg_db *db, const pqg_stmt *copy_stmt, size_t n_rows,
                                 int (*bind_row)(size_t i, pqg_args *args, void *userdata),
                                 void *userdata, int64_t *copied);
/* The 0-based row the calling thread's last failed pqg_copy_from named, or -1 when the failure
 * was not tied to a row (or the last copy succeeded). */
int64_t pqg_copy_last_error_row(void);

/* === batches (pipeline.c) === */

/* Runs st once per item in libpq pipeline mode: one Parse of st (the unnamed statement), one
 * Bind/Execute per item, one Sync - a single network round trip for the whole batch.
 * bind_item(i, args, userdata) binds item i's parameters (may be NULL when st takes none); a
 * binding error fails item i as a server error would (see atomicity below).
 * decode == NULL (:batchexec): on_result gets rows NULL, n_rows 0 and rows_affected from the
 * command tag. decode != NULL (:batchmany): every row of item i is decoded into a scratch block
 * (rows[n_rows] of row_size bytes, then their data); rows are borrowed and valid only during
 * on_result (the block is reused); zero rows is rc 0 with rows NULL.
 * on_result(i, rc, rows, n_rows, rows_affected, userdata) is called in item order, once per item,
 * with rc 0 or the item's PQG_E* code; pqg_last_error() describes item i's failure during the
 * call. It may be NULL. A non-zero return stops delivery: the remaining results are read and
 * dropped, so the connection stays usable.
 * Errors: the first failing item k gets the server's error; every later item was skipped by the
 * server and gets PQG_ESERVER with sqlstate "" and a message starting with
 * PQG_BATCH_ABORTED_MESSAGE (test with pqg_error_is_batch_aborted()).
 * Atomicity: outside a transaction block the batch runs in one implicit transaction (a single
 * Sync), so when any item fails, no item's effects are kept - rc 0 for an earlier item means it
 * ran, not that it was committed. Inside a transaction (db is a pqg_begin() handle) nothing is
 * committed by the batch; a failure aborts that transaction as PostgreSQL defines.
 * Returns 0 when every item succeeded; else the first failing item's code (also when the
 * failure came after on_result stopped: that failure still rolled the batch back), with its
 * details restored in pqg_last_error(); else on_result's stop value. The results of the whole
 * batch may be buffered by libpq while items are being sent: split very large :batchmany work.
 * Traced as one query (rows = rows affected or returned, summed). */
typedef int (*pqg_batch_result_fn)(size_t i, int rc, const void *rows, size_t n_rows,
                                   int64_t rows_affected, void *userdata);
PQG_MUST_CHECK int pqg_batch_run(pqg_db *db, const pqg_stmt *st, size_t n_items,
                                 void (*bind_item)(size_t i, pqg_args *args, void *userdata),
                                 pqg_decode_fn decode, size_t row_size,
                                 pqg_batch_result_fn on_result, void *userdata);
/* :batchone: as pqg_batch_run with a decode, but only the first row of each item is decoded
 * (n_rows 1) and an item without a row gets PQG_ENOTFOUND, which neither aborts the batch nor
 * counts as a failure in the return value. */
PQG_MUST_CHECK int pqg_batch_run_one(pqg_db *db, const pqg_stmt *st, size_t n_items,
                                     void (*bind_item)(size_t i, pqg_args *args, void *userdata),
                                     pqg_decode_fn decode, size_t row_size,
                                     pqg_batch_result_fn on_result, void *userdata);
/* The message prefix of items skipped after a failed item (PGRES_PIPELINE_ABORTED). */
#define PQG_BATCH_ABORTED_MESSAGE "pipeline aborted"
/* True when e describes an item that the server skipped because an earlier item failed. */
bool pqg_error_is_batch_aborted(const pqg_error *e);

#ifdef __cplusplus
}
#endif

#endif /* PQG_H */
