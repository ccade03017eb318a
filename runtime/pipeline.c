/*
 * pipeline.c - batches (:batchexec, :batchone, :batchmany) in libpq pipeline mode: one Parse of
 * the unnamed statement, one Bind/Execute per item, one Sync, so a batch costs one round trip.
 * Results are decoded into a reused scratch block and handed to a callback in item order.
 * Single statements are in conn.c, bulk load (COPY) in copy.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqg_int.h"

bool
pqg_error_is_batch_aborted(const pqg_error *e)
{
    return e && e->code == PQG_ESERVER && e->sqlstate[0] == '\0' &&
           strncmp(e->message, PQG_BATCH_ABORTED_MESSAGE, strlen(PQG_BATCH_ABORTED_MESSAGE)) == 0;
}

typedef struct batch {
    pqg_db *db;
    const pqg_stmt *st;
    pqg__conn *c;
    bool leased;
    int64_t start_us;
    pqg_decode_fn decode;
    size_t row_size;
    pqg_batch_result_fn on_result;
    void *userdata;
    char *scratch;         /* decoded rows of the current item; grown, never shrunk */
    size_t scratch_cap;
    bool full_layout;      /* a getter needed room the lean sizing did not give (conn.c) */
    int first_rc;          /* first failing item's code, 0 if none */
    size_t first_item;
    pqg_error first_err;   /* and its details, restored as the last error at the end */
    int stop;              /* non-zero once on_result asked to stop */
    int64_t total_rows;
} batch;

static void
trace(batch *b, pqg_trace_event ev, int64_t rows, int error)
{
    pqg__trace_stmt(b->db->pool, b->st, ev, b->start_us, rows, error);
}

static const char *
qname(const batch *b)
{
    return b->st->name ? b->st->name : "";
}

/* Hands item i's outcome to the callback (unless stopped). The last error is item i's while
 * the callback runs; the first failure is remembered for the return value. */
static void
deliver(batch *b, size_t i, int rc, const void *rows, size_t n_rows, int64_t affected)
{
    /* A :batchone item without a row is an answer, not a failure of the batch. */
    if (rc && rc != PQG_ENOTFOUND && !b->first_rc) {
        b->first_rc = rc;
        b->first_item = i;
        b->first_err = *pqg__err();
    }
    if (b->stop || !b->on_result)
        return;
    b->stop = b->on_result(i, rc, rows, n_rows, affected, b->userdata);
}

static int
set_aborted(batch *b, size_t i)
{
    if (b->first_rc)
        return pqg__set_error(PQG_ESERVER, b->st->name,
                              PQG_BATCH_ABORTED_MESSAGE ": batch %s: item %zu skipped because "
                              "item %zu failed", qname(b), i, b->first_item);
    return pqg__set_error(PQG_ESERVER, b->st->name,
                          PQG_BATCH_ABORTED_MESSAGE ": batch %s: item %zu skipped", qname(b), i);
}

static int
check_columns(batch *b, const PGresult *res)
{
    const pqg_stmt *st = b->st;
    int nf = PQnfields(res);
    if (nf != st->n_columns)
        return pqg__set_error(PQG_EDECODE, st->name,
                              "query %s: the server returned %d columns, the generated code "
                              "expects %d: the schema changed, regenerate", qname(b), nf,
                              st->n_columns);
    for (int i = 0; st->column_types && i < nf; i++) {
        uint32_t want = st->column_types[i], got = (uint32_t)PQftype(res, i);
        if (want && want != got)
            return pqg__set_error(PQG_EDECODE, st->name,
                                  "query %s: column %d (%s) has type oid %u, the generated code "
                                  "expects %u: the schema changed, regenerate", qname(b), i,
                                  PQfname(res, i), got, want);
    }
    return 0;
}

/* Decodes rows [0, n) of res (n is 1 for :batchone) into the scratch block: rows[n] followed by
 * their variable-length data, as pqg_query_many lays it out. */
static int
decode_rows(batch *b, const PGresult *res, int n)
{
    size_t head = pqg__align((size_t)n * b->row_size, 16);
    for (;;) {
        pqg__layout lay;
        int rc = pqg__layout_init(&lay, res, b->st, b->full_layout);
        if (rc)
            return rc;
        size_t size = head + (size_t)n * lay.per_row;
        if (lay.n_var)
            for (int r = 0; r < n; r++)
                size += pqg__layout_row_bound(&lay, res, r) - lay.per_row;
        if (size > b->scratch_cap) {
            char *p = pqg__realloc(b->scratch, size);
            if (!p) {
                pqg__layout_free(&lay);
                return pqg__set_error(PQG_ENOMEM, b->st->name, "out of memory");
            }
            b->scratch = p;
            b->scratch_cap = size;
        }
        memset(b->scratch, 0, head);
        pqg_row row;
        size_t decoded = 0;
        pqg__row_init(&row, res, b->st, &lay, b->scratch + head, size - head);
        for (int r = 0; r < n && !row.err; r++) {
            row.row = r;
            b->decode(&row, b->scratch + (size_t)r * b->row_size);
            if (!row.err)
                decoded++; /* a failing row releases its own values */
        }
        pqg__layout_free(&lay);
        if (!row.short_block && !row.err)
            return 0;
        /* The rows are dropped: the item's callback will not see them. */
        pqg__release_rows(b->st, b->scratch, b->row_size, decoded);
        if (!row.short_block)
            return row.err;
        b->full_layout = true; /* and again, with room in every column */
    }
}

/* Item i's result (already read) to the callback. */
static void
item_result(batch *b, size_t i, PGresult *res, bool one)
{
    ExecStatusType s = PQresultStatus(res);
    if (s == PGRES_PIPELINE_ABORTED) {
        deliver(b, i, set_aborted(b, i), NULL, 0, 0);
        return;
    }
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        deliver(b, i, pqg__result_error(b->c, res, b->st->name), NULL, 0, 0);
        return;
    }
    if (!b->decode) {
        const char *ct = PQcmdTuples(res);
        int64_t n = ct && *ct ? strtoll(ct, NULL, 10) : (s == PGRES_TUPLES_OK ? PQntuples(res) : 0);
        b->total_rows += n;
        deliver(b, i, 0, NULL, 0, n);
        return;
    }
    int rc;
    if (s != PGRES_TUPLES_OK) {
        rc = pqg__set_error(PQG_EDECODE, b->st->name, "query %s: returned no result set",
                            qname(b));
        deliver(b, i, rc, NULL, 0, 0);
        return;
    }
    if ((rc = check_columns(b, res))) {
        deliver(b, i, rc, NULL, 0, 0);
        return;
    }
    int n = PQntuples(res);
    b->total_rows += n;
    if (n == 0) {
        rc = one ? pqg__set_error(PQG_ENOTFOUND, b->st->name, "query %s: no row (batch item %zu)",
                                  qname(b), i)
                 : 0;
        deliver(b, i, rc, NULL, 0, 0);
        return;
    }
    if (one)
        n = 1;
    if (b->stop) {
        /* Nobody is listening: skip decoding, but keep counting. */
        deliver(b, i, 0, NULL, 0, n);
        return;
    }
    if ((rc = decode_rows(b, res, n))) {
        deliver(b, i, rc, NULL, 0, 0);
        return;
    }
    deliver(b, i, 0, b->scratch, (size_t)n, n);
}

/* Reads the results of one pipelined command: its result, then the NULL that ends it.
 * *res = the result (caller clears), or NULL when the connection gave none. */
static PGresult *
next_result(batch *b)
{
    PGconn *pg = b->c->pg;
    PGresult *res = PQgetResult(pg);
    if (!res)
        return NULL;
    /* One result per command here (no single-row mode, no COPY); anything more is drained. */
    PGresult *extra;
    while ((extra = PQgetResult(pg)) != NULL) {
        ExecStatusType s = PQresultStatus(extra);
        PQclear(extra);
        if (s == PGRES_PIPELINE_SYNC || PQstatus(pg) == CONNECTION_BAD)
            break;
    }
    return res;
}

static int
finish(batch *b, int rc)
{
    pqg__free(b->scratch);
    b->scratch = NULL;
    if (b->c) {
        trace(b, PQG_TRACE_QUERY_END, b->total_rows, rc < 0 ? rc : 0);
        if (b->leased)
            pqg__unlease(b->c);
        b->c = NULL;
    }
    return rc;
}

/* The connection failed mid-batch: every item not yet delivered gets the same error. */
static void
fail_rest(batch *b, size_t from, size_t n, int rc)
{
    pqg_error e = *pqg__err();
    for (size_t i = from; i < n; i++) {
        *pqg__err() = e;
        deliver(b, i, rc, NULL, 0, 0);
    }
    b->c->broken = true;
}

/* A binding error in item k must fail the batch at k on the server too, so that the batch stays
 * atomic (implicit transaction) or the caller's transaction is aborted, exactly as a server error
 * in item k would. This statement fails with 22P02 and names the item in the server's log. */
static bool
send_bind_failure(PGconn *pg, size_t i)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT 'pqg: batch item %zu could not be bound'::pg_catalog.int4",
             i);
    return PQsendQueryParams(pg, sql, 0, NULL, NULL, NULL, NULL, 1) == 1;
}

static int
run(pqg_db *db, const pqg_stmt *st, size_t n_items,
    void (*bind_item)(size_t i, pqg_args *args, void *userdata), pqg_decode_fn decode,
    size_t row_size, pqg_batch_result_fn on_result, void *userdata, bool one)
{
    if (!db || !st || !st->sql)
        return pqg__set_error(PQG_EINVAL, st ? st->name : NULL, "db or statement is NULL");
    if ((st->n_params > 0 && !bind_item) || (decode && !row_size) || (one && !decode))
        return pqg__set_error(PQG_EINVAL, st->name, "batch %s: bind_item, decode or row_size "
                              "missing", st->name ? st->name : "");
    if (n_items == 0)
        return 0;
    batch b;
    memset(&b, 0, sizeof b);
    b.db = db;
    b.st = st;
    b.start_us = pqg__now_us();
    b.decode = decode;
    b.row_size = row_size;
    b.on_result = on_result;
    b.userdata = userdata;
    int rc = pqg__resolve(db, &b.c, &b.leased);
    if (rc)
        return rc;
    trace(&b, PQG_TRACE_QUERY_START, -1, 0);
    PGconn *pg = b.c->pg;
    pqg__pool *p = b.c->db.pool;
    int64_t lat = atomic_load(&p->fault_latency_ms);
    if (lat > 0)
        pqg__sleep_ms(lat);
    int64_t ppm = atomic_load(&p->fault_ppm);
    if (ppm > 0 && pqg__random() * 1e6 < (double)ppm)
        return finish(&b, pqg__set_error(PQG_ECONN, st->name,
                                         "batch %s: injected connection fault", qname(&b)));
    if (PQpipelineStatus(pg) != PQ_PIPELINE_OFF || PQisBusy(pg))
        return finish(&b, pqg__set_error(PQG_EINVAL, st->name,
                                         "batch %s: the connection is busy", qname(&b)));
    if (!PQenterPipelineMode(pg))
        return finish(&b, pqg__result_error(b.c, NULL, b.st->name));

    /* The unnamed statement, parsed once per batch inside the pipeline: no extra round trip,
     * no per-connection state to keep in step, and it works behind PgBouncer. (Measured: the
     * same speed as a named statement prepared beforehand, for 10,000 point selects.) */
    bool send_ok = PQsendPrepare(pg, "", st->sql, st->n_params, (const Oid *)st->param_types);
    size_t sent = 0;
    int bind_rc = 0;
    size_t bind_item_at = 0;
    pqg_error bind_err = {0};
    for (size_t i = 0; send_ok && i < n_items; i++) {
        pqg_args a;
        pqg_args_init(&a, st);
        if (bind_item)
            bind_item(i, &a, userdata);
        if (a.err || a.n != st->n_params) {
            bind_rc = a.err ? a.err : PQG_EINVAL;
            bind_item_at = i;
            if (a.err)
                pqg__set_error(bind_rc, st->name, "batch %s: item %zu: a parameter could not be "
                               "bound (%s)", qname(&b), i, pqg_strerror(a.err));
            else
                pqg__set_error(bind_rc, st->name, "batch %s: item %zu: expects %d parameters, "
                               "got %d", qname(&b), i, st->n_params, a.n);
            bind_err = *pqg__err();
            pqg_args_clear(&a);
            send_ok = send_bind_failure(pg, i);
            break;
        }
        send_ok = PQsendQueryPrepared(pg, "", a.n, a.values, a.lengths, a.formats, 1) == 1;
        pqg_args_clear(&a);
        if (send_ok)
            sent++;
    }
    if (send_ok)
        send_ok = PQpipelineSync(pg) == 1;
    if (!send_ok) {
        /* Nothing can be trusted on this connection any more. */
        rc = pqg__result_error(b.c, NULL, b.st->name);
        if (rc != PQG_ECONN)
            rc = pqg__set_error(PQG_ECONN, st->name, "batch %s: sending failed: %s", qname(&b),
                                pqg_last_error()->message);
        fail_rest(&b, 0, n_items, rc);
        return finish(&b, b.first_rc);
    }

    /* The Parse's result first: if it failed, item 0 carries its error and the rest are
     * skipped by the server (PGRES_PIPELINE_ABORTED). */
    PGresult *res = next_result(&b);
    int prep_rc = 0;
    pqg_error prep_err = {0};
    if (!res || PQstatus(pg) == CONNECTION_BAD) {
        PQclear(res);
        fail_rest(&b, 0, n_items, pqg__result_error(b.c, NULL, b.st->name));
        return finish(&b, b.first_rc);
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        prep_rc = pqg__result_error(b.c, res, b.st->name);
        prep_err = *pqg__err();
    }
    PQclear(res);

    size_t i = 0;
    for (; i < sent; i++) {
        res = next_result(&b);
        if (!res || (PQstatus(pg) == CONNECTION_BAD && PQresultStatus(res) != PGRES_TUPLES_OK &&
                     PQresultStatus(res) != PGRES_COMMAND_OK)) {
            PQclear(res);
            int crc = pqg__result_error(b.c, NULL, b.st->name);
            if (crc != PQG_ECONN)
                crc = pqg__set_error(PQG_ECONN, st->name, "batch %s: connection lost",
                                     qname(&b));
            fail_rest(&b, i, n_items, crc);
            return finish(&b, b.first_rc);
        }
        if (prep_rc && i == 0 && PQresultStatus(res) == PGRES_PIPELINE_ABORTED) {
            *pqg__err() = prep_err;
            deliver(&b, 0, prep_rc, NULL, 0, 0);
        } else {
            item_result(&b, i, res, one);
        }
        PQclear(res);
    }
    if (bind_rc) {
        /* The deliberate failure's result, then the items never sent. */
        PQclear(next_result(&b));
        *pqg__err() = bind_err;
        deliver(&b, bind_item_at, bind_rc, NULL, 0, 0);
        for (i = bind_item_at + 1; i < n_items; i++)
            deliver(&b, i, set_aborted(&b, i), NULL, 0, 0);
    }
    /* The Sync's result ends the pipeline; then leave pipeline mode. */
    res = PQgetResult(pg);
    bool synced = res && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
    PQclear(res);
    if (!synced || !PQexitPipelineMode(pg)) {
        int crc = pqg__result_error(b.c, NULL, b.st->name);
        b.c->broken = true;
        if (!b.first_rc) {
            b.first_rc = crc;
            b.first_err = *pqg__err();
        }
    }
    if (b.first_rc) {
        *pqg__err() = b.first_err;
        return finish(&b, b.first_rc);
    }
    return finish(&b, b.stop);
}

int
pqg_batch_run(pqg_db *db, const pqg_stmt *st, size_t n_items,
              void (*bind_item)(size_t i, pqg_args *args, void *userdata), pqg_decode_fn decode,
              size_t row_size, pqg_batch_result_fn on_result, void *userdata)
{
    return run(db, st, n_items, bind_item, decode, row_size, on_result, userdata, false);
}

int
pqg_batch_run_one(pqg_db *db, const pqg_stmt *st, size_t n_items,
                  void (*bind_item)(size_t i, pqg_args *args, void *userdata),
                  pqg_decode_fn decode, size_t row_size, pqg_batch_result_fn on_result,
                  void *userdata)
{
    return run(db, st, n_items, bind_item, decode, row_size, on_result, userdata, true);
}
