/*
 * copy.c - bulk load (:copyfrom): binary COPY FROM STDIN fed from the pqg_arg_* binders, whose
 * binary values are exactly COPY binary's field bodies. Rows are framed into a 64 KB buffer
 * handed to PQputCopyData; a failing row is named from the server's CONTEXT ("COPY t, line k").
 * Statement execution is in conn.c, pipelined batches in pipeline.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqg_int.h"

#define COPY_BUF_SIZE (64 * 1024)

/* "PGCOPY\n\377\r\n\0", then int32 flags (no OIDs) and int32 header-extension length. */
static const char copy_signature[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n',
                                        '\0'};

static _Thread_local int64_t last_error_row = -1;

int64_t
pqg_copy_last_error_row(void)
{
    return last_error_row;
}

typedef struct copy_run {
    pqg_db *db;
    const pqg_stmt *st;
    pqg__conn *c;
    bool leased;
    int64_t start_us;
    char *buf;
    size_t used;
    bool put_failed;       /* PQputCopyData refused: the COPY is over on the server side */
} copy_run;

static void
trace(copy_run *k, pqg_trace_event ev, int64_t rows, int error)
{
    pqg__trace_stmt(k->db->pool, k->st, ev, k->start_us, rows, error);
}

static void
flush(copy_run *k)
{
    if (k->used == 0 || k->put_failed)
        return;
    /* A refusal means the COPY is over (the connection broke or libpq left COPY state): stop
     * sending; the result says why. */
    if (PQputCopyData(k->c->pg, k->buf, (int)k->used) != 1)
        k->put_failed = true;
    k->used = 0;
}

static void
put(copy_run *k, const void *data, size_t n)
{
    if (k->put_failed)
        return;
    if (k->used + n > COPY_BUF_SIZE) {
        flush(k);
        if (n >= COPY_BUF_SIZE) {
            /* A big field goes straight to libpq, which copies it into its own buffer. */
            if (!k->put_failed && PQputCopyData(k->c->pg, data, (int)n) != 1)
                k->put_failed = true;
            return;
        }
    }
    memcpy(k->buf + k->used, data, n);
    k->used += n;
}

/* Types whose binary form is their text bytes, so a text-format binder value can be framed as
 * is. OID 0 is an enum, a domain over text or citext as pqgen declares them. */
static bool
text_is_binary(uint32_t oid)
{
    return oid == 0 || oid == PQG__OID_TEXT || oid == PQG__OID_VARCHAR ||
           oid == PQG__OID_BPCHAR || oid == PQG__OID_NAME || oid == PQG__OID_JSON ||
           oid == PQG__OID_XML || oid == PQG__OID_UNKNOWN;
}

/* Appends one bound row as a COPY binary tuple. Returns 0 or PQG_EINVAL (recorded). */
static int
put_row(copy_run *k, size_t i, const pqg_args *a)
{
    const pqg_stmt *st = k->st;
    for (int f = 0; f < a->n; f++) {
        uint32_t oid = st->param_types ? st->param_types[f] : 0;
        if (a->values[f] && a->formats[f] == 0 && !text_is_binary(oid))
            return pqg__set_error(PQG_EINVAL, st->name,
                                  "copy %s: row %zu, column %d: the value was bound in text "
                                  "form, which binary COPY cannot take for type oid %u",
                                  st->name ? st->name : "", i, f + 1, oid);
        if (a->values[f] && a->lengths[f] < 0)
            return pqg__set_error(PQG_EINVAL, st->name, "copy %s: row %zu, column %d: bad length",
                                  st->name ? st->name : "", i, f + 1);
    }
    char hdr[4];
    pqg__put16(hdr, (uint16_t)a->n);
    put(k, hdr, 2);
    for (int f = 0; f < a->n; f++) {
        if (!a->values[f]) {
            pqg__put32(hdr, 0xFFFFFFFFu);
            put(k, hdr, 4);
            continue;
        }
        pqg__put32(hdr, (uint32_t)a->lengths[f]);
        put(k, hdr, 4);
        put(k, a->values[f], (size_t)a->lengths[f]);
    }
    return 0;
}

/* The 1-based COPY line from a CONTEXT such as "COPY t, line 5000, column b: ...", or -1. */
static int64_t
context_line(const char *ctx)
{
    const char *p = ctx ? strstr(ctx, "COPY ") : NULL;
    if (!p)
        return -1;
    p = strstr(p, ", line ");
    if (!p)
        return -1;
    char *end;
    long long v = strtoll(p + 7, &end, 10);
    return end == p + 7 || v <= 0 ? -1 : (int64_t)v;
}

/* Rewrites the recorded message to name the failing row (0-based, as bind_row saw it). */
static void
name_row(const pqg_stmt *st, int64_t row)
{
    pqg_error *e = pqg__err();
    char msg[sizeof e->message];
    memcpy(msg, e->message, sizeof msg);
    int n = snprintf(e->message, sizeof e->message, "copy %s: row %lld: ",
                     st->name ? st->name : "", (long long)row);
    if (n > 0 && (size_t)n < sizeof e->message)
        snprintf(e->message + n, sizeof e->message - (size_t)n, "%.*s",
                 (int)(sizeof e->message - (size_t)n - 1), msg);
}

/* Reads the COPY's outcome: the command tag's count, or the server's error naming the row. */
static int
finish(copy_run *k, int64_t *count)
{
    int rc = 0;
    PGresult *res;
    *count = 0;
    bool got = false;
    int ends = 0;
    while ((res = PQgetResult(k->c->pg)) != NULL) {
        ExecStatusType s = PQresultStatus(res);
        if (s == PGRES_COPY_IN) {
            /* Still in COPY (a failed put left it open): end it as failed, once. */
            if (ends++ > 0 || PQputCopyEnd(k->c->pg, "pqg: copy abandoned") != 1) {
                PQclear(res);
                if (!rc)
                    rc = pqg__result_error(k->c, NULL, k->st->name);
                k->c->broken = true;
                break;
            }
        } else if (s == PGRES_COMMAND_OK && !got && !rc) {
            const char *ct = PQcmdTuples(res);
            *count = ct && *ct ? strtoll(ct, NULL, 10) : 0;
            got = true;
        } else if (!rc && s != PGRES_COMMAND_OK) {
            rc = pqg__result_error(k->c, res, k->st->name);
            int64_t line = context_line(PQresultErrorField(res, PG_DIAG_CONTEXT));
            if (line > 0) {
                last_error_row = line - 1;
                name_row(k->st, line - 1);
            }
        }
        PQclear(res);
        if (PQstatus(k->c->pg) == CONNECTION_BAD)
            break;
    }
    if (!rc && (!got || PQstatus(k->c->pg) == CONNECTION_BAD))
        rc = pqg__result_error(k->c, NULL, k->st->name);
    return rc;
}

static int
done(copy_run *k, int rc, int64_t rows)
{
    pqg__free(k->buf);
    k->buf = NULL;
    if (k->c) {
        trace(k, PQG_TRACE_QUERY_END, rows, rc);
        if (k->leased)
            pqg__unlease(k->c);
        k->c = NULL;
    }
    return rc;
}

int
pqg_copy_from(pqg_db *db, const pqg_stmt *st, size_t n_rows,
              int (*bind_row)(size_t i, pqg_args *args, void *userdata), void *userdata,
              int64_t *copied)
{
    if (copied)
        *copied = 0;
    last_error_row = -1;
    if (!db || !st || !st->sql || !bind_row)
        return pqg__set_error(PQG_EINVAL, st ? st->name : NULL,
                              "db, statement or bind_row is NULL");
    if (st->n_params <= 0 || st->n_params > 1664)
        return pqg__set_error(PQG_EINVAL, st->name, "copy %s: bad column count %d",
                              st->name ? st->name : "", st->n_params);
    if (n_rows == 0)
        return 0;
    copy_run k;
    memset(&k, 0, sizeof k);
    k.db = db;
    k.st = st;
    k.start_us = pqg__now_us();
    int rc = pqg__resolve(db, &k.c, &k.leased);
    if (rc)
        return rc;
    trace(&k, PQG_TRACE_QUERY_START, -1, 0);
    pqg__pool *p = k.c->db.pool;
    int64_t lat = atomic_load(&p->fault_latency_ms);
    if (lat > 0)
        pqg__sleep_ms(lat);
    int64_t ppm = atomic_load(&p->fault_ppm);
    if (ppm > 0 && pqg__random() * 1e6 < (double)ppm)
        return done(&k, pqg__set_error(PQG_ECONN, st->name, "copy %s: injected connection fault",
                                       st->name ? st->name : ""), -1);
    if (!(k.buf = pqg__malloc(COPY_BUF_SIZE)))
        return done(&k, pqg__set_error(PQG_ENOMEM, st->name, "out of memory"), -1);

    PGconn *pg = k.c->pg;
    /* Extended protocol: one statement only, whatever the SQL text holds. */
    PGresult *res = PQexecParams(pg, st->sql, 0, NULL, NULL, NULL, NULL, 1);
    ExecStatusType s = PQresultStatus(res);
    if (s != PGRES_COPY_IN) {
        if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
            rc = pqg__set_error(PQG_EINVAL, st->name, "copy %s: the statement is not COPY FROM "
                                "STDIN", st->name ? st->name : "");
        else
            rc = pqg__result_error(k.c, res, k.st->name);
        PQclear(res);
        PGresult *r;
        while ((r = PQgetResult(pg)) != NULL)
            PQclear(r);
        return done(&k, rc, -1);
    }
    int nf = PQnfields(res), binary = PQbinaryTuples(res);
    PQclear(res);
    int client_rc = 0;
    if (!binary)
        client_rc = pqg__set_error(PQG_EINVAL, st->name, "copy %s: the statement must say "
                                   "(FORMAT binary)", st->name ? st->name : "");
    else if (nf != st->n_params)
        client_rc = pqg__set_error(PQG_EINVAL, st->name, "copy %s: COPY takes %d columns, the "
                                   "generated code binds %d: regenerate",
                                   st->name ? st->name : "", nf, st->n_params);

    char head[19];
    memcpy(head, copy_signature, sizeof copy_signature);
    pqg__put32(head + 11, 0);
    pqg__put32(head + 15, 0);
    if (!client_rc)
        put(&k, head, sizeof head);
    size_t i;
    for (i = 0; !client_rc && i < n_rows && !k.put_failed; i++) {
        pqg_args a;
        pqg_args_init(&a, st);
        int more = bind_row(i, &a, userdata);
        if (more == 0) {
            pqg_args_clear(&a);
            break;
        }
        if (more < 0)
            client_rc = pqg__set_error(more, st->name, "copy %s: row %zu: bind_row failed (%s)",
                                       st->name ? st->name : "", i, pqg_strerror(more));
        else if (a.err)
            client_rc = pqg__set_error(a.err, st->name, "copy %s: row %zu: a value could not be "
                                       "bound (%s)", st->name ? st->name : "", i,
                                       pqg_strerror(a.err));
        else if (a.n != st->n_params)
            client_rc = pqg__set_error(PQG_EINVAL, st->name, "copy %s: row %zu: %d values bound, "
                                       "the COPY takes %d", st->name ? st->name : "", i, a.n,
                                       st->n_params);
        else
            client_rc = put_row(&k, i, &a);
        pqg_args_clear(&a);
        if (client_rc)
            last_error_row = (int64_t)i;
    }
    int64_t count = 0;
    if (client_rc) {
        /* CopyFail: the server aborts the COPY (and a surrounding transaction), so none of the
         * rows sent so far are kept. Our error, not the server's echo of it, is reported. */
        pqg_error saved = *pqg__err();
        int64_t saved_row = last_error_row;
        k.used = 0;
        if (!k.put_failed)
            PQputCopyEnd(pg, saved.message);
        finish(&k, &count);
        *pqg__err() = saved;
        last_error_row = saved_row;
        return done(&k, client_rc, -1);
    }
    char trailer[2];
    pqg__put16(trailer, 0xFFFFu);
    put(&k, trailer, 2);
    flush(&k);
    if (!k.put_failed && PQputCopyEnd(pg, NULL) != 1)
        k.put_failed = true;
    rc = finish(&k, &count);
    if (rc)
        return done(&k, rc, -1);
    if (copied)
        *copied = count;
    return done(&k, 0, count);
}
