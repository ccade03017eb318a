/*
 * pqg_int.h - libpqg internals shared by the runtime's .c files (names pqg__*).
 *
 * Not installed, not API: generated code and applications include only pqg.h.
 * The three handle kinds (pool, leased connection, transaction) share struct pqg_db, so every
 * statement entry point takes one pointer and finds the connection from it.
 */
#ifndef PQG_INT_H
#define PQG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "pqg.h"

/* --- arena.c: allocator hook and bump blocks --- */

void *pqg__malloc(size_t n);
void *pqg__calloc(size_t n);
void *pqg__realloc(void *p, size_t n);
void pqg__free(void *p);
/* Caller owns; release with pqg__free(). NULL when out of memory. */
char *pqg__strdup(const char *s);

/* A bump allocator over one caller-sized block. */
typedef struct pqg__bump {
    char *base;
    size_t used, cap;
} pqg__bump;
/* Borrowed from the block; NULL when it does not fit (a sizing bug, reported as EDECODE). */
void *pqg__bump_alloc(pqg__bump *b, size_t n, size_t align);

static inline size_t
pqg__align(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

/* --- error.c --- */

pqg_error *pqg__err(void);
/* Records a client-side error on this thread and returns code. */
int pqg__set_error(int code, const char *query, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records the server error in res (or the connection's message if res is NULL or carries none)
 * and returns its mapped code. */
int pqg__set_error_result(const PGresult *res, PGconn *pg, const char *query);
/* conn.c: pqg__set_error_result for a result on c's connection (res may be NULL: the
 * connection's own error), then c is marked broken when the SQLSTATE says the connection is
 * gone. Returns the PQG_E* code. */
struct pqg__conn;
int pqg__result_error(struct pqg__conn *c, const PGresult *res, const char *query);
/* Maps a SQLSTATE to PQG_E*. */
int pqg__map_sqlstate(const char *sqlstate);
/* True for states after which the connection is unusable (class 08, 57P01-57P03). */
bool pqg__sqlstate_is_fatal(const char *sqlstate);

/* --- env.c --- */

int64_t pqg__now_us(void);           /* CLOCK_MONOTONIC */
void pqg__sleep_ms(int64_t ms);
/* A thread-safe xorshift draw in [0, 1). */
double pqg__random(void);

/* --- handles --- */

enum { PQG__KIND_POOL = 0x504f4f4c, PQG__KIND_CONN = 0x434f4e4e, PQG__KIND_TX = 0x54584e58 };

typedef struct pqg__pool pqg__pool;
typedef struct pqg__conn pqg__conn;

struct pqg_db {
    int kind;
    pqg__pool *pool;
    pqg__conn *conn;       /* CONN and TX */
    /* TX only */
    int level;             /* 0: BEGIN ... COMMIT; N > 0: SAVEPOINT pqg_sp_N */
    bool owns_lease;       /* begun on a pool: the connection goes back at commit/rollback */
    int64_t begin_us;
};

typedef struct pqg__stmt_entry {
    const pqg_stmt *key;
    const char *sql;       /* st->sql when prepared: a reused (stack) descriptor is caught */
    char *name;            /* prepared name on this connection (deduplicated) */
    bool prepared;         /* false after the server lost it (26000) or the plan changed */
    bool full_reserve;     /* a getter wrote text for a fixed-size column: size every column */
    bool columns_checked;  /* its result columns matched the descriptor since it was prepared */
    const uint32_t *checked_types;  /* the column_types they were checked against */
} pqg__stmt_entry;

struct pqg__conn {
    pqg_db db;             /* first: (pqg_db *) conn works */
    PGconn *pg;
    pqg__conn *next;       /* idle list */
    uint64_t id;           /* unique in the process, never reused: thread affinity (pool.c) */
    int64_t created_us, expires_us, idle_since_us;
    bool broken;
    int nest;              /* extra pqg_acquire() calls on this leased connection */
    int tx_depth;          /* open transaction levels (for savepoint names) */
    pqg__stmt_entry *cache;
    size_t cache_cap, cache_len;
    unsigned name_seq;
};

#define PQG__MAX_TRACERS 8

struct pqg__pool {
    pqg_db db;             /* first */
    pqg_config cfg;
    char *conninfo, *app_name;
    pthread_mutex_t mu;
    pthread_cond_t cv_free;     /* a connection came back or a slot opened */
    pthread_cond_t cv_health;   /* wakes the health thread (close) */
    pqg__conn *idle;            /* LIFO, but a thread gets back its last connection */
    int total;                  /* open plus being opened */
    int n_idle, in_use, waiting;
    int checking;               /* idle connections the health thread is pinging */
    int64_t broken_us;          /* when a connection was last found broken (pool.c) */
    bool closing, orphaned, health_running;
    pthread_t health;
    pqg_pool_stats stats;
    pqg_tracer tracers[PQG__MAX_TRACERS];
    atomic_int n_tracers;
    _Atomic int64_t fault_ppm;  /* failure probability in parts per million */
    _Atomic int64_t fault_latency_ms;
};

/* pool.c */
int pqg__lease(pqg__pool *pool, pqg__conn **out);
void pqg__unlease(pqg__conn *c);
/* Marks c broken when its state or sqlstate says the session is gone. */
void pqg__check_broken(pqg__conn *c, const char *sqlstate);

/* conn.c: run a command on a connection, simple protocol, no params. Returns 0 or PQG_E*. */
int pqg__conn_command(pqg__conn *c, const char *sql, const char *what);
/* Resolves db to a connection, leasing one from a pool (*leased set). */
int pqg__resolve(pqg_db *db, pqg__conn **c, bool *leased);
void pqg__conn_cache_free(pqg__conn *c);

/* trace.c */
static inline bool
pqg__tracing(const pqg__pool *p)
{
    return p && atomic_load_explicit(&p->n_tracers, memory_order_acquire) > 0;
}
void pqg__trace(pqg__pool *p, pqg_trace_info *info);
void pqg__trace_simple(pqg__pool *p, pqg_trace_event ev, const char *sql, int64_t dur_us,
                       int error);
/* A statement-level event without parameters (COPY, batches): QUERY_START, or QUERY_END with
 * the duration since start_us. */
void pqg__trace_stmt(pqg__pool *p, const pqg_stmt *st, pqg_trace_event ev, int64_t start_us,
                     int64_t rows, int error);

/* --- codec.c --- */

/* Wire constants (PostgreSQL's epoch is 2000-01-01). */
#define PQG__PG_EPOCH_USEC INT64_C(946684800000000)
#define PQG__PG_EPOCH_DAYS 10957

enum {
    PQG__OID_BOOL = 16, PQG__OID_BYTEA = 17, PQG__OID_CHAR = 18, PQG__OID_NAME = 19,
    PQG__OID_INT8 = 20, PQG__OID_INT2 = 21, PQG__OID_INT4 = 23, PQG__OID_TEXT = 25,
    PQG__OID_OID = 26, PQG__OID_JSON = 114, PQG__OID_XML = 142, PQG__OID_FLOAT4 = 700,
    PQG__OID_FLOAT8 = 701, PQG__OID_UNKNOWN = 705, PQG__OID_BPCHAR = 1042,
    PQG__OID_VARCHAR = 1043, PQG__OID_DATE = 1082, PQG__OID_TIME = 1083,
    PQG__OID_TIMESTAMP = 1114, PQG__OID_TIMESTAMPTZ = 1184, PQG__OID_INTERVAL = 1186,
    PQG__OID_NUMERIC = 1700, PQG__OID_UUID = 2950, PQG__OID_JSONB = 3802,
    PQG__OID_TEXTARRAY = 1009, PQG__OID_VARCHARARRAY = 1015, PQG__OID_BPCHARARRAY = 1014,
    PQG__OID_TIMESTAMPARRAY = 1115
};

static inline uint16_t
pqg__get16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint16_t)((u[0] << 8) | u[1]);
}
static inline uint32_t
pqg__get32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}
static inline uint64_t
pqg__get64(const char *p)
{
    return ((uint64_t)pqg__get32(p) << 32) | pqg__get32(p + 4);
}
static inline void
pqg__put16(char *p, uint16_t v)
{
    p[0] = (char)(v >> 8);
    p[1] = (char)v;
}
static inline void
pqg__put32(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24);
    p[1] = (char)(v >> 16);
    p[2] = (char)(v >> 8);
    p[3] = (char)v;
}
static inline void
pqg__put64(char *p, uint64_t v)
{
    pqg__put32(p, (uint32_t)(v >> 32));
    pqg__put32(p + 4, (uint32_t)v);
}

/* codec_numeric.c: decimal text <-> binary numeric. */
/* Binary size of text, or PQG_EINVAL for malformed text. */
int pqg__numeric_encode(const char *text, char *buf, size_t cap, size_t *len);
/* Upper bound of the text length (without NUL) of a binary numeric. */
size_t pqg__numeric_text_bound(const char *bin, size_t len);
/* Writes NUL-terminated text into out (cap >= bound + 1). Returns 0 or PQG_EDECODE. */
int pqg__numeric_decode(const char *bin, size_t len, char *out, size_t cap);

/* codec_get.c: element decoders shared with codec_array.c. NULL on success, else a static
 * text naming the problem. */
const char *pqg__dec_int(const char *v, int len, uint32_t oid, int64_t *out);
const char *pqg__dec_double(const char *v, int len, uint32_t oid, double *out);
const char *pqg__dec_bool(const char *v, int len, uint32_t oid, void *out);
const char *pqg__dec_uuid(const char *v, int len, uint32_t oid, void *out);
const char *pqg__dec_timestamp(const char *v, int len, uint32_t oid, void *out);
const char *pqg__dec_date(const char *v, int len, uint32_t oid, void *out);
const char *pqg__dec_interval(const char *v, int len, uint32_t oid, void *out);
/* 1-based index of the label, 0 when unknown. */
int pqg__enum_lookup(const char *v, size_t len, const char *const *labels, int n_labels);

/* How a column's bytes in the result block are bounded, decided once per result. */
enum {
    PQG__COL_FIXED = 0,    /* fixed-size binary value decoded into the row struct: 0 bytes */
    PQG__COL_RESERVED,     /* fixed-size, with room for any getter (numeric text, bytes) */
    PQG__COL_TEXT,         /* text-like: the value and a NUL */
    PQG__COL_NUMERIC,      /* numeric: its decimal text */
    PQG__COL_ARRAY,        /* a known array type: decoded items */
    PQG__COL_OTHER         /* anything else (enums, extension types, text-format values) */
};

typedef struct pqg__col {
    uint32_t oid;          /* the server's type (checked against the stmt when declared) */
    uint8_t kind;          /* PQG__COL_* */
} pqg__col;

#define PQG__COLS_INLINE 32

/* The columns of one result: what getters check per value (no libpq call per value for the
 * type or the column count) and what the block sizing pass needs per row: only the columns in
 * var[] are looked at row by row, fixed-size ones cost nothing. Lives on the caller's stack. */
typedef struct pqg__layout {
    int n;                 /* columns */
    int n_var;             /* columns sized per row, listed in var[] */
    bool full;             /* every column sized for any getter (see pqg_row.short_block) */
    size_t per_row;        /* bytes reserved per row whatever the values */
    pqg__col *cols;
    int *var;
    void *heap;            /* cols and var when wider than PQG__COLS_INLINE */
    pqg__col cols_inline[PQG__COLS_INLINE];
    int var_inline[PQG__COLS_INLINE];
} pqg__layout;

/* Fills l for res, a result whose columns passed the stmt check (st->column_types, when given,
 * equal the server's types, so they are used without asking libpq). full: reserve room in
 * fixed-size columns for getters that write text or bytes for them. Returns 0 or PQG_ENOMEM
 * (only for results wider than PQG__COLS_INLINE). Release with pqg__layout_free(). */
int pqg__layout_init(pqg__layout *l, const PGresult *res, const pqg_stmt *st, bool full);
void pqg__layout_free(pqg__layout *l);
/* Bytes of the result block the getters may need for row `row` of res. */
size_t pqg__layout_row_bound(const pqg__layout *l, const PGresult *res, int row);

/* A row being decoded. */
struct pqg_row {
    const PGresult *res;
    int row;
    int err;
    int nfields;
    bool full;             /* the layout is full: a short block is a sizing bug */
    bool short_block;      /* a getter needed bytes the lean sizing did not reserve: the driver
                            * decodes again with a full layout (err is set, no message) */
    const pqg__col *cols;  /* nfields entries */
    const pqg_stmt *st;
    pqg__bump mem;
};

/* Starts decoding res with layout l into the block [mem, mem + cap). */
static inline void
pqg__row_init(pqg_row *r, const PGresult *res, const pqg_stmt *st, const pqg__layout *l,
              char *mem, size_t cap)
{
    r->res = res;
    r->row = 0;
    r->err = 0;
    r->nfields = l->n;
    r->full = l->full;
    r->short_block = false;
    r->cols = l->cols;
    r->st = st;
    r->mem.base = mem;
    r->mem.used = 0;
    r->mem.cap = cap;
}

/* Sets r's sticky error (the first one wins) with a message naming query and column. */
int pqg__row_error(pqg_row *r, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* n bytes of the result block for column col (valid), or NULL with r's error set (a short
 * block under a lean layout only flags r->short_block). Borrowed from the block. */
void *pqg__row_alloc(pqg_row *r, int col, size_t n, size_t align);

/* args: the heap chain and declared types */
void *pqg__args_alloc(pqg_args *a, size_t n);
void pqg__args_push(pqg_args *a, const char *v, int len, int fmt);

/* Rows [0, n) of a decoded block are being dropped: releases what their decoder allocated
 * outside the block (st->release_row). */
static inline void
pqg__release_rows(const pqg_stmt *st, char *rows, size_t row_size, size_t n)
{
    for (size_t i = 0; st->release_row && i < n; i++)
        st->release_row(rows + i * row_size);
}

/* codec.c: calendar arithmetic shared by the timestamp codecs and the slow log. */
/* Year, month (1-12) and day (1-31) of day z since 1970-01-01 (Howard Hinnant's
 * civil_from_days: exact for any int64 day count we meet, unlike gmtime with a 32-bit time_t). */
void pqg__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* a / b rounded toward minus infinity (b != 0). */
int64_t pqg__floor_div(int64_t a, int64_t b);

#endif /* PQG_INT_H */
