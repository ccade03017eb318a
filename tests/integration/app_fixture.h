/*
 * app_fixture.h - shared fixture of the example application's integration tests
 * (tests/integration/test_app_*.c): each test binary creates its own database
 * app_<name>_<pid> through a maintenance connection to DATABASE_URL, opens a pqg pool on it,
 * migrates it with the embedded db_migrations (up to the last migration below pgvector's when the
 * extension is not available) and drops it at the end, so binaries never interfere.
 * Everything here is static: include it from exactly one .c file per binary.
 */
#ifndef APP_FIXTURE_H
#define APP_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conninfo.h"
#include "db.h"

/* The fixture's state: one per test binary. */
static char app_dbname[64];
static char app_conninfo[2048];
static pqg_db *app_db;         /* the pool every test uses */
static PGconn *app_raw;        /* a plain libpq connection to the same database, for checks */
static bool app_vector;        /* pgvector can be installed on this server */

/* Asserts that a pqg call returned 0, printing the error name and server message otherwise. */
#define APP_OK(call)                                                                           \
    do {                                                                                       \
        int app_rc_ = (call);                                                                  \
        if (app_rc_ != 0)                                                                      \
            fail_msg("%s = %s (%d): %s [sqlstate %s]", #call, pqg_err_name(app_rc_), app_rc_,   \
                     pqg_last_error()->message, pqg_last_error()->sqlstate);                   \
    } while (0)

/* Asserts that a pqg call returned exactly `want` (a PQG_E* code or 0). */
#define APP_RC(want, call)                                                                     \
    do {                                                                                       \
        int app_rc_ = (call);                                                                  \
        if (app_rc_ != (want))                                                                 \
            fail_msg("%s = %s (%d), want %s: %s", #call, pqg_err_name(app_rc_), app_rc_,        \
                     pqg_err_name(want), pqg_last_error()->message);                           \
    } while (0)

/* Opens the maintenance connection (DATABASE_URL's own database). Caller owns; PQfinish(). */
static inline PGconn *
app_maint_connect(void)
{
    const char *url = getenv("DATABASE_URL");
    PGconn *c = PQconnectdb(url ? url : "");

    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect to DATABASE_URL: %s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    return c;
}

/* Runs sql on c and fails the test unless it succeeds. */
static inline void
app_raw_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}


/* True when the server can CREATE EXTENSION vector. */
static inline bool
app_vector_available(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    bool yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;

    PQclear(r);
    return yes;
}

/* The version of the migration that creates the vector extension, or 0 if none does. */
static inline int64_t
app_pgvector_migration(void)
{
    for (size_t i = 0; i < db_migrations.len; i++)
        if (strstr(db_migrations.items[i].up_sql, "CREATE EXTENSION IF NOT EXISTS vector"))
            return db_migrations.items[i].version;
    return 0;
}

/* The highest version that can be applied here: the last one, or the last one below the pgvector
 * migration when the extension is not available. Also the count of migrations that apply. */
static inline int64_t
app_portable_target(bool vector)
{
    int64_t pgv = app_pgvector_migration(), best = 0;

    for (size_t i = 0; i < db_migrations.len; i++) {
        int64_t v = db_migrations.items[i].version;
        if ((vector || pgv == 0 || v < pgv) && v > best)
            best = v;
    }
    return best;
}

/* How many migrations of the set have a version <= target. */
static inline int
app_count_upto(int64_t target)
{
    int n = 0;

    for (size_t i = 0; i < db_migrations.len; i++)
        n += db_migrations.items[i].version <= target;
    return n;
}

/* Creates app_<name>_<pid>, opens app_db on it and migrates it up to `target` (0: as far as this
 * server allows, see app_portable_target; negative: not at all). */
static inline void
app_setup(const char *name, int64_t target)
{
    PGconn *c = app_maint_connect();
    char sql[256];
    pqg_config cfg;
    int applied = 0, rc;

    snprintf(app_dbname, sizeof app_dbname, "app_%s_%ld", name, (long)getpid());
    app_vector = app_vector_available(c);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", app_dbname);
    app_raw_exec(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", app_dbname);
    app_raw_exec(c, sql);
    if (!test_conninfo_for(c, app_dbname, app_conninfo, sizeof app_conninfo))
        fail_msg("conninfo too long");
    PQfinish(c);

    pqg_config_defaults(&cfg);
    cfg.conninfo = app_conninfo;
    cfg.min_conns = 1;
    cfg.max_conns = 4;
    cfg.application_name = "pqgen-app-tests";
    if (pqg_pool_open(&cfg, &app_db) < 0)
        fail_msg("pqg_pool_open(%s): %s", app_dbname, pqg_last_error()->message);
    app_raw = PQconnectdb(app_conninfo);
    if (PQstatus(app_raw) != CONNECTION_OK)
        fail_msg("raw connect: %s", PQerrorMessage(app_raw));
    app_raw_exec(app_raw, "SET client_min_messages = warning");
    app_raw_exec(app_raw, "SET TIME ZONE 'UTC'");

    if (target < 0)
        return;
    if (target == 0)
        target = app_portable_target(app_vector);
    rc = pqg_migrate_up(app_db, &db_migrations, target, false, NULL, &applied);
    if (rc < 0)
        fail_msg("migrate up to %lld: %s: %s", (long long)target, pqg_err_name(rc),
                 pqg_last_error()->message);
    if (applied != app_count_upto(target))
        fail_msg("migrate applied %d, want %d", applied, app_count_upto(target));
}

/* Closes the pool and the raw connection, then drops the database. */
static inline void
app_teardown(void)
{
    PGconn *c;
    char sql[256];

    if (pqg_pool_close(app_db, 5000) != 0)
        fprintf(stderr, "app_teardown: pool still had leased connections\n");
    app_db = NULL;
    PQfinish(app_raw);
    app_raw = NULL;
    c = app_maint_connect();
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", app_dbname);
    app_raw_exec(c, sql);
    PQfinish(c);
}

/* Runs sql (no parameters) on the raw connection; fails the test on error. */
static inline void
app_sql(const char *sql)
{
    app_raw_exec(app_raw, sql);
}

/* The first column of the first row of sql, run with text parameters on the raw connection, into
 * buf (truncated to size). Returns false for SQL NULL or no row. */
static inline bool
app_sql_value(char *buf, size_t size, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(app_raw, sql, n, NULL, params, NULL, NULL, 0);
    bool got = false;

    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(app_raw));
    buf[0] = '\0';
    if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
        snprintf(buf, size, "%s", PQgetvalue(r, 0, 0));
        got = true;
    }
    PQclear(r);
    return got;
}

/* A count(*)-style integer result of sql with text parameters. */
static inline long long
app_sql_int(const char *sql, int n, const char *const *params)
{
    char buf[64];

    if (!app_sql_value(buf, sizeof buf, sql, n, params))
        fail_msg("%s: no value", sql);
    return atoll(buf);
}

/* A uuid from text; fails the test when it does not parse. */
static inline pqg_uuid
app_uuid(const char *text)
{
    pqg_uuid u;

    if (pqg_uuid_parse(text, &u) != 0)
        fail_msg("bad uuid %s", text);
    return u;
}

/* A uuid's text form in a rotating static buffer (for messages and SQL parameters). */
static inline const char *
app_uuid_str(pqg_uuid u)
{
    static char bufs[4][37];
    static int next;
    char *b = bufs[next++ % 4];

    pqg_uuid_format(u, b);
    return b;
}

/* Semantic JSON equality (object key order and whitespace ignored), as jsonb compares. */
static inline void
app_assert_json_eq(const char *got, const char *want)
{
    json_error_t e1, e2;
    json_t *g, *w;

    if (got == NULL)
        fail_msg("json: got NULL, want %s", want);
    g = json_loads(got, JSON_DECODE_ANY, &e1);
    w = json_loads(want, JSON_DECODE_ANY, &e2);
    if (g == NULL)
        fail_msg("json: cannot parse result %s: %s", got, e1.text);
    if (w == NULL)
        fail_msg("json: cannot parse expectation %s: %s", want, e2.text);
    if (!json_equal(g, w)) {
        json_decref(g);
        json_decref(w);
        fail_msg("json differs:\n got  %s\n want %s", got, want);
    }
    json_decref(g);
    json_decref(w);
}

/* Microseconds since the epoch of a fixed UTC wall-clock time (for exact timestamps). */
static inline pqg_timestamp
app_ts(int year, int mon, int day, int h, int m, int s, int usec)
{
    /* Days from civil (Howard Hinnant's algorithm): no time zone or libc involved. */
    int y = year - (mon <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + day - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;

    return ((days * 86400 + h * 3600 + m * 60 + s) * 1000000) + usec;
}

/* Days since 1970-01-01 of a date. */
static inline pqg_date
app_date(int year, int mon, int day)
{
    return (pqg_date)(app_ts(year, mon, day, 0, 0, 0, 0) / 86400000000LL);
}

#define APP_USEC_PER_SEC 1000000LL

#endif
