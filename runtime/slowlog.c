/*
 * slowlog.c - the slow-query log: a pool tracer that writes one JSON line per statement at or
 * above a threshold, with arguments redacted or decoded from their binary form, and optionally
 * the statement's EXPLAIN (FORMAT JSON) plan fetched on a short-lived side connection.
 *
 * Built on the public tracer API. The side connection is plain libpq, never the pool, so the
 * EXPLAIN is not traced and cannot recurse into this logger.
 */
#include "pqg_int.h"
#include "pqg_obs.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Arguments longer than this are cut: a slow-log line should stay a line, not a bulk dump. */
#define ARG_MAX_BYTES 1024
/* Seconds allowed for connecting and for the EXPLAIN itself on the side connection. */
#define EXPLAIN_CONNECT_TIMEOUT "5"
#define EXPLAIN_OPTIONS "-c statement_timeout=5000"

/* PostgreSQL's binary timestamps count from 2000-01-01; pqg_timestamp from 1970-01-01. */
#define PG_EPOCH_OFFSET_US INT64_C(946684800000000)

struct pqg_slowlog {
    pqg_slowlog_options opts;
    pthread_mutex_t sink_lock;   /* serialises writes so that lines never interleave */
};

static const char *
err_name(int code)
{
    switch (code) {
#define PQG__ERR_CASE(name, value, text)                                                       \
    case value:                                                                                \
        return "PQG_" #name;
        PQG_ERRNO_MAP(PQG__ERR_CASE)
#undef PQG__ERR_CASE
    default:
        return "PQG_EUNKNOWN";
    }
}

static uint64_t
be_read(const char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | (unsigned char)p[i];
    return v;
}

/* ISO 8601 UTC with microseconds for us since 1970; "infinity" for the sentinels. */
static void
put_timestamp(pqg__buf *b, int64_t us)
{
    if (us == INT64_MAX || us == INT64_MIN) {
        pqg__buf_puts(b, us == INT64_MAX ? "\"infinity\"" : "\"-infinity\"");
        return;
    }
    int64_t days = pqg__floor_div(us, INT64_C(86400000000));
    int64_t rem = us - days * INT64_C(86400000000);
    int64_t y;
    unsigned mo, d;
    pqg__civil_from_days(days, &y, &mo, &d);
    pqg__buf_printf(b, "\"%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ\"", (long long)y, mo, d,
                    (int)(rem / INT64_C(3600000000)), (int)(rem / 60000000 % 60),
                    (int)(rem / 1000000 % 60), (int)(rem % 1000000));
}

static void
put_double(pqg__buf *b, double v, int digits)
{
    if (isnan(v))
        pqg__buf_puts(b, "\"NaN\"");
    else if (isinf(v))
        pqg__buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        pqg__buf_printf(b, "%.*g", digits, v);
}

static void
put_hex(pqg__buf *b, const char *p, int len)
{
    static const char hex[] = "0123456789abcdef";
    int n = len > ARG_MAX_BYTES / 2 ? ARG_MAX_BYTES / 2 : len;
    pqg__buf_puts(b, "\"\\\\x");
    for (int i = 0; i < n; i++) {
        char two[2] = {hex[(unsigned char)p[i] >> 4], hex[(unsigned char)p[i] & 15]};
        pqg__buf_append(b, two, 2);
    }
    pqg__buf_puts(b, n < len ? "...\"" : "\"");
}

static void
put_text(pqg__buf *b, const char *p, int len)
{
    if (len <= ARG_MAX_BYTES) {
        pqg__buf_json_string(b, p, (size_t)len);
        return;
    }
    /* Cut at a character boundary, then mark the cut inside the string. */
    int n = ARG_MAX_BYTES;
    while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
        n--;
    pqg__buf_json_string(b, p, (size_t)n);
    b->len -= b->failed ? 0 : 1;
    pqg__buf_puts(b, "...\"");
}

/* One argument as JSON, decoded from its binary wire form by type OID. A length that does not
 * fit the type falls back to hex rather than guessing. */
static void
put_arg(pqg__buf *b, uint32_t oid, const char *p, int len)
{
    if (p == NULL) {
        pqg__buf_puts(b, "null");
        return;
    }
    switch (oid) {
    case 16: /* bool */
        if (len == 1) {
            pqg__buf_puts(b, p[0] ? "true" : "false");
            return;
        }
        break;
    case 21: /* int2 */
        if (len == 2) {
            pqg__buf_printf(b, "%d", (int)(int16_t)be_read(p, 2));
            return;
        }
        break;
    case 23: /* int4 */
        if (len == 4) {
            pqg__buf_printf(b, "%ld", (long)(int32_t)be_read(p, 4));
            return;
        }
        break;
    case 20: /* int8 */
        if (len == 8) {
            pqg__buf_printf(b, "%lld", (long long)(int64_t)be_read(p, 8));
            return;
        }
        break;
    case 700: /* float4 */
        if (len == 4) {
            uint32_t bits = (uint32_t)be_read(p, 4);
            float f;
            memcpy(&f, &bits, sizeof f);
            put_double(b, f, 9);
            return;
        }
        break;
    case 701: /* float8 */
        if (len == 8) {
            uint64_t bits = be_read(p, 8);
            double d;
            memcpy(&d, &bits, sizeof d);
            put_double(b, d, 17);
            return;
        }
        break;
    case 2950: /* uuid */
        if (len == 16) {
            static const char hex[] = "0123456789abcdef";
            char s[37];
            int k = 0;
            for (int i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                    s[k++] = '-';
                s[k++] = hex[(unsigned char)p[i] >> 4];
                s[k++] = hex[(unsigned char)p[i] & 15];
            }
            s[k] = '\0';
            pqg__buf_json_string(b, s, 36);
            return;
        }
        break;
    case 1114: /* timestamp */
    case 1184: /* timestamptz */
        if (len == 8) {
            int64_t v = (int64_t)be_read(p, 8);
            if (v != INT64_MAX && v != INT64_MIN)
                v += PG_EPOCH_OFFSET_US;
            put_timestamp(b, v);
            return;
        }
        break;
    case 1082: /* date */
        if (len == 4) {
            int32_t days = (int32_t)be_read(p, 4);
            if (days == INT32_MAX || days == INT32_MIN) {
                pqg__buf_puts(b, days == INT32_MAX ? "\"infinity\"" : "\"-infinity\"");
                return;
            }
            int64_t y;
            unsigned mo, d;
            pqg__civil_from_days((int64_t)days + 10957, &y, &mo, &d);
            pqg__buf_printf(b, "\"%04lld-%02u-%02u\"", (long long)y, mo, d);
            return;
        }
        break;
    case 0:    /* unknown: the server infers it; pqg binds enums and the like as text */
    case 19:   /* name */
    case 25:   /* text */
    case 114:  /* json: its binary form is the text */
    case 1042: /* bpchar */
    case 1043: /* varchar */
        put_text(b, p, len);
        return;
    case 3802: /* jsonb: a version byte (1), then the text */
        if (len >= 1 && p[0] == 1) {
            put_text(b, p + 1, len - 1);
            return;
        }
        break;
    default:
        break;
    }
    put_hex(b, p, len);
}

char *
pqg__slowlog_line(const pqg_trace_info *info, bool log_arguments, pqg_timestamp ts,
                  const char *plan, const char *plan_error)
{
    pqg__buf b = {0};
    pqg__buf_puts(&b, "{\"ts\":");
    put_timestamp(&b, ts);
    pqg__buf_puts(&b, ",\"query\":");
    if (info->query_name != NULL)
        pqg__buf_json_string(&b, info->query_name, strlen(info->query_name));
    else
        pqg__buf_puts(&b, "null");
    pqg__buf_puts(&b, ",\"sql\":");
    if (info->sql != NULL)
        pqg__buf_json_string(&b, info->sql, strlen(info->sql));
    else
        pqg__buf_puts(&b, "null");
    pqg__buf_printf(&b, ",\"duration_ms\":%.3f", (double)info->duration_us / 1000.0);
    if (info->rows >= 0)
        pqg__buf_printf(&b, ",\"rows\":%lld", (long long)info->rows);
    else
        pqg__buf_puts(&b, ",\"rows\":null");
    pqg__buf_puts(&b, ",\"error\":");
    if (info->error != 0)
        pqg__buf_json_string(&b, err_name(info->error), strlen(err_name(info->error)));
    else
        pqg__buf_puts(&b, "null");
    pqg__buf_puts(&b, ",\"sqlstate\":");
    if (info->sqlstate != NULL && info->sqlstate[0] != '\0')
        pqg__buf_json_string(&b, info->sqlstate, strlen(info->sqlstate));
    else
        pqg__buf_puts(&b, "null");
    pqg__buf_puts(&b, ",\"args\":[");
    for (int i = 0; i < info->n_params; i++) {
        if (i > 0)
            pqg__buf_puts(&b, ",");
        if (!log_arguments) {
            pqg__buf_puts(&b, "\"<redacted>\"");
            continue;
        }
        const char *v = info->param_values ? info->param_values[i] : NULL;
        int len = info->param_lengths ? info->param_lengths[i] : 0;
        uint32_t oid = info->param_types ? info->param_types[i] : 0;
        put_arg(&b, oid, v, len);
    }
    pqg__buf_puts(&b, "]");
    if (plan != NULL) {
        pqg__buf_puts(&b, ",\"plan\":");
        pqg__buf_puts(&b, plan);
    }
    if (plan_error != NULL) {
        pqg__buf_puts(&b, ",\"plan_error\":");
        pqg__buf_json_string(&b, plan_error, strlen(plan_error));
    }
    pqg__buf_puts(&b, "}");
    return pqg__buf_finish(&b);
}

/* EXPLAIN without ANALYZE plans but never executes, which is what makes it safe to run again
 * for data-changing statements; anything else (DDL, SET, several statements) is skipped. */
static bool
explainable(const char *sql)
{
    const char *p = sql;
    for (;;) {
        while (*p != '\0' && (isspace((unsigned char)*p) || *p == '('))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            p = strchr(p, '\n');
            if (p == NULL)
                return false;
        } else if (p[0] == '/' && p[1] == '*') {
            p = strstr(p + 2, "*/");
            if (p == NULL)
                return false;
            p += 2;
        } else {
            break;
        }
    }
    static const char *const verbs[] = {"select", "with", "insert", "update", "delete"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        size_t n = strlen(verbs[i]);
        if (strncasecmp(p, verbs[i], n) == 0 && !isalnum((unsigned char)p[n]) && p[n] != '_')
            return true;
    }
    return false;
}

/* The server pretty-prints EXPLAIN JSON over many lines; strip whitespace outside strings (no
 * newline can occur inside a JSON string) and unwrap the one-element array it always returns.
 * Caller owns; release with free(). */
static char *
compact_plan(const char *text)
{
    size_t n = strlen(text);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    size_t k = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (in_str) {
            out[k++] = c;
            if (c == '\\' && i + 1 < n)
                out[k++] = text[++i];
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            out[k++] = c;
        } else if (!isspace((unsigned char)c)) {
            out[k++] = c;
        }
    }
    out[k] = '\0';
    if (k >= 2 && out[0] == '[' && out[k - 1] == ']') {
        memmove(out, out + 1, k - 2);
        out[k - 2] = '\0';
    }
    return out;
}

/* Copies libpq's message without its trailing newline into buf. */
static void
copy_message(char *buf, size_t size, const char *prefix, const char *msg)
{
    snprintf(buf, size, "%s%s", prefix, msg ? msg : "");
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
}

/* Runs EXPLAIN (FORMAT JSON) for the traced statement with the same binary parameters on a
 * fresh connection. Returns the compacted plan (caller owns; release with free()) or NULL with
 * a message in err. */
static char *
explain(const pqg_trace_info *info, char *err, size_t err_size)
{
    const char *keys[] = {"dbname", "connect_timeout", "options", "application_name", NULL};
    const char *vals[] = {info->conninfo ? info->conninfo : "", EXPLAIN_CONNECT_TIMEOUT,
                          EXPLAIN_OPTIONS, "pqgen-slowlog", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        copy_message(err, err_size, "explain: connect: ", conn ? PQerrorMessage(conn) : "");
        PQfinish(conn);
        return NULL;
    }
    size_t sql_len = strlen(info->sql);
    char *text = malloc(sql_len + 32);
    int n = info->n_params > 0 ? info->n_params : 0;
    int *formats = calloc((size_t)n + 1, sizeof *formats);
    Oid *types = calloc((size_t)n + 1, sizeof *types);
    char *plan = NULL;
    if (text == NULL || formats == NULL || types == NULL) {
        copy_message(err, err_size, "explain: out of memory", "");
        goto done;
    }
    memcpy(text, "EXPLAIN (FORMAT JSON) ", 22);
    memcpy(text + 22, info->sql, sql_len + 1);
    for (int i = 0; i < n; i++) {
        formats[i] = 1; /* libpqg sends every parameter in binary */
        types[i] = info->param_types ? (Oid)info->param_types[i] : 0;
    }
    PGresult *res = PQexecParams(conn, text, n, types, info->param_values, info->param_lengths,
                                 formats, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) < 1 || PQnfields(res) < 1) {
        copy_message(err, err_size, "explain: ", PQresultErrorMessage(res));
    } else {
        plan = compact_plan(PQgetvalue(res, 0, 0));
        if (plan == NULL)
            copy_message(err, err_size, "explain: out of memory", "");
    }
    PQclear(res);
done:
    free(text);
    free(formats);
    free(types);
    PQfinish(conn);
    return plan;
}

static pqg_timestamp
now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (pqg_timestamp)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void
slowlog_on_event(const pqg_trace_info *info, void *userdata)
{
    pqg_slowlog *log = userdata;
    if (info->event != PQG_TRACE_QUERY_END ||
        info->duration_us < log->opts.threshold_ms * 1000)
        return;
    pqg_timestamp ts = now_us();
    char *plan = NULL;
    char plan_err[512] = "";
    if (log->opts.explain && info->sql != NULL) {
        if (explainable(info->sql))
            plan = explain(info, plan_err, sizeof plan_err);
    }
    char *line = pqg__slowlog_line(info, log->opts.log_arguments, ts, plan,
                                   plan == NULL && plan_err[0] ? plan_err : NULL);
    free(plan);
    if (line == NULL)
        return; /* out of memory: losing a log line beats failing the query */
    pthread_mutex_lock(&log->sink_lock);
    if (log->opts.sink != NULL) {
        log->opts.sink(line, log->opts.sink_userdata);
    } else {
        FILE *f = log->opts.file ? log->opts.file : stderr;
        fputs(line, f);
        fputc('\n', f);
        fflush(f);
    }
    pthread_mutex_unlock(&log->sink_lock);
    free(line);
}

int
pqg_slowlog_attach(pqg_db *pool, const pqg_slowlog_options *opts, pqg_slowlog **out)
{
    if (out != NULL)
        *out = NULL;
    if (pool == NULL || opts == NULL || out == NULL || opts->threshold_ms < 0)
        return pqg__set_error(PQG_EINVAL, NULL, "pool, opts or out is NULL, or threshold < 0");
    pqg_slowlog *log = pqg__calloc(sizeof *log);
    if (log == NULL)
        return pqg__set_error(PQG_ENOMEM, NULL, "out of memory");
    log->opts = *opts;
    if (pthread_mutex_init(&log->sink_lock, NULL) != 0) {
        pqg__free(log);
        return pqg__set_error(PQG_ENOMEM, NULL, "cannot create a mutex");
    }
    pqg_tracer tracer = {.on_event = slowlog_on_event, .userdata = log};
    int rc = pqg_pool_add_tracer(pool, &tracer);
    if (rc < 0) {
        pqg_slowlog_free(log);
        return rc;
    }
    *out = log;
    return 0;
}

int
pqg_slowlog_attach_default(pqg_db *pool, pqg_slowlog **out)
{
    if (out != NULL)
        *out = NULL;
    if (pool == NULL || pool->pool == NULL || out == NULL)
        return pqg__set_error(PQG_EINVAL, NULL, "pool or out is NULL");
    pqg_slowlog_options opts = {.threshold_ms = pool->pool->cfg.slow_query_ms};
    return pqg_slowlog_attach(&pool->pool->db, &opts, out);
}

void
pqg_slowlog_free(pqg_slowlog *log)
{
    if (log == NULL)
        return;
    pthread_mutex_destroy(&log->sink_lock);
    pqg__free(log);
}
