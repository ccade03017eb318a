/*
 * bench_db.c - runtime benchmarks: generated code (libpqg) against the raw libpq loop that does
 * the same work, in the same process and run, interleaved round by round so that drift hits
 * both. Every mode prints one line per round and "RESULT key value" lines for run.sh.
 * The pqgen sides are compiled in with -DBENCH_HAVE_GEN (generated code in build/bench/gen).
 *
 *   bench_db point N ROUNDS | pool gen|raw THREADS SECONDS | many CALLS ROUNDS |
 *            pipeline N ROUNDS | each gen|raw | copy ROWS
 */
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "alloc_count.h"
#include "pqg.h"

#ifdef BENCH_HAVE_GEN
#include "bench.h"
#endif

#define ITEM_COLS "id, name, qty, price, active, created_at, ref, note"
#define N_ITEMS 1000000
/* 2000-01-01 (PostgreSQL's epoch) in microseconds since 1970-01-01. */
#define PG_EPOCH_USEC INT64_C(946684800000000)

/* The row both sides decode into. With generated code it is the generated struct itself. */
#ifdef BENCH_HAVE_GEN
typedef bench_item item_t;
#else
typedef struct item_t {
    int64_t id;
    const char *name;
    int32_t qty;
    double price;
    bool active;
    pqg_timestamp created_at;
    pqg_uuid ref;
    const char *note;
} item_t;
#endif

static const char *conninfo;
static volatile int64_t sink;   /* keeps the decoded values observable */

static double
now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_db: %s: %s\n", what, detail ? detail : "");
    exit(1);
}

/* xorshift64*: the same id sequence for every side and run. */
static uint64_t
rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* n random ids in [1, max]. Caller owns; release with free(). */
static int64_t *
random_ids(size_t n, int64_t max, uint64_t seed)
{
    int64_t *ids = malloc(n * sizeof *ids);

    if (!ids)
        die("malloc", "ids");
    for (size_t i = 0; i < n; i++)
        ids[i] = 1 + (int64_t)(rng_next(&seed) % (uint64_t)max);
    return ids;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* === raw libpq: binary parameters and results, decoded by hand === */

static uint32_t
get_u32(const char *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return ntohl(v);
}

static uint64_t
get_u64(const char *p)
{
    return ((uint64_t)get_u32(p) << 32) | get_u32(p + 4);
}

static void
put_u64(char *p, uint64_t v)
{
    uint32_t hi = htonl((uint32_t)(v >> 32)), lo = htonl((uint32_t)v);

    memcpy(p, &hi, 4);
    memcpy(p + 4, &lo, 4);
}

static PGconn *
raw_connect(void)
{
    PGconn *c = PQconnectdb(conninfo);

    if (PQstatus(c) != CONNECTION_OK)
        die("connect", PQerrorMessage(c));
    return c;
}

static void
raw_prepare(PGconn *c, const char *name, const char *sql, int n, const Oid *types)
{
    PGresult *r = PQprepare(c, name, sql, n, types);

    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("prepare", PQerrorMessage(c));
    PQclear(r);
}

/* Decodes row i's fixed-size columns; strings are left pointing into the PGresult. */
static void
raw_decode_fixed(const PGresult *r, int i, item_t *it)
{
    double price;
    uint64_t bits = get_u64(PQgetvalue(r, i, 3));

    memset(it, 0, sizeof *it);
    it->id = (int64_t)get_u64(PQgetvalue(r, i, 0));
    it->name = PQgetvalue(r, i, 1);
    it->qty = (int32_t)get_u32(PQgetvalue(r, i, 2));
    memcpy(&price, &bits, sizeof price);
    it->price = price;
    it->active = PQgetvalue(r, i, 4)[0] != 0;
    it->created_at = (int64_t)get_u64(PQgetvalue(r, i, 5)) + PG_EPOCH_USEC;
    memcpy(it->ref.bytes, PQgetvalue(r, i, 6), 16);
    it->note = PQgetisnull(r, i, 7) ? NULL : PQgetvalue(r, i, 7);
}

/* Copies row i's strings to dst (advanced past them) so the row outlives the PGresult. */
static char *
raw_copy_strings(const PGresult *r, int i, item_t *it, char *dst)
{
    size_t n = (size_t)PQgetlength(r, i, 1);

    memcpy(dst, it->name, n + 1);
    it->name = dst;
    dst += n + 1;
    if (it->note) {
        n = (size_t)PQgetlength(r, i, 7);
        memcpy(dst, it->note, n + 1);
        it->note = dst;
        dst += n + 1;
    }
    return dst;
}

static size_t
raw_strings_size(const PGresult *r, int i)
{
    return (size_t)PQgetlength(r, i, 1) + 1 +
           (PQgetisnull(r, i, 7) ? 0 : (size_t)PQgetlength(r, i, 7) + 1);
}

static const Oid int8_oid[] = {20, 20};

/* One point select as a careful hand-written function would return it: the row owns its
 * strings in one malloc'd block (*mem), like the generated :one. */
static int
raw_get_item(PGconn *c, int64_t id, item_t *out, void **mem)
{
    char buf[8];
    const char *vals[1] = {buf};
    const int lens[1] = {8}, fmts[1] = {1};
    PGresult *r;

    put_u64(buf, (uint64_t)id);
    r = PQexecPrepared(c, "get_item", 1, vals, lens, fmts, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != 8) {
        PQclear(r);
        return -1;
    }
    raw_decode_fixed(r, 0, out);
    *mem = malloc(raw_strings_size(r, 0));
    if (!*mem)
        die("malloc", "row");
    raw_copy_strings(r, 0, out, *mem);
    PQclear(r);
    return 0;
}

/* === generated sides (names as the emitter writes them; see build/bench/gen/bench.h) === */

#ifdef BENCH_HAVE_GEN
static pqg_db *
gen_pool(int max_conns)
{
    pqg_config cfg;
    pqg_db *pool = NULL;

    pqg_config_defaults(&cfg);
    cfg.conninfo = conninfo;
    cfg.max_conns = max_conns;
    cfg.min_conns = max_conns;
    cfg.application_name = "pqgen-bench";
    if (pqg_pool_open(&cfg, &pool) != 0)
        die("pqg_pool_open", pqg_last_error()->message);
    return pool;
}

/* The raw side's connection: the generated side's own leased one, so that both sides talk to
 * the same backend process. Two connections' backends are scheduled differently enough to move
 * a loopback round trip by 10-40% for minutes (the point benchmark's control row measures it),
 * which would swamp the difference being measured. Borrowed; valid until conn is released. */
static PGconn *
shared_conn(pqg_db *conn)
{
    PGconn *c = pqg_pgconn(conn);

    if (!c)
        die("pqg_pgconn", "no libpq connection");
    return c;
}
#endif

/* === 2. point select: generated :one vs PQexecPrepared, one connection each === */

static void
check_item(const item_t *it, int64_t id)
{
    if (it->id != id || !it->name)
        die("point", "wrong row decoded");
    sink += it->qty + (int64_t)it->name[0];
}

/* Allocations per call of the last point_raw / point_gen loop (whole process). */
static double point_raw_allocs;
#ifdef BENCH_HAVE_GEN
static double point_gen_allocs;
#endif

static double
point_raw(PGconn *c, const int64_t *ids, size_t n)
{
    uint64_t a0 = alloc_count_get();
    double t0 = now_sec();

    for (size_t i = 0; i < n; i++) {
        item_t it;
        void *mem;

        if (raw_get_item(c, ids[i], &it, &mem) != 0)
            die("raw point select", PQerrorMessage(c));
        check_item(&it, ids[i]);
        free(mem);
    }
    t0 = now_sec() - t0;
    point_raw_allocs = (double)(alloc_count_get() - a0) / (double)n;
    return (double)n / t0;
}

#ifdef BENCH_HAVE_GEN
static double
point_gen(pqg_db *db, const int64_t *ids, size_t n)
{
    uint64_t a0 = alloc_count_get();
    double t0 = now_sec();

    for (size_t i = 0; i < n; i++) {
        bench_item it;

        if (bench_get_item(db, ids[i], &it) != 0)
            die("bench_get_item", pqg_last_error()->message);
        check_item(&it, ids[i]);
        bench_item_free(&it);
    }
    t0 = now_sec() - t0;
    point_gen_allocs = (double)(alloc_count_get() - a0) / (double)n;
    return (double)n / t0;
}
#endif

/* Calls per turn when the sides of a benchmark alternate. */
#define CHUNK 500

static int
run_point(size_t n, int rounds)
{
    int64_t *ids = random_ids(n, N_ITEMS, 42);
    /* c2 runs the raw loop again on a second connection: a control whose ratio to c shows how
     * much two identical loops differ on this machine (scheduling, CPU placement of backends). */
    PGconn *c, *c2 = raw_connect();
    double raw[16], raw2[16], gen[16], via_pool[16], gen_allocs = 0;

    alloc_count_enable(true);
#ifdef BENCH_HAVE_GEN
    pqg_db *pool = gen_pool(1), *conn = NULL;

    if (pqg_acquire(pool, &conn) != 0)
        die("pqg_acquire", pqg_last_error()->message);
    c = shared_conn(conn);
#else
    c = raw_connect();
#endif
    raw_prepare(c, "get_item", "SELECT " ITEM_COLS " FROM items WHERE id = $1", 1, int8_oid);
    raw_prepare(c2, "get_item", "SELECT " ITEM_COLS " FROM items WHERE id = $1", 1, int8_oid);
    point_raw(c2, ids, n / 10);
#ifdef BENCH_HAVE_GEN
    point_gen(conn, ids, n / 10);   /* warm-up: statement prepared, pages cached */
#endif
    point_raw(c, ids, n / 10);
    for (int r = 0; r < rounds; r++) {
        /* The sides take turns every CHUNK calls (and change order each turn), so that load
         * from elsewhere on the machine hits all of them alike. */
        double t_raw = 0, t_raw2 = 0, t_gen = 0, t_pool = 0;

        for (size_t k = 0, turn = 0; k < n; k += CHUNK, turn++) {
            size_t m = n - k < CHUNK ? n - k : CHUNK;

            if (turn % 2)
                t_raw += (double)m / point_raw(c, ids + k, m);
#ifdef BENCH_HAVE_GEN
            t_gen += (double)m / point_gen(conn, ids + k, m);
            gen_allocs = point_gen_allocs;
            /* Release and re-acquire per call: the pool's cost on a single thread. */
            pqg_release(conn);
            t_pool += (double)m / point_gen(pool, ids + k, m);
            if (pqg_acquire(pool, &conn) != 0)
                die("pqg_acquire", pqg_last_error()->message);
            if (pqg_pgconn(conn) != c)   /* a one-connection pool hands out the same one */
                die("pqg_acquire", "the pool replaced the connection");
#endif
            if (!(turn % 2))
                t_raw += (double)m / point_raw(c, ids + k, m);
            t_raw2 += (double)m / point_raw(c2, ids + k, m);
        }
        raw[r] = (double)n / t_raw;
        raw2[r] = (double)n / t_raw2;
        gen[r] = t_gen > 0 ? (double)n / t_gen : 0;
        via_pool[r] = t_pool > 0 ? (double)n / t_pool : 0;
        printf("  round %d: generated %.0f/s  via pool %.0f/s  raw libpq %.0f/s  control (raw, "
               "2nd connection) %.0f/s\n", r + 1, gen[r], via_pool[r], raw[r], raw2[r]);
        fflush(stdout);
    }
    printf("RESULT point_gen %.1f\nRESULT point_pool %.1f\nRESULT point_raw %.1f\n"
           "RESULT point_raw2 %.1f\n", median(gen, rounds), median(via_pool, rounds),
           median(raw, rounds), median(raw2, rounds));
    /* Whole-process allocations per call on one connection; the raw loop makes one itself. */
    printf("RESULT point_gen_allocs %.2f\nRESULT point_raw_allocs %.2f\n", gen_allocs,
           point_raw_allocs);
    alloc_count_enable(false);
#ifdef BENCH_HAVE_GEN
    pqg_release(conn);
    pqg_pool_close(pool, 1000);
#else
    PQfinish(c);
#endif
    PQfinish(c2);
    free(ids);
    return 0;
}

/* === 3. concurrency: THREADS threads, pgbench's select-only query === */

/* One thread of run_pool: through the pool (generated code) or on its own libpq connection. */
typedef struct pool_worker {
#ifdef BENCH_HAVE_GEN
    pqg_db *pool;
#endif
    PGconn *conn; /* raw side; NULL on the pool side */
    uint64_t seed;
    uint64_t done;
    atomic_bool *stop;
} pool_worker;

/* pgbench -S's statement with a binary int4 parameter and a binary result, as libpqg sends it. */
static int32_t
raw_get_abalance(PGconn *c, int32_t aid)
{
    uint32_t be = htonl((uint32_t)aid);
    const char *vals[1] = {(const char *)&be};
    const int lens[1] = {4}, fmts[1] = {1};
    PGresult *r = PQexecPrepared(c, "get_abalance", 1, vals, lens, fmts, 1);
    int32_t v = 0;

    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) != 1)
        die("raw get_abalance", PQerrorMessage(c));
    if (!PQgetisnull(r, 0, 0))
        v = (int32_t)get_u32(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static void *
pool_worker_main(void *arg)
{
    pool_worker *w = arg;
    uint64_t s = w->seed;

    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        int32_t aid = 1 + (int32_t)(rng_next(&s) % N_ITEMS);

        if (w->conn) {
            sink += raw_get_abalance(w->conn, aid);
        } else {
#ifdef BENCH_HAVE_GEN
            pqg_null_int32 abalance;

            if (bench_get_abalance(w->pool, aid, &abalance) != 0)
                die("bench_get_abalance", pqg_last_error()->message);
            sink += abalance.value;
#endif
        }
        w->done++;
    }
    return NULL;
}

/* side "gen": THREADS threads share one pool of THREADS connections; "raw": each thread has its
 * own libpq connection (the blocking-thread model without a pool: the bound for the pool side,
 * where pgbench -S multiplexes connections from 2 threads instead). Prints the tps. */
static int
run_pool(const char *side, int threads, double seconds)
{
    bool raw = !strcmp(side, "raw");
    pthread_t tid[64];
    pool_worker w[64];
    atomic_bool stop = false;
    uint64_t total = 0;
    double t0, t1;
    struct timespec d = {(time_t)seconds,
                         (long)((seconds - (double)(time_t)seconds) * 1e9)};
#ifdef BENCH_HAVE_GEN
    pqg_db *pool = raw ? NULL : gen_pool(threads);
#else
    if (!raw) {
        printf("RESULT pool_tps 0\n");
        return 0;
    }
#endif

    if (threads > 64)
        die("pool", "at most 64 threads");
    for (int i = 0; i < threads; i++) {
        w[i] = (pool_worker){.seed = 1000 + (uint64_t)i, .stop = &stop};
#ifdef BENCH_HAVE_GEN
        w[i].pool = pool;
#endif
        if (raw) {
            static const Oid int4_oid[] = {23};

            w[i].conn = raw_connect();
            raw_prepare(w[i].conn, "get_abalance",
                        "SELECT abalance FROM pgbench_accounts WHERE aid = $1", 1, int4_oid);
        }
    }
    t0 = now_sec();
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, pool_worker_main, &w[i]);
    nanosleep(&d, NULL);
    atomic_store(&stop, true);
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        total += w[i].done;
    }
    t1 = now_sec();
    printf("RESULT %s %.1f\n", raw ? "pool_raw_tps" : "pool_tps", (double)total / (t1 - t0));
    for (int i = 0; i < threads; i++)
        if (w[i].conn)
            PQfinish(w[i].conn);
#ifdef BENCH_HAVE_GEN
    if (pool)
        pqg_pool_close(pool, 1000);
#endif
    return 0;
}

/* === 4. wide :many: 1,000 rows x 8 columns into one block === */

typedef struct raw_rows {
    item_t *rows;
    size_t len;
} raw_rows;

/* All rows and their strings in one malloc'd block, as the generated :many does. */
static int
raw_list_items(PGconn *c, int64_t first, int64_t limit, raw_rows *out)
{
    char b1[8], b2[8];
    const char *vals[2] = {b1, b2};
    const int lens[2] = {8, 8}, fmts[2] = {1, 1};
    PGresult *r;
    size_t strings = 0, n;
    char *dst;

    put_u64(b1, (uint64_t)first);
    put_u64(b2, (uint64_t)limit);
    r = PQexecPrepared(c, "list_items", 2, vals, lens, fmts, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 8) {
        PQclear(r);
        return -1;
    }
    n = (size_t)PQntuples(r);
    for (size_t i = 0; i < n; i++)
        strings += raw_strings_size(r, (int)i);
    out->rows = malloc(n * sizeof(item_t) + strings);
    if (!out->rows)
        die("malloc", "rows");
    out->len = n;
    dst = (char *)(out->rows + n);
    for (size_t i = 0; i < n; i++) {
        raw_decode_fixed(r, (int)i, &out->rows[i]);
        dst = raw_copy_strings(r, (int)i, &out->rows[i], dst);
    }
    PQclear(r);
    return 0;
}

static void
check_rows(const item_t *rows, size_t len, int64_t first, size_t want)
{
    if (len != want || rows[0].id != first || rows[len - 1].id != first + (int64_t)len - 1)
        die("many", "wrong rows decoded");
    sink += rows[len / 2].qty;
}

#define PAGE 1000
#define MANY_CHUNK 10

/* Returns rows/s; *allocs = allocations per call over the timed calls. */
static double
many_raw(PGconn *c, const int64_t *firsts, size_t calls, double *allocs)
{
    uint64_t a0 = alloc_count_get();
    double t0 = now_sec();

    for (size_t i = 0; i < calls; i++) {
        raw_rows rows;

        if (raw_list_items(c, firsts[i], PAGE, &rows) != 0)
            die("raw many", PQerrorMessage(c));
        check_rows(rows.rows, rows.len, firsts[i], PAGE);
        free(rows.rows);
    }
    t0 = now_sec() - t0;
    *allocs = (double)(alloc_count_get() - a0) / (double)calls;
    return (double)(calls * PAGE) / t0;
}

#ifdef BENCH_HAVE_GEN
static atomic_uint_fast64_t pqg_allocs;

static void *
counting_malloc(size_t n)
{
    atomic_fetch_add_explicit(&pqg_allocs, 1, memory_order_relaxed);
    return malloc(n);
}

static void *
counting_realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&pqg_allocs, 1, memory_order_relaxed);
    return realloc(p, n);
}

static double
many_gen(pqg_db *db, const int64_t *firsts, size_t calls, double *allocs, double *lib_allocs)
{
    uint64_t a0 = alloc_count_get(), l0 = atomic_load(&pqg_allocs);
    double t0 = now_sec();

    for (size_t i = 0; i < calls; i++) {
        bench_item_rows rows;

        if (bench_list_items(db, firsts[i], PAGE, &rows) != 0)
            die("bench_list_items", pqg_last_error()->message);
        check_rows(rows.rows, rows.len, firsts[i], PAGE);
        bench_item_rows_free(&rows);
    }
    t0 = now_sec() - t0;
    *allocs = (double)(alloc_count_get() - a0) / (double)calls;
    *lib_allocs = (double)(atomic_load(&pqg_allocs) - l0) / (double)calls;
    return (double)(calls * PAGE) / t0;
}
#endif

static int
run_many(size_t calls, int rounds)
{
    int64_t *firsts = random_ids(calls, N_ITEMS - PAGE, 7);
    PGconn *c;
    double raw[16], gen[16], raw_allocs = 0, gen_allocs = 0, lib_allocs = 0;

#ifdef BENCH_HAVE_GEN
    pqg_set_allocator(counting_malloc, counting_realloc, free);
#endif
    alloc_count_enable(true);
#ifdef BENCH_HAVE_GEN
    pqg_db *pool = gen_pool(1), *conn = NULL;

    if (pqg_acquire(pool, &conn) != 0)
        die("pqg_acquire", pqg_last_error()->message);
    c = shared_conn(conn);
#else
    c = raw_connect();
#endif
    raw_prepare(c, "list_items",
                "SELECT " ITEM_COLS " FROM items WHERE id >= $1 ORDER BY id LIMIT $2", 2,
                int8_oid);
#ifdef BENCH_HAVE_GEN
    many_gen(conn, firsts, calls / 5 + 1, &gen_allocs, &lib_allocs);
#endif
    many_raw(c, firsts, calls / 5 + 1, &raw_allocs);
    for (int r = 0; r < rounds; r++) {
        double t_raw = 0, t_gen = 0;

        /* Turns of MANY_CHUNK calls, as in run_point. */
        for (size_t k = 0, turn = 0; k < calls; k += MANY_CHUNK, turn++) {
            size_t m = calls - k < MANY_CHUNK ? calls - k : MANY_CHUNK;

            if (turn % 2)
                t_raw += (double)(m * PAGE) / many_raw(c, firsts + k, m, &raw_allocs);
#ifdef BENCH_HAVE_GEN
            t_gen += (double)(m * PAGE) / many_gen(conn, firsts + k, m, &gen_allocs, &lib_allocs);
#endif
            if (!(turn % 2))
                t_raw += (double)(m * PAGE) / many_raw(c, firsts + k, m, &raw_allocs);
        }
        raw[r] = (double)(calls * PAGE) / t_raw;
        gen[r] = t_gen > 0 ? (double)(calls * PAGE) / t_gen : 0;
        printf("  round %d: generated %.0f rows/s (%.2f allocs/call, %.2f through "
               "pqg_set_allocator)  raw libpq %.0f rows/s (%.2f allocs/call)\n",
               r + 1, gen[r], gen_allocs, lib_allocs, raw[r], raw_allocs);
        fflush(stdout);
    }
    printf("RESULT many_gen %.1f\nRESULT many_raw %.1f\n", median(gen, rounds),
           median(raw, rounds));
    /* Allocation counts are identical from round to round; the last round's are printed.
     * The raw loop makes exactly one allocation of its own (the rows block): the rest is libpq. */
    printf("RESULT many_gen_allocs %.2f\nRESULT many_gen_lib_allocs %.2f\n"
           "RESULT many_raw_allocs %.2f\nRESULT many_libpq_allocs %.2f\n",
           gen_allocs, lib_allocs, raw_allocs, raw_allocs - 1);
#ifdef BENCH_HAVE_GEN
    pqg_release(conn);
    pqg_pool_close(pool, 1000);
#else
    PQfinish(c);
#endif
    alloc_count_enable(false);
    free(firsts);
    return 0;
}

#ifdef BENCH_HAVE_GEN
/* === 5a. bulk load: the generated :copyfrom (one binary COPY) === */

/* The rows to load, made before the clock starts (psql reads them from a CSV file). */
typedef struct copy_src {
    bench_copy_items_params *rows;
    char *names;
    size_t n;
} copy_src;

static void
copy_src_make(copy_src *src, size_t n)
{
    char *p;

    src->n = n;
    src->rows = calloc(n, sizeof *src->rows);
    src->names = p = malloc(n * 48);
    if (!src->rows || !p)
        die("malloc", "copy rows");
    for (size_t i = 0; i < n; i++) {
        int64_t g = (int64_t)i + 1;
        bench_copy_items_params *it = &src->rows[i];

        it->id = g;
        it->name = p;
        p += sprintf(p, "item-%lld", (long long)g) + 1;
        it->qty = (int32_t)((g * 7919) % 1000);
        it->price = (double)(g % 10000) / 100.0;
        it->active = g % 3 == 0;
        it->created_at = INT64_C(1704067200000000) + g * 1000000;
        memcpy(it->ref.bytes, &g, sizeof g);
        if (g % 4) {
            it->note = p;
            p += sprintf(p, "note for item %lld", (long long)g) + 1;
        }
    }
}

/* One load of n rows into the empty items_copy through bench_copy_items(); prints the seconds
 * it took. */
static int
run_copy(size_t n)
{
    copy_src src;
    pqg_db *pool = gen_pool(1);
    int64_t copied = 0;
    double t;

    copy_src_make(&src, n);
    if (pqg_exec_sql(pool, "TRUNCATE items_copy") != 0)
        die("truncate", pqg_last_error()->message);
    t = now_sec();
    if (bench_copy_items(pool, src.rows, n, &copied) != 0)
        die("bench_copy_items", pqg_last_error()->message);
    t = now_sec() - t;
    if ((size_t)copied != n)
        die("bench_copy_items", "wrong row count");
    printf("RESULT copy_seconds %.4f\n", t);
    pqg_pool_close(pool, 1000);
    free(src.rows);
    free(src.names);
    return 0;
}

/* === 5b. the generated :batchone === */

typedef struct batch_check {
    const int64_t *ids;
    size_t got;
} batch_check;

static int
on_batch_item(size_t i, int rc, const bench_item *row, void *userdata)
{
    batch_check *bc = userdata;

    if (rc != 0 || !row)
        die("bench_get_item_batch item", pqg_last_error()->message);
    check_item(row, bc->ids[i]);
    bc->got++;
    return 0;
}

/* n point selects through bench_get_item_batch() (one pipeline). The items array is built
 * inside the timed region: a caller holding ids[] has to do the same. */
static double
batch_gen(pqg_db *db, const int64_t *ids, size_t n)
{
    batch_check bc = {ids, 0};
    double t0 = now_sec();
    bench_get_item_batch_params *items = malloc(n * sizeof *items);

    if (!items)
        die("malloc", "batch items");
    for (size_t i = 0; i < n; i++)
        items[i].id = ids[i];
    if (bench_get_item_batch(db, items, n, on_batch_item, &bc) != 0 || bc.got != n)
        die("bench_get_item_batch", pqg_last_error()->message);
    free(items);
    return (double)n / (now_sec() - t0);
}
#endif

/* === 5b. point selects: raw libpq pipeline and sequential loop (the physical limits) === */

static double
pipeline_raw(PGconn *c, const int64_t *ids, size_t n)
{
    double t0 = now_sec();
    size_t got = 0;
    PGresult *r;

    if (!PQenterPipelineMode(c))
        die("pipeline", PQerrorMessage(c));
    for (size_t i = 0; i < n; i++) {
        char buf[8];
        const char *vals[1] = {buf};
        const int lens[1] = {8}, fmts[1] = {1};

        /* libpq reads while a send would block, so queuing all of them cannot deadlock. */
        put_u64(buf, (uint64_t)ids[i]);
        if (!PQsendQueryPrepared(c, "get_item", 1, vals, lens, fmts, 1))
            die("PQsendQueryPrepared", PQerrorMessage(c));
    }
    if (!PQpipelineSync(c))
        die("PQpipelineSync", PQerrorMessage(c));
    for (;;) {
        r = PQgetResult(c);
        if (!r)
            continue;   /* end of one query's results */
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
            die("pipeline result", PQresultErrorMessage(r));
        {
            item_t it;
            void *mem;

            raw_decode_fixed(r, 0, &it);
            mem = malloc(raw_strings_size(r, 0));
            if (!mem)
                die("malloc", "row");
            raw_copy_strings(r, 0, &it, mem);
            check_item(&it, ids[got]);
            free(mem);
        }
        got++;
        PQclear(r);
    }
    if (!PQexitPipelineMode(c))
        die("PQexitPipelineMode", PQerrorMessage(c));
    if (got != n)
        die("pipeline", "missing results");
    return (double)n / (now_sec() - t0);
}

static int
run_pipeline(size_t n, int rounds)
{
    int64_t *ids = random_ids(n, N_ITEMS, 4242);
    PGconn *c;
    double raw[16], seq[16], seq_raw[16], batch[16], batch_x[16], raw_x[16];

#ifdef BENCH_HAVE_GEN
    pqg_db *pool = gen_pool(1), *conn = NULL;

    if (pqg_acquire(pool, &conn) != 0)
        die("pqg_acquire", pqg_last_error()->message);
    c = shared_conn(conn);
#else
    c = raw_connect();
#endif
    raw_prepare(c, "get_item", "SELECT " ITEM_COLS " FROM items WHERE id = $1", 1, int8_oid);
#ifdef BENCH_HAVE_GEN
    point_gen(conn, ids, n / 10);
    batch_gen(conn, ids, n);
#endif
    /* A full-size warm-up: the first pipeline of a connection is slower (libpq's buffers grow). */
    pipeline_raw(c, ids, n);
    for (int r = 0; r < rounds; r++) {
        /* Each round's pipelined and sequential figures are taken back to back, so their
         * per-round ratios (whose medians are printed too) see the same machine load. */
        if (r % 2 == 0)   /* the pipelined sides alternate which goes first */
            raw[r] = pipeline_raw(c, ids, n);
#ifdef BENCH_HAVE_GEN
        batch[r] = batch_gen(conn, ids, n);
        seq[r] = point_gen(conn, ids, n);
#else
        batch[r] = seq[r] = 0;
#endif
        if (r % 2 == 1)
            raw[r] = pipeline_raw(c, ids, n);
        seq_raw[r] = point_raw(c, ids, n);
        batch_x[r] = seq[r] > 0 ? batch[r] / seq[r] : 0;
        raw_x[r] = raw[r] / seq_raw[r];
        printf("  round %d: raw libpq pipeline %.0f/s  generated :batchone %.0f/s  generated "
               ":one loop %.0f/s  raw sequential %.0f/s  (:batchone/:one %.2fx, raw "
               "pipeline/sequential %.2fx)\n", r + 1, raw[r], batch[r], seq[r], seq_raw[r],
               batch_x[r], raw_x[r]);
        fflush(stdout);
    }
    printf("RESULT pipeline_batch %.1f\n", median(batch, rounds));
    printf("RESULT pipeline_raw %.1f\nRESULT pipeline_seq_gen %.1f\nRESULT pipeline_seq_raw "
           "%.1f\n", median(raw, rounds), median(seq, rounds), median(seq_raw, rounds));
    printf("RESULT pipeline_batch_x %.3f\nRESULT pipeline_raw_x %.3f\n", median(batch_x, rounds),
           median(raw_x, rounds));
#ifdef BENCH_HAVE_GEN
    pqg_release(conn);
    pqg_pool_close(pool, 1000);
#else
    PQfinish(c);
#endif
    free(ids);
    return 0;
}

/* === 5c. streaming every row: peak RSS === */

static double
max_rss_mb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static void
consume_item(const item_t *it)
{
    sink += it->id + it->qty + (int64_t)it->name[0];
}

#ifdef BENCH_HAVE_GEN
static int
each_cb(const bench_item *row, void *userdata)
{
    consume_item(row);
    ++*(size_t *)userdata;
    return 0;
}
#endif

static int
run_each(const char *side)
{
    size_t rows = 0;
    double t0, rss0 = max_rss_mb();

    if (!strcmp(side, "raw")) {
        /* libpq single-row mode, each row decoded (strings borrowed) and dropped. */
        PGconn *c = raw_connect();
        PGresult *r;

        t0 = now_sec();
        if (!PQsendQueryParams(c, "SELECT " ITEM_COLS " FROM items", 0, NULL, NULL, NULL, NULL,
                               1) ||
            !PQsetSingleRowMode(c))
            die("single-row mode", PQerrorMessage(c));
        while ((r = PQgetResult(c)) != NULL) {
            if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
                item_t it;

                raw_decode_fixed(r, 0, &it);
                consume_item(&it);
                rows++;
            } else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
                die("single-row mode", PQresultErrorMessage(r));
            }
            PQclear(r);
        }
        t0 = now_sec() - t0;
        PQfinish(c);
    } else {
#ifdef BENCH_HAVE_GEN
        pqg_db *pool = gen_pool(1);

        t0 = now_sec();
        if (bench_scan_items_each(pool, each_cb, &rows) != 0)
            die("bench_scan_items_each", pqg_last_error()->message);
        t0 = now_sec() - t0;
        pqg_pool_close(pool, 1000);
#else
        printf("RESULT each_gen_rss 0\n");
        return 0;
#endif
    }
    if (rows != N_ITEMS)
        die("each", "wrong row count");
    printf("  %s: %zu rows in %.2f s (%.0f rows/s), peak RSS %.1f MB (%.1f MB before)\n", side,
           rows, t0, (double)rows / t0, max_rss_mb(), rss0);
    printf("RESULT each_%s_rss %.1f\nRESULT each_%s_rows_per_sec %.1f\n", side, max_rss_mb(),
           side, (double)rows / t0);
    return 0;
}

int
main(int argc, char **argv)
{
    conninfo = getenv("DATABASE_URL");
    if (!conninfo || argc < 2)
        die("usage", "DATABASE_URL=... bench_db point|pool|many|pipeline|each|copy ARGS");
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(argv[1], "point") && argc == 4)
        return run_point((size_t)atol(argv[2]), atoi(argv[3]) > 16 ? 16 : atoi(argv[3]));
    if (!strcmp(argv[1], "pool") && argc == 5)
        return run_pool(argv[2], atoi(argv[3]), atof(argv[4]));
    if (!strcmp(argv[1], "many") && argc == 4)
        return run_many((size_t)atol(argv[2]), atoi(argv[3]) > 16 ? 16 : atoi(argv[3]));
    if (!strcmp(argv[1], "pipeline") && argc == 4)
        return run_pipeline((size_t)atol(argv[2]), atoi(argv[3]) > 16 ? 16 : atoi(argv[3]));
#ifdef BENCH_HAVE_GEN
    if (!strcmp(argv[1], "copy") && argc == 3)
        return run_copy((size_t)atol(argv[2]));
#endif
    if (!strcmp(argv[1], "each") && argc == 3)
        return run_each(argv[2]);
    die("usage", "bad arguments");
    return 2;
}
