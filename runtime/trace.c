/*
 * trace.c - tracer registration and dispatch. Tracers live in a fixed array of 8 on the pool;
 * the count is published with release ordering after the slot is written, so dispatch reads
 * them without taking the pool lock on every query.
 */
#include <string.h>

#include "pqg_int.h"

int
pqg_pool_add_tracer(pqg_db *db, const pqg_tracer *tracer)
{
    pqg__pool *p = db && db->kind == PQG__KIND_POOL ? db->pool : NULL;
    if (!p || !tracer || !tracer->on_event)
        return pqg__set_error(PQG_EINVAL, NULL, "pool or tracer is NULL");
    pthread_mutex_lock(&p->mu);
    int n = atomic_load_explicit(&p->n_tracers, memory_order_relaxed);
    if (n >= PQG__MAX_TRACERS) {
        pthread_mutex_unlock(&p->mu);
        return pqg__set_error(PQG_EINVAL, NULL, "at most %d tracers per pool", PQG__MAX_TRACERS);
    }
    p->tracers[n] = *tracer;
    atomic_store_explicit(&p->n_tracers, n + 1, memory_order_release);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void
pqg__trace(pqg__pool *p, pqg_trace_info *info)
{
    int n = atomic_load_explicit(&p->n_tracers, memory_order_acquire);
    info->conninfo = p->conninfo;
    if (!info->sqlstate)
        info->sqlstate = "";
    for (int i = 0; i < n; i++)
        p->tracers[i].on_event(info, p->tracers[i].userdata);
}

void
pqg__trace_simple(pqg__pool *p, pqg_trace_event ev, const char *sql, int64_t dur_us, int error)
{
    if (!pqg__tracing(p))
        return;
    pqg_trace_info info;
    memset(&info, 0, sizeof info);
    info.event = ev;
    info.sql = sql;
    info.duration_us = dur_us;
    info.rows = -1;
    info.error = error;
    info.sqlstate = error ? pqg_last_error()->sqlstate : "";
    pqg__trace(p, &info);
}

void
pqg__trace_stmt(pqg__pool *p, const pqg_stmt *st, pqg_trace_event ev, int64_t start_us,
                int64_t rows, int error)
{
    if (!pqg__tracing(p))
        return;
    pqg_trace_info info;
    memset(&info, 0, sizeof info);
    info.event = ev;
    info.query_name = st->name;
    info.sql = st->sql;
    info.rows = rows;
    info.error = error;
    info.sqlstate = error ? pqg_last_error()->sqlstate : "";
    if (ev == PQG_TRACE_QUERY_END)
        info.duration_us = pqg__now_us() - start_us;
    pqg__trace(p, &info);
}
