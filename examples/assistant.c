/*
 * assistant.c - the example application: the storage layer of an AI assistant, driven through
 * the functions pqgen generated from schema/ and queries/ (generated/db.h).
 *
 * It migrates the database, then walks through what an assistant backend does: a conversation
 * with messages, the sidebar summaries, embeddings and similarity search (when pgvector is
 * installed), a session updated with optimistic locking, a key-value entry that expires, a
 * workflow with its actions, and finally pool statistics and the slow-query log.
 *
 * Configuration comes from the environment (DATABASE_URL, MAX_CONNECTIONS, ...): see
 * pqg_config_from_env() in runtime/pqg.h.
 */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"

#define EMBEDDING_DIMS 1536

/* Prints the failing step and the last error, and says so to the caller. */
static int
fail(const char *step, int rc)
{
    const pqg_error *e = pqg_last_error();
    fprintf(stderr, "assistant: %s: %s (%s)%s%s\n", step, pqg_strerror(rc), pqg_err_name(rc),
            e->message[0] ? ": " : "", e->message);
    return rc;
}

#define CHECK(step, call)                                                                      \
    do {                                                                                       \
        int rc_ = (call);                                                                      \
        if (rc_ < 0)                                                                           \
            return fail(step, rc_);                                                            \
    } while (0)

static const char *
uuid_str(pqg_uuid id, char buf[37])
{
    pqg_uuid_format(id, buf);
    return buf;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* True when the server can CREATE EXTENSION vector. */
static bool
pgvector_available(pqg_db *pool)
{
    pqg_db *conn = NULL;
    if (pqg_acquire(pool, &conn) != 0)
        return false;
    PGresult *res = PQexec(pqg_pgconn(conn),
                           "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    PQclear(res);
    pqg_release(conn);
    return ok;
}

/* The newest migration that does not need pgvector, or 0 for "all of them". */
static int64_t
migration_target(bool have_vector)
{
    if (have_vector)
        return 0;
    int64_t target = 0;
    for (size_t i = 0; i < db_migrations.len; i++) {
        if (strstr(db_migrations.items[i].up_sql, "CREATE EXTENSION IF NOT EXISTS vector"))
            break;
        target = db_migrations.items[i].version;
    }
    return target;
}

static int
migrate(pqg_db *pool, bool have_vector)
{
    int applied = 0;
    int64_t target = migration_target(have_vector);
    CHECK("migrate", pqg_migrate_up(pool, &db_migrations, target, false, NULL, &applied));
    printf("migrations: %d applied, schema at version %lld of %zu\n", applied,
           (long long)(target ? target : db_migrations.items[db_migrations.len - 1].version),
           db_migrations.len);
    return 0;
}

static int
conversation_demo(pqg_db *pool, pqg_uuid *conversation_id)
{
    char idbuf[37];
    db_conversation conv = {0};
    db_create_conversation_params cp = {
        .user_id = "user-42",
        .title = "Trip to Lisbon",
        .metadata = "{\"channel\": \"web\", \"locale\": \"pt-PT\"}",
    };
    CHECK("create conversation", db_create_conversation(pool, &cp, &conv));
    *conversation_id = conv.id;
    printf("conversation %s \"%s\"\n", uuid_str(conv.id, idbuf), conv.title);

    static const struct {
        db_message_role role;
        const char *content;
    } script[] = {
        {DB_MESSAGE_ROLE_USER, "Plan three days in Lisbon for me, please."},
        {DB_MESSAGE_ROLE_ASSISTANT, "Day 1: Alfama and the castle. Day 2: Belém. Day 3: Sintra."},
        {DB_MESSAGE_ROLE_USER, "Swap day 3 for Cascais — and note I don't eat fish 🐟."},
    };
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        db_create_message_params mp = {
            .conversation_id = conv.id,
            .role = script[i].role,
            .content = script[i].content,
            .token_count = {(int32_t)strlen(script[i].content) / 4, true},
            .metadata = "{}",
        };
        db_create_message_row msg = {0};
        CHECK("create message", db_create_message(pool, &mp, &msg));
        printf("  #%lld %-9s %s\n", (long long)msg.seq, db_message_role_to_string(msg.role),
               msg.content);
        db_create_message_row_free(&msg);
    }
    db_conversation_free(&conv);

    /* A second, empty conversation shows the LEFT JOIN LATERAL's NULL "last message". */
    db_create_conversation_params empty = {.user_id = "user-42", .metadata = "{}"};
    db_conversation conv2 = {0};
    CHECK("create conversation", db_create_conversation(pool, &empty, &conv2));
    db_conversation_free(&conv2);

    db_list_conversations_with_last_message_rows rows = {0};
    CHECK("list conversations",
          db_list_conversations_with_last_message(pool, "user-42", (pqg_null_timestamp){0}, 10,
                                                  &rows));
    printf("sidebar for user-42 (%zu conversations):\n", rows.len);
    for (size_t i = 0; i < rows.len; i++) {
        const db_list_conversations_with_last_message_row *r = &rows.rows[i];
        printf("  %-16s last: %s\n", r->title ? r->title : "(untitled)",
               r->last_content_preview ? r->last_content_preview : "(no messages yet)");
    }
    db_list_conversations_with_last_message_rows_free(&rows);
    return 0;
}

/* A deterministic unit vector per "topic", so that similar topics are close. */
static void
fake_embedding(float *v, double topic)
{
    double norm = 0;
    for (int i = 0; i < EMBEDDING_DIMS; i++) {
        v[i] = (float)sin(topic * (i + 1) * 0.01);
        norm += (double)v[i] * v[i];
    }
    for (int i = 0; i < EMBEDDING_DIMS; i++)
        v[i] = (float)(v[i] / sqrt(norm));
}

static int
embedding_demo(pqg_db *pool, bool have_vector, pqg_uuid conversation_id)
{
    if (!have_vector) {
        printf("embeddings: pgvector is not installed on this server; similarity search "
               "skipped\n");
        return 0;
    }
    static float vectors[3][EMBEDDING_DIMS];
    static const double topics[3] = {1.0, 1.05, 4.0};
    static const char *labels[3] = {"lisbon itinerary", "lisbon food", "tax forms"};
    for (int i = 0; i < 3; i++) {
        fake_embedding(vectors[i], topics[i]);
        char meta[64];
        snprintf(meta, sizeof meta, "{\"label\": \"%s\"}", labels[i]);
        uint8_t hash[4] = {0, 1, 2, (uint8_t)i};
        db_upsert_embedding_params p = {
            .content_type = "message",
            .content_id = conversation_id,
            .model = i == 0 ? "demo-a" : i == 1 ? "demo-b" : "demo-c",
            .content_hash = {hash, sizeof hash},
            .metadata = meta,
            .embedding = {vectors[i], EMBEDDING_DIMS},
        };
        pqg_uuid id;
        CHECK("upsert embedding", db_upsert_embedding(pool, &p, &id));
    }
    printf("embeddings: stored 3 vectors of %d dimensions\n", EMBEDDING_DIMS);
    for (int m = 0; m < 3; m++) {
        db_search_similar_embeddings_params q = {
            .query = {vectors[0], EMBEDDING_DIMS},
            .model = m == 0 ? "demo-a" : m == 1 ? "demo-b" : "demo-c",
            .min_similarity = 0.5,
            .k = 5,
        };
        db_search_similar_embeddings_rows hits = {0};
        CHECK("search embeddings", db_search_similar_embeddings(pool, &q, &hits));
        for (size_t i = 0; i < hits.len; i++)
            printf("  similar to \"%s\": %s (%.3f)\n", labels[0], hits.rows[i].metadata,
                   hits.rows[i].similarity);
        db_search_similar_embeddings_rows_free(&hits);
    }
    return 0;
}

static int
session_demo(pqg_db *pool)
{
    db_session s = {0};
    db_create_session_params sp = {.id = "sess-demo", .user_id = "user-42",
                                   .data = "{\"cart\": []}"};
    CHECK("create session", db_create_session(pool, &sp, &s));
    int32_t version = s.version;
    printf("session %s at version %d\n", s.id, version);
    db_session_free(&s);

    /* Two writers read version 1; the first update wins, the second sees no row. */
    int32_t won = 0, lost = 0;
    CHECK("update session",
          db_update_session_data(pool, "{\"cart\": [\"book\"]}", "sess-demo", version, &won));
    printf("  writer A updated it: version %d -> %d\n", version, won);
    int rc = db_update_session_data(pool, "{\"cart\": [\"pen\"]}", "sess-demo", version, &lost);
    if (rc == PQG_ENOTFOUND)
        printf("  writer B with stale version %d: conflict (%s), must re-read and retry\n",
               version, pqg_err_name(rc));
    else if (rc < 0)
        return fail("update session", rc);
    else
        printf("  writer B unexpectedly succeeded\n");
    return 0;
}

static int
ttl_demo(pqg_db *pool)
{
    db_set_value_params set = {
        .namespace = "rate-limit",
        .key = "user-42",
        .value = "{\"remaining\": 99}",
        .ttl = {{.usec = 300000}, true},
    };
    CHECK("set value", db_set_value(pool, &set));
    db_get_value_row v = {0};
    CHECK("get value", db_get_value(pool, "rate-limit", "user-42", &v));
    printf("key_value rate-limit/user-42 = %s (expires in 300 ms)\n", v.value);
    db_get_value_row_free(&v);

    sleep_ms(400);
    int rc = db_get_value(pool, "rate-limit", "user-42", &v);
    printf("  after 400 ms: %s\n", rc == PQG_ENOTFOUND ? "expired" : "still there?");
    if (rc == 0)
        db_get_value_row_free(&v);
    else if (rc != PQG_ENOTFOUND)
        return fail("get value", rc);
    int64_t purged = 0;
    CHECK("purge", db_purge_expired_values(pool, &purged));
    printf("  purge removed %lld expired entr%s\n", (long long)purged, purged == 1 ? "y" : "ies");
    return 0;
}

static int
workflow_demo(pqg_db *pool)
{
    char idbuf[37];
    db_start_workflow_row wf = {0};
    CHECK("start workflow",
          db_start_workflow(pool, "plan-trip", "sess-demo", "{\"city\": \"Lisbon\"}", &wf));
    printf("workflow plan-trip %s\n", uuid_str(wf.id, idbuf));

    static const char *steps[] = {"search_flights", "book_hotel"};
    for (int i = 0; i < 2; i++) {
        db_record_action_params ap = {
            .workflow_id = wf.id,
            .workflow_started_at = wf.started_at,
            .step = i + 1,
            .action_type = steps[i],
            .parameters = "{\"city\": \"Lisbon\", \"nights\": 3}",
        };
        db_record_action_row act = {0};
        CHECK("record action", db_record_action(pool, &ap, &act));
        db_complete_action_params cp = {
            .id = act.id,
            .success = {i == 0, true},
            .result = i == 0 ? "{\"flights\": 4}" : NULL,
            .error_message = i == 0 ? NULL : "no rooms left",
        };
        CHECK("complete action", db_complete_action(pool, &cp, NULL));
        db_record_action_row_free(&act);
    }
    db_finish_workflow_params fp = {
        .status = "failed", .error = "book_hotel failed", .id = wf.id,
        .started_at = wf.started_at};
    CHECK("finish workflow", db_finish_workflow(pool, &fp, NULL));

    db_action_history_rows actions = {0};
    CHECK("list actions",
          db_list_actions_for_workflow(pool, wf.id, wf.started_at, &actions));
    for (size_t i = 0; i < actions.len; i++) {
        const db_action_history *a = &actions.rows[i];
        printf("  step %d %-15s %s%s%s\n", a->step, a->action_type,
               a->success.valid && a->success.value ? "ok" : "failed",
               a->error_message ? ": " : "", a->error_message ? a->error_message : "");
    }
    db_action_history_rows_free(&actions);
    db_start_workflow_row_free(&wf);
    return 0;
}

/* The slow-query logger's sink: print the JSON line where the reader can see it. */
static void
print_slow_query(const char *json_line, void *userdata)
{
    (void)userdata;
    printf("slow query log: %s\n", json_line);
}

static int
run(pqg_db *pool)
{
    bool have_vector = pgvector_available(pool);
    if (migrate(pool, have_vector) != 0)
        return 1;
    pqg_uuid conversation_id;
    if (conversation_demo(pool, &conversation_id) != 0 ||
        embedding_demo(pool, have_vector, conversation_id) != 0 || session_demo(pool) != 0 ||
        ttl_demo(pool) != 0 || workflow_demo(pool) != 0)
        return 1;

    /* A deliberately slow query: 150 ms against a 100 ms threshold. */
    pqg_timestamp server_time;
    CHECK("slow query", db_server_time_after(pool, 0.15, &server_time));

    pqg_pool_stats st;
    pqg_pool_stats_get(pool, &st);
    printf("pool: %d connections (%d idle, %d in use), %llu acquires, %.1f ms waited\n",
           st.total, st.idle, st.in_use, (unsigned long long)st.acquire_count,
           st.acquire_wait_us / 1000.0);
    return 0;
}

int
main(void)
{
    pqg_config cfg;
    if (pqg_config_from_env(&cfg) != 0) {
        fprintf(stderr, "assistant: %s\n", pqg_last_error()->message);
        return 1;
    }
    cfg.min_conns = 2;
    cfg.application_name = "pqgen-assistant-demo";

    pqg_db *pool = NULL;
    int rc = pqg_pool_open(&cfg, &pool);
    if (rc != 0)
        return fail("connect", rc), 1;

    pqg_slowlog *slowlog = NULL;
    pqg_slowlog_options so = {.threshold_ms = 100, .sink = print_slow_query};
    rc = pqg_slowlog_attach(pool, &so, &slowlog);
    if (rc != 0) {
        pqg_pool_close(pool, 1000);
        return fail("slow-query log", rc), 1;
    }

    int status = run(pool);
    pqg_pool_close(pool, 5000);
    pqg_slowlog_free(slowlog);
    return status;
}
