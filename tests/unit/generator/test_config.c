/* test_config.c: unit tests for generator/config.c: a full valid file and the defaults, and
 * every validation error (unknown keys with hints at each level, wrong types, version, prefix,
 * missing paths, override shapes, invalid JSON with line:col, missing file), each naming its key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "diag.h"

static char base[64];
static char cfg_path[128];

static int
setup(void **state)
{
    (void)state;
    strcpy(base, "/tmp/pqgen_test_config_XXXXXX");
    if (!mkdtemp(base))
        return -1;
    char p[128];
    snprintf(p, sizeof p, "%s/schema", base);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/queries", base);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/extra.sql", base);
    FILE *fp = fopen(p, "w");
    if (!fp)
        return -1;
    fclose(fp);
    snprintf(cfg_path, sizeof cfg_path, "%s/pqgen.json", base);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

static void
write_cfg(const char *json)
{
    FILE *fp = fopen(cfg_path, "w");
    assert_non_null(fp);
    fputs(json, fp);
    fclose(fp);
}

/* Loads json as pqgen.json; returns config_load's result. */
static int
load(const char *json, config *c, diag_list *d)
{
    write_cfg(json);
    return config_load(cfg_path, c, d);
}

static const diag *
find_diag(const diag_list *d, const char *needle)
{
    for (size_t i = 0; i < d->len; i++)
        if (strstr(d->items[i].message, needle))
            return &d->items[i];
    for (size_t i = 0; i < d->len; i++)
        print_message("  have: %s\n", d->items[i].message);
    fail_msg("no diagnostic containing \"%s\"", needle);
    return NULL;
}

/* Asserts that json fails with exactly one error containing needle. */
static const char *
expect_one_error(const char *json, const char *needle)
{
    static char hint[256];
    config c;
    diag_list d = {0};
    assert_int_equal(load(json, &c, &d), -1);
    const diag *g = find_diag(&d, needle);
    assert_null(g->file);
    assert_string_equal(g->label, "pqgen.json");
    snprintf(hint, sizeof hint, "%s", g->hint ? g->hint : "");
    if (d.n_errors != 1)
        for (size_t i = 0; i < d.len; i++)
            print_message("  have: %s\n", d.items[i].message);
    assert_int_equal(d.n_errors, 1);
    assert_null(c.raw); /* emptied on failure */
    assert_null(c.path);
    diag_list_free(&d);
    return hint;
}

#define OK_BASE "\"version\": 1, \"schema\": [\"schema\"], \"queries\": \"queries\""

static void
test_full(void **state)
{
    (void)state;
    config c;
    diag_list d = {0};
    int rc = load("{\"version\": 1, \"schema\": [\"schema\", \"extra.sql\"], "
                  "\"queries\": [\"queries\"], \"out\": \"gen\", \"prefix\": \"app_db\", "
                  "\"templates\": \"tpl\", "
                  "\"overrides\": [{\"db_type\": \"jsonb\", \"c_type\": \"json_t *\", "
                  "\"codec\": \"jansson\"}, {\"column\": \"messages.metadata\", "
                  "\"c_type\": \"my_meta\", \"nullable\": true}], "
                  "\"emit\": {\"interface\": true, \"json\": false}, "
                  "\"vet\": {\"rows\": 10}}",
                  &c, &d);
    assert_int_equal(d.len, 0);
    assert_int_equal(rc, 0);
    assert_string_equal(c.path, cfg_path);
    assert_string_equal(c.dir, base);
    assert_int_equal(c.version, 1);
    assert_int_equal(c.n_schema, 2);
    assert_string_equal(c.schema[0], "schema");
    assert_string_equal(c.schema[1], "extra.sql");
    assert_int_equal(c.n_queries, 1);
    assert_string_equal(c.queries[0], "queries");
    assert_string_equal(c.out, "gen");
    assert_string_equal(c.prefix, "app_db");
    assert_string_equal(c.templates, "tpl");
    assert_int_equal(json_array_size(c.overrides), 2);
    assert_true(c.emit_interface);
    assert_false(c.emit_json);
    assert_non_null(c.vet);
    assert_int_equal(json_integer_value(json_object_get(c.vet, "rows")), 10);
    config_free(&c);
    assert_null(c.raw);
    config_free(&c);
    config_free(NULL);
}

static void
test_defaults(void **state)
{
    (void)state;
    config c;
    diag_list d = {0};
    assert_int_equal(load("{" OK_BASE "}", &c, &d), 0);
    assert_int_equal(d.len, 0);
    assert_int_equal(c.n_queries, 1);
    assert_string_equal(c.out, "generated");
    assert_string_equal(c.prefix, "db");
    assert_null(c.templates);
    assert_non_null(c.overrides);
    assert_true(json_is_array(c.overrides));
    assert_int_equal(json_array_size(c.overrides), 0);
    assert_false(c.emit_interface);
    assert_false(c.emit_json);
    assert_null(c.vet);
    config_free(&c);
}

static void
test_relative_dir(void **state)
{
    (void)state;
    write_cfg("{" OK_BASE "}");
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(base), 0);
    config c;
    diag_list d = {0};
    int rc = config_load("pqgen.json", &c, &d);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(c.dir, ".");
    config_free(&c);
}

static void
test_unknown_keys(void **state)
{
    (void)state;
    const char *h =
        expect_one_error("{" OK_BASE ", \"qeuries\": []}", "key \"qeuries\" is unknown");
    assert_string_equal(h, "did you mean \"queries\"?");
    h = expect_one_error("{" OK_BASE ", \"zzzzzzzz\": 1}", "key \"zzzzzzzz\" is unknown");
    assert_non_null(strstr(h, "\"overrides\""));
    h = expect_one_error("{" OK_BASE ", \"emit\": {\"interfase\": true}}",
                         "key \"emit.interfase\" is unknown");
    assert_string_equal(h, "did you mean \"interface\"?");
    h = expect_one_error("{" OK_BASE ", \"overrides\": [{\"db_type\": \"uuid\", \"c_type\": \"x\","
                         " \"codex\": \"y\"}]}",
                         "key \"overrides[0].codex\" is unknown");
    assert_string_equal(h, "did you mean \"codec\"?");
}

static void
test_types(void **state)
{
    (void)state;
    expect_one_error("{" OK_BASE ", \"prefix\": 3}", "\"prefix\" must be a string");
    expect_one_error("{" OK_BASE ", \"prefix\": \"1db\"}",
                     "\"prefix\" must be a C identifier, not \"1db\"");
    expect_one_error("{" OK_BASE ", \"prefix\": \"my-db\"}", "must be a C identifier");
    expect_one_error("{" OK_BASE ", \"out\": false}", "\"out\" must be a non-empty string");
    expect_one_error("{" OK_BASE ", \"out\": \"\"}", "\"out\" must be a non-empty string");
    expect_one_error("{" OK_BASE ", \"templates\": 1}", "\"templates\" must be a non-empty string");
    expect_one_error("{" OK_BASE ", \"emit\": []}", "\"emit\" must be an object");
    expect_one_error("{" OK_BASE ", \"emit\": {\"json\": 1}}",
                     "\"emit.json\" must be true or false");
    expect_one_error("{" OK_BASE ", \"vet\": true}", "\"vet\" must be an object");
    expect_one_error("{\"version\": 1, \"schema\": 5, \"queries\": \"queries\"}",
                     "\"schema\" must be a string or an array of strings");
    expect_one_error("{\"version\": 1, \"schema\": [\"schema\", 2], \"queries\": \"queries\"}",
                     "\"schema\" must be a string or an array of strings");
    expect_one_error("{\"version\": 1, \"schema\": [], \"queries\": \"queries\"}",
                     "\"schema\" must list at least one");
    expect_one_error("[1, 2]", "must be a JSON object");
}

static void
test_version(void **state)
{
    (void)state;
    expect_one_error("{\"version\": 2, \"schema\": \"schema\", \"queries\": \"queries\"}",
                     "\"version\" must be 1");
    expect_one_error("{\"version\": \"1\", \"schema\": \"schema\", \"queries\": \"queries\"}",
                     "\"version\" must be 1");
    const char *h = expect_one_error("{\"schema\": \"schema\", \"queries\": \"queries\"}",
                                     "key \"version\" is missing");
    assert_string_equal(h, "add \"version\": 1");
}

static void
test_paths(void **state)
{
    (void)state;
    expect_one_error("{\"version\": 1, \"queries\": \"queries\"}", "key \"schema\" is missing");
    expect_one_error("{\"version\": 1, \"schema\": \"schema\"}", "key \"queries\" is missing");
    expect_one_error("{\"version\": 1, \"schema\": [\"schema\", \"nope/\"], \"queries\": "
                     "\"queries\"}",
                     "\"schema\" path \"nope/\" does not exist");
    expect_one_error("{\"version\": 1, \"schema\": \"schema\", \"queries\": \"q.sql\"}",
                     "\"queries\" path \"q.sql\" does not exist");
}

static void
test_overrides(void **state)
{
    (void)state;
    expect_one_error("{" OK_BASE ", \"overrides\": {}}", "\"overrides\" must be an array");
    expect_one_error("{" OK_BASE ", \"overrides\": [3]}", "\"overrides[0]\" must be an object");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"c_type\": \"x\"}]}",
                     "\"overrides[0]\" must have exactly one of \"db_type\" and \"column\"");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"c_type\": \"x\", \"db_type\": \"a\", "
                     "\"column\": \"t.c\"}]}",
                     "exactly one of");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"column\": \"nodot\", \"c_type\": \"x\"}]}",
                     "\"overrides[0].column\" must be a string \"table.column\"");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"column\": \"t.\", \"c_type\": \"x\"}]}",
                     "\"overrides[0].column\"");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"column\": \"a..b\", \"c_type\": \"x\"}]}",
                     "\"overrides[0].column\"");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"db_type\": \"uuid\"}]}",
                     "\"overrides[0]\" is missing \"c_type\"");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"db_type\": \"uuid\", \"c_type\": 1}]}",
                     "\"overrides[0].c_type\" must be a non-empty string");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"db_type\": \"uuid\", \"c_type\": \"x\","
                     " \"codec\": []}]}",
                     "\"overrides[0].codec\" must be a non-empty string");
    expect_one_error("{" OK_BASE ", \"overrides\": [{\"db_type\": \"uuid\", \"c_type\": \"x\"},"
                     " {\"db_type\": \"uuid\", \"c_type\": \"x\", \"nullable\": \"yes\"}]}",
                     "\"overrides[1].nullable\" must be true or false");
    config c;
    diag_list d = {0};
    assert_int_equal(load("{" OK_BASE ", \"overrides\": [{\"column\": \"app.t.c\", "
                          "\"c_type\": \"x\"}]}",
                          &c, &d),
                     0);
    config_free(&c);
}

static void
test_all_errors_reported(void **state)
{
    (void)state;
    config c;
    diag_list d = {0};
    assert_int_equal(load("{\"version\": 3, \"schema\": \"nope\", \"queries\": \"queries\", "
                          "\"prefx\": \"db\", \"emit\": {\"json\": \"yes\"}}",
                          &c, &d),
                     -1);
    assert_int_equal(d.n_errors, 4);
    find_diag(&d, "\"version\" must be 1");
    find_diag(&d, "\"schema\" path \"nope\"");
    find_diag(&d, "key \"prefx\" is unknown");
    find_diag(&d, "\"emit.json\"");
    diag_list_free(&d);
}

static void
test_bad_json_and_missing_file(void **state)
{
    (void)state;
    config c;
    diag_list d = {0};
    assert_int_equal(load("{\n  \"version\": 1,\n  \"schema\": [\"schema\",]\n}", &c, &d), -1);
    assert_int_equal(d.n_errors, 1);
    const diag *g = find_diag(&d, "invalid JSON");
    assert_string_equal(g->label, "pqgen.json:3:23");
    diag_list_free(&d);
    assert_int_equal(load("{\"version\": 1, \"version\": 1}", &c, &d), -1);
    find_diag(&d, "duplicate object key");
    diag_list_free(&d);
    char p[160];
    snprintf(p, sizeof p, "%s/absent.json", base);
    assert_int_equal(config_load(p, &c, &d), -1);
    g = find_diag(&d, "cannot read: No such file or directory");
    assert_string_equal(g->label, "absent.json");
    assert_non_null(strstr(g->hint, "pqgen init"));
    diag_list_free(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_relative_dir),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_bad_json_and_missing_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
