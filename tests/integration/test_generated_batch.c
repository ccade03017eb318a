/*
 * test_generated_batch.c - the generated bulk API (generated/, prefix db) against a real
 * PostgreSQL: :copyfrom (BulkInsertMessages: 10,000 rows read back; a failing row named by its
 * index and nothing kept; the streaming _from variant; a source that aborts), :batchexec
 * (SetConversationPinned: 100 items in one call; UpdateMemoryImportance: a failing item aborts
 * the batch atomically), :batchone (AdjustPatternConfidence: a missing item is PQG_ENOTFOUND for
 * it alone) and :batchmany (ListOpeningMessages). Uses tests/integration/app_fixture.h.
 * Also runs two golden outputs (tests/golden/emit_batch, prefix nb: every type through binary
 * COPY, and :one scalars through typed out-parameters; emit_overrides, prefix app: json_t *
 * values through COPY, batches and failing decodes of a row and of a :many's last row, with
 * ASan watching for leaks), compiled
 * into this binary by #include.
 */
#include "app_fixture.h"

#include "../golden/emit_batch/out/models.c"
#include "../golden/emit_batch/out/query.c"
#include "../golden/emit_overrides/out/models.c"
#include "../golden/emit_overrides/out/query.c"

#define N_COPY 10000

/* ---- :copyfrom ---------------------------------------------------------------------------- */

/* A fresh conversation of user; its id. */
static pqg_uuid
new_conversation(const char *user)
{
    db_create_conversation_params p = {.user_id = user, .metadata = "{}"};
    db_conversation c = {0};
    pqg_uuid id;

    APP_OK(db_create_conversation(app_db, &p, &c));
    id = c.id;
    db_conversation_free(&c);
    return id;
}

static long long
count_messages(pqg_uuid conv)
{
    const char *params[1] = {app_uuid_str(conv)};
    return app_sql_int("SELECT count(*) FROM messages WHERE conversation_id = $1", 1, params);
}

/* Row i of the bulk load: every third has no token count; metadata names i. */
static void
fill_row(db_bulk_insert_messages_params *r, pqg_uuid conv, size_t i, char *content, size_t csz,
         char *meta, size_t msz, pqg_timestamp base)
{
    snprintf(content, csz, "message %zu", i);
    snprintf(meta, msz, "{\"i\": %zu}", i);
    r->conversation_id = conv;
    r->role = i % 2 ? DB_MESSAGE_ROLE_ASSISTANT : DB_MESSAGE_ROLE_USER;
    r->content = content;
    r->token_count.valid = i % 3 != 0;
    r->token_count.value = (int32_t)i;
    r->metadata = meta;
    r->created_at = base + (pqg_timestamp)i * APP_USEC_PER_SEC;
}

typedef struct copy_rows {
    db_bulk_insert_messages_params *rows;
    char (*content)[32];
    char (*meta)[32];
} copy_rows;

static void
make_rows(copy_rows *c, pqg_uuid conv, size_t n, pqg_timestamp base)
{
    c->rows = calloc(n, sizeof *c->rows);
    c->content = calloc(n, sizeof *c->content);
    c->meta = calloc(n, sizeof *c->meta);
    assert_non_null(c->rows);
    assert_non_null(c->content);
    assert_non_null(c->meta);
    for (size_t i = 0; i < n; i++)
        fill_row(&c->rows[i], conv, i, c->content[i], sizeof c->content[i], c->meta[i],
                 sizeof c->meta[i], base);
}

static void
free_rows(copy_rows *c)
{
    free(c->rows);
    free(c->content);
    free(c->meta);
}

static void
test_copy_10000_rows_read_back(void **state)
{
    pqg_uuid conv = new_conversation("copy-user");
    pqg_timestamp base = app_ts(2024, 5, 1, 12, 0, 0, 123456);
    copy_rows c;
    int64_t copied = -1;
    char buf[128];
    const char *params[1] = {app_uuid_str(conv)};
    (void)state;

    make_rows(&c, conv, N_COPY, base);
    APP_OK(db_bulk_insert_messages(app_db, c.rows, N_COPY, &copied));
    assert_int_equal(copied, N_COPY);
    assert_int_equal(count_messages(conv), N_COPY);

    /* Every value arrived as sent: enum labels, NULLs, jsonb, exact timestamps, order. */
    assert_int_equal(app_sql_int("SELECT count(*) FROM messages WHERE conversation_id = $1 "
                                 "AND role = 'assistant'", 1, params), N_COPY / 2);
    assert_int_equal(app_sql_int("SELECT count(*) FROM messages WHERE conversation_id = $1 "
                                 "AND token_count IS NULL", 1, params), (N_COPY + 2) / 3);
    assert_int_equal(app_sql_int("SELECT count(*) FROM messages WHERE conversation_id = $1 "
                                 "AND content = 'message ' || (metadata->>'i') AND "
                                 "(token_count IS NULL OR token_count = (metadata->>'i')::int)",
                                 1, params), N_COPY);
    assert_true(app_sql_value(buf, sizeof buf,
                              "SELECT content || '|' || role || '|' || coalesce(token_count::text,"
                              " 'null') || '|' || metadata::text || '|' || "
                              "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') "
                              "FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1",
                              1, params));
    assert_string_equal(buf, "message 9999|assistant|null|{\"i\": 9999}|2024-05-01 "
                             "14:46:39.123456");

    /* And through the generated :many reader too. */
    {
        db_list_messages_params lp = {.conversation_id = conv, .page_size = 3};
        db_message_rows rows = {0};
        APP_OK(db_list_messages(app_db, &lp, &rows));
        assert_int_equal(rows.len, 3);
        assert_string_equal(rows.rows[0].content, "message 0");
        assert_int_equal(rows.rows[0].role, DB_MESSAGE_ROLE_USER);
        assert_false(rows.rows[0].token_count.valid);
        assert_true(rows.rows[1].token_count.valid);
        assert_int_equal(rows.rows[1].token_count.value, 1);
        assert_int_equal(rows.rows[2].created_at, base + 2 * APP_USEC_PER_SEC);
        db_message_rows_free(&rows);
    }
    free_rows(&c);
}

static void
test_copy_failing_row_reports_index(void **state)
{
    pqg_uuid conv = new_conversation("copy-fail");
    copy_rows c;
    int64_t copied = -1;
    int rc;
    char want[32];
    (void)state;

    make_rows(&c, conv, 5000, app_ts(2024, 1, 1, 0, 0, 0, 0));
    c.rows[4321].content = NULL; /* content is NOT NULL */
    rc = db_bulk_insert_messages(app_db, c.rows, 5000, &copied);
    assert_int_equal(rc, PQG_ECONSTRAINT);
    assert_int_equal(copied, 0);
    assert_int_equal(pqg_copy_last_error_row(), 4321);
    snprintf(want, sizeof want, "row %d", 4321);
    if (!strstr(pqg_last_error()->message, want))
        fail_msg("message does not name the row: %s", pqg_last_error()->message);
    assert_string_equal(pqg_last_error()->sqlstate, "23502");
    /* Atomic: none of the 4,321 rows before it was kept. */
    assert_int_equal(count_messages(conv), 0);

    /* A NULL array with rows is refused before any round trip; zero rows is a no-op. */
    assert_int_equal(db_bulk_insert_messages(app_db, NULL, 3, &copied), PQG_EINVAL);
    APP_OK(db_bulk_insert_messages(app_db, NULL, 0, &copied));
    assert_int_equal(copied, 0);
    free_rows(&c);
}

/* A source for the _from variant: `limit` rows, or an error at row `fail_at`. */
typedef struct source {
    pqg_uuid conv;
    size_t next, limit, fail_at;
    char content[32], meta[32];
} source;

static int
next_row(db_bulk_insert_messages_params *row, void *userdata)
{
    source *s = userdata;

    if (s->next == s->fail_at)
        return PQG_EINVAL;
    if (s->next == s->limit)
        return 0;
    fill_row(row, s->conv, s->next, s->content, sizeof s->content, s->meta, sizeof s->meta,
             app_ts(2023, 1, 1, 0, 0, 0, 0));
    s->next++;
    return 1;
}

static void
test_copy_from_stream(void **state)
{
    source s = {.conv = new_conversation("copy-stream"), .limit = 2500, .fail_at = SIZE_MAX};
    int64_t copied = -1;
    (void)state;

    APP_OK(db_bulk_insert_messages_from(app_db, next_row, &s, &copied));
    assert_int_equal(copied, 2500);
    assert_int_equal(count_messages(s.conv), 2500);

    /* A source that fails aborts the load, keeps nothing, and its code is returned. */
    s.conv = new_conversation("copy-stream-fail");
    s.next = 0;
    s.fail_at = 1200;
    assert_int_equal(db_bulk_insert_messages_from(app_db, next_row, &s, &copied), PQG_EINVAL);
    assert_int_equal(copied, 0);
    assert_int_equal(pqg_copy_last_error_row(), 1200);
    assert_int_equal(count_messages(s.conv), 0);
    assert_int_equal(db_bulk_insert_messages_from(app_db, NULL, NULL, &copied), PQG_EINVAL);
}

/* Inside a transaction the load is part of it: rolled back, it leaves nothing. */
static void
test_copy_in_transaction(void **state)
{
    pqg_uuid conv = new_conversation("copy-tx");
    copy_rows c;
    pqg_db *tx = NULL;
    int64_t copied = 0;
    (void)state;

    make_rows(&c, conv, 100, app_ts(2024, 1, 1, 0, 0, 0, 0));
    APP_OK(pqg_begin(app_db, NULL, &tx));
    APP_OK(db_bulk_insert_messages(tx, c.rows, 100, &copied));
    assert_int_equal(copied, 100);
    APP_OK(pqg_rollback(tx));
    assert_int_equal(count_messages(conv), 0);
    free_rows(&c);
}

/* ---- :batchexec --------------------------------------------------------------------------- */

typedef struct exec_log {
    size_t calls;
    int rc[128];
    int64_t affected[128];
    bool aborted[128];
} exec_log;

static int
log_exec(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    exec_log *l = userdata;

    assert_int_equal(i, l->calls);
    l->calls++;
    l->rc[i] = rc;
    l->affected[i] = rows_affected;
    l->aborted[i] = rc != 0 && pqg_error_is_batch_aborted(pqg_last_error());
    return 0;
}

static void
test_batchexec_100_items(void **state)
{
    db_set_conversation_pinned_params items[100];
    pqg_uuid ids[100];
    exec_log log = {0};
    (void)state;

    for (size_t i = 0; i < 100; i++) {
        ids[i] = new_conversation("pin-user");
        items[i].pinned = i % 2 == 0;
        items[i].id = ids[i];
        /* The last ten belong to someone else: 0 rows affected, not an error. */
        items[i].user_id = i < 90 ? "pin-user" : "someone-else";
    }
    APP_OK(db_set_conversation_pinned(app_db, items, 100, log_exec, &log));
    assert_int_equal(log.calls, 100);
    for (size_t i = 0; i < 100; i++) {
        assert_int_equal(log.rc[i], 0);
        assert_int_equal(log.affected[i], i < 90 ? 1 : 0);
    }
    assert_int_equal(app_sql_int("SELECT count(*) FROM conversations WHERE user_id = 'pin-user' "
                                 "AND pinned", 0, NULL), 45);

    /* fn may be NULL: the call returns 0 or the first error. */
    for (size_t i = 0; i < 100; i++)
        items[i].pinned = true;
    APP_OK(db_set_conversation_pinned(app_db, items, 100, NULL, NULL));
    assert_int_equal(app_sql_int("SELECT count(*) FROM conversations WHERE user_id = 'pin-user' "
                                 "AND pinned", 0, NULL), 90);
    APP_OK(db_set_conversation_pinned(app_db, items, 0, NULL, NULL));
    assert_int_equal(db_set_conversation_pinned(app_db, NULL, 2, NULL, NULL), PQG_EINVAL);
}

static void
test_batchexec_failure_is_atomic(void **state)
{
    db_update_memory_importance_params items[10];
    exec_log log = {0};
    PGresult *r;
    int rc;
    (void)state;

    r = PQexec(app_raw, "INSERT INTO memories (user_id, content, importance) "
                        "SELECT 'imp-user', 'm' || g, 0.5 FROM generate_series(1, 10) g "
                        "RETURNING id");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 10);
    for (int i = 0; i < 10; i++) {
        items[i].id = app_uuid(PQgetvalue(r, i, 0));
        items[i].importance = 0.25f;
    }
    PQclear(r);
    items[6].importance = 1.5f; /* the importance_score domain allows 0..1 */

    rc = db_update_memory_importance(app_db, items, 10, log_exec, &log);
    assert_int_equal(rc, PQG_ECONSTRAINT);
    assert_string_equal(pqg_last_error()->sqlstate, "23514");
    assert_int_equal(log.calls, 10);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(log.rc[i], 0);
        assert_int_equal(log.affected[i], 1);
    }
    assert_int_equal(log.rc[6], PQG_ECONSTRAINT);
    assert_false(log.aborted[6]);
    for (int i = 7; i < 10; i++) {
        assert_int_equal(log.rc[i], PQG_ESERVER);
        assert_true(log.aborted[i]);
    }
    /* One implicit transaction: items 0-5 ran, but none of them was kept. */
    assert_int_equal(app_sql_int("SELECT count(*) FROM memories WHERE user_id = 'imp-user' "
                                 "AND importance = 0.5", 0, NULL), 10);
}

/* ---- :batchone ---------------------------------------------------------------------------- */

typedef struct one_log {
    size_t calls;
    int rc[8];
    char confidence[8][16];
    bool row_null[8];
} one_log;

static int
log_one(size_t i, int rc, const db_adjust_pattern_confidence_row *row, void *userdata)
{
    one_log *l = userdata;

    assert_int_equal(i, l->calls);
    l->calls++;
    l->rc[i] = rc;
    l->row_null[i] = row == NULL;
    if (row != NULL)
        snprintf(l->confidence[i], sizeof l->confidence[i], "%s", row->confidence);
    return 0;
}

static void
test_batchone_missing_item(void **state)
{
    db_adjust_pattern_confidence_params items[5] = {
        {.delta = "0.1", .signature = "sig-0"},     {.delta = "-0.2", .signature = "sig-1"},
        {.delta = "0.3", .signature = "sig-none"},  {.delta = "0.9", .signature = "sig-3"},
        {.delta = "0.0500", .signature = "sig-4"},
    };
    one_log log = {0};
    (void)state;

    app_sql("INSERT INTO pattern_signatures (signature, pattern_type, pattern, confidence) "
            "SELECT 'sig-' || g, 'test', '{}', 0.5 FROM generate_series(0, 4) g "
            "WHERE g <> 2");
    APP_OK(db_adjust_pattern_confidence(app_db, items, 5, log_one, &log));
    assert_int_equal(log.calls, 5);
    assert_int_equal(log.rc[2], PQG_ENOTFOUND);
    assert_true(log.row_null[2]);
    assert_int_equal(log.rc[0], 0);
    assert_string_equal(log.confidence[0], "0.6000");
    assert_string_equal(log.confidence[1], "0.3000");
    assert_string_equal(log.confidence[3], "1.0000"); /* clamped */
    assert_string_equal(log.confidence[4], "0.5500");
    for (int i = 0; i < 5; i++)
        if (i != 2)
            assert_false(log.row_null[i]);
    /* The missing item failed nothing: the others were committed. */
    assert_int_equal(app_sql_int("SELECT round(confidence * 10000) FROM pattern_signatures "
                                 "WHERE signature = 'sig-1'", 0, NULL), 3000);
}

/* ---- :batchmany --------------------------------------------------------------------------- */

typedef struct many_log {
    size_t calls;
    size_t n[4];
    char first[4][32];
    db_message_role first_role[4];
} many_log;

static int
log_many(size_t i, int rc, const db_list_opening_messages_row *rows, size_t n_rows,
         void *userdata)
{
    many_log *l = userdata;

    assert_int_equal(rc, 0);
    l->calls++;
    l->n[i] = n_rows;
    if (n_rows > 0) {
        snprintf(l->first[i], sizeof l->first[i], "%s", rows[0].content);
        l->first_role[i] = rows[0].role;
    } else {
        assert_null(rows);
    }
    return 0;
}

static int
stop_at_first(size_t i, int rc, const db_list_opening_messages_row *rows, size_t n_rows,
              void *userdata)
{
    (void)rc, (void)rows, (void)n_rows, (void)userdata;
    assert_int_equal(i, 0);
    return 7;
}

static void
test_batchmany(void **state)
{
    pqg_uuid conv[3];
    db_list_opening_messages_params items[3];
    many_log log = {0};
    (void)state;

    for (int c = 0; c < 3; c++) {
        copy_rows rows;
        conv[c] = new_conversation("many-user");
        make_rows(&rows, conv[c], (size_t)(c * 4), app_ts(2024, 2, 1, 0, 0, 0, 0));
        if (c > 0)
            APP_OK(db_bulk_insert_messages(app_db, rows.rows, (size_t)(c * 4), NULL));
        free_rows(&rows);
        items[c].conversation_id = conv[c];
        items[c].max_messages = 5;
    }
    APP_OK(db_list_opening_messages(app_db, items, 3, log_many, &log));
    assert_int_equal(log.calls, 3);
    assert_int_equal(log.n[0], 0);
    assert_int_equal(log.n[1], 4);
    assert_int_equal(log.n[2], 5);
    assert_string_equal(log.first[1], "message 0");
    assert_int_equal(log.first_role[2], DB_MESSAGE_ROLE_USER);

    /* A callback that stops: its value comes back, and the connection stays usable. */
    assert_int_equal(db_list_opening_messages(app_db, items, 3, stop_at_first, NULL), 7);
    APP_OK(db_list_opening_messages(app_db, items, 3, NULL, NULL));
    assert_int_equal(count_messages(conv[2]), 8);
}

/* ---- golden outputs on the server ------------------------------------------------------------ */

/* emit_batch's LoadNotes: one value of every type libpqg sends in binary COPY, and all NULLs. */
static void
test_golden_copy_every_type(void **state)
{
    static const uint8_t blob[3] = {0x00, 0x01, 0xff};
    const char *tags[2] = {"a", "b c"};
    nb_load_notes_params rows[2];
    int64_t copied = 0;
    char buf[512];
    (void)state;

    app_sql("CREATE TYPE role AS ENUM ('user', 'assistant');\n"
            "CREATE DOMAIN score AS real CHECK (VALUE BETWEEN 0 AND 1);\n"
            "CREATE TABLE notes (id bigserial PRIMARY KEY, owner uuid NOT NULL, role role NOT "
            "NULL, body text NOT NULL, title varchar(80), tags text[] NOT NULL DEFAULT '{}', "
            "meta jsonb NOT NULL DEFAULT '{}', raw json, weight numeric(10, 2), relevance score, "
            "stars int2, blob bytea, due date, lasting interval, created_at timestamptz NOT NULL "
            "DEFAULT now(), local_at timestamp)");
    memset(rows, 0, sizeof rows);
    rows[0].owner = app_uuid("0f0e0d0c-0b0a-0908-0706-050403020100");
    rows[0].role = NB_ROLE_ASSISTANT;
    rows[0].body = "body";
    rows[0].title = "title";
    rows[0].tags.items = tags;
    rows[0].tags.len = 2;
    rows[0].meta = "{\"k\": [1, 2]}";
    rows[0].raw = "[1,  2]";
    rows[0].weight = "-12.50";
    rows[0].relevance.valid = true, rows[0].relevance.value = 0.25f;
    rows[0].stars.valid = true, rows[0].stars.value = -7;
    rows[0].blob.data = blob, rows[0].blob.len = 3;
    rows[0].due.valid = true, rows[0].due.value = app_date(2024, 2, 29);
    rows[0].lasting.valid = true;
    rows[0].lasting.value.months = 1, rows[0].lasting.value.days = 2;
    rows[0].lasting.value.usec = 3 * APP_USEC_PER_SEC;
    rows[0].created_at = app_ts(2024, 5, 1, 12, 0, 0, 1);
    rows[0].local_at.valid = true, rows[0].local_at.value = app_ts(1999, 12, 31, 23, 59, 59, 0);
    rows[1] = rows[0];
    rows[1].title = NULL, rows[1].raw = NULL, rows[1].weight = NULL;
    rows[1].tags.len = 0;
    rows[1].relevance.valid = false, rows[1].stars.valid = false, rows[1].blob.data = NULL;
    rows[1].due.valid = false, rows[1].lasting.valid = false, rows[1].local_at.valid = false;
    APP_OK(nb_load_notes(app_db, rows, 2, &copied));
    assert_int_equal(copied, 2);
    assert_true(app_sql_value(buf, sizeof buf,
                              "SELECT concat_ws('|', owner, role, body, title, tags, meta, raw, "
                              "weight, relevance, stars, blob, due, lasting, created_at AT TIME "
                              "ZONE 'UTC', local_at) FROM notes ORDER BY id LIMIT 1", 0, NULL));
    assert_string_equal(buf, "0f0e0d0c-0b0a-0908-0706-050403020100|assistant|body|title|"
                             "{a,\"b c\"}|{\"k\": [1, 2]}|[1,  2]|-12.50|0.25|-7|\\x0001ff|"
                             "2024-02-29|1 mon 2 days 00:00:03|2024-05-01 12:00:00.000001|"
                             "1999-12-31 23:59:59");
    assert_true(app_sql_value(buf, sizeof buf,
                              "SELECT concat_ws('|', tags, coalesce(title, 'N'), coalesce(raw::text"
                              ", 'N'), coalesce(relevance::text, 'N'), coalesce(blob::text, 'N'))"
                              " FROM notes ORDER BY id DESC LIMIT 1", 0, NULL));
    assert_string_equal(buf, "{}|N|N|N|N");

    /* A :one of one fixed-size column returns the value through a typed out-parameter. */
    {
        int64_t total = -1;
        nb_role role = 0;
        pqg_null_float relevance = {.value = 9.0f, .valid = false};

        APP_OK(nb_count_notes(app_db, &total));
        assert_int_equal(total, 2);
        APP_OK(nb_get_note_role(app_db, 1, &role));
        assert_int_equal(role, NB_ROLE_ASSISTANT);
        APP_OK(nb_get_note_relevance(app_db, 1, &relevance));
        assert_true(relevance.valid);
        assert_true(relevance.value == 0.25f);
        APP_OK(nb_get_note_relevance(app_db, 2, &relevance));
        assert_false(relevance.valid); /* SQL NULL */
        APP_RC(PQG_ENOTFOUND, nb_get_note_role(app_db, 999, &role));
        assert_int_equal(role, 0); /* zeroed on error */
        assert_int_equal(nb_get_note_role(app_db, 1, NULL), PQG_EINVAL);
    }
}

static int
count_rows(size_t i, int rc, const app_event *rows, size_t n_rows, void *userdata)
{
    size_t *total = userdata;
    (void)i;
    assert_int_equal(rc, 0);
    for (size_t k = 0; k < n_rows; k++)
        assert_true(json_is_object(rows[k].payload));
    *total += n_rows;
    return 0;
}

static int
check_payload(size_t i, int rc, const app_get_event_batch_row *row, void *userdata)
{
    int *found = userdata;
    if (i == 1) {
        assert_int_equal(rc, PQG_ENOTFOUND);
        return 0;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(json_integer_value(json_object_get(row->payload, "n")), 1);
    assert_true(json_is_true(json_object_get(row->payload, "patched")));
    (*found)++;
    return 0;
}

/* emit_overrides: json_t * through COPY and batches (the adapters' temporaries and the borrowed
 * rows' JSON values are released: ASan checks), and a decode failure after the JSON columns. */
static void
test_golden_json_overrides(void **state)
{
    app_load_events_params rows[3];
    app_patch_events_params patch[2];
    app_get_event_batch_params get[2] = {{.id = 1}, {.id = 999}};
    app_list_events_by_kind_params kinds[2] = {{.kind = APP_KIND_A}, {.kind = APP_KIND_B}};
    app_get_event_kind_last_row last = {0};
    json_t *patch_json = json_pack("{s:b}", "patched", 1);
    int64_t copied = 0;
    size_t total = 0;
    int found = 0;
    (void)state;

    app_sql("CREATE TYPE kind AS ENUM ('a', 'b');\n"
            "CREATE TABLE events (id bigserial PRIMARY KEY, kind kind NOT NULL, payload jsonb NOT "
            "NULL, extra jsonb, note text)");
    for (int i = 0; i < 3; i++) {
        rows[i].kind = i == 2 ? APP_KIND_B : APP_KIND_A;
        rows[i].payload = json_pack("{s:i}", "n", i + 1);
        rows[i].extra = i == 1 ? NULL : json_pack("[i]", i);
        rows[i].note = i == 0 ? "first" : NULL;
    }
    APP_OK(app_load_events(app_db, rows, 3, &copied));
    assert_int_equal(copied, 3);
    for (int i = 0; i < 3; i++) {
        json_decref(rows[i].payload);
        json_decref(rows[i].extra);
    }
    assert_int_equal(app_sql_int("SELECT count(*) FROM events WHERE extra IS NULL AND "
                                 "payload = '{\"n\": 2}'", 0, NULL), 1);

    patch[0].patch = patch_json, patch[0].id = 1;
    patch[1].patch = patch_json, patch[1].id = 3;
    APP_OK(app_patch_events(app_db, patch, 2, NULL, NULL));
    json_decref(patch_json);
    APP_OK(app_get_event_batch(app_db, get, 2, check_payload, &found));
    assert_int_equal(found, 1);
    APP_OK(app_list_events_by_kind(app_db, kinds, 2, count_rows, &total));
    assert_int_equal(total, 3);
    /* Without a callback the decoded JSON values are released all the same. */
    APP_OK(app_get_event_batch(app_db, get, 2, NULL, NULL));

    APP_OK(app_get_event_kind_last(app_db, 1, &last));
    assert_true(json_is_object(last.payload));
    assert_int_equal(last.kind, APP_KIND_A);
    app_get_event_kind_last_row_free(&last);

    /* A label added after generation fails the decode after payload and extra were parsed. */
    app_sql("ALTER TYPE kind ADD VALUE 'c'");
    app_sql("INSERT INTO events (kind, payload, extra) VALUES ('c', '{\"big\": [1, 2, 3]}', "
            "'{\"x\": {}}')");
    assert_int_equal(app_get_event_kind_last(app_db, 4, &last), PQG_EDECODE);
    assert_null(last.payload);
    assert_null(last.extra);
    app_get_event_kind_last_row_free(&last);

    /* ListEvents parses the JSON of rows 1-3 before row 4 fails: the runtime releases them
     * through the statement's release_row (ASan's leak check fails the test otherwise). */
    app_event_rows all = {0};
    assert_int_equal(app_sql_int("SELECT count(*) FROM events WHERE id < 4", 0, NULL), 3);
    assert_int_equal(app_list_events(app_db, &all), PQG_EDECODE);
    assert_null(all.rows);
    assert_int_equal(all.len, 0);
}

static int
group_setup(void **state)
{
    (void)state;
    app_setup("gen_batch", 0);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    app_teardown();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_10000_rows_read_back),
        cmocka_unit_test(test_copy_failing_row_reports_index),
        cmocka_unit_test(test_copy_from_stream),
        cmocka_unit_test(test_copy_in_transaction),
        cmocka_unit_test(test_batchexec_100_items),
        cmocka_unit_test(test_batchexec_failure_is_atomic),
        cmocka_unit_test(test_batchone_missing_item),
        cmocka_unit_test(test_batchmany),
        cmocka_unit_test(test_golden_copy_every_type),
        cmocka_unit_test(test_golden_json_overrides),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
