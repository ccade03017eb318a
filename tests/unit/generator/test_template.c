/* test_template.c: unit tests for generator/template.c.
 * Runs every case of the mustache spec files (comments, delimiters, interpolation, inverted,
 * partials, sections) as its own cmocka test, then our own cases: errors with file and line,
 * no-escape mode, C-shaped templates with separators and standalone lines, partial loaders.
 * The spec lives in $PQGEN_SHARED/spec/mustache (default ../shared, run from the repo root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "template.h"

static const char *const spec_files[] = {"comments",  "delimiters", "interpolation",
                                         "inverted",  "partials",   "sections"};
#define N_SPEC_FILES (sizeof spec_files / sizeof spec_files[0])

static char spec_dir[1024];

/* ---- helpers ------------------------------------------------------------------------------ */

/* Renders with C-output defaults (no escaping, strict partials from a JSON object). Returns the
 * output (caller owns; release with free()) or NULL with *err filled. */
static char *
render_opts(const char *tmpl, const char *data_json, const char *partials_json, int escape,
            int strict, template_error *err)
{
    json_error_t jerr;
    json_t *data = data_json ? json_loads(data_json, JSON_DECODE_ANY, &jerr) : NULL;
    json_t *partials = partials_json ? json_loads(partials_json, 0, &jerr) : NULL;
    if (data_json)
        assert_non_null(data);
    if (partials_json)
        assert_non_null(partials);
    template_options opt = {.escape_html = escape,
                            .strict_partials = strict,
                            .partial = template_partial_from_json,
                            .partial_userdata = partials,
                            .name = "t.mustache"};
    char *out = (char *)0x1;
    memset(err, 0, sizeof *err);
    int rc = template_render(tmpl, data, &opt, &out, err);
    json_decref(data);
    json_decref(partials);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_null(out);
        return NULL;
    }
    assert_non_null(out);
    return out;
}

static void
expect_render(const char *tmpl, const char *data_json, const char *partials_json,
              const char *expected)
{
    template_error err;
    char *out = render_opts(tmpl, data_json, partials_json, 0, 1, &err);
    if (!out)
        fail_msg("render failed: %s:%d: %s", err.file, err.line, err.message);
    if (strcmp(out, expected) != 0)
        print_error("template:\n%s\nexpected:\n[%s]\ngot:\n[%s]\n", tmpl, expected, out);
    assert_string_equal(out, expected);
    free(out);
}

static void
expect_error(const char *tmpl, const char *partials_json, int strict, const char *file, int line,
             const char *message_part)
{
    template_error err;
    char *out = render_opts(tmpl, "{}", partials_json, 0, strict, &err);
    if (out)
        fail_msg("expected an error for [%s], got [%s]", tmpl, out);
    if (strcmp(err.file, file) != 0 || err.line != line || !strstr(err.message, message_part))
        print_error("template [%s]: want %s:%d: ...%s..., got %s:%d: %s\n", tmpl, file, line,
                    message_part, err.file, err.line, err.message);
    assert_string_equal(err.file, file);
    assert_int_equal(err.line, line);
    assert_non_null(strstr(err.message, message_part));
}

/* ---- the mustache spec -------------------------------------------------------------------- */

static void
run_spec_case(void **state)
{
    json_t *test = *state;
    const char *name = json_string_value(json_object_get(test, "name"));
    const char *tmpl = json_string_value(json_object_get(test, "template"));
    const char *expected = json_string_value(json_object_get(test, "expected"));
    assert_non_null(tmpl);
    assert_non_null(expected);
    template_options opt = {.escape_html = 1,
                            .strict_partials = 0,
                            .partial = template_partial_from_json,
                            .partial_userdata = json_object_get(test, "partials"),
                            .name = name};
    template_error err;
    char *out = NULL;
    int rc = template_render(tmpl, json_object_get(test, "data"), &opt, &out, &err);
    if (rc != 0)
        fail_msg("%s: render failed: %s:%d: %s", name, err.file, err.line, err.message);
    if (strcmp(out, expected) != 0)
        print_error("%s\ntemplate: [%s]\nexpected: [%s]\ngot:      [%s]\n", name, tmpl,
                    expected, out);
    assert_string_equal(out, expected);
    free(out);
}

static void
spec_missing(void **state)
{
    (void)state;
    printf("skipped: mustache spec not found at %s\n", spec_dir);
    skip();
}

/* ---- our own cases ------------------------------------------------------------------------ */

static void
test_no_escape(void **state)
{
    (void)state;
    template_error err;
    const char *data = "{\"x\": \"<a & \\\"b\\\">\"}";
    char *out = render_opts("{{x}}|{{{x}}}|{{&x}}", data, NULL, 0, 1, &err);
    assert_non_null(out);
    assert_string_equal(out, "<a & \"b\">|<a & \"b\">|<a & \"b\">");
    free(out);
    out = render_opts("{{x}}|{{{x}}}|{{&x}}", data, NULL, 1, 1, &err);
    assert_non_null(out);
    assert_string_equal(out, "&lt;a &amp; &quot;b&quot;&gt;|<a & \"b\">|<a & \"b\">");
    free(out);
}

static void
test_null_options_and_data(void **state)
{
    (void)state;
    template_error err;
    char *out = NULL;
    assert_int_equal(template_render("a{{x}}{{.}}{{#y}}no{{/y}}b", NULL, NULL, &out, &err), 0);
    assert_string_equal(out, "ab");
    free(out);
    assert_int_equal(template_render("", NULL, NULL, &out, &err), 0);
    assert_string_equal(out, "");
    free(out);
    /* A NULL error record is allowed too. */
    assert_int_equal(template_render("{{#a}}", NULL, NULL, &out, NULL), -1);
    assert_null(out);
    assert_int_equal(template_render(NULL, NULL, NULL, &out, &err), -1);
}

static void
test_values(void **state)
{
    (void)state;
    expect_render("{{i}} {{big}} {{r}} {{r2}} {{r3}} {{t}} {{f}} [{{n}}] [{{miss}}] {{o}} {{a}}",
                  "{\"i\": -42, \"big\": 9007199254740993, \"r\": 1.210, \"r2\": 0.1,"
                  " \"r3\": 2.5e-10, \"t\": true, \"f\": false, \"n\": null,"
                  " \"o\": {\"k\": 1}, \"a\": [1, \"x\"]}",
                  NULL,
                  "-42 9007199254740993 1.21 0.1 2.5e-10 true false [] [] {\"k\":1} [1,\"x\"]");
}

static void
test_truthiness(void **state)
{
    (void)state;
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": 0}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": 0.0}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": \"\"}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": []}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": null}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": false}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{}", NULL, "N");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": 3}", NULL, "Y");
    expect_render("{{#v}}[{{.}}]{{/v}}{{^v}}N{{/v}}", "{\"v\": \"s\"}", NULL, "[s]");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": {}}", NULL, "Y");
    expect_render("{{#v}}Y{{/v}}{{^v}}N{{/v}}", "{\"v\": [0, false]}", NULL, "YY");
}

static void
test_context_stack(void **state)
{
    (void)state;
    /* Names not found in an element fall back to enclosing contexts, innermost first. */
    expect_render("{{#tables}}{{#cols}}{{prefix}}_{{table}}.{{name}}/{{x}};{{/cols}}{{/tables}}",
                  "{\"prefix\": \"db\", \"x\": \"root\", \"tables\": ["
                  " {\"table\": \"users\", \"x\": \"tbl\", \"cols\": [{\"name\": \"id\"},"
                  "  {\"name\": \"email\", \"x\": \"col\"}]},"
                  " {\"table\": \"posts\", \"cols\": [{\"name\": \"id\"}]}]}",
                  NULL, "db_users.id/tbl;db_users.email/col;db_posts.id/root;");
    /* Dotted names as section names and inside sections. */
    expect_render("{{#a.b}}{{c}}{{/a.b}}|{{#a}}{{b.c}}{{/a}}|{{^a.z}}none{{/a.z}}",
                  "{\"a\": {\"b\": {\"c\": 7}}}", NULL, "7|7|none");
    /* Implicit iterator over strings. */
    expect_render("{{#names}}<{{.}}>{{/names}}", "{\"names\": [\"a\", \"b\"]}", NULL, "<a><b>");
}

/* The shape emit.c produces: nested sections over arrays of objects, `last` flags for
 * separators, standalone section lines inside C code and an indented standalone partial. */
static void
test_c_like_template(void **state)
{
    (void)state;
    const char *tmpl =
        "/* {{file}}: generated. */\n"
        "{{#queries}}\n"
        "\n"
        "/* {{name}} :{{cmd}} */\n"
        "int {{prefix}}_{{snake}}(pqg_db *db{{#params}}, {{ctype}} {{name}}{{/params}});\n"
        "{{#columns.0}}\n"
        "never: arrays are not indexed\n"
        "{{/columns.0}}\n"
        "{{#has_row}}\n"
        "typedef struct {{prefix}}_{{snake}}_row {\n"
        "    {{>_fields}}\n"
        "} {{prefix}}_{{snake}}_row;\n"
        "{{/has_row}}\n"
        "{{^has_row}}\n"
        "    {{! no row struct for :exec }}\n"
        "/* no row */\n"
        "{{/has_row}}\n"
        "static const char *const {{snake}}_cols[] = { "
        "{{#columns}}\"{{name}}\"{{^last}}, {{/last}}{{/columns}} };\n"
        "{{/queries}}\n";
    const char *partials =
        "{\"_fields\": \"{{#columns}}\\n{{ctype}} {{name}};{{#nullable}} /* nullable */"
        "{{/nullable}}\\n{{/columns}}\\n\"}";
    const char *data =
        "{\"file\": \"queries.c\", \"prefix\": \"db\", \"last\": \"ROOT-LEAK\", \"queries\": ["
        " {\"name\": \"GetUser\", \"cmd\": \"one\", \"snake\": \"get_user\", \"has_row\": true,"
        "  \"params\": [{\"ctype\": \"int64_t\", \"name\": \"id\"}],"
        "  \"columns\": [{\"ctype\": \"int64_t\", \"name\": \"id\", \"last\": false},"
        "   {\"ctype\": \"const char *\", \"name\": \"email\", \"nullable\": true,"
        "    \"last\": false},"
        "   {\"ctype\": \"bool\", \"name\": \"active\", \"last\": true}]},"
        " {\"name\": \"DeleteUser\", \"cmd\": \"exec\", \"snake\": \"delete_user\","
        "  \"has_row\": false, \"params\": [{\"ctype\": \"int64_t\", \"name\": \"id\"},"
        "   {\"ctype\": \"bool\", \"name\": \"hard\"}],"
        "  \"columns\": []}]}";
    const char *expected =
        "/* queries.c: generated. */\n"
        "\n"
        "/* GetUser :one */\n"
        "int db_get_user(pqg_db *db, int64_t id);\n"
        "typedef struct db_get_user_row {\n"
        "    int64_t id;\n"
        "    const char * email; /* nullable */\n"
        "    bool active;\n"
        "} db_get_user_row;\n"
        "static const char *const get_user_cols[] = { \"id\", \"email\", \"active\" };\n"
        "\n"
        "/* DeleteUser :exec */\n"
        "int db_delete_user(pqg_db *db, int64_t id, bool hard);\n"
        "/* no row */\n"
        "static const char *const delete_user_cols[] = {  };\n";
    expect_render(tmpl, data, partials, expected);
}

static void
test_standalone_lines(void **state)
{
    (void)state;
    const char *tmpl = "a\n"
                       "  {{#s}}\n"
                       "  b\n"
                       "\t{{/s}}  \n"
                       "  {{! comment }}\n"
                       "  {{^s}}\n"
                       "  c\n"
                       "  {{/s}}\n"
                       "  {{=<% %>=}}\n"
                       "d <%s%>\n"
                       "<%#s%> inline <%/s%>\n"
                       "e\r\n"
                       "<%#s%>\r\n"
                       "f\r\n"
                       "<%/s%>";
    expect_render(tmpl, "{\"s\": 1}", NULL, "a\n  b\nd 1\n inline \ne\r\nf\r\n");
    expect_render(tmpl, "{\"s\": 0}", NULL, "a\n  c\nd 0\n\ne\r\n");
}

static void
test_errors(void **state)
{
    (void)state;
    expect_error("a\n{{#x}}\nb\n", NULL, 1, "t.mustache", 2, "unclosed section 'x'");
    expect_error("{{#a}}\n{{#b}}\n{{/a}}\n", NULL, 1, "t.mustache", 3,
                 "close tag 'a' does not match section 'b' opened on line 2");
    expect_error("x\n{{/a}}", NULL, 1, "t.mustache", 2, "without an open section");
    expect_error("1\n2\n  {{>nope}}\n", NULL, 1, "t.mustache", 3, "unknown partial 'nope'");
    /* Partials are checked even where the data never reaches them. */
    expect_error("{{#never}}\n{{>nope}}\n{{/never}}", "{}", 1, "t.mustache", 2,
                 "unknown partial 'nope'");
    expect_error("{{=<% =}}", NULL, 1, "t.mustache", 1, "bad delimiter");
    expect_error("a\n\n{{= a b c =}}", NULL, 1, "t.mustache", 3, "bad delimiter");
    expect_error("{{=a= b=}}", NULL, 1, "t.mustache", 1, "bad delimiter");
    expect_error("{{=<% %>}}", NULL, 1, "t.mustache", 1, "unclosed tag");
    expect_error("{{=<% %>=}}\n<%x", NULL, 1, "t.mustache", 2, "unclosed tag");
    expect_error("ok\n{{x", NULL, 1, "t.mustache", 2, "unclosed tag");
    expect_error("{{{x}}", NULL, 1, "t.mustache", 1, "unclosed tag");
    expect_error("{{}}", NULL, 1, "t.mustache", 1, "empty tag name");
    expect_error("{{#  }}", NULL, 1, "t.mustache", 1, "empty tag name");
    expect_error("{{a b}}", NULL, 1, "t.mustache", 1, "contains whitespace");
    expect_error("{{! multi\nline }}\n{{/z}}", NULL, 1, "t.mustache", 3, "without an open");
    expect_error("{{=| |=}}\n|#a|\n", NULL, 1, "t.mustache", 2, "unclosed section 'a'");
    /* Errors inside a partial name the partial, even an unrendered one. */
    expect_error("x\n{{#no}}{{>p}}{{/no}}", "{\"p\": \"ok\\n{{#q}}\"}", 1, "p", 2,
                 "unclosed section 'q'");
    expect_error("{{>p}}", "{\"p\": \"{{>q}}\", \"q\": \"\\n\\n{{>r}}\"}", 1, "q", 3,
                 "unknown partial 'r'");
    /* Unbounded recursion is an error, not a crash. */
    expect_error("{{>loop}}", "{\"loop\": \"x\\n{{>loop}}\"}", 1, "loop", 2, "nested deeper");
    expect_error("{{>loop}}", "{\"loop\": \"x\\n  {{>loop}}\\n\"}", 0, "loop", 2,
                 "nested deeper");

    /* Sections nested beyond the limit. */
    char deep[300 * 6 + 1] = "";
    for (int i = 0; i < 300; i++)
        strcat(deep, "{{#a}}");
    expect_error(deep, NULL, 1, "t.mustache", 1, "nested deeper");

    /* Without strict_partials an unknown partial renders as nothing (the spec). */
    template_error err;
    char *out = render_opts("a{{>nope}}b", "{}", NULL, 0, 0, &err);
    assert_non_null(out);
    assert_string_equal(out, "ab");
    free(out);
}

static char *
write_file(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return strdup(path);
}

static void
test_partial_from_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/pqgen_tmplXXXXXX";
    assert_non_null(mkdtemp(dir));
    char *p1 = write_file(dir, "_row_struct.mustache", "struct {{name}} {\n    int x;\n};\n");
    char *p2 = write_file(dir, "empty.mustache", "");

    json_t *data = json_pack("{s:s}", "name", "row");
    template_options opt = {.strict_partials = 1,
                            .partial = template_partial_from_dir,
                            .partial_userdata = dir,
                            .name = "main.mustache"};
    template_error err;
    char *out = NULL;
    assert_int_equal(template_render("{\n  {{>_row_struct}}\n}{{>empty}}\n", data, &opt, &out,
                                     &err), 0);
    assert_string_equal(out, "{\n  struct row {\n      int x;\n  };\n}\n");
    free(out);

    assert_int_equal(template_render("\n{{>missing}}", data, &opt, &out, &err), -1);
    assert_string_equal(err.file, "main.mustache");
    assert_int_equal(err.line, 2);
    assert_string_equal(err.message, "unknown partial 'missing'");

    /* Names that would leave the directory are refused. */
    assert_null(template_partial_from_dir("../etc/passwd", dir));
    assert_null(template_partial_from_dir(".hidden", dir));
    assert_null(template_partial_from_dir("a/b", dir));
    char *text = template_partial_from_dir("_row_struct", dir);
    assert_non_null(text);
    assert_string_equal(text, "struct {{name}} {\n    int x;\n};\n");
    free(text);

    json_decref(data);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
    rmdir(dir);
}

static void
test_partial_from_json(void **state)
{
    (void)state;
    json_t *obj = json_pack("{s:s,s:i}", "a", "A{{x}}", "n", 1);
    char *t = template_partial_from_json("a", obj);
    assert_string_equal(t, "A{{x}}");
    free(t);
    assert_null(template_partial_from_json("n", obj));
    assert_null(template_partial_from_json("zz", obj));
    assert_null(template_partial_from_json("a", NULL));
    json_decref(obj);
}

/* 200k elements: quadratic buffer growth would make this crawl, especially under ASan. */
static void
test_large_output(void **state)
{
    (void)state;
    enum { N = 200000 };
    json_t *items = json_array();
    for (int i = 0; i < N; i++)
        json_array_append_new(items, json_pack("{s:i}", "n", i % 10));
    json_t *data = json_pack("{s:o}", "items", items);
    template_options opt = {.name = "big"};
    template_error err;
    char *out = NULL;
    assert_int_equal(template_render("{{#items}}{{n}},{{/items}}", data, &opt, &out, &err), 0);
    assert_int_equal(strlen(out), 2 * N);
    assert_memory_equal(out, "0,1,2,3,4,", 10);
    assert_string_equal(out + 2 * N - 4, "8,9,");
    free(out);
    json_decref(data);
}

/* ---- main --------------------------------------------------------------------------------- */

int
main(void)
{
    const char *shared = getenv("PQGEN_SHARED");
    snprintf(spec_dir, sizeof spec_dir, "%s/spec/mustache", shared ? shared : "../shared");

    json_t *files[N_SPEC_FILES] = {0};
    int found = 1;
    size_t n_cases = 0;
    for (size_t i = 0; i < N_SPEC_FILES; i++) {
        char path[1200];
        json_error_t jerr;
        snprintf(path, sizeof path, "%s/%s.json", spec_dir, spec_files[i]);
        files[i] = json_load_file(path, 0, &jerr);
        if (!files[i]) {
            found = 0;
            break;
        }
        n_cases += json_array_size(json_object_get(files[i], "tests"));
    }

    int failures = 0;
    if (!found) {
        const struct CMUnitTest missing[] = {cmocka_unit_test(spec_missing)};
        failures += cmocka_run_group_tests_name("mustache spec", missing, NULL, NULL);
    } else {
        struct CMUnitTest *cases = calloc(n_cases, sizeof *cases);
        char **names = calloc(n_cases, sizeof *names);
        if (!cases || !names) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
        size_t k = 0;
        for (size_t i = 0; i < N_SPEC_FILES; i++) {
            json_t *tests = json_object_get(files[i], "tests");
            for (size_t j = 0; j < json_array_size(tests); j++, k++) {
                json_t *test = json_array_get(tests, j);
                const char *name = json_string_value(json_object_get(test, "name"));
                size_t len = strlen(spec_files[i]) + strlen(name ? name : "?") + 3;
                names[k] = malloc(len);
                snprintf(names[k], len, "%s: %s", spec_files[i], name ? name : "?");
                cases[k] = (struct CMUnitTest){.name = names[k],
                                               .test_func = run_spec_case,
                                               .initial_state = test};
            }
        }
        failures += _cmocka_run_group_tests("mustache spec", cases, n_cases, NULL, NULL);
        for (size_t i = 0; i < n_cases; i++)
            free(names[i]);
        free(names);
        free(cases);
    }
    for (size_t i = 0; i < N_SPEC_FILES; i++)
        json_decref(files[i]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_escape),
        cmocka_unit_test(test_null_options_and_data),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_truthiness),
        cmocka_unit_test(test_context_stack),
        cmocka_unit_test(test_c_like_template),
        cmocka_unit_test(test_standalone_lines),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_partial_from_dir),
        cmocka_unit_test(test_partial_from_json),
        cmocka_unit_test(test_large_output),
    };
    failures += cmocka_run_group_tests_name("template", tests, NULL, NULL);
    return failures ? 1 : 0;
}
