/*
 * test_app_ops.c - every generated function of queries/workflows.sql, queries/actions.sql,
 * queries/patterns.sql and queries/stats.sql against a real PostgreSQL: the partitioned
 * workflow_executions table (rows routed to and moved between partitions, looked up by
 * (id, started_at) to the microsecond), jsonb logs, window functions, the failed_actions view,
 * exact numeric confidences, and every stats aggregate checked against exact numbers computed
 * from known inserted data. Runs in its own database (app_fixture.h).
 */
#include "app_fixture.h"

#define COUNTER(name, type)                                                                    \
    static int name(const type *row, void *userdata)                                           \
    {                                                                                          \
        (void)row;                                                                             \
        (*(int *)userdata)++;                                                                  \
        return 0;                                                                              \
    }
COUNTER(count_wf, db_list_workflow_executions_row)
COUNTER(count_stuck, db_list_stuck_workflows_row)
COUNTER(count_actions, db_action_history)
COUNTER(count_timeline, db_get_workflow_timeline_row)
COUNTER(count_find_actions, db_find_actions_by_parameters_row)
COUNTER(count_failed, db_failed_action)
COUNTER(count_param, db_get_action_parameter_row)
COUNTER(count_patterns, db_list_patterns_row)
COUNTER(count_match, db_match_patterns_row)
COUNTER(count_daily, db_daily_message_volume_row)
COUNTER(count_tool_usage, db_tool_usage_stats_row)
COUNTER(count_mem_stats, db_memory_stats_by_kind_row)
COUNTER(count_wf_stats, db_workflow_stats_by_name_row)
COUNTER(count_top_fail, db_top_failing_action_types_row)
COUNTER(count_tags, db_top_episode_tags_row)
COUNTER(count_activity, db_recent_activity_row)

/* ---- helpers ---- */

/* Rows affected per item of a CancelWorkflow batch. */
struct cancel_log {
    int n;
    int64_t affected[4];
};

static int
log_cancel(size_t i, int rc, int64_t rows_affected, void *userdata)
{
    struct cancel_log *log = userdata;

    assert_int_equal(rc, 0);
    assert_int_equal(i, (size_t)log->n);
    log->affected[log->n++] = rows_affected;
    return 0;
}

/* The confidences an AdjustPatternConfidence batch returned ("" for an item without a row). */
struct adjust_log {
    int n;
    int rc[4];
    char confidence[4][16];
};

static int
log_adjust(size_t i, int rc, const db_adjust_pattern_confidence_row *row, void *userdata)
{
    struct adjust_log *log = userdata;

    assert_int_equal(i, (size_t)log->n);
    log->rc[i] = rc;
    snprintf(log->confidence[i], sizeof log->confidence[i], "%s", row ? row->confidence : "");
    log->n++;
    return 0;
}

/* Starts a workflow and, when at != 0, moves it to started_at = at (another partition). */
static db_start_workflow_row
start_workflow(const char *name, const char *session, const char *input, pqg_timestamp at)
{
    db_start_workflow_row w = {0};

    APP_OK(db_start_workflow(app_db, name, session, input ? input : "{}", &w));
    if (at != 0) {
        char ts[40];
        const char *params[2] = {app_uuid_str(w.id), ts};
        PGresult *r;
        pqg_timestamp_format(at, ts);
        r = PQexecParams(app_raw, "UPDATE workflow_executions SET started_at = $2::timestamptz "
                         "WHERE id = $1", 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdTuples(r), "1") != 0)
            fail_msg("move workflow: %s", PQerrorMessage(app_raw));
        PQclear(r);
        w.started_at = at;
    }
    return w;
}

/* The server's microseconds since the epoch of a workflow's started_at. */
static long long
server_usec_wf(pqg_uuid id)
{
    const char *params[1] = {app_uuid_str(id)};

    return app_sql_int("SELECT (extract(epoch FROM started_at) * 1000000)::bigint FROM "
                       "workflow_executions WHERE id = $1", 1, params);
}

/* The partition a workflow row lives in. */
static void
partition_of(pqg_uuid id, char *buf, size_t size)
{
    const char *params[1] = {app_uuid_str(id)};

    if (!app_sql_value(buf, size, "SELECT tableoid::regclass::text FROM workflow_executions "
                       "WHERE id = $1", 1, params))
        fail_msg("workflow %s not found", params[0]);
}

static db_record_action_row
record_action(db_start_workflow_row w, int32_t step, const char *type, const char *params)
{
    db_record_action_params p = {.workflow_id = w.id, .workflow_started_at = w.started_at,
                                 .step = step, .action_type = type, .parameters = params};
    db_record_action_row r = {0};

    APP_OK(db_record_action(app_db, &p, &r));
    return r;
}

/* ---- workflows ---- */

/* The partitioned table: a row goes to its month's partition, moves with its started_at, and is
 * found only by its exact (id, started_at) pair; outside the monthly partitions it lands in the
 * default one. */
static void
test_workflow_partitions(void **state)
{
    db_start_workflow_row w;
    db_workflow_execution got = {0};
    pqg_timestamp jan = app_ts(2027, 1, 15, 10, 11, 12, 131415);
    pqg_timestamp old = app_ts(2020, 6, 1, 0, 0, 0, 1);
    char part[128], month[8];
    (void)state;

    w = start_workflow("wf-part", "s-wf", "{\"q\": \"\xE2\x82\xAC 5\", \"deep\": {\"x\": [1]}}",
                       0);
    assert_int_equal(w.started_at, server_usec_wf(w.id));
    APP_OK(db_get_workflow_execution(app_db, w.id, w.started_at, &got));
    assert_string_equal(got.workflow_name, "wf-part");
    assert_string_equal(got.session_id, "s-wf");
    assert_string_equal(got.status, "running");
    app_assert_json_eq(got.input, "{\"deep\": {\"x\": [1]}, \"q\": \"\xE2\x82\xAC 5\"}");
    assert_null(got.output);
    assert_null(got.error);
    assert_string_equal(got.execution_log, "[]");
    assert_false(got.finished_at.valid);
    db_workflow_execution_free(&got);
    /* now() is routed to the current month's partition when one exists, else the default. */
    partition_of(w.id, part, sizeof part);
    app_sql_value(month, sizeof month, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY_MM')", 0,
                  NULL);
    {
        char want[64], exists[8];
        const char *params[1] = {want};
        snprintf(want, sizeof want, "workflow_executions_%s", month);
        app_sql_value(exists, sizeof exists, "SELECT to_regclass($1) IS NOT NULL", 1, params);
        assert_string_equal(part, exists[0] == 't' ? want : "workflow_executions_default");
    }

    /* Moved to January 2027: another partition; the old handle no longer finds it. */
    {
        pqg_timestamp before = w.started_at;
        w = start_workflow("wf-part-2", NULL, NULL, jan);
        partition_of(w.id, part, sizeof part);
        assert_string_equal(part, "workflow_executions_2027_01");
        APP_OK(db_get_workflow_execution(app_db, w.id, jan, &got));
        assert_int_equal(got.started_at, jan);
        assert_null(got.session_id);
        db_workflow_execution_free(&got);
        APP_RC(PQG_ENOTFOUND, db_get_workflow_execution(app_db, w.id, before, &got));
        APP_RC(PQG_ENOTFOUND, db_get_workflow_execution(app_db, w.id, jan + 1, &got));
    }
    /* Before every monthly partition: the default partition. */
    w = start_workflow("wf-part-3", NULL, NULL, old);
    partition_of(w.id, part, sizeof part);
    assert_string_equal(part, "workflow_executions_default");
    APP_OK(db_get_workflow_execution(app_db, w.id, old, &got));
    assert_int_equal(got.started_at, old);
    db_workflow_execution_free(&got);
    /* Clean up: the retention test below counts what it deletes. */
    {
        int64_t affected = -1;
        APP_OK(db_delete_workflows_before(app_db, app_ts(2021, 1, 1, 0, 0, 0, 0), &affected));
        assert_int_equal(affected, 1);
    }
}

/* Log appends, finishing (once), the status CHECK. */
static void
test_workflow_log_and_finish(void **state)
{
    db_start_workflow_row w = start_workflow("wf-log", "s-log", NULL, 0);
    db_workflow_execution got = {0};
    db_finish_workflow_params fp = {.status = "succeeded",
                                    .output = "{\"answer\": 42, \"\xE7\xAD\x94\": true}",
                                    .id = w.id, .started_at = w.started_at};
    int64_t affected = -1;
    (void)state;

    APP_OK(db_append_workflow_log(app_db, "{\"step\": 1, \"msg\": \"start\"}", w.id, w.started_at,
                                  &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_append_workflow_log(app_db, "{\"step\": 2, \"msg\": \"\xF0\x9F\x94\x8D\"}", w.id,
                                  w.started_at, &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_finish_workflow(app_db, &fp, &affected));
    assert_int_equal(affected, 1);
    APP_OK(db_finish_workflow(app_db, &fp, &affected));
    assert_int_equal(affected, 0); /* already finished */
    APP_OK(db_append_workflow_log(app_db, "{\"late\": true}", w.id, w.started_at, &affected));
    assert_int_equal(affected, 0); /* only running workflows log */

    APP_OK(db_get_workflow_execution(app_db, w.id, w.started_at, &got));
    assert_string_equal(got.status, "succeeded");
    app_assert_json_eq(got.execution_log, "[{\"msg\": \"start\", \"step\": 1}, {\"msg\": "
                                          "\"\xF0\x9F\x94\x8D\", \"step\": 2}]");
    app_assert_json_eq(got.output, "{\"\xE7\xAD\x94\": true, \"answer\": 42}");
    assert_null(got.error);
    assert_true(got.finished_at.valid);
    assert_true(got.finished_at.value >= got.started_at);
    db_workflow_execution_free(&got);

    /* A status outside the CHECK list. */
    {
        db_start_workflow_row w2 = start_workflow("wf-log", NULL, NULL, 0);
        fp.status = "exploded";
        fp.id = w2.id;
        fp.started_at = w2.started_at;
        APP_RC(PQG_ECONSTRAINT, db_finish_workflow(app_db, &fp, &affected));
        assert_true(pqg_error_is_check_violation(pqg_last_error()));
        fp.status = "failed";
        fp.output = NULL;
        fp.error = "step 3: \xE2\x9A\xA0 timeout";
        APP_OK(db_finish_workflow(app_db, &fp, &affected));
        APP_OK(db_get_workflow_execution(app_db, w2.id, w2.started_at, &got));
        assert_string_equal(got.status, "failed");
        assert_null(got.output);
        assert_string_equal(got.error, "step 3: \xE2\x9A\xA0 timeout");
        db_workflow_execution_free(&got);
        db_start_workflow_row_free(&w2);
    }
    db_start_workflow_row_free(&w);
}

/* ListWorkflowExecutions: [since, until), the status and name nargs, page size, durations. */
static void
test_list_workflow_executions(void **state)
{
    pqg_timestamp base = app_ts(2026, 12, 10, 0, 0, 0, 0);
    db_start_workflow_row w[4];
    const char *names[4] = {"wf-list-a", "wf-list-a", "wf-list-b", "wf-list-a"};
    db_list_workflow_executions_params p = {.since = base, .until = base + 3 * 3600 *
                                            APP_USEC_PER_SEC, .page_size = 100};
    db_list_workflow_executions_rows rows = {0};
    int n = 0;
    (void)state;

    for (int i = 0; i < 4; i++)
        w[i] = start_workflow(names[i], i == 2 ? "s-b" : NULL, NULL,
                              base + (int64_t)i * 3600 * APP_USEC_PER_SEC + i);
    {
        /* w[0] succeeded after 1.5 s exactly; w[2] failed. */
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE workflow_executions SET status = 'succeeded', "
                 "finished_at = started_at + interval '1.5 seconds' WHERE id = '%s'",
                 app_uuid_str(w[0].id));
        app_sql(sql);
        snprintf(sql, sizeof sql, "UPDATE workflow_executions SET status = 'failed', error = "
                 "'boom', finished_at = started_at + interval '1 day 2 hours' WHERE id = '%s'",
                 app_uuid_str(w[2].id));
        app_sql(sql);
    }
    /* [base, base + 3h): w[3] at base + 3h + 3 us is excluded. */
    APP_OK(db_list_workflow_executions(app_db, &p, &rows));
    assert_int_equal(rows.len, 3);
    assert_true(pqg_uuid_equal(rows.rows[0].id, w[2].id)); /* newest first */
    assert_string_equal(rows.rows[0].status, "failed");
    assert_string_equal(rows.rows[0].error, "boom");
    assert_string_equal(rows.rows[0].session_id, "s-b");
    assert_true(rows.rows[0].duration.valid);
    /* timestamptz - timestamptz: days and time, never months. */
    assert_int_equal(rows.rows[0].duration.value.months, 0);
    assert_int_equal(rows.rows[0].duration.value.days, 1);
    assert_int_equal(rows.rows[0].duration.value.usec, 2 * 3600 * APP_USEC_PER_SEC);
    assert_int_equal(rows.rows[0].started_at, base + 2 * 3600 * APP_USEC_PER_SEC + 2);
    assert_false(rows.rows[1].finished_at.valid);
    assert_false(rows.rows[1].duration.valid);
    assert_null(rows.rows[1].error);
    assert_int_equal(rows.rows[2].duration.value.usec, 1500000);
    assert_int_equal(rows.rows[2].finished_at.value, base + 1500000);
    db_list_workflow_executions_rows_free(&rows);

    p.status = "running";
    APP_OK(db_list_workflow_executions(app_db, &p, &rows));
    assert_int_equal(rows.len, 1);
    assert_true(pqg_uuid_equal(rows.rows[0].id, w[1].id));
    db_list_workflow_executions_rows_free(&rows);
    p.status = NULL;
    p.workflow_name = "wf-list-a";
    APP_OK(db_list_workflow_executions(app_db, &p, &rows));
    assert_int_equal(rows.len, 2);
    db_list_workflow_executions_rows_free(&rows);
    p.status = "failed";
    APP_OK(db_list_workflow_executions(app_db, &p, &rows));
    assert_int_equal(rows.len, 0);
    db_list_workflow_executions_rows_free(&rows);
    p.status = NULL;
    p.workflow_name = NULL;
    p.page_size = 1;
    p.until = w[3].started_at + 1; /* now w[3] is in, to the microsecond */
    APP_OK(db_list_workflow_executions(app_db, &p, &rows));
    assert_int_equal(rows.len, 1);
    assert_true(pqg_uuid_equal(rows.rows[0].id, w[3].id));
    db_list_workflow_executions_rows_free(&rows);
    p.page_size = 100;
    APP_OK(db_list_workflow_executions_each(app_db, &p, count_wf, &n));
    assert_int_equal(n, 4);
    for (int i = 0; i < 4; i++)
        db_start_workflow_row_free(&w[i]);
}

/* The watchdog: stuck workflows, cancelling them (:batchexec, generated as a single call), and
 * retention deleting old executions with their actions (ON DELETE CASCADE). */
static void
test_stuck_cancel_and_retention(void **state)
{
    pqg_timestamp two_h_ago = pqg_timestamp_now() - 2 * 3600 * APP_USEC_PER_SEC;
    db_start_workflow_row stuck = start_workflow("wf-stuck", "s-stuck", NULL, two_h_ago);
    db_list_stuck_workflows_rows rows = {0};
    db_workflow_execution got = {0};
    db_record_action_row a;
    int64_t affected = -1;
    int n = 0;
    (void)state;

    a = record_action(stuck, 0, "wait", "{}");
    APP_OK(db_list_stuck_workflows(app_db, (pqg_interval){.usec = 3600 * APP_USEC_PER_SEC},
                                   &rows));
    assert_int_equal(rows.len, 1);
    assert_true(pqg_uuid_equal(rows.rows[0].id, stuck.id));
    assert_int_equal(rows.rows[0].started_at, two_h_ago);
    assert_string_equal(rows.rows[0].workflow_name, "wf-stuck");
    assert_string_equal(rows.rows[0].session_id, "s-stuck");
    assert_int_equal(rows.rows[0].running_for.days, 0);
    assert_true(rows.rows[0].running_for.usec >= 2 * 3600 * APP_USEC_PER_SEC);
    assert_true(rows.rows[0].running_for.usec < 2 * 3600 * APP_USEC_PER_SEC + 60 *
                APP_USEC_PER_SEC);
    db_list_stuck_workflows_rows_free(&rows);
    APP_OK(db_list_stuck_workflows_each(app_db, (pqg_interval){.days = 1}, count_stuck, &n));
    assert_int_equal(n, 0);

    {
        /* CancelWorkflow (:batchexec): the stuck one and a handle that matches nothing. */
        db_cancel_workflow_params items[2] = {
            {.reason = "watchdog: over 1h", .id = stuck.id, .started_at = stuck.started_at},
            {.reason = "nothing", .id = stuck.id, .started_at = stuck.started_at + 1}};
        struct cancel_log log = {0};
        APP_OK(db_cancel_workflow(app_db, items, 2, log_cancel, &log));
        assert_int_equal(log.n, 2);
        assert_int_equal(log.affected[0], 1);
        assert_int_equal(log.affected[1], 0);
    }
    APP_OK(db_get_workflow_execution(app_db, stuck.id, stuck.started_at, &got));
    assert_string_equal(got.status, "cancelled");
    assert_string_equal(got.error, "watchdog: over 1h");
    assert_true(got.finished_at.valid);
    db_workflow_execution_free(&got);
    {
        db_cancel_workflow_params again = {.reason = "again", .id = stuck.id,
                                           .started_at = stuck.started_at};
        struct cancel_log log = {0};
        APP_OK(db_cancel_workflow(app_db, &again, 1, log_cancel, &log));
        assert_int_equal(log.affected[0], 0); /* no longer running */
    }
    APP_OK(db_get_workflow_execution(app_db, stuck.id, stuck.started_at, &got));
    assert_string_equal(got.error, "watchdog: over 1h");
    db_workflow_execution_free(&got);
    APP_OK(db_list_stuck_workflows(app_db, (pqg_interval){.usec = 1}, &rows));
    for (size_t i = 0; i < rows.len; i++)
        assert_false(pqg_uuid_equal(rows.rows[i].id, stuck.id));
    db_list_stuck_workflows_rows_free(&rows);

    /* Retention: everything started before an hour ago (only this workflow here). */
    APP_OK(db_delete_workflows_before(app_db, two_h_ago + 1, &affected));
    assert_int_equal(affected, 1);
    APP_RC(PQG_ENOTFOUND, db_get_workflow_execution(app_db, stuck.id, stuck.started_at, &got));
    {
        char id[32];
        const char *params[1] = {id};
        snprintf(id, sizeof id, "%lld", (long long)a.id);
        assert_int_equal(app_sql_int("SELECT count(*) FROM action_history WHERE id = $1::bigint",
                                     1, params), 0);
    }
    db_record_action_row_free(&a);
    db_start_workflow_row_free(&stuck);
}

/* ---- actions ---- */

/* Record, complete (once), list, the windowed timeline, containment search, the failed_actions
 * view, a parameter as text (NULL when the key holds JSON null). */
static void
test_actions(void **state)
{
    pqg_timestamp wt = app_ts(2027, 1, 20, 8, 0, 0, 999999);
    db_start_workflow_row w = start_workflow("wf-actions", "s-actions", NULL, wt);
    db_record_action_row a[4];
    db_action_history_rows list = {0};
    db_get_workflow_timeline_rows tl = {0};
    db_find_actions_by_parameters_rows found = {0};
    db_failed_action_rows failed = {0};
    db_get_action_parameter_rows pv = {0};
    int64_t affected = -1;
    int n = 0;
    pqg_timestamp since = app_ts(2020, 1, 1, 0, 0, 0, 0);
    (void)state;

    a[0] = record_action(w, 0, "search", "{\"query\": \"cats\", \"lang\": \"en\"}");
    a[1] = record_action(w, 1, "fetch", "{\"url\": \"https://example.com/\xE7\x8C\xAB\"}");
    a[2] = record_action(w, 2, "search", "{\"query\": \"dogs\"}");
    a[3] = record_action(w, 3, "search", "{\"query\": null}");
    assert_true(a[1].id > a[0].id);
    assert_true(a[0].started_at > 0);
    /* The FK to the partitioned table: an action of a workflow handle that does not exist. */
    {
        db_start_workflow_row bad = w;
        bad.started_at += 1;
        db_record_action_params p = {.workflow_id = bad.id, .workflow_started_at = bad.started_at,
                                     .step = 0, .action_type = "x", .parameters = "{}"};
        db_record_action_row r = {0};
        APP_RC(PQG_ECONSTRAINT, db_record_action(app_db, &p, &r));
        assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));
        p.step = -1; /* CHECK (step >= 0) */
        p.workflow_started_at = w.started_at;
        APP_RC(PQG_ECONSTRAINT, db_record_action(app_db, &p, &r));
    }

    {
        db_complete_action_params cp = {.result = "{\"hits\": 3}",
                                        .success = {.value = true, .valid = true},
                                        .id = a[0].id};
        APP_OK(db_complete_action(app_db, &cp, &affected));
        assert_int_equal(affected, 1);
        APP_OK(db_complete_action(app_db, &cp, &affected));
        assert_int_equal(affected, 0); /* finished_at is set */
        cp = (db_complete_action_params){.success = {.value = false, .valid = true},
                                         .error_message = "HTTP 503", .id = a[1].id};
        APP_OK(db_complete_action(app_db, &cp, &affected));
        assert_int_equal(affected, 1);
        /* success NULL: finished, outcome unknown. */
        cp = (db_complete_action_params){.id = a[2].id};
        APP_OK(db_complete_action(app_db, &cp, &affected));
        assert_int_equal(affected, 1);
    }
    /* Known durations for the window sums. */
    {
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE action_history SET duration_ms = CASE step WHEN 0 THEN "
                 "100 WHEN 1 THEN 250.5 ELSE NULL END WHERE workflow_id = '%s'",
                 app_uuid_str(w.id));
        app_sql(sql);
    }

    APP_OK(db_list_actions_for_workflow(app_db, w.id, w.started_at, &list));
    assert_int_equal(list.len, 4);
    assert_int_equal(list.rows[0].id, a[0].id);
    assert_true(pqg_uuid_equal(list.rows[0].workflow_id, w.id));
    assert_int_equal(list.rows[0].workflow_started_at, wt);
    assert_true(list.rows[0].success.valid && list.rows[0].success.value);
    app_assert_json_eq(list.rows[0].result, "{\"hits\": 3}");
    assert_true(list.rows[0].finished_at.valid);
    assert_int_equal(list.rows[0].started_at, a[0].started_at);
    assert_true(list.rows[1].success.valid);
    assert_false(list.rows[1].success.value);
    assert_string_equal(list.rows[1].error_message, "HTTP 503");
    assert_true(list.rows[1].duration_ms.value == 250.5);
    assert_false(list.rows[2].success.valid);
    assert_null(list.rows[2].result);
    assert_false(list.rows[3].finished_at.valid);
    assert_false(list.rows[3].duration_ms.valid);
    db_action_history_rows_free(&list);
    APP_OK(db_list_actions_for_workflow_each(app_db, w.id, w.started_at, count_actions, &n));
    assert_int_equal(n, 4);

    APP_OK(db_get_workflow_timeline(app_db, w.id, w.started_at, &tl));
    assert_int_equal(tl.len, 4);
    assert_null(tl.rows[0].previous_action_type);
    assert_string_equal(tl.rows[1].previous_action_type, "search");
    assert_string_equal(tl.rows[2].previous_action_type, "fetch");
    assert_true(tl.rows[0].cumulative_ms.valid && tl.rows[0].cumulative_ms.value == 100.0);
    assert_true(tl.rows[1].cumulative_ms.value == 350.5);
    assert_true(tl.rows[2].cumulative_ms.value == 350.5); /* NULL durations add nothing */
    assert_true(tl.rows[3].cumulative_ms.value == 350.5);
    assert_int_equal(tl.rows[0].nth_of_type, 1);
    assert_int_equal(tl.rows[1].nth_of_type, 1);
    assert_int_equal(tl.rows[2].nth_of_type, 2);
    assert_int_equal(tl.rows[3].nth_of_type, 3);
    assert_false(tl.rows[3].success.valid);
    assert_int_equal(tl.rows[2].step, 2);
    assert_string_equal(tl.rows[1].action_type, "fetch");
    db_get_workflow_timeline_rows_free(&tl);
    n = 0;
    APP_OK(db_get_workflow_timeline_each(app_db, w.id, w.started_at, count_timeline, &n));
    assert_int_equal(n, 4);

    {
        db_find_actions_by_parameters_params fp = {.action_type = "search",
                                                   .filter = "{\"query\": \"cats\"}",
                                                   .since = since, .page_size = 10};
        APP_OK(db_find_actions_by_parameters(app_db, &fp, &found));
        assert_int_equal(found.len, 1);
        assert_int_equal(found.rows[0].id, a[0].id);
        assert_int_equal(found.rows[0].workflow_started_at, wt);
        app_assert_json_eq(found.rows[0].parameters, "{\"lang\": \"en\", \"query\": \"cats\"}");
        assert_true(found.rows[0].success.value);
        db_find_actions_by_parameters_rows_free(&found);
        fp.filter = "{}";
        n = 0;
        APP_OK(db_find_actions_by_parameters_each(app_db, &fp, count_find_actions, &n));
        assert_int_equal(n, 3);
        fp.since = pqg_timestamp_now() + 3600 * APP_USEC_PER_SEC;
        APP_OK(db_find_actions_by_parameters(app_db, &fp, &found));
        assert_int_equal(found.len, 0);
        db_find_actions_by_parameters_rows_free(&found);
    }

    /* The view joins the workflow's name and session. */
    APP_OK(db_list_failed_actions(app_db, since, NULL, 10, &failed));
    assert_int_equal(failed.len, 1);
    assert_int_equal(failed.rows[0].id, a[1].id);
    assert_string_equal(failed.rows[0].workflow_name, "wf-actions");
    assert_string_equal(failed.rows[0].session_id, "s-actions");
    assert_string_equal(failed.rows[0].action_type, "fetch");
    assert_string_equal(failed.rows[0].error_message, "HTTP 503");
    assert_int_equal(failed.rows[0].workflow_started_at, wt);
    assert_int_equal(failed.rows[0].step, 1);
    assert_true(failed.rows[0].duration_ms.value == 250.5);
    app_assert_json_eq(failed.rows[0].parameters,
                       "{\"url\": \"https://example.com/\xE7\x8C\xAB\"}");
    db_failed_action_rows_free(&failed);
    APP_OK(db_list_failed_actions(app_db, since, "search", 10, &failed));
    assert_int_equal(failed.len, 0);
    db_failed_action_rows_free(&failed);
    n = 0;
    APP_OK(db_list_failed_actions_each(app_db, since, "fetch", 10, count_failed, &n));
    assert_int_equal(n, 1);

    APP_OK(db_get_action_parameter(app_db, "query", w.id, w.started_at, &pv));
    assert_int_equal(pv.len, 3);
    assert_string_equal(pv.rows[0].param_value, "cats");
    assert_string_equal(pv.rows[1].param_value, "dogs");
    assert_int_equal(pv.rows[1].step, 2);
    assert_null(pv.rows[2].param_value); /* {"query": null} */
    db_get_action_parameter_rows_free(&pv);
    n = 0;
    APP_OK(db_get_action_parameter_each(app_db, "url", w.id, w.started_at, count_param, &n));
    assert_int_equal(n, 1);

    for (int i = 0; i < 4; i++)
        db_record_action_row_free(&a[i]);
    db_start_workflow_row_free(&w);
}

/* A streamed action source: n rows, or a -42 abort at abort_at (when > 0). */
struct action_source {
    db_start_workflow_row w;
    int next, n, abort_at;
};

static int
next_action(db_bulk_record_actions_params *row, void *userdata)
{
    struct action_source *src = userdata;

    if (src->abort_at > 0 && src->next == src->abort_at)
        return -42;
    if (src->next == src->n)
        return 0;
    row->workflow_id = src->w.id;
    row->workflow_started_at = src->w.started_at;
    row->step = 10 + src->next;
    row->action_type = "streamed";
    row->parameters = "{}";
    row->started_at = src->w.started_at + src->next;
    src->next++;
    return 1;
}

/* BulkRecordActions (:copyfrom, one binary COPY): every column, NULLs and exact timestamps;
 * atomic on failure. */
static void
test_bulk_record_actions(void **state)
{
    pqg_timestamp wt = app_ts(2027, 1, 21, 0, 0, 0, 0);
    db_start_workflow_row w = start_workflow("wf-bulk", NULL, NULL, wt);
    db_bulk_record_actions_params p[2] = {
        {.workflow_id = w.id, .workflow_started_at = wt, .step = 0, .action_type = "import",
         .parameters = "{\"src\": \"s3://b/k\"}", .result = "{\"rows\": 10}",
         .success = {.value = true, .valid = true}, .duration_ms = {.value = 0.125, .valid = true},
         .started_at = app_ts(2027, 1, 21, 0, 0, 1, 1),
         .finished_at = {.value = app_ts(2027, 1, 21, 0, 0, 2, 999999), .valid = true}},
        {.workflow_id = w.id, .workflow_started_at = wt, .step = 1, .action_type = "import",
         .parameters = "{}", .started_at = app_ts(2027, 1, 21, 0, 0, 3, 0)}};
    db_action_history_rows list = {0};
    int64_t copied = -1;
    (void)state;

    APP_OK(db_bulk_record_actions(app_db, p, 2, &copied));
    assert_int_equal(copied, 2);
    /* The streamed form; a negative value from next aborts the load and is returned. */
    {
        struct action_source src = {.w = w, .n = 3};
        APP_OK(db_bulk_record_actions_from(app_db, next_action, &src, &copied));
        assert_int_equal(copied, 3);
        src = (struct action_source){.w = w, .n = 3, .abort_at = 2};
        assert_int_equal(db_bulk_record_actions_from(app_db, next_action, &src, &copied), -42);
        assert_int_equal(app_sql_int("SELECT count(*) FROM action_history WHERE action_type = "
                                     "'streamed'", 0, NULL), 3);
    }
    /* A row whose workflow handle does not exist: the whole COPY fails, nothing is kept. */
    p[1].workflow_started_at = wt + 1;
    APP_RC(PQG_ECONSTRAINT, db_bulk_record_actions(app_db, p, 2, &copied));
    assert_true(pqg_error_is_foreign_key_violation(pqg_last_error()));
    assert_int_equal(copied, 0);
    APP_OK(db_list_actions_for_workflow(app_db, w.id, wt, &list));
    assert_int_equal(list.len, 5);
    assert_int_equal(list.rows[0].started_at, app_ts(2027, 1, 21, 0, 0, 1, 1));
    assert_int_equal(list.rows[0].finished_at.value, app_ts(2027, 1, 21, 0, 0, 2, 999999));
    assert_true(list.rows[0].duration_ms.value == 0.125);
    assert_true(list.rows[0].success.valid && list.rows[0].success.value);
    app_assert_json_eq(list.rows[0].result, "{\"rows\": 10}");
    assert_null(list.rows[1].result);
    assert_false(list.rows[1].success.valid);
    assert_null(list.rows[1].error_message);
    assert_false(list.rows[1].duration_ms.valid);
    assert_false(list.rows[1].finished_at.valid);
    db_action_history_rows_free(&list);
    db_start_workflow_row_free(&w);
}

/* ---- patterns ---- */

static db_pattern_signature
upsert_pattern(const char *sig, const char *type, const char *pattern, const char *confidence)
{
    db_upsert_pattern_signature_params p = {.signature = sig, .pattern_type = type,
                                            .pattern = pattern, .confidence = confidence};
    db_pattern_signature r = {0};

    APP_OK(db_upsert_pattern_signature(app_db, &p, &r));
    return r;
}

/* Upsert: exact numeric(5,4) text, occurrences counted, the higher confidence kept. */
static void
test_patterns_upsert_adjust_prune(void **state)
{
    db_pattern_signature p1, p2, got = {0};
    int64_t affected = -1;
    (void)state;

    p1 = upsert_pattern("sig-1", "sequence",
                        "{\"trigger\": \"login_failed\", \"steps\": [\"reset\", \"notify\"]}",
                        "0.95");
    assert_string_equal(p1.confidence, "0.9500");
    assert_int_equal(p1.occurrences, 1);
    assert_int_equal(p1.first_seen_at, p1.last_seen_at);
    app_sql("UPDATE pattern_signatures SET first_seen_at = '2026-01-01 00:00:00.5+00' WHERE "
            "signature = 'sig-1'");
    p2 = upsert_pattern("sig-1", "sequence", "{\"trigger\": \"login_failed\", \"v\": 2}", "0.1234");
    assert_int_equal(p2.id, p1.id);
    assert_int_equal(p2.occurrences, 2);
    assert_string_equal(p2.confidence, "0.9500"); /* greatest(old, new) */
    app_assert_json_eq(p2.pattern, "{\"v\": 2, \"trigger\": \"login_failed\"}");
    assert_int_equal(p2.first_seen_at, app_ts(2026, 1, 1, 0, 0, 0, 500000));
    APP_OK(db_get_pattern_signature(app_db, "sig-1", &got));
    assert_string_equal(got.confidence, "0.9500");
    assert_string_equal(got.pattern_type, "sequence");
    assert_int_equal(got.last_seen_at, p2.last_seen_at);
    db_pattern_signature_free(&got);
    APP_RC(PQG_ENOTFOUND, db_get_pattern_signature(app_db, "sig-none", &got));
    /* CHECK (confidence BETWEEN 0 AND 1). */
    {
        db_upsert_pattern_signature_params bad = {.signature = "sig-bad", .pattern_type = "x",
                                                  .pattern = "{}", .confidence = "1.5"};
        APP_RC(PQG_ECONSTRAINT, db_upsert_pattern_signature(app_db, &bad, &got));
    }

    /* AdjustPatternConfidence (:batchone): the items run in order in one pipeline, each sees
     * the previous one's result; exact numeric text; clamped to [0, 1]; a missing signature
     * gets PQG_ENOTFOUND without failing the batch. */
    {
        db_adjust_pattern_confidence_params items[4] = {
            {.delta = "-0.0001", .signature = "sig-1"}, {.delta = "0.5", .signature = "sig-1"},
            {.delta = "0.1", .signature = "sig-none"}, {.delta = "-7", .signature = "sig-1"}};
        struct adjust_log log = {0};
        APP_OK(db_adjust_pattern_confidence(app_db, items, 4, log_adjust, &log));
        assert_int_equal(log.n, 4);
        assert_string_equal(log.confidence[0], "0.9499");
        assert_string_equal(log.confidence[1], "1.0000");
        assert_int_equal(log.rc[2], PQG_ENOTFOUND);
        assert_string_equal(log.confidence[2], "");
        assert_int_equal(log.rc[3], 0);
        assert_string_equal(log.confidence[3], "0.0000");
    }

    /* Prune: below min_confidence and not seen since stale_before. */
    app_sql("UPDATE pattern_signatures SET last_seen_at = '2026-01-02+00' WHERE signature = "
            "'sig-1'");
    APP_OK(db_prune_patterns(app_db, "0.0001", app_ts(2026, 1, 1, 0, 0, 0, 0), &affected));
    assert_int_equal(affected, 0); /* seen after stale_before */
    APP_OK(db_prune_patterns(app_db, "0.0000", app_ts(2026, 1, 3, 0, 0, 0, 0), &affected));
    assert_int_equal(affected, 0); /* 0.0000 is not < 0.0000 */
    APP_OK(db_prune_patterns(app_db, "0.0001", app_ts(2026, 1, 3, 0, 0, 0, 0), &affected));
    assert_int_equal(affected, 1);
    db_pattern_signature_free(&p1);
    db_pattern_signature_free(&p2);
}

/* ListPatterns (min_confidence, pattern_type narg, pages) and MatchPatterns (containment). */
static void
test_patterns_list_match(void **state)
{
    const char *sig[5] = {"l-1", "l-2", "l-3", "l-4", "l-5"};
    const char *type[5] = {"seq", "seq", "timing", "seq", "timing"};
    const char *conf[5] = {"0.9", "0.75", "0.8", "0.2", "0.75"};
    const char *pat[5] = {"{\"trigger\": \"a\", \"n\": 1}", "{\"trigger\": \"a\"}",
                          "{\"trigger\": \"b\"}", "{\"trigger\": \"a\"}", "{\"trigger\": \"c\"}"};
    db_list_patterns_params lp = {.min_confidence = "0.5", .page_size = 100};
    db_list_patterns_rows rows = {0};
    db_match_patterns_rows m = {0};
    int n = 0;
    (void)state;

    for (int i = 0; i < 5; i++) {
        db_pattern_signature p = upsert_pattern(sig[i], type[i], pat[i], conf[i]);
        db_pattern_signature_free(&p);
    }
    /* l-2 seen twice: ties on confidence broken by occurrences. */
    {
        db_pattern_signature p = upsert_pattern("l-2", "seq", pat[1], "0.1");
        db_pattern_signature_free(&p);
    }
    APP_OK(db_list_patterns(app_db, &lp, &rows));
    assert_int_equal(rows.len, 4);
    assert_string_equal(rows.rows[0].signature, "l-1");
    assert_string_equal(rows.rows[0].confidence, "0.9000");
    assert_string_equal(rows.rows[1].signature, "l-3");
    assert_string_equal(rows.rows[2].signature, "l-2");
    assert_int_equal(rows.rows[2].occurrences, 2);
    assert_string_equal(rows.rows[2].confidence, "0.7500");
    assert_string_equal(rows.rows[3].signature, "l-5");
    db_list_patterns_rows_free(&rows);
    lp.pattern_type = "timing";
    APP_OK(db_list_patterns(app_db, &lp, &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[0].pattern_type, "timing");
    db_list_patterns_rows_free(&rows);
    lp.pattern_type = NULL;
    lp.min_confidence = "0.75"; /* inclusive */
    lp.page_size = 2;
    lp.page_offset = 2;
    APP_OK(db_list_patterns(app_db, &lp, &rows));
    assert_int_equal(rows.len, 2);
    assert_string_equal(rows.rows[0].signature, "l-2");
    db_list_patterns_rows_free(&rows);
    lp.page_size = 100;
    lp.page_offset = 0;
    lp.min_confidence = "0";
    APP_OK(db_list_patterns_each(app_db, &lp, count_patterns, &n));
    assert_int_equal(n, 5);

    APP_OK(db_match_patterns(app_db, "{\"trigger\": \"a\"}", "0.5", &m));
    assert_int_equal(m.len, 2);
    assert_string_equal(m.rows[0].signature, "l-1");
    app_assert_json_eq(m.rows[0].pattern, "{\"n\": 1, \"trigger\": \"a\"}");
    assert_string_equal(m.rows[1].confidence, "0.7500");
    db_match_patterns_rows_free(&m);
    n = 0;
    APP_OK(db_match_patterns_each(app_db, "{\"trigger\": \"a\"}", "0", count_match, &n));
    assert_int_equal(n, 3);
}

/* ---- stats: exact aggregates over known data ---- */

static pqg_uuid
stats_conversation(const char *user)
{
    db_create_conversation_params cp = {.user_id = user, .metadata = "{}"};
    db_conversation c = {0};
    pqg_uuid id;

    APP_OK(db_create_conversation(app_db, &cp, &c));
    id = c.id;
    db_conversation_free(&c);
    return id;
}

static void
stats_message(pqg_uuid conv, db_message_role role, pqg_null_int32 tokens, pqg_timestamp at)
{
    db_bulk_insert_messages_params p = {.conversation_id = conv, .role = role, .content = "m",
                                        .token_count = tokens, .metadata = "{}",
                                        .created_at = at};
    int64_t copied = -1;
    APP_OK(db_bulk_insert_messages(app_db, &p, 1, &copied));
    assert_int_equal(copied, 1);
}

#define TOK(v) ((pqg_null_int32){.value = (v), .valid = true})
#define NOTOK ((pqg_null_int32){0})

/* GetUserUsageStats and DailyMessageVolume. */
static void
test_stats_usage(void **state)
{
    pqg_uuid a = stats_conversation("u-stats"), b = stats_conversation("u-stats");
    pqg_uuid gone = stats_conversation("u-stats");
    pqg_timestamp d1 = app_ts(2026, 3, 1, 12, 0, 0, 0), d2 = app_ts(2026, 3, 2, 12, 0, 0, 0);
    db_get_user_usage_stats_row st = {0};
    db_daily_message_volume_rows vol = {0};
    int64_t affected;
    int n = 0;
    (void)state;

    stats_message(a, DB_MESSAGE_ROLE_USER, TOK(10), d1);
    stats_message(a, DB_MESSAGE_ROLE_ASSISTANT, TOK(20), d1 + 1);
    stats_message(a, DB_MESSAGE_ROLE_SYSTEM, NOTOK, d1 + 2);
    stats_message(b, DB_MESSAGE_ROLE_USER, TOK(30), d2 + 123456);
    stats_message(gone, DB_MESSAGE_ROLE_USER, TOK(1000), d2 + 999999);
    APP_OK(db_soft_delete_conversation(app_db, gone, "u-stats", &affected));

    APP_OK(db_get_user_usage_stats(app_db, "u-stats", &st));
    assert_int_equal(st.conversations, 2);
    assert_int_equal(st.messages, 4);
    assert_int_equal(st.user_messages, 2);
    assert_int_equal(st.assistant_messages, 1);
    assert_true(st.total_tokens.valid);
    assert_int_equal(st.total_tokens.value, 60);
    assert_string_equal(st.avg_tokens_per_message, "20.0000000000000000"); /* avg(int) numeric */
    assert_true(st.last_message_at.valid);
    assert_int_equal(st.last_message_at.value, d2 + 123456);
    db_get_user_usage_stats_row_free(&st);
    /* A user without conversations still gets one row: zeros and NULLs. */
    APP_OK(db_get_user_usage_stats(app_db, "u-nobody", &st));
    assert_int_equal(st.conversations, 0);
    assert_int_equal(st.messages, 0);
    assert_false(st.total_tokens.valid);
    assert_null(st.avg_tokens_per_message);
    assert_false(st.last_message_at.valid);
    db_get_user_usage_stats_row_free(&st);

    /* Per day and role; the deleted conversation's messages still count here (the query joins
     * conversations without a deleted_at filter). */
    APP_OK(db_daily_message_volume(app_db, "u-stats", app_date(2026, 3, 1), &vol));
    assert_int_equal(vol.len, 4);
    assert_int_equal(vol.rows[0].day, app_date(2026, 3, 1));
    assert_int_equal(vol.rows[0].role, DB_MESSAGE_ROLE_USER);
    assert_int_equal(vol.rows[0].messages, 1);
    assert_int_equal(vol.rows[0].tokens, 10);
    assert_int_equal(vol.rows[1].role, DB_MESSAGE_ROLE_ASSISTANT);
    assert_int_equal(vol.rows[1].tokens, 20);
    assert_int_equal(vol.rows[2].role, DB_MESSAGE_ROLE_SYSTEM);
    assert_int_equal(vol.rows[2].tokens, 0); /* coalesce(sum(NULL), 0) */
    assert_int_equal(vol.rows[3].day, app_date(2026, 3, 2));
    assert_int_equal(vol.rows[3].messages, 2);
    assert_int_equal(vol.rows[3].tokens, 1030);
    db_daily_message_volume_rows_free(&vol);
    APP_OK(db_daily_message_volume_each(app_db, "u-stats", app_date(2026, 3, 2), count_daily, &n));
    assert_int_equal(n, 1);
}

/* ToolUsageStats: counts, latency mean / p95 / max, exact numeric cost sums; unused tools. */
static void
test_stats_tools(void **state)
{
    pqg_uuid conv = stats_conversation("u-tstats");
    db_create_message_params mp = {.conversation_id = conv, .role = DB_MESSAGE_ROLE_ASSISTANT,
                                   .content = "x", .metadata = "{}"};
    db_create_message_row msg = {0};
    db_tool_usage_stats_rows rows = {0};
    int32_t tool_a, tool_b;
    int n = 0;
    struct {
        int32_t *tool;
        db_tool_call_status status;
        double latency;
        const char *cost;
    } calls[4] = {
        {&tool_a, DB_TOOL_CALL_STATUS_SUCCEEDED, 10.0, "0.000123"},
        {&tool_a, DB_TOOL_CALL_STATUS_SUCCEEDED, 20.0, "0.000123"},
        {&tool_a, DB_TOOL_CALL_STATUS_FAILED, 30.0, NULL},
        {&tool_b, 0, 0, NULL}, /* stays pending */
    };
    (void)state;

    /* Tools are inserted with SQL: UpsertTool cannot bind its enum array (test_app_tools). */
    app_sql("INSERT INTO tools (name) VALUES ('stat_a'), ('stat_b'), ('stat_c')");
    tool_a = (int32_t)app_sql_int("SELECT id FROM tools WHERE name = 'stat_a'", 0, NULL);
    tool_b = (int32_t)app_sql_int("SELECT id FROM tools WHERE name = 'stat_b'", 0, NULL);
    APP_OK(db_create_message(app_db, &mp, &msg));
    for (int i = 0; i < 4; i++) {
        db_create_tool_call_row c = {0};
        APP_OK(db_create_tool_call(app_db, msg.id, *calls[i].tool, "{}", &c));
        if (calls[i].status) {
            db_complete_tool_call_params cp = {
                .status = calls[i].status, .latency_ms = {.value = calls[i].latency, .valid = true},
                .cost_usd = calls[i].cost, .id = c.id};
            APP_OK(db_complete_tool_call(app_db, &cp, NULL));
        }
        db_create_tool_call_row_free(&c);
    }

    APP_OK(db_tool_usage_stats(app_db, app_ts(2000, 1, 1, 0, 0, 0, 0), &rows));
    assert_int_equal(rows.len, 3);
    assert_string_equal(rows.rows[0].name, "stat_a");
    assert_int_equal(rows.rows[0].calls, 3);
    assert_int_equal(rows.rows[0].succeeded, 2);
    assert_int_equal(rows.rows[0].failed, 1);
    assert_true(rows.rows[0].avg_latency_ms.valid && rows.rows[0].avg_latency_ms.value == 20.0);
    assert_true(rows.rows[0].p95_latency_ms.valid);
    assert_true(rows.rows[0].p95_latency_ms.value > 28.999999 &&
                rows.rows[0].p95_latency_ms.value < 29.000001); /* 20 + 0.9 * 10 */
    assert_true(rows.rows[0].max_latency_ms.value == 30.0);
    assert_string_equal(rows.rows[0].total_cost_usd, "0.000246");
    assert_string_equal(rows.rows[1].name, "stat_b");
    assert_int_equal(rows.rows[1].calls, 1);
    assert_int_equal(rows.rows[1].succeeded, 0);
    assert_false(rows.rows[1].avg_latency_ms.valid);
    assert_false(rows.rows[1].p95_latency_ms.valid);
    assert_null(rows.rows[1].total_cost_usd);
    assert_string_equal(rows.rows[2].name, "stat_c");
    assert_int_equal(rows.rows[2].calls, 0);
    assert_false(rows.rows[2].max_latency_ms.valid);
    db_tool_usage_stats_rows_free(&rows);
    /* Calls before since are not counted, tools still listed. */
    APP_OK(db_tool_usage_stats(app_db, pqg_timestamp_now() + 3600 * APP_USEC_PER_SEC, &rows));
    assert_int_equal(rows.len, 3);
    for (size_t i = 0; i < rows.len; i++)
        assert_int_equal(rows.rows[i].calls, 0);
    db_tool_usage_stats_rows_free(&rows);
    APP_OK(db_tool_usage_stats_each(app_db, 0, count_tool_usage, &n));
    assert_int_equal(n, 3);
    db_create_message_row_free(&msg);
}

/* MemoryStatsByKind: per kind, in enum order. */
static void
test_stats_memory(void **state)
{
    const char *user = "u-mstats";
    struct {
        db_memory_kind kind;
        float importance;
        int accesses;
    } mem[3] = {{DB_MEMORY_KIND_FACT, 0.5f, 2}, {DB_MEMORY_KIND_FACT, 0.25f, 0},
                {DB_MEMORY_KIND_PREFERENCE, 1.0f, 0}};
    db_memory_stats_by_kind_rows rows = {0};
    int n = 0;
    (void)state;

    for (int i = 0; i < 3; i++) {
        db_create_memory_params p = {.user_id = user, .kind = mem[i].kind, .content = "c",
                                     .importance = mem[i].importance, .metadata = "{}"};
        db_memory m = {0};
        APP_OK(db_create_memory(app_db, &p, &m));
        for (int k = 0; k < mem[i].accesses; k++)
            APP_OK(db_record_memory_access(app_db, (pqg_array_uuid){&m.id, 1}, NULL));
        db_memory_free(&m);
    }
    app_sql("UPDATE memories SET last_accessed_at = '2026-05-05 05:05:05.050505+00' WHERE "
            "user_id = 'u-mstats' AND last_accessed_at IS NOT NULL");
    APP_OK(db_memory_stats_by_kind(app_db, user, &rows));
    assert_int_equal(rows.len, 2);
    assert_int_equal(rows.rows[0].kind, DB_MEMORY_KIND_FACT);
    assert_int_equal(rows.rows[0].memories, 2);
    assert_true(rows.rows[0].avg_importance.valid && rows.rows[0].avg_importance.value == 0.375);
    assert_string_equal(rows.rows[0].total_accesses, "2"); /* sum(bigint) is numeric */
    assert_true(rows.rows[0].last_accessed_at.valid);
    assert_int_equal(rows.rows[0].last_accessed_at.value, app_ts(2026, 5, 5, 5, 5, 5, 50505));
    assert_int_equal(rows.rows[1].kind, DB_MEMORY_KIND_PREFERENCE);
    assert_int_equal(rows.rows[1].memories, 1);
    assert_true(rows.rows[1].avg_importance.value == 1.0);
    assert_string_equal(rows.rows[1].total_accesses, "0");
    assert_false(rows.rows[1].last_accessed_at.valid);
    db_memory_stats_by_kind_rows_free(&rows);
    APP_OK(db_memory_stats_by_kind_each(app_db, "nobody", count_mem_stats, &n));
    assert_int_equal(n, 0);
}

/* WorkflowStatsByName and TopFailingActionTypes over February 2027 (nothing else is there). */
static void
test_stats_workflows_and_failures(void **state)
{
    pqg_timestamp feb = app_ts(2027, 2, 1, 0, 0, 0, 0);
    const char *names[4] = {"wf-s-a", "wf-s-a", "wf-s-a", "wf-s-b"};
    const char *status[4] = {"succeeded", "failed", "running", "succeeded"};
    const char *dur[4] = {"10 seconds", "20.000002 seconds", NULL, "5 seconds"};
    db_start_workflow_row w[4];
    db_workflow_stats_by_name_rows ws = {0};
    db_top_failing_action_types_rows tf = {0};
    int n = 0;
    struct {
        const char *type;
        int ok;  /* 1 success, 0 failure, -1 NULL */
        double duration;
    } acts[8] = {{"fetch", 0, 100}, {"fetch", 0, 300}, {"fetch", 1, 5}, {"parse", 0, -1},
                 {"parse", 1, 7}, {"render", 0, 1}, {"render", 0, 2}, {"store", 1, 3}};
    (void)state;

    for (int i = 0; i < 4; i++) {
        char sql[320];
        w[i] = start_workflow(names[i], NULL, NULL, feb + (int64_t)(i + 1) * 3600 *
                              APP_USEC_PER_SEC);
        snprintf(sql, sizeof sql, "UPDATE workflow_executions SET status = '%s', finished_at = "
                 "started_at + '%s'::interval WHERE id = '%s'", status[i], dur[i] ? dur[i] : "0",
                 app_uuid_str(w[i].id));
        app_sql(sql);
        if (!dur[i]) {
            snprintf(sql, sizeof sql, "UPDATE workflow_executions SET finished_at = NULL WHERE "
                     "id = '%s'", app_uuid_str(w[i].id));
        }
        app_sql(sql);
    }
    APP_OK(db_workflow_stats_by_name(app_db, feb, &ws));
    assert_int_equal(ws.len, 2);
    assert_string_equal(ws.rows[0].workflow_name, "wf-s-a");
    assert_int_equal(ws.rows[0].runs, 3);
    assert_int_equal(ws.rows[0].failures, 1);
    assert_string_equal(ws.rows[0].success_rate_pct, "50.00");
    assert_true(ws.rows[0].avg_duration.valid);
    assert_int_equal(ws.rows[0].avg_duration.value.usec, 15000001); /* (10 s + 20.000002 s) / 2 */
    assert_int_equal(ws.rows[0].avg_duration.value.days, 0);
    assert_int_equal(ws.rows[0].max_duration.value.usec, 20000002);
    assert_string_equal(ws.rows[1].workflow_name, "wf-s-b");
    assert_string_equal(ws.rows[1].success_rate_pct, "100.00");
    assert_int_equal(ws.rows[1].max_duration.value.usec, 5000000);
    db_workflow_stats_by_name_rows_free(&ws);
    /* Only running workflows: no finished run, success rate NULL (nullif), durations NULL. */
    APP_OK(db_workflow_stats_by_name(app_db, feb + 3 * 3600 * APP_USEC_PER_SEC, &ws));
    assert_int_equal(ws.len, 2);
    for (size_t i = 0; i < ws.len; i++) {
        if (strcmp(ws.rows[i].workflow_name, "wf-s-a") == 0) {
            assert_null(ws.rows[i].success_rate_pct);
            assert_false(ws.rows[i].avg_duration.valid);
            assert_false(ws.rows[i].max_duration.valid);
        }
    }
    db_workflow_stats_by_name_rows_free(&ws);
    APP_OK(db_workflow_stats_by_name_each(app_db, feb, count_wf_stats, &n));
    assert_int_equal(n, 2);

    {
        db_bulk_record_actions_params p[8];
        int64_t copied = -1;
        for (int i = 0; i < 8; i++)
            p[i] = (db_bulk_record_actions_params){
                .workflow_id = w[0].id, .workflow_started_at = w[0].started_at, .step = i,
                .action_type = acts[i].type, .parameters = "{}",
                .success = {.value = acts[i].ok == 1, .valid = acts[i].ok >= 0},
                .duration_ms = {.value = acts[i].duration, .valid = acts[i].duration >= 0},
                .started_at = feb + (int64_t)i * APP_USEC_PER_SEC};
        APP_OK(db_bulk_record_actions(app_db, p, 8, &copied));
        assert_int_equal(copied, 8);
    }
    APP_OK(db_top_failing_action_types(app_db, feb, 10, &tf));
    assert_int_equal(tf.len, 3); /* store never failed */
    assert_string_equal(tf.rows[0].action_type, "fetch");
    assert_int_equal(tf.rows[0].attempts, 3);
    assert_int_equal(tf.rows[0].failures, 2);
    assert_true(tf.rows[0].avg_failed_duration_ms.valid &&
                tf.rows[0].avg_failed_duration_ms.value == 200.0);
    assert_int_equal(tf.rows[0].failure_rank, 1);
    assert_string_equal(tf.rows[1].action_type, "render");
    assert_int_equal(tf.rows[1].failure_rank, 1); /* tie */
    assert_true(tf.rows[1].avg_failed_duration_ms.value == 1.5);
    assert_string_equal(tf.rows[2].action_type, "parse");
    assert_int_equal(tf.rows[2].attempts, 2);
    assert_int_equal(tf.rows[2].failures, 1);
    assert_int_equal(tf.rows[2].failure_rank, 3); /* rank() skips after a tie */
    db_top_failing_action_types_rows_free(&tf);
    APP_OK(db_top_failing_action_types(app_db, feb, 1, &tf));
    assert_int_equal(tf.len, 1);
    db_top_failing_action_types_rows_free(&tf);
    n = 0;
    APP_OK(db_top_failing_action_types_each(app_db, feb, 10, count_top_fail, &n));
    assert_int_equal(n, 3);
    for (int i = 0; i < 4; i++)
        db_start_workflow_row_free(&w[i]);
}

/* TopEpisodeTags, including a NULL tag element (which the schema allows). */
static void
test_stats_episode_tags(void **state)
{
    const char *t1[2] = {"a", "b"}, *t2[1] = {"a"}, *t3[2] = {"a", "c"}, *t4[1] = {"b"};
    const char *t5[2] = {"x", NULL};
    const char *const *tags[5] = {t1, t2, t3, t4, t5};
    size_t lens[5] = {2, 1, 2, 1, 2};
    db_top_episode_tags_rows rows = {0};
    int n = 0;
    (void)state;

    for (int i = 0; i < 5; i++) {
        db_create_episode_params p = {
            .agent_id = "agent-tags", .title = "t", .summary = "s",
            .tags = {(const char **)tags[i], lens[i]}, .importance = 0.5f,
            .episode_date = app_date(2026, 1, 1), .started_at = app_ts(2026, 1, 1, 0, 0, 0, 0)};
        db_episode e = {0};
        APP_OK(db_create_episode(app_db, &p, &e));
        db_episode_free(&e);
    }
    APP_OK(db_top_episode_tags(app_db, "agent-tags", 3, &rows));
    assert_int_equal(rows.len, 3);
    assert_string_equal(rows.rows[0].tag, "a");
    assert_int_equal(rows.rows[0].episodes, 3);
    assert_string_equal(rows.rows[1].tag, "b");
    assert_int_equal(rows.rows[1].episodes, 2);
    assert_string_equal(rows.rows[2].tag, "c");
    assert_int_equal(rows.rows[2].episodes, 1);
    db_top_episode_tags_rows_free(&rows);
    /* unnest() yields the NULL element: the row's tag is NULL although TopEpisodeTags.tag is
     * generated as non-nullable (analyzer: elements of a text[] column can be NULL). */
    APP_OK(db_top_episode_tags(app_db, "agent-tags", 10, &rows));
    assert_int_equal(rows.len, 5);
    assert_string_equal(rows.rows[3].tag, "x");
    assert_null(rows.rows[4].tag);
    assert_int_equal(rows.rows[4].episodes, 1);
    db_top_episode_tags_rows_free(&rows);
    APP_OK(db_top_episode_tags_each(app_db, "agent-tags", 10, count_tags, &n));
    assert_int_equal(n, 5);
}

/* RecentActivity: the union of workflow runs, failed actions and episodes of a session. */
static void
test_stats_recent_activity(void **state)
{
    pqg_timestamp t0 = app_ts(2027, 3, 1, 0, 0, 0, 0);
    db_start_workflow_row w = start_workflow("wf-activity", "s-act", NULL, t0);
    db_recent_activity_rows rows = {0};
    int n = 0;
    const char *none[1] = {NULL};
    (void)state;

    {
        db_bulk_record_actions_params p[2] = {
            {.workflow_id = w.id, .workflow_started_at = t0, .step = 0, .action_type = "deploy",
             .parameters = "{}", .success = {.value = false, .valid = true},
             .error_message = NULL, .started_at = t0 + 5},
            {.workflow_id = w.id, .workflow_started_at = t0, .step = 1, .action_type = "deploy2",
             .parameters = "{}", .success = {.value = false, .valid = true},
             .error_message = "denied", .started_at = t0 + 7}};
        APP_OK(db_bulk_record_actions(app_db, p, 2, NULL));
    }
    {
        db_create_episode_params p = {
            .agent_id = "agent-act", .session_id = "s-act", .title = "release day",
            .summary = "shipped", .tags = {(const char **)none, 0}, .importance = 0.5f,
            .episode_date = app_date(2027, 3, 1), .started_at = t0 + 6};
        db_episode e = {0};
        APP_OK(db_create_episode(app_db, &p, &e));
        db_episode_free(&e);
    }
    APP_OK(db_recent_activity(app_db, "s-act", t0, 10, &rows));
    assert_int_equal(rows.len, 4);
    assert_string_equal(rows.rows[0].kind, "failed_action");
    assert_string_equal(rows.rows[0].label, "deploy2");
    assert_string_equal(rows.rows[0].detail, "denied");
    assert_int_equal(rows.rows[0].at, t0 + 7);
    assert_string_equal(rows.rows[1].kind, "episode");
    assert_string_equal(rows.rows[1].label, "release day");
    assert_string_equal(rows.rows[1].detail, "shipped");
    assert_string_equal(rows.rows[2].kind, "failed_action");
    assert_null(rows.rows[2].detail); /* no error message */
    assert_string_equal(rows.rows[3].kind, "workflow");
    assert_string_equal(rows.rows[3].label, "wf-activity");
    assert_string_equal(rows.rows[3].detail, "running");
    assert_int_equal(rows.rows[3].at, t0);
    db_recent_activity_rows_free(&rows);
    APP_OK(db_recent_activity(app_db, "s-act", t0 + 6, 10, &rows));
    assert_int_equal(rows.len, 2);
    db_recent_activity_rows_free(&rows);
    APP_OK(db_recent_activity_each(app_db, "s-act", t0, 2, count_activity, &n));
    assert_int_equal(n, 2);
    db_start_workflow_row_free(&w);
}

/* ServerTimeAfter: the server's clock after pg_sleep, a deliberately slow round trip. */
static void
test_server_time_after(void **state)
{
    pqg_timestamp before = pqg_timestamp_now();
    pqg_timestamp server_time = 0;
    (void)state;

    APP_OK(db_server_time_after(app_db, 0.05, &server_time));
    assert_true(server_time >= before + 50000 - 1000); /* same host clock, 1 ms slack */
    assert_true(server_time < pqg_timestamp_now() + 1000);
    APP_OK(db_server_time_after(app_db, 0, &server_time));
    assert_true(server_time >= before);
}

static int
setup(void **state)
{
    (void)state;
    app_setup("ops", 0);
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
        cmocka_unit_test(test_workflow_partitions),
        cmocka_unit_test(test_workflow_log_and_finish),
        cmocka_unit_test(test_list_workflow_executions),
        cmocka_unit_test(test_stuck_cancel_and_retention),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_bulk_record_actions),
        cmocka_unit_test(test_patterns_upsert_adjust_prune),
        cmocka_unit_test(test_patterns_list_match),
        cmocka_unit_test(test_stats_usage),
        cmocka_unit_test(test_stats_tools),
        cmocka_unit_test(test_stats_memory),
        cmocka_unit_test(test_stats_workflows_and_failures),
        cmocka_unit_test(test_stats_episode_tags),
        cmocka_unit_test(test_stats_recent_activity),
        cmocka_unit_test(test_server_time_after),
    };
    return cmocka_run_group_tests_name("app_ops", tests, setup, teardown);
}
