/*
 * pool.c - the connection pool: open/close, thread-safe lease and return with an acquire
 * timeout (one mutex, condition variables on CLOCK_MONOTONIC), connection setup (timeouts and
 * application_name in the startup packet), lifetime with jitter, idle reaping, a health thread
 * that pings idle connections and tops up to min_conns, and broken-connection replacement.
 * Statement execution is in conn.c, transactions in tx.c.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqg_int.h"

/* Thread affinity: a thread leases again the connection it last released, if that one is
 * still idle, so that its consecutive queries stay on one backend (warm caches, one wakeup
 * partner) instead of rotating through the LIFO. Kept as the connection's id, not a pointer:
 * the connection may have been closed and freed since, and ids are never reused, so a stale
 * one simply is not found. */
static atomic_uint_fast64_t conn_ids;
static _Thread_local uint64_t last_conn_id;

/* Connections of the idle list looked at for the thread's own one: a long list means idle
 * connections to spare, where taking the top is as good. */
#define AFFINITY_SCAN 16

static void
quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void
abs_deadline(struct timespec *ts, int64_t ms_from_now)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms_from_now / 1000;
    ts->tv_nsec += (long)(ms_from_now % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void
conn_close(pqg__conn *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    pqg__conn_cache_free(c);
    pqg__free(c);
}

/* Opens one connection. NULL on failure, with the error recorded. Called without the lock. */
static pqg__conn *
conn_open(pqg__pool *p)
{
    const char *keys[8], *vals[8];
    char timeout[32], options[128];
    int k = 0;
    keys[k] = "application_name";
    vals[k++] = p->app_name ? p->app_name : "pqgen";
    int64_t ct = (p->cfg.connect_timeout_ms + 999) / 1000;
    if (ct > 0) {
        snprintf(timeout, sizeof timeout, "%lld", (long long)(ct < 2 ? 2 : ct));
        keys[k] = "connect_timeout";
        vals[k++] = timeout;
    }
    /* Timeouts ride in the startup packet (no extra round trip), except behind PgBouncer,
     * which rejects "options": there they are SET after connecting. */
    options[0] = '\0';
    if (!p->cfg.unnamed_statements) {
        size_t o = 0;
        if (p->cfg.statement_timeout_ms > 0)
            o += (size_t)snprintf(options + o, sizeof options - o, "-c statement_timeout=%lld ",
                                  (long long)p->cfg.statement_timeout_ms);
        if (p->cfg.lock_timeout_ms > 0)
            snprintf(options + o, sizeof options - o, "-c lock_timeout=%lld",
                     (long long)p->cfg.lock_timeout_ms);
        if (options[0]) {
            keys[k] = "options";
            vals[k++] = options;
        }
    }
    if (p->conninfo) {
        keys[k] = "dbname";
        vals[k++] = p->conninfo;
    }
    keys[k] = NULL;
    vals[k] = NULL;
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg) {
        pqg__set_error(PQG_ENOMEM, NULL, "out of memory opening a connection");
        return NULL;
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        pqg__set_error_result(NULL, pg, NULL);
        pqg__err()->code = PQG_ECONN;
        PQfinish(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg, quiet_notice, NULL);
    pqg__conn *c = pqg__calloc(sizeof *c);
    if (!c) {
        PQfinish(pg);
        pqg__set_error(PQG_ENOMEM, NULL, "out of memory opening a connection");
        return NULL;
    }
    c->db.kind = PQG__KIND_CONN;
    c->db.pool = p;
    c->db.conn = c;
    c->pg = pg;
    c->id = atomic_fetch_add(&conn_ids, 1) + 1;
    c->created_us = c->idle_since_us = pqg__now_us();
    if (p->cfg.max_lifetime_ms > 0) {
        /* Up to 10% earlier, so connections opened together do not all expire together. */
        double life_us = (double)p->cfg.max_lifetime_ms * 1000.0 * (1.0 - 0.1 * pqg__random());
        c->expires_us = c->created_us + (int64_t)life_us;
    } else {
        c->expires_us = INT64_MAX;
    }
    if (p->cfg.unnamed_statements) {
        char sql[160];
        snprintf(sql, sizeof sql, "SET statement_timeout = %lld; SET lock_timeout = %lld",
                 (long long)p->cfg.statement_timeout_ms, (long long)p->cfg.lock_timeout_ms);
        if (pqg__conn_command(c, sql, NULL) != 0) {
            conn_close(c);
            return NULL;
        }
    }
    return c;
}

/* Cheap check of an idle connection before handing it out: a server that terminated or
 * restarted has sent FATAL and closed the socket, which shows as readable input. */
static bool
conn_alive(pqg__conn *c)
{
    if (c->broken || PQstatus(c->pg) != CONNECTION_OK)
        return false;
    for (int i = 0; i < 4; i++) {
        struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN};
        int r = poll(&pfd, 1, 0);
        if (r <= 0)
            return r == 0;
        if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
            return false;
        if (!PQconsumeInput(c->pg) || PQstatus(c->pg) != CONNECTION_OK)
            return false;
        PGnotify *n;
        while ((n = PQnotifies(c->pg)) != NULL)
            PQfreemem(n);
    }
    return PQstatus(c->pg) == CONNECTION_OK;
}

void
pqg__check_broken(pqg__conn *c, const char *sqlstate)
{
    if (PQstatus(c->pg) != CONNECTION_OK || pqg__sqlstate_is_fatal(sqlstate))
        c->broken = true;
}

static void pool_free(pqg__pool *p);

/* A connection released this recently answered its last statement: handing it out without
 * the poll() of conn_alive() saves a syscall per lease where it counts, on a busy pool (where
 * connections come back within microseconds). A backend that died within the window fails
 * that statement with PQG_ECONN, which marks the connection broken, and its release replaces
 * it. The window is kept short, and once any connection of the pool is found broken, every
 * connection released before that is checked again (a restart or a mass pg_terminate_backend
 * kills them all): a caller that waits a moment after such an event gets live connections. */
#define FRESH_US INT64_C(20000)

static void
deadline_from(struct timespec *ts, int64_t t0_us, int64_t ms)
{
    int64_t at = t0_us + ms * 1000;
    ts->tv_sec = (time_t)(at / 1000000);
    ts->tv_nsec = (long)(at % 1000000) * 1000L;
}

/* Unlinks an idle connection, the calling thread's last one if it is near the top, else the
 * top one. Called with the lock held and p->idle non-empty. */
static pqg__conn *
idle_take(pqg__pool *p)
{
    pqg__conn **link = &p->idle;
    if (last_conn_id && p->idle->id != last_conn_id) {
        int n = 0;
        for (pqg__conn **l = &p->idle->next; *l && n < AFFINITY_SCAN; l = &(*l)->next, n++) {
            if ((*l)->id == last_conn_id) {
                link = l;
                break;
            }
        }
    }
    pqg__conn *c = *link;
    *link = c->next;
    c->next = NULL;
    return c;
}

/* The fast path takes the lock once: pop an idle connection and count the acquire. A
 * connection found expired or dead afterwards is closed and the count taken back. */
int
pqg__lease(pqg__pool *p, pqg__conn **out)
{
    *out = NULL;
    int64_t t0 = pqg__now_us();
    bool waited = false, have_deadline = false;
    struct timespec deadline;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->closing) {
            /* pqg_pool_close waits for waiters to leave; an orphaned pool is freed by the last
             * one out. */
            pthread_cond_broadcast(&p->cv_free);
            bool free_pool = p->orphaned && p->in_use == 0 && p->waiting == 0;
            pthread_mutex_unlock(&p->mu);
            if (free_pool)
                pool_free(p);
            return pqg__set_error(PQG_ECLOSED, NULL, "pool is closed");
        }
        if (p->idle) {
            pqg__conn *c = idle_take(p);
            p->n_idle--;
            p->in_use++;
            p->stats.acquire_count++;
            int64_t now = waited ? pqg__now_us() : t0;
            if (waited)
                p->stats.acquire_wait_us += (uint64_t)(now - t0);
            bool fresh = now - c->idle_since_us < FRESH_US && c->idle_since_us > p->broken_us;
            pthread_mutex_unlock(&p->mu);
            bool expired = now >= c->expires_us;
            bool alive = !expired && (fresh ? !c->broken && PQstatus(c->pg) == CONNECTION_OK
                                            : conn_alive(c));
            if (alive) {
                *out = c;
                break;
            }
            conn_close(c);
            pthread_mutex_lock(&p->mu);
            p->in_use--;
            p->total--;
            p->stats.acquire_count--;
            if (expired) {
                p->stats.closed_lifetime++;
            } else {
                p->stats.closed_broken++;
                p->broken_us = now;
            }
            continue;
        }
        if (p->total < p->cfg.max_conns) {
            p->total++;
            p->in_use++;
            pthread_mutex_unlock(&p->mu);
            pqg__conn *c = conn_open(p);
            pthread_mutex_lock(&p->mu);
            if (!c) {
                p->total--;
                p->in_use--;
                if (p->waiting)
                    pthread_cond_signal(&p->cv_free);
                pthread_mutex_unlock(&p->mu);
                return PQG_ECONN;
            }
            p->stats.created++;
            p->stats.acquire_count++;
            if (waited)
                p->stats.acquire_wait_us += (uint64_t)(pqg__now_us() - t0);
            pthread_mutex_unlock(&p->mu);
            *out = c;
            break;
        }
        if (p->cfg.acquire_timeout_ms > 0 && !have_deadline) {
            deadline_from(&deadline, t0, p->cfg.acquire_timeout_ms);
            have_deadline = true;
        }
        p->waiting++;
        waited = true;
        int w = p->cfg.acquire_timeout_ms > 0
                    ? pthread_cond_timedwait(&p->cv_free, &p->mu, &deadline)
                    : pthread_cond_wait(&p->cv_free, &p->mu);
        p->waiting--;
        if (w == ETIMEDOUT && !p->idle && p->total >= p->cfg.max_conns && !p->closing) {
            p->stats.acquire_timeouts++;
            p->stats.acquire_wait_us += (uint64_t)(pqg__now_us() - t0);
            pthread_mutex_unlock(&p->mu);
            return pqg__set_error(PQG_EPOOL, NULL,
                                  "no connection free within %lld ms (max_conns %d)",
                                  (long long)p->cfg.acquire_timeout_ms, p->cfg.max_conns);
        }
    }
    if (pqg__tracing(p)) {
        pqg_trace_info info;
        memset(&info, 0, sizeof info);
        info.event = PQG_TRACE_ACQUIRE;
        info.duration_us = pqg__now_us() - t0;
        info.rows = -1;
        info.sqlstate = "";
        pqg__trace(p, &info);
    }
    return 0;
}

void
pqg__unlease(pqg__conn *c)
{
    pqg__pool *p = c->db.pool;
    c->nest = 0;
    c->tx_depth = 0;
    if (!c->broken && PQstatus(c->pg) != CONNECTION_OK)
        c->broken = true;
    if (!c->broken) {
        PGTransactionStatusType ts = PQtransactionStatus(c->pg);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
            /* A transaction left open: roll it back so the next user starts clean, and tell
             * the tracers (the only place this shows up). */
            int64_t t0 = pqg__now_us();
            pqg_error saved = *pqg__err();
            int rc = pqg__conn_command(c, "ROLLBACK", NULL);
            *pqg__err() = saved;
            pqg__trace_simple(p, PQG_TRACE_ROLLBACK, "ROLLBACK", pqg__now_us() - t0, rc);
            if (rc)
                c->broken = true;
        } else if (ts != PQTRANS_IDLE) {
            c->broken = true; /* mid-result or unknown: not reusable */
        }
    }
    int64_t now = pqg__now_us();
    bool expired = now >= c->expires_us;
    pthread_mutex_lock(&p->mu);
    p->in_use--;
    bool drop = p->closing || c->broken || expired;
    if (drop) {
        p->total--;
        if (c->broken) {
            p->stats.closed_broken++;
            p->broken_us = now;
        } else if (expired) {
            p->stats.closed_lifetime++;
        }
    } else {
        c->idle_since_us = now;
        last_conn_id = c->id;
        c->next = p->idle;
        p->idle = c;
        p->n_idle++;
    }
    /* pqg_pool_close waits on cv_free too, for in_use to drop: it sets closing first. */
    if (p->closing)
        pthread_cond_broadcast(&p->cv_free);
    else if (p->waiting)
        pthread_cond_signal(&p->cv_free);
    bool free_pool = p->orphaned && p->in_use == 0 && p->waiting == 0;
    pthread_mutex_unlock(&p->mu);
    if (drop)
        conn_close(c);
    if (free_pool)
        pool_free(p);
}

/* Pings or closes every idle connection once, then tops up to min_conns. */
static void
health_pass(pqg__pool *p)
{
    pqg__conn *list = p->idle;
    p->idle = NULL;
    p->checking = p->n_idle;
    p->n_idle = 0;
    int may_close = p->total - p->cfg.min_conns;
    pthread_mutex_unlock(&p->mu);

    int64_t now = pqg__now_us();
    pqg__conn *keep = NULL;
    int closed = 0;
    uint64_t c_life = 0, c_idle = 0, c_health = 0;
    while (list) {
        pqg__conn *c = list;
        list = c->next;
        if (now >= c->expires_us) {
            c_life++;
        } else if (p->cfg.max_idle_ms > 0 && may_close > 0 &&
                   now - c->idle_since_us >= p->cfg.max_idle_ms * 1000) {
            c_idle++;
            may_close--;
        } else {
            PGresult *r = conn_alive(c) ? PQexec(c->pg, "") : NULL;
            bool ok = r && PQresultStatus(r) == PGRES_EMPTY_QUERY;
            PQclear(r);
            if (ok) {
                c->next = keep;
                keep = c;
                continue;
            }
            c_health++;
        }
        conn_close(c);
        closed++;
    }

    pthread_mutex_lock(&p->mu);
    /* Put survivors back under the ones returned meanwhile (those are warmer). */
    while (keep) {
        pqg__conn *c = keep;
        keep = c->next;
        c->next = NULL;
        pqg__conn **tail = &p->idle;
        while (*tail)
            tail = &(*tail)->next;
        *tail = c;
        p->n_idle++;
    }
    p->checking = 0;
    p->total -= closed;
    p->stats.closed_lifetime += c_life;
    p->stats.closed_idle += c_idle;
    p->stats.closed_health += c_health;
    if (c_health)
        p->broken_us = pqg__now_us();
    pthread_cond_broadcast(&p->cv_free);
    while (!p->closing && p->total < p->cfg.min_conns) {
        p->total++;
        pthread_mutex_unlock(&p->mu);
        pqg__conn *c = conn_open(p);
        pthread_mutex_lock(&p->mu);
        if (!c) {
            p->total--;
            break;
        }
        p->stats.created++;
        if (p->closing) {
            p->total--;
            pthread_mutex_unlock(&p->mu);
            conn_close(c);
            pthread_mutex_lock(&p->mu);
            break;
        }
        c->next = p->idle;
        p->idle = c;
        p->n_idle++;
        pthread_cond_signal(&p->cv_free);
    }
}

static void *
health_main(void *arg)
{
    pqg__pool *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->closing) {
        struct timespec deadline;
        abs_deadline(&deadline, p->cfg.health_check_ms);
        int w = 0;
        while (!p->closing && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&p->cv_health, &p->mu, &deadline);
        if (p->closing)
            break;
        health_pass(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void
pool_free(pqg__pool *p)
{
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_free);
    pthread_cond_destroy(&p->cv_health);
    pqg__free(p->conninfo);
    pqg__free(p->app_name);
    pqg__free(p);
}

int
pqg_pool_open(const pqg_config *cfg, pqg_db **out)
{
    if (!out)
        return pqg__set_error(PQG_EINVAL, NULL, "out is NULL");
    *out = NULL;
    pqg_config defaults;
    if (!cfg) {
        pqg_config_defaults(&defaults);
        cfg = &defaults;
    }
    if (cfg->max_conns < 1 || cfg->min_conns < 0 || cfg->min_conns > cfg->max_conns)
        return pqg__set_error(PQG_EINVAL, NULL, "invalid pool size (min %d, max %d)",
                              cfg->min_conns, cfg->max_conns);
    pqg__pool *p = pqg__calloc(sizeof *p);
    if (!p)
        return pqg__set_error(PQG_ENOMEM, NULL, "out of memory");
    p->cfg = *cfg;
    p->conninfo = cfg->conninfo ? pqg__strdup(cfg->conninfo) : NULL;
    p->app_name = pqg__strdup(cfg->application_name ? cfg->application_name : "pqgen");
    if ((cfg->conninfo && !p->conninfo) || !p->app_name) {
        pqg__free(p->conninfo);
        pqg__free(p->app_name);
        pqg__free(p);
        return pqg__set_error(PQG_ENOMEM, NULL, "out of memory");
    }
    p->cfg.conninfo = p->conninfo;
    p->cfg.application_name = p->app_name;
    p->db.kind = PQG__KIND_POOL;
    p->db.pool = p;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv_free, &ca);
    pthread_cond_init(&p->cv_health, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&p->n_tracers, 0);
    atomic_init(&p->fault_ppm, 0);
    atomic_init(&p->fault_latency_ms, 0);

    int want = cfg->min_conns > 0 ? cfg->min_conns : 1;
    for (int i = 0; i < want; i++) {
        pqg__conn *c = conn_open(p);
        if (!c) {
            if (i == 0) {
                int rc = pqg_last_error()->code;
                pool_free(p);
                return rc ? rc : PQG_ECONN;
            }
            break; /* the health thread tops up later */
        }
        c->next = p->idle;
        p->idle = c;
        p->n_idle++;
        p->total++;
        p->stats.created++;
    }
    if (p->cfg.health_check_ms > 0) {
        if (pthread_create(&p->health, NULL, health_main, p) == 0)
            p->health_running = true;
    }
    *out = &p->db;
    return 0;
}

static pqg__pool *
as_pool(pqg_db *db)
{
    return db && db->kind == PQG__KIND_POOL ? db->pool : NULL;
}

int
pqg_pool_close(pqg_db *db, int64_t timeout_ms)
{
    pqg__pool *p = as_pool(db);
    if (!p)
        return db ? pqg__set_error(PQG_EINVAL, NULL, "not a pool") : 0;
    pthread_mutex_lock(&p->mu);
    p->closing = true;
    pthread_cond_broadcast(&p->cv_health);
    pthread_cond_broadcast(&p->cv_free);
    pthread_mutex_unlock(&p->mu);
    if (p->health_running)
        pthread_join(p->health, NULL);

    pthread_mutex_lock(&p->mu);
    struct timespec deadline;
    abs_deadline(&deadline, timeout_ms > 0 ? timeout_ms : 0);
    while (p->in_use > 0 || p->waiting > 0) {
        if (pthread_cond_timedwait(&p->cv_free, &p->mu, &deadline) == ETIMEDOUT)
            break;
    }
    pqg__conn *list = p->idle;
    p->idle = NULL;
    p->total -= p->n_idle;
    p->n_idle = 0;
    int leased = p->in_use;
    /* Leased connections cannot be closed under their users: each closes at its release,
     * and the last one out (a release or a waiter leaving) frees the pool. */
    bool orphan = leased > 0 || p->waiting > 0;
    if (orphan)
        p->orphaned = true;
    pthread_mutex_unlock(&p->mu);
    while (list) {
        pqg__conn *c = list;
        list = c->next;
        conn_close(c);
    }
    if (orphan)
        return pqg__set_error(PQG_ETIMEOUT, NULL,
                              "pool closed with %d connections still leased", leased);
    pool_free(p);
    return 0;
}

int
pqg_pool_stats_get(pqg_db *db, pqg_pool_stats *out)
{
    pqg__pool *p = db ? db->pool : NULL;
    if (!p || !out)
        return pqg__set_error(PQG_EINVAL, NULL, "pool or out is NULL");
    pthread_mutex_lock(&p->mu);
    *out = p->stats;
    out->total = p->total;
    out->idle = p->n_idle + p->checking;
    out->in_use = p->in_use;
    out->waiting = p->waiting;
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int
pqg_acquire(pqg_db *db, pqg_db **conn)
{
    if (!conn)
        return pqg__set_error(PQG_EINVAL, NULL, "conn is NULL");
    *conn = NULL;
    if (!db)
        return pqg__set_error(PQG_EINVAL, NULL, "db is NULL");
    switch (db->kind) {
    case PQG__KIND_POOL: {
        pqg__conn *c;
        int rc = pqg__lease(db->pool, &c);
        if (rc)
            return rc;
        *conn = &c->db;
        return 0;
    }
    case PQG__KIND_CONN:
        db->conn->nest++;
        *conn = db;
        return 0;
    case PQG__KIND_TX:
        *conn = db;
        return 0;
    default:
        return pqg__set_error(PQG_EINVAL, NULL, "not a pqg_db handle");
    }
}

void
pqg_release(pqg_db *db)
{
    if (!db || db->kind != PQG__KIND_CONN)
        return;
    pqg__conn *c = db->conn;
    if (c->nest > 0) {
        c->nest--;
        return;
    }
    pqg__unlease(c);
}

void
pqg_pool_set_faults(pqg_db *db, double failure_rate, int64_t latency_ms)
{
    pqg__pool *p = db ? db->pool : NULL;
    if (!p)
        return;
    if (failure_rate < 0)
        failure_rate = 0;
    if (failure_rate > 1)
        failure_rate = 1;
    atomic_store(&p->fault_ppm, (int64_t)(failure_rate * 1e6));
    atomic_store(&p->fault_latency_ms, latency_ms > 0 ? latency_ms : 0);
}
