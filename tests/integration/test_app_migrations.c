/*
 * test_app_migrations.c - the example application's embedded migrations (db_migrations) against
 * a real PostgreSQL: the set itself (versions, names, checksums equal to the server's SHA-256 of
 * each up_sql), status, dry run, up from an empty database (to the last version below the
 * pgvector migration when the extension is not available), idempotent re-runs, down all, up
 * again, partial down/up, a refused edited migration, and what happens when the pgvector
 * migration is attempted without the extension. Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"

static int64_t target;      /* highest version this server can apply */
static int n_target;        /* migrations up to target */

/* The user tables of the public schema, as "a,b,c" (schema_migrations excluded). */
static void
user_tables(char *buf, size_t size)
{
    app_sql_value(buf, size, "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '')"
                  " FROM pg_tables WHERE schemaname = 'public' AND tablename <> "
                  "'schema_migrations'", 0, NULL);
}

/* The set as generated: sorted unique versions, names from the file names, every checksum the
 * SHA-256 of its up_sql (as the server computes it), down SQL present. */
static void
test_migration_set(void **state)
{
    int64_t pgv = app_pgvector_migration();
    (void)state;

    assert_true(db_migrations.len >= 8);
    assert_non_null(db_migrations.items);
    for (size_t i = 0; i < db_migrations.len; i++) {
        const pqg_migration *m = &db_migrations.items[i];
        char sum[80];
        const char *params[1] = {m->up_sql};

        if (i > 0)
            assert_true(m->version > db_migrations.items[i - 1].version);
        assert_non_null(m->name);
        assert_true(m->name[0] != '\0');
        assert_non_null(m->down_sql);
        app_sql_value(sum, sizeof sum, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1,
                      params);
        assert_string_equal(m->checksum, sum);
    }
    assert_string_equal(db_migrations.items[0].name, "conversations");
    assert_int_equal(db_migrations.items[0].version, 1);
    /* The pgvector migration is found by content, and it is the last one. */
    assert_true(pgv > 0);
    assert_int_equal(pgv, db_migrations.items[db_migrations.len - 1].version);
    assert_string_equal(db_migrations.items[db_migrations.len - 1].name, "pgvector");
    if (!app_vector)
        assert_int_equal(target, pgv - 1);
    printf("# migrations: %zu in the set, target %lld (pgvector %s)\n", db_migrations.len,
           (long long)target, app_vector ? "available" : "not available: stopping below it");
}

/* Status on an empty database, then a dry run that changes nothing. */
static void
test_status_and_dry_run(void **state)
{
    pqg_migration_status *st = NULL;
    size_t len = 0;
    int applied = -1;
    char tables[512];
    FILE *out = tmpfile();
    char line[256];
    int lines = 0;
    (void)state;

    APP_OK(pqg_migrate_status(app_db, &db_migrations, &st, &len));
    assert_int_equal(len, db_migrations.len);
    for (size_t i = 0; i < len; i++) {
        assert_int_equal(st[i].version, db_migrations.items[i].version);
        assert_string_equal(st[i].name, db_migrations.items[i].name);
        assert_false(st[i].applied);
        assert_int_equal(st[i].applied_at, 0);
        assert_false(st[i].checksum_mismatch);
    }
    pqg_free(st);

    assert_non_null(out);
    APP_OK(pqg_migrate_up(app_db, &db_migrations, target, true, out, &applied));
    assert_int_equal(applied, n_target);
    rewind(out);
    while (fgets(line, sizeof line, out))
        lines++;
    assert_true(lines >= n_target); /* each planned migration is printed */
    fclose(out);
    user_tables(tables, sizeof tables);
    assert_string_equal(tables, "");
    APP_OK(pqg_migrate_status(app_db, &db_migrations, &st, &len));
    for (size_t i = 0; i < len; i++)
        assert_false(st[i].applied);
    pqg_free(st);
}

static const char *all_tables =
    "action_history,agent_states,conversations,embeddings,episode_raw_data,episodes,key_value,"
    "memories,messages,pattern_signatures,raw_data,sessions,tool_calls,tools,workflow_executions,"
    "workflow_executions_2026_10,workflow_executions_2026_11,workflow_executions_2026_12,"
    "workflow_executions_2027_01,workflow_executions_2027_02,workflow_executions_2027_03,"
    "workflow_executions_default";

/* Up from empty to the target, again (nothing to do), status; the schema is usable. */
static void
test_up_from_empty(void **state)
{
    pqg_migration_status *st = NULL;
    size_t len = 0;
    int applied = -1;
    char tables[1024];
    pqg_timestamp before = pqg_timestamp_now() - 60 * APP_USEC_PER_SEC;
    db_create_conversation_params cp = {.user_id = "u-mig", .metadata = "{}"};
    db_conversation c = {0};
    (void)state;

    APP_OK(pqg_migrate_up(app_db, &db_migrations, target, false, NULL, &applied));
    assert_int_equal(applied, n_target);
    user_tables(tables, sizeof tables);
    assert_string_equal(tables, all_tables);
    APP_OK(pqg_migrate_up(app_db, &db_migrations, target, false, NULL, &applied));
    assert_int_equal(applied, 0);

    APP_OK(pqg_migrate_status(app_db, &db_migrations, &st, &len));
    assert_int_equal(len, db_migrations.len);
    for (size_t i = 0; i < len; i++) {
        bool want = st[i].version <= target;
        assert_int_equal(st[i].applied, want);
        assert_false(st[i].checksum_mismatch);
        if (want)
            assert_true(st[i].applied_at > before);
        else
            assert_int_equal(st[i].applied_at, 0);
    }
    pqg_free(st);
    assert_int_equal(app_sql_int("SELECT count(*) FROM schema_migrations", 0, NULL), n_target);
    /* 0007's changes are in: conversations.model, messages.token_count. */
    APP_OK(db_create_conversation(app_db, &cp, &c));
    assert_false(c.pinned);
    db_conversation_free(&c);
}

/* Down all, newest first: every table and type is gone; up again works. */
static void
test_down_all_and_up_again(void **state)
{
    int reverted = -1, applied = -1;
    char tables[1024], types[256];
    pqg_migration_status *st = NULL;
    size_t len = 0;
    (void)state;

    APP_OK(pqg_migrate_down(app_db, &db_migrations, n_target + 5, &reverted));
    assert_int_equal(reverted, n_target); /* more steps than applied: all, no error */
    user_tables(tables, sizeof tables);
    assert_string_equal(tables, "");
    app_sql_value(types, sizeof types, "SELECT count(*) FROM pg_type t JOIN pg_namespace n ON "
                  "n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')",
                  0, NULL);
    assert_string_equal(types, "0"); /* enums and the importance_score domain dropped */
    assert_int_equal(app_sql_int("SELECT count(*) FROM schema_migrations", 0, NULL), 0);
    APP_OK(pqg_migrate_down(app_db, &db_migrations, 1, &reverted));
    assert_int_equal(reverted, 0); /* nothing left */

    APP_OK(pqg_migrate_up(app_db, &db_migrations, target, false, NULL, &applied));
    assert_int_equal(applied, n_target);
    user_tables(tables, sizeof tables);
    assert_string_equal(tables, all_tables);
    APP_OK(pqg_migrate_status(app_db, &db_migrations, &st, &len));
    for (size_t i = 0; i < len; i++)
        assert_int_equal(st[i].applied, st[i].version <= target);
    pqg_free(st);
}

/* Down 2, up to one version below the target, then the rest: 0006 (workflows) comes and goes
 * with its partitions and view. */
static void
test_partial_down_up(void **state)
{
    int reverted = -1, applied = -1;
    char buf[64];
    (void)state;

    APP_OK(pqg_migrate_down(app_db, &db_migrations, 2, &reverted));
    assert_int_equal(reverted, 2);
    app_sql_value(buf, sizeof buf, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                  NULL);
    assert_int_equal(atoll(buf), target - 2);
    app_sql_value(buf, sizeof buf, "SELECT to_regclass('failed_actions') IS NULL AND "
                  "to_regclass('workflow_executions_default') IS NULL", 0, NULL);
    if (target - 2 < 6)
        assert_string_equal(buf, "t");
    APP_OK(pqg_migrate_up(app_db, &db_migrations, target - 1, false, NULL, &applied));
    assert_int_equal(applied, 1);
    APP_OK(pqg_migrate_up(app_db, &db_migrations, target, false, NULL, &applied));
    assert_int_equal(applied, 1);
    app_sql_value(buf, sizeof buf, "SELECT to_regclass('failed_actions') IS NOT NULL", 0, NULL);
    assert_string_equal(buf, "t");
}

/* A migration edited after it was applied: up refuses, status flags it, nothing changes. */
static void
test_edited_migration_refused(void **state)
{
    pqg_migration *items = calloc(db_migrations.len, sizeof *items);
    pqg_migration_set edited = {items, db_migrations.len};
    char *up = NULL, sum[80];
    const char *params[1];
    pqg_migration_status *st = NULL;
    size_t len = 0;
    int applied = -1, rc;
    (void)state;

    assert_non_null(items);
    memcpy(items, db_migrations.items, db_migrations.len * sizeof *items);
    assert_true(asprintf(&up, "%s\n-- edited after release\n", items[0].up_sql) > 0);
    params[0] = up;
    app_sql_value(sum, sizeof sum, "SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", 1,
                  params);
    items[0].up_sql = up;
    items[0].checksum = sum; /* consistent with its own SQL, not with what was applied */

    rc = pqg_migrate_up(app_db, &edited, target, false, NULL, &applied);
    assert_int_equal(rc, PQG_EMIGRATE);
    assert_non_null(strstr(pqg_last_error()->message, "conversations"));
    APP_OK(pqg_migrate_status(app_db, &edited, &st, &len));
    assert_true(st[0].applied);
    assert_true(st[0].checksum_mismatch);
    assert_false(st[1].checksum_mismatch);
    pqg_free(st);

    /* A set whose checksum does not match its own SQL is refused before touching anything. */
    items[0].checksum = db_migrations.items[1].checksum;
    rc = pqg_migrate_up(app_db, &edited, target, false, NULL, &applied);
    assert_int_equal(rc, PQG_EMIGRATE);
    free(up);
    free(items);
}

/* Without pgvector, migrating to the end fails on the pgvector migration, which is rolled back
 * as a whole (its transaction) while every earlier one stays applied. */
static void
test_pgvector_migration_without_extension(void **state)
{
    int64_t pgv = app_pgvector_migration();
    int applied = -1, rc;
    pqg_migration_status *st = NULL;
    size_t len = 0;
    char buf[16];
    (void)state;

    if (app_vector) {
        printf("# pgvector available: migrating to the end\n");
        APP_OK(pqg_migrate_up(app_db, &db_migrations, 0, false, NULL, &applied));
        assert_int_equal(applied, 0); /* target already was the last one */
        return;
    }
    rc = pqg_migrate_up(app_db, &db_migrations, 0, false, NULL, &applied);
    assert_true(rc < 0);
    printf("# migrate up to the end without pgvector: %s: %s\n", pqg_err_name(rc),
           pqg_last_error()->message);
    APP_OK(pqg_migrate_status(app_db, &db_migrations, &st, &len));
    for (size_t i = 0; i < len; i++)
        assert_int_equal(st[i].applied, st[i].version < pgv);
    pqg_free(st);
    app_sql_value(buf, sizeof buf, "SELECT count(*) FROM information_schema.columns WHERE "
                  "table_name = 'embeddings' AND column_name = 'embedding'", 0, NULL);
    assert_string_equal(buf, "0");
    /* The database is still usable and migrations still run (advisory lock released). */
    APP_OK(pqg_migrate_up(app_db, &db_migrations, target, false, NULL, &applied));
    assert_int_equal(applied, 0);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("migrations", -1); /* an empty database: the tests migrate it */
    target = app_portable_target(app_vector);
    n_target = app_count_upto(target);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    app_teardown();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_set),
        cmocka_unit_test(test_status_and_dry_run),
        cmocka_unit_test(test_up_from_empty),
        cmocka_unit_test(test_down_all_and_up_again),
        cmocka_unit_test(test_partial_down_up),
        cmocka_unit_test(test_edited_migration_refused),
        cmocka_unit_test(test_pgvector_migration_without_extension),
    };
    return cmocka_run_group_tests_name("app_migrations", tests, setup, teardown);
}
