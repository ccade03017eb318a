/*
 * test_app_vector.c - every generated function of queries/embeddings_vector.sql (pgvector,
 * migration 0008) against a real PostgreSQL: vectors stored and replaced, the embedding worker's
 * queue, cosine-similarity search over embeddings, memories and messages with their filters.
 * Without the extension on the server (pg_available_extensions has no 'vector') every test is
 * skipped and the binary says so. Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"

#include <math.h>

#define DIMS 1536

#define COUNTER(name, type)                                                                    \
    static int name(const type *row, void *userdata)                                           \
    {                                                                                          \
        (void)row;                                                                             \
        (*(int *)userdata)++;                                                                  \
        return 0;                                                                              \
    }
COUNTER(count_sim, db_search_similar_embeddings_row)
COUNTER(count_sim_mem, db_search_similar_memories_row)
COUNTER(count_sim_msg, db_search_similar_messages_row)
COUNTER(count_missing, db_list_missing_embeddings_row)

/* Basis-like vectors: a[i] on the first axes, zero elsewhere. Static storage, one per slot. */
static float vec_store[8][DIMS];

static pqg_vector
vec(int slot, float x, float y, float z)
{
    float *v = vec_store[slot];

    memset(v, 0, sizeof vec_store[slot]);
    v[0] = x;
    v[1] = y;
    v[2] = z;
    v[DIMS - 1] = 0.0f;
    return (pqg_vector){v, DIMS};
}

static bool
near(double a, double b)
{
    return fabs(a - b) < 1e-5;
}

/* True when the stored embedding of row id equals v exactly (compared by the server). */
static bool
stored_equals(pqg_uuid id, pqg_vector v)
{
    size_t cap = v.len * 20 + 4, o = 0;
    char *text = malloc(cap), res[8];
    const char *params[2];

    assert_non_null(text);
    text[o++] = '[';
    for (size_t i = 0; i < v.len; i++)
        o += (size_t)snprintf(text + o, cap - o, "%s%.9g", i ? "," : "", (double)v.items[i]);
    snprintf(text + o, cap - o, "]");
    params[0] = app_uuid_str(id);
    params[1] = text;
    app_sql_value(res, sizeof res, "SELECT embedding = $2::vector FROM embeddings WHERE id = $1",
                  2, params);
    free(text);
    return res[0] == 't';
}

static pqg_uuid
upsert(const char *type, pqg_uuid content, const char *model, pqg_vector v)
{
    static const uint8_t hash[4] = {0, 1, 0, 2};
    db_upsert_embedding_params p = {.content_type = type, .content_id = content, .model = model,
                                    .content_hash = {hash, sizeof hash}, .metadata = "{}",
                                    .embedding = v};
    pqg_uuid id;

    APP_OK(db_upsert_embedding(app_db, &p, &id));
    return id;
}

/* UpsertEmbedding with and without a vector, the worker queue, SetEmbeddingVector, replacing a
 * vector in place; the stored values are exact. */
static void
test_vector_store_and_queue(void **state)
{
    pqg_uuid c1 = app_uuid("00000000-0000-4000-8000-00000000c001");
    pqg_uuid c2 = app_uuid("00000000-0000-4000-8000-00000000c002");
    pqg_uuid e1, e2, again;
    db_list_missing_embeddings_rows miss = {0};
    int64_t affected = -1;
    char buf[64];
    int n = 0;
    (void)state;

    e1 = upsert("document", c1, "m-store", vec(0, 0.25f, -1.5f, 3.0f));
    e2 = upsert("document", c2, "m-store", (pqg_vector){0}); /* NULL: not computed yet */
    {
        const char *params[1] = {app_uuid_str(e1)};
        app_sql_value(buf, sizeof buf, "SELECT vector_dims(embedding) FROM embeddings WHERE id = "
                      "$1", 1, params);
        assert_string_equal(buf, "1536");
        assert_true(stored_equals(e1, vec(7, 0.25f, -1.5f, 3.0f)));
        assert_false(stored_equals(e1, vec(7, 0.25f, -1.5f, 3.0000002f)));
    }
    APP_OK(db_list_missing_embeddings(app_db, 10, &miss));
    assert_int_equal(miss.len, 1);
    assert_true(pqg_uuid_equal(miss.rows[0].id, e2));
    assert_true(pqg_uuid_equal(miss.rows[0].content_id, c2));
    assert_string_equal(miss.rows[0].content_type, "document");
    assert_string_equal(miss.rows[0].model, "m-store");
    db_list_missing_embeddings_rows_free(&miss);

    APP_OK(db_set_embedding_vector(app_db, vec(1, 1.0f, 0.0f, 0.0f), e2, &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_list_missing_embeddings_each(app_db, 10, count_missing, &n));
    assert_int_equal(n, 0);
    APP_OK(db_set_embedding_vector(app_db, vec(1, 1.0f, 0.0f, 0.0f),
                                   app_uuid("00000000-0000-0000-0000-000000000000"), &affected));
    assert_int_equal(affected, 0);

    /* Same (type, content, model): same row, new vector. */
    again = upsert("document", c1, "m-store", vec(2, 9.5367431640625e-07f, 0.0f, 65504.0f));
    assert_true(pqg_uuid_equal(again, e1));
    assert_true(stored_equals(e1, vec(7, 9.5367431640625e-07f, 0.0f, 65504.0f)));
    assert_true(stored_equals(e2, vec(7, 1.0f, 0.0f, 0.0f)));
    /* The wrong dimension count is the server's error. */
    {
        float small[3] = {1, 2, 3};
        int rc = db_set_embedding_vector(app_db, (pqg_vector){small, 3}, e1, &affected);
        assert_true(rc < 0);
        assert_string_equal(pqg_last_error()->sqlstate, "22000");
    }
}

/* SearchSimilarEmbeddings: cosine similarity, threshold, the content_type narg, k, model. */
static void
test_vector_search_embeddings(void **state)
{
    pqg_uuid a = upsert("document", app_uuid("00000000-0000-4000-8000-00000000a001"), "m-s",
                        vec(0, 1, 0, 0));
    pqg_uuid b = upsert("message", app_uuid("00000000-0000-4000-8000-00000000a002"), "m-s",
                        vec(1, 1, 1, 0));
    db_search_similar_embeddings_params p = {.query = vec(4, 2, 0, 0), .model = "m-s",
                                             .min_similarity = 0.5, .k = 10};
    db_search_similar_embeddings_rows rows = {0};
    int n = 0;
    (void)state;

    upsert("document", app_uuid("00000000-0000-4000-8000-00000000a003"), "m-s", vec(2, 0, 1, 0));
    upsert("document", app_uuid("00000000-0000-4000-8000-00000000a004"), "m-other",
           vec(3, 1, 0, 0));
    upsert("document", app_uuid("00000000-0000-4000-8000-00000000a005"), "m-s", (pqg_vector){0});

    APP_OK(db_search_similar_embeddings(app_db, &p, &rows));
    assert_int_equal(rows.len, 2); /* the orthogonal one (0) and other models are out */
    assert_true(pqg_uuid_equal(rows.rows[0].id, a));
    /* Not nullable: the query's WHERE embedding IS NOT NULL proves it. */
    assert_true(near(rows.rows[0].similarity, 1.0));
    assert_true(pqg_uuid_equal(rows.rows[1].id, b));
    assert_true(near(rows.rows[1].similarity, sqrt(0.5)));
    assert_string_equal(rows.rows[1].content_type, "message");
    app_assert_json_eq(rows.rows[1].metadata, "{}");
    db_search_similar_embeddings_rows_free(&rows);
    p.content_type = "message";
    APP_OK(db_search_similar_embeddings(app_db, &p, &rows));
    assert_int_equal(rows.len, 1);
    assert_true(pqg_uuid_equal(rows.rows[0].id, b));
    db_search_similar_embeddings_rows_free(&rows);
    p.content_type = NULL;
    p.k = 1;
    APP_OK(db_search_similar_embeddings_each(app_db, &p, count_sim, &n));
    assert_int_equal(n, 1);
    p.k = 10;
    p.min_similarity = -1.0;
    n = 0;
    APP_OK(db_search_similar_embeddings_each(app_db, &p, count_sim, &n));
    assert_int_equal(n, 3);
}

/* SearchSimilarMemories: the user's unexpired memories; SearchSimilarMessages: the user's live
 * conversations, with the conversation title (NULL when untitled). */
static void
test_vector_search_memories_messages(void **state)
{
    db_create_memory_params mp = {.user_id = "u-vec", .kind = DB_MEMORY_KIND_FACT,
                                  .content = "likes tea", .importance = 0.5f, .metadata = "{}"};
    db_memory live = {0}, expired = {0}, other = {0};
    db_search_similar_memories_params sm = {.query = vec(5, 1, 0, 0), .model = "m-mem",
                                            .user_id = "u-vec", .min_similarity = 0.1, .k = 10};
    db_search_similar_memories_rows mrows = {0};
    db_create_conversation_params cp = {.user_id = "u-vec", .metadata = "{}"};
    db_conversation conv = {0}, gone = {0};
    db_create_message_params msp = {.role = DB_MESSAGE_ROLE_USER, .content = "hello tea",
                                    .metadata = "{}"};
    db_create_message_row m1 = {0}, m2 = {0};
    db_search_similar_messages_params sg = {.query = vec(6, 0, 1, 0), .model = "m-msg",
                                            .user_id = "u-vec", .min_similarity = 0.1, .k = 10};
    db_search_similar_messages_rows grows = {0};
    int64_t affected;
    int n = 0;
    (void)state;

    APP_OK(db_create_memory(app_db, &mp, &live));
    mp.expires_at = (pqg_null_timestamp){.value = pqg_timestamp_now() - APP_USEC_PER_SEC,
                                         .valid = true};
    mp.content = "expired";
    APP_OK(db_create_memory(app_db, &mp, &expired));
    mp.expires_at.valid = false;
    mp.user_id = "u-other";
    APP_OK(db_create_memory(app_db, &mp, &other));
    upsert("memory", live.id, "m-mem", vec(0, 1, 1, 0));
    upsert("memory", expired.id, "m-mem", vec(1, 1, 0, 0));
    upsert("memory", other.id, "m-mem", vec(2, 1, 0, 0));
    APP_OK(db_search_similar_memories(app_db, &sm, &mrows));
    assert_int_equal(mrows.len, 1);
    assert_true(pqg_uuid_equal(mrows.rows[0].id, live.id));
    assert_string_equal(mrows.rows[0].content, "likes tea");
    assert_int_equal(mrows.rows[0].kind, DB_MEMORY_KIND_FACT);
    assert_true(mrows.rows[0].importance == 0.5f);
    assert_true(near(mrows.rows[0].similarity.value, sqrt(0.5)));
    db_search_similar_memories_rows_free(&mrows);
    APP_OK(db_search_similar_memories_each(app_db, &sm, count_sim_mem, &n));
    assert_int_equal(n, 1);

    APP_OK(db_create_conversation(app_db, &cp, &conv));
    cp.title = "to delete";
    APP_OK(db_create_conversation(app_db, &cp, &gone));
    msp.conversation_id = conv.id;
    APP_OK(db_create_message(app_db, &msp, &m1));
    msp.conversation_id = gone.id;
    APP_OK(db_create_message(app_db, &msp, &m2));
    upsert("message", m1.id, "m-msg", vec(3, 0, 1, 0));
    upsert("message", m2.id, "m-msg", vec(4, 0, 1, 0));
    APP_OK(db_soft_delete_conversation(app_db, gone.id, "u-vec", &affected));
    APP_OK(db_search_similar_messages(app_db, &sg, &grows));
    assert_int_equal(grows.len, 1);
    assert_true(pqg_uuid_equal(grows.rows[0].id, m1.id));
    assert_true(pqg_uuid_equal(grows.rows[0].conversation_id, conv.id));
    assert_null(grows.rows[0].conversation_title);
    assert_int_equal(grows.rows[0].role, DB_MESSAGE_ROLE_USER);
    assert_string_equal(grows.rows[0].content, "hello tea");
    assert_true(near(grows.rows[0].similarity.value, 1.0));
    db_search_similar_messages_rows_free(&grows);
    n = 0;
    APP_OK(db_search_similar_messages_each(app_db, &sg, count_sim_msg, &n));
    assert_int_equal(n, 1);

    db_memory_free(&live);
    db_memory_free(&expired);
    db_memory_free(&other);
    db_conversation_free(&conv);
    db_conversation_free(&gone);
    db_create_message_row_free(&m1);
    db_create_message_row_free(&m2);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("vector", 0);
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
        cmocka_unit_test(test_vector_store_and_queue),
        cmocka_unit_test(test_vector_search_embeddings),
        cmocka_unit_test(test_vector_search_memories_messages),
    };
    PGconn *c = app_maint_connect();
    bool available = app_vector_available(c);

    PQfinish(c);
    if (!available) {
        printf("test_app_vector: SKIPPED %zu tests: the pgvector extension is not available on "
               "this server (pg_available_extensions has no 'vector'); migration %lld and "
               "queries/embeddings_vector.sql were not exercised\n",
               sizeof tests / sizeof tests[0], (long long)app_pgvector_migration());
        return 0;
    }
    return cmocka_run_group_tests_name("app_vector", tests, setup, teardown);
}
