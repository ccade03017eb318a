/*
 * test_app_conversations.c - every generated function of queries/conversations.sql and
 * queries/messages.sql against a real PostgreSQL: unicode titles, 1 MB message content, nested
 * unicode jsonb, microsecond timestamps, enums and enum arrays, NULLs, sqlc.narg filters, offset
 * and keyset pagination, soft delete, purge with ON DELETE CASCADE, the querier default instance
 * and the JSON functions. Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"

#include "json.h"
#include "querier.h"

/* ---- helpers ---- */

static db_conversation
new_conversation(const char *user_id, const char *title, const char *metadata, const char *model)
{
    db_create_conversation_params p = {
        .user_id = user_id, .title = title, .metadata = metadata ? metadata : "{}",
        .model = model};
    db_conversation c = {0};

    APP_OK(db_create_conversation(app_db, &p, &c));
    return c;
}

static db_create_message_row
new_message(pqg_uuid conv, db_message_role role, const char *content, pqg_null_int32 tokens)
{
    db_create_message_params p = {
        .conversation_id = conv, .role = role, .content = content, .token_count = tokens,
        .metadata = "{}"};
    db_create_message_row m = {0};

    APP_OK(db_create_message(app_db, &p, &m));
    return m;
}

static pqg_null_int32
tok(int32_t v)
{
    return (pqg_null_int32){.value = v, .valid = true};
}

/* The server's microseconds since the epoch of a timestamptz expression over one uuid. */
static long long
server_usec(const char *table, const char *column, pqg_uuid id)
{
    char sql[256];
    const char *params[1] = {app_uuid_str(id)};

    snprintf(sql, sizeof sql,
             "SELECT (extract(epoch FROM %s) * 1000000)::bigint FROM %s WHERE id = $1", column,
             table);
    return app_sql_int(sql, 1, params);
}

/* Appends a message whose row the caller does not need. */
static void
add_message(pqg_uuid conv, db_message_role role, const char *content, pqg_null_int32 tokens)
{
    db_create_message_row m = new_message(conv, role, content, tokens);
    db_create_message_row_free(&m);
}

/* Row-counting callbacks for the _each variants, one per row type. */
#define COUNTER(name, type)                                                                    \
    static int name(const type *row, void *userdata)                                           \
    {                                                                                          \
        (void)row;                                                                             \
        (*(int *)userdata)++;                                                                  \
        return 0;                                                                              \
    }
COUNTER(count_find_meta, db_find_conversations_by_metadata_row)
COUNTER(count_list_conv, db_list_conversations_row)
COUNTER(count_sidebar, db_list_conversations_with_last_message_row)
COUNTER(count_by_ids, db_get_conversations_by_ids_row)
COUNTER(count_recent, db_list_recent_messages_row)
COUNTER(count_msg_by_ids, db_get_messages_by_ids_row)
COUNTER(count_search, db_search_messages_row)
COUNTER(count_by_roles, db_list_messages_by_roles_row)

/* What a :batchexec callback saw, item by item. */
struct batch_log {
    int n;
    size_t index[16];
    int rc[16];
    int64_t affected[16];
    bool aborted[16];
};

static int
log_item(struct batch_log *log, size_t i, int rc, int64_t rows_affected)
{
    log->index[log->n] = i;
    log->rc[log->n] = rc;
    log->affected[log->n] = rows_affected;
    log->aborted[log->n] = rc != 0 && pqg_error_is_batch_aborted(pqg_last_error());
    log->n++;
    return 0;
}

static int
log_pinned(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    return log_item(userdata, i, rc, rows_affected);
}

static int
log_tokens(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    return log_item(userdata, i, rc, rows_affected);
}

/* ---- conversations ---- */

/* A title of emoji, CJK, combining marks and a ZWJ sequence comes back byte for byte. */
static void
test_unicode_title(void **state)
{
    /* "Plan 🦀🚀 会议记录 é (e + U+0301) ñ (n + U+0303) 👩‍💻 ﷽" */
    const char *title = "Plan \xF0\x9F\xA6\x80\xF0\x9F\x9A\x80 \xE4\xBC\x9A\xE8\xAE\xAE"
                        "\xE8\xAE\xB0\xE5\xBD\x95 e\xCC\x81 n\xCC\x83 \xF0\x9F\x91\xA9\xE2\x80"
                        "\x8D\xF0\x9F\x92\xBB \xEF\xB7\xBD";
    db_conversation made, got = {0};
    char buf[64];
    const char *params[1];
    (void)state;

    made = new_conversation("u-unicode", title, NULL, "gpt-\xCE\xB1");
    assert_string_equal(made.title, title);
    assert_string_equal(made.model, "gpt-\xCE\xB1");
    APP_OK(db_get_conversation(app_db, made.id, &got));
    assert_int_equal(strlen(got.title), strlen(title));
    assert_memory_equal(got.title, title, strlen(title) + 1);
    /* The server stored characters, not mangled bytes: 24 code points. */
    params[0] = app_uuid_str(made.id);
    app_sql_value(buf, sizeof buf, "SELECT char_length(title) FROM conversations WHERE id = $1",
                  1, params);
    assert_string_equal(buf, "24");
    db_conversation_free(&got);
    db_conversation_free(&made);
}

/* Nested jsonb with unicode keys and values, arrays, numbers, booleans and null. */
static void
test_metadata_jsonb(void **state)
{
    const char *meta = "{\"source\": \"slack\", \"\xE9\x94\xAE\": \"\xE5\x80\xBC \xF0\x9F\x98"
                       "\x80\", \"nested\": {\"a\": [1, 2.5, {\"b\": null}], \"t\": true,"
                       " \"esc\": \"line\\nbreak \\\"q\\\" \\u00e9\"}, \"n\": -12345678901}";
    db_conversation made, got = {0};
    db_merge_conversation_metadata_row merged = {0};
    db_find_conversations_by_metadata_rows found = {0};
    db_conversation other;
    int n = 0;
    (void)state;

    made = new_conversation("u-json", "json", meta, NULL);
    other = new_conversation("u-json", "other", "{\"source\": \"email\"}", NULL);
    app_assert_json_eq(made.metadata, meta);
    APP_OK(db_get_conversation(app_db, made.id, &got));
    app_assert_json_eq(got.metadata, meta);
    /* jsonb's canonical text: keys sorted by length then bytes, ", " and ": " separators. */
    assert_string_equal(got.metadata,
                        "{\"n\": -12345678901, \"\xE9\x94\xAE\": \"\xE5\x80\xBC \xF0\x9F\x98\x80\","
                        " \"nested\": {\"a\": [1, 2.5, {\"b\": null}], \"t\": true, \"esc\": "
                        "\"line\\nbreak \\\"q\\\" \xC3\xA9\"}, \"source\": \"slack\"}");

    /* Top-level keys of the patch win; others stay. */
    APP_OK(db_merge_conversation_metadata(
        app_db, "{\"source\": \"teams\", \"x\": [\"\xE2\x9C\x93\"]}", made.id, &merged));
    app_assert_json_eq(merged.metadata,
                       "{\"source\": \"teams\", \"\xE9\x94\xAE\": \"\xE5\x80\xBC "
                       "\xF0\x9F\x98\x80\", \"nested\": {\"a\": [1, 2.5, {\"b\": null}], "
                       "\"t\": true, \"esc\": \"line\\nbreak \\\"q\\\" \\u00e9\"}, "
                       "\"n\": -12345678901, \"x\": [\"\xE2\x9C\x93\"]}");
    db_merge_conversation_metadata_row_free(&merged);

    /* Containment on a nested path. */
    APP_OK(db_find_conversations_by_metadata(app_db, "u-json", "{\"nested\": {\"t\": true}}", 10,
                                             &found));
    assert_int_equal(found.len, 1);
    assert_true(pqg_uuid_equal(found.rows[0].id, made.id));
    assert_string_equal(found.rows[0].title, "json");
    db_find_conversations_by_metadata_rows_free(&found);
    APP_OK(db_find_conversations_by_metadata(app_db, "u-json", "{\"source\": \"email\"}", 10,
                                             &found));
    assert_int_equal(found.len, 1);
    assert_true(pqg_uuid_equal(found.rows[0].id, other.id));
    db_find_conversations_by_metadata_rows_free(&found);
    APP_OK(db_find_conversations_by_metadata_each(app_db, "u-json", "{}", 10, count_find_meta,
                                                  &n));
    assert_int_equal(n, 2);
    /* Merging into a missing conversation: no row. */
    APP_RC(PQG_ENOTFOUND, db_merge_conversation_metadata(app_db, "{}", app_uuid(
        "00000000-0000-0000-0000-000000000001"), &merged));
    assert_null(merged._mem);

    db_conversation_free(&got);
    db_conversation_free(&made);
    db_conversation_free(&other);
}

/* NULL title and model, the unset deleted_at; server default timestamps decode exactly. */
static void
test_nulls_and_defaults(void **state)
{
    db_conversation made, got = {0};
    int64_t rows = -1;
    (void)state;

    made = new_conversation("u-null", NULL, NULL, NULL);
    assert_null(made.title);
    assert_null(made.model);
    assert_false(made.pinned);
    assert_false(made.deleted_at.valid);
    assert_string_equal(made.metadata, "{}");
    assert_int_equal(made.created_at, server_usec("conversations", "created_at", made.id));
    assert_int_equal(made.updated_at, made.created_at); /* same now() */

    /* Title set, then set back to NULL (UpdateConversationTitle takes a nullable title). */
    APP_OK(db_update_conversation_title(app_db, "named", made.id, &rows));
    assert_int_equal(rows, 1);
    APP_OK(db_get_conversation(app_db, made.id, &got));
    assert_string_equal(got.title, "named");
    assert_true(got.updated_at > made.updated_at);
    db_conversation_free(&got);
    APP_OK(db_update_conversation_title(app_db, NULL, made.id, &rows));
    assert_int_equal(rows, 1);
    APP_OK(db_get_conversation(app_db, made.id, &got));
    assert_null(got.title);
    db_conversation_free(&got);
    /* rows_affected may be NULL. */
    APP_OK(db_update_conversation_title(app_db, "x", made.id, NULL));
    db_conversation_free(&made);
}

/* sqlc.narg filters (pinned, search) both NULL and set; offset pagination; counts. */
static void
test_list_filters_and_pages(void **state)
{
    const char *user = "u-list";
    db_conversation c[5];
    db_list_conversations_params p = {.user_id = user, .page_size = 100};
    db_list_conversations_rows rows = {0};
    int64_t total = -1;
    const char *titles[5] = {"Alpha trip", "beta TRIP notes", "gamma", "delta trip", NULL};
    int n = 0;
    (void)state;

    for (int i = 0; i < 5; i++)
        c[i] = new_conversation(user, titles[i], NULL, NULL);
    /* Deterministic recency: c[0] oldest ... c[4] newest. */
    for (int i = 0; i < 5; i++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "UPDATE conversations SET updated_at = '2030-01-01'::timestamptz + interval "
                 "'%d minutes' WHERE id = '%s'", i, app_uuid_str(c[i].id));
        app_sql(sql);
    }
    /* SetConversationPinned (:batchexec): one pipeline, one outcome per item; another user's
     * id pins nothing (WHERE user_id). */
    {
        db_set_conversation_pinned_params items[3] = {
            {.pinned = true, .id = c[1].id, .user_id = user},
            {.pinned = true, .id = c[2].id, .user_id = user},
            {.pinned = true, .id = c[3].id, .user_id = "someone-else"}};
        struct batch_log log = {0};
        APP_OK(db_set_conversation_pinned(app_db, items, 3, log_pinned, &log));
        assert_int_equal(log.n, 3);
        for (int i = 0; i < 3; i++) {
            assert_int_equal(log.index[i], i);
            assert_int_equal(log.rc[i], 0);
        }
        assert_int_equal(log.affected[0], 1);
        assert_int_equal(log.affected[1], 1);
        assert_int_equal(log.affected[2], 0);
        /* fn may be NULL; zero items is a no-op. */
        APP_OK(db_set_conversation_pinned(app_db, items, 2, NULL, NULL));
        APP_OK(db_set_conversation_pinned(app_db, items, 0, NULL, NULL));
    }

    /* No filter: pinned first (newest first among them), then the rest by recency. */
    APP_OK(db_list_conversations(app_db, &p, &rows));
    assert_int_equal(rows.len, 5);
    assert_true(pqg_uuid_equal(rows.rows[0].id, c[2].id));
    assert_true(pqg_uuid_equal(rows.rows[1].id, c[1].id));
    assert_true(pqg_uuid_equal(rows.rows[2].id, c[4].id));
    assert_true(pqg_uuid_equal(rows.rows[3].id, c[3].id));
    assert_true(pqg_uuid_equal(rows.rows[4].id, c[0].id));
    assert_true(rows.rows[0].pinned);
    assert_false(rows.rows[2].pinned);
    assert_null(rows.rows[2].title);
    assert_int_equal(rows.rows[4].updated_at, app_ts(2030, 1, 1, 0, 0, 0, 0));
    assert_int_equal(rows.rows[2].updated_at, app_ts(2030, 1, 1, 0, 4, 0, 0));
    db_list_conversations_rows_free(&rows);

    /* pinned = false; pinned = true. */
    p.pinned = (pqg_null_bool){.value = false, .valid = true};
    APP_OK(db_list_conversations(app_db, &p, &rows));
    assert_int_equal(rows.len, 3);
    db_list_conversations_rows_free(&rows);
    p.pinned.value = true;
    APP_OK(db_list_conversations(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    db_list_conversations_rows_free(&rows);

    /* search, case-insensitive; with pinned NULL again. */
    p.pinned.valid = false;
    p.search = "trip";
    APP_OK(db_list_conversations(app_db, &p, &rows));
    assert_int_equal(rows.len, 3);
    assert_string_equal(rows.rows[0].title, "beta TRIP notes"); /* pinned */
    assert_string_equal(rows.rows[1].title, "delta trip");
    assert_string_equal(rows.rows[2].title, "Alpha trip");
    db_list_conversations_rows_free(&rows);
    /* both filters */
    p.pinned = (pqg_null_bool){.value = false, .valid = true};
    APP_OK(db_list_conversations(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    db_list_conversations_rows_free(&rows);

    /* Pages of 2 over the unfiltered list: 2, 2, 1, 0. */
    p.pinned.valid = false;
    p.search = NULL;
    p.page_size = 2;
    for (int page = 0; page < 4; page++) {
        size_t want[4] = {2, 2, 1, 0};
        p.page_offset = page * 2;
        APP_OK(db_list_conversations(app_db, &p, &rows));
        assert_int_equal(rows.len, want[page]);
        if (page == 1)
            assert_true(pqg_uuid_equal(rows.rows[0].id, c[4].id));
        if (want[page] == 0) {
            assert_null(rows.rows);
        }
        db_list_conversations_rows_free(&rows);
    }
    p.page_offset = 0;
    p.page_size = 100;
    APP_OK(db_list_conversations_each(app_db, &p, count_list_conv, &n));
    assert_int_equal(n, 5);

    APP_OK(db_count_conversations(app_db, user, &total));
    assert_int_equal(total, 5);
    APP_OK(db_count_conversations(app_db, "nobody", &total));
    assert_int_equal(total, 0);
    for (int i = 0; i < 5; i++)
        db_conversation_free(&c[i]);
}

/* The sidebar: last-message preview columns NULL for an empty conversation; keyset pages. */
static void
test_sidebar_last_message(void **state)
{
    const char *user = "u-sidebar";
    db_conversation empty, busy, old;
    db_list_conversations_with_last_message_rows rows = {0};
    db_create_message_row m1, m2;
    char long_text[300];
    int n = 0;
    (void)state;

    empty = new_conversation(user, "empty", NULL, NULL);
    busy = new_conversation(user, "busy", NULL, NULL);
    old = new_conversation(user, "old", NULL, NULL);
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    m1 = new_message(busy.id, DB_MESSAGE_ROLE_USER, "hello", tok(1));
    m2 = new_message(busy.id, DB_MESSAGE_ROLE_ASSISTANT, long_text, tok(2));
    add_message(old.id, DB_MESSAGE_ROLE_SYSTEM, "sys", (pqg_null_int32){0});
    app_sql("UPDATE conversations SET updated_at = '2031-01-01 00:00:03+00' WHERE title = 'empty'"
            " AND user_id = 'u-sidebar'");
    app_sql("UPDATE conversations SET updated_at = '2031-01-01 00:00:02.000007+00' WHERE title ="
            " 'busy' AND user_id = 'u-sidebar'");
    app_sql("UPDATE conversations SET updated_at = '2031-01-01 00:00:01+00' WHERE title = 'old'"
            " AND user_id = 'u-sidebar'");

    APP_OK(db_list_conversations_with_last_message(app_db, user, (pqg_null_timestamp){0}, 2,
                                                   &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[0].title, "empty");
    assert_int_equal(rows.rows[0].last_role, 0); /* NULL enum */
    assert_null(rows.rows[0].last_content_preview);
    assert_false(rows.rows[0].last_message_at.valid);
    assert_string_equal(rows.rows[1].title, "busy");
    assert_int_equal(rows.rows[1].last_role, DB_MESSAGE_ROLE_ASSISTANT);
    assert_int_equal(strlen(rows.rows[1].last_content_preview), 200); /* left(content, 200) */
    assert_true(rows.rows[1].last_message_at.valid);
    assert_int_equal(rows.rows[1].last_message_at.value, m2.created_at);
    assert_int_equal(rows.rows[1].updated_at, app_ts(2031, 1, 1, 0, 0, 2, 7));

    /* Next page: strictly before the last row's updated_at (microsecond exact keyset). */
    {
        pqg_null_timestamp before = {.value = rows.rows[1].updated_at, .valid = true};
        db_list_conversations_with_last_message_rows_free(&rows);
        APP_OK(db_list_conversations_with_last_message(app_db, user, before, 2, &rows));
        assert_int_equal(rows.len, 1);
        assert_string_equal(rows.rows[0].title, "old");
        assert_int_equal(rows.rows[0].last_role, DB_MESSAGE_ROLE_SYSTEM);
        assert_string_equal(rows.rows[0].last_content_preview, "sys");
        db_list_conversations_with_last_message_rows_free(&rows);
        APP_OK(db_list_conversations_with_last_message_each(
            app_db, user, before, 10, count_sidebar, &n));
        assert_int_equal(n, 1);
    }
    db_create_message_row_free(&m1);
    db_create_message_row_free(&m2);
    db_conversation_free(&empty);
    db_conversation_free(&busy);
    db_conversation_free(&old);
}

/* The sqlc.embed row: the embedded conversation plus count and coalesced token sum. */
static void
test_with_message_count(void **state)
{
    db_conversation c, bare;
    db_get_conversation_with_message_count_row row = {0};
    (void)state;

    c = new_conversation("u-count", "counted", "{\"k\": 1}", "m1");
    bare = new_conversation("u-count", NULL, NULL, NULL);
    add_message(c.id, DB_MESSAGE_ROLE_USER, "a", tok(5));
    add_message(c.id, DB_MESSAGE_ROLE_ASSISTANT, "b", tok(7));
    add_message(c.id, DB_MESSAGE_ROLE_TOOL, "c", (pqg_null_int32){0});

    APP_OK(db_get_conversation_with_message_count(app_db, c.id, &row));
    assert_true(pqg_uuid_equal(row.conversation.id, c.id));
    assert_string_equal(row.conversation.user_id, "u-count");
    assert_string_equal(row.conversation.title, "counted");
    assert_string_equal(row.conversation.model, "m1");
    app_assert_json_eq(row.conversation.metadata, "{\"k\": 1}");
    assert_false(row.conversation.deleted_at.valid);
    assert_int_equal(row.message_count, 3);
    assert_int_equal(row.total_tokens, 12);
    db_get_conversation_with_message_count_row_free(&row);

    APP_OK(db_get_conversation_with_message_count(app_db, bare.id, &row));
    assert_int_equal(row.message_count, 0);
    assert_int_equal(row.total_tokens, 0);
    assert_null(row.conversation.title);
    db_get_conversation_with_message_count_row_free(&row);

    APP_RC(PQG_ENOTFOUND, db_get_conversation_with_message_count(
        app_db, app_uuid("00000000-0000-0000-0000-0000000000ff"), &row));
    db_conversation_free(&c);
    db_conversation_free(&bare);
}

/* ANY(uuid[]): present, missing and soft-deleted ids; the empty array. */
static void
test_get_by_ids(void **state)
{
    db_conversation a, b, d;
    pqg_uuid ids[4];
    db_get_conversations_by_ids_rows rows = {0};
    int n = 0;
    int64_t affected = 0;
    (void)state;

    a = new_conversation("u-ids", "a", NULL, NULL);
    b = new_conversation("u-ids", "b", NULL, "mb");
    d = new_conversation("u-ids", "d", NULL, NULL);
    APP_OK(db_soft_delete_conversation(app_db, d.id, "u-ids", &affected));
    assert_int_equal(affected, 1);
    ids[0] = a.id;
    ids[1] = app_uuid("11111111-2222-3333-4444-555555555555");
    ids[2] = b.id;
    ids[3] = d.id;
    APP_OK(db_get_conversations_by_ids(app_db, (pqg_array_uuid){ids, 4}, &rows));
    assert_int_equal(rows.len, 2);
    for (size_t i = 0; i < rows.len; i++) {
        if (pqg_uuid_equal(rows.rows[i].id, b.id)) {
            assert_string_equal(rows.rows[i].model, "mb");
            assert_string_equal(rows.rows[i].title, "b");
        } else {
            assert_true(pqg_uuid_equal(rows.rows[i].id, a.id));
            assert_null(rows.rows[i].model);
        }
    }
    db_get_conversations_by_ids_rows_free(&rows);
    APP_OK(db_get_conversations_by_ids_each(app_db, (pqg_array_uuid){ids, 4}, count_by_ids,
                                            &n));
    assert_int_equal(n, 2);
    /* An empty (not NULL) array matches nothing. */
    APP_OK(db_get_conversations_by_ids(app_db, (pqg_array_uuid){ids, 0}, &rows));
    assert_int_equal(rows.len, 0);
    db_get_conversations_by_ids_rows_free(&rows);
    db_conversation_free(&a);
    db_conversation_free(&b);
    db_conversation_free(&d);
}

/* Soft delete hides the row everywhere; restore brings it back; purge hard-deletes with cascade. */
static void
test_soft_delete_restore_purge(void **state)
{
    const char *user = "u-trash";
    db_conversation c, keep, got = {0};
    db_create_message_row m;
    int64_t total = -1;
    db_list_conversations_params lp = {.user_id = user, .page_size = 10};
    db_list_conversations_rows rows = {0};
    db_message msg = {0};
    pqg_exec_result res;
    int64_t affected = -1;
    const char *params[1];
    (void)state;

    c = new_conversation(user, "to trash", NULL, NULL);
    keep = new_conversation(user, "keep", NULL, NULL);
    m = new_message(c.id, DB_MESSAGE_ROLE_USER, "bye", tok(1));

    /* Wrong user: nothing. */
    APP_OK(db_soft_delete_conversation(app_db, c.id, "intruder", &affected));
    assert_int_equal(affected, 0);
    APP_OK(db_soft_delete_conversation(app_db, c.id, user, &affected));
    assert_int_equal(affected, 1);
    /* Already deleted: 0 rows. */
    APP_OK(db_soft_delete_conversation(app_db, c.id, user, &affected));
    assert_int_equal(affected, 0);

    APP_RC(PQG_ENOTFOUND, db_get_conversation(app_db, c.id, &got));
    APP_OK(db_count_conversations(app_db, user, &total));
    assert_int_equal(total, 1);
    APP_OK(db_list_conversations(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    assert_true(pqg_uuid_equal(rows.rows[0].id, keep.id));
    db_list_conversations_rows_free(&rows);
    APP_OK(db_update_conversation_title(app_db, "renamed", c.id, &affected));
    assert_int_equal(affected, 0); /* deleted: the rename affects nothing */
    /* Messages stay until the purge. */
    APP_OK(db_get_message(app_db, m.id, &msg));
    db_message_free(&msg);

    /* Restore: back, and a second restore affects nothing. */
    APP_OK(db_restore_conversation(app_db, c.id, user, &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_restore_conversation(app_db, c.id, user, &affected));
    assert_int_equal(affected, 0);
    APP_OK(db_get_conversation(app_db, c.id, &got));
    assert_false(got.deleted_at.valid);
    db_conversation_free(&got);

    /* Delete again and age the deletion by two days: a 1-day retention purges it. */
    APP_OK(db_soft_delete_conversation(app_db, c.id, user, &affected));
    params[0] = app_uuid_str(c.id);
    PQclear(PQexecParams(app_raw, "UPDATE conversations SET deleted_at = now() - interval "
                         "'2 days' WHERE id = $1", 1, NULL, params, NULL, NULL, 0));
    /* 3-day retention: too recent, nothing purged. */
    APP_OK(db_purge_deleted_conversations(app_db, (pqg_interval){.days = 3}, &res));
    assert_int_equal(res.rows_affected, 0);
    assert_string_equal(res.command_tag, "DELETE 0");
    APP_OK(db_purge_deleted_conversations(app_db, (pqg_interval){.days = 1}, &res));
    assert_int_equal(res.rows_affected, 1);
    assert_string_equal(res.command_tag, "DELETE 1");
    /* ON DELETE CASCADE took the message. */
    APP_RC(PQG_ENOTFOUND, db_get_message(app_db, m.id, &msg));
    params[0] = app_uuid_str(c.id);
    assert_int_equal(app_sql_int("SELECT count(*) FROM messages WHERE conversation_id = $1", 1,
                                 params), 0);
    APP_OK(db_get_conversation(app_db, keep.id, &got));
    db_conversation_free(&got);
    db_create_message_row_free(&m);
    db_conversation_free(&c);
    db_conversation_free(&keep);
}

/* TouchConversation moves updated_at forward; CreateMessage bumps it too (data-modifying CTE). */
static void
test_touch_and_message_bump(void **state)
{
    db_conversation c, got = {0};
    db_create_message_row m;
    (void)state;

    c = new_conversation("u-touch", "t", NULL, NULL);
    app_sql("UPDATE conversations SET updated_at = '2000-01-01 00:00:00+00' WHERE user_id = "
            "'u-touch'");
    APP_OK(db_touch_conversation(app_db, c.id));
    APP_OK(db_get_conversation(app_db, c.id, &got));
    assert_true(got.updated_at > app_ts(2020, 1, 1, 0, 0, 0, 0));
    assert_int_equal(got.updated_at, server_usec("conversations", "updated_at", c.id));
    db_conversation_free(&got);

    app_sql("UPDATE conversations SET updated_at = '2000-01-01 00:00:00+00' WHERE user_id = "
            "'u-touch'");
    m = new_message(c.id, DB_MESSAGE_ROLE_USER, "ping", tok(1));
    APP_OK(db_get_conversation(app_db, c.id, &got));
    assert_int_equal(got.updated_at, m.created_at); /* same statement, same now() */
    db_conversation_free(&got);
    db_create_message_row_free(&m);
    /* Touching a missing id is not an error for :exec. */
    APP_OK(db_touch_conversation(app_db, app_uuid("00000000-0000-0000-0000-00000000abcd")));
    db_conversation_free(&c);
}

/* ---- messages ---- */

/* A 1 MiB message (UTF-8, with multibyte characters) round trips byte for byte. */
static void
test_message_1mb(void **state)
{
    const size_t size = 1024 * 1024;
    const char *unit = "pqgen \xF0\x9F\xA6\x80 \xE6\x95\xB0\xE6\x8D\xAE e\xCC\x81 "; /* 21 bytes */
    size_t ulen = strlen(unit), o = 0;
    char *big = malloc(size + 1);
    db_conversation c;
    db_create_message_row made;
    db_message got = {0};
    db_message_rows rows = {0};
    db_list_messages_params lp = {.page_size = 10};
    const char *params[1];
    (void)state;

    assert_non_null(big);
    while (o + ulen <= size) {
        memcpy(big + o, unit, ulen);
        o += ulen;
    }
    memset(big + o, 'z', size - o); /* ASCII tail keeps the text valid UTF-8 */
    big[size] = '\0';

    c = new_conversation("u-big", "big", NULL, NULL);
    made = new_message(c.id, DB_MESSAGE_ROLE_ASSISTANT, big, tok(250000));
    assert_int_equal(strlen(made.content), size);
    assert_memory_equal(made.content, big, size);
    APP_OK(db_get_message(app_db, made.id, &got));
    assert_int_equal(strlen(got.content), size);
    assert_memory_equal(got.content, big, size + 1);
    params[0] = app_uuid_str(made.id);
    assert_int_equal(app_sql_int("SELECT octet_length(content) FROM messages WHERE id = $1", 1,
                                 params), (long long)size);
    lp.conversation_id = c.id;
    APP_OK(db_list_messages(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    assert_memory_equal(rows.rows[0].content, big, size + 1);
    db_message_rows_free(&rows);
    db_message_free(&got);
    db_create_message_row_free(&made);
    db_conversation_free(&c);
    free(big);
}

/* Every role round trips; NULL and set token counts; metadata; edits. */
static void
test_message_roles_and_edit(void **state)
{
    db_conversation c;
    db_create_message_row m[4];
    db_message got = {0};
    pqg_null_timestamp edited_at = {0};
    db_message_role roles[4] = {DB_MESSAGE_ROLE_USER, DB_MESSAGE_ROLE_ASSISTANT,
                                DB_MESSAGE_ROLE_SYSTEM, DB_MESSAGE_ROLE_TOOL};
    const char *labels[4] = {"user", "assistant", "system", "tool"};
    char buf[32];
    const char *params[1];
    (void)state;

    c = new_conversation("u-roles", "roles", NULL, NULL);
    for (int i = 0; i < 4; i++) {
        m[i] = new_message(c.id, roles[i], labels[i], i % 2 ? tok(i) : (pqg_null_int32){0});
        assert_int_equal(m[i].role, roles[i]);
        assert_true(pqg_uuid_equal(m[i].conversation_id, c.id));
        assert_false(m[i].edited_at.valid);
        if (i > 0)
            assert_true(m[i].seq > m[i - 1].seq);
        params[0] = app_uuid_str(m[i].id);
        app_sql_value(buf, sizeof buf, "SELECT role::text FROM messages WHERE id = $1", 1, params);
        assert_string_equal(buf, labels[i]);
    }
    APP_OK(db_get_message(app_db, m[2].id, &got));
    assert_int_equal(got.role, DB_MESSAGE_ROLE_SYSTEM);
    assert_false(got.token_count.valid);
    assert_int_equal(got.seq, m[2].seq);
    assert_int_equal(got.created_at, m[2].created_at);
    db_message_free(&got);
    APP_OK(db_get_message(app_db, m[3].id, &got));
    assert_true(got.token_count.valid);
    assert_int_equal(got.token_count.value, 3);
    db_message_free(&got);

    /* Edit: edited_at is set to the statement's now(), token_count to NULL. */
    APP_OK(db_update_message_content(app_db, "edited \xE2\x9C\x8D", (pqg_null_int32){0}, m[1].id,
                                     &edited_at));
    assert_true(edited_at.valid);
    APP_OK(db_get_message(app_db, m[1].id, &got));
    assert_string_equal(got.content, "edited \xE2\x9C\x8D");
    assert_false(got.token_count.valid);
    assert_true(got.edited_at.valid);
    assert_int_equal(got.edited_at.value, edited_at.value);
    assert_int_equal(got.edited_at.value, server_usec("messages", "edited_at", m[1].id));
    db_message_free(&got);
    APP_RC(PQG_ENOTFOUND, db_update_message_content(app_db, "x", tok(1), app_uuid(
        "00000000-0000-0000-0000-000000000002"), &edited_at));
    assert_false(edited_at.valid); /* zeroed on error */

    /* SetMessageTokenCounts (:batchexec): set and NULL in one pipeline. */
    {
        db_set_message_token_counts_params items[3] = {
            {.token_count = tok(42), .id = m[0].id},
            {.token_count = {0}, .id = m[3].id},
            {.token_count = tok(7), .id = app_uuid("00000000-0000-0000-0000-0000000000aa")}};
        struct batch_log log = {0};
        APP_OK(db_set_message_token_counts(app_db, items, 3, log_tokens, &log));
        assert_int_equal(log.n, 3);
        assert_int_equal(log.affected[0], 1);
        assert_int_equal(log.affected[1], 1);
        assert_int_equal(log.affected[2], 0); /* no such message */
        APP_OK(db_get_message(app_db, m[0].id, &got));
        assert_int_equal(got.token_count.value, 42);
        assert_true(got.token_count.valid);
        db_message_free(&got);
        APP_OK(db_get_message(app_db, m[3].id, &got));
        assert_false(got.token_count.valid);
        db_message_free(&got);

        /* A CHECK violation (token_count >= 0) in item 1 of 3: PQG_ECONSTRAINT; the batch ran
         * as one implicit transaction, so item 0's update is not kept, and item 2 was skipped. */
        items[0] = (db_set_message_token_counts_params){.token_count = tok(1000), .id = m[0].id};
        items[1] = (db_set_message_token_counts_params){.token_count = tok(-1), .id = m[1].id};
        items[2] = (db_set_message_token_counts_params){.token_count = tok(5), .id = m[2].id};
        memset(&log, 0, sizeof log);
        APP_RC(PQG_ECONSTRAINT, db_set_message_token_counts(app_db, items, 3, log_tokens, &log));
        assert_true(pqg_error_is_check_violation(pqg_last_error()));
        assert_int_equal(log.n, 3);
        assert_int_equal(log.rc[0], 0);
        assert_int_equal(log.rc[1], PQG_ECONSTRAINT);
        assert_false(log.aborted[1]);
        assert_int_equal(log.rc[2], PQG_ESERVER);
        assert_true(log.aborted[2]);
        APP_OK(db_get_message(app_db, m[0].id, &got));
        assert_int_equal(got.token_count.value, 42); /* item 0 rolled back */
        db_message_free(&got);
        APP_OK(db_get_message(app_db, m[2].id, &got));
        assert_false(got.token_count.valid);
        db_message_free(&got);
    }
    /* A foreign key violation too. */
    {
        db_create_message_params bad = {
            .conversation_id = app_uuid("00000000-0000-0000-0000-000000000003"),
            .role = DB_MESSAGE_ROLE_USER, .content = "orphan", .metadata = "{}"};
        db_create_message_row out = {0};
        APP_RC(PQG_ECONSTRAINT, db_create_message(app_db, &bad, &out));
        assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));
        assert_null(out._mem);
    }
    for (int i = 0; i < 4; i++)
        db_create_message_row_free(&m[i]);
    db_conversation_free(&c);
}

struct collect {
    int n;
    int64_t seqs[16];
};

static int
collect_seq(const db_message *row, void *userdata)
{
    struct collect *c = userdata;
    c->seqs[c->n++] = row->seq;
    return c->n >= 2 ? 7 : 0; /* stop after two rows */
}

/* ListMessages: role narg, after_seq narg (keyset), page size; _each stopping early. */
static void
test_list_messages_filters(void **state)
{
    db_conversation c;
    db_create_message_row m[6];
    db_list_messages_params p = {.page_size = 100};
    db_message_rows rows = {0};
    struct collect col = {0};
    (void)state;

    c = new_conversation("u-lm", "lm", NULL, NULL);
    for (int i = 0; i < 6; i++)
        m[i] = new_message(c.id, i % 2 ? DB_MESSAGE_ROLE_ASSISTANT : DB_MESSAGE_ROLE_USER,
                           i % 2 ? "answer" : "question", tok(i));
    p.conversation_id = c.id;
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 6);
    for (int i = 0; i < 6; i++) {
        assert_true(pqg_uuid_equal(rows.rows[i].id, m[i].id));
        assert_int_equal(rows.rows[i].token_count.value, i);
    }
    db_message_rows_free(&rows);

    p.role = DB_MESSAGE_ROLE_ASSISTANT;
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 3);
    for (size_t i = 0; i < rows.len; i++)
        assert_int_equal(rows.rows[i].role, DB_MESSAGE_ROLE_ASSISTANT);
    db_message_rows_free(&rows);

    /* Keyset pages of 2 by after_seq, role NULL. */
    p.role = 0;
    p.page_size = 2;
    p.after_seq = (pqg_null_int64){.value = m[1].seq, .valid = true};
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    assert_true(pqg_uuid_equal(rows.rows[0].id, m[2].id));
    assert_true(pqg_uuid_equal(rows.rows[1].id, m[3].id));
    p.after_seq.value = rows.rows[1].seq;
    db_message_rows_free(&rows);
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    assert_true(pqg_uuid_equal(rows.rows[1].id, m[5].id));
    p.after_seq.value = rows.rows[1].seq;
    db_message_rows_free(&rows);
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 0);
    db_message_rows_free(&rows);

    /* role and after_seq together. */
    p.role = DB_MESSAGE_ROLE_USER;
    p.after_seq.value = m[0].seq;
    p.page_size = 100;
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    assert_true(pqg_uuid_equal(rows.rows[0].id, m[2].id));
    db_message_rows_free(&rows);

    /* _each: the callback's non-zero value stops the scan and is returned; the connection is
     * usable afterwards. */
    p.role = 0;
    p.after_seq.valid = false;
    assert_int_equal(db_list_messages_each(app_db, &p, collect_seq, &col), 7);
    assert_int_equal(col.n, 2);
    assert_int_equal(col.seqs[0], m[0].seq);
    assert_int_equal(col.seqs[1], m[1].seq);
    APP_OK(db_list_messages(app_db, &p, &rows));
    assert_int_equal(rows.len, 6);
    db_message_rows_free(&rows);
    for (int i = 0; i < 6; i++)
        db_create_message_row_free(&m[i]);
    db_conversation_free(&c);
}

/* What the ListOpeningMessages callback saw (rows are borrowed: copied out). */
struct opening_log {
    int n, stop_after;
    size_t n_rows[4];
    bool rows_null[4];
    db_message_role role[4][4];
    char content[4][4][16];
};

static int
log_opening(size_t i, int rc, const db_list_opening_messages_row *rows, size_t n_rows,
            void *userdata)
{
    struct opening_log *log = userdata;

    assert_int_equal(rc, 0);
    assert_int_equal(i, (size_t)log->n);
    log->n_rows[i] = n_rows;
    log->rows_null[i] = rows == NULL;
    for (size_t k = 0; k < n_rows && k < 4; k++) {
        log->role[i][k] = rows[k].role;
        snprintf(log->content[i][k], sizeof log->content[i][k], "%s", rows[k].content);
    }
    log->n++;
    return log->stop_after && log->n >= log->stop_after ? 99 : 0;
}

/* ListRecentMessages, ListMessagesByRoles (enum array), GetMessagesByIDs (sqlc.slice),
 * ListOpeningMessages (:batchmany). */
static void
test_message_windows_and_sets(void **state)
{
    db_conversation c;
    db_create_message_row m[5];
    db_message_role rl[5] = {DB_MESSAGE_ROLE_SYSTEM, DB_MESSAGE_ROLE_USER,
                             DB_MESSAGE_ROLE_ASSISTANT, DB_MESSAGE_ROLE_TOOL,
                             DB_MESSAGE_ROLE_USER};
    const char *txt[5] = {"sys prompt", "q1", "a1", "tool out", "q2"};
    db_list_recent_messages_rows recent = {0};
    db_list_messages_by_roles_rows by_roles = {0};
    db_get_messages_by_ids_rows by_ids = {0};
    struct opening_log opening = {0};
    int n = 0;
    (void)state;

    c = new_conversation("u-win", "win", NULL, NULL);
    for (int i = 0; i < 5; i++)
        m[i] = new_message(c.id, rl[i], txt[i], tok(10 + i));

    /* The last 3, oldest first. */
    APP_OK(db_list_recent_messages(app_db, c.id, 3, &recent));
    assert_int_equal(recent.len, 3);
    assert_string_equal(recent.rows[0].content, "a1");
    assert_string_equal(recent.rows[1].content, "tool out");
    assert_string_equal(recent.rows[2].content, "q2");
    assert_int_equal(recent.rows[2].token_count.value, 14);
    assert_int_equal(recent.rows[0].role, DB_MESSAGE_ROLE_ASSISTANT);
    assert_int_equal(recent.rows[0].seq, m[2].seq);
    db_list_recent_messages_rows_free(&recent);
    APP_OK(db_list_recent_messages_each(app_db, c.id, 100, count_recent, &n));
    assert_int_equal(n, 5);

    /* Enum array parameter: {user, assistant}. */
    {
        db_message_role want[2] = {DB_MESSAGE_ROLE_USER, DB_MESSAGE_ROLE_ASSISTANT};
        APP_OK(db_list_messages_by_roles(app_db, c.id, (db_message_role_array){want, 2},
                                         &by_roles));
        assert_int_equal(by_roles.len, 3);
        assert_string_equal(by_roles.rows[0].content, "q1");
        assert_string_equal(by_roles.rows[1].content, "a1");
        assert_string_equal(by_roles.rows[2].content, "q2");
        db_list_messages_by_roles_rows_free(&by_roles);
        n = 0;
        APP_OK(db_list_messages_by_roles_each(app_db, c.id, (db_message_role_array){want, 1},
                                              count_by_roles, &n));
        assert_int_equal(n, 2); /* q1, q2 */
        APP_OK(db_list_messages_by_roles(app_db, c.id, (db_message_role_array){want, 0},
                                         &by_roles));
        assert_int_equal(by_roles.len, 0);
        db_list_messages_by_roles_rows_free(&by_roles);
    }

    /* sqlc.slice(ids). */
    {
        pqg_uuid ids[3] = {m[4].id, m[0].id, app_uuid("00000000-0000-0000-0000-00000000beef")};
        APP_OK(db_get_messages_by_ids(app_db, (pqg_array_uuid){ids, 3}, &by_ids));
        assert_int_equal(by_ids.len, 2);
        assert_true(pqg_uuid_equal(by_ids.rows[0].id, m[0].id)); /* ORDER BY conversation, seq */
        assert_true(pqg_uuid_equal(by_ids.rows[1].id, m[4].id));
        assert_int_equal(by_ids.rows[1].role, DB_MESSAGE_ROLE_USER);
        assert_int_equal(by_ids.rows[1].created_at, m[4].created_at);
        db_get_messages_by_ids_rows_free(&by_ids);
        n = 0;
        APP_OK(db_get_messages_by_ids_each(app_db, (pqg_array_uuid){ids, 3}, count_msg_by_ids,
                                           &n));
        assert_int_equal(n, 2);
    }

    /* ListOpeningMessages (:batchmany): two items in one pipeline, at most 2 and 10 rows; an
     * empty conversation's item has no rows. */
    {
        db_conversation empty = {0};
        db_create_conversation_params cp = {.user_id = "u-win", .metadata = "{}"};
        db_list_opening_messages_params items[3];
        APP_OK(db_create_conversation(app_db, &cp, &empty));
        items[0] = (db_list_opening_messages_params){.conversation_id = c.id, .max_messages = 2};
        items[1] = (db_list_opening_messages_params){.conversation_id = empty.id,
                                                     .max_messages = 2};
        items[2] = (db_list_opening_messages_params){.conversation_id = c.id, .max_messages = 10};
        APP_OK(db_list_opening_messages(app_db, items, 3, log_opening, &opening));
        assert_int_equal(opening.n, 3);
        assert_int_equal(opening.n_rows[0], 2);
        assert_int_equal(opening.role[0][0], DB_MESSAGE_ROLE_USER);
        assert_string_equal(opening.content[0][0], "q1");
        assert_int_equal(opening.role[0][1], DB_MESSAGE_ROLE_ASSISTANT);
        assert_string_equal(opening.content[0][1], "a1");
        assert_int_equal(opening.n_rows[1], 0);
        assert_true(opening.rows_null[1]);
        assert_int_equal(opening.n_rows[2], 3); /* user, assistant, user: no system, no tool */
        assert_string_equal(opening.content[2][2], "q2");
        /* fn's non-zero value stops the calls and is returned. */
        memset(&opening, 0, sizeof opening);
        opening.stop_after = 1;
        assert_int_equal(db_list_opening_messages(app_db, items, 3, log_opening, &opening), 99);
        assert_int_equal(opening.n, 1);
        db_conversation_free(&empty);
    }
    for (int i = 0; i < 5; i++)
        db_create_message_row_free(&m[i]);
    db_conversation_free(&c);
}

/* Full-text search over live conversations only, ranked. */
static void
test_search_messages(void **state)
{
    const char *user = "u-fts";
    db_conversation live, gone, untitled;
    db_search_messages_rows rows = {0};
    int64_t affected;
    int n = 0;
    (void)state;

    live = new_conversation(user, "Travel", NULL, NULL);
    gone = new_conversation(user, "Old", NULL, NULL);
    untitled = new_conversation(user, NULL, NULL, NULL);
    add_message(live.id, DB_MESSAGE_ROLE_USER, "I want to book flights to Kyoto in April",
                (pqg_null_int32){0});
    add_message(live.id, DB_MESSAGE_ROLE_ASSISTANT, "Flights booked: flight KX1, flight KX2.",
                (pqg_null_int32){0});
    add_message(gone.id, DB_MESSAGE_ROLE_USER, "flights flights flights", (pqg_null_int32){0});
    add_message(untitled.id, DB_MESSAGE_ROLE_USER, "hotel only", (pqg_null_int32){0});
    APP_OK(db_soft_delete_conversation(app_db, gone.id, user, &affected));

    APP_OK(db_search_messages(app_db, "flight", user, 10, &rows));
    assert_int_equal(rows.len, 2);
    /* More occurrences rank higher. */
    assert_string_equal(rows.rows[0].content, "Flights booked: flight KX1, flight KX2.");
    assert_true(rows.rows[0].rank > rows.rows[1].rank);
    assert_true(rows.rows[1].rank > 0.0f);
    assert_string_equal(rows.rows[0].conversation_title, "Travel");
    assert_true(pqg_uuid_equal(rows.rows[0].conversation_id, live.id));
    assert_int_equal(rows.rows[0].role, DB_MESSAGE_ROLE_ASSISTANT);
    db_search_messages_rows_free(&rows);
    /* websearch syntax; a NULL conversation title decodes as NULL. */
    APP_OK(db_search_messages(app_db, "hotel -flight", user, 10, &rows));
    assert_int_equal(rows.len, 1);
    assert_null(rows.rows[0].conversation_title);
    db_search_messages_rows_free(&rows);
    APP_OK(db_search_messages_each(app_db, "kyoto OR hotel", user, 10, count_search, &n));
    assert_int_equal(n, 2);
    db_conversation_free(&live);
    db_conversation_free(&gone);
    db_conversation_free(&untitled);
}

/* BulkInsertMessages (:copyfrom, one binary COPY): timestamps to the microsecond, including
 * before 2000 and negative (pre-1970) values; then the delete queries. */
static void
test_bulk_insert_timestamps_and_deletes(void **state)
{
    db_conversation c;
    pqg_timestamp ts[4] = {
        app_ts(2024, 2, 29, 23, 59, 59, 999999),
        app_ts(1999, 12, 31, 23, 59, 59, 1),
        app_ts(1969, 7, 20, 20, 17, 40, 123456), /* before the Unix epoch: negative */
        app_ts(2038, 1, 19, 3, 14, 8, 654321),   /* after the 32-bit time_t limit */
    };
    const char *want_text[4] = {"2024-02-29 23:59:59.999999+00", "1999-12-31 23:59:59.000001+00",
                                "1969-07-20 20:17:40.123456+00", "2038-01-19 03:14:08.654321+00"};
    db_message_rows rows = {0};
    db_list_messages_params lp = {.page_size = 10};
    int64_t affected = -1;
    char buf[64];
    (void)state;

    assert_true(ts[2] < 0);
    c = new_conversation("u-bulk", "bulk", NULL, NULL);
    {
        db_bulk_insert_messages_params rows_in[4];
        int64_t copied = -1;
        for (int i = 0; i < 4; i++)
            rows_in[i] = (db_bulk_insert_messages_params){
                .conversation_id = c.id, .role = DB_MESSAGE_ROLE_USER, .content = "imported",
                .token_count = i == 1 ? (pqg_null_int32){0} : tok(i),
                .metadata = "{\"imported\": true}", .created_at = ts[i]};
        APP_OK(db_bulk_insert_messages(app_db, rows_in, 4, &copied));
        assert_int_equal(copied, 4);
    }
    lp.conversation_id = c.id;
    APP_OK(db_list_messages(app_db, &lp, &rows));
    assert_int_equal(rows.len, 4);
    for (int i = 0; i < 4; i++) {
        const char *params[1] = {app_uuid_str(rows.rows[i].id)};
        assert_int_equal(rows.rows[i].created_at, ts[i]);
        app_sql_value(buf, sizeof buf, "SELECT created_at::text FROM messages WHERE id = $1", 1,
                      params);
        assert_string_equal(buf, want_text[i]);
        app_assert_json_eq(rows.rows[i].metadata, "{\"imported\": true}");
    }
    assert_false(rows.rows[1].token_count.valid);
    pqg_timestamp_format(ts[2], buf);
    assert_string_equal(buf, "1969-07-20T20:17:40.123456Z");

    /* DeleteMessagesAfter the second message: two go. */
    APP_OK(db_delete_messages_after(app_db, c.id, rows.rows[1].seq, &affected));
    assert_int_equal(affected, 2);
    {
        pqg_uuid ids[2] = {rows.rows[0].id, rows.rows[3].id}; /* [3] is already gone */
        APP_OK(db_delete_messages_by_ids(app_db, (pqg_array_uuid){ids, 2}, &affected));
        assert_int_equal(affected, 1);
    }
    db_message_rows_free(&rows);
    APP_OK(db_list_messages(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    assert_int_equal(rows.rows[0].created_at, ts[1]);
    db_message_rows_free(&rows);
    db_conversation_free(&c);
}

struct copy_source {
    pqg_uuid conv;
    int next, n, bad_at;
    bool bad_fk;
    char content[32];
};

/* Streams n messages; the row at bad_at (if >= 0) has a negative token count (CHECK) and, with
 * bad_fk, names a missing conversation instead. */
static int
next_message(db_bulk_insert_messages_params *row, void *userdata)
{
    struct copy_source *src = userdata;

    if (src->next == src->n)
        return 0;
    snprintf(src->content, sizeof src->content, "streamed %d", src->next);
    row->conversation_id = src->conv;
    row->role = src->next % 2 ? DB_MESSAGE_ROLE_ASSISTANT : DB_MESSAGE_ROLE_USER;
    row->content = src->content; /* borrowed until the next call */
    row->token_count = tok(src->next);
    if (src->next == src->bad_at && src->bad_fk)
        row->conversation_id = app_uuid("00000000-0000-0000-0000-0000000000bd");
    else if (src->next == src->bad_at)
        row->token_count = tok(-1);
    row->metadata = "{}";
    row->created_at = app_ts(2026, 6, 1, 0, 0, 0, src->next);
    src->next++;
    return 1;
}

/* The streamed COPY (_from) loads a source of unknown length; a failing row aborts the whole
 * load (nothing kept) and is named; an empty load is 0 rows. */
static void
test_bulk_insert_streamed_and_atomic(void **state)
{
    db_conversation c = new_conversation("u-copy", "copy", NULL, NULL);
    struct copy_source src = {.conv = c.id, .n = 300, .bad_at = -1};
    db_message_rows rows = {0};
    db_list_messages_params lp = {.conversation_id = c.id, .page_size = 1000};
    int64_t copied = -1;
    (void)state;

    APP_OK(db_bulk_insert_messages_from(app_db, next_message, &src, &copied));
    assert_int_equal(copied, 300);
    APP_OK(db_list_messages(app_db, &lp, &rows));
    assert_int_equal(rows.len, 300);
    assert_string_equal(rows.rows[299].content, "streamed 299");
    assert_int_equal(rows.rows[299].role, DB_MESSAGE_ROLE_ASSISTANT);
    assert_int_equal(rows.rows[299].token_count.value, 299);
    assert_int_equal(rows.rows[299].created_at, app_ts(2026, 6, 1, 0, 0, 0, 299));
    db_message_rows_free(&rows);

    /* Row 157 violates the CHECK: nothing of this load is kept, the row is named. */
    src = (struct copy_source){.conv = c.id, .n = 200, .bad_at = 157};
    copied = -1;
    APP_RC(PQG_ECONSTRAINT, db_bulk_insert_messages_from(app_db, next_message, &src, &copied));
    assert_true(pqg_error_is_check_violation(pqg_last_error()));
    assert_int_equal(pqg_copy_last_error_row(), 157);
    assert_non_null(strstr(pqg_last_error()->message, "row 157"));
    assert_int_equal(copied, 0);
    /* A foreign key is checked after the last row (an AFTER trigger), so the server ties the
     * error to no row: pqg_copy_last_error_row() is -1, as documented. Still atomic. */
    src = (struct copy_source){.conv = c.id, .n = 200, .bad_at = 42, .bad_fk = true};
    APP_RC(PQG_ECONSTRAINT, db_bulk_insert_messages_from(app_db, next_message, &src, &copied));
    assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));
    assert_int_equal(pqg_copy_last_error_row(), -1);
    APP_OK(db_list_messages(app_db, &lp, &rows));
    assert_int_equal(rows.len, 300);
    db_message_rows_free(&rows);

    /* The array form with a failing row, and with no rows. */
    {
        db_bulk_insert_messages_params in[2] = {
            {.conversation_id = c.id, .role = DB_MESSAGE_ROLE_USER, .content = "ok",
             .metadata = "{}"},
            {.conversation_id = c.id, .role = DB_MESSAGE_ROLE_USER, .content = "bad tokens",
             .token_count = tok(-5), .metadata = "{}"}};
        APP_RC(PQG_ECONSTRAINT, db_bulk_insert_messages(app_db, in, 2, &copied));
        assert_true(pqg_error_is_check_violation(pqg_last_error()));
        assert_int_equal(pqg_copy_last_error_row(), 1);
        APP_OK(db_bulk_insert_messages(app_db, in, 0, &copied));
        assert_int_equal(copied, 0);
        APP_OK(db_bulk_insert_messages(app_db, in, 1, NULL));
    }
    APP_OK(db_list_messages(app_db, &lp, &rows));
    assert_int_equal(rows.len, 301);
    db_message_rows_free(&rows);
    db_conversation_free(&c);
}

/* db_querier_default calls through a function pointer; db_message_to_json renders a row. */
static void
test_querier_and_json(void **state)
{
    const db_querier *q = &db_querier_default;
    db_conversation c;
    db_create_message_params mp;
    db_create_message_row made = {0};
    db_message got = {0};
    json_t *j;
    char id[37], conv[37];
    (void)state;

    c = new_conversation("u-q", "querier", NULL, NULL);
    mp = (db_create_message_params){
        .conversation_id = c.id, .role = DB_MESSAGE_ROLE_TOOL, .content = "r\xC3\xA9sultat",
        .metadata = "{\"tool\": {\"name\": \"search\", \"hits\": [1, 2]}}"};
    assert_ptr_equal(q->create_message, db_create_message);
    APP_OK(q->create_message(app_db, &mp, &made));
    APP_OK(q->get_message(app_db, made.id, &got));
    assert_string_equal(got.content, "r\xC3\xA9sultat");

    /* A known instant for created_at so the JSON is fully predictable. */
    got.created_at = app_ts(2025, 3, 4, 5, 6, 7, 89);
    j = db_message_to_json(&got);
    assert_non_null(j);
    pqg_uuid_format(got.id, id);
    pqg_uuid_format(c.id, conv);
    assert_string_equal(json_string_value(json_object_get(j, "id")), id);
    assert_string_equal(json_string_value(json_object_get(j, "conversation_id")), conv);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), got.seq);
    assert_string_equal(json_string_value(json_object_get(j, "role")), "tool");
    assert_string_equal(json_string_value(json_object_get(j, "content")), "r\xC3\xA9sultat");
    assert_true(json_is_null(json_object_get(j, "token_count")));
    assert_true(json_is_null(json_object_get(j, "edited_at")));
    assert_string_equal(json_string_value(json_object_get(j, "created_at")),
                        "2025-03-04T05:06:07.000089Z");
    {
        /* jsonb is embedded as JSON, not as a string. */
        json_t *meta = json_object_get(j, "metadata");
        json_t *want = json_loads("{\"tool\": {\"name\": \"search\", \"hits\": [1, 2]}}", 0, NULL);
        assert_true(json_is_object(meta));
        assert_true(json_equal(meta, want));
        json_decref(want);
    }
    assert_int_equal(json_object_size(j), 9);
    json_decref(j);
    assert_null(db_message_to_json(NULL));
    db_message_free(&got);
    db_create_message_row_free(&made);
    db_conversation_free(&c);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("conversations", 0);
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
        cmocka_unit_test(test_unicode_title),
        cmocka_unit_test(test_metadata_jsonb),
        cmocka_unit_test(test_nulls_and_defaults),
        cmocka_unit_test(test_list_filters_and_pages),
        cmocka_unit_test(test_sidebar_last_message),
        cmocka_unit_test(test_with_message_count),
        cmocka_unit_test(test_get_by_ids),
        cmocka_unit_test(test_soft_delete_restore_purge),
        cmocka_unit_test(test_touch_and_message_bump),
        cmocka_unit_test(test_message_1mb),
        cmocka_unit_test(test_message_roles_and_edit),
        cmocka_unit_test(test_list_messages_filters),
        cmocka_unit_test(test_message_windows_and_sets),
        cmocka_unit_test(test_search_messages),
        cmocka_unit_test(test_bulk_insert_timestamps_and_deletes),
        cmocka_unit_test(test_bulk_insert_streamed_and_atomic),
        cmocka_unit_test(test_querier_and_json),
    };
    return cmocka_run_group_tests_name("app_conversations", tests, setup, teardown);
}
