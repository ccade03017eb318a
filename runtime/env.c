/*
 * env.c - configuration: defaults, the environment (DATABASE_URL, MAX_CONNECTIONS, ...),
 * duration parsing ("1h30m", "250ms"), and the clock and random helpers the pool uses.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pqg_int.h"

void
pqg_config_defaults(pqg_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_conns = 30;
    cfg->min_conns = 5;
    cfg->max_lifetime_ms = 3600 * 1000;
    cfg->max_idle_ms = 15 * 60 * 1000;
    cfg->health_check_ms = 60 * 1000;
    cfg->acquire_timeout_ms = 30 * 1000;
    cfg->connect_timeout_ms = 10 * 1000;
    cfg->statement_timeout_ms = 30 * 1000;
    cfg->lock_timeout_ms = 10 * 1000;
    cfg->slow_query_ms = 1000;
    cfg->application_name = "pqgen";
}

int
pqg_parse_duration_ms(const char *text, int64_t *out_ms)
{
    if (!text || !out_ms)
        return pqg__set_error(PQG_EINVAL, NULL, "missing duration");
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return pqg__set_error(PQG_EINVAL, NULL, "empty duration");
    /* Sum of <number><unit> terms, in microseconds so "1500us" keeps its precision. */
    double total_us = 0;
    int terms = 0;
    while (*p && !isspace((unsigned char)*p)) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || v < 0)
            return pqg__set_error(PQG_EINVAL, NULL, "invalid duration \"%s\"", text);
        p = end;
        double unit_us;
        if (strncmp(p, "ms", 2) == 0) {
            unit_us = 1e3;
            p += 2;
        } else if (strncmp(p, "us", 2) == 0) {
            unit_us = 1;
            p += 2;
        } else if (strncmp(p, "ns", 2) == 0) {
            unit_us = 1e-3;
            p += 2;
        } else if (*p == 'h') {
            unit_us = 3600e6;
            p++;
        } else if (*p == 'm') {
            unit_us = 60e6;
            p++;
        } else if (*p == 's') {
            unit_us = 1e6;
            p++;
        } else if (*p == '\0' || isspace((unsigned char)*p)) {
            if (terms > 0)
                return pqg__set_error(PQG_EINVAL, NULL, "invalid duration \"%s\"", text);
            unit_us = 1e3; /* a bare number is milliseconds */
        } else {
            return pqg__set_error(PQG_EINVAL, NULL, "invalid duration unit in \"%s\"", text);
        }
        total_us += v * unit_us;
        terms++;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p || total_us > 9.2e18)
        return pqg__set_error(PQG_EINVAL, NULL, "invalid duration \"%s\"", text);
    *out_ms = (int64_t)(total_us / 1000.0 + 0.5);
    if (total_us > 0 && *out_ms == 0)
        *out_ms = 1; /* "500us" is not "no timeout" */
    return 0;
}

static int
env_duration(const char *name, int64_t *dst)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    int64_t ms;
    if (pqg_parse_duration_ms(v, &ms) != 0)
        return pqg__set_error(PQG_EINVAL, NULL, "invalid duration in %s: \"%s\"", name, v);
    *dst = ms;
    return 0;
}

static int
env_int(const char *name, int *dst)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < 0 || n > 100000)
        return pqg__set_error(PQG_EINVAL, NULL, "invalid integer in %s: \"%s\"", name, v);
    *dst = (int)n;
    return 0;
}

int
pqg_config_from_env(pqg_config *cfg)
{
    if (!cfg)
        return pqg__set_error(PQG_EINVAL, NULL, "cfg is NULL");
    pqg_config_defaults(cfg);
    const char *url = getenv("DATABASE_URL");
    if (url && *url)
        cfg->conninfo = url;
    int rc = 0;
    if ((rc = env_int("MAX_CONNECTIONS", &cfg->max_conns)) ||
        (rc = env_int("MIN_CONNECTIONS", &cfg->min_conns)) ||
        (rc = env_duration("MAX_CONN_LIFETIME", &cfg->max_lifetime_ms)) ||
        (rc = env_duration("MAX_CONN_IDLE_TIME", &cfg->max_idle_ms)) ||
        (rc = env_duration("HEALTH_CHECK_PERIOD", &cfg->health_check_ms)) ||
        (rc = env_duration("STATEMENT_TIMEOUT", &cfg->statement_timeout_ms)) ||
        (rc = env_duration("LOCK_TIMEOUT", &cfg->lock_timeout_ms)) ||
        (rc = env_duration("SLOW_QUERY_THRESHOLD", &cfg->slow_query_ms)) ||
        (rc = env_duration("ACQUIRE_TIMEOUT", &cfg->acquire_timeout_ms)))
        return rc;
    if (cfg->max_conns < 1)
        return pqg__set_error(PQG_EINVAL, NULL, "MAX_CONNECTIONS must be at least 1");
    if (cfg->min_conns > cfg->max_conns)
        cfg->min_conns = cfg->max_conns;
    return 0;
}

int64_t
pqg__now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
pqg__sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static _Atomic uint64_t rng_state;

double
pqg__random(void)
{
    uint64_t x = atomic_load(&rng_state), n;
    do {
        n = x;
        if (n == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            n = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull + (uint64_t)ts.tv_sec + 1;
        }
        n ^= n << 13;
        n ^= n >> 7;
        n ^= n << 17;
    } while (!atomic_compare_exchange_weak(&rng_state, &x, n));
    return (double)(n >> 11) / 9007199254740992.0;
}
