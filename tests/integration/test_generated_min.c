/*
 * test_generated_min.c - the generated API (generated/, prefix db) against a real PostgreSQL:
 * the embedded migrations apply (up to 0007: pgvector is not installed here), and :one, :many,
 * _each, :exec, :execrows, :execresult, enums, enum-array parameters, nullable values, the
 * querier interface and the JSON functions behave as their comments promise.
 * Runs in its own database, created here, so it shares nothing with other integration tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "conninfo.h"
#include "db.h"
#include "json.h"
#include "querier.h"

#define TEST_DB "pqgen_generated_min_test"
/* 0008 needs pgvector, which this machine does not have. */
#define LAST_PORTABLE_MIGRATION 7

static char g_conninfo[2048];
static pqg_db *g_pool;

static int
group_setup(void **state)
{
    const char *url = getenv("DATABASE_URL");
    PGconn *c = PQconnectdb(url ? url : "");
    PGresult *r;
    pqg_config cfg;
    int applied = 0, rc;

    (void)state;
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PQclear(PQexec(c, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)"));
    r = PQexec(c, "CREATE DATABASE " TEST_DB);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("create database: %s", PQerrorMessage(c));
    PQclear(r);
    assert_true(test_conninfo_for(c, TEST_DB, g_conninfo, sizeof g_conninfo));
    PQfinish(c);

    pqg_config_defaults(&cfg);
    cfg.conninfo = g_conninfo;
    cfg.min_conns = 1;
    cfg.max_conns = 4;
    if (pqg_pool_open(&cfg, &g_pool) < 0)
        fail_msg("pqg_pool_open: %s", pqg_last_error()->message);
    rc = pqg_migrate_up(g_pool, &db_migrations, LAST_PORTABLE_MIGRATION, false, NULL, &applied);
    if (rc < 0)
        fail_msg("migrate: %s: %s", pqg_err_name(rc), pqg_last_error()->message);
    assert_int_equal(applied, LAST_PORTABLE_MIGRATION);
    return 0;
}

static int
group_teardown(void **state)
{
    const char *url = getenv("DATABASE_URL");
    PGconn *c;

    (void)state;
    pqg_pool_close(g_pool, 5000);
    c = PQconnectdb(url ? url : "");
    PQclear(PQexec(c, "DROP DATABASE IF EXISTS " TEST_DB " WITH (FORCE)"));
    PQfinish(c);
    return 0;
}

/* The embedded set matches the schema folder: versions in order, checksums present. */
static void
test_migration_set(void **state)
{
    (void)state;
    assert_true(db_migrations.len >= LAST_PORTABLE_MIGRATION);
    for (size_t i = 0; i < db_migrations.len; i++) {
        assert_int_equal(db_migrations.items[i].version, (int64_t)i + 1);
        assert_int_equal(strlen(db_migrations.items[i].checksum), 64);
        assert_non_null(db_migrations.items[i].up_sql);
        assert_non_null(db_migrations.items[i].down_sql);
    }
    assert_string_equal(db_migrations.items[0].name, "conversations");
}

static pqg_uuid
create_conversation(const char *user_id, const char *title, db_conversation *out)
{
    db_create_conversation_params p = {.user_id = user_id, .title = title, .metadata = "{}"};
    int rc = db_create_conversation(g_pool, &p, out);
    if (rc != 0)
        fail_msg("CreateConversation: %s: %s", pqg_err_name(rc), pqg_last_error()->message);
    return out->id;
}

static void
test_one_roundtrip_and_not_found(void **state)
{
    db_conversation made = {0}, got = {0};
    pqg_uuid id, missing = {{0}};
    (void)state;

    id = create_conversation("u-one", "first", &made);
    assert_string_equal(made.user_id, "u-one");
    assert_string_equal(made.title, "first");
    assert_string_equal(made.metadata, "{}");
    assert_null(made.model);             /* nullable text not given: NULL */
    assert_false(made.deleted_at.valid); /* nullable timestamp: not valid */
    assert_non_null(made._mem);

    assert_int_equal(db_get_conversation(g_pool, id, &got), 0);
    assert_true(pqg_uuid_equal(got.id, id));
    assert_string_equal(got.title, "first");
    assert_true(got.created_at > 0);
    db_conversation_free(&got);
    assert_null(got._mem); /* _free zeroes */
    db_conversation_free(&got); /* and is safe twice */
    db_conversation_free(NULL);

    missing.bytes[15] = 1;
    assert_int_equal(db_get_conversation(g_pool, missing, &got), PQG_ENOTFOUND);
    assert_null(got._mem);
    db_conversation_free(&made);
}

static int
count_row(const db_list_messages_by_roles_row *row, void *userdata)
{
    int *n = userdata;
    assert_non_null(row->content);
    (*n)++;
    return 0;
}

static int
stop_at_first(const db_list_messages_by_roles_row *row, void *userdata)
{
    (void)row;
    (void)userdata;
    return 7;
}

static void
test_enums_and_many(void **state)
{
    db_conversation conv = {0};
    db_list_messages_by_roles_rows rows = {0};
    db_message_role want[1] = {DB_MESSAGE_ROLE_ASSISTANT};
    db_message_role_array roles = {want, 1};
    static const db_message_role sequence[] = {DB_MESSAGE_ROLE_USER, DB_MESSAGE_ROLE_ASSISTANT,
                                               DB_MESSAGE_ROLE_USER, DB_MESSAGE_ROLE_ASSISTANT};
    int n = 0;
    (void)state;

    create_conversation("u-many", NULL, &conv);
    for (size_t i = 0; i < 4; i++) {
        db_create_message_params p = {.conversation_id = conv.id, .role = sequence[i],
                                      .content = i % 2 ? "answer" : "question",
                                      .token_count = {.value = 10, .valid = i == 0},
                                      .metadata = "{\"k\": 1}"};
        db_create_message_row m = {0};
        int rc = db_create_message(g_pool, &p, &m);
        if (rc != 0)
            fail_msg("CreateMessage: %s: %s", pqg_err_name(rc), pqg_last_error()->message);
        assert_int_equal(m.role, sequence[i]);
        assert_int_equal(m.token_count.valid, i == 0);
        db_create_message_row_free(&m);
    }

    /* An enum-array parameter, enum decoding, one block for all rows. */
    assert_int_equal(db_list_messages_by_roles(g_pool, conv.id, roles, &rows), 0);
    assert_int_equal(rows.len, 2);
    for (size_t i = 0; i < rows.len; i++) {
        assert_int_equal(rows.rows[i].role, DB_MESSAGE_ROLE_ASSISTANT);
        assert_string_equal(rows.rows[i].content, "answer");
        assert_null(rows.rows[i]._mem);
    }
    assert_true(rows.rows[0].seq < rows.rows[1].seq);
    assert_ptr_equal(rows._mem, rows.rows);
    db_list_messages_by_roles_rows_free(&rows);
    assert_int_equal(rows.len, 0);

    /* Streaming: every row, then an early stop returning the callback's value. */
    want[0] = DB_MESSAGE_ROLE_USER;
    assert_int_equal(db_list_messages_by_roles_each(g_pool, conv.id, roles, count_row, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(db_list_messages_by_roles_each(g_pool, conv.id, roles, stop_at_first, NULL),
                     7);
    /* The connection is still usable afterwards. */
    assert_int_equal(db_list_messages_by_roles(g_pool, conv.id, roles, &rows), 0);
    assert_int_equal(rows.len, 2);
    db_list_messages_by_roles_rows_free(&rows);

    /* Enum text conversions. */
    {
        db_message_role r;
        assert_string_equal(db_message_role_to_string(DB_MESSAGE_ROLE_TOOL), "tool");
        assert_null(db_message_role_to_string((db_message_role)0));
        assert_int_equal(db_message_role_from_string("system", &r), 0);
        assert_int_equal(r, DB_MESSAGE_ROLE_SYSTEM);
        assert_int_equal(db_message_role_from_string("nobody", &r), PQG_EINVAL);
    }
    db_conversation_free(&conv);
}

static void
test_exec_kinds(void **state)
{
    db_conversation conv = {0}, got = {0};
    int64_t affected = -1;
    pqg_exec_result res;
    pqg_interval none = {0};
    (void)state;

    create_conversation("u-exec", "old", &conv);
    assert_int_equal(db_update_conversation_title(g_pool, "new", conv.id, &affected), 0);
    assert_int_equal(affected, 1);
    assert_int_equal(db_update_conversation_title(g_pool, "x", (pqg_uuid){{0}}, &affected), 0);
    assert_int_equal(affected, 0);
    assert_int_equal(db_update_conversation_title(g_pool, NULL, conv.id, NULL), 0);
    assert_int_equal(db_get_conversation(g_pool, conv.id, &got), 0);
    assert_null(got.title); /* a NULL pointer bound SQL NULL */
    db_conversation_free(&got);

    assert_int_equal(db_touch_conversation(g_pool, conv.id), 0);
    assert_int_equal(db_soft_delete_conversation(g_pool, conv.id, "u-exec", &affected), 0);
    assert_int_equal(affected, 1);
    assert_int_equal(db_get_conversation(g_pool, conv.id, &got), PQG_ENOTFOUND);
    assert_int_equal(db_purge_deleted_conversations(g_pool, none, &res), 0);
    assert_true(res.rows_affected >= 1);
    assert_non_null(strstr(res.command_tag, "DELETE"));
    db_conversation_free(&conv);
}

static void
test_querier_and_json(void **state)
{
    db_conversation conv = {0}, got = {0};
    json_t *j;
    (void)state;

    /* The interface is bound to the real functions. */
    assert_ptr_equal(db_querier_default.get_conversation, db_get_conversation);
    create_conversation("u-json", "t\"q", &conv);
    assert_int_equal(db_querier_default.get_conversation(g_pool, conv.id, &got), 0);

    j = db_conversation_to_json(&got);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "user_id")), "u-json");
    assert_string_equal(json_string_value(json_object_get(j, "title")), "t\"q");
    assert_true(json_is_object(json_object_get(j, "metadata"))); /* jsonb as JSON, not a string */
    assert_true(json_is_null(json_object_get(j, "deleted_at")));
    assert_int_equal(json_string_length(json_object_get(j, "id")), 36);
    assert_non_null(strchr(json_string_value(json_object_get(j, "created_at")), 'T'));
    json_decref(j);
    assert_null(db_conversation_to_json(NULL));
    db_conversation_free(&got);
    db_conversation_free(&conv);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_set),
        cmocka_unit_test(test_one_roundtrip_and_not_found),
        cmocka_unit_test(test_enums_and_many),
        cmocka_unit_test(test_exec_kinds),
        cmocka_unit_test(test_querier_and_json),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
