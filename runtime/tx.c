/*
 * tx.c - transactions: BEGIN with isolation / read-only / deferrable, nested begin as
 * SAVEPOINT pqg_sp_N, commit and rollback (which also return a pool-leased connection), and
 * pqg_tx_run, which retries a whole transaction on serialization failure or deadlock.
 */
#include <stdio.h>
#include <string.h>

#include "pqg_int.h"

static const char *
isolation_sql(pqg_isolation iso)
{
    switch (iso) {
    case PQG_ISOLATION_READ_COMMITTED:
        return " ISOLATION LEVEL READ COMMITTED";
    case PQG_ISOLATION_REPEATABLE_READ:
        return " ISOLATION LEVEL REPEATABLE READ";
    case PQG_ISOLATION_SERIALIZABLE:
        return " ISOLATION LEVEL SERIALIZABLE";
    default:
        return "";
    }
}

/* Microseconds since t0, or 0 when the clock was not read (no tracer then). */
static int64_t
since(int64_t t0)
{
    return t0 ? pqg__now_us() - t0 : 0;
}

int
pqg_begin(pqg_db *db, const pqg_tx_options *opts, pqg_db **out)
{
    if (!out)
        return pqg__set_error(PQG_EINVAL, NULL, "tx is NULL");
    *out = NULL;
    pqg__conn *c;
    bool leased;
    /* The clock is read only for tracers (durations of BEGIN, and COMMIT/ROLLBACK from it). */
    bool known = db && (db->kind == PQG__KIND_POOL || db->kind == PQG__KIND_CONN ||
                        db->kind == PQG__KIND_TX);
    int64_t t0 = known && pqg__tracing(db->pool) ? pqg__now_us() : 0;
    int rc = pqg__resolve(db, &c, &leased);
    if (rc)
        return rc;
    pqg_db *tx = pqg__calloc(sizeof *tx);
    if (!tx) {
        if (leased)
            pqg__unlease(c);
        return pqg__set_error(PQG_ENOMEM, NULL, "out of memory");
    }
    tx->kind = PQG__KIND_TX;
    tx->pool = c->db.pool;
    tx->conn = c;
    tx->owns_lease = leased;
    tx->begin_us = t0;
    /* A connection already inside a transaction (ours or a BEGIN sent by hand) nests. */
    int level = c->tx_depth;
    if (level == 0 && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        level = 1;
    tx->level = level;
    char sql[160];
    if (level == 0)
        snprintf(sql, sizeof sql, "BEGIN%s%s%s",
                 opts ? isolation_sql(opts->isolation) : "",
                 opts && opts->read_only ? " READ ONLY" : "",
                 opts && opts->deferrable ? " DEFERRABLE" : "");
    else
        snprintf(sql, sizeof sql, "SAVEPOINT pqg_sp_%d", level);
    rc = pqg__conn_command(c, sql, NULL);
    pqg__trace_simple(tx->pool, PQG_TRACE_BEGIN, sql, since(t0), rc);
    if (rc) {
        pqg__free(tx);
        if (leased)
            pqg__unlease(c);
        return rc;
    }
    c->tx_depth = level + 1;
    *out = tx;
    return 0;
}

static void
finish(pqg_db *tx)
{
    pqg__conn *c = tx->conn;
    c->tx_depth = tx->level;
    if (tx->owns_lease)
        pqg__unlease(c);
    tx->conn = NULL;
    tx->kind = 0;
    pqg__free(tx);
}

/* Rolls back tx's level; keeps the first error. */
static int
rollback_level(pqg_db *tx)
{
    pqg__conn *c = tx->conn;
    if (tx->level == 0)
        return PQtransactionStatus(c->pg) == PQTRANS_IDLE ? 0
                                                          : pqg__conn_command(c, "ROLLBACK", NULL);
    char sql[96];
    snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT pqg_sp_%d; RELEASE SAVEPOINT pqg_sp_%d",
             tx->level, tx->level);
    return pqg__conn_command(c, sql, NULL);
}

int
pqg_commit(pqg_db *tx)
{
    if (!tx || tx->kind != PQG__KIND_TX || !tx->conn)
        return pqg__set_error(PQG_EINVAL, NULL, "not an open transaction");
    pqg__conn *c = tx->conn;
    int rc = 0;
    if (tx->level == 0) {
        PGresult *res = PQexec(c->pg, "COMMIT");
        ExecStatusType s = PQresultStatus(res);
        if (s != PGRES_COMMAND_OK) {
            rc = pqg__set_error_result(res, c->pg, NULL);
            pqg__check_broken(c, pqg_last_error()->sqlstate);
        } else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
            /* COMMIT of a transaction an earlier statement aborted answers ROLLBACK. */
            rc = pqg__set_error(PQG_ESERVER, NULL, "transaction was aborted by an earlier error "
                                                   "and has been rolled back");
            snprintf(pqg__err()->sqlstate, sizeof pqg__err()->sqlstate, "25P02");
        }
        PQclear(res);
        if (rc && !c->broken && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
            pqg_error saved = *pqg__err();
            (void)pqg__conn_command(c, "ROLLBACK", NULL);
            *pqg__err() = saved;
        }
    } else {
        char sql[64];
        snprintf(sql, sizeof sql, "RELEASE SAVEPOINT pqg_sp_%d", tx->level);
        rc = pqg__conn_command(c, sql, NULL);
        if (rc && !c->broken) {
            pqg_error saved = *pqg__err();
            (void)rollback_level(tx);
            *pqg__err() = saved;
        }
    }
    pqg__trace_simple(tx->pool, rc ? PQG_TRACE_ROLLBACK : PQG_TRACE_COMMIT,
                      tx->level ? "RELEASE SAVEPOINT" : "COMMIT", since(tx->begin_us),
                      rc);
    finish(tx);
    return rc;
}

int
pqg_rollback(pqg_db *tx)
{
    if (!tx)
        return 0;
    if (tx->kind != PQG__KIND_TX || !tx->conn)
        return pqg__set_error(PQG_EINVAL, NULL, "not an open transaction");
    /* A lost connection has rolled the transaction back on the server already. */
    int rc = tx->conn->broken ? pqg__set_error(PQG_ECONN, NULL, "connection lost; the server "
                                                                "rolled the transaction back")
                              : rollback_level(tx);
    pqg__trace_simple(tx->pool, PQG_TRACE_ROLLBACK,
                      tx->level ? "ROLLBACK TO SAVEPOINT" : "ROLLBACK",
                      since(tx->begin_us), rc);
    finish(tx);
    return rc;
}

int
pqg_tx_run(pqg_db *pool, const pqg_tx_options *opts, int (*fn)(pqg_db *tx, void *userdata),
           void *userdata, int max_attempts)
{
    if (!pool || !fn)
        return pqg__set_error(PQG_EINVAL, NULL, "pool or fn is NULL");
    if (max_attempts < 1)
        max_attempts = 1;
    int rc = 0;
    for (int attempt = 1; attempt <= max_attempts; attempt++) {
        pqg_db *tx;
        rc = pqg_begin(pool, opts, &tx);
        if (rc == 0) {
            rc = fn(tx, userdata);
            if (rc == 0) {
                rc = pqg_commit(tx);
            } else {
                pqg_error saved = *pqg__err();
                (void)pqg_rollback(tx);
                *pqg__err() = saved;
            }
        }
        if (rc != PQG_ERETRY || attempt == max_attempts)
            return rc;
        /* Full jitter over an exponential ceiling: colliding transactions spread out. */
        int64_t ceiling = 5 << (attempt < 7 ? attempt : 7);
        pqg__sleep_ms(1 + (int64_t)(pqg__random() * (double)ceiling));
    }
    return rc;
}
