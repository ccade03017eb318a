/*
 * test_app_tools.c - every generated function of queries/tools.sql against a real PostgreSQL:
 * the tool registry (upsert in place, enum-array allowed_roles, intervals), and the tool-call
 * queue: claiming with SKIP LOCKED from two transactions, starting (a stale start finds no row),
 * completing with jsonb, bytea with zero bytes and exact numeric cost, retries, ON DELETE CASCADE.
 * Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"
#include "json.h"

#define COUNTER(name, type)                                                                    \
    static int name(const type *row, void *userdata)                                           \
    {                                                                                          \
        (void)row;                                                                             \
        (*(int *)userdata)++;                                                                  \
        return 0;                                                                              \
    }
COUNTER(count_role, db_list_tools_for_role_row)
COUNTER(count_claim, db_claim_pending_tool_calls_row)
COUNTER(count_calls, db_list_tool_calls_for_message_row)

/* What the StartToolCall (:batchone) callback saw. */
struct start_log {
    int n;
    int rc[4];
    bool had_row[4];
    int64_t id[4];
    int16_t attempt[4];
};

static int
log_start(size_t i, int rc, const db_start_tool_call_row *row, void *userdata)
{
    struct start_log *log = userdata;

    assert_int_equal(i, (size_t)log->n);
    log->rc[i] = rc;
    log->had_row[i] = row != NULL;
    if (row) {
        log->id[i] = row->id;
        log->attempt[i] = row->attempt;
    }
    log->n++;
    return 0;
}

static db_tool
upsert_tool(const char *name, const db_message_role *roles, size_t n_roles, bool enabled,
            pqg_interval timeout, int16_t retries)
{
    db_upsert_tool_params p = {
        .name = name, .description = "does things",
        .parameters = "{\"type\": \"object\", \"properties\": {\"q\": {\"type\": \"string\"}}}",
        .allowed_roles = {(db_message_role *)roles, n_roles}, .enabled = enabled,
        .call_timeout = timeout, .max_retries = retries};
    db_tool t = {0};

    APP_OK(db_upsert_tool(app_db, &p, &t));
    return t;
}

/* The same tool as upsert_tool, written with plain SQL and read back with GetToolByName: the
 * tests of the call queue do not depend on UpsertTool (see test_tool_registry). */
static db_tool
make_tool(const char *name, const char *roles, bool enabled, const char *timeout, int retries)
{
    char retr[16];
    const char *params[5] = {name, roles, enabled ? "true" : "false", timeout, retr};
    PGresult *r;
    db_tool t = {0};

    snprintf(retr, sizeof retr, "%d", retries);
    r = PQexecParams(app_raw,
                     "INSERT INTO tools (name, description, allowed_roles, enabled, call_timeout,"
                     " max_retries) VALUES ($1, 'does things', $2::message_role[], $3::boolean, "
                     "$4::interval, $5::smallint) ON CONFLICT (name) DO UPDATE SET allowed_roles ="
                     " EXCLUDED.allowed_roles, enabled = EXCLUDED.enabled, call_timeout = "
                     "EXCLUDED.call_timeout, max_retries = EXCLUDED.max_retries",
                     5, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("insert tool: %s", PQerrorMessage(app_raw));
    PQclear(r);
    APP_OK(db_get_tool_by_name(app_db, name, &t));
    return t;
}

/* A message to hang tool calls on. */
static pqg_uuid
new_message(const char *user)
{
    db_create_conversation_params cp = {.user_id = user, .metadata = "{}"};
    db_conversation c = {0};
    db_create_message_params mp = {.role = DB_MESSAGE_ROLE_ASSISTANT, .content = "calling tools",
                                   .metadata = "{}"};
    db_create_message_row m = {0};
    pqg_uuid id;

    APP_OK(db_create_conversation(app_db, &cp, &c));
    mp.conversation_id = c.id;
    APP_OK(db_create_message(app_db, &mp, &m));
    id = m.id;
    db_create_message_row_free(&m);
    db_conversation_free(&c);
    return id;
}

/* Upsert creates, then updates in place (same id, created_at kept); enum arrays and intervals
 * round trip; GetToolByName; the max_retries CHECK. */
static void
test_tool_registry(void **state)
{
    const db_message_role roles1[2] = {DB_MESSAGE_ROLE_ASSISTANT, DB_MESSAGE_ROLE_TOOL};
    const db_message_role roles2[3] = {DB_MESSAGE_ROLE_SYSTEM, DB_MESSAGE_ROLE_USER,
                                       DB_MESSAGE_ROLE_ASSISTANT};
    pqg_interval odd = {.months = 1, .days = 2, .usec = 3 * APP_USEC_PER_SEC + 4};
    db_tool t1, t2, got = {0};
    char buf[128];
    (void)state;

    t1 = upsert_tool("web_search", roles1, 2, true, odd, 3);
    assert_true(t1.id > 0);
    assert_string_equal(t1.name, "web_search");
    assert_int_equal(t1.allowed_roles.len, 2);
    assert_int_equal(t1.allowed_roles.items[0], DB_MESSAGE_ROLE_ASSISTANT);
    assert_int_equal(t1.allowed_roles.items[1], DB_MESSAGE_ROLE_TOOL);
    json_t *tj = db_tool_to_json(&t1);
    char *tjs = json_dumps(json_object_get(tj, "allowed_roles"), JSON_COMPACT);
    assert_string_equal(tjs, "[\"assistant\",\"tool\"]");
    free(tjs);
    json_decref(tj);
    assert_int_equal(t1.call_timeout.months, 1);
    assert_int_equal(t1.call_timeout.days, 2);
    assert_int_equal(t1.call_timeout.usec, 3000004);
    assert_int_equal(t1.max_retries, 3);
    assert_true(t1.enabled);
    app_assert_json_eq(t1.parameters, "{\"properties\": {\"q\": {\"type\": \"string\"}}, "
                                      "\"type\": \"object\"}");
    app_sql_value(buf, sizeof buf, "SELECT call_timeout::text || ' ' || allowed_roles::text "
                  "FROM tools WHERE name = 'web_search'", 0, NULL);
    assert_string_equal(buf, "1 mon 2 days 00:00:03.000004 {assistant,tool}");

    app_sql("UPDATE tools SET created_at = '2001-02-03 04:05:06.789012+00' WHERE name = "
            "'web_search'");
    t2 = upsert_tool("web_search", roles2, 3, false, (pqg_interval){.usec = 1500000}, 0);
    assert_int_equal(t2.id, t1.id);
    assert_int_equal(t2.created_at, app_ts(2001, 2, 3, 4, 5, 6, 789012));
    assert_true(t2.updated_at > t2.created_at);
    assert_int_equal(t2.allowed_roles.len, 3);
    assert_int_equal(t2.allowed_roles.items[0], DB_MESSAGE_ROLE_SYSTEM);
    assert_int_equal(t2.allowed_roles.items[2], DB_MESSAGE_ROLE_ASSISTANT);
    assert_false(t2.enabled);
    assert_int_equal(t2.call_timeout.usec, 1500000);
    assert_int_equal(t2.call_timeout.days, 0);
    assert_int_equal(t2.call_timeout.months, 0);
    assert_int_equal(app_sql_int("SELECT count(*) FROM tools", 0, NULL), 1);

    APP_OK(db_get_tool_by_name(app_db, "web_search", &got));
    assert_int_equal(got.id, t1.id);
    assert_int_equal(got.max_retries, 0);
    assert_int_equal(got.allowed_roles.len, 3);
    db_tool_free(&got);
    APP_RC(PQG_ENOTFOUND, db_get_tool_by_name(app_db, "nope", &got));

    /* An empty enum array is allowed and comes back empty. */
    db_tool_free(&t2);
    t2 = upsert_tool("no_roles", roles1, 0, true, (pqg_interval){0}, 0);
    assert_int_equal(t2.allowed_roles.len, 0);
    app_sql_value(buf, sizeof buf, "SELECT allowed_roles::text FROM tools WHERE name = 'no_roles'",
                  0, NULL);
    assert_string_equal(buf, "{}");

    /* CHECK (max_retries >= 0). */
    {
        db_upsert_tool_params p = {.name = "bad", .description = "", .parameters = "{}",
                                   .allowed_roles = {(db_message_role *)roles1, 1},
                                   .max_retries = -1};
        APP_RC(PQG_ECONSTRAINT, db_upsert_tool(app_db, &p, &got));
        assert_true(pqg_error_is_check_violation(pqg_last_error()));
    }
    db_tool_free(&t1);
    db_tool_free(&t2);
}

/* ListToolsForRole: enum parameter against an enum array column; SetToolEnabled. */
static void
test_tools_for_role(void **state)
{
    db_tool a, b, c;
    db_list_tools_for_role_rows rows = {0};
    int64_t affected = -1;
    int n = 0;
    (void)state;

    a = make_tool("role_a", "{user,assistant}", true, "1 day", 1);
    b = make_tool("role_b", "{system}", true, "5 microseconds", 2);
    c = make_tool("role_c", "{user,assistant}", false, "0", 0);

    APP_OK(db_list_tools_for_role(app_db, DB_MESSAGE_ROLE_USER, &rows));
    assert_int_equal(rows.len, 1); /* role_c is disabled */
    assert_string_equal(rows.rows[0].name, "role_a");
    assert_int_equal(rows.rows[0].id, a.id);
    assert_int_equal(rows.rows[0].call_timeout.days, 1);
    assert_int_equal(rows.rows[0].max_retries, 1);
    assert_string_equal(rows.rows[0].description, "does things");
    db_list_tools_for_role_rows_free(&rows);

    APP_OK(db_set_tool_enabled(app_db, true, "role_c", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_set_tool_enabled(app_db, true, "missing_tool", &affected));
    assert_int_equal(affected, 0);
    APP_OK(db_list_tools_for_role_each(app_db, DB_MESSAGE_ROLE_ASSISTANT, count_role, &n));
    assert_int_equal(n, 2);
    APP_OK(db_list_tools_for_role(app_db, DB_MESSAGE_ROLE_SYSTEM, &rows));
    assert_int_equal(rows.len, 1);
    assert_int_equal(rows.rows[0].call_timeout.usec, 5);
    db_list_tools_for_role_rows_free(&rows);
    APP_OK(db_list_tools_for_role(app_db, DB_MESSAGE_ROLE_TOOL, &rows));
    assert_int_equal(rows.len, 0);
    db_list_tools_for_role_rows_free(&rows);
    /* Leave the registry as other tests expect: only enabled tools matter there. */
    APP_OK(db_set_tool_enabled(app_db, false, "role_a", NULL));
    APP_OK(db_set_tool_enabled(app_db, false, "role_b", NULL));
    APP_OK(db_set_tool_enabled(app_db, false, "role_c", NULL));
    db_tool_free(&a);
    db_tool_free(&b);
    db_tool_free(&c);
}

/* The queue: two workers claim disjoint batches with SKIP LOCKED; StartToolCall twice for the
 * same call (the second finds no row); completion with every result type; the blob. */
static void
test_tool_call_lifecycle(void **state)
{
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0x00, 0x00, 0x00,
                                  0x0d, 'I',  'H', 'D', 'R',  0x00, 0x00, 0x00, 0x00};
    db_tool tool = make_tool("lifecycle", "{assistant}", true, "30 seconds", 2);
    pqg_uuid msg = new_message("u-calls");
    db_create_tool_call_row calls[3];
    db_claim_pending_tool_calls_rows w1 = {0}, w2 = {0};
    struct start_log st = {0};
    db_list_tool_calls_for_message_rows list = {0};
    db_get_tool_call_blob_row blob = {0};
    pqg_db *tx1 = NULL, *tx2 = NULL;
    int64_t affected = -1;
    int n = 0;
    char buf[64], idtext[32];
    const char *params[1] = {idtext};
    (void)state;

    for (int i = 0; i < 3; i++) {
        char args[64];
        snprintf(args, sizeof args, "{\"q\": \"query %d\", \"n\": %d}", i, i);
        APP_OK(db_create_tool_call(app_db, msg, tool.id, args, &calls[i]));
        assert_int_equal(calls[i].status, DB_TOOL_CALL_STATUS_PENDING);
        assert_true(calls[i].created_at > 0);
    }
    /* Distinct created_at so the queue order is known. */
    app_sql("UPDATE tool_calls SET created_at = '2030-01-01+00'::timestamptz + id * interval "
            "'1 second'");

    /* Worker 1 claims two in its transaction; worker 2 skips the locked ones. */
    APP_OK(pqg_begin(app_db, NULL, &tx1));
    APP_OK(pqg_begin(app_db, NULL, &tx2));
    APP_OK(db_claim_pending_tool_calls(tx1, 2, &w1));
    assert_int_equal(w1.len, 2);
    assert_int_equal(w1.rows[0].id, calls[0].id);
    assert_int_equal(w1.rows[1].id, calls[1].id);
    assert_string_equal(w1.rows[0].tool_name, "lifecycle");
    assert_int_equal(w1.rows[0].tool_id, tool.id);
    assert_true(pqg_uuid_equal(w1.rows[0].message_id, msg));
    app_assert_json_eq(w1.rows[1].arguments, "{\"n\": 1, \"q\": \"query 1\"}");
    assert_int_equal(w1.rows[0].attempt, 0);
    assert_int_equal(w1.rows[0].call_timeout.usec, 30000000);
    assert_int_equal(w1.rows[0].max_retries, 2);
    db_claim_pending_tool_calls_rows_free(&w1);
    APP_OK(db_claim_pending_tool_calls(tx2, 10, &w2));
    assert_int_equal(w2.len, 1);
    assert_int_equal(w2.rows[0].id, calls[2].id);
    db_claim_pending_tool_calls_rows_free(&w2);
    APP_OK(db_claim_pending_tool_calls_each(tx2, 10, count_claim, &n));
    assert_int_equal(n, 1); /* tx2 holds its own lock: it sees its row again */

    /* StartToolCall (:batchone) inside the claiming transaction. */
    {
        db_start_tool_call_params item = {.id = calls[0].id};
        APP_OK(db_start_tool_call(tx1, &item, 1, log_start, &st));
        assert_int_equal(st.n, 1);
        assert_int_equal(st.rc[0], 0);
        assert_int_equal(st.id[0], calls[0].id);
        assert_int_equal(st.attempt[0], 1);
    }
    APP_OK(pqg_commit(tx1));
    APP_OK(pqg_rollback(tx2));
    /* Starting call 0 again (it is running: no row, another worker got there first) and call 1
     * in one batch: item 0 gets PQG_ENOTFOUND, which fails neither the batch nor item 1. */
    {
        db_start_tool_call_params items[2] = {{.id = calls[0].id}, {.id = calls[1].id}};
        memset(&st, 0, sizeof st);
        APP_OK(db_start_tool_call(app_db, items, 2, log_start, &st));
        assert_int_equal(st.n, 2);
        assert_int_equal(st.rc[0], PQG_ENOTFOUND);
        assert_false(st.had_row[0]);
        assert_int_equal(st.rc[1], 0);
        assert_int_equal(st.id[1], calls[1].id);
        assert_int_equal(st.attempt[1], 1);
        assert_int_equal(app_sql_int("SELECT count(*) FROM tool_calls WHERE status = 'running'",
                                     0, NULL), 2);
    }

    /* Complete call 0 with JSON, a binary blob with zero bytes, exact cost and latency. */
    {
        db_complete_tool_call_params cp = {
            .status = DB_TOOL_CALL_STATUS_SUCCEEDED,
            .result = "{\"hits\": [{\"title\": \"\xE6\x9D\xB1\xE4\xBA\xAC\", \"score\": 0.5}]}",
            .result_blob = {png, sizeof png}, .result_mime = "image/png",
            .latency_ms = {.value = 12.375, .valid = true}, .cost_usd = "0.000123",
            .id = calls[0].id};
        APP_OK(db_complete_tool_call(app_db, &cp, &affected));
        assert_int_equal(affected, 1);
        /* Completing a finished call again affects nothing. */
        APP_OK(db_complete_tool_call(app_db, &cp, &affected));
        assert_int_equal(affected, 0);
    }
    /* Call 1 fails: NULL result, blob, mime, cost; an error text. */
    {
        db_complete_tool_call_params cp = {.status = DB_TOOL_CALL_STATUS_FAILED,
                                           .error = "timeout after 30 s",
                                           .latency_ms = {.value = 30000.5, .valid = true},
                                           .id = calls[1].id};
        APP_OK(db_complete_tool_call(app_db, &cp, &affected));
        assert_int_equal(affected, 1);
    }
    snprintf(idtext, sizeof idtext, "%lld", (long long)calls[0].id);
    app_sql_value(buf, sizeof buf, "SELECT cost_usd::text FROM tool_calls WHERE id = $1::bigint",
                  1, params);
    assert_string_equal(buf, "0.000123");

    APP_OK(db_get_tool_call_blob(app_db, calls[0].id, &blob));
    assert_int_equal(blob.result_blob.len, sizeof png);
    assert_memory_equal(blob.result_blob.data, png, sizeof png);
    assert_string_equal(blob.result_mime, "image/png");
    db_get_tool_call_blob_row_free(&blob);
    APP_OK(db_get_tool_call_blob(app_db, calls[1].id, &blob));
    assert_null(blob.result_blob.data);
    assert_null(blob.result_mime);
    db_get_tool_call_blob_row_free(&blob);
    APP_RC(PQG_ENOTFOUND, db_get_tool_call_blob(app_db, 999999, &blob));

    APP_OK(db_list_tool_calls_for_message(app_db, msg, &list));
    assert_int_equal(list.len, 3);
    assert_int_equal(list.rows[0].status, DB_TOOL_CALL_STATUS_SUCCEEDED);
    app_assert_json_eq(list.rows[0].result,
                       "{\"hits\": [{\"score\": 0.5, \"title\": \"\xE6\x9D\xB1\xE4\xBA\xAC\"}]}");
    assert_null(list.rows[0].error);
    assert_true(list.rows[0].latency_ms.valid);
    assert_true(list.rows[0].latency_ms.value == 12.375);
    assert_true(list.rows[0].completed_at.valid);
    assert_int_equal(list.rows[0].created_at, app_ts(2030, 1, 1, 0, 0, (int)calls[0].id, 0));
    assert_string_equal(list.rows[0].tool_name, "lifecycle");
    assert_int_equal(list.rows[1].status, DB_TOOL_CALL_STATUS_FAILED);
    assert_null(list.rows[1].result);
    assert_string_equal(list.rows[1].error, "timeout after 30 s");
    assert_true(list.rows[1].latency_ms.value == 30000.5);
    assert_int_equal(list.rows[2].status, DB_TOOL_CALL_STATUS_PENDING);
    assert_false(list.rows[2].latency_ms.valid);
    assert_false(list.rows[2].completed_at.valid);
    assert_null(list.rows[2].result);
    db_list_tool_calls_for_message_rows_free(&list);
    n = 0;
    APP_OK(db_list_tool_calls_for_message_each(app_db, msg, count_calls, &n));
    assert_int_equal(n, 3);

    for (int i = 0; i < 3; i++)
        db_create_tool_call_row_free(&calls[i]);
    db_tool_free(&tool);
}

/* CompleteToolCall binds cost_usd as exact decimal text: the server stores exactly it (no
 * tools.sql query returns the cost; test_app_ops checks the numeric decoder on aggregates). */
static void
test_cost_numeric_exact(void **state)
{
    db_tool tool = make_tool("costly", "{assistant}", true, "0", 0);
    pqg_uuid msg = new_message("u-cost");
    const char *in[5] = {"0.000123", "1", "123456.789012", "-0.5", "0.0000004"};
    const char *want[5] = {"0.000123", "1.000000", "123456.789012", "-0.500000", "0.000000"};
    (void)state;

    for (int i = 0; i < 5; i++) {
        db_create_tool_call_row c = {0};
        db_complete_tool_call_params cp = {.status = DB_TOOL_CALL_STATUS_SUCCEEDED,
                                           .cost_usd = in[i]};
        char idtext[32], buf[64];
        const char *params[1] = {idtext};

        APP_OK(db_create_tool_call(app_db, msg, tool.id, "{}", &c));
        cp.id = c.id;
        APP_OK(db_complete_tool_call(app_db, &cp, NULL));
        snprintf(idtext, sizeof idtext, "%lld", (long long)c.id);
        app_sql_value(buf, sizeof buf,
                      "SELECT cost_usd::text FROM tool_calls WHERE id = $1::bigint", 1, params);
        assert_string_equal(buf, want[i]);
        db_create_tool_call_row_free(&c);
    }
    /* numeric(12,6) overflow is a server error, reported as such. */
    {
        db_create_tool_call_row c = {0};
        db_complete_tool_call_params cp = {.status = DB_TOOL_CALL_STATUS_SUCCEEDED,
                                           .cost_usd = "12345678.9"};
        int rc;
        APP_OK(db_create_tool_call(app_db, msg, tool.id, "{}", &c));
        cp.id = c.id;
        rc = db_complete_tool_call(app_db, &cp, NULL);
        assert_true(rc < 0);
        assert_string_equal(pqg_last_error()->sqlstate, "22003");
        db_create_tool_call_row_free(&c);
    }
    db_tool_free(&tool);
}

/* RetryFailedToolCalls: only failed calls within max_retries and max_age go back to pending. */
static void
test_retry_failed_and_cascade(void **state)
{
    db_tool tool = make_tool("flaky", "{assistant}", true, "0", 1);
    pqg_uuid msg = new_message("u-retry");
    db_create_tool_call_row c[3];
    db_list_tool_calls_for_message_rows list = {0};
    int64_t affected = -1;
    const char *params[1];
    (void)state;

    for (int i = 0; i < 3; i++) {
        db_start_tool_call_params item;
        db_complete_tool_call_params cp = {.status = DB_TOOL_CALL_STATUS_FAILED, .error = "boom"};
        APP_OK(db_create_tool_call(app_db, msg, tool.id, "{}", &c[i]));
        item.id = c[i].id;
        APP_OK(db_start_tool_call(app_db, &item, 1, NULL, NULL)); /* attempt 1 */
        cp.id = c[i].id;
        APP_OK(db_complete_tool_call(app_db, &cp, NULL));
    }
    /* Only this test's calls are failed: earlier tests' failures are cancelled. c[1]: too many
     * attempts; c[2]: too old. */
    {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE tool_calls SET status = 'cancelled' WHERE status = "
                 "'failed' AND message_id <> '%s'", app_uuid_str(msg));
        app_sql(sql);
    }
    {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE tool_calls SET attempt = 2 WHERE id = %lld",
                 (long long)c[1].id);
        app_sql(sql);
        snprintf(sql, sizeof sql, "UPDATE tool_calls SET created_at = now() - interval '2 days' "
                 "WHERE id = %lld", (long long)c[2].id);
        app_sql(sql);
    }
    APP_OK(db_retry_failed_tool_calls(app_db, (pqg_interval){.days = 1}, &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_list_tool_calls_for_message(app_db, msg, &list));
    assert_int_equal(list.len, 3);
    assert_int_equal(list.rows[0].status, DB_TOOL_CALL_STATUS_PENDING);
    assert_null(list.rows[0].error);
    assert_false(list.rows[0].completed_at.valid);
    assert_int_equal(list.rows[1].status, DB_TOOL_CALL_STATUS_FAILED);
    assert_int_equal(list.rows[2].status, DB_TOOL_CALL_STATUS_FAILED);
    db_list_tool_calls_for_message_rows_free(&list);
    APP_OK(db_retry_failed_tool_calls(app_db, (pqg_interval){.months = 1}, &affected));
    assert_int_equal(affected, 1); /* now c[2] is young enough; c[1] still over the limit */

    /* Deleting the message cascades to its tool calls. */
    params[0] = app_uuid_str(msg);
    PQclear(PQexecParams(app_raw, "DELETE FROM messages WHERE id = $1", 1, NULL, params, NULL,
                         NULL, 0));
    APP_OK(db_list_tool_calls_for_message(app_db, msg, &list));
    assert_int_equal(list.len, 0);
    db_list_tool_calls_for_message_rows_free(&list);
    assert_int_equal(app_sql_int("SELECT count(*) FROM tool_calls WHERE message_id = $1", 1,
                                 params), 0);
    /* A call for a missing message or tool violates a foreign key. */
    {
        db_create_tool_call_row out = {0};
        APP_RC(PQG_ECONSTRAINT, db_create_tool_call(app_db, msg, tool.id, "{}", &out));
        assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));
    }
    for (int i = 0; i < 3; i++)
        db_create_tool_call_row_free(&c[i]);
    db_tool_free(&tool);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("tools", 0);
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
        cmocka_unit_test(test_tool_registry),
        cmocka_unit_test(test_tools_for_role),
        cmocka_unit_test(test_tool_call_lifecycle),
        cmocka_unit_test(test_cost_numeric_exact),
        cmocka_unit_test(test_retry_failed_and_cascade),
    };
    return cmocka_run_group_tests_name("app_tools", tests, setup, teardown);
}
