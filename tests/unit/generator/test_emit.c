/* test_emit.c: unit tests for the emit stage (generator/emit*.c; SHA-256 from runtime/sha256.c).
 * Renders the hand-written model of tests/golden/emit_basic and checks key generated lines;
 * the type mapping table, overrides and their errors; names (snake_case, singulars, clashes);
 * C string-literal escaping; migrations (golang-migrate pairs, goose, checksums); emit_write
 * leaving unchanged files' mtimes alone; emit_diff on a renamed column; user template folders
 * (which see the model unchanged); the template value tree (template.h's tv) the derived model
 * is built from, and its formatter. Runs from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"
#include "emit.h"
#include "emit_internal.h"
#include "pqg_sha256.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static char tmp_root[64];

static void
write_file(const char *dir, const char *name, const char *text)
{
    char p[512];
    FILE *f;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A fresh case folder with pqgen.json (cfg_json), schema.sql and query.sql. */
static void
make_case(char *dir, size_t n, const char *cfg_json, const char *schema)
{
    static int counter;
    snprintf(dir, n, "%s/case%d", tmp_root, counter++);
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(dir, "pqgen.json", cfg_json);
    write_file(dir, "schema.sql", schema ? schema : "SELECT 1;\n");
    write_file(dir, "query.sql", "");
}

static void
load_config(const char *dir, config *cfg)
{
    char p[512];
    diag_list d = {0};
    snprintf(p, sizeof p, "%s/pqgen.json", dir);
    if (config_load(p, cfg, &d) != 0) {
        diag_print(&d, stderr);
        fail_msg("config_load failed for %s", p);
    }
    diag_list_free(&d);
}

static const char *
find_file(const emit_file *files, size_t n, const char *path)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(files[i].path, path) == 0)
            return files[i].content;
    return NULL;
}

#define assert_contains(hay, needle)                                                           \
    do {                                                                                       \
        const char *h_ = (hay);                                                                \
        if (!h_ || !strstr(h_, (needle)))                                                      \
            fail_msg("missing: %s", (needle));                                                 \
    } while (0)

/* Whether any diagnostic message contains text. */
static bool
diag_has(const diag_list *d, const char *text)
{
    size_t i;
    for (i = 0; i < d->len; i++)
        if (strstr(d->items[i].message, text) ||
            (d->items[i].hint && strstr(d->items[i].hint, text)))
            return true;
    return false;
}

/* A one-table model: {"catalog": {"tables": [t], "enums": [...], "domains": [...]},
 * "queries": []}. Columns are (name, type, array_dims, not_null) tuples in a JSON string. */
static json_t *
table_model(const char *columns_json)
{
    json_error_t e;
    json_t *cols = json_loads(columns_json, 0, &e);
    json_t *m;
    if (!cols)
        fail_msg("bad test JSON: %s", e.text);
    m = json_pack("{s:{s:[{s:s, s:s, s:s, s:b, s:n, s:[], s:o}], s:[{s:s, s:s, s:[s, s]}],"
                  " s:[{s:s, s:s, s:s, s:i, s:b, s:i}]}, s:[]}",
                  "catalog", "tables", "schema", "public", "name", "things", "kind", "table",
                  "partitioned", 0, "partition_of", "primary_key", "columns", cols, "enums",
                  "schema", "public", "name", "mood", "values", "happy", "sad", "domains",
                  "schema", "public", "name", "score", "type", "float4", "array_dims", 0,
                  "not_null", 0, "oid", 700, "queries");
    assert_non_null(m);
    return m;
}

/* ---- the golden model rendered -------------------------------------------------------------- */

static void
render_golden(config *cfg, emit_file **files, size_t *n, json_t **model)
{
    json_error_t e;
    diag_list d = {0};
    load_config("tests/golden/emit_basic", cfg);
    *model = json_load_file("tests/golden/emit_basic/input-model.json", 0, &e);
    if (!*model)
        fail_msg("input-model.json: %s", e.text);
    if (emit_render(*model, cfg, files, n, &d) != 0) {
        diag_print(&d, stderr);
        fail_msg("emit_render failed");
    }
    diag_list_free(&d);
}

static void
test_render_golden_model(void **state)
{
    config cfg = {0};
    emit_file *files;
    size_t n;
    json_t *model;
    const char *h, *c, *m, *mc, *mig;
    (void)state;

    render_golden(&cfg, &files, &n, &model);
    assert_int_equal(n, 10);
    h = find_file(files, n, "query.h");
    c = find_file(files, n, "query.c");
    m = find_file(files, n, "models.h");
    mc = find_file(files, n, "models.c");
    mig = find_file(files, n, "migrations.c");
    assert_non_null(find_file(files, n, "db.h"));
    assert_non_null(find_file(files, n, "querier.h"));
    assert_non_null(find_file(files, n, "json.c"));

    /* Header line, guard, ABI check. */
    assert_true(strncmp(h, "/* Code generated by pqgen 0.1.0 from query.sql. DO NOT EDIT. */\n",
                        64) == 0);
    assert_contains(h, "#ifndef DB_QUERY_H\n");
    assert_contains(h, "#if PQG_ABI_VERSION != 1\n#error");
    /* Function shapes per command. */
    assert_contains(h, "PQG_MUST_CHECK int db_get_conversation(pqg_db *db, pqg_uuid id, "
                       "db_conversation *out);");
    assert_contains(h, "PQG_MUST_CHECK int db_list_messages(pqg_db *db, const "
                       "db_list_messages_params *p,\n");
    assert_contains(h, "PQG_MUST_CHECK int db_list_messages_each(");
    assert_contains(h, "int db_set_title(pqg_db *db, const char *title, pqg_uuid id, "
                       "int64_t *rows_affected);");
    assert_contains(h, "int db_delete_conversation(pqg_db *db, pqg_uuid id);");
    assert_contains(h, "int db_purge_deleted(pqg_db *db, pqg_interval retention, "
                       "pqg_exec_result *out);");
    assert_contains(h, "int db_merge_metadata(pqg_db *db, json_t *patch, pqg_uuid id,");
    /* :copyfrom and :batchexec: a struct per row or item, always. */
    assert_contains(h, "PQG_MUST_CHECK int db_insert_category(pqg_db *db, const "
                       "db_insert_category_params *rows,\n");
    assert_contains(h, "PQG_MUST_CHECK int db_insert_category_from(\n    pqg_db *db, int "
                       "(*next)(db_insert_category_params *row, void *userdata),");
    assert_contains(h, "typedef int (*db_touch_message_fn)(size_t i, int rc, int64_t "
                       "rows_affected, void *userdata);");
    assert_contains(h, "PQG_MUST_CHECK int db_touch_message(pqg_db *db, const "
                       "db_touch_message_params *items,\n");
    /* _rows only for what a :many returns. */
    assert_null(strstr(h, "db_get_conversation_with_count_rows"));
    assert_null(strstr(m, "db_conversation_rows"));
    assert_contains(h, "typedef struct db_count_categories_by_role_rows {");
    /* Doc comment: name, place, the user's doc, ownership. */
    assert_contains(h, "/* GetConversation :one (query.sql:1)\n * A live (not soft-deleted) "
                       "conversation.\n");
    assert_contains(h, " * *out owns its strings: release with db_conversation_free(); on error "
                       "*out is empty. */");
    assert_contains(h, "Atomic outside a transaction (one implicit transaction)");
    /* Params struct (4 params) with comments; a custom row struct; sqlc.embed nesting. */
    assert_contains(h, "typedef struct db_list_messages_params {\n    pqg_uuid conversation_id; "
                       "/* $1 */\n    db_message_role_array roles; /* $2 */\n"
                       "    pqg_null_int32 min_tokens; /* $3, nullable */\n");
    assert_contains(h, "    db_conversation conversation;\n    int64_t message_count;\n");
    assert_contains(h, "    int64_t total_count;\n");

    /* Models: enum from 1, arrays, nullable comments, the override, singulars. */
    assert_contains(m, "typedef enum db_message_role {\n    DB_MESSAGE_ROLE_USER = 1,\n");
    assert_contains(m, "_Static_assert(sizeof(db_message_role) == sizeof(int)");
    assert_contains(m, "typedef struct db_conversation {\n    pqg_uuid id;\n    const char "
                       "*user_id;\n    const char *title; /* nullable */\n    json_t *metadata;\n");
    assert_contains(m, "    pqg_null_float score; /* nullable */\n");
    assert_contains(m, "    db_message_role parent_role; /* nullable */\n");
    assert_contains(m, "typedef struct db_category {");
    assert_contains(m, "void *_mem;");
    assert_contains(m, "#include <jansson.h>");

    /* The statement descriptor keeps the user's lines and escapes "??=" and the backslash. */
    assert_contains(c, "    .name = \"ListMessages\",\n    .sql =\n        \"SELECT id, role, "
                       "content, tokens, score, tags, created_at\\n\"\n");
    assert_contains(c, "\"  AND content <> '?\\?=\\\\'\\n\"\n");
    /* OIDs carry their type names; a list too long for one line has one OID a line. */
    assert_contains(c, "static const uint32_t db_list_messages_param_types[4] = {\n"
                       "    2950 /* uuid */,\n    0 /* message_role[] */,\n    23 /* int4 */,\n"
                       "    20 /* int8 */,\n};\n");
    /* Straight-line decoding, enum through an int, nullable getters, the json_t override. */
    assert_contains(c, "    pqg_get_null_int32(r, 3, &dst->tokens);\n");
    assert_contains(c, "pqg_get_enum(r, 1, db_message_role_labels, 4, &v);");
    assert_contains(c, "pqg_get_null_enum(r, 0, db_message_role_labels, 4, &v);");
    assert_contains(c, "pqg_get_uuid(r, 0, &dst->conversation.id);");
    assert_contains(c, "        dst->metadata = json_loads(text, JSON_DECODE_ANY, NULL);");
    /* A table struct has one decoder, in models.c, which every query returning it shares; a
     * failing getter releases the JSON already parsed (the call zeroes the row). */
    assert_contains(m, "/* ---- Row decoders used by the generated query files ----");
    assert_contains(m, "\nvoid db_conversation_decode(pqg_row *r, void *out);\n");
    assert_contains(mc, "\nvoid\ndb_conversation_decode(pqg_row *r, void *out)\n{\n"
                        "    db_conversation *dst = out;\n    int bad = 0;\n\n");
    assert_contains(mc, "    bad |= pqg_get_text(r, 1, &dst->user_id);\n");
    assert_contains(mc, "    if (bad != 0) {\n");
    assert_contains(mc, "        json_decref(dst->metadata);\n        dst->metadata = NULL;\n");
    assert_null(strstr(c, "db_get_conversation_decode"));
    assert_contains(c, "&args, db_conversation_decode, out,");
    /* Only the structs some query returns get one (categories is only loaded by COPY). */
    assert_null(strstr(m, "db_category_decode"));
    assert_null(strstr(mc, "db_category_decode"));
    /* The COPY made from the INSERT, and the adapters. */
    assert_contains(c, "\"COPY categories (name, parent_role) FROM STDIN (FORMAT binary)\"");
    assert_contains(c, "static const uint32_t db_insert_category_param_types[2] = {25 /* text */, "
                       "0 /* message_role */};");
    assert_contains(c, "return pqg_copy_from(db, &db_insert_category_stmt, PQG_COPY_UNBOUNDED,");
    assert_contains(c, "return pqg_batch_run(db, &db_touch_message_stmt, n_items, "
                       "db_touch_message_bind_item, NULL, 0,\n");
    assert_contains(c, "    pqg_arg_text(&args, db_message_role_to_string(p->role));\n");
    assert_contains(c, "    pqg_arg_jsonb(&args, patch_json);\n");
    assert_contains(c, "    free(patch_json);\n");
    assert_contains(c, "json_decref(v->conversation.metadata);");

    /* Migrations: the schema embedded with the SHA-256 of its text. */
    {
        char *schema = read_file("tests/golden/emit_basic/schema.sql"), hex[65], want[100];
        pqg__sha256_hex(schema, strlen(schema), hex);
        snprintf(want, sizeof want, ".checksum = \"%s\"", hex);
        assert_contains(mig, want);
        assert_contains(mig, "const pqg_migration_set db_migrations = {");
        free(schema);
    }
    emit_files_free(files, n);
    json_decref(model);
    config_free(&cfg);
}

/* The checked-in golden output is what the renderer makes now. */
static void
test_golden_out_is_current(void **state)
{
    config cfg = {0};
    emit_file *files;
    size_t n;
    json_t *model;
    FILE *devnull = fopen("/dev/null", "w");
    (void)state;

    render_golden(&cfg, &files, &n, &model);
    assert_int_equal(emit_diff("tests/golden/emit_basic/out", files, n, devnull), 0);
    fclose(devnull);
    emit_files_free(files, n);
    json_decref(model);
    config_free(&cfg);
}

static void
test_deterministic(void **state)
{
    config cfg = {0};
    emit_file *a, *b;
    size_t na, nb, i;
    json_t *m1, *m2;
    (void)state;

    render_golden(&cfg, &a, &na, &m1);
    config_free(&cfg);
    render_golden(&cfg, &b, &nb, &m2);
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++) {
        assert_string_equal(a[i].path, b[i].path);
        assert_string_equal(a[i].content, b[i].content);
        /* No absolute paths leak into output. */
        assert_null(strstr(a[i].content, tmp_root));
        assert_null(strstr(a[i].content, "/work/"));
    }
    emit_files_free(a, na);
    emit_files_free(b, nb);
    json_decref(m1);
    json_decref(m2);
    config_free(&cfg);
}

/* ---- types ------------------------------------------------------------------------------------ */

static void
test_type_mapping(void **state)
{
    static const struct {
        const char *type;
        int dims;
        bool not_null;
        const char *c_type;
    } cases[] = {
        {"int2", 0, true, "int16_t"},          {"int4", 0, true, "int32_t"},
        {"int8", 0, true, "int64_t"},          {"float4", 0, true, "float"},
        {"float8", 0, true, "double"},         {"bool", 0, true, "bool"},
        {"text", 0, true, "const char *"},     {"varchar", 0, false, "const char *"},
        {"bpchar", 0, true, "const char *"},   {"citext", 0, true, "const char *"},
        {"name", 0, true, "const char *"},     {"numeric", 0, true, "const char *"},
        {"bytea", 0, true, "pqg_bytes"},       {"uuid", 0, true, "pqg_uuid"},
        {"timestamptz", 0, true, "pqg_timestamp"}, {"timestamp", 0, true, "pqg_timestamp"},
        {"date", 0, true, "pqg_date"},         {"interval", 0, true, "pqg_interval"},
        {"json", 0, true, "const char *"},     {"jsonb", 0, false, "const char *"},
        {"vector", 0, false, "pqg_vector"},    {"mood", 0, true, "db_mood"},
        {"mood", 0, false, "db_mood"},         {"mood", 1, true, "db_mood_array"},
        {"score", 0, true, "float"},           {"score", 0, false, "pqg_null_float"},
        {"int8", 0, false, "pqg_null_int64"},  {"uuid", 0, false, "pqg_null_uuid"},
        {"timestamptz", 0, false, "pqg_null_timestamp"}, {"bool", 0, false, "pqg_null_bool"},
        {"text", 1, true, "pqg_array_text"},   {"uuid", 1, true, "pqg_array_uuid"},
        {"int4", 1, false, "pqg_array_int32"}, {"varchar", 1, true, "pqg_array_text"},
    };
    char dir[256];
    config cfg = {0};
    diag_list d = {0};
    json_t *cols = json_array(), *model, *derived, *fields;
    size_t i;
    char *text;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%zu", i);
        json_array_append_new(cols, json_pack("{s:s, s:s, s:i, s:b, s:b, s:i}", "name", name,
                                              "type", cases[i].type, "array_dims", cases[i].dims,
                                              "not_null", cases[i].not_null, "has_default", 0,
                                              "oid", 0));
    }
    text = json_dumps(cols, 0);
    model = table_model(text);
    free(text);
    json_decref(cols);
    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"schema.sql\"], "
                               "\"queries\": [\"query.sql\"]}", NULL);
    load_config(dir, &cfg);
    derived = emit_derived_model(model, &cfg, &d);
    if (!derived)
        diag_print(&d, stderr);
    assert_non_null(derived);
    fields = json_object_get(json_array_get(json_object_get(derived, "models"), 0), "fields");
    assert_int_equal(json_array_size(fields), sizeof cases / sizeof cases[0]);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = json_string_value(json_object_get(json_array_get(fields, i), "c_type"));
        if (strcmp(got, cases[i].c_type) != 0)
            fail_msg("%s%s (not_null %d): got %s, want %s", cases[i].type,
                     cases[i].dims ? "[]" : "", cases[i].not_null, got, cases[i].c_type);
    }
    /* The struct is named by the singular of the table. */
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(derived, "models"), 0), "c_name")),
                        "db_thing");
    json_decref(derived);
    json_decref(model);
    config_free(&cfg);
    diag_list_free(&d);
}

static void
test_unmapped_type_is_an_error(void **state)
{
    char dir[256];
    config cfg = {0};
    diag_list d = {0};
    emit_file *files = NULL;
    size_t n = 0;
    json_t *model = table_model("[{\"name\": \"addr\", \"type\": \"inet\", \"array_dims\": 0, "
                                "\"not_null\": true, \"has_default\": false, \"oid\": 869}]");
    (void)state;

    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"schema.sql\"], "
                               "\"queries\": [\"query.sql\"]}", NULL);
    load_config(dir, &cfg);
    assert_int_equal(emit_render(model, &cfg, &files, &n, &d), -1);
    assert_null(files);
    assert_true(diag_has(&d, "table things: column \"addr\": no C mapping for type inet; add an "
                             "override"));
    assert_true(diag_has(&d, "\"db_type\": \"inet\""));
    diag_list_free(&d);
    config_free(&cfg);

    /* With an override it maps. */
    make_case(dir, sizeof dir,
              "{\"version\": 1, \"schema\": [\"schema.sql\"], \"queries\": [\"query.sql\"], "
              "\"overrides\": [{\"db_type\": \"inet\", \"c_type\": \"pqg_bytes\", \"codec\": "
              "\"bytes\"}]}", NULL);
    load_config(dir, &cfg);
    assert_int_equal(emit_render(model, &cfg, &files, &n, &d), 0);
    assert_contains(find_file(files, n, "models.h"), "    pqg_bytes addr;\n");
    emit_files_free(files, n);
    diag_list_free(&d);
    config_free(&cfg);
    json_decref(model);
}

static void
test_overrides(void **state)
{
    char dir[256];
    config cfg = {0};
    diag_list d = {0};
    emit_file *files = NULL;
    size_t n = 0;
    json_t *model = table_model(
        "[{\"name\": \"a\", \"type\": \"jsonb\", \"array_dims\": 0, \"not_null\": true, "
        "\"has_default\": false, \"oid\": 3802},"
        " {\"name\": \"b\", \"type\": \"jsonb\", \"array_dims\": 0, \"not_null\": false, "
        "\"has_default\": false, \"oid\": 3802},"
        " {\"name\": \"c\", \"type\": \"text\", \"array_dims\": 0, \"not_null\": true, "
        "\"has_default\": false, \"oid\": 25}]");
    (void)state;

    /* A column override wins over a db_type one; "nullable" filters a db_type override. */
    make_case(dir, sizeof dir,
              "{\"version\": 1, \"schema\": [\"schema.sql\"], \"queries\": [\"query.sql\"], "
              "\"overrides\": [{\"db_type\": \"jsonb\", \"c_type\": \"json_t *\", \"nullable\": "
              "false}, {\"column\": \"things.c\", \"c_type\": \"pqg_bytes\", \"codec\": "
              "\"bytes\"}]}", NULL);
    load_config(dir, &cfg);
    assert_int_equal(emit_render(model, &cfg, &files, &n, &d), 0);
    assert_contains(find_file(files, n, "models.h"),
                    "    json_t *a;\n    const char *b; /* nullable */\n    pqg_bytes c;\n");
    assert_contains(find_file(files, n, "models.c"), "    json_decref(v->a);\n");
    emit_files_free(files, n);
    config_free(&cfg);

    /* A c_type that does not match its codec, and an unknown codec, are errors. */
    make_case(dir, sizeof dir,
              "{\"version\": 1, \"schema\": [\"schema.sql\"], \"queries\": [\"query.sql\"], "
              "\"overrides\": [{\"db_type\": \"jsonb\", \"c_type\": \"char *\", \"codec\": "
              "\"text\"}, {\"db_type\": \"text\", \"c_type\": \"x\", \"codec\": \"nope\"}]}",
              NULL);
    load_config(dir, &cfg);
    assert_int_equal(emit_render(model, &cfg, &files, &n, &d), -1);
    assert_true(diag_has(&d, "overrides[0]: c_type \"char *\" does not match codec \"text\""));
    assert_true(diag_has(&d, "overrides[1]: unknown codec \"nope\""));
    diag_list_free(&d);
    config_free(&cfg);
    json_decref(model);
}

/* ---- names -------------------------------------------------------------------------------------- */

static void
test_names(void **state)
{
    static const char *const singular[][2] = {
        {"conversations", "conversation"}, {"categories", "category"}, {"statuses", "status"},
        {"sessions", "session"},           {"data", "data"},           {"status", "status"},
        {"messages", "message"},           {"addresses", "address"},   {"boxes", "box"},
        {"people", "person"},              {"action_history", "action_history"},
        {"agent_states", "agent_state"},   {"memories", "memory"},     {"analysis", "analysis"},
        {"kv", "kv"},                      {"workflow_executions", "workflow_execution"},
    };
    static const char *const snake[][2] = {
        {"GetConversation", "get_conversation"},
        {"GetConversationsByIDs", "get_conversations_by_ids"},
        {"HTMLParser", "html_parser"},
        {"ListV2Items", "list_v2_items"},
        {"get_thing", "get_thing"},
        {"UUIDs", "uuids"},
    };
    size_t i;
    char *s;
    (void)state;

    for (i = 0; i < sizeof singular / sizeof singular[0]; i++) {
        s = emit_singular(singular[i][0]);
        assert_string_equal(s, singular[i][1]);
        free(s);
    }
    for (i = 0; i < sizeof snake / sizeof snake[0]; i++) {
        s = emit_snake(snake[i][0]);
        assert_string_equal(s, snake[i][1]);
        free(s);
    }
    s = emit_ident("default");
    assert_string_equal(s, "default_");
    free(s);
    s = emit_ident("total count");
    assert_string_equal(s, "total_count");
    free(s);
    s = emit_ident("1st");
    assert_string_equal(s, "_1st");
    free(s);
    s = emit_ident("_mem");
    assert_string_equal(s, "_mem_");
    free(s);
}

static void
test_name_clash(void **state)
{
    char dir[256];
    config cfg = {0};
    diag_list d = {0};
    emit_file *files = NULL;
    size_t n = 0;
    json_t *model = table_model("[{\"name\": \"a\", \"type\": \"int4\", \"array_dims\": 0, "
                                "\"not_null\": true, \"has_default\": false, \"oid\": 23}]");
    (void)state;

    /* An enum "thing" and a table "things" both want db_thing. */
    json_object_set_new(json_array_get(json_object_get(json_object_get(model, "catalog"),
                                                       "enums"), 0),
                        "name", json_string("thing"));
    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"schema.sql\"], "
                               "\"queries\": [\"query.sql\"]}", NULL);
    load_config(dir, &cfg);
    assert_int_equal(emit_render(model, &cfg, &files, &n, &d), -1);
    assert_true(diag_has(&d, "name clash in C: db_thing is generated for both enum thing and "
                             "table things"));
    diag_list_free(&d);
    config_free(&cfg);
    json_decref(model);
}

static void
test_string_literals(void **state)
{
    tv_arena *a = tv_arena_new();
    tv *lines = emit_c_string_lines(a, "SELECT \"a\", '\\' -- ?\?= é\n\tFROM t\n");
    emit_sb b = {0};
    char *comment;
    (void)state;

    assert_int_equal(tv_len(lines), 2);
    assert_string_equal(emit_sv(tv_at(lines, 0), "text"), "SELECT \\\"a\\\", '\\\\' -- ?\\?= é\\n");
    assert_string_equal(emit_sv(tv_at(lines, 1), "text"), "\\tFROM t\\n");
    assert_false(tv_is_true(tv_get(tv_at(lines, 0), "last")));
    assert_true(tv_is_true(tv_get(tv_at(lines, 1), "last")));
    /* One line without a newline, and the empty string: one piece each. */
    lines = emit_c_string_lines(a, "x");
    assert_int_equal(tv_len(lines), 1);
    assert_string_equal(emit_sv(tv_at(lines, 0), "text"), "x");
    lines = emit_c_string_lines(a, "");
    assert_int_equal(tv_len(lines), 1);
    assert_string_equal(emit_sv(tv_at(lines, 0), "text"), "");
    assert_false(tv_arena_oom(a));
    tv_arena_free(a);

    emit_c_escape(&b, "a\001b\177", 4);
    assert_string_equal(emit_sb_str(&b), "a\\001b\\177");
    emit_sb_free(&b);

    /* Comments: no early close, no nested open, no line-splicing trigraph. */
    comment = emit_block_comment("a */ b /* c ?\?/\nsecond", "");
    assert_string_equal(comment, "/* a * / b / * c ? ?/\n * second */");
    free(comment);
}

static void
test_long_comment_and_prototype_wrap(void **state)
{
    const char *args[] = {"pqg_db *db", "const some_really_long_params_struct_name_params *p",
                          "int (*fn)(const some_really_long_row_struct_name_row *row, void *ud)",
                          "void *userdata"};
    char *p = emit_proto("PQG_MUST_CHECK int", "db_some_really_long_function_name_each", args, 4,
                         false, ";");
    char *c;
    const char *s;
    (void)state;

    for (s = p; *s;) {
        size_t n = strcspn(s, "\n");
        assert_true(n <= 100);
        s += n + (s[n] ? 1 : 0);
    }
    free(p);
    c = emit_block_comment("word word word word word word word word word word word word word "
                           "word word word word word word word word word word word word", "");
    for (s = c; *s;) {
        size_t n = strcspn(s, "\n");
        assert_true(n <= 100);
        s += n + (s[n] ? 1 : 0);
    }
    assert_non_null(strchr(c, '\n'));
    free(c);
}

/* ---- bulk commands ------------------------------------------------------------------------- */

/* table_model plus queries (a JSON array of model queries). */
static json_t *
model_with_queries(const char *columns_json, const char *queries_json)
{
    json_error_t e;
    json_t *m = table_model(columns_json), *q = json_loads(queries_json, 0, &e);
    if (!q)
        fail_msg("bad test JSON: %s", e.text);
    json_object_set_new(m, "queries", q);
    return m;
}

#define THINGS_COLUMNS                                                                         \
    "[{\"name\": \"id\", \"type\": \"int8\", \"array_dims\": 0, \"not_null\": true, "           \
    "\"has_default\": false, \"oid\": 20}, {\"name\": \"mood\", \"type\": \"mood\", "            \
    "\"array_dims\": 0, \"not_null\": true, \"has_default\": false, \"oid\": 0}, "               \
    "{\"name\": \"moods\", \"type\": \"mood\", \"array_dims\": 1, \"not_null\": false, "          \
    "\"has_default\": false, \"oid\": 0}]"

/* A model query: name, command, SQL and parameters (JSON). */
static char *
query_json(const char *name, const char *cmd, const char *sql, const char *params,
           const char *columns)
{
    json_t *q = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "name", name, "cmd", cmd, "file",
                          "q.sql", "line", 1, "sql", sql, "statement", "insert");
    json_error_t e;
    json_t *p = json_loads(params, 0, &e), *c = json_loads(columns ? columns : "[]", 0, &e);
    char *out;
    assert_non_null(p);
    assert_non_null(c);
    json_object_set_new(q, "params", p);
    json_object_set_new(q, "columns", c);
    json_object_set_new(q, "table", json_null());
    out = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    return out;
}

#define P_ID "{\"index\": 1, \"name\": \"id\", \"type\": \"int8\", \"array_dims\": 0, " \
             "\"nullable\": false, \"oid\": 20}"
#define P_MOOD "{\"index\": 2, \"name\": \"mood\", \"type\": \"mood\", \"array_dims\": 0, " \
               "\"nullable\": false, \"oid\": 0}"

static json_t *
derive(const char *queries_json, diag_list *d)
{
    char dir[256];
    config cfg = {0};
    json_t *model = model_with_queries(THINGS_COLUMNS, queries_json), *out;

    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"schema.sql\"], "
                               "\"queries\": [\"query.sql\"]}", NULL);
    load_config(dir, &cfg);
    out = emit_derived_model(model, &cfg, d);
    json_decref(model);
    config_free(&cfg);
    return out;
}

static void
test_copyfrom_statement(void **state)
{
    char *q = query_json("LoadThings", ":copyfrom",
                         "INSERT INTO public.things AS t (id, \"mood\")\n  VALUES ($1, $2);",
                         "[" P_ID ", " P_MOOD "]", NULL);
    char *all = NULL;
    diag_list d = {0};
    json_t *m, *dq;
    (void)state;

    if (asprintf(&all, "[%s]", q) < 0)
        fail();
    m = derive(all, &d);
    assert_non_null(m);
    dq = json_array_get(json_object_get(m, "queries"), 0);
    /* The COPY names the table and columns as written; enums are declared 0. */
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(dq, "sql_lines"), 0), "text")),
                        "COPY public.things (id, \\\"mood\\\") FROM STDIN (FORMAT binary)");
    assert_contains(emit_str_of(dq, "param_types"), "= {20 /* int8 */, 0 /* mood */};");
    assert_true(json_is_true(json_object_get(dq, "has_params_struct")));
    assert_string_equal(emit_str_of(dq, "proto"),
                        "PQG_MUST_CHECK int db_load_things(pqg_db *db, const "
                        "db_load_things_params *rows, size_t n_rows,\n"
                        "                                  int64_t *copied);");
    assert_contains(emit_str_of(dq, "from_proto"), "int (*next)(db_load_things_params *row, "
                                                   "void *userdata)");
    json_decref(m);
    free(all), free(q);
    diag_list_free(&d);
}

static void
test_copyfrom_refusals(void **state)
{
    static const struct {
        const char *sql, *params, *error;
    } cases[] = {
        {"INSERT INTO things (id) VALUES ($1) ON CONFLICT DO NOTHING", "[" P_ID "]",
         "a :copyfrom query must be a plain INSERT"},
        {"INSERT INTO things (id) VALUES ($1 + 1)", "[" P_ID "]",
         "a :copyfrom query must be a plain INSERT"},
        {"INSERT INTO things (id, mood) VALUES ($2, $1)", "[" P_ID ", " P_MOOD "]",
         "a :copyfrom query must be a plain INSERT"},
        {"INSERT INTO things (id) SELECT $1", "[" P_ID "]",
         "a :copyfrom query must be a plain INSERT"},
        {"INSERT INTO things (moods) VALUES ($1)",
         "[{\"index\": 1, \"name\": \"moods\", \"type\": \"mood\", \"array_dims\": 1, "
         "\"nullable\": false, \"oid\": 0}]",
         "binary COPY cannot take a enum array value"},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *q = query_json("LoadBad", ":copyfrom", cases[i].sql, cases[i].params, NULL), *all;
        diag_list d = {0};
        json_t *m;
        if (asprintf(&all, "[%s]", q) < 0)
            fail();
        m = derive(all, &d);
        assert_null(m);
        if (!diag_has(&d, cases[i].error))
            fail_msg("case %zu (%s): no \"%s\"", i, cases[i].sql, cases[i].error);
        diag_list_free(&d);
        free(q), free(all);
    }
}

static void
test_batch_shapes(void **state)
{
    char *q1 = query_json("TouchAll", ":batchexec", "UPDATE things SET id = id", "[]", NULL);
    char *q2 = query_json("GetMood", ":batchone", "SELECT mood FROM things WHERE id = $1",
                          "[" P_ID "]",
                          "[{\"name\": \"mood\", \"type\": \"mood\", \"array_dims\": 0, "
                          "\"nullable\": false, \"oid\": 0, \"table\": \"things\", "
                          "\"embed\": null}]");
    char *q3 = query_json("ListIds", ":batchmany", "SELECT id FROM things WHERE mood = $1",
                          "[{\"index\": 1, \"name\": \"mood\", \"type\": \"mood\", "
                          "\"array_dims\": 0, \"nullable\": false, \"oid\": 0}]",
                          "[{\"name\": \"id\", \"type\": \"int8\", \"array_dims\": 0, "
                          "\"nullable\": false, \"oid\": 20, \"table\": \"things\", "
                          "\"embed\": null}]");
    char *all;
    diag_list d = {0};
    json_t *m, *qs;
    (void)state;

    if (asprintf(&all, "[%s, %s, %s]", q1, q2, q3) < 0)
        fail();
    m = derive(all, &d);
    if (!m) {
        diag_print(&d, stderr);
        fail();
    }
    qs = json_object_get(m, "queries");
    /* No parameters: no items array and no bind adapter. */
    assert_string_equal(emit_str_of(json_array_get(qs, 0), "proto"),
                        "PQG_MUST_CHECK int db_touch_all(pqg_db *db, size_t n_items, "
                        "db_touch_all_fn fn, void *userdata);");
    assert_string_equal(emit_str_of(json_array_get(qs, 0), "bind_fn"), "NULL");
    assert_string_equal(emit_str_of(json_array_get(qs, 0), "fn_typedef"),
                        "typedef int (*db_touch_all_fn)(size_t i, int rc, int64_t rows_affected, "
                        "void *userdata);");
    /* One parameter is still a struct per item. */
    assert_contains(emit_str_of(json_array_get(qs, 1), "proto"), "const db_get_mood_params *items,");
    assert_contains(emit_str_of(json_array_get(qs, 1), "proto"), "db_get_mood_fn fn,");
    assert_contains(emit_str_of(json_array_get(qs, 1), "fn_typedef"),
                    "const db_get_mood_row *row, void *userdata);");
    assert_contains(emit_str_of(json_array_get(qs, 1), "call"), "pqg_batch_run_one(");
    assert_contains(emit_str_of(json_array_get(qs, 2), "fn_typedef"),
                    "const db_list_ids_row *rows, size_t n_rows,");
    assert_contains(emit_str_of(json_array_get(qs, 2), "call"), "pqg_batch_run(");
    /* Borrowed batch rows have neither _rows nor _free. */
    {
        json_t *row = json_object_get(json_array_get(qs, 2), "row");
        assert_false(json_is_true(json_object_get(row, "has_rows")));
        assert_false(json_is_true(json_object_get(row, "has_free")));
    }
    json_decref(m);
    free(q1), free(q2), free(q3), free(all);
    diag_list_free(&d);
}

/* ---- :one of one fixed-size column: a typed out-parameter --------------------------------- */

#define COL(name, type, dims, nullable, oid)                                                   \
    "{\"name\": \"" name "\", \"type\": \"" type "\", \"array_dims\": " #dims               \
    ", \"nullable\": " nullable ", \"oid\": " #oid ", \"table\": null, \"embed\": null}"

static void
test_scalar_one(void **state)
{
    /* A column named like the parameter gets "_out"; one named like a local, "_". */
    char *q1 = query_json("CountThings", ":one", "SELECT count(*) AS id FROM things WHERE id = $1",
                          "[" P_ID "]", "[" COL("id", "int8", 0, "false", 20) "]");
    char *q2 = query_json("TopMood", ":one", "SELECT max(mood) AS mood FROM things", "[]",
                          "[" COL("mood", "mood", 0, "true", 0) "]");
    char *q3 = query_json("MaxId", ":one", "SELECT max(id) AS rc FROM things", "[]",
                          "[" COL("rc", "int8", 0, "true", 20) "]");
    /* Variable-length values keep their row struct, which owns a block. */
    char *q4 = query_json("AllMoods", ":one", "SELECT moods FROM things LIMIT 1", "[]",
                          "[" COL("moods", "mood", 1, "true", 0) "]");
    char *q5 = query_json("AnyName", ":one", "SELECT 'x'::text AS name", "[]",
                          "[" COL("name", "text", 0, "false", 25) "]");
    char *all = NULL, dir[256];
    diag_list d = {0};
    config cfg = {0};
    json_t *model, *m, *qs;
    emit_file *files;
    size_t n;
    const char *h, *c;
    (void)state;

    if (asprintf(&all, "[%s, %s, %s, %s, %s]", q1, q2, q3, q4, q5) < 0)
        fail();
    m = derive(all, &d);
    if (!m) {
        diag_print(&d, stderr);
        fail();
    }
    qs = json_object_get(m, "queries");
    assert_string_equal(emit_str_of(json_array_get(qs, 0), "proto"),
                        "PQG_MUST_CHECK int db_count_things(pqg_db *db, int64_t id, "
                        "int64_t *id_out);");
    assert_true(json_is_null(json_object_get(json_array_get(qs, 0), "row")));
    assert_contains(emit_str_of(json_array_get(qs, 0), "comment"),
                    "Returns 0 and sets *id_out, PQG_ENOTFOUND when there is no row");
    assert_string_equal(emit_str_of(json_array_get(qs, 1), "proto"),
                        "PQG_MUST_CHECK int db_top_mood(pqg_db *db, db_mood *mood);");
    assert_contains(emit_str_of(json_array_get(qs, 1), "comment"), "*mood (0 for SQL NULL)");
    assert_string_equal(emit_str_of(json_array_get(qs, 2), "proto"),
                        "PQG_MUST_CHECK int db_max_id(pqg_db *db, pqg_null_int64 *rc_);");
    assert_contains(emit_str_of(json_array_get(qs, 2), "comment"),
                    "*rc_ (.valid false for SQL NULL)");
    assert_string_equal(emit_str_of(json_array_get(qs, 3), "proto"),
                        "PQG_MUST_CHECK int db_all_moods(pqg_db *db, db_all_moods_row *out);");
    assert_string_equal(emit_str_of(json_array_get(qs, 4), "proto"),
                        "PQG_MUST_CHECK int db_any_name(pqg_db *db, db_any_name_row *out);");
    json_decref(m);
    diag_list_free(&d);

    /* The rendered function: a static decoder into the value, no struct and no _free. */
    model = model_with_queries(THINGS_COLUMNS, all);
    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"schema.sql\"], "
                               "\"queries\": [\"query.sql\"]}", NULL);
    load_config(dir, &cfg);
    if (emit_render(model, &cfg, &files, &n, &d) != 0) {
        diag_print(&d, stderr);
        fail();
    }
    h = find_file(files, n, "q.h");
    c = find_file(files, n, "q.c");
    assert_null(strstr(h, "db_count_things_row"));
    assert_null(strstr(h, "db_top_mood_row"));
    assert_contains(h, "typedef struct db_all_moods_row {");
    assert_contains(c, "static void\ndb_count_things_decode(pqg_row *r, void *out)\n{\n"
                       "    int64_t *dst = out;\n\n    pqg_get_int64(r, 0, dst);\n}\n");
    assert_contains(c, "    db_mood *dst = out;\n\n    {\n        int v = 0;\n"
                       "        pqg_get_null_enum(r, 0, db_mood_labels, 2, &v);\n"
                       "        *dst = (db_mood)v;\n    }\n");
    assert_contains(c, "    pqg_get_null_int64(r, 0, dst);\n");
    assert_contains(c, "    if (id_out == NULL)\n        return PQG_EINVAL;\n");
    assert_contains(c, "db_count_things_decode, id_out,\n"
                       "                       sizeof *id_out, &mem);\n"
                       "    pqg_free(mem); /* NULL: a fixed-size value needs no block */\n"
                       "    return rc;\n}\n");
    emit_files_free(files, n);
    json_decref(model);
    config_free(&cfg);
    diag_list_free(&d);
    free(q1), free(q2), free(q3), free(q4), free(q5), free(all);
}

/* A field whose comment does not fit beside it gets the comment on the line above; prototypes
 * that cannot align break after '(' with a 4-column indent. */
static void
test_member_lines_and_wrap(void **state)
{
    tv_arena *a = tv_arena_new();
    tv *o = tv_obj(a);
    const char *args[] = {"pqg_db *db",
                          "int (*next)(db_some_very_long_query_name_params *row, void *userdata)",
                          "void *userdata"};
    char *p;
    (void)state;

    emit_member_lines(o, "pqg_null_timestamp a_really_long_field_name_that_goes_on_and_on_x",
                      "/* $12, nullable: and a comment long enough to overflow the line */");
    assert_int_equal(tv_len(tv_get(o, "member_lines")), 2);
    assert_string_equal(tv_sval(tv_at(tv_get(o, "member_lines"), 0)),
                        "/* $12, nullable: and a comment long enough to overflow the line */");
    emit_member_lines(o, "int32_t x", "/* $1 */");
    assert_string_equal(tv_sval(tv_at(tv_get(o, "member_lines"), 0)), "int32_t x; /* $1 */");
    tv_arena_free(a);

    p = emit_proto("PQG_MUST_CHECK int", "db_some_very_long_query_name_from", args, 3, false, ";");
    assert_string_equal(p, "PQG_MUST_CHECK int db_some_very_long_query_name_from(\n"
                           "    pqg_db *db, int (*next)(db_some_very_long_query_name_params "
                           "*row, void *userdata),\n    void *userdata);");
    free(p);
}

/* ---- migrations ------------------------------------------------------------------------------- */

static void
test_migrations(void **state)
{
    char dir[256], sub[300], hex[65], want[120];
    config cfg = {0};
    diag_list d = {0};
    emit_file *files = NULL;
    size_t n = 0;
    json_t *model = table_model("[]");
    const char *mig;
    const char *up2 = "CREATE TABLE b (id int);\n";
    (void)state;

    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"migrations\", \"goose.sql\"], "
                               "\"queries\": [\"query.sql\"]}", NULL);
    snprintf(sub, sizeof sub, "%s/migrations", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file(sub, "0002_add_b.up.sql", up2);
    write_file(sub, "0002_add_b.down.sql", "DROP TABLE b;\n");
    write_file(sub, "0001_init.up.sql", "CREATE TABLE a (id int);\n");
    write_file(dir, "goose.sql", "-- +goose Up\nCREATE TABLE c (x text);\n-- +goose Down\n"
                                 "DROP TABLE c;\n");
    load_config(dir, &cfg);
    if (emit_render(model, &cfg, &files, &n, &d) != 0) {
        diag_print(&d, stderr);
        fail();
    }
    mig = find_file(files, n, "migrations.c");
    /* Sorted by version: 1 (init), 2 (add_b, with its down), 3 (goose.sql, by position). */
    assert_contains(mig, "    /* migrations/0001_init.up.sql */\n    {\n        .version = 1,\n"
                         "        .name = \"init\",\n        .up_sql =\n"
                         "            \"CREATE TABLE a (id int);\\n\",\n"
                         "        .down_sql = NULL,\n");
    assert_contains(mig, "        .version = 2,\n        .name = \"add_b\",\n");
    assert_contains(mig, "        .down_sql =\n            \"DROP TABLE b;\\n\",\n");
    assert_contains(mig, "        .version = 3,\n        .name = \"goose\",\n        .up_sql =\n"
                         "            \"CREATE TABLE c (x text);\\n\",\n        .down_sql =\n"
                         "            \"DROP TABLE c;\\n\",\n");
    pqg__sha256_hex(up2, strlen(up2), hex);
    snprintf(want, sizeof want, ".checksum = \"%s\"", hex);
    assert_contains(mig, want);
    assert_true(strstr(mig, "0001_init") < strstr(mig, "0002_add_b"));
    emit_files_free(files, n);
    diag_list_free(&d);
    config_free(&cfg);
    json_decref(model);
}

static void
test_sha256(void **state)
{
    char hex[65];
    (void)state;
    pqg__sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    pqg__sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* 56 bytes: the padding needs a second block. */
    pqg__sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* ---- write and diff ----------------------------------------------------------------------------- */

static void
test_write_only_changed(void **state)
{
    char dir[256], path[300];
    emit_file files[2] = {{"a.h", "one\n", 4}, {"b.c", "two\n", 4}};
    struct stat st;
    struct timeval old[2] = {{1000000, 0}, {1000000, 0}};
    int written;
    char *text;
    (void)state;

    snprintf(dir, sizeof dir, "%s/write/nested", tmp_root);
    assert_int_equal(emit_write(dir, files, 2, &written), 0);
    assert_int_equal(written, 2);
    snprintf(path, sizeof path, "%s/a.h", dir);
    assert_int_equal(utimes(path, old), 0);

    /* Same content: nothing written, the mtime stays where we put it. */
    assert_int_equal(emit_write(dir, files, 2, &written), 0);
    assert_int_equal(written, 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((long)st.st_mtime, 1000000);

    /* Changed content: only that file is written. */
    files[0].content = "one, changed\n";
    files[0].len = strlen(files[0].content);
    assert_int_equal(emit_write(dir, files, 2, &written), 0);
    assert_int_equal(written, 1);
    assert_int_equal(stat(path, &st), 0);
    assert_true((long)st.st_mtime != 1000000);
    text = read_file(path);
    assert_string_equal(text, "one, changed\n");
    free(text);
}

static void
test_diff_renamed_column(void **state)
{
    char dir[256], out_path[300];
    emit_file files[1];
    const char *old_text = "/* Code generated by pqgen 0.0.9 from x. DO NOT EDIT. */\n"
                           "typedef struct db_conversation {\n"
                           "    pqg_uuid id;\n"
                           "    const char *title; /* nullable */\n"
                           "    pqg_timestamp created_at;\n"
                           "} db_conversation;\n";
    char *new_text = strdup(old_text), *diff;
    FILE *out;
    (void)state;

    snprintf(dir, sizeof dir, "%s/diff", tmp_root);
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(dir, "models.h", old_text);
    write_file(dir, "stale.c", "int x;\n");

    /* Identical apart from the version in the first line: no difference. */
    memcpy(strstr(new_text, "0.0.9"), "0.1.0", 5);
    files[0] = (emit_file){"models.h", new_text, strlen(new_text)};
    snprintf(out_path, sizeof out_path, "%s/diff.txt", tmp_root);
    out = fopen(out_path, "w");
    assert_int_equal(emit_diff(dir, files, 1, out), 1); /* stale.c still differs */
    fclose(out);
    diff = read_file(out_path);
    assert_null(strstr(diff, "--- "));
    assert_contains(diff, "/diff/stale.c: not written by pqgen\n");
    free(diff);
    free(new_text);

    /* A renamed column: a readable hunk with context. */
    new_text = strdup("/* Code generated by pqgen 0.1.0 from x. DO NOT EDIT. */\n"
                      "typedef struct db_conversation {\n"
                      "    pqg_uuid id;\n"
                      "    const char *name; /* nullable */\n"
                      "    pqg_timestamp created_at;\n"
                      "} db_conversation;\n");
    files[0] = (emit_file){"models.h", new_text, strlen(new_text)};
    out = fopen(out_path, "w");
    assert_int_equal(emit_diff(dir, files, 1, out), 1);
    fclose(out);
    diff = read_file(out_path);
    assert_contains(diff, "/diff/models.h\n+++ ");
    assert_contains(diff, "/diff/models.h (pqgen)\n@@ -1,6 +1,6 @@\n");
    assert_contains(diff, "     pqg_uuid id;\n-    const char *title; /* nullable */\n"
                          "+    const char *name; /* nullable */\n     pqg_timestamp created_at;\n");
    assert_false(strstr(diff, "stale.c") == NULL);
    free(diff);
    free(new_text);
}

static void
test_diff_large_and_missing(void **state)
{
    char dir[256], out_path[300];
    emit_file files[1];
    emit_sb a = {0}, b = {0};
    char *diff;
    FILE *out;
    int i;
    (void)state;

    /* 2000 lines with every 100th changed: hunks only around the changes. */
    for (i = 0; i < 2000; i++) {
        emit_sb_printf(&a, "line %d\n", i);
        emit_sb_printf(&b, i % 100 == 50 ? "LINE %d\n" : "line %d\n", i);
    }
    snprintf(dir, sizeof dir, "%s/diff2", tmp_root);
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(dir, "big.c", emit_sb_str(&a));
    files[0] = (emit_file){"big.c", (char *)emit_sb_str(&b), b.len};
    snprintf(out_path, sizeof out_path, "%s/diff2.txt", tmp_root);
    out = fopen(out_path, "w");
    assert_int_equal(emit_diff(dir, files, 1, out), 1);
    fclose(out);
    diff = read_file(out_path);
    assert_contains(diff, "@@ -48,7 +48,7 @@\n line 47\n line 48\n line 49\n-line 50\n+LINE 50\n");
    assert_contains(diff, "-line 1950\n+LINE 1950\n");
    assert_null(strstr(diff, "line 10\n"));
    free(diff);

    /* A missing file is reported and diffed against nothing. */
    files[0] = (emit_file){"new.h", "x\n", 2};
    out = fopen(out_path, "w");
    assert_int_equal(emit_diff(dir, files, 1, out), 1);
    fclose(out);
    diff = read_file(out_path);
    assert_contains(diff, "/diff2/new.h: missing (pqgen would write it)\n");
    assert_contains(diff, "@@ -0,0 +1,1 @@\n+x\n");
    free(diff);
    emit_sb_free(&a);
    emit_sb_free(&b);
}

/* ---- user templates ---------------------------------------------------------------------------- */

static void
test_user_templates(void **state)
{
    char dir[256], tdir[300];
    config cfg = {0};
    diag_list d = {0};
    emit_file *files = NULL;
    size_t n = 0;
    json_t *model;
    json_error_t e;
    (void)state;

    model = json_load_file("tests/golden/emit_basic/input-model.json", 0, &e);
    assert_non_null(model);
    make_case(dir, sizeof dir, "{\"version\": 1, \"schema\": [\"schema.sql\"], \"queries\": "
                               "[\"query.sql\"], \"prefix\": \"app\", \"templates\": \"tpl\"}",
              NULL);
    snprintf(tdir, sizeof tdir, "%s/tpl", dir);
    assert_int_equal(mkdir(tdir, 0755), 0);
    write_file(tdir, "queries.md.mustache",
               "# {{prefix}}\n{{#queries}}\n- {{name}} -> {{fn}}{{^last}},{{/last}}\n"
               "{{/queries}}\n");
    write_file(tdir, "queries.h.mustache", "{{> _head}}{{#query_file.queries}}{{fn}}\n"
                                           "{{/query_file.queries}}");
    write_file(tdir, "_head.mustache", "// {{query_file.base}}\n");
    write_file(tdir, "empty.txt.mustache", "{{#options.json}}x{{/options.json}}");
    /* The model's own members are there unchanged, beside the derived ones: a query's columns,
     * the catalog; and an object renders as compact JSON. */
    write_file(tdir, "model.txt.mustache",
               "{{#queries}}{{#first}}{{name}} {{statement}} {{table}}:{{#columns}} {{name}}"
               "{{/columns}}{{/first}}{{/queries}}\n{{#catalog.tables}}{{name}};"
               "{{/catalog.tables}}\n{{options}}\n{{queries.0.params.0.index}}\n");
    load_config(dir, &cfg);
    if (emit_render(model, &cfg, &files, &n, &d) != 0) {
        diag_print(&d, stderr);
        fail();
    }
    assert_string_equal(find_file(files, n, "model.txt"),
                        "GetConversation select conversations: id user_id title metadata "
                        "created_at deleted_at\nconversations;messages;categories;\n"
                        "{\"interface\":false,\"json\":false}\n\n");
    /* queries.md renders once; queries.h per query file; a blank output writes nothing. */
    assert_int_equal(n, 3);
    assert_contains(find_file(files, n, "queries.md"),
                    "# app\n- GetConversation -> app_get_conversation,\n");
    assert_contains(find_file(files, n, "queries.md"),
                    "- CountCategoriesByRole -> app_count_categories_by_role\n");
    assert_contains(find_file(files, n, "query.h"), "// query\napp_get_conversation\n");
    emit_files_free(files, n);
    config_free(&cfg);

    /* A template error names the template and line. */
    write_file(tdir, "bad.txt.mustache", "ok\n{{#open}}\n");
    load_config(dir, &cfg);
    assert_int_equal(emit_render(model, &cfg, &files, &n, &d), -1);
    assert_true(diag_has(&d, "bad.txt.mustache:2: template error"));
    diag_list_free(&d);
    config_free(&cfg);
    json_decref(model);
}

/* ---- the template value tree ------------------------------------------------------------ */

static void
test_view_values(void **state)
{
    tv_arena *a = tv_arena_new(), *b = tv_arena_new();
    tv *o = tv_obj(a), *arr = tv_arr(a), *c, *v;
    json_t *j, *want;
    char key[32], *big;
    size_t i;
    (void)state;

    /* Enough members for the hash index; setting a key again replaces it in place. */
    for (i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%zu", i);
        tv_set_int(o, key, (long long)i);
    }
    tv_set_str(o, "k7", "seven");
    for (i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%zu", i);
        v = tv_get(o, key);
        if (i == 7)
            assert_string_equal(tv_sval(v), "seven");
        else
            assert_int_equal(tv_ival(v), (long long)i);
    }
    assert_null(tv_get(o, "k300"));
    assert_null(tv_get(o, "never used anywhere"));
    j = tv_to_json(o);
    assert_int_equal(json_object_size(j), 300);
    assert_string_equal(json_object_iter_key(json_object_iter(j)), "k0");
    assert_string_equal(json_string_value(json_object_get(j, "k7")), "seven");
    json_decref(j);

    /* Copies share members; a copy in another arena still finds them. */
    c = tv_obj_copy(a, o);
    tv_set_bool(c, "extra", 1);
    assert_null(tv_get(o, "extra"));
    assert_int_equal(tv_ival(tv_get(c, "k299")), 299);
    c = tv_obj_copy(b, o);
    assert_string_equal(tv_sval(tv_get(c, "k7")), "seven");
    assert_int_equal(tv_ival(tv_get(c, "k123")), 123);

    /* Arrays, shared short strings, a string bigger than an arena chunk. */
    for (i = 0; i < 1000; i++)
        tv_push_fmt(arr, "item %zu", i % 10);
    assert_int_equal(tv_len(arr), 1000);
    assert_string_equal(tv_sval(tv_at(arr, 999)), "item 9");
    assert_string_equal(tv_sval(tv_at(arr, 10)), tv_sval(tv_at(arr, 0)));
    assert_null(tv_at(arr, 1000));
    big = malloc(5 * 1024 * 1024 + 1);
    assert_non_null(big);
    memset(big, 'x', 5 * 1024 * 1024);
    big[5 * 1024 * 1024] = '\0';
    v = tv_str(a, big);
    assert_int_equal(strlen(tv_sval(v)), 5 * 1024 * 1024);
    free(big);
    assert_string_equal(tv_sval(tv_at(arr, 3)), "item 3");

    /* JSON round trip: every kind, nesting, key order, a NUL inside a string. */
    want = json_loads("{\"b\": [1, -2, 1.5, true, false, null, \"s\", {}, []], "
                      "\"a\": {\"z\": \"\\u00e9\", \"y\": \"a\\u0000b\"}, \"\": 0}",
                      JSON_ALLOW_NUL, NULL);
    assert_non_null(want);
    j = tv_to_json(tv_from_json(a, want));
    assert_true(json_equal(j, want));
    assert_string_equal(json_object_iter_key(json_object_iter(j)), "b");
    json_decref(j);
    v = tv_from_json_obj(a, want, 4);
    tv_set_str(v, "c", "new");
    assert_int_equal(tv_ival(tv_at(tv_get(v, "b"), 1)), -2);
    assert_string_equal(tv_sval(tv_get(v, "c")), "new");
    json_decref(want);

    assert_false(tv_arena_oom(a));
    assert_false(tv_arena_oom(b));
    tv_arena_free(a);
    tv_arena_free(b);
}

/* tv_format must be snprintf, fast path or not. */
static void
test_view_format(void **state)
{
    char got[64], want[64], small[6];
    /* Truncation is part of the contract; volatile keeps -Wformat-truncation out of it. */
    volatile size_t small_n = sizeof small;
    int gn, wn;
    (void)state;

#define SAME(...)                                                                                \
    do {                                                                                         \
        gn = tv_format(got, sizeof got, __VA_ARGS__);                                            \
        wn = snprintf(want, sizeof want, __VA_ARGS__);                                           \
        assert_int_equal(gn, wn);                                                                \
        assert_string_equal(got, want);                                                          \
        gn = tv_format(small, small_n, __VA_ARGS__);                                             \
        wn = snprintf(want, small_n, __VA_ARGS__);                                               \
        assert_int_equal(gn, wn);                                                                \
        assert_string_equal(small, want);                                                        \
    } while (0)
    SAME("plain text");
    SAME("%s and %s", "a", "bcdefgh");
    SAME("%.*s|%.3s", 2, "abcdef", "xy");
    SAME("[%*s][%-*s]", 6, "ab", 5, "cd");
    SAME("%d %i %u %ld %lld %zu", -42, 0, 4000000000u, -7L, (long long)INT64_MIN, (size_t)-1);
    SAME("%zd %lu %llu %%", (ssize_t)-3, 12UL, 18446744073709551615ULL);
    SAME("%5d|%-4d|%03o|%x|%.2f|%c", 42, 7, 9, 255, 1.5, 'q');
    SAME("%s", "");
    SAME("100%%");
#undef SAME
    assert_int_equal(tv_format(NULL, 0, "%s-%d", "abc", 12), 6);
}

static int
setup(void **state)
{
    (void)state;
    strcpy(tmp_root, "/tmp/pqgen_test_emit_XXXXXX");
    return mkdtemp(tmp_root) ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_golden_model),
        cmocka_unit_test(test_golden_out_is_current),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_type_mapping),
        cmocka_unit_test(test_unmapped_type_is_an_error),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_name_clash),
        cmocka_unit_test(test_string_literals),
        cmocka_unit_test(test_long_comment_and_prototype_wrap),
        cmocka_unit_test(test_copyfrom_statement),
        cmocka_unit_test(test_scalar_one),
        cmocka_unit_test(test_copyfrom_refusals),
        cmocka_unit_test(test_batch_shapes),
        cmocka_unit_test(test_member_lines_and_wrap),
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_write_only_changed),
        cmocka_unit_test(test_diff_renamed_column),
        cmocka_unit_test(test_diff_large_and_missing),
        cmocka_unit_test(test_user_templates),
        cmocka_unit_test(test_view_values),
        cmocka_unit_test(test_view_format),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
