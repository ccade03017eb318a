/* test_vet.c: unit tests for the pure parts of generator/vet*.c: index advice from a plan's
 * Filter text (as PostgreSQL 15 prints it), mapping an error position in the model's SQL back
 * to the source spelling of parameters, and the "-- vet: off(rule)" pragmas. What needs a
 * server (types, plans, hypopg) is tested by tests/vet/run.sh against a real PostgreSQL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vet.h"

static void
check_index(const char *filter, const char *want)
{
    char *got = vet_index_for_filter("messages", "m", filter);
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void
test_index_equality(void **state)
{
    (void)state;
    check_index("(conversation_id = $1)", "CREATE INDEX ON messages (conversation_id)");
    check_index("(m.conversation_id = $1)", "CREATE INDEX ON messages (conversation_id)");
    check_index("((user_id = $1) AND (deleted_at IS NULL))", "CREATE INDEX ON messages (user_id)");
}

static void
test_index_equality_then_range(void **state)
{
    (void)state;
    /* Equality columns first, then one range column: the btree order that serves both. */
    check_index("((created_at > $2) AND (author = $1))",
                "CREATE INDEX ON messages (author, created_at)");
    check_index("((seq >= '10'::bigint) AND (role = 'user'::message_role))",
                "CREATE INDEX ON messages (role, seq)");
}

static void
test_index_casts_and_any(void **state)
{
    (void)state;
    check_index("((status)::text = 'pending'::text)", "CREATE INDEX ON messages (status)");
    check_index("(id = ANY ($1))", "CREATE INDEX ON messages (id)");
    check_index("((kind)::text = ($1)::text)", "CREATE INDEX ON messages (kind)");
    check_index("(expires_at < now())", "CREATE INDEX ON messages (expires_at)");
    check_index("((deleted_at IS NOT NULL) AND (deleted_at < (now() - $1)))",
                "CREATE INDEX ON messages (deleted_at)");
    check_index("(created_at > (now() - '1 day'::interval))",
                "CREATE INDEX ON messages (created_at)");
}

static void
test_index_gin(void **state)
{
    (void)state;
    check_index("(metadata @> $1)", "CREATE INDEX ON messages USING gin (metadata)");
}

static void
test_index_none(void **state)
{
    (void)state;
    /* OR with a NULL test (optional filters), expressions and column-to-column comparisons
     * give no candidate. */
    check_index("((($2)::message_role IS NULL) OR (role = $2))", NULL);
    check_index("(lower(content) = $1)", NULL);
    check_index("(a.x = b.y)", NULL);
    check_index("(x = (y + $1))", NULL);
    check_index("(content ~~ $1)", NULL);
    check_index("(deleted_at IS NULL)", NULL);
    assert_null(vet_index_for_filter("messages", NULL, NULL));
}

static void
test_index_quotes_relation(void **state)
{
    (void)state;
    char *got = vet_index_for_filter("Odd Table", NULL, "(a = $1)");
    assert_string_equal(got, "CREATE INDEX ON \"Odd Table\" (a)");
    free(got);
}

static void
test_map_offset(void **state)
{
    (void)state;
    const char *model = "SELECT id, label FROM items WHERE id = $1 AND x = $2";
    const char *src = "SELECT id, label FROM items WHERE id = @id AND x = sqlc.arg(x)";
    /* Before any parameter: the same offset. */
    assert_int_equal(vet_map_offset(model, src, 11), 11);
    /* After $1 (model) / @id (source): shifted by the longer spelling. */
    size_t m_and = (size_t)(strstr(model, "AND") - model);
    size_t s_and = (size_t)(strstr(src, "AND") - src);
    assert_int_equal(vet_map_offset(model, src, m_and), s_and);
    /* Past sqlc.arg(x) at the end. */
    assert_int_equal(vet_map_offset(model, src, strlen(model)), strlen(src));
}

static void
test_map_offset_divergence(void **state)
{
    (void)state;
    /* Where the texts stop agreeing (a rewrite vet does not know), the last aligned spot. */
    const char *model = "SELECT a FROM t WHERE id = ANY($1) AND b = 1";
    const char *src = "SELECT a FROM t WHERE id IN (sqlc.slice(ids)) AND b = 1";
    size_t at = vet_map_offset(model, src, strlen(model) - 1);
    assert_int_equal(at, (size_t)(strstr(src, "IN") - src));
}

static void
test_pragmas(void **state)
{
    (void)state;
    char *pragmas[] = {"vet: off(seq_scan, max_cost)", NULL};
    src_stmt st;
    memset(&st, 0, sizeof st);
    st.pragmas = pragmas;
    vet_query q;
    memset(&q, 0, sizeof q);
    q.stmt = &st;
    assert_true(vet_rule_off(&q, "seq_scan"));
    assert_true(vet_rule_off(&q, "max_cost"));
    assert_false(vet_rule_off(&q, "select_star"));
    assert_false(vet_rule_off(&q, "seq"));
    assert_false(vet_rule_off(&q, "*"));
    char *all[] = {"note: unrelated", "vet: off", NULL};
    st.pragmas = all;
    assert_true(vet_rule_off(&q, "*"));
    assert_true(vet_rule_off(&q, "nullability"));
    st.pragmas = NULL;
    assert_false(vet_rule_off(&q, "seq_scan"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_equality),
        cmocka_unit_test(test_index_equality_then_range),
        cmocka_unit_test(test_index_casts_and_any),
        cmocka_unit_test(test_index_gin),
        cmocka_unit_test(test_index_none),
        cmocka_unit_test(test_index_quotes_relation),
        cmocka_unit_test(test_map_offset),
        cmocka_unit_test(test_map_offset_divergence),
        cmocka_unit_test(test_pragmas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
