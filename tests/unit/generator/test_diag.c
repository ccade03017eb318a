/* test_diag.c: unit tests for generator/diag.c: the exact printed format (location, source
 * line, caret with tabs and UTF-8, hint, summary), sorting by file and offset (stable),
 * file-less diagnostics, and diag_closest's edit-distance limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "source.h"

/* Prints d into a string (through a temporary file: gcc 12's -Wdangling-pointer misreads
 * open_memstream's buffer pointer). Caller owns; release with free(). */
static char *
printed(const diag_list *d)
{
    FILE *fp = tmpfile();
    assert_non_null(fp);
    diag_print(d, fp);
    long n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Offset of needle in hay, or SIZE_MAX. */
static size_t
pos(const char *hay, const char *needle)
{
    const char *p = strstr(hay, needle);
    return p ? (size_t)(p - hay) : SIZE_MAX;
}

static void
load(src_set *s, const char *path, const char *text, src_kind kind, diag_list *d)
{
    assert_int_equal(source_load_text(path, text, strlen(text), kind, s, d), 0);
}

static void
test_format_exact(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "-- name: Q :one\n"
                       "SELECT contnet FROM messages;\n";
    load(&s, "queries/messages.sql", text, SRC_QUERIES, &d);
    assert_int_equal(d.len, 0);
    diag_add(&d, DIAG_ERROR, s.files[0], 16 + 7, "did you mean \"content\"?",
             "column \"%s\" does not exist in table \"%s\"", "contnet", "messages");
    char *out = printed(&d);
    assert_string_equal(out,
                        "queries/messages.sql:2:8: error: column \"contnet\" does not exist in "
                        "table \"messages\"\n"
                        "    2 | SELECT contnet FROM messages;\n"
                        "      |        ^\n"
                        "hint: did you mean \"content\"?\n"
                        "1 error generated.\n");
    free(out);
    diag_list_free(&d);
    source_set_free(&s);
}

static void
test_warning_and_summary(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "a.sql", "SELECT 1;\n", SRC_SCHEMA, &d);
    diag_add(&d, DIAG_WARNING, s.files[0], 0, NULL, "w1");
    diag_add(&d, DIAG_ERROR, s.files[0], 7, NULL, "e1");
    diag_add(&d, DIAG_ERROR, NULL, 0, NULL, "e2");
    assert_int_equal(d.n_errors, 2);
    assert_int_equal(d.n_warnings, 1);
    char *out = printed(&d);
    assert_string_equal(out,
                        "pqgen: error: e2\n"
                        "a.sql:1:1: warning: w1\n"
                        "    1 | SELECT 1;\n"
                        "      | ^\n"
                        "a.sql:1:8: error: e1\n"
                        "    1 | SELECT 1;\n"
                        "      |        ^\n"
                        "2 errors, 1 warning generated.\n");
    free(out);
    diag_list_free(&d);
    assert_int_equal(d.len, 0);
    assert_int_equal(d.n_errors, 0);
    /* reusable after free */
    diag_add(&d, DIAG_WARNING, NULL, 0, NULL, "only %s", "warnings");
    diag_add(&d, DIAG_WARNING, NULL, 0, NULL, "two");
    out = printed(&d);
    assert_string_equal(out, "pqgen: warning: only warnings\npqgen: warning: two\n"
                             "2 warnings generated.\n");
    free(out);
    diag_list_free(&d);
    diag_list_free(NULL);
    source_set_free(&s);
}

static void
test_label(void **state)
{
    (void)state;
    diag_list d = {0};
    diag_add_at(&d, DIAG_ERROR, "pqgen.json", "did you mean \"queries\"?",
                "key \"%s\" is unknown", "qeuries");
    char *out = printed(&d);
    assert_string_equal(out, "pqgen.json: error: key \"qeuries\" is unknown\n"
                             "hint: did you mean \"queries\"?\n"
                             "1 error generated.\n");
    free(out);
    diag_list_free(&d);
}

static void
test_empty_prints_nothing(void **state)
{
    (void)state;
    diag_list d = {0};
    char *out = printed(&d);
    assert_string_equal(out, "");
    free(out);
}

static void
test_sorted_stable(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "b.sql", "SELECT 1;\nSELECT 2;\n", SRC_SCHEMA, &d);
    load(&s, "a.sql", "SELECT 3;\n", SRC_SCHEMA, &d);
    diag_add(&d, DIAG_ERROR, s.files[0], 10, NULL, "b-line2");
    diag_add(&d, DIAG_ERROR, s.files[0], 0, NULL, "b-line1-first");
    diag_add(&d, DIAG_ERROR, s.files[1], 0, NULL, "a");
    diag_add(&d, DIAG_ERROR, s.files[0], 0, NULL, "b-line1-second");
    char *out = printed(&d);
    size_t pa = pos(out, "error: a\n"), p1 = pos(out, "b-line1-first"),
           p2 = pos(out, "b-line1-second"), p3 = pos(out, "b-line2");
    assert_true(pa < p1 && p1 < p2 && p2 < p3 && p3 < strlen(out));
    assert_non_null(strstr(out, "b.sql:2:1: error: b-line2\n    2 | SELECT 2;\n"));
    free(out);
    diag_list_free(&d);
    source_set_free(&s);
}

static void
test_tabs_and_utf8(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    const char *text = "SELECT\t'h\xc3\xa9llo',\tbad FROM t;\n";
    load(&s, "t.sql", text, SRC_SCHEMA, &d);
    size_t off = (size_t)(strstr(text, "bad") - text);
    diag_add(&d, DIAG_ERROR, s.files[0], off, NULL, "here");
    int line, col;
    source_linecol(s.files[0], off, &line, &col);
    assert_int_equal(line, 1);
    assert_int_equal(col, 17); /* é is one character */
    char *out = printed(&d);
    assert_string_equal(out, "t.sql:1:17: error: here\n"
                             "    1 | SELECT\t'h\xc3\xa9llo',\tbad FROM t;\n"
                             "      |       \t        \t^\n"
                             "1 error generated.\n");
    free(out);
    diag_list_free(&d);
    source_set_free(&s);
}

static void
test_crlf_and_end_of_file(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "c.sql", "SELECT 1;\r\nSELECT (2;\r\n", SRC_SCHEMA, &d);
    /* at end of input: just past the last character of line 2 */
    diag_add(&d, DIAG_ERROR, s.files[0], 21, NULL, "end");
    char *out = printed(&d);
    assert_string_equal(out, "c.sql:2:11: error: end\n"
                             "    2 | SELECT (2;\n"
                             "      |           ^\n"
                             "1 error generated.\n");
    free(out);
    diag_list_free(&d);
    source_set_free(&s);
}

static void
test_wide_line_numbers(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    size_t n = 123456;
    char *text = malloc(n + 16);
    memset(text, '\n', n);
    strcpy(text + n, "SELECT x;\n");
    load(&s, "w.sql", text, SRC_SCHEMA, &d);
    diag_add(&d, DIAG_ERROR, s.files[0], n + 7, NULL, "wide");
    char *out = printed(&d);
    assert_string_equal(out, "w.sql:123457:8: error: wide\n"
                             "123457 | SELECT x;\n"
                             "       |        ^\n"
                             "1 error generated.\n");
    free(out);
    free(text);
    diag_list_free(&d);
    source_set_free(&s);
}

static void
test_closest(void **state)
{
    (void)state;
    const char *const cols[] = {"id", "content", "conversation_id", "created_at"};
    assert_string_equal(diag_closest("contnet", cols, 4), "content");
    assert_string_equal(diag_closest("CONTENT", cols, 4), "content");
    assert_string_equal(diag_closest("creatd_at", cols, 4), "created_at");
    assert_null(diag_closest("zzzzzzz", cols, 4));
    /* up to 4 characters: one edit at most */
    assert_string_equal(diag_closest("ix", cols, 4), "id");
    assert_null(diag_closest("xx", cols, 4));
    const char *const keys[] = {"version", "schema", "queries", "out", "prefix"};
    assert_string_equal(diag_closest("qeuries", keys, 5), "queries");
    assert_string_equal(diag_closest("prefx", keys, 5), "prefix");
    assert_null(diag_closest("qqqqqq", keys, 5));
    assert_null(diag_closest("x", NULL, 0));
    /* a swap of two adjacent characters is one edit (optimal string alignment) */
    const char *const names[] = {"id", "name", "bio", "created_at"};
    assert_string_equal(diag_closest("nmae", names, 4), "name");
    assert_string_equal(diag_closest("NAEM", names, 4), "name");
    assert_string_equal(diag_closest("ib", names, 4), "id");
    assert_string_equal(diag_closest("craeted_ta", names, 4), "created_at");
    assert_string_equal(diag_closest("cretaed_a", names, 4), "created_at");
    assert_null(diag_closest("anme_x", names, 4)); /* swap + insert + ... beyond 2 */
    assert_null(diag_closest("mnae", names, 4));   /* 2 edits, limit 1 for 4 characters */
    /* ties: the first candidate wins */
    const char *const tie[] = {"ab", "ac"};
    assert_string_equal(diag_closest("aa", tie, 2), "ab");
}

static void
test_invalid_bytes_shown_safely(void **state)
{
    (void)state;
    src_set s = {0};
    diag_list d = {0};
    load(&s, "bad.sql", "SELECT '\xff';\n", SRC_SCHEMA, &d);
    assert_int_equal(d.n_errors, 1);
    char *out = printed(&d);
    assert_non_null(strstr(out, "bad.sql:1:9: error: file is not valid UTF-8 (byte 0xff)\n"
                                "    1 | SELECT '?';\n"
                                "      |         ^\n"));
    free(out);
    diag_list_free(&d);
    source_set_free(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_warning_and_summary),
        cmocka_unit_test(test_label),
        cmocka_unit_test(test_empty_prints_nothing),
        cmocka_unit_test(test_sorted_stable),
        cmocka_unit_test(test_tabs_and_utf8),
        cmocka_unit_test(test_crlf_and_end_of_file),
        cmocka_unit_test(test_wide_line_numbers),
        cmocka_unit_test(test_closest),
        cmocka_unit_test(test_invalid_bytes_shown_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
