/* test_pgnode.c: unit tests for generator/pgnode.c, the in-situ JSON reader of libpg_query's
 * parse trees: values and types (jansson's integer/real split), string escapes and Unicode,
 * key lookup by length-prefixed keys, document order, rejections with jansson's messages
 * (depth beyond 2048 included), trees larger than the first arena chunk and the parser's local
 * stacks, pn_equal, the parse-tree accessors over real pg_query_parse output, and the A_Const
 * decoding (with the bug #243 workaround).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pg_query.h>

#include "pgnode.h"

static pn_doc *
parse_ok(const char *json)
{
    char err[160];
    pn_doc *d = pn_doc_parse(json, strlen(json), err, sizeof err);
    if (!d)
        fail_msg("parse failed: %s (input %.60s)", err, json);
    return d;
}

/* Parses json expecting failure; returns the message (static buffer). */
static const char *
parse_err(const char *json, size_t len)
{
    static char err[160];
    pn_doc *d = pn_doc_parse(json, len, err, sizeof err);
    if (d) {
        pn_doc_free(d);
        fail_msg("parse of %.60s succeeded, expected an error", json);
    }
    return err;
}

static void
test_scalars(void **state)
{
    (void)state;
    pn_doc *d = parse_ok(" {\"i\": 42, \"neg\": -7, \"zero\": 0, \"r\": 1.5, \"e\": 2e3,"
                         " \"t\": true, \"f\": false, \"n\": null, \"s\": \"abc\","
                         " \"big\": 9223372036854775807, \"min\": -9223372036854775808} \n");
    const pnode *o = pn_doc_root(d);
    assert_true(pn_is_object(o));
    assert_int_equal(pn_size(o), 11);
    assert_int_equal(pn_int(o, "i", 0), 42);
    assert_int_equal(pn_int(o, "neg", 0), -7);
    assert_int_equal(pn_int(o, "zero", 5), 0);
    assert_int_equal(pn_get(o, "r")->type, PN_REAL);
    assert_true(pn_get(o, "r")->u.d == 1.5);
    assert_int_equal(pn_get(o, "e")->type, PN_REAL); /* an exponent makes a real, as in jansson */
    assert_true(pn_get(o, "e")->u.d == 2000.0);
    assert_int_equal(pn_int(o, "r", -1), -1);         /* not an integer: the default */
    assert_true(pn_bool(o, "t"));
    assert_false(pn_bool(o, "f"));
    assert_false(pn_bool(o, "missing"));
    assert_int_equal(pn_get(o, "n")->type, PN_NULL);
    assert_string_equal(pn_str(o, "s"), "abc");
    assert_int_equal(pn_get(o, "s")->n, 3);
    assert_int_equal(pn_int(o, "big", 0), INT64_MAX);
    assert_int_equal(pn_int(o, "min", 0), INT64_MIN);
    assert_null(pn_str(o, "i"));  /* mistyped */
    assert_null(pn_obj(o, "s"));
    assert_null(pn_list(o, "s"));
    assert_null(pn_get(o, "ii")); /* keys compare by length too */
    assert_null(pn_get(o, ""));
    assert_int_equal(pn_loc(o), -1);
    pn_doc_free(d);
    pn_doc_free(NULL);
    /* NULL everywhere is harmless */
    assert_null(pn_get(NULL, "x"));
    assert_int_equal(pn_len(NULL), 0);
    assert_null(pn_at(NULL, 0));
    assert_null(pn_node(NULL, NULL));
    assert_null(pn_doc_root(NULL));
}

static void
test_order_and_arrays(void **state)
{
    (void)state;
    pn_doc *d = parse_ok("{\"b\":[1,[],{},\"x\",[2,3]],\"a\":{},\"c\":[]}");
    const pnode *o = pn_doc_root(d);
    assert_string_equal(pn_key_at(o, 0), "b"); /* document order, as jansson iterates */
    assert_string_equal(pn_key_at(o, 1), "a");
    assert_string_equal(pn_key_at(o, 2), "c");
    assert_null(pn_key_at(o, 3));
    assert_null(pn_val_at(o, 3));
    const pnode *b = pn_list(o, "b");
    assert_int_equal(pn_len(b), 5);
    assert_int_equal(pn_at(b, 0)->u.i, 1);
    assert_true(pn_is_array(pn_at(b, 1)));
    assert_int_equal(pn_len(pn_at(b, 1)), 0);
    assert_true(pn_is_object(pn_at(b, 2)));
    assert_int_equal(pn_size(pn_at(b, 2)), 0);
    assert_string_equal(pn_at(b, 3)->u.s, "x");
    assert_int_equal(pn_at(pn_at(b, 4), 1)->u.i, 3);
    assert_null(pn_at(b, 5));
    assert_non_null(pn_obj(o, "a"));
    assert_int_equal(pn_len(pn_list(o, "c")), 0);
    pn_doc_free(d);
    /* an array root */
    d = parse_ok("[true]");
    assert_int_equal(pn_len(pn_doc_root(d)), 1);
    pn_doc_free(d);
}

static void
test_strings(void **state)
{
    (void)state;
    pn_doc *d = parse_ok("{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\","
                         "\"u\":\"\\u00e9\\u20ac\\ud83d\\ude00x\","
                         "\"k\\u0065y\":1,\"raw\":\"h\xc3\xa9\"}");
    const pnode *o = pn_doc_root(d);
    assert_string_equal(pn_str(o, "s"), "a\"b\\c/d\b\f\n\r\t");
    assert_int_equal(pn_get(o, "s")->n, 12);
    assert_string_equal(pn_str(o, "u"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x");
    assert_int_equal(pn_get(o, "u")->n, 10);
    assert_int_equal(pn_int(o, "key", 0), 1); /* escaped key, unescaped before lookup */
    assert_string_equal(pn_str(o, "raw"), "h\xc3\xa9");
    pn_doc_free(d);
    /* a key of 255+ bytes takes the strcmp path */
    char big[700];
    char key[301];
    memset(key, 'k', 300);
    key[300] = '\0';
    snprintf(big, sizeof big, "{\"%s\":1,\"%.299s\":2}", key, key);
    d = parse_ok(big);
    assert_int_equal(pn_int(pn_doc_root(d), key, 0), 1);
    key[299] = '\0';
    assert_int_equal(pn_int(pn_doc_root(d), key, 0), 2);
    pn_doc_free(d);
}

static void
test_errors(void **state)
{
    (void)state;
    assert_string_equal(parse_err("", 0), "'[' or '{' expected");
    assert_string_equal(parse_err("5", 1), "'[' or '{' expected");
    assert_string_equal(parse_err("{\"a\":1", 6), "'}' expected");
    assert_string_equal(parse_err("[1 2]", 5), "']' expected");
    assert_string_equal(parse_err("{\"a\" 1}", 7), "':' expected");
    assert_string_equal(parse_err("{1:2}", 5), "string or '}' expected");
    assert_string_equal(parse_err("{\"a\":1} x", 9), "end of file expected");
    assert_string_equal(parse_err("{\"a\":tru}", 9), "invalid token");
    assert_string_equal(parse_err("{\"a\":truex}", 11), "invalid token");
    assert_string_equal(parse_err("{\"a\":01}", 8), "'}' expected");
    assert_string_equal(parse_err("{\"a\":1.}", 8), "invalid token");
    assert_string_equal(parse_err("{\"a\":-}", 7), "invalid token");
    assert_string_equal(parse_err("{\"a\":9223372036854775808}", 25), "too big integer");
    assert_string_equal(parse_err("{\"a\":-9223372036854775809}", 26),
                        "too big negative integer");
    assert_string_equal(parse_err("{\"a\":1e999}", 11), "real number overflow");
    assert_string_equal(parse_err("{\"a\":\"x", 7), "premature end of input");
    assert_string_equal(parse_err("{\"a\":\"\x01\"}", 9), "control character 0x1");
    assert_string_equal(parse_err("{\"a\":\"\\q\"}", 10), "invalid escape");
    assert_string_equal(parse_err("{\"a\":\"\\u12\"}", 12), "invalid escape");
    assert_string_equal(parse_err("{\"a\":\"\\u0000\"}", 14),
                        "\\u0000 is not allowed without JSON_ALLOW_NUL");
    assert_string_equal(parse_err("{\"a\":\"\\ud800x\"}", 15), "invalid Unicode '\\uD800'");
    assert_string_equal(parse_err("{\"a\":\"\\udc00\"}", 14), "invalid Unicode '\\uDC00'");
    /* a NUL byte inside the given length */
    assert_string_equal(parse_err("{\"a\":1}\0", 8), "end of file expected");
    assert_string_equal(parse_err("{\"a\":\"x\0\"}", 10), "control character 0x0");
    /* err may be NULL */
    assert_null(pn_doc_parse("{", 1, NULL, 0));
}

/* Nesting depth: 2048 levels parse, one more fails with jansson's message, naming the token. */
static void
test_depth(void **state)
{
    (void)state;
    size_t n = 2048;
    char *s = malloc(2 * n + 64);
    assert_non_null(s);
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = '\0';
    pn_doc *d = parse_ok(s);
    const pnode *v = pn_doc_root(d);
    for (size_t i = 1; i < n; i++)
        v = pn_at(v, 0);
    assert_true(pn_is_array(v));
    assert_int_equal(pn_len(v), 0);
    pn_doc_free(d);
    /* 2047 arrays around a scalar: the scalar is at depth 2048, fine; around a 2049th value not */
    memset(s, '[', n - 1);
    memcpy(s + n - 1, "7", 1);
    memset(s + n, ']', n - 1);
    s[2 * n - 1] = '\0';
    d = parse_ok(s);
    pn_doc_free(d);
    memset(s, '[', n);
    memcpy(s + n, "{}", 2);
    memset(s + n + 2, ']', n);
    s[2 * n + 2] = '\0';
    assert_string_equal(parse_err(s, strlen(s)), "maximum parsing depth reached near '{'");
    memcpy(s + n, "\"abc\"", 5);
    memset(s + n + 5, ']', n);
    s[2 * n + 5] = '\0';
    assert_string_equal(parse_err(s, strlen(s)), "maximum parsing depth reached near '\"abc\"'");
    memcpy(s + n, "-12.5e3", 7);
    memset(s + n + 7, ']', n);
    s[2 * n + 7] = '\0';
    assert_string_equal(parse_err(s, strlen(s)), "maximum parsing depth reached near '-12.5e3'");
    memcpy(s + n, "\"0123456789012345678901\"", 24); /* over 20 bytes: no context */
    memset(s + n + 24, ']', n);
    s[2 * n + 24] = '\0';
    assert_string_equal(parse_err(s, strlen(s)), "maximum parsing depth reached");
    free(s);
}

/* Many values (beyond the local stacks and the first arena chunk): all kept, in order. */
static void
test_large(void **state)
{
    (void)state;
    size_t n = 100000;
    size_t cap = n * 40 + 64, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)sprintf(s + len, "{\"xs\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(s + len, "%s{\"i\":%zu,\"s\":\"v%zu\"}", i ? "," : "", i, i);
    len += (size_t)sprintf(s + len, "],\"deep\":");
    for (size_t i = 0; i < 300; i++)
        s[len++] = '[';
    for (size_t i = 0; i < 300; i++)
        s[len++] = ']';
    len += (size_t)sprintf(s + len, "}");
    char err[160];
    pn_doc *d = pn_doc_parse(s, len, err, sizeof err);
    assert_non_null(d);
    free(s); /* the document keeps its own copy */
    const pnode *xs = pn_list(pn_doc_root(d), "xs");
    assert_int_equal(pn_len(xs), n);
    for (size_t i = 0; i < n; i += 997) {
        char want[32];
        snprintf(want, sizeof want, "v%zu", i);
        assert_int_equal(pn_int(pn_at(xs, i), "i", -1), (long long)i);
        assert_string_equal(pn_str(pn_at(xs, i), "s"), want);
    }
    assert_true(pn_is_array(pn_get(pn_doc_root(d), "deep")));
    pn_doc_free(d);
}

static void
test_equal(void **state)
{
    (void)state;
    pn_doc *a = parse_ok("{\"x\":[1,\"s\",{\"p\":true,\"q\":null}],\"y\":1.5,\"z\":1}");
    pn_doc *b = parse_ok("{\"z\":1,\"y\":1.5,\"x\":[1,\"s\",{\"q\":null,\"p\":true}]}");
    pn_doc *c = parse_ok("{\"z\":1.0,\"y\":1.5,\"x\":[1,\"s\",{\"q\":null,\"p\":true}]}");
    pn_doc *e = parse_ok("{\"z\":1,\"y\":1.5,\"x\":[1,\"s\",{\"q\":null,\"p\":false}]}");
    pn_doc *f = parse_ok("{\"z\":1,\"y\":1.5,\"x\":[1,\"s\"]}");
    assert_true(pn_equal(pn_doc_root(a), pn_doc_root(b))); /* key order does not matter */
    assert_false(pn_equal(pn_doc_root(a), pn_doc_root(c))); /* 1 is not 1.0 (jansson) */
    assert_false(pn_equal(pn_doc_root(a), pn_doc_root(e)));
    assert_false(pn_equal(pn_doc_root(a), pn_doc_root(f)));
    assert_false(pn_equal(pn_doc_root(a), NULL));
    assert_false(pn_equal(NULL, NULL));
    pn_doc_free(a);
    pn_doc_free(b);
    pn_doc_free(c);
    pn_doc_free(e);
    pn_doc_free(f);
}

/* The accessors over what pg_query_parse really produces. */
static void
test_parse_tree(void **state)
{
    (void)state;
    const char *sql = "SELECT a.x AS y, -1, 2.5, 'str', true, NULL FROM pg_catalog.t a "
                      "WHERE x = $1";
    PgQueryParseResult r = pg_query_parse(sql);
    assert_null(r.error);
    pn_doc *d = parse_ok(r.parse_tree);
    pg_query_free_parse_result(r);
    const pnode *stmts = pn_list(pn_doc_root(d), "stmts");
    assert_int_equal(pn_len(stmts), 1);
    const pnode *sel;
    const char *k = pn_child(pn_at(stmts, 0), "stmt", &sel);
    assert_string_equal(k, "SelectStmt");
    assert_true(pn_kind_is(k, "SelectStmt"));
    assert_false(pn_kind_is(k, "SelectStm"));
    assert_false(pn_kind_is(k, "SelectStmtX"));
    assert_false(pn_kind_is(NULL, "SelectStmt"));
    assert_true(pn_is(pn_get(pn_at(stmts, 0), "stmt"), "SelectStmt", NULL));
    assert_false(pn_is(pn_get(pn_at(stmts, 0), "stmt"), "InsertStmt", NULL));
    const pnode *targets = pn_list(sel, "targetList");
    assert_int_equal(pn_len(targets), 6);
    const pnode *rt = NULL;
    assert_true(pn_is(pn_at(targets, 0), "ResTarget", &rt));
    assert_string_equal(pn_str(rt, "name"), "y");
    assert_int_equal(pn_loc(rt), 7);
    const pnode *cref = NULL;
    assert_true(pn_is(pn_get(rt, "val"), "ColumnRef", &cref));
    const pnode *fields = pn_list(cref, "fields");
    assert_string_equal(pn_sval(pn_at(fields, 0)), "a");
    assert_string_equal(pn_last_name(fields), "x");
    /* constants */
    long long iv;
    const char *sv;
    const pnode *ac = NULL;
    const char *kinds[] = {NULL, "A_Const", "A_Const", "A_Const", "A_Const", "A_Const"};
    pn_const_kind want[] = {0, PN_CONST_INT, PN_CONST_FLOAT, PN_CONST_STR, PN_CONST_BOOL,
                            PN_CONST_NULL};
    for (size_t i = 1; i < 6; i++) {
        assert_true(pn_is(pn_at(targets, i), "ResTarget", &rt));
        assert_true(pn_is(pn_get(rt, "val"), kinds[i], &ac));
        assert_int_equal(pn_aconst(ac, sql, &iv, &sv), want[i]);
        if (i == 1)
            assert_int_equal(iv, -1); /* dropped by libpg_query (bug #243), read from sql */
        if (i == 2)
            assert_string_equal(sv, "2.5");
        if (i == 3)
            assert_string_equal(sv, "str");
        if (i == 4)
            assert_int_equal(iv, 1);
    }
    assert_int_equal(pn_aconst(NULL, sql, &iv, &sv), PN_CONST_BAD);
    /* the relation */
    const pnode *from = pn_list(sel, "fromClause"), *rv = NULL;
    assert_true(pn_is(pn_at(from, 0), "RangeVar", &rv));
    assert_string_equal(pn_str(rv, "schemaname"), "pg_catalog");
    assert_string_equal(pn_str(pn_obj(rv, "alias"), "aliasname"), "a");
    assert_true(pn_bool(rv, "inh"));
    /* a wrapped node is an object of exactly one object member */
    assert_null(pn_node(rv, NULL));
    assert_null(pn_node(pn_obj(rv, "alias"), NULL));
    pn_doc_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_order_and_arrays),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_parse_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
