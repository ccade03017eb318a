/*
 * error.c - error codes, their names and texts (from PQG_ERRNO_MAP), the per-thread last error,
 * and the mapping from a server's SQLSTATE to a PQG_E* code.
 * Recording an error never allocates, so PQG_ENOMEM can always be reported.
 */
#include <stdio.h>
#include <string.h>

#include "pqg_int.h"

static _Thread_local pqg_error last_error;

const char *
pqg_strerror(int code)
{
    switch (code) {
#define PQG__ERRNO_TEXT(name, value, text) \
    case value:                            \
        return text;
        PQG_ERRNO_MAP(PQG__ERRNO_TEXT)
#undef PQG__ERRNO_TEXT
    case 0:
        return "success";
    default:
        return "unknown error";
    }
}

const char *
pqg_err_name(int code)
{
    switch (code) {
#define PQG__ERRNO_NAME(name, value, text) \
    case value:                            \
        return "PQG_" #name;
        PQG_ERRNO_MAP(PQG__ERRNO_NAME)
#undef PQG__ERRNO_NAME
    case 0:
        return "PQG_OK";
    default:
        return "PQG_EUNKNOWN";
    }
}

const pqg_error *
pqg_last_error(void)
{
    return &last_error;
}

pqg_error *
pqg__err(void)
{
    return &last_error;
}

static bool
state_is(const pqg_error *e, const char *state)
{
    return e && strcmp(e->sqlstate, state) == 0;
}

bool
pqg_error_is_unique_violation(const pqg_error *e)
{
    return state_is(e, "23505");
}

bool
pqg_error_is_foreign_key_violation(const pqg_error *e)
{
    return state_is(e, "23503");
}

bool
pqg_error_is_check_violation(const pqg_error *e)
{
    return state_is(e, "23514");
}

bool
pqg_error_is_not_null_violation(const pqg_error *e)
{
    return state_is(e, "23502");
}

int
pqg__set_error(int code, const char *query, const char *fmt, ...)
{
    pqg_error *e = &last_error;
    memset(e, 0, sizeof *e);
    e->code = code;
    e->query = query;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return code;
}

bool
pqg__sqlstate_is_fatal(const char *s)
{
    if (!s || !s[0])
        return false;
    return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 || strcmp(s, "57P02") == 0 ||
           strcmp(s, "57P03") == 0;
}

int
pqg__map_sqlstate(const char *s)
{
    if (!s || strlen(s) != 5)
        return PQG_ESERVER;
    if (strcmp(s, "23505") == 0 || strcmp(s, "23P01") == 0)
        return PQG_ECONFLICT;
    if (strcmp(s, "23503") == 0 || strcmp(s, "23514") == 0 || strcmp(s, "23502") == 0)
        return PQG_ECONSTRAINT;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0)
        return PQG_ERETRY;
    if (strcmp(s, "57014") == 0 || strcmp(s, "55P03") == 0)
        return PQG_ETIMEOUT;
    if (pqg__sqlstate_is_fatal(s))
        return PQG_ECONN;
    return PQG_ESERVER;
}

static void
copy_field(char *dst, size_t cap, const PGresult *res, int field)
{
    const char *v = res ? PQresultErrorField(res, field) : NULL;
    if (!v) {
        dst[0] = '\0';
        return;
    }
    snprintf(dst, cap, "%s", v);
}

/* libpq's connection messages end in a newline and may hold several lines; keep the first. */
static void
copy_conn_message(char *dst, size_t cap, const char *msg)
{
    snprintf(dst, cap, "%s", msg && msg[0] ? msg : "connection lost");
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
}

int
pqg__set_error_result(const PGresult *res, PGconn *pg, const char *query)
{
    pqg_error *e = &last_error;
    memset(e, 0, sizeof *e);
    e->query = query;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state) {
        snprintf(e->sqlstate, sizeof e->sqlstate, "%s", state);
        copy_field(e->message, sizeof e->message, res, PG_DIAG_MESSAGE_PRIMARY);
        copy_field(e->detail, sizeof e->detail, res, PG_DIAG_MESSAGE_DETAIL);
        copy_field(e->hint, sizeof e->hint, res, PG_DIAG_MESSAGE_HINT);
        copy_field(e->schema, sizeof e->schema, res, PG_DIAG_SCHEMA_NAME);
        copy_field(e->table, sizeof e->table, res, PG_DIAG_TABLE_NAME);
        copy_field(e->column, sizeof e->column, res, PG_DIAG_COLUMN_NAME);
        copy_field(e->constraint, sizeof e->constraint, res, PG_DIAG_CONSTRAINT_NAME);
        e->code = pqg__map_sqlstate(state);
        /* A server error on a connection that has since died is still a lost connection. */
        if (pg && PQstatus(pg) == CONNECTION_BAD)
            e->code = PQG_ECONN;
        return e->code;
    }
    /* No SQLSTATE: libpq-generated (lost connection, protocol trouble). */
    const char *msg = res ? PQresultErrorMessage(res) : NULL;
    if (!msg || !msg[0])
        msg = pg ? PQerrorMessage(pg) : NULL;
    copy_conn_message(e->message, sizeof e->message, msg);
    e->code = (!pg || PQstatus(pg) == CONNECTION_BAD) ? PQG_ECONN : PQG_ESERVER;
    if (e->code == PQG_ECONN)
        snprintf(e->sqlstate, sizeof e->sqlstate, "%s", "");
    return e->code;
}
