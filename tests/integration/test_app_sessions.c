/*
 * test_app_sessions.c - every generated function of queries/sessions.sql, queries/key_value.sql
 * and queries/agent_states.sql against a real PostgreSQL: optimistic locking (a stale version
 * gets PQG_ENOTFOUND from the :one update), jsonb paths, expiry hiding and purging rows, TTLs as
 * intervals (also negative, already expired), upserts updating in place, counters, text[]
 * parameters, the agent_states cascade. Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"

#define COUNTER(name, type)                                                                    \
    static int name(const type *row, void *userdata)                                           \
    {                                                                                          \
        (void)row;                                                                             \
        (*(int *)userdata)++;                                                                  \
        return 0;                                                                              \
    }
COUNTER(count_user_sessions, db_list_user_sessions_row)
COUNTER(count_values, db_get_values_row)
COUNTER(count_keys, db_list_keys_row)
COUNTER(count_for_session, db_list_agent_states_for_session_row)
COUNTER(count_states, db_list_agent_states_row)

static const pqg_interval one_hour = {.usec = 3600 * APP_USEC_PER_SEC};
static const pqg_interval minus_one_sec = {.usec = -APP_USEC_PER_SEC};

static db_session
new_session(const char *id, const char *user, const char *data, pqg_null_timestamp expires)
{
    db_create_session_params p = {.id = id, .user_id = user, .data = data ? data : "{}",
                                  .expires_at = expires};
    db_session s = {0};

    APP_OK(db_create_session(app_db, &p, &s));
    return s;
}

/* ---- sessions ---- */

/* Create/get, anonymous sessions, GetSessionField, optimistic locking on whole data. */
static void
test_session_optimistic_locking(void **state)
{
    pqg_timestamp exp = app_ts(2099, 1, 2, 3, 4, 5, 678901);
    db_session s, got = {0};
    int32_t version = -1;
    db_get_session_field_row f = {0};
    (void)state;

    s = new_session("sess-lock", "u-1",
                    "{\"cart\": {\"items\": [1, 2]}, \"lang\": \"\xE6\x97\xA5\xE6\x9C\xAC\"}",
                    (pqg_null_timestamp){.value = exp, .valid = true});
    assert_string_equal(s.id, "sess-lock");
    assert_string_equal(s.user_id, "u-1");
    assert_int_equal(s.version, 1);
    assert_true(s.expires_at.valid);
    assert_int_equal(s.expires_at.value, exp);
    APP_OK(db_get_session(app_db, "sess-lock", &got));
    app_assert_json_eq(got.data, "{\"lang\": \"\xE6\x97\xA5\xE6\x9C\xAC\", \"cart\": {\"items\": "
                                 "[1, 2]}}");
    assert_int_equal(got.created_at, s.created_at);
    db_session_free(&got);

    APP_OK(db_get_session_field(app_db, "lang", "sess-lock", &f));
    assert_string_equal(f.value, "\xE6\x97\xA5\xE6\x9C\xAC");
    db_get_session_field_row_free(&f);
    APP_OK(db_get_session_field(app_db, "cart", "sess-lock", &f));
    app_assert_json_eq(f.value, "{\"items\": [1, 2]}"); /* ->> gives the JSON text of objects */
    db_get_session_field_row_free(&f);
    APP_OK(db_get_session_field(app_db, "absent", "sess-lock", &f));
    assert_null(f.value); /* the row exists, the value is NULL */
    db_get_session_field_row_free(&f);
    APP_RC(PQG_ENOTFOUND, db_get_session_field(app_db, "lang", "no-such-session", &f));

    /* Two writers read version 1; the first wins, the second sees no row. */
    APP_OK(db_update_session_data(app_db, "{\"v\": \"first\"}", "sess-lock", 1, &version));
    assert_int_equal(version, 2);
    APP_RC(PQG_ENOTFOUND, db_update_session_data(app_db, "{\"v\": \"second\"}", "sess-lock", 1,
                                                 &version));
    assert_int_equal(version, 0); /* *version zeroed on error */
    APP_OK(db_get_session(app_db, "sess-lock", &got));
    app_assert_json_eq(got.data, "{\"v\": \"first\"}");
    assert_int_equal(got.version, 2);
    assert_true(got.updated_at >= got.created_at);
    db_session_free(&got);
    /* The loser re-reads and retries with version 2. */
    APP_OK(db_update_session_data(app_db, "{\"v\": \"second\"}", "sess-lock", 2, &version));
    assert_int_equal(version, 3);
    db_session_free(&s);
}

/* SetSessionPath: jsonb_set at a text[] path (created when missing), with optimistic locking. */
static void
test_session_set_path(void **state)
{
    const char *path[2] = {"cart", "items"};
    const char *deep[3] = {"prefs", "\xE8\x89\xB2", "v"};
    db_session s;
    db_set_session_path_row r = {0};
    db_set_session_path_params p = {.path = {path, 2}, .value = "[\"book\", {\"qty\": 2}]",
                                    .id = "sess-path", .expected_version = 1};
    (void)state;

    s = new_session("sess-path", NULL, "{\"cart\": {\"total\": 0}, \"prefs\": {}}",
                    (pqg_null_timestamp){0});
    assert_null(s.user_id);
    assert_false(s.expires_at.valid);
    APP_OK(db_set_session_path(app_db, &p, &r));
    assert_int_equal(r.version, 2);
    app_assert_json_eq(r.data, "{\"cart\": {\"total\": 0, \"items\": [\"book\", {\"qty\": 2}]},"
                               " \"prefs\": {}}");
    db_set_session_path_row_free(&r);
    /* Stale version: no row, nothing changed. */
    p.value = "null";
    APP_RC(PQG_ENOTFOUND, db_set_session_path(app_db, &p, &r));
    /* Intermediate keys must exist for jsonb_set: prefs exists, so prefs.色 is created... */
    p.path = (pqg_array_text){deep, 2};
    p.value = "\"\xE7\xBA\xA2\"";
    p.expected_version = 2;
    APP_OK(db_set_session_path(app_db, &p, &r));
    assert_int_equal(r.version, 3);
    app_assert_json_eq(r.data, "{\"cart\": {\"total\": 0, \"items\": [\"book\", {\"qty\": 2}]},"
                               " \"prefs\": {\"\xE8\x89\xB2\": \"\xE7\xBA\xA2\"}}");
    db_set_session_path_row_free(&r);
    /* ...but a path through a missing key changes nothing (jsonb_set semantics) and still bumps
     * the version. */
    p.path = (pqg_array_text){deep, 3};
    p.value = "1";
    p.expected_version = 3;
    APP_OK(db_set_session_path(app_db, &p, &r));
    assert_int_equal(r.version, 4);
    app_assert_json_eq(r.data, "{\"cart\": {\"total\": 0, \"items\": [\"book\", {\"qty\": 2}]},"
                               " \"prefs\": {\"\xE8\x89\xB2\": \"\xE7\xBA\xA2\"}}");
    db_set_session_path_row_free(&r);
    db_session_free(&s);
}

/* Anonymous sessions get a user once; ExtendSession; expiry hides; ListUserSessions; delete;
 * purge with cascade to agent states. */
static void
test_session_expiry_attach_purge(void **state)
{
    db_session anon, live, dead, got = {0};
    db_list_user_sessions_rows rows = {0};
    db_agent_state as = {0};
    pqg_exec_result res;
    int64_t affected = -1;
    int n = 0;
    pqg_timestamp past = pqg_timestamp_now() - APP_USEC_PER_SEC;
    (void)state;

    anon = new_session("sess-anon", NULL, NULL, (pqg_null_timestamp){0});
    live = new_session("sess-live", "u-exp", NULL,
                       (pqg_null_timestamp){.value = app_ts(2099, 1, 1, 0, 0, 0, 0),
                                            .valid = true});
    dead = new_session("sess-dead", "u-exp", NULL,
                       (pqg_null_timestamp){.value = past, .valid = true});
    APP_OK(db_upsert_agent_state(app_db, "agent-x", "sess-dead", "{}", &as));
    db_agent_state_free(&as);

    /* Expired: invisible to GetSession and ListUserSessions, not extendable. */
    APP_RC(PQG_ENOTFOUND, db_get_session(app_db, "sess-dead", &got));
    APP_OK(db_extend_session(app_db, one_hour, "sess-dead", &affected));
    assert_int_equal(affected, 0);

    APP_OK(db_attach_session_user(app_db, "u-exp", "sess-anon", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_attach_session_user(app_db, "u-thief", "sess-anon", &affected));
    assert_int_equal(affected, 0); /* only anonymous sessions */
    APP_OK(db_get_session(app_db, "sess-anon", &got));
    assert_string_equal(got.user_id, "u-exp");
    assert_int_equal(got.version, 2);
    db_session_free(&got);

    APP_OK(db_extend_session(app_db, one_hour, "sess-anon", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_get_session(app_db, "sess-anon", &got));
    assert_true(got.expires_at.valid);
    {
        /* expires_at = now() + 1 h, as the server computed it, to the microsecond. */
        const char *params[1] = {"sess-anon"};
        long long want = app_sql_int("SELECT (extract(epoch FROM expires_at) * 1000000)::bigint "
                                     "FROM sessions WHERE id = $1", 1, params);
        assert_int_equal(got.expires_at.value, want);
        assert_int_equal(want - (long long)got.updated_at, 3600LL * APP_USEC_PER_SEC);
    }
    db_session_free(&got);

    app_sql("UPDATE sessions SET updated_at = '2030-01-01+00' WHERE id = 'sess-live'");
    APP_OK(db_list_user_sessions(app_db, "u-exp", &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[0].id, "sess-live"); /* most recently used (2030) first */
    assert_int_equal(rows.rows[0].updated_at, app_ts(2030, 1, 1, 0, 0, 0, 0));
    assert_int_equal(rows.rows[0].version, 1);
    assert_string_equal(rows.rows[1].id, "sess-anon");
    assert_true(rows.rows[1].expires_at.valid);
    db_list_user_sessions_rows_free(&rows);
    APP_OK(db_list_user_sessions_each(app_db, "u-exp", count_user_sessions, &n));
    assert_int_equal(n, 2);

    APP_OK(db_purge_expired_sessions(app_db, &res));
    assert_int_equal(res.rows_affected, 1);
    assert_string_equal(res.command_tag, "DELETE 1");
    assert_int_equal(app_sql_int("SELECT count(*) FROM agent_states WHERE session_id = "
                                 "'sess-dead'", 0, NULL), 0); /* cascade */
    APP_OK(db_purge_expired_sessions(app_db, &res));
    assert_int_equal(res.rows_affected, 0);

    APP_OK(db_delete_session(app_db, "sess-anon"));
    APP_RC(PQG_ENOTFOUND, db_get_session(app_db, "sess-anon", &got));
    APP_OK(db_delete_session(app_db, "sess-anon")); /* :exec: deleting nothing is fine */
    /* Duplicate primary key: PQG_ECONFLICT with the constraint named. */
    {
        db_create_session_params p = {.id = "sess-live", .data = "{}"};
        APP_RC(PQG_ECONFLICT, db_create_session(app_db, &p, &got));
        assert_true(pqg_error_is_unique_violation(pqg_last_error()));
        assert_string_equal(pqg_last_error()->constraint, "sessions_pkey");
    }
    db_session_free(&anon);
    db_session_free(&live);
    db_session_free(&dead);
}

/* ---- key_value ---- */

/* SetValue without and with a TTL, overwriting in place (TTL included); GetValue; GetValues. */
static void
test_kv_set_get(void **state)
{
    db_set_value_params p = {.namespace = "ns1", .key = "greeting",
                             .value = "{\"text\": \"\xE4\xBD\xA0\xE5\xA5\xBD\", \"n\": [1]}"};
    db_get_value_row v = {0};
    db_get_values_rows vs = {0};
    const char *keys[4] = {"greeting", "missing", "number", "greeting"};
    int n = 0;
    (void)state;

    APP_OK(db_set_value(app_db, &p));
    APP_OK(db_get_value(app_db, "ns1", "greeting", &v));
    app_assert_json_eq(v.value, "{\"n\": [1], \"text\": \"\xE4\xBD\xA0\xE5\xA5\xBD\"}");
    assert_false(v.expires_at.valid);
    db_get_value_row_free(&v);

    /* Overwrite with a TTL: value and expiry replaced, created_at kept. */
    app_sql("UPDATE key_value SET created_at = '2001-01-01+00' WHERE key = 'greeting'");
    p.value = "\"plain string\"";
    p.ttl = (pqg_null_interval){.value = one_hour, .valid = true};
    APP_OK(db_set_value(app_db, &p));
    APP_OK(db_get_value(app_db, "ns1", "greeting", &v));
    assert_string_equal(v.value, "\"plain string\"");
    assert_true(v.expires_at.valid);
    assert_true(v.expires_at.value > pqg_timestamp_now() + 3500 * APP_USEC_PER_SEC);
    db_get_value_row_free(&v);
    assert_int_equal(app_sql_int("SELECT count(*) FROM key_value WHERE key = 'greeting' AND "
                                 "created_at = '2001-01-01+00' AND ttl = '1 hour'", 0, NULL), 1);
    /* And back to no TTL: NULL ttl clears both. */
    p.ttl.valid = false;
    APP_OK(db_set_value(app_db, &p));
    APP_OK(db_get_value(app_db, "ns1", "greeting", &v));
    assert_false(v.expires_at.valid);
    db_get_value_row_free(&v);

    /* Scalars of every JSON kind. */
    p.key = "number";
    p.value = "12345678901234567890.5";
    APP_OK(db_set_value(app_db, &p));
    APP_OK(db_get_value(app_db, "ns1", "number", &v));
    assert_string_equal(v.value, "12345678901234567890.5"); /* jsonb numbers are numeric: exact */
    db_get_value_row_free(&v);
    /* The same key in another namespace is another entry. */
    APP_RC(PQG_ENOTFOUND, db_get_value(app_db, "ns2", "number", &v));

    APP_OK(db_get_values(app_db, "ns1", (pqg_array_text){keys, 4}, &vs));
    assert_int_equal(vs.len, 2); /* absent keys are missing; the duplicate key matches once */
    for (size_t i = 0; i < vs.len; i++) {
        if (strcmp(vs.rows[i].key, "number") == 0)
            assert_string_equal(vs.rows[i].value, "12345678901234567890.5");
        else
            assert_string_equal(vs.rows[i].key, "greeting");
        assert_false(vs.rows[i].expires_at.valid);
    }
    db_get_values_rows_free(&vs);
    APP_OK(db_get_values_each(app_db, "ns1", (pqg_array_text){keys, 3}, count_values, &n));
    assert_int_equal(n, 2);
}

/* TTL expiry: a value set with a TTL of -1 s is gone from GetValue/GetValues/ListKeys at once
 * and removed by PurgeExpiredValues; SetTTL; DeleteValue. */
static void
test_kv_ttl_expiry_and_purge(void **state)
{
    db_set_value_params p = {.namespace = "ttl", .key = "gone", .value = "1",
                             .ttl = {.value = minus_one_sec, .valid = true}};
    db_get_value_row v = {0};
    db_list_keys_rows keys = {0};
    const char *k[1] = {"gone"};
    db_get_values_rows vs = {0};
    int64_t affected = -1;
    (void)state;

    APP_OK(db_set_value(app_db, &p));
    assert_int_equal(app_sql_int("SELECT count(*) FROM key_value WHERE namespace = 'ttl'", 0,
                                 NULL), 1); /* stored ... */
    APP_RC(PQG_ENOTFOUND, db_get_value(app_db, "ttl", "gone", &v)); /* ... but expired */
    APP_OK(db_get_values(app_db, "ttl", (pqg_array_text){k, 1}, &vs));
    assert_int_equal(vs.len, 0);
    db_get_values_rows_free(&vs);
    p.key = "kept";
    p.ttl = (pqg_null_interval){.value = one_hour, .valid = true};
    APP_OK(db_set_value(app_db, &p));
    p.key = "forever";
    p.ttl.valid = false;
    APP_OK(db_set_value(app_db, &p));

    APP_OK(db_list_keys(app_db, "ttl", "", 10, &keys));
    assert_int_equal(keys.len, 2);
    assert_string_equal(keys.rows[0].key, "forever");
    assert_false(keys.rows[0].expires_at.valid);
    assert_string_equal(keys.rows[1].key, "kept");
    assert_true(keys.rows[1].expires_at.valid);
    db_list_keys_rows_free(&keys);

    /* SetTTL on an expired entry: nothing; on a live one: a new expiry; NULL ttl: no expiry. */
    APP_OK(db_set_ttl(app_db, (pqg_null_interval){.value = one_hour, .valid = true}, "ttl",
                      "gone", &affected));
    assert_int_equal(affected, 0);
    APP_OK(db_set_ttl(app_db, (pqg_null_interval){.value = {.days = 2}, .valid = true}, "ttl",
                      "forever", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_get_value(app_db, "ttl", "forever", &v));
    assert_true(v.expires_at.valid);
    assert_true(v.expires_at.value > pqg_timestamp_now() + 47 * 3600 * APP_USEC_PER_SEC);
    db_get_value_row_free(&v);
    APP_OK(db_set_ttl(app_db, (pqg_null_interval){0}, "ttl", "forever", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_get_value(app_db, "ttl", "forever", &v));
    assert_false(v.expires_at.valid);
    db_get_value_row_free(&v);
    /* SetTTL to -1 s expires it right away. */
    APP_OK(db_set_ttl(app_db, (pqg_null_interval){.value = minus_one_sec, .valid = true}, "ttl",
                      "kept", &affected));
    assert_int_equal(affected, 1);
    APP_RC(PQG_ENOTFOUND, db_get_value(app_db, "ttl", "kept", &v));

    APP_OK(db_purge_expired_values(app_db, &affected));
    assert_int_equal(affected, 2); /* gone and kept */
    assert_int_equal(app_sql_int("SELECT count(*) FROM key_value WHERE namespace = 'ttl'", 0,
                                 NULL), 1);
    APP_OK(db_purge_expired_values(app_db, &affected));
    assert_int_equal(affected, 0);

    APP_OK(db_delete_value(app_db, "ttl", "forever", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_delete_value(app_db, "ttl", "forever", &affected));
    assert_int_equal(affected, 0);
}

/* ListKeys: prefix (also one with LIKE metacharacters, taken literally), order, page size. */
static void
test_kv_list_keys(void **state)
{
    const char *names[6] = {"user:1", "user:2", "user:10", "user_x", "users", "other"};
    db_list_keys_rows rows = {0};
    int n = 0;
    (void)state;

    for (int i = 0; i < 6; i++) {
        db_set_value_params p = {.namespace = "keys", .key = names[i], .value = "true"};
        APP_OK(db_set_value(app_db, &p));
    }
    APP_OK(db_list_keys(app_db, "keys", "user:", 10, &rows));
    assert_int_equal(rows.len, 3);
    assert_string_equal(rows.rows[0].key, "user:1");
    assert_string_equal(rows.rows[1].key, "user:10");
    assert_string_equal(rows.rows[2].key, "user:2");
    assert_true(rows.rows[0].updated_at > 0);
    db_list_keys_rows_free(&rows);
    APP_OK(db_list_keys(app_db, "keys", "user_", 10, &rows));
    assert_int_equal(rows.len, 1); /* starts_with: "_" is not a wildcard */
    assert_string_equal(rows.rows[0].key, "user_x");
    db_list_keys_rows_free(&rows);
    APP_OK(db_list_keys(app_db, "keys", "user", 2, &rows));
    assert_int_equal(rows.len, 2);
    db_list_keys_rows_free(&rows);
    APP_OK(db_list_keys_each(app_db, "keys", "", 100, count_keys, &n));
    assert_int_equal(n, 6);
}

/* IncrementCounter: created at delta, added to, reset (with a fresh expiry) once expired. */
static void
test_kv_counter(void **state)
{
    int64_t counter = 0;
    db_get_value_row v = {0};
    db_set_value_params p = {.namespace = "rate", .key = "ip:1", .value = "100",
                             .ttl = {.value = one_hour, .valid = true}};
    (void)state;

    APP_OK(db_increment_counter(app_db, "rate", "calls", 5, &counter));
    assert_int_equal(counter, 5);
    APP_OK(db_increment_counter(app_db, "rate", "calls", -7, &counter));
    assert_int_equal(counter, -2);
    APP_OK(db_increment_counter(app_db, "rate", "calls", INT64_C(9000000000), &counter));
    assert_int_equal(counter, INT64_C(8999999998));
    APP_OK(db_get_value(app_db, "rate", "calls", &v));
    assert_string_equal(v.value, "8999999998");
    db_get_value_row_free(&v);

    /* A counter with a 1 h TTL whose window ran out: reset to delta, new expiry now + ttl. */
    APP_OK(db_set_value(app_db, &p));
    APP_OK(db_increment_counter(app_db, "rate", "ip:1", 1, &counter));
    assert_int_equal(counter, 101);
    app_sql("UPDATE key_value SET expires_at = now() - interval '1 second' WHERE key = 'ip:1'");
    APP_OK(db_increment_counter(app_db, "rate", "ip:1", 1, &counter));
    assert_int_equal(counter, 1);
    APP_OK(db_get_value(app_db, "rate", "ip:1", &v));
    assert_string_equal(v.value, "1");
    assert_true(v.expires_at.valid);
    assert_true(v.expires_at.value > pqg_timestamp_now() + 3500 * APP_USEC_PER_SEC);
    db_get_value_row_free(&v);
}

/* ---- agent_states ---- */

/* Upsert creates at step 0 and updates in place (step + 1); get; merge; delete; the FK. */
static void
test_agent_state_upsert_merge(void **state)
{
    db_session s;
    db_agent_state a = {0}, b = {0}, got = {0};
    db_merge_agent_state_row m = {0};
    int64_t affected = -1;
    (void)state;

    s = new_session("sess-agent", "u-a", NULL, (pqg_null_timestamp){0});
    APP_OK(db_upsert_agent_state(app_db, "planner", "sess-agent",
                                 "{\"plan\": [\"search\", \"answer\"], \"i\": 0}", &a));
    assert_int_equal(a.step, 0);
    assert_string_equal(a.agent_id, "planner");
    assert_string_equal(a.session_id, "sess-agent");
    app_assert_json_eq(a.state, "{\"i\": 0, \"plan\": [\"search\", \"answer\"]}");
    assert_int_equal(a.created_at, a.updated_at);

    APP_OK(db_upsert_agent_state(app_db, "planner", "sess-agent", "{\"i\": 1}", &b));
    assert_int_equal(b.step, 1);
    assert_int_equal(b.created_at, a.created_at); /* same row */
    app_assert_json_eq(b.state, "{\"i\": 1}"); /* replaced, not merged */
    assert_int_equal(app_sql_int("SELECT count(*) FROM agent_states WHERE agent_id = 'planner'",
                                 0, NULL), 1);

    APP_OK(db_merge_agent_state(app_db, "{\"done\": [\"search\"], \"note\": \"\xE2\x9C\x94\"}",
                                "planner", "sess-agent", &m));
    assert_int_equal(m.step, 2);
    app_assert_json_eq(m.state, "{\"i\": 1, \"done\": [\"search\"], \"note\": \"\xE2\x9C\x94\"}");
    db_merge_agent_state_row_free(&m);
    APP_RC(PQG_ENOTFOUND, db_merge_agent_state(app_db, "{}", "nobody", "sess-agent", &m));

    APP_OK(db_get_agent_state(app_db, "planner", "sess-agent", &got));
    assert_int_equal(got.step, 2);
    assert_true(got.updated_at >= b.updated_at);
    db_agent_state_free(&got);

    /* No session: foreign key violation. */
    APP_RC(PQG_ECONSTRAINT, db_upsert_agent_state(app_db, "planner", "no-session", "{}", &got));
    assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));

    APP_OK(db_delete_agent_state(app_db, "planner", "sess-agent", &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_delete_agent_state(app_db, "planner", "sess-agent", &affected));
    assert_int_equal(affected, 0);
    APP_RC(PQG_ENOTFOUND, db_get_agent_state(app_db, "planner", "sess-agent", &got));
    db_agent_state_free(&a);
    db_agent_state_free(&b);
    db_session_free(&s);
}

/* Per-session listing, per-agent paging with the updated_since narg, and the counts. */
static void
test_agent_state_lists_and_counts(void **state)
{
    const char *sessions[4] = {"as-1", "as-2", "as-3", "as-4"};
    db_list_agent_states_for_session_rows fs = {0};
    db_list_agent_states_params lp = {.agent_id = "worker", .page_size = 10};
    db_list_agent_states_rows rows = {0};
    db_count_agent_states_row cnt = {0};
    int n = 0;
    (void)state;

    for (int i = 0; i < 4; i++) {
        db_session s = new_session(sessions[i], "u-lists", NULL, (pqg_null_timestamp){0});
        db_agent_state a = {0};
        char st[32];
        snprintf(st, sizeof st, "{\"n\": %d}", i);
        APP_OK(db_upsert_agent_state(app_db, "worker", sessions[i], st, &a));
        db_agent_state_free(&a);
        db_session_free(&s);
    }
    {
        db_agent_state a = {0};
        APP_OK(db_upsert_agent_state(app_db, "critic", "as-1", "{\"ok\": true}", &a));
        db_agent_state_free(&a);
    }
    /* updated_at: as-1 2030-01-01, as-2 2030-01-02, ... (microsecond offsets for exactness). */
    app_sql("UPDATE agent_states SET updated_at = '2030-01-01+00'::timestamptz + "
            "(right(session_id, 1)::int - 1) * interval '1 day' + interval '7 microseconds' "
            "WHERE agent_id = 'worker'");
    app_sql("UPDATE agent_states SET updated_at = now() - interval '2 hours' WHERE session_id = "
            "'as-4' AND agent_id = 'worker'");

    APP_OK(db_list_agent_states_for_session(app_db, "as-1", &fs));
    assert_int_equal(fs.len, 2);
    assert_string_equal(fs.rows[0].agent_id, "critic");
    assert_string_equal(fs.rows[1].agent_id, "worker");
    app_assert_json_eq(fs.rows[1].state, "{\"n\": 0}");
    assert_int_equal(fs.rows[1].updated_at, app_ts(2030, 1, 1, 0, 0, 0, 7));
    db_list_agent_states_for_session_rows_free(&fs);
    APP_OK(db_list_agent_states_for_session_each(app_db, "as-1", count_for_session, &n));
    assert_int_equal(n, 2);

    APP_OK(db_list_agent_states(app_db, &lp, &rows));
    assert_int_equal(rows.len, 4);
    assert_string_equal(rows.rows[0].session_id, "as-3"); /* 2030-01-03 newest */
    assert_string_equal(rows.rows[3].session_id, "as-4"); /* two hours ago */
    db_list_agent_states_rows_free(&rows);
    lp.updated_since = (pqg_null_timestamp){.value = app_ts(2030, 1, 2, 0, 0, 0, 7), .valid = true};
    APP_OK(db_list_agent_states(app_db, &lp, &rows));
    assert_int_equal(rows.len, 2); /* >= is inclusive to the microsecond */
    assert_string_equal(rows.rows[1].session_id, "as-2");
    db_list_agent_states_rows_free(&rows);
    lp.updated_since.value += 1;
    APP_OK(db_list_agent_states(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    db_list_agent_states_rows_free(&rows);
    lp.updated_since.valid = false;
    lp.page_size = 2;
    lp.page_offset = 2;
    APP_OK(db_list_agent_states(app_db, &lp, &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[0].session_id, "as-1");
    app_assert_json_eq(rows.rows[0].state, "{\"n\": 0}");
    assert_int_equal(rows.rows[0].step, 0);
    db_list_agent_states_rows_free(&rows);
    n = 0;
    lp.page_offset = 0;
    lp.page_size = 100;
    APP_OK(db_list_agent_states_each(app_db, &lp, count_states, &n));
    assert_int_equal(n, 4);

    /* 4 sessions; the 2030 ones count as active in a 1-hour window (updated_at > now - 1h is
     * true for future timestamps), the one updated two hours ago does not. */
    APP_OK(db_count_agent_states(app_db, one_hour, "worker", &cnt));
    assert_int_equal(cnt.total, 4);
    assert_int_equal(cnt.active, 3);
    db_count_agent_states_row_free(&cnt);
    APP_OK(db_count_agent_states(app_db, (pqg_interval){.days = 1}, "worker", &cnt));
    assert_int_equal(cnt.active, 4);
    db_count_agent_states_row_free(&cnt);
    APP_OK(db_count_agent_states(app_db, one_hour, "nobody", &cnt));
    assert_int_equal(cnt.total, 0);
    assert_int_equal(cnt.active, 0);
    db_count_agent_states_row_free(&cnt);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("sessions", 0);
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
        cmocka_unit_test(test_session_optimistic_locking),
        cmocka_unit_test(test_session_set_path),
        cmocka_unit_test(test_session_expiry_attach_purge),
        cmocka_unit_test(test_kv_set_get),
        cmocka_unit_test(test_kv_ttl_expiry_and_purge),
        cmocka_unit_test(test_kv_list_keys),
        cmocka_unit_test(test_kv_counter),
        cmocka_unit_test(test_agent_state_upsert_merge),
        cmocka_unit_test(test_agent_state_lists_and_counts),
    };
    return cmocka_run_group_tests_name("app_sessions", tests, setup, teardown);
}
