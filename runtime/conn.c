/*
 * conn.c - running statements on a connection: the per-connection prepared-statement cache
 * (keyed by the pqg_stmt pointer), re-prepare after the server lost a statement (26000) or its
 * plan changed result type (0A000), unnamed mode for PgBouncer, and the result drivers
 * (pqg_query_one/many/each, pqg_exec*) that size one block per call and run the getters.
 * Leasing and broken-connection handling are in pool.c; getters in codec.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqg_int.h"

/* ---------- statement cache ---------- */

static size_t
ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

void
pqg__conn_cache_free(pqg__conn *c)
{
    for (size_t i = 0; i < c->cache_cap; i++)
        pqg__free(c->cache[i].name);
    pqg__free(c->cache);
    c->cache = NULL;
    c->cache_cap = c->cache_len = 0;
}

static pqg__stmt_entry *
cache_find(pqg__conn *c, const pqg_stmt *st)
{
    if (!c->cache_cap)
        return NULL;
    size_t mask = c->cache_cap - 1;
    for (size_t i = ptr_hash(st) & mask;; i = (i + 1) & mask) {
        if (c->cache[i].key == st)
            return &c->cache[i];
        if (!c->cache[i].key)
            return NULL;
    }
}

static int
cache_grow(pqg__conn *c)
{
    size_t cap = c->cache_cap ? c->cache_cap * 2 : 32;
    pqg__stmt_entry *tab = pqg__calloc(cap * sizeof *tab);
    if (!tab)
        return PQG_ENOMEM;
    for (size_t i = 0; i < c->cache_cap; i++) {
        if (!c->cache[i].key)
            continue;
        size_t j = ptr_hash(c->cache[i].key) & (cap - 1);
        while (tab[j].key)
            j = (j + 1) & (cap - 1);
        tab[j] = c->cache[i];
    }
    pqg__free(c->cache);
    c->cache = tab;
    c->cache_cap = cap;
    return 0;
}

static bool
name_taken(const pqg__conn *c, const char *name)
{
    for (size_t i = 0; i < c->cache_cap; i++)
        if (c->cache[i].key && strcmp(c->cache[i].name, name) == 0)
            return true;
    return false;
}

/* The server keys prepared statements by their first 63 bytes, so long names are shortened
 * with a hash of the whole, and a name another descriptor already uses gets a suffix. Caller
 * owns; release with pqg__free(). */
static char *
make_name(pqg__conn *c, const char *base)
{
    char buf[64];
    if (!base || !*base)
        base = "pqg_stmt";
    size_t n = strlen(base);
    if (n > 48) {
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < n; i++)
            h = (h ^ (unsigned char)base[i]) * 16777619u;
        snprintf(buf, sizeof buf, "%.40s_%08x", base, h);
    } else {
        snprintf(buf, sizeof buf, "%s", base);
    }
    if (name_taken(c, buf)) {
        char alt[64];
        do
            snprintf(alt, sizeof alt, "%.49s_%u", buf, ++c->name_seq);
        while (name_taken(c, alt));
        return pqg__strdup(alt);
    }
    return pqg__strdup(buf);
}

static int
cache_add(pqg__conn *c, const pqg_stmt *st, pqg__stmt_entry **out)
{
    if ((c->cache_len + 1) * 10 > c->cache_cap * 7 && cache_grow(c) != 0)
        return pqg__set_error(PQG_ENOMEM, st->name, "out of memory");
    char *name = make_name(c, st->name);
    if (!name)
        return pqg__set_error(PQG_ENOMEM, st->name, "out of memory");
    size_t mask = c->cache_cap - 1, i = ptr_hash(st) & mask;
    while (c->cache[i].key)
        i = (i + 1) & mask;
    c->cache[i].key = st;
    c->cache[i].name = name;
    c->cache[i].prepared = false;
    c->cache[i].full_reserve = false;
    c->cache[i].columns_checked = false;
    c->cache_len++;
    *out = &c->cache[i];
    return 0;
}

int
pqg__result_error(pqg__conn *c, const PGresult *res, const char *query)
{
    int rc = pqg__set_error_result(res, c->pg, query);
    pqg__check_broken(c, pqg_last_error()->sqlstate);
    return rc;
}

static void
deallocate(pqg__conn *c, const char *name)
{
    char *id = PQescapeIdentifier(c->pg, name, strlen(name));
    if (!id)
        return;
    char sql[200];
    snprintf(sql, sizeof sql, "DEALLOCATE %s", id);
    PQfreemem(id);
    PQclear(PQexec(c->pg, sql));
}

/* *entry: borrowed; valid until the next statement on c adds to its cache. */
static int
ensure_prepared(pqg__conn *c, const pqg_stmt *st, pqg__stmt_entry **entry)
{
    pqg__stmt_entry *e = cache_find(c, st);
    int rc;
    if (!e && (rc = cache_add(c, st, &e)) != 0)
        return rc;
    *entry = e;
    if (e->prepared && e->sql == st->sql)
        return 0;
    if (e->prepared && e->sql != st->sql) {
        /* The same descriptor address now holds other SQL (a descriptor on the stack). */
        deallocate(c, e->name);
        e->prepared = false;
        e->full_reserve = false;
    }
    e->columns_checked = false;
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQprepare(c->pg, e->name, st->sql, st->n_params,
                                  (const Oid *)st->param_types);
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            PQclear(res);
            e->prepared = true;
            e->sql = st->sql;
            return 0;
        }
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        /* 42P05: someone (DEALLOCATE by hand, an earlier failure) left one of that name. */
        if (attempt == 0 && state && strcmp(state, "42P05") == 0 &&
            PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
            PQclear(res);
            deallocate(c, e->name);
            continue;
        }
        rc = pqg__result_error(c, res, st->name);
        PQclear(res);
        return rc;
    }
}

/* ---------- running ---------- */

typedef struct call {
    pqg_db *db;
    const pqg_stmt *st;
    pqg_args *args;
    pqg__conn *c;
    pqg__stmt_entry *entry;  /* the statement's cache entry once sent prepared, else NULL */
    bool leased;
    int64_t start_us;        /* 0 unless a tracer was attached when the call began */
} call;

static void
drain(PGconn *pg)
{
    PGresult *r;
    while ((r = PQgetResult(pg)) != NULL)
        PQclear(r);
}

static void
trace_query(call *k, pqg_trace_event ev, int64_t rows, int error)
{
    pqg__pool *p = k->db && k->db->pool ? k->db->pool : NULL;
    if (!pqg__tracing(p))
        return;
    pqg_trace_info info;
    memset(&info, 0, sizeof info);
    info.event = ev;
    info.query_name = k->st ? k->st->name : NULL;
    info.sql = k->st ? k->st->sql : NULL;
    if (k->args && k->st) {
        info.n_params = k->args->n;
        info.param_values = k->args->values;
        info.param_lengths = k->args->lengths;
        info.param_formats = k->args->formats;
        info.param_types = k->st->param_types;
    }
    info.rows = rows;
    info.error = error;
    info.sqlstate = error ? pqg_last_error()->sqlstate : "";
    if (ev == PQG_TRACE_QUERY_END && k->start_us)
        info.duration_us = pqg__now_us() - k->start_us;
    pqg__trace(p, &info);
}

static int
call_begin(call *k, pqg_db *db, const pqg_stmt *st, pqg_args *args)
{
    memset(k, 0, sizeof *k);
    k->db = db;
    k->st = st;
    k->args = args;
    if (!db || !st || !st->sql)
        return pqg__set_error(PQG_EINVAL, st ? st->name : NULL, "db or statement is NULL");
    int n = args ? args->n : 0;
    if (args && args->err)
        return pqg__set_error(args->err, st->name, "query %s: a parameter could not be bound (%s)",
                              st->name ? st->name : "", pqg_strerror(args->err));
    if (n != st->n_params)
        return pqg__set_error(PQG_EINVAL, st->name, "query %s: expects %d parameters, got %d",
                              st->name ? st->name : "", st->n_params, n);
    int rc = pqg__resolve(db, &k->c, &k->leased);
    if (rc)
        return rc;
    /* The clock is read only for tracers (metrics and the slow-query log are tracers). */
    if (pqg__tracing(db->pool)) {
        k->start_us = pqg__now_us();
        trace_query(k, PQG_TRACE_QUERY_START, -1, 0);
    }
    pqg__pool *p = db->pool;
    int64_t lat = atomic_load(&p->fault_latency_ms);
    int64_t ppm = atomic_load(&p->fault_ppm);
    if (lat > 0)
        pqg__sleep_ms(lat);
    if (ppm > 0 && pqg__random() * 1e6 < (double)ppm) {
        rc = pqg__set_error(PQG_ECONN, st->name, "query %s: injected connection fault",
                            st->name ? st->name : "");
        trace_query(k, PQG_TRACE_QUERY_END, -1, rc);
        if (k->leased)
            pqg__unlease(k->c);
        k->c = NULL;
        return rc;
    }
    return 0;
}

static int
call_end(call *k, int rc, int64_t rows)
{
    if (k->c) {
        trace_query(k, PQG_TRACE_QUERY_END, rows, rc);
        if (k->leased)
            pqg__unlease(k->c);
    }
    pqg_args_clear(k->args);
    return rc;
}

static bool
is_retryable_prepare_error(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (!state)
        return false;
    if (strcmp(state, "26000") == 0)
        return true;
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    return strcmp(state, "0A000") == 0 && msg && strstr(msg, "cached plan must not change");
}

/* Sends the statement and returns its first result in *res (caller clears it). */
static int
start(call *k, bool single_row, PGresult **res)
{
    pqg__conn *c = k->c;
    const pqg_stmt *st = k->st;
    pqg_args *a = k->args;
    int n = a ? a->n : 0;
    const char *const *vals = a ? a->values : NULL;
    const int *lens = a ? a->lengths : NULL, *fmts = a ? a->formats : NULL;
    *res = NULL;
    for (int attempt = 0;; attempt++) {
        int ok;
        /* Nameless statements (ad hoc SQL) are not cached: they run as unnamed ones. */
        if (c->db.pool->cfg.unnamed_statements || !st->name) {
            ok = PQsendQueryParams(c->pg, st->sql, n, (const Oid *)st->param_types, vals, lens,
                                   fmts, 1);
        } else {
            int rc = ensure_prepared(c, st, &k->entry);
            if (rc)
                return rc;
            ok = PQsendQueryPrepared(c->pg, k->entry->name, n, vals, lens, fmts, 1);
        }
        if (!ok)
            return pqg__result_error(c, NULL, st->name);
        if (single_row)
            PQsetSingleRowMode(c->pg);
        PGresult *r = PQgetResult(c->pg);
        if (!r)
            return pqg__result_error(c, NULL, st->name);
        if (PQresultStatus(r) == PGRES_FATAL_ERROR && attempt == 0 &&
            !c->db.pool->cfg.unnamed_statements && st->name && is_retryable_prepare_error(r)) {
            /* The transaction status is known only once the statement's results are drained.
             * Outside a transaction block nothing was aborted: prepare again and rerun. */
            drain(c->pg);
            if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
                bool plan_changed = strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "0A000") == 0;
                PQclear(r);
                pqg__stmt_entry *e = cache_find(c, st);
                if (e) {
                    e->prepared = false;
                    if (plan_changed)
                        deallocate(c, e->name);
                }
                continue;
            }
        }
        if (PQresultStatus(r) == PGRES_FATAL_ERROR || PQresultStatus(r) == PGRES_BAD_RESPONSE ||
            PQresultStatus(r) == PGRES_NONFATAL_ERROR) {
            int rc = pqg__result_error(c, r, st->name);
            PQclear(r);
            drain(c->pg);
            return rc;
        }
        *res = r;
        return 0;
    }
}

static int
check_columns(const pqg_stmt *st, const PGresult *res)
{
    int nf = PQnfields(res);
    if (nf != st->n_columns)
        return pqg__set_error(PQG_EDECODE, st->name,
                              "query %s: the server returned %d columns, the generated code "
                              "expects %d: the schema changed, regenerate",
                              st->name ? st->name : "", nf, st->n_columns);
    if (!st->column_types)
        return 0;
    for (int i = 0; i < nf; i++) {
        uint32_t want = st->column_types[i], got = (uint32_t)PQftype(res, i);
        if (want && want != got)
            return pqg__set_error(PQG_EDECODE, st->name,
                                  "query %s: column %d (%s) has type oid %u, the generated code "
                                  "expects %u: the schema changed, regenerate",
                                  st->name ? st->name : "", i, PQfname(res, i), got, want);
    }
    return 0;
}

/* check_columns once per prepared statement and connection: the server refuses to run a
 * prepared statement whose result columns changed ("cached plan must not change result type",
 * after which start() prepares it again and this checks again). */
static int
check_result(call *k, const PGresult *res)
{
    pqg__stmt_entry *e = k->entry;
    if (e && e->columns_checked && e->checked_types == k->st->column_types)
        return 0;
    int rc = check_columns(k->st, res);
    if (!rc && e) {
        e->columns_checked = true;
        e->checked_types = k->st->column_types;
    }
    return rc;
}

static int
rows_status(call *k, PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    if (s == PGRES_TUPLES_OK || s == PGRES_SINGLE_TUPLE)
        return 0;
    if (s == PGRES_COMMAND_OK)
        return pqg__set_error(PQG_EDECODE, k->st->name, "query %s: returned no result set",
                              k->st->name ? k->st->name : "");
    return pqg__result_error(k->c, r, k->st->name);
}

/* Lean sizing first; after a getter found its column without room, full sizing, remembered
 * for the statement on this connection. */
static bool
wants_full(const call *k)
{
    return k->entry && k->entry->full_reserve;
}

static void
note_full(call *k)
{
    if (k->entry)
        k->entry->full_reserve = true;
}

int
pqg_query_one(pqg_db *db, const pqg_stmt *st, pqg_args *args, pqg_decode_fn decode, void *dst,
              size_t row_size, void **mem)
{
    call k;
    if (mem)
        *mem = NULL;
    if (dst)
        memset(dst, 0, row_size);
    int rc = call_begin(&k, db, st, args);
    if (rc)
        return call_end(&k, rc, -1);
    if (!decode || !dst || !mem)
        return call_end(&k, pqg__set_error(PQG_EINVAL, st->name, "decode, dst or mem is NULL"),
                        -1);
    PGresult *res;
    if ((rc = start(&k, false, &res)))
        return call_end(&k, rc, -1);
    drain(k.c->pg);
    if ((rc = rows_status(&k, res)) || (rc = check_result(&k, res))) {
        PQclear(res);
        return call_end(&k, rc, -1);
    }
    int64_t nrows = PQntuples(res);
    if (nrows == 0) {
        PQclear(res);
        return call_end(&k, pqg__set_error(PQG_ENOTFOUND, st->name, "query %s: no row",
                                           st->name ? st->name : ""),
                        0);
    }
    bool full = wants_full(&k);
    char *block;
    pqg_row row;
    for (;;) {
        pqg__layout lay;
        if ((rc = pqg__layout_init(&lay, res, st, full))) {
            PQclear(res);
            return call_end(&k, rc, -1);
        }
        size_t size = pqg__layout_row_bound(&lay, res, 0);
        block = NULL;
        if (size && !(block = pqg__malloc(size))) {
            pqg__layout_free(&lay);
            PQclear(res);
            return call_end(&k, pqg__set_error(PQG_ENOMEM, st->name, "out of memory"), -1);
        }
        pqg__row_init(&row, res, st, &lay, block, size);
        decode(&row, dst);
        pqg__layout_free(&lay);
        if (!row.short_block)
            break;
        /* A short block is a failed decode (err is set): the decoder released its own values. */
        pqg__free(block);
        memset(dst, 0, row_size);
        full = true;
        note_full(&k);
    }
    PQclear(res);
    if (row.err) {
        pqg__free(block);
        memset(dst, 0, row_size);
        return call_end(&k, row.err, nrows);
    }
    if (row.mem.used == 0) {
        pqg__free(block);
        block = NULL;
    }
    *mem = block;
    return call_end(&k, 0, nrows);
}

int
pqg_query_many(pqg_db *db, const pqg_stmt *st, pqg_args *args, pqg_decode_fn decode,
               size_t row_size, void **rows, size_t *len)
{
    call k;
    if (rows)
        *rows = NULL;
    if (len)
        *len = 0;
    int rc = call_begin(&k, db, st, args);
    if (rc)
        return call_end(&k, rc, -1);
    if (!decode || !rows || !len || !row_size)
        return call_end(&k, pqg__set_error(PQG_EINVAL, st->name, "decode, rows or len is NULL"),
                        -1);
    PGresult *res;
    if ((rc = start(&k, false, &res)))
        return call_end(&k, rc, -1);
    drain(k.c->pg);
    if ((rc = rows_status(&k, res)) || (rc = check_result(&k, res))) {
        PQclear(res);
        return call_end(&k, rc, -1);
    }
    int n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return call_end(&k, 0, 0);
    }
    /* One pass to size everything (only the variable-length columns are looked at), one
     * allocation, then the getters bump-allocate. */
    size_t head = pqg__align((size_t)n * row_size, 16);
    bool full = wants_full(&k);
    char *block;
    pqg_row row;
    size_t decoded;
    for (;;) {
        pqg__layout lay;
        if ((rc = pqg__layout_init(&lay, res, st, full))) {
            PQclear(res);
            return call_end(&k, rc, -1);
        }
        size_t size = head + (size_t)n * lay.per_row;
        if (lay.n_var)
            for (int i = 0; i < n; i++)
                size += pqg__layout_row_bound(&lay, res, i) - lay.per_row;
        block = pqg__malloc(size);
        if (!block) {
            pqg__layout_free(&lay);
            PQclear(res);
            return call_end(&k, pqg__set_error(PQG_ENOMEM, st->name, "out of memory"), -1);
        }
        memset(block, 0, head);
        pqg__row_init(&row, res, st, &lay, block + head, size - head);
        decoded = 0;
        for (int i = 0; i < n && !row.err; i++) {
            row.row = i;
            decode(&row, block + (size_t)i * row_size);
            if (!row.err)
                decoded++; /* a failing row releases its own values */
        }
        pqg__layout_free(&lay);
        if (!row.short_block)
            break;
        pqg__release_rows(st, block, row_size, decoded);
        pqg__free(block);
        full = true;
        note_full(&k);
    }
    PQclear(res);
    if (row.err) {
        pqg__release_rows(st, block, row_size, decoded);
        pqg__free(block);
        return call_end(&k, row.err, n);
    }
    *rows = block;
    *len = (size_t)n;
    return call_end(&k, 0, n);
}

/* Rows that keep arriving after a scan stopped (the callback said so, or a row failed) are
 * read and dropped; past this many, the server is asked to cancel the query instead, which
 * costs a connection to the postmaster but ends a long result at once. */
#define EACH_CANCEL_AFTER 1000

/* Asks the server to cancel what pg is running (PQcancel: a separate connection; the query
 * then ends with an error result, 57014, which the caller ignores). Returns whether the
 * request was sent. A request that arrives after the query ended does nothing: the backend
 * ignores a cancel while it waits for a command, and the caller reads until the query's own
 * end before the connection is used again. */
static bool
cancel_query(PGconn *pg)
{
    char err[256];
    PGcancel *c = PQgetCancel(pg);
    bool sent = c && PQcancel(c, err, sizeof err);
    PQfreeCancel(c);
    return sent;
}

int
pqg_query_each(pqg_db *db, const pqg_stmt *st, pqg_args *args, pqg_decode_fn decode,
               size_t row_size, int (*fn)(const void *row, void *userdata), void *userdata)
{
    call k;
    int rc = call_begin(&k, db, st, args);
    if (rc)
        return call_end(&k, rc, -1);
    if (!decode || !fn || !row_size)
        return call_end(&k, pqg__set_error(PQG_EINVAL, st->name, "decode or fn is NULL"), -1);
    /* A cancel would roll back what the statement wrote, or an open transaction: then the rest
     * is only ever drained. */
    bool may_cancel = st->cancel_on_stop && PQtransactionStatus(k.c->pg) == PQTRANS_IDLE;
    PGresult *res;
    if ((rc = start(&k, true, &res)))
        return call_end(&k, rc, -1);
    if ((rc = check_result(&k, res))) {
        PQclear(res);
        drain(k.c->pg);
        return call_end(&k, rc, -1);
    }
    /* The columns are the same in every single-row result: one layout serves them all. */
    bool full = wants_full(&k);
    pqg__layout lay;
    if ((rc = pqg__layout_init(&lay, res, st, full))) {
        PQclear(res);
        drain(k.c->pg);
        return call_end(&k, rc, -1);
    }
    /* One scratch buffer for the row struct and its data, grown only for a bigger row: memory
     * stays flat however many rows stream past. */
    size_t head = pqg__align(row_size, 16), cap = 0;
    char *buf = NULL;
    int64_t count = 0, dropped = 0;
    int stop = 0;
    bool cancelled = false;
    while (res) {
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_SINGLE_TUPLE && (stop || rc) && ++dropped == EACH_CANCEL_AFTER &&
            may_cancel)
            cancelled = cancel_query(k.c->pg);
        if (s == PGRES_SINGLE_TUPLE) {
            while (!stop && !rc) {
                size_t need = head + pqg__layout_row_bound(&lay, res, 0);
                if (need > cap) {
                    char *nb = pqg__realloc(buf, need);
                    if (!nb) {
                        rc = pqg__set_error(PQG_ENOMEM, st->name, "out of memory");
                        break;
                    }
                    buf = nb;
                    cap = need;
                }
                memset(buf, 0, head);
                pqg_row row;
                pqg__row_init(&row, res, st, &lay, buf + head, cap - head);
                decode(&row, buf);
                if (row.short_block) {
                    /* Decode the same row again with room in every column. */
                    pqg__layout_free(&lay);
                    full = true;
                    note_full(&k);
                    rc = pqg__layout_init(&lay, res, st, full);
                    continue;
                }
                if (row.err) {
                    rc = row.err;
                } else {
                    count++;
                    stop = fn(buf, userdata);
                }
                break;
            }
        } else if (s != PGRES_TUPLES_OK && !rc && !cancelled) {
            rc = (s == PGRES_COMMAND_OK)
                     ? pqg__set_error(PQG_EDECODE, st->name, "query %s: returned no result set",
                                      st->name ? st->name : "")
                     : pqg__result_error(k.c, res, st->name);
        }
        PQclear(res);
        res = PQgetResult(k.c->pg);
    }
    pqg__free(buf);
    pqg__layout_free(&lay);
    if (!rc && PQstatus(k.c->pg) != CONNECTION_OK)
        rc = pqg__result_error(k.c, NULL, st->name);
    if (rc)
        return call_end(&k, rc, count);
    return call_end(&k, stop, count);
}

static int
exec_common(pqg_db *db, const pqg_stmt *st, pqg_args *args, int64_t *rows, char *tag,
            size_t tag_cap)
{
    call k;
    int rc = call_begin(&k, db, st, args);
    if (rc)
        return call_end(&k, rc, -1);
    PGresult *res;
    if ((rc = start(&k, false, &res)))
        return call_end(&k, rc, -1);
    drain(k.c->pg);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        rc = pqg__result_error(k.c, res, st->name);
        PQclear(res);
        return call_end(&k, rc, -1);
    }
    const char *ct = PQcmdTuples(res);
    int64_t n = ct && *ct ? strtoll(ct, NULL, 10) : (s == PGRES_TUPLES_OK ? PQntuples(res) : 0);
    if (rows)
        *rows = n;
    if (tag)
        snprintf(tag, tag_cap, "%s", PQcmdStatus(res) ? PQcmdStatus(res) : "");
    PQclear(res);
    return call_end(&k, 0, n);
}

int
pqg_exec(pqg_db *db, const pqg_stmt *st, pqg_args *args, int64_t *rows_affected)
{
    if (rows_affected)
        *rows_affected = 0;
    return exec_common(db, st, args, rows_affected, NULL, 0);
}

int
pqg_exec_result_get(pqg_db *db, const pqg_stmt *st, pqg_args *args, pqg_exec_result *out)
{
    if (!out) {
        pqg_args_clear(args);
        return pqg__set_error(PQG_EINVAL, st ? st->name : NULL, "out is NULL");
    }
    memset(out, 0, sizeof *out);
    int rc = exec_common(db, st, args, &out->rows_affected, out->command_tag,
                         sizeof out->command_tag);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int
pqg__conn_command(pqg__conn *c, const char *sql, const char *what)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType s = PQresultStatus(res);
    int rc = 0;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        rc = pqg__result_error(c, res, what);
    PQclear(res);
    return rc;
}

int
pqg_exec_sql(pqg_db *db, const char *sql)
{
    if (!db || !sql)
        return pqg__set_error(PQG_EINVAL, NULL, "db or sql is NULL");
    pqg_stmt st = {.name = NULL, .sql = sql};
    call k;
    int rc = call_begin(&k, db, &st, NULL);
    if (rc)
        return call_end(&k, rc, -1);
    rc = pqg__conn_command(k.c, sql, NULL);
    k.st = &st;
    return call_end(&k, rc, -1);
}

int
pqg__resolve(pqg_db *db, pqg__conn **c, bool *leased)
{
    *c = NULL;
    *leased = false;
    if (!db)
        return pqg__set_error(PQG_EINVAL, NULL, "db is NULL");
    switch (db->kind) {
    case PQG__KIND_POOL: {
        int rc = pqg__lease(db->pool, c);
        *leased = rc == 0;
        return rc;
    }
    case PQG__KIND_CONN:
    case PQG__KIND_TX:
        if (!db->conn)
            return pqg__set_error(PQG_EINVAL, NULL, "transaction already finished");
        *c = db->conn;
        return 0;
    default:
        return pqg__set_error(PQG_EINVAL, NULL, "not a pqg_db handle");
    }
}

struct pg_conn *
pqg_pgconn(pqg_db *db)
{
    if (!db || (db->kind != PQG__KIND_CONN && db->kind != PQG__KIND_TX) || !db->conn)
        return NULL;
    return db->conn->pg;
}
