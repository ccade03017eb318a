/*
 * test_app_memory.c - every generated function of queries/embeddings.sql (embedding records,
 * without pgvector), queries/memories.sql and queries/episodes.sql against a real PostgreSQL:
 * bytea with zero bytes, upserts updating in place, domain and CHECK violations, enums, TTL
 * expiry, ON DELETE SET NULL / CASCADE, text[] (with a NULL element), dates, the recursive
 * episode tree. Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"

#define COUNTER(name, type)                                                                    \
    static int name(const type *row, void *userdata)                                           \
    {                                                                                          \
        (void)row;                                                                             \
        (*(int *)userdata)++;                                                                  \
        return 0;                                                                              \
    }
COUNTER(count_emb, db_list_embedding_records_row)
COUNTER(count_mem, db_list_memories_row)
COUNTER(count_find_mem, db_find_memories_by_metadata_row)
COUNTER(count_unlinked, db_list_unlinked_raw_data_row)
COUNTER(count_ep_raw, db_list_episode_raw_data_row)
COUNTER(count_eps, db_list_episodes_row)
COUNTER(count_latest, db_list_latest_episode_per_session_row)
COUNTER(count_tree, db_get_episode_tree_row)

/* What a :batchexec callback saw: rows affected per item, in order. */
struct affected_log {
    int n;
    int64_t affected[8];
};

static int
log_affected(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    struct affected_log *log = userdata;

    assert_int_equal(rc, 0);
    assert_int_equal(i, (size_t)log->n);
    log->affected[log->n++] = rows_affected;
    return 0;
}

static int
log_links(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    return log_affected(i, rc, rows_affected, userdata);
}

/* A streamed raw-event source for BulkInsertRawData's _from form. */
struct raw_source {
    int next, n;
    char payload[32];
};

static int
next_raw(db_bulk_insert_raw_data_params *row, void *userdata)
{
    struct raw_source *src = userdata;

    if (src->next == src->n)
        return 0;
    snprintf(src->payload, sizeof src->payload, "{\"i\": %d}", src->next);
    row->session_id = "s-stream";
    row->source = "sensor";
    row->kind = "tick";
    row->payload = src->payload;
    row->occurred_at = app_ts(2026, 10, 6, 0, 0, 0, src->next);
    src->next++;
    return 1;
}

static const uint8_t hash_a[32] = {0x00, 0x01, 0x00, 0xff, 0x00, 0x00, 0x7f, 0x80, 0, 0, 0, 0,
                                   0,    0,    0,    0,    0xde, 0xad, 0,    0xbe, 0xef, 0};
static const uint8_t hash_b[32] = {0xff, 0x00, 0x00, 0x00, 0x01};

/* ---- embeddings (records only) ---- */

/* Upsert inserts, then updates in place (same id, new hash, fresh created_at); bytea with zero
 * bytes round trips; IsEmbeddingCurrent follows the hash. */
static void
test_embedding_record_upsert(void **state)
{
    pqg_uuid content = app_uuid("0a0b0c0d-0000-4000-8000-000000000001");
    db_upsert_embedding_record_params p = {
        .content_type = "message", .content_id = content, .model = "text-emb-3",
        .content_hash = {hash_a, sizeof hash_a}, .metadata = "{\"dims\": 1536}"};
    db_upsert_embedding_record_row first = {0}, second = {0};
    db_get_embedding_record_row got = {0};
    bool is_current = false;
    db_is_embedding_current_params ip = {
        .content_type = "message", .content_id = content, .model = "text-emb-3",
        .content_hash = {hash_a, sizeof hash_a}};
    (void)state;

    APP_OK(db_upsert_embedding_record(app_db, &p, &first));
    APP_OK(db_get_embedding_record(app_db, "message", content, "text-emb-3", &got));
    assert_true(pqg_uuid_equal(got.id, first.id));
    assert_int_equal(got.content_hash.len, 32);
    assert_memory_equal(got.content_hash.data, hash_a, 32);
    assert_string_equal(got.content_type, "message");
    assert_string_equal(got.model, "text-emb-3");
    assert_true(pqg_uuid_equal(got.content_id, content));
    app_assert_json_eq(got.metadata, "{\"dims\": 1536}");
    assert_int_equal(got.created_at, first.created_at);
    db_get_embedding_record_row_free(&got);
    APP_OK(db_is_embedding_current(app_db, &ip, &is_current));
    assert_true(is_current);

    /* Re-embed with another hash: same row, updated. */
    app_sql("UPDATE embeddings SET created_at = '2001-01-01+00'");
    p.content_hash = (pqg_bytes){hash_b, sizeof hash_b};
    p.metadata = "{\"dims\": 1536, \"v\": 2}";
    APP_OK(db_upsert_embedding_record(app_db, &p, &second));
    assert_true(pqg_uuid_equal(second.id, first.id));
    assert_true(second.created_at > app_ts(2020, 1, 1, 0, 0, 0, 0));
    assert_int_equal(app_sql_int("SELECT count(*) FROM embeddings", 0, NULL), 1);
    APP_OK(db_get_embedding_record(app_db, "message", content, "text-emb-3", &got));
    assert_memory_equal(got.content_hash.data, hash_b, 32);
    app_assert_json_eq(got.metadata, "{\"v\": 2, \"dims\": 1536}");
    db_get_embedding_record_row_free(&got);
    APP_OK(db_is_embedding_current(app_db, &ip, &is_current));
    assert_false(is_current); /* the old hash is stale now */
    ip.content_hash = (pqg_bytes){hash_b, sizeof hash_b};
    APP_OK(db_is_embedding_current(app_db, &ip, &is_current));
    assert_true(is_current);
    /* A hash that differs only after a zero byte is another hash (no C-string truncation). */
    {
        uint8_t h[32];
        memcpy(h, hash_b, 32);
        h[31] = 1;
        ip.content_hash = (pqg_bytes){h, 32};
        APP_OK(db_is_embedding_current(app_db, &ip, &is_current));
        assert_false(is_current);
    }
    APP_RC(PQG_ENOTFOUND, db_get_embedding_record(app_db, "memory", content, "text-emb-3", &got));

    /* The content_type CHECK constraint. */
    p.content_type = "video";
    APP_RC(PQG_ECONSTRAINT, db_upsert_embedding_record(app_db, &p, &first));
    assert_true(pqg_error_is_check_violation(pqg_last_error()));
    assert_string_equal(pqg_last_error()->table, "embeddings");
    db_upsert_embedding_record_row_free(&first);
    db_upsert_embedding_record_row_free(&second);
}

/* ListEmbeddingRecords: the content_type narg NULL and set, pages; DeleteEmbeddingsForContent. */
static void
test_embedding_records_list_delete(void **state)
{
    const char *types[5] = {"memory", "memory", "episode", "document", "memory"};
    pqg_uuid ids[5];
    db_list_embedding_records_params lp = {.model = "m-list", .page_size = 100};
    db_list_embedding_records_rows rows = {0};
    int64_t affected = -1;
    int n = 0;
    (void)state;

    for (int i = 0; i < 5; i++) {
        char u[48];
        db_upsert_embedding_record_row r = {0};
        snprintf(u, sizeof u, "00000000-0000-4000-8000-0000000001%02d", i);
        ids[i] = app_uuid(u);
        db_upsert_embedding_record_params p = {
            .content_type = types[i], .content_id = ids[i], .model = "m-list",
            .content_hash = {hash_a, (size_t)i}, .metadata = "{}"};  /* incl. an empty bytea */
        APP_OK(db_upsert_embedding_record(app_db, &p, &r));
        db_upsert_embedding_record_row_free(&r);
    }
    {
        /* An empty (not NULL) bytea stays empty. */
        db_get_embedding_record_row got = {0};
        APP_OK(db_get_embedding_record(app_db, "memory", ids[0], "m-list", &got));
        assert_int_equal(got.content_hash.len, 0);
        assert_non_null(got.content_hash.data);
        db_get_embedding_record_row_free(&got);
    }
    app_sql("UPDATE embeddings SET created_at = '2030-01-01+00'::timestamptz + "
            "(right(content_id::text, 2)::int * interval '1 second') WHERE model = 'm-list'");

    APP_OK(db_list_embedding_records(app_db, &lp, &rows));
    assert_int_equal(rows.len, 5);
    assert_true(pqg_uuid_equal(rows.rows[0].id, rows.rows[0].id));
    assert_true(pqg_uuid_equal(rows.rows[0].content_id, ids[4])); /* newest first */
    assert_int_equal(rows.rows[0].created_at, app_ts(2030, 1, 1, 0, 0, 4, 0));
    db_list_embedding_records_rows_free(&rows);
    lp.content_type = "memory";
    APP_OK(db_list_embedding_records(app_db, &lp, &rows));
    assert_int_equal(rows.len, 3);
    for (size_t i = 0; i < rows.len; i++)
        assert_string_equal(rows.rows[i].content_type, "memory");
    db_list_embedding_records_rows_free(&rows);
    lp.page_size = 2;
    lp.page_offset = 2;
    APP_OK(db_list_embedding_records(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    assert_true(pqg_uuid_equal(rows.rows[0].content_id, ids[0]));
    db_list_embedding_records_rows_free(&rows);
    lp.content_type = NULL;
    lp.page_size = 100;
    lp.page_offset = 0;
    APP_OK(db_list_embedding_records_each(app_db, &lp, count_emb, &n));
    assert_int_equal(n, 5);

    {
        pqg_uuid del[3] = {ids[0], ids[1], ids[2]}; /* ids[2] is an episode: not matched */
        APP_OK(db_delete_embeddings_for_content(app_db, "memory", (pqg_array_uuid){del, 3},
                                                &affected));
        assert_int_equal(affected, 2);
    }
    lp.content_type = "memory";
    APP_OK(db_list_embedding_records(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    db_list_embedding_records_rows_free(&rows);
}

/* ---- memories ---- */

static db_memory
new_memory(const char *user, db_memory_kind kind, const char *content, float importance,
           const char *metadata)
{
    db_create_memory_params p = {.user_id = user, .kind = kind, .content = content,
                                 .importance = importance, .metadata = metadata ? metadata : "{}"};
    db_memory m = {0};

    APP_OK(db_create_memory(app_db, &p, &m));
    return m;
}

/* Every kind, float importance exactly, NULL and set conversation_id / expires_at; the
 * importance_score domain's CHECK; ON DELETE SET NULL from conversations. */
static void
test_memory_create_get(void **state)
{
    db_create_conversation_params cp = {.user_id = "u-mem", .metadata = "{}"};
    db_conversation conv = {0};
    db_create_memory_params p = {0};
    db_memory m = {0}, got = {0};
    pqg_timestamp exp = app_ts(2099, 12, 31, 23, 59, 59, 999999);
    db_memory_kind kinds[4] = {DB_MEMORY_KIND_FACT, DB_MEMORY_KIND_PREFERENCE,
                               DB_MEMORY_KIND_INSTRUCTION, DB_MEMORY_KIND_SUMMARY};
    const char *params[1];
    (void)state;

    APP_OK(db_create_conversation(app_db, &cp, &conv));
    p = (db_create_memory_params){
        .user_id = "u-mem", .conversation_id = {.value = conv.id, .valid = true},
        .kind = DB_MEMORY_KIND_PREFERENCE, .content = "likes window seats \xE2\x9C\x88",
        .importance = 0.875f, .metadata = "{\"topic\": \"travel\", \"src\": {\"msg\": 3}}",
        .expires_at = {.value = exp, .valid = true}};
    APP_OK(db_create_memory(app_db, &p, &m));
    assert_true(m.conversation_id.valid);
    assert_true(pqg_uuid_equal(m.conversation_id.value, conv.id));
    assert_int_equal(m.kind, DB_MEMORY_KIND_PREFERENCE);
    assert_true(m.importance == 0.875f);
    assert_int_equal(m.access_count, 0);
    assert_false(m.last_accessed_at.valid);
    assert_true(m.expires_at.valid);
    assert_int_equal(m.expires_at.value, exp);
    APP_OK(db_get_memory(app_db, m.id, &got));
    assert_string_equal(got.content, "likes window seats \xE2\x9C\x88");
    assert_string_equal(got.user_id, "u-mem");
    app_assert_json_eq(got.metadata, "{\"src\": {\"msg\": 3}, \"topic\": \"travel\"}");
    assert_int_equal(got.expires_at.value, exp);
    assert_int_equal(got.created_at, m.created_at);
    db_memory_free(&got);

    for (int i = 0; i < 4; i++) {
        db_memory k = new_memory("u-mem-kinds", kinds[i], "k", 0.5f, NULL);
        char buf[32];
        params[0] = app_uuid_str(k.id);
        app_sql_value(buf, sizeof buf, "SELECT kind::text FROM memories WHERE id = $1", 1, params);
        assert_string_equal(buf, db_memory_kind_to_string(kinds[i]));
        APP_OK(db_get_memory(app_db, k.id, &got));
        assert_int_equal(got.kind, kinds[i]);
        assert_false(got.conversation_id.valid);
        assert_false(got.expires_at.valid);
        db_memory_free(&got);
        db_memory_free(&k);
    }

    /* The domain's CHECK (VALUE BETWEEN 0 AND 1). */
    p.importance = 1.5f;
    APP_RC(PQG_ECONSTRAINT, db_create_memory(app_db, &p, &got));
    assert_true(pqg_error_is_check_violation(pqg_last_error()));

    /* Hard-deleting the conversation keeps the memory with conversation_id NULL. */
    params[0] = app_uuid_str(conv.id);
    PQclear(PQexecParams(app_raw, "DELETE FROM conversations WHERE id = $1", 1, NULL, params,
                         NULL, NULL, 0));
    APP_OK(db_get_memory(app_db, m.id, &got));
    assert_false(got.conversation_id.valid);
    db_memory_free(&got);
    APP_RC(PQG_ENOTFOUND, db_get_memory(app_db, app_uuid("00000000-0000-0000-0000-000000000009"),
                                        &got));
    db_memory_free(&m);
    db_conversation_free(&conv);
}

/* ListMemories with its two nargs, expiry hiding rows, pages; FindMemoriesByMetadata. */
static void
test_memory_list_filters(void **state)
{
    const char *user = "u-mlist";
    db_memory m[5];
    db_list_memories_params lp = {.user_id = user, .page_size = 100};
    db_list_memories_rows rows = {0};
    db_find_memories_by_metadata_rows found = {0};
    db_create_memory_params ep = {
        .user_id = user, .kind = DB_MEMORY_KIND_FACT, .content = "expired", .importance = 1.0f,
        .metadata = "{}", .expires_at = {.value = pqg_timestamp_now() - APP_USEC_PER_SEC,
                                         .valid = true}};
    db_memory expired = {0};
    int n = 0;
    (void)state;

    m[0] = new_memory(user, DB_MEMORY_KIND_FACT, "f1", 0.25f, "{\"topic\": \"food\"}");
    m[1] = new_memory(user, DB_MEMORY_KIND_FACT, "f2", 0.75f, "{\"topic\": \"travel\"}");
    m[2] = new_memory(user, DB_MEMORY_KIND_PREFERENCE, "p1", 0.5f, "{\"topic\": \"travel\"}");
    m[3] = new_memory(user, DB_MEMORY_KIND_SUMMARY, "s1", 1.0f, NULL);
    m[4] = new_memory("u-other", DB_MEMORY_KIND_FACT, "theirs", 0.9f, "{\"topic\": \"travel\"}");
    APP_OK(db_create_memory(app_db, &ep, &expired));

    APP_OK(db_list_memories(app_db, &lp, &rows));
    assert_int_equal(rows.len, 4); /* the expired one is hidden */
    assert_string_equal(rows.rows[0].content, "s1");
    assert_string_equal(rows.rows[1].content, "f2");
    assert_string_equal(rows.rows[3].content, "f1");
    assert_true(rows.rows[3].importance == 0.25f);
    app_assert_json_eq(rows.rows[3].metadata, "{\"topic\": \"food\"}");
    db_list_memories_rows_free(&rows);

    lp.kind = DB_MEMORY_KIND_FACT;
    APP_OK(db_list_memories(app_db, &lp, &rows));
    assert_int_equal(rows.len, 2);
    db_list_memories_rows_free(&rows);
    lp.min_importance = (pqg_null_float){.value = 0.5f, .valid = true};
    APP_OK(db_list_memories(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    assert_string_equal(rows.rows[0].content, "f2");
    db_list_memories_rows_free(&rows);
    lp.kind = 0;
    APP_OK(db_list_memories(app_db, &lp, &rows));
    assert_int_equal(rows.len, 3); /* 1.0, 0.75, 0.5 */
    db_list_memories_rows_free(&rows);
    lp.min_importance.valid = false;
    lp.page_size = 3;
    lp.page_offset = 3;
    APP_OK(db_list_memories(app_db, &lp, &rows));
    assert_int_equal(rows.len, 1);
    assert_string_equal(rows.rows[0].content, "f1");
    db_list_memories_rows_free(&rows);
    lp.page_offset = 0;
    lp.page_size = 100;
    APP_OK(db_list_memories_each(app_db, &lp, count_mem, &n));
    assert_int_equal(n, 4);

    APP_OK(db_find_memories_by_metadata(app_db, user, "{\"topic\": \"travel\"}", &found));
    assert_int_equal(found.len, 2);
    assert_string_equal(found.rows[0].content, "f2"); /* by importance */
    assert_int_equal(found.rows[1].kind, DB_MEMORY_KIND_PREFERENCE);
    db_find_memories_by_metadata_rows_free(&found);
    n = 0;
    APP_OK(db_find_memories_by_metadata_each(app_db, user, "{}", count_find_mem, &n));
    assert_int_equal(n, 5); /* FindMemoriesByMetadata does not filter expiry */

    /* PurgeExpiredMemories removes exactly the expired one. */
    {
        int64_t affected = -1;
        db_memory got = {0};
        APP_OK(db_purge_expired_memories(app_db, &affected));
        assert_int_equal(affected, 1);
        APP_RC(PQG_ENOTFOUND, db_get_memory(app_db, expired.id, &got));
        APP_OK(db_purge_expired_memories(app_db, &affected));
        assert_int_equal(affected, 0);
    }
    for (int i = 0; i < 5; i++)
        db_memory_free(&m[i]);
    db_memory_free(&expired);
}

/* RecordMemoryAccess, UpdateMemoryImportance (:batchexec), DecayMemoryImportance,
 * DeleteMemory. */
static void
test_memory_access_decay_delete(void **state)
{
    const char *user = "u-decay";
    db_memory a, b, c, got = {0};
    int64_t affected = -1;
    pqg_timestamp before;
    (void)state;

    a = new_memory(user, DB_MEMORY_KIND_FACT, "a", 0.5f, NULL);
    b = new_memory(user, DB_MEMORY_KIND_FACT, "b", 0.5f, NULL);
    c = new_memory(user, DB_MEMORY_KIND_FACT, "c", 0.5f, NULL);
    before = pqg_timestamp_now();
    {
        pqg_uuid ids[2] = {a.id, b.id};
        APP_OK(db_record_memory_access(app_db, (pqg_array_uuid){ids, 2}, &affected));
        assert_int_equal(affected, 2);
        APP_OK(db_record_memory_access(app_db, (pqg_array_uuid){ids, 1}, &affected));
        assert_int_equal(affected, 1);
    }
    APP_OK(db_get_memory(app_db, a.id, &got));
    assert_int_equal(got.access_count, 2);
    assert_true(got.last_accessed_at.valid);
    assert_true(got.last_accessed_at.value >= before - APP_USEC_PER_SEC);
    db_memory_free(&got);

    /* UpdateMemoryImportance (:batchexec): two items, one pipeline. */
    {
        db_update_memory_importance_params items[2] = {{.importance = 0.125f, .id = c.id},
                                                       {.importance = 0.5f, .id = a.id}};
        struct affected_log log = {0};
        APP_OK(db_update_memory_importance(app_db, items, 2, log_affected, &log));
        assert_int_equal(log.n, 2);
        assert_int_equal(log.affected[0], 1);
        assert_int_equal(log.affected[1], 1);
        APP_OK(db_get_memory(app_db, c.id, &got));
        assert_true(got.importance == 0.125f);
        db_memory_free(&got);
        /* The domain's CHECK fails item 1; item 0 is rolled back with it. */
        items[0].importance = 0.875f;
        items[1].importance = -0.5f;
        APP_RC(PQG_ECONSTRAINT, db_update_memory_importance(app_db, items, 2, NULL, NULL));
        assert_true(pqg_error_is_check_violation(pqg_last_error()));
        APP_OK(db_get_memory(app_db, c.id, &got));
        assert_true(got.importance == 0.125f);
        db_memory_free(&got);
    }

    /* Decay memories idle since before "now + 1h": all three; only rows of this user. Then
     * with an idle_since in the past: none. */
    app_sql("UPDATE memories SET last_accessed_at = '2020-01-01+00' WHERE content = 'b' AND "
            "user_id = 'u-decay'");
    APP_OK(db_decay_memory_importance(app_db, 0.5f, user, app_ts(2021, 1, 1, 0, 0, 0, 0),
                                      &affected));
    assert_int_equal(affected, 1); /* b: accessed 2020; a: accessed now; c: created now */
    APP_OK(db_get_memory(app_db, b.id, &got));
    assert_true(got.importance == 0.25f);
    db_memory_free(&got);
    APP_OK(db_decay_memory_importance(app_db, 0.5f, user,
                                      pqg_timestamp_now() + 3600 * APP_USEC_PER_SEC, &affected));
    assert_int_equal(affected, 3);
    APP_OK(db_get_memory(app_db, c.id, &got));
    assert_true(got.importance == 0.0625f);
    db_memory_free(&got);

    APP_OK(db_delete_memory(app_db, a.id, "someone-else", &affected));
    assert_int_equal(affected, 0);
    APP_OK(db_delete_memory(app_db, a.id, user, &affected));
    assert_int_equal(affected, 1);
    APP_RC(PQG_ENOTFOUND, db_get_memory(app_db, a.id, &got));
    db_memory_free(&a);
    db_memory_free(&b);
    db_memory_free(&c);
}

/* ---- episodes ---- */

/* Raw events: bytea with zero bytes (and NULL), NULL session and content, exact occurred_at;
 * the COPY form; linking in a batch; unlinked listing before and after linking. */
static void
test_raw_data_and_links(void **state)
{
    static const uint8_t blob[] = {0x89, 'P', 'N', 'G', 0x00, 0x00, 0x00, 0x0d, 0x00, 0xff, 0x00};
    db_insert_raw_data_params rp = {
        .session_id = "s-raw", .source = "camera", .kind = "frame",
        .payload = "{\"w\": 640, \"h\": 480, \"label\": \"\xE7\x8C\xAB\"}", .content = NULL,
        .attachment = {blob, sizeof blob}, .occurred_at = app_ts(2026, 10, 5, 8, 9, 10, 111213)};
    db_insert_raw_data_row r1 = {0}, r2 = {0};
    db_list_unlinked_raw_data_rows un = {0};
    db_list_episode_raw_data_rows er = {0};
    db_create_episode_params ep = {0};
    db_episode ep_row = {0};
    pqg_timestamp t0 = app_ts(2026, 10, 5, 8, 0, 0, 0);
    int n = 0;
    const char *tags_none[1] = {"x"};
    (void)state;

    APP_OK(db_insert_raw_data(app_db, &rp, &r1));
    assert_true(r1.id > 0);
    assert_true(r1.ingested_at > app_ts(2020, 1, 1, 0, 0, 0, 0));
    rp.attachment = (pqg_bytes){0};
    rp.content = "a note";
    rp.kind = "note";
    rp.occurred_at = app_ts(2026, 10, 5, 8, 9, 10, 111214); /* one microsecond later */
    APP_OK(db_insert_raw_data(app_db, &rp, &r2));
    {
        /* BulkInsertRawData (:copyfrom): three rows in one binary COPY. */
        db_bulk_insert_raw_data_params bp[3];
        int64_t copied = -1;
        for (int i = 0; i < 3; i++)
            bp[i] = (db_bulk_insert_raw_data_params){
                .session_id = i == 2 ? NULL : "s-raw", .source = "import", .kind = "event",
                .payload = "{\"i\": 0}", .content = i == 0 ? "first" : NULL,
                .occurred_at = app_ts(2026, 10, 5, 7, 0, 0, i)};
        APP_OK(db_bulk_insert_raw_data(app_db, bp, 3, &copied));
        assert_int_equal(copied, 3);
        /* The streamed form: 50 events of another session, with a 1-byte-per-row payload. */
        {
            struct raw_source src = {.n = 50};
            APP_OK(db_bulk_insert_raw_data_from(app_db, next_raw, &src, &copied));
            assert_int_equal(copied, 50);
            assert_int_equal(app_sql_int("SELECT count(*) FROM raw_data WHERE session_id = "
                                         "'s-stream' AND payload = jsonb_build_object('i', "
                                         "extract(microseconds FROM occurred_at)::int % 1000000)",
                                         0, NULL), 50);
        }
        assert_int_equal(app_sql_int("SELECT count(*) FROM raw_data WHERE source = 'import' AND "
                                     "session_id IS NULL AND content IS NULL", 0, NULL), 1);
    }

    APP_OK(db_list_unlinked_raw_data(app_db, "s-raw", 100, &un));
    assert_int_equal(un.len, 4); /* 2 imported with s-raw + 2 inserted */
    assert_string_equal(un.rows[0].content, "first");
    assert_int_equal(un.rows[0].occurred_at, app_ts(2026, 10, 5, 7, 0, 0, 0));
    assert_null(un.rows[1].content);
    assert_int_equal(un.rows[2].id, r1.id);
    assert_int_equal(un.rows[2].occurred_at, app_ts(2026, 10, 5, 8, 9, 10, 111213));
    assert_int_equal(un.rows[3].occurred_at, app_ts(2026, 10, 5, 8, 9, 10, 111214));
    assert_string_equal(un.rows[2].source, "camera");
    app_assert_json_eq(un.rows[2].payload, "{\"h\": 480, \"w\": 640, \"label\": \"\xE7\x8C\xAB\"}");
    db_list_unlinked_raw_data_rows_free(&un);
    APP_OK(db_list_unlinked_raw_data(app_db, "s-raw", 2, &un));
    assert_int_equal(un.len, 2);
    db_list_unlinked_raw_data_rows_free(&un);

    ep = (db_create_episode_params){
        .agent_id = "agent-raw", .session_id = "s-raw", .title = "seen a cat",
        .summary = "camera saw a cat", .tags = {(const char **)tags_none, 1},
        .importance = 0.5f, .episode_date = app_date(2026, 10, 5), .started_at = t0};
    APP_OK(db_create_episode(app_db, &ep, &ep_row));
    {
        /* LinkEpisodeRawData (:batchexec): two links and a re-link (ON CONFLICT DO NOTHING:
         * 0 rows, not an error) in one pipeline. */
        db_link_episode_raw_data_params lp[3] = {
            {.episode_id = ep_row.id, .raw_data_id = r2.id, .seq_no = 1,
             .relevance = {.value = 0.125, .valid = true}},
            {.episode_id = ep_row.id, .raw_data_id = r1.id, .seq_no = 0},
            {.episode_id = ep_row.id, .raw_data_id = r1.id, .seq_no = 9}};
        struct affected_log log = {0};
        APP_OK(db_link_episode_raw_data(app_db, lp, 3, log_links, &log));
        assert_int_equal(log.n, 3);
        assert_int_equal(log.affected[0], 1);
        assert_int_equal(log.affected[1], 1);
        assert_int_equal(log.affected[2], 0);
        /* Linking a missing raw event violates the foreign key. */
        lp[0].raw_data_id = 987654321;
        APP_RC(PQG_ECONSTRAINT, db_link_episode_raw_data(app_db, lp, 1, NULL, NULL));
        assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));
    }
    APP_OK(db_list_episode_raw_data(app_db, ep_row.id, &er));
    assert_int_equal(er.len, 2);
    assert_int_equal(er.rows[0].id, r1.id);
    assert_int_equal(er.rows[0].seq_no, 0);
    assert_false(er.rows[0].relevance.valid);
    assert_int_equal(er.rows[0].attachment.len, sizeof blob);
    assert_memory_equal(er.rows[0].attachment.data, blob, sizeof blob);
    assert_null(er.rows[0].content);
    assert_int_equal(er.rows[1].id, r2.id);
    assert_null(er.rows[1].attachment.data); /* SQL NULL bytea */
    assert_int_equal(er.rows[1].attachment.len, 0);
    assert_true(er.rows[1].relevance.valid);
    assert_true(er.rows[1].relevance.value == 0.125);
    assert_string_equal(er.rows[1].content, "a note");
    db_list_episode_raw_data_rows_free(&er);
    APP_OK(db_list_episode_raw_data_each(app_db, ep_row.id, count_ep_raw, &n));
    assert_int_equal(n, 2);

    n = 0;
    APP_OK(db_list_unlinked_raw_data_each(app_db, "s-raw", 100, count_unlinked, &n));
    assert_int_equal(n, 2);
    /* The byte count as the server sees it. */
    {
        char id[32];
        const char *params[1] = {id};
        snprintf(id, sizeof id, "%lld", (long long)r1.id);
        assert_int_equal(app_sql_int("SELECT octet_length(attachment) FROM raw_data WHERE id = "
                                     "$1::bigint", 1, params), (long long)sizeof blob);
    }
    db_insert_raw_data_row_free(&r1);
    db_insert_raw_data_row_free(&r2);
    db_episode_free(&ep_row);
}

static db_episode
new_episode(const char *agent, const char *session, const pqg_uuid *parent, const char *title,
            const char *const *tags, size_t n_tags, float importance, pqg_date day,
            pqg_timestamp started)
{
    db_create_episode_params p = {
        .agent_id = agent, .session_id = session, .title = title, .summary = "summary",
        .tags = {(const char **)tags, n_tags}, .importance = importance, .episode_date = day,
        .started_at = started};
    db_episode e = {0};

    if (parent) {
        p.parent_id.value = *parent;
        p.parent_id.valid = true;
    }
    APP_OK(db_create_episode(app_db, &p, &e));
    return e;
}

/* CreateEpisode / GetEpisode: tags (unicode, empty array, a NULL element), date, NULL/set
 * ended_at, the CHECK on ended_at; CloseEpisode; AddEpisodeTags. */
static void
test_episode_create_tags_close(void **state)
{
    const char *tags[3] = {"travel", "\xE6\x97\x85\xE8\xA1\x8C", "a,b \"q\" {x}"};
    const char *with_null[2] = {"x", NULL};
    const char *more[3] = {"zeta", "travel", "alpha"};
    db_episode e, got = {0}, en;
    db_add_episode_tags_row at = {0};
    pqg_timestamp st = app_ts(2026, 11, 2, 10, 0, 0, 1);
    int64_t affected = -1;
    (void)state;

    e = new_episode("agent-e", NULL, NULL, "trip", tags, 3, 0.75f, app_date(2026, 11, 2), st);
    assert_null(e.session_id);
    assert_false(e.parent_id.valid);
    assert_false(e.ended_at.valid);
    assert_int_equal(e.episode_date, app_date(2026, 11, 2));
    assert_int_equal(e.tags.len, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(e.tags.items[i], tags[i]);
    APP_OK(db_get_episode(app_db, e.id, &got));
    assert_int_equal(got.started_at, st);
    assert_true(got.importance == 0.75f);
    assert_string_equal(got.tags.items[2], "a,b \"q\" {x}");
    {
        char buf[32];
        const char *params[1] = {app_uuid_str(e.id)};
        app_sql_value(buf, sizeof buf, "SELECT episode_date::text FROM episodes WHERE id = $1", 1,
                      params);
        assert_string_equal(buf, "2026-11-02");
    }
    db_episode_free(&got);

    /* An empty tag array is not NULL. */
    en = new_episode("agent-e", "s1", &e.id, "child", tags, 0, 0.5f, app_date(1999, 1, 1),
                     app_ts(1999, 1, 1, 0, 0, 0, 0));
    assert_int_equal(en.tags.len, 0);
    assert_true(en.parent_id.valid);
    assert_true(pqg_uuid_equal(en.parent_id.value, e.id));
    assert_int_equal(en.episode_date, app_date(1999, 1, 1));
    assert_string_equal(en.session_id, "s1");
    db_episode_free(&en);
    /* text[] NULL elements are allowed by the schema and come back as NULL pointers. */
    en = new_episode("agent-null-tag", "s1", NULL, "nulltag", with_null, 2, 0.5f,
                     app_date(2026, 11, 2), st);
    assert_int_equal(en.tags.len, 2);
    assert_string_equal(en.tags.items[0], "x");
    assert_null(en.tags.items[1]);
    db_episode_free(&en);

    /* Close once with a past timestamp; the second close affects nothing. */
    APP_OK(db_close_episode(app_db, (pqg_null_timestamp){.value = st + 5, .valid = true}, e.id,
                            &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_close_episode(app_db, (pqg_null_timestamp){.value = st + 9, .valid = true}, e.id,
                            &affected));
    assert_int_equal(affected, 0);
    APP_OK(db_get_episode(app_db, e.id, &got));
    assert_true(got.ended_at.valid);
    assert_int_equal(got.ended_at.value, st + 5);
    db_episode_free(&got);
    /* ended_at before started_at violates the table's CHECK. */
    {
        db_create_episode_params bad = {
            .agent_id = "agent-e", .title = "bad", .summary = "s", .tags = {tags, 0},
            .importance = 0.5f, .episode_date = 0, .started_at = st,
            .ended_at = {.value = st - 1, .valid = true}};
        APP_RC(PQG_ECONSTRAINT, db_create_episode(app_db, &bad, &got));
        assert_true(pqg_error_is_check_violation(pqg_last_error()));
    }

    /* AddEpisodeTags: union, each once, sorted (C collation: bytes). */
    APP_OK(db_add_episode_tags(app_db, (pqg_array_text){more, 3}, e.id, &at));
    assert_int_equal(at.tags.len, 5);
    assert_string_equal(at.tags.items[0], "a,b \"q\" {x}");
    assert_string_equal(at.tags.items[1], "alpha");
    assert_string_equal(at.tags.items[2], "travel");
    assert_string_equal(at.tags.items[3], "zeta");
    assert_string_equal(at.tags.items[4], "\xE6\x97\x85\xE8\xA1\x8C");
    db_add_episode_tags_row_free(&at);
    APP_RC(PQG_ENOTFOUND, db_add_episode_tags(app_db, (pqg_array_text){more, 1},
                                              app_uuid("00000000-0000-0000-0000-00000000e000"),
                                              &at));
    db_episode_free(&e);
}

/* ListEpisodes: date range, any_tags / all_tags nargs NULL and set, min_importance, page size. */
static void
test_list_episodes_filters(void **state)
{
    const char *agent = "agent-list";
    const char *t_ab[2] = {"a", "b"}, *t_a[1] = {"a"}, *t_c[1] = {"c"}, *t_bc[2] = {"b", "c"};
    db_episode e[5];
    db_list_episodes_params p = {.agent_id = agent, .from_date = app_date(2026, 1, 1),
                                 .until_date = app_date(2026, 12, 31), .page_size = 100};
    db_list_episodes_rows rows = {0};
    int n = 0;
    (void)state;

    e[0] = new_episode(agent, "s", NULL, "ab", t_ab, 2, 0.9f, app_date(2026, 3, 1),
                       app_ts(2026, 3, 1, 0, 0, 0, 0));
    e[1] = new_episode(agent, "s", NULL, "a", t_a, 1, 0.5f, app_date(2026, 4, 1),
                       app_ts(2026, 4, 1, 0, 0, 0, 0));
    e[2] = new_episode(agent, "s", NULL, "c", t_c, 1, 0.5f, app_date(2026, 5, 1),
                       app_ts(2026, 5, 1, 0, 0, 0, 0));
    e[3] = new_episode(agent, "s", NULL, "bc", t_bc, 2, 0.1f, app_date(2026, 6, 1),
                       app_ts(2026, 6, 1, 0, 0, 0, 0));
    e[4] = new_episode(agent, "s", NULL, "old", t_ab, 2, 1.0f, app_date(2025, 6, 1),
                       app_ts(2025, 6, 1, 0, 0, 0, 0));

    APP_OK(db_list_episodes(app_db, &p, &rows));
    assert_int_equal(rows.len, 4); /* 2025 is out of range */
    assert_string_equal(rows.rows[0].title, "ab");
    assert_string_equal(rows.rows[1].title, "c"); /* 0.5 tie: newer started_at first */
    assert_string_equal(rows.rows[2].title, "a");
    assert_string_equal(rows.rows[3].title, "bc");
    assert_int_equal(rows.rows[3].episode_date, app_date(2026, 6, 1));
    assert_int_equal(rows.rows[0].tags.len, 2);
    assert_string_equal(rows.rows[0].tags.items[1], "b");
    db_list_episodes_rows_free(&rows);

    p.any_tags = (pqg_array_text){t_bc, 2}; /* b or c */
    APP_OK(db_list_episodes(app_db, &p, &rows));
    assert_int_equal(rows.len, 3);
    db_list_episodes_rows_free(&rows);
    p.all_tags = (pqg_array_text){t_ab, 2}; /* and a and b */
    APP_OK(db_list_episodes(app_db, &p, &rows));
    assert_int_equal(rows.len, 1);
    assert_string_equal(rows.rows[0].title, "ab");
    db_list_episodes_rows_free(&rows);
    p.any_tags = (pqg_array_text){0}; /* NULL: no any filter */
    p.all_tags = (pqg_array_text){t_a, 1};
    APP_OK(db_list_episodes(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    db_list_episodes_rows_free(&rows);
    p.all_tags = (pqg_array_text){0};
    p.min_importance = 0.5f;
    p.page_size = 2;
    APP_OK(db_list_episodes(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[1].title, "c");
    db_list_episodes_rows_free(&rows);
    p.page_size = 100;
    APP_OK(db_list_episodes_each(app_db, &p, count_eps, &n));
    assert_int_equal(n, 3);
    for (int i = 0; i < 5; i++)
        db_episode_free(&e[i]);
}

/* DISTINCT ON: the latest episode of each session; episodes without a session are skipped. */
static void
test_latest_episode_per_session(void **state)
{
    const char *agent = "agent-latest";
    const char *none[1] = {NULL};
    db_episode e[4];
    db_list_latest_episode_per_session_rows rows = {0};
    int n = 0;
    (void)state;

    e[0] = new_episode(agent, "s-a", NULL, "a-old", none, 0, 0.5f, 0,
                       app_ts(2026, 1, 1, 0, 0, 0, 0));
    e[1] = new_episode(agent, "s-a", NULL, "a-new", none, 0, 0.25f, 0,
                       app_ts(2026, 1, 2, 0, 0, 0, 5));
    e[2] = new_episode(agent, "s-b", NULL, "b-only", none, 0, 0.5f, 0,
                       app_ts(2026, 1, 1, 0, 0, 0, 0));
    e[3] = new_episode(agent, NULL, NULL, "no-session", none, 0, 0.5f, 0,
                       app_ts(2027, 1, 1, 0, 0, 0, 0));
    APP_OK(db_list_latest_episode_per_session(app_db, agent, &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[0].session_id, "s-a");
    assert_string_equal(rows.rows[0].title, "a-new");
    assert_true(pqg_uuid_equal(rows.rows[0].id, e[1].id));
    assert_true(rows.rows[0].importance == 0.25f);
    assert_int_equal(rows.rows[0].started_at, app_ts(2026, 1, 2, 0, 0, 0, 5));
    assert_string_equal(rows.rows[1].session_id, "s-b");
    db_list_latest_episode_per_session_rows_free(&rows);
    APP_OK(db_list_latest_episode_per_session_each(app_db, agent, count_latest, &n));
    assert_int_equal(n, 2);
    for (int i = 0; i < 4; i++)
        db_episode_free(&e[i]);
}

/* The recursive tree: depth and uuid[] path; DeleteEpisode cascades to sub-episodes and links
 * but keeps raw events. */
static void
test_episode_tree_and_delete(void **state)
{
    const char *agent = "agent-tree";
    const char *none[1] = {NULL};
    db_episode root, c1, c2, g1, other;
    db_get_episode_tree_rows tree = {0};
    db_insert_raw_data_row raw = {0};
    db_insert_raw_data_params rp = {.source = "s", .kind = "k", .payload = "{}",
                                    .occurred_at = app_ts(2026, 1, 1, 0, 0, 0, 0)};
    int64_t affected = -1;
    int n = 0;
    (void)state;

    root = new_episode(agent, "t", NULL, "root", none, 0, 0.5f, 0, app_ts(2026, 1, 1, 0, 0, 0, 0));
    c1 = new_episode(agent, "t", &root.id, "c1", none, 0, 0.5f, 0, app_ts(2026, 1, 1, 1, 0, 0, 0));
    c2 = new_episode(agent, "t", &root.id, "c2", none, 0, 0.5f, 0, app_ts(2026, 1, 1, 2, 0, 0, 0));
    g1 = new_episode(agent, "t", &c1.id, "g1", none, 0, 0.5f, 0, app_ts(2026, 1, 1, 3, 0, 0, 0));
    other = new_episode(agent, "t", NULL, "other", none, 0, 0.5f, 0,
                        app_ts(2026, 1, 1, 4, 0, 0, 0));

    APP_OK(db_get_episode_tree(app_db, root.id, &tree));
    assert_int_equal(tree.len, 4);
    assert_true(pqg_uuid_equal(tree.rows[0].id, root.id));
    assert_int_equal(tree.rows[0].depth, 0);
    assert_false(tree.rows[0].parent_id.valid);
    assert_int_equal(tree.rows[0].path.len, 1);
    for (size_t i = 0; i < tree.len; i++) {
        const db_get_episode_tree_row *r = &tree.rows[i];
        assert_int_equal(r->path.len, (size_t)r->depth + 1);
        assert_true(pqg_uuid_equal(r->path.items[r->path.len - 1], r->id));
        assert_true(pqg_uuid_equal(r->path.items[0], root.id));
        if (r->depth > 0) {
            assert_true(r->parent_id.valid);
            assert_true(pqg_uuid_equal(r->parent_id.value, r->path.items[r->path.len - 2]));
        }
        if (pqg_uuid_equal(r->id, g1.id)) {
            assert_int_equal(r->depth, 2);
            assert_string_equal(r->title, "g1");
            assert_int_equal(r->started_at, app_ts(2026, 1, 1, 3, 0, 0, 0));
            assert_true(pqg_uuid_equal(r->path.items[1], c1.id));
        }
    }
    db_get_episode_tree_rows_free(&tree);
    APP_OK(db_get_episode_tree_each(app_db, c1.id, count_tree, &n));
    assert_int_equal(n, 2);

    APP_OK(db_insert_raw_data(app_db, &rp, &raw));
    {
        db_link_episode_raw_data_params lp = {.episode_id = g1.id, .raw_data_id = raw.id};
        APP_OK(db_link_episode_raw_data(app_db, &lp, 1, NULL, NULL));
    }
    APP_OK(db_delete_episode(app_db, c1.id, &affected));
    assert_int_equal(affected, 1); /* the statement's own row; the grandchild goes by cascade */
    {
        db_episode got = {0};
        APP_RC(PQG_ENOTFOUND, db_get_episode(app_db, g1.id, &got));
        APP_OK(db_get_episode(app_db, c2.id, &got));
        db_episode_free(&got);
    }
    {
        char id[32];
        const char *params[1] = {id};
        snprintf(id, sizeof id, "%lld", (long long)raw.id);
        assert_int_equal(app_sql_int("SELECT count(*) FROM raw_data WHERE id = $1::bigint", 1,
                                     params), 1);
        assert_int_equal(app_sql_int("SELECT count(*) FROM episode_raw_data WHERE raw_data_id = "
                                     "$1::bigint", 1, params), 0);
    }
    APP_OK(db_get_episode_tree(app_db, root.id, &tree));
    assert_int_equal(tree.len, 2);
    db_get_episode_tree_rows_free(&tree);
    APP_OK(db_delete_episode(app_db, c1.id, &affected));
    assert_int_equal(affected, 0);
    db_insert_raw_data_row_free(&raw);
    db_episode_free(&root);
    db_episode_free(&c1);
    db_episode_free(&c2);
    db_episode_free(&g1);
    db_episode_free(&other);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("memory", 0);
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
        cmocka_unit_test(test_embedding_record_upsert),
        cmocka_unit_test(test_embedding_records_list_delete),
        cmocka_unit_test(test_memory_create_get),
        cmocka_unit_test(test_memory_list_filters),
        cmocka_unit_test(test_memory_access_decay_delete),
        cmocka_unit_test(test_raw_data_and_links),
        cmocka_unit_test(test_episode_create_tags_close),
        cmocka_unit_test(test_list_episodes_filters),
        cmocka_unit_test(test_latest_episode_per_session),
        cmocka_unit_test(test_episode_tree_and_delete),
    };
    return cmocka_run_group_tests_name("app_memory", tests, setup, teardown);
}
