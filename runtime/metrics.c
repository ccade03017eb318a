/*
 * metrics.c - per-query metrics as a pool tracer: calls, errors, rows and latency percentiles,
 * exported as JSON and Prometheus text together with the pool's stats.
 *
 * Also home of the small string buffer and the histogram that slowlog.c shares (pqg_obs.h).
 * Built on the public tracer API: pool.c and trace.c know nothing about it. Handles come from
 * libpqg's allocator (pqg__calloc); the exported strings from malloc, as pqg.h promises free().
 */
#include "pqg_int.h"
#include "pqg_obs.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* === string buffer === */

static bool
buf_reserve(pqg__buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            pqg__buf_free(b);
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (data == NULL) {
        pqg__buf_free(b);
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void
pqg__buf_append(pqg__buf *b, const char *s, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
pqg__buf_puts(pqg__buf *b, const char *s)
{
    pqg__buf_append(b, s, strlen(s));
}

void
pqg__buf_printf(pqg__buf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        pqg__buf_append(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes there are not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF, as JSON parsers do. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void
pqg__buf_json_string(pqg__buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    pqg__buf_append(b, "\"", 1);
    size_t run = 0; /* start of the pending run of bytes that need no escaping */
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        const char *esc = NULL;
        char tmp[8];
        size_t skip = 1;
        if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c == '\n') {
            esc = "\\n";
        } else if (c == '\r') {
            esc = "\\r";
        } else if (c == '\t') {
            esc = "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            esc = tmp;
        } else if (c >= 0x80) {
            size_t len = utf8_seq_len(p + i, n - i);
            if (len == 0) {
                esc = "\\ufffd";
            } else {
                i += len;
                continue;
            }
        }
        if (esc == NULL) {
            i++;
            continue;
        }
        pqg__buf_append(b, s + run, i - run);
        pqg__buf_puts(b, esc);
        i += skip;
        run = i;
    }
    pqg__buf_append(b, s + run, n - run);
    pqg__buf_append(b, "\"", 1);
}

char *
pqg__buf_finish(pqg__buf *b)
{
    if (b->failed)
        return NULL;
    if (b->data == NULL && !buf_reserve(b, 0))
        return NULL;
    char *out = b->data;
    out[b->len] = '\0';
    memset(b, 0, sizeof *b);
    return out;
}

void
pqg__buf_free(pqg__buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* === histogram === */

int
pqg__hist_index(int64_t us)
{
    if (us < 0)
        us = 0;
    if (us > PQG__HIST_MAX_US)
        us = PQG__HIST_MAX_US;
    uint64_t v = (uint64_t)us;
    if (v < 128)
        return (int)v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 6; /* v >> shift lands in [64, 128) */
    return 128 + (shift - 1) * 64 + (int)((v >> shift) - 64);
}

int64_t
pqg__hist_bucket_value(int idx)
{
    if (idx < 128)
        return idx;
    int shift = (idx - 128) / 64 + 1;
    int64_t low = (int64_t)(64 + (idx - 128) % 64) << shift;
    int64_t width = (int64_t)1 << shift;
    return low + (width - 1) / 2;
}

void
pqg__hist_record(pqg__hist *h, int64_t us)
{
    if (us < 0)
        us = 0;
    if (h->count == 0 || us < h->min_us)
        h->min_us = us;
    if (h->count == 0 || us > h->max_us)
        h->max_us = us;
    h->count++;
    h->buckets[pqg__hist_index(us)]++;
}

int64_t
pqg__hist_percentile(const pqg__hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q > 1)
        q = 1;
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if ((double)rank < q * (double)h->count)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    int64_t v = h->max_us;
    for (int i = 0; i < PQG__HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            v = pqg__hist_bucket_value(i);
            break;
        }
    }
    if (v < h->min_us)
        v = h->min_us;
    if (v > h->max_us)
        v = h->max_us;
    return v;
}

/* === metrics === */

#define UNNAMED_QUERY "(sql)"

typedef struct metric_entry {
    char *name;
    uint64_t hash;
    uint64_t calls;
    uint64_t errors;
    uint64_t rows;
    int64_t sum_us;
    pqg__hist hist;
} metric_entry;

struct pqg_metrics {
    pqg_db *pool;              /* NULL for pqg__metrics_new(NULL, ...) */
    pthread_mutex_t lock;      /* guards everything below */
    metric_entry **slots;      /* open addressing, linear probing; cap is a power of two */
    size_t cap;
    size_t count;
};

static uint64_t
fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* Finds or creates the entry for name; caller holds m->lock. NULL only when out of memory
 * (the event is then dropped: metrics must never fail the query they observe). */
static metric_entry *
metrics_entry(pqg_metrics *m, const char *name)
{
    uint64_t h = fnv1a(name);
    if (m->cap > 0) {
        for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
            metric_entry *e = m->slots[i];
            if (e == NULL)
                break;
            if (e->hash == h && strcmp(e->name, name) == 0)
                return e;
        }
    }
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        metric_entry **slots = pqg__calloc(cap * sizeof *slots);
        if (slots == NULL)
            return NULL;
        for (size_t j = 0; j < m->cap; j++) {
            metric_entry *e = m->slots[j];
            if (e == NULL)
                continue;
            size_t i = e->hash & (cap - 1);
            while (slots[i] != NULL)
                i = (i + 1) & (cap - 1);
            slots[i] = e;
        }
        pqg__free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    metric_entry *e = pqg__calloc(sizeof *e);
    if (e == NULL)
        return NULL;
    e->name = pqg__strdup(name);
    if (e->name == NULL) {
        pqg__free(e);
        return NULL;
    }
    e->hash = h;
    size_t i = h & (m->cap - 1);
    while (m->slots[i] != NULL)
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = e;
    m->count++;
    return e;
}

void
pqg__metrics_on_event(const pqg_trace_info *info, void *userdata)
{
    pqg_metrics *m = userdata;
    if (info == NULL || m == NULL || info->event != PQG_TRACE_QUERY_END)
        return;
    const char *name = info->query_name ? info->query_name : UNNAMED_QUERY;
    pthread_mutex_lock(&m->lock);
    metric_entry *e = metrics_entry(m, name);
    if (e != NULL) {
        e->calls++;
        /* "No row" is an answer, not a failure: counting it would make every :one lookup of
         * a missing key look like an outage on a dashboard. */
        if (info->error != 0 && info->error != PQG_ENOTFOUND)
            e->errors++;
        if (info->rows > 0)
            e->rows += (uint64_t)info->rows;
        int64_t d = info->duration_us > 0 ? info->duration_us : 0;
        e->sum_us += d;
        pqg__hist_record(&e->hist, d);
    }
    pthread_mutex_unlock(&m->lock);
}

int
pqg__metrics_new(pqg_db *pool, pqg_metrics **out)
{
    if (out == NULL)
        return pqg__set_error(PQG_EINVAL, NULL, "out is NULL");
    *out = NULL;
    pqg_metrics *m = pqg__calloc(sizeof *m);
    if (m == NULL)
        return pqg__set_error(PQG_ENOMEM, NULL, "out of memory");
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        pqg__free(m);
        return pqg__set_error(PQG_ENOMEM, NULL, "cannot create a mutex");
    }
    m->pool = pool;
    *out = m;
    return 0;
}

int
pqg_metrics_attach(pqg_db *pool, pqg_metrics **out)
{
    if (out != NULL)
        *out = NULL;
    if (pool == NULL || out == NULL)
        return pqg__set_error(PQG_EINVAL, NULL, "pool or out is NULL");
    pqg_metrics *m;
    int rc = pqg__metrics_new(pool, &m);
    if (rc < 0)
        return rc;
    pqg_tracer tracer = {.on_event = pqg__metrics_on_event, .userdata = m};
    rc = pqg_pool_add_tracer(pool, &tracer);
    if (rc < 0) {
        pqg_metrics_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void
pqg_metrics_free(pqg_metrics *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i] != NULL) {
            pqg__free(m->slots[i]->name);
            pqg__free(m->slots[i]);
        }
    }
    pqg__free(m->slots);
    pthread_mutex_destroy(&m->lock);
    pqg__free(m);
}

static int
entry_cmp(const void *a, const void *b)
{
    const metric_entry *x = *(const metric_entry *const *)a;
    const metric_entry *y = *(const metric_entry *const *)b;
    return strcmp(x->name, y->name);
}

/* The entries sorted by name, so that output is stable; caller holds m->lock.
 * Caller owns; release with free(). NULL when there are none or out of memory (*ok false). */
static metric_entry **
sorted_entries(pqg_metrics *m, bool *ok)
{
    *ok = true;
    if (m->count == 0)
        return NULL;
    metric_entry **v = malloc(m->count * sizeof *v);
    if (v == NULL) {
        *ok = false;
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i] != NULL)
            v[n++] = m->slots[i];
    }
    qsort(v, n, sizeof *v, entry_cmp);
    return v;
}

/* Pool stats are read before m->lock is taken: tracers may run with pool locks held, so taking
 * them in the other order here could deadlock. */
static bool
read_pool_stats(pqg_metrics *m, pqg_pool_stats *st)
{
    memset(st, 0, sizeof *st);
    return m->pool != NULL && pqg_pool_stats_get(m->pool, st) == 0;
}

char *
pqg_metrics_json(pqg_metrics *m)
{
    if (m == NULL)
        return NULL;
    pqg_pool_stats st;
    bool have_pool = read_pool_stats(m, &st);
    pqg__buf b = {0};
    bool ok;

    pthread_mutex_lock(&m->lock);
    metric_entry **v = sorted_entries(m, &ok);
    pqg__buf_puts(&b, "{\"queries\":{");
    for (size_t i = 0; ok && i < m->count; i++) {
        const metric_entry *e = v[i];
        if (i > 0)
            pqg__buf_puts(&b, ",");
        pqg__buf_json_string(&b, e->name, strlen(e->name));
        pqg__buf_printf(&b,
                        ":{\"calls\":%llu,\"errors\":%llu,\"rows\":%llu,\"p50_us\":%lld,"
                        "\"p95_us\":%lld,\"p99_us\":%lld,\"mean_us\":%lld,\"max_us\":%lld}",
                        (unsigned long long)e->calls, (unsigned long long)e->errors,
                        (unsigned long long)e->rows,
                        (long long)pqg__hist_percentile(&e->hist, 0.50),
                        (long long)pqg__hist_percentile(&e->hist, 0.95),
                        (long long)pqg__hist_percentile(&e->hist, 0.99),
                        (long long)(e->calls ? e->sum_us / (int64_t)e->calls : 0),
                        (long long)e->hist.max_us);
    }
    pthread_mutex_unlock(&m->lock);
    free(v);
    if (!ok) {
        pqg__buf_free(&b);
        return NULL;
    }

    pqg__buf_puts(&b, "},\"pool\":");
    if (!have_pool) {
        pqg__buf_puts(&b, "null}");
    } else {
        pqg__buf_printf(&b, "{\"total\":%d,\"idle\":%d,\"in_use\":%d,\"waiting\":%d,", st.total,
                        st.idle, st.in_use, st.waiting);
        pqg__buf_printf(&b, "\"acquire_count\":%llu,\"acquire_wait_us\":%llu,",
                        (unsigned long long)st.acquire_count,
                        (unsigned long long)st.acquire_wait_us);
        pqg__buf_printf(&b, "\"acquire_timeouts\":%llu,\"created\":%llu,",
                        (unsigned long long)st.acquire_timeouts, (unsigned long long)st.created);
        pqg__buf_printf(&b,
                        "\"closed_lifetime\":%llu,\"closed_idle\":%llu,\"closed_broken\":%llu,"
                        "\"closed_health\":%llu}}",
                        (unsigned long long)st.closed_lifetime, (unsigned long long)st.closed_idle,
                        (unsigned long long)st.closed_broken,
                        (unsigned long long)st.closed_health);
    }
    return pqg__buf_finish(&b);
}

/* A Prometheus label value: backslash, double quote and newline are the escapes the text
 * format defines. */
static void
prom_label(pqg__buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            pqg__buf_puts(b, "\\\\");
        else if (*s == '"')
            pqg__buf_puts(b, "\\\"");
        else if (*s == '\n')
            pqg__buf_puts(b, "\\n");
        else
            pqg__buf_append(b, s, 1);
    }
}

static void
prom_header(pqg__buf *b, const char *name, const char *type, const char *help)
{
    pqg__buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef enum { PROM_CALLS, PROM_ERRORS, PROM_ROWS } prom_counter;

static void
prom_query_counter(pqg__buf *b, metric_entry **v, size_t n, const char *name, prom_counter which)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = which == PROM_CALLS ? v[i]->calls
                   : which == PROM_ERRORS ? v[i]->errors
                                          : v[i]->rows;
        pqg__buf_printf(b, "%s{query=\"", name);
        prom_label(b, v[i]->name);
        pqg__buf_printf(b, "\"} %llu\n", (unsigned long long)x);
    }
}

char *
pqg_metrics_prometheus(pqg_metrics *m)
{
    if (m == NULL)
        return NULL;
    static const struct {
        const char *label;
        double q;
    } quantiles[] = {{"0.5", 0.50}, {"0.95", 0.95}, {"0.99", 0.99}};
    pqg_pool_stats st;
    bool have_pool = read_pool_stats(m, &st);
    pqg__buf b = {0};
    bool ok;

    pthread_mutex_lock(&m->lock);
    metric_entry **v = sorted_entries(m, &ok);
    size_t n = ok ? m->count : 0;
    prom_header(&b, "pqg_query_calls_total", "counter", "Statements run, by query name.");
    prom_query_counter(&b, v, n, "pqg_query_calls_total", PROM_CALLS);
    prom_header(&b, "pqg_query_errors_total", "counter",
                "Statements that failed (not counting PQG_ENOTFOUND), by query name.");
    prom_query_counter(&b, v, n, "pqg_query_errors_total", PROM_ERRORS);
    prom_header(&b, "pqg_query_rows_total", "counter",
                "Rows returned or affected, by query name.");
    prom_query_counter(&b, v, n, "pqg_query_rows_total", PROM_ROWS);
    prom_header(&b, "pqg_query_duration_seconds", "summary",
                "Statement latency; quantiles estimated from a log-linear histogram (<1% error).");
    for (size_t i = 0; i < n; i++) {
        const metric_entry *e = v[i];
        for (size_t k = 0; k < sizeof quantiles / sizeof quantiles[0]; k++) {
            pqg__buf_puts(&b, "pqg_query_duration_seconds{query=\"");
            prom_label(&b, e->name);
            pqg__buf_printf(&b, "\",quantile=\"%s\"} %.6f\n", quantiles[k].label,
                            (double)pqg__hist_percentile(&e->hist, quantiles[k].q) / 1e6);
        }
        pqg__buf_puts(&b, "pqg_query_duration_seconds_sum{query=\"");
        prom_label(&b, e->name);
        pqg__buf_printf(&b, "\"} %.6f\n", (double)e->sum_us / 1e6);
        pqg__buf_puts(&b, "pqg_query_duration_seconds_count{query=\"");
        prom_label(&b, e->name);
        pqg__buf_printf(&b, "\"} %llu\n", (unsigned long long)e->calls);
    }
    pthread_mutex_unlock(&m->lock);
    free(v);
    if (!ok) {
        pqg__buf_free(&b);
        return NULL;
    }

    if (have_pool) {
        prom_header(&b, "pqg_pool_connections_open", "gauge", "Open connections.");
        pqg__buf_printf(&b, "pqg_pool_connections_open %d\n", st.total);
        prom_header(&b, "pqg_pool_connections", "gauge", "Open connections, by state.");
        pqg__buf_printf(&b, "pqg_pool_connections{state=\"idle\"} %d\n", st.idle);
        pqg__buf_printf(&b, "pqg_pool_connections{state=\"in_use\"} %d\n", st.in_use);
        prom_header(&b, "pqg_pool_waiting", "gauge", "Callers waiting for a connection.");
        pqg__buf_printf(&b, "pqg_pool_waiting %d\n", st.waiting);
        prom_header(&b, "pqg_pool_acquires_total", "counter", "Connections leased.");
        pqg__buf_printf(&b, "pqg_pool_acquires_total %llu\n",
                        (unsigned long long)st.acquire_count);
        prom_header(&b, "pqg_pool_acquire_wait_seconds_total", "counter",
                    "Total time callers waited for a connection.");
        pqg__buf_printf(&b, "pqg_pool_acquire_wait_seconds_total %.6f\n",
                        (double)st.acquire_wait_us / 1e6);
        prom_header(&b, "pqg_pool_acquire_timeouts_total", "counter",
                    "Acquires that gave up (PQG_EPOOL).");
        pqg__buf_printf(&b, "pqg_pool_acquire_timeouts_total %llu\n",
                        (unsigned long long)st.acquire_timeouts);
        prom_header(&b, "pqg_pool_connections_created_total", "counter",
                    "Connections opened.");
        pqg__buf_printf(&b, "pqg_pool_connections_created_total %llu\n",
                        (unsigned long long)st.created);
        prom_header(&b, "pqg_pool_connections_closed_total", "counter",
                    "Connections closed, by reason.");
        pqg__buf_printf(&b, "pqg_pool_connections_closed_total{reason=\"lifetime\"} %llu\n",
                        (unsigned long long)st.closed_lifetime);
        pqg__buf_printf(&b, "pqg_pool_connections_closed_total{reason=\"idle\"} %llu\n",
                        (unsigned long long)st.closed_idle);
        pqg__buf_printf(&b, "pqg_pool_connections_closed_total{reason=\"broken\"} %llu\n",
                        (unsigned long long)st.closed_broken);
        pqg__buf_printf(&b, "pqg_pool_connections_closed_total{reason=\"health\"} %llu\n",
                        (unsigned long long)st.closed_health);
    }
    return pqg__buf_finish(&b);
}
