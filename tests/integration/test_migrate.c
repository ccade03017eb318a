/*
 * test_migrate.c - pqg_migrate_up/down/status against a real PostgreSQL (DATABASE_URL):
 * apply, re-apply, revert, target versions, dry runs, refusal of edited or unknown migrations,
 * rollback of a failing migration, migrations outside a transaction (generated, and failing
 * midway), and a second migrator blocking on the advisory lock.
 * Each test starts from an empty schema (raw libpq cleanup) with a fresh pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conninfo.h"
#include "pqg.h"
#include "pqg_sha256.h"

/* The migrations pqgen generates for tests/golden/emit_migrations_no_tx (prefix nt): plain,
 * golang-migrate, goose and dbmate files, three of them marked to run outside a transaction. */
#include "../golden/emit_migrations_no_tx/out/migrations.c"

typedef struct fixture {
    pqg_db *pool;
    PGconn *raw;    /* checks and cleanup go around libpqg on purpose */
} fixture;

/* The tests run in their own database, created here: they drop and create schema_migrations,
 * which other integration tests (generated code applying the app's migrations) rely on, and
 * advisory locks are per database. */
#define TEST_DB "pqgen_migrate_test"
static char g_conninfo[2048];

static const char *
db_url(void)
{
    return g_conninfo;
}


static int
group_setup(void **state)
{
    (void)state;
    const char *url = getenv("DATABASE_URL");
    PGconn *c = PQconnectdb(url ? url : "");
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PQclear(PQexec(c, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)"));
    PGresult *r = PQexec(c, "CREATE DATABASE " TEST_DB);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("create database: %s", PQerrorMessage(c));
    PQclear(r);
    assert_true(test_conninfo_for(c, TEST_DB, g_conninfo, sizeof g_conninfo));
    PQfinish(c);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    const char *url = getenv("DATABASE_URL");
    PGconn *c = PQconnectdb(url ? url : "");
    PQclear(PQexec(c, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)"));
    PQfinish(c);
    return 0;
}

static pqg_db *
open_pool(void)
{
    pqg_config cfg;
    pqg_config_defaults(&cfg);
    cfg.conninfo = db_url();
    cfg.min_conns = 1;
    cfg.max_conns = 4;
    pqg_db *pool = NULL;
    int rc = pqg_pool_open(&cfg, &pool);
    if (rc < 0)
        fail_msg("pqg_pool_open: %s", pqg_last_error()->message);
    return pool;
}

static void
raw_exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

/* The first column of the first row as text, or "" when there is no row. Caller frees. */
static char *
raw_value(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    char *v = strdup(PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return v;
}

static bool
raw_true(PGconn *c, const char *sql)
{
    char *v = raw_value(c, sql);
    bool t = strcmp(v, "t") == 0;
    free(v);
    return t;
}

/* A table, view or index of that name. */
static bool
relation_exists(fixture *f, const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NOT NULL", name);
    return raw_true(f->raw, sql);
}

static bool
column_exists(fixture *f, const char *table, const char *column)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = '%s' "
             "AND column_name = '%s')", table, column);
    return raw_true(f->raw, sql);
}

static char *
applied_versions(fixture *f)
{
    if (!relation_exists(f, "schema_migrations"))
        return strdup("(no table)");
    return raw_value(f->raw, "SELECT coalesce(string_agg(version::text, ',' ORDER BY version), '')"
                             " FROM schema_migrations");
}

static void
assert_applied(fixture *f, const char *want)
{
    char *got = applied_versions(f);
    if (strcmp(got, want) != 0)
        fail_msg("schema_migrations has [%s], want [%s]", got, want);
    free(got);
}

/* --- the migration set, built at run time with real checksums --- */

typedef struct test_set {
    pqg_migration items[3];
    char sums[3][65];
    pqg_migration_set set;
} test_set;

static void
set_build(test_set *t, size_t n)
{
    static const pqg_migration base[3] = {
        {1, "create_users", "CREATE TABLE mig_users (id bigint PRIMARY KEY, name text NOT NULL);",
         "DROP TABLE mig_users;", NULL, NULL, NULL},
        {2, "create_posts",
         "CREATE TABLE mig_posts (id bigint PRIMARY KEY,\n"
         "    user_id bigint NOT NULL REFERENCES mig_users (id));\n"
         "CREATE INDEX mig_posts_user ON mig_posts (user_id);",
         "DROP TABLE mig_posts;", NULL, NULL, NULL},
        {3, "add_email", "ALTER TABLE mig_users ADD COLUMN email text;",
         "ALTER TABLE mig_users DROP COLUMN email;", NULL, NULL, NULL},
    };
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++)
        t->items[i] = base[i];
    t->set.items = t->items;
    t->set.len = n;
}

/* Recomputes every checksum, as the generator would after an edit of the files. */
static void
set_seal(test_set *t)
{
    for (size_t i = 0; i < t->set.len; i++) {
        pqg__sha256_hex(t->items[i].up_sql, strlen(t->items[i].up_sql), t->sums[i]);
        t->items[i].checksum = t->sums[i];
    }
}

static void
full_set(test_set *t)
{
    set_build(t, 3);
    set_seal(t);
}

/* --- fixtures --- */

static int
setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->raw = PQconnectdb(db_url());
    if (PQstatus(f->raw) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(f->raw));
    raw_exec(f->raw, "SET client_min_messages = warning; "
                     "DROP TABLE IF EXISTS schema_migrations, mig_posts, mig_users, notes, "
                     "nt_logs CASCADE");
    f->pool = open_pool();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture *f = *state;
    assert_int_equal(pqg_pool_close(f->pool, 5000), 0);
    PQfinish(f->raw);
    free(f);
    return 0;
}

/* --- tests --- */

static void
test_up_from_empty_then_status(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    pqg_timestamp before = pqg_timestamp_now();
    int applied = -1;
    int rc = pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &applied);
    if (rc != 0)
        fail_msg("migrate_up: %s", pqg_last_error()->message);
    assert_int_equal(applied, 3);
    assert_true(relation_exists(f, "mig_users"));
    assert_true(relation_exists(f, "mig_posts"));
    assert_true(column_exists(f, "mig_users", "email"));
    assert_applied(f, "1,2,3");
    char *sum = raw_value(f->raw, "SELECT checksum FROM schema_migrations WHERE version = 2");
    assert_string_equal(sum, t.sums[1]);
    free(sum);
    char *name = raw_value(f->raw, "SELECT name FROM schema_migrations WHERE version = 3");
    assert_string_equal(name, "add_email");
    free(name);

    pqg_migration_status *st = NULL;
    size_t len = 0;
    assert_int_equal(pqg_migrate_status(f->pool, &t.set, &st, &len), 0);
    assert_int_equal(len, 3);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(st[i].version, (int64_t)i + 1);
        assert_ptr_equal(st[i].name, t.items[i].name); /* borrowed from the set */
        assert_true(st[i].applied);
        assert_false(st[i].checksum_mismatch);
        /* Server and client clocks are the same machine's; allow a little skew. */
        assert_true(st[i].applied_at >= before - 5000000);
        assert_true(st[i].applied_at <= pqg_timestamp_now() + 5000000);
    }
    pqg_free(st);
}

static void
test_status_without_table(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    pqg_migration_status *st = NULL;
    size_t len = 0;
    assert_int_equal(pqg_migrate_status(f->pool, &t.set, &st, &len), 0);
    assert_int_equal(len, 3);
    for (size_t i = 0; i < len; i++) {
        assert_false(st[i].applied);
        assert_int_equal(st[i].applied_at, 0);
    }
    pqg_free(st);
    assert_false(relation_exists(f, "schema_migrations")); /* status only reads */
}

static void
test_up_again_applies_nothing(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    int applied = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &applied), 0);
    assert_int_equal(applied, 3);
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &applied), 0);
    assert_int_equal(applied, 0);
    assert_applied(f, "1,2,3");
}

static void
test_down_one_then_all_then_up(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);

    assert_int_equal(pqg_migrate_down(f->pool, &t.set, 1, &n), 0);
    assert_int_equal(n, 1);
    assert_false(column_exists(f, "mig_users", "email"));
    assert_true(relation_exists(f, "mig_posts"));
    assert_applied(f, "1,2");
    pqg_migration_status *st = NULL;
    size_t len = 0;
    assert_int_equal(pqg_migrate_status(f->pool, &t.set, &st, &len), 0);
    assert_true(st[0].applied && st[1].applied && !st[2].applied);
    pqg_free(st);

    assert_int_equal(pqg_migrate_down(f->pool, &t.set, 100, &n), 0);
    assert_int_equal(n, 2);
    assert_false(relation_exists(f, "mig_users"));
    assert_false(relation_exists(f, "mig_posts"));
    assert_applied(f, "");

    assert_int_equal(pqg_migrate_down(f->pool, &t.set, 1, &n), 0);
    assert_int_equal(n, 0);

    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);
    assert_int_equal(n, 3);
    assert_true(column_exists(f, "mig_users", "email"));
    assert_applied(f, "1,2,3");
}

static void
test_target_version(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 2, false, NULL, &n), 0);
    assert_int_equal(n, 2);
    assert_applied(f, "1,2");
    assert_false(column_exists(f, "mig_users", "email"));
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);
    assert_int_equal(n, 1);
    assert_applied(f, "1,2,3");
}

static void
test_dry_run(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    char *out = NULL;
    size_t out_len = 0;
    FILE *mem = open_memstream(&out, &out_len);
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, true, mem, &n), 0);
    fclose(mem);
    assert_int_equal(n, 3);
    assert_string_equal(out, "would apply 0001_create_users\n"
                             "would apply 0002_create_posts\n"
                             "would apply 0003_add_email\n");
    free(out);
    assert_false(relation_exists(f, "mig_users"));
    assert_false(relation_exists(f, "schema_migrations"));

    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 1, false, NULL, &n), 0);
    mem = open_memstream(&out, &out_len);
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, true, mem, &n), 0);
    fclose(mem);
    assert_int_equal(n, 2);
    assert_string_equal(out, "would apply 0002_create_posts\nwould apply 0003_add_email\n");
    free(out);
    assert_applied(f, "1");
    /* NULL output is allowed: the count alone. */
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, true, NULL, &n), 0);
    assert_int_equal(n, 2);
}

static void
test_edited_applied_migration_refused(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);

    test_set edited;
    full_set(&edited);
    edited.items[2].up_sql = "ALTER TABLE mig_users ADD COLUMN email varchar(200);";
    set_seal(&edited);
    int rc = pqg_migrate_up(f->pool, &edited.set, 0, false, NULL, &n);
    assert_int_equal(rc, PQG_EMIGRATE);
    assert_int_equal(n, 0);
    const pqg_error *e = pqg_last_error();
    assert_int_equal(e->code, PQG_EMIGRATE);
    if (strstr(e->message, "migration 3 (add_email) was edited after it was applied") == NULL)
        fail_msg("message: %s", e->message);
    assert_non_null(strstr(e->message, t.sums[2]));
    assert_non_null(strstr(e->message, edited.sums[2]));

    assert_int_equal(pqg_migrate_down(f->pool, &edited.set, 1, &n), PQG_EMIGRATE);
    assert_int_equal(n, 0);
    assert_true(column_exists(f, "mig_users", "email"));

    pqg_migration_status *st = NULL;
    size_t len = 0;
    assert_int_equal(pqg_migrate_status(f->pool, &edited.set, &st, &len), 0);
    assert_false(st[0].checksum_mismatch);
    assert_true(st[2].applied && st[2].checksum_mismatch);
    pqg_free(st);
}

static void
test_set_with_stale_checksum_refused(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    /* Someone edited the embedded SQL but not its checksum: refuse before touching anything. */
    t.items[1].up_sql = "CREATE TABLE mig_posts (id int);";
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), PQG_EMIGRATE);
    assert_int_equal(n, 0);
    if (strstr(pqg_last_error()->message, "migration 2 (create_posts)") == NULL)
        fail_msg("message: %s", pqg_last_error()->message);
    assert_false(relation_exists(f, "mig_users"));
}

static void
test_unknown_applied_version_refused(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);
    test_set old;
    set_build(&old, 2);
    set_seal(&old);
    assert_int_equal(pqg_migrate_up(f->pool, &old.set, 0, false, NULL, &n), PQG_EMIGRATE);
    if (strstr(pqg_last_error()->message, "migration 3 (add_email)") == NULL ||
        strstr(pqg_last_error()->message, "newer code") == NULL)
        fail_msg("message: %s", pqg_last_error()->message);
}

static void
test_failing_migration_rolled_back(void **state)
{
    fixture *f = *state;
    test_set t;
    set_build(&t, 3);
    /* The ALTER succeeds, then the division fails: the ALTER must be taken back. */
    t.items[2].up_sql = "ALTER TABLE mig_users ADD COLUMN email text;\nSELECT 1 / 0;";
    set_seal(&t);
    int n = -1;
    int rc = pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n);
    assert_true(rc < 0);
    assert_int_equal(n, 2);
    const pqg_error *e = pqg_last_error();
    assert_int_equal(e->code, rc);
    assert_string_equal(e->sqlstate, "22012");
    if (strstr(e->message, "migration 3 (add_email)") == NULL)
        fail_msg("message: %s", e->message);
    assert_applied(f, "1,2");
    assert_true(relation_exists(f, "mig_posts"));
    assert_false(column_exists(f, "mig_users", "email"));

    /* Fixed, it applies; and the session is not left holding the lock (we could re-enter). */
    full_set(&t);
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);
    assert_int_equal(n, 1);
    assert_false(raw_true(f->raw, "SELECT EXISTS (SELECT 1 FROM pg_locks "
                                  "WHERE locktype = 'advisory' AND granted)"));
}

/* Migrations marked to run outside a transaction (CREATE INDEX CONCURRENTLY, which a
 * transaction block refuses) apply statement by statement, up and down, from the generated
 * set. */
static void
test_no_transaction_migrations(void **state)
{
    fixture *f = *state;
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &nt_migrations, 0, false, NULL, &n), 0);
    assert_int_equal(n, 5);
    assert_applied(f, "1,2,3,4,5");
    assert_true(relation_exists(f, "notes_tag_body"));
    assert_true(relation_exists(f, "notes_tag"));
    assert_true(relation_exists(f, "notes_body"));
    assert_true(relation_exists(f, "notes_id_tag"));
    assert_true(relation_exists(f, "notes_pinned"));
    assert_true(column_exists(f, "notes", "pinned"));
    assert_true(raw_true(f->raw, "SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = "
                                 "'notes'::regclass"));
    assert_int_equal(pqg_migrate_down(f->pool, &nt_migrations, 4, &n), 0);
    assert_int_equal(n, 4);
    assert_applied(f, "1");
    assert_false(relation_exists(f, "notes_tag_body"));
    assert_false(relation_exists(f, "notes_tag"));
    assert_false(relation_exists(f, "notes_pinned"));
    assert_false(column_exists(f, "notes", "pinned"));
}

/* Outside a transaction a failing statement cannot take back the ones before it: the error
 * names the statement, and the migration stays unrecorded, so it runs again once fixed. */
static void
test_no_transaction_failure(void **state)
{
    fixture *f = *state;
    static const char *const bad_up[] = {
        "CREATE TABLE nt_logs (id int)",
        "CREATE INDEX CONCURRENTLY nt_logs_x ON nt_logs (no_such_column)",
        NULL,
    };
    static const char *const good_up[] = {
        "CREATE TABLE IF NOT EXISTS nt_logs (id int)",
        "CREATE INDEX CONCURRENTLY nt_logs_id ON nt_logs (id)",
        NULL,
    };
    char sum[65];
    pqg__sha256_hex("logs", 4, sum);
    pqg_migration m = {.version = 1, .name = "logs", .up_sql = "logs", .checksum = sum,
                       .up_statements = bad_up};
    pqg_migration_set set = {.items = &m, .len = 1};
    int n = -1;
    int rc = pqg_migrate_up(f->pool, &set, 0, false, NULL, &n);
    assert_true(rc < 0);
    assert_int_equal(n, 0);
    const pqg_error *e = pqg_last_error();
    assert_string_equal(e->sqlstate, "42703");
    if (strstr(e->message, "migration 1 (logs) up, statement 2") == NULL)
        fail_msg("message: %s", e->message);
    assert_applied(f, "");
    assert_true(relation_exists(f, "nt_logs"));
    m.up_statements = good_up;
    assert_int_equal(pqg_migrate_up(f->pool, &set, 0, false, NULL, &n), 0);
    assert_int_equal(n, 1);
    assert_applied(f, "1");
    assert_true(relation_exists(f, "nt_logs_id"));
}

/* The schema_migrations row is written in the migration's own transaction: when recording
 * fails, the migration's changes are rolled back with it. The migration below records itself
 * first, so the bookkeeping INSERT that follows hits the primary key. */
static void
test_bookkeeping_in_same_transaction(void **state)
{
    fixture *f = *state;
    test_set t;
    set_build(&t, 3);
    t.items[2].up_sql = "ALTER TABLE mig_users ADD COLUMN email text;\n"
                        "INSERT INTO schema_migrations (version, name, checksum) "
                        "VALUES (3, 'sneaky', 'x');";
    set_seal(&t);
    int n = -1;
    int rc = pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n);
    assert_int_equal(rc, PQG_ECONFLICT);
    assert_int_equal(n, 2);
    assert_applied(f, "1,2");
    assert_false(column_exists(f, "mig_users", "email"));
}

static void
test_down_without_down_sql_refused(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    t.items[1].down_sql = NULL;
    int n = -1;
    assert_int_equal(pqg_migrate_up(f->pool, &t.set, 0, false, NULL, &n), 0);
    /* Reverting 3 and 2: 2 has no down file, so not even 3 may be reverted. */
    assert_int_equal(pqg_migrate_down(f->pool, &t.set, 2, &n), PQG_EMIGRATE);
    assert_int_equal(n, 0);
    if (strstr(pqg_last_error()->message, "migration 2 (create_posts) has no down") == NULL)
        fail_msg("message: %s", pqg_last_error()->message);
    assert_applied(f, "1,2,3");
    assert_int_equal(pqg_migrate_down(f->pool, &t.set, 1, &n), 0);
    assert_int_equal(n, 1);
}

static void
test_on_leased_connection(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    pqg_db *conn = NULL;
    assert_int_equal(pqg_acquire(f->pool, &conn), 0);
    int n = -1;
    assert_int_equal(pqg_migrate_up(conn, &t.set, 0, false, NULL, &n), 0);
    assert_int_equal(n, 3);
    /* Still ours to use and to release. */
    assert_int_equal(pqg_exec_sql(conn, "INSERT INTO mig_users (id, name) VALUES (1, 'a')"), 0);
    pqg_release(conn);
    assert_applied(f, "1,2,3");
}

static void
test_invalid_arguments(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    int n = -1;
    assert_int_equal(pqg_migrate_up(NULL, &t.set, 0, false, NULL, &n), PQG_EINVAL);
    assert_int_equal(n, 0);
    assert_int_equal(pqg_migrate_up(f->pool, NULL, 0, false, NULL, &n), PQG_EINVAL);
    assert_int_equal(pqg_migrate_down(f->pool, &t.set, -1, &n), PQG_EINVAL);
    pqg_migration_status *st = (pqg_migration_status *)&n;
    size_t len = 99;
    assert_int_equal(pqg_migrate_status(NULL, &t.set, &st, &len), PQG_EINVAL);
    assert_null(st);
    assert_int_equal(len, 0);
    test_set unsorted;
    full_set(&unsorted);
    pqg_migration tmp = unsorted.items[0];
    unsorted.items[0] = unsorted.items[1];
    unsorted.items[1] = tmp;
    assert_int_equal(pqg_migrate_up(f->pool, &unsorted.set, 0, false, NULL, &n), PQG_EINVAL);
}

/* --- a second migrator waits on the advisory lock --- */

typedef struct second_run {
    test_set *set;
    atomic_bool done;
    int rc;
    int applied;
} second_run;

static void *
second_migrator(void *p)
{
    second_run *r = p;
    pqg_db *pool = open_pool(); /* its own pool: as another process would */
    r->rc = pqg_migrate_up(pool, &r->set->set, 0, false, NULL, &r->applied);
    atomic_store(&r->done, true);
    int rc = pqg_pool_close(pool, 5000);
    (void)rc;
    return NULL;
}

static int64_t
lock_key(void)
{
    char hex[65];
    pqg__sha256_hex("pqgen.migrations", strlen("pqgen.migrations"), hex);
    uint64_t v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    return (int64_t)v;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void
test_second_migrator_blocks_on_lock(void **state)
{
    fixture *f = *state;
    test_set t;
    full_set(&t);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%lld)", (long long)lock_key());
    raw_exec(f->raw, sql);

    second_run r = {.set = &t};
    atomic_init(&r.done, false);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, second_migrator, &r), 0);
    sleep_ms(300);
    assert_false(atomic_load(&r.done));
    /* It is waiting on exactly our lock, not stuck elsewhere. */
    snprintf(sql, sizeof sql,
             "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
             " AND classid::text = '%llu' AND objid::text = '%llu')",
             (unsigned long long)((uint64_t)lock_key() >> 32),
             (unsigned long long)((uint64_t)lock_key() & 0xffffffffu));
    assert_true(raw_true(f->raw, sql));
    assert_false(relation_exists(f, "mig_users"));

    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%lld)", (long long)lock_key());
    raw_exec(f->raw, sql);
    for (int i = 0; i < 1000 && !atomic_load(&r.done); i++)
        sleep_ms(10);
    assert_true(atomic_load(&r.done));
    pthread_join(th, NULL);
    if (r.rc != 0)
        fail_msg("second migrator: %d", r.rc);
    assert_int_equal(r.applied, 3);
    assert_applied(f, "1,2,3");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_up_from_empty_then_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_without_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_up_again_applies_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_down_one_then_all_then_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edited_applied_migration_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_with_stale_checksum_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_applied_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_migration_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_transaction_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_transaction_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bookkeeping_in_same_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_down_without_down_sql_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_on_leased_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_migrator_blocks_on_lock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
