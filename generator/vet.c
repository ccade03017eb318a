/*
 * vet.c - `pqgen vet`: runs the schema and every query against a real PostgreSQL (a throwaway
 * server it starts and always stops, or a scratch database on --db), has what the server says
 * about parameters and result columns compared with the static model (vet_types.c), and hands
 * each prepared query to the plan rules (vet_plan.c) after the tables were filled (vet_fill.c).
 * Findings are kept here with their rule name, then added to the diag list or printed as JSON.
 */
#include "vet.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- small helpers shared with vet_fill.c and vet_plan.c ---------------------------------- */

char *
vet_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *
vet_quote_ident(const char *s)
{
    size_t n = strlen(s), k = 0;
    char *q = malloc(2 * n + 3);
    if (!q)
        return NULL;
    q[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            q[k++] = '"';
        q[k++] = s[i];
    }
    q[k++] = '"';
    q[k] = '\0';
    return q;
}

static void
vet_push(vet_ctx *c, const src_file *file, size_t offset, diag_level level, const char *rule,
         const char *hint, const char *fmt, va_list ap)
{
    if (c->n_f == c->cap_f) {
        size_t cap = c->cap_f ? c->cap_f * 2 : 16;
        vet_finding *f = realloc(c->f, cap * sizeof *f);
        if (!f)
            return;
        c->f = f;
        c->cap_f = cap;
    }
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!msg)
        return;
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    vet_finding *g = &c->f[c->n_f++];
    g->file = file;
    g->offset = offset;
    g->level = level;
    g->rule = strdup(rule);
    g->message = msg;
    g->hint = hint ? strdup(hint) : NULL;
}

void
vet_add_at(vet_ctx *c, const src_file *file, size_t offset, diag_level level, const char *rule,
           const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vet_push(c, file, offset, level, rule, hint, fmt, ap);
    va_end(ap);
}

void
vet_add(vet_ctx *c, const vet_query *q, diag_level level, const char *rule, const char *hint,
        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const src_file *file = q && q->stmt ? q->stmt->file : NULL;
    size_t off = q && q->stmt ? q->stmt->start : 0;
    vet_push(c, file, off, level, rule, hint, fmt, ap);
    va_end(ap);
}

/* The server's message without the "ERROR:  " prefix and trailing newline. Caller owns. */
static char *
server_message(const PGresult *res, PGconn *conn)
{
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char *s = strdup(m ? m : PQerrorMessage(conn));
    if (s) {
        size_t n = strlen(s);
        while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
            s[--n] = '\0';
    }
    return s;
}

PGresult *
vet_exec_params(vet_ctx *c, const char *sql, int n, const char *const *values, char **err)
{
    PGresult *res = n ? PQexecParams(c->conn, sql, n, NULL, values, NULL, NULL, 0)
                      : PQexec(c->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    if (err)
        *err = server_message(res, c->conn);
    PQclear(res);
    return NULL;
}

PGresult *
vet_exec(vet_ctx *c, const char *sql, char **err)
{
    return vet_exec_params(c, sql, 0, NULL, err);
}

/* Runs sql, ignoring its result; returns 0 or -1 (message in *err when err is not NULL). */
int
vet_exec_cmd(vet_ctx *c, const char *sql, char **err)
{
    PGresult *r = vet_exec(c, sql, err);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

bool
vet_rule_off(const vet_query *q, const char *rule)
{
    if (!q->stmt || !q->stmt->pragmas)
        return false;
    for (char **p = q->stmt->pragmas; *p; p++) {
        const char *s = *p;
        while (isspace((unsigned char)*s))
            s++;
        if (strncmp(s, "vet:", 4) != 0)
            continue;
        s += 4;
        while (isspace((unsigned char)*s))
            s++;
        if (strncmp(s, "off", 3) != 0)
            continue;
        s += 3;
        while (isspace((unsigned char)*s))
            s++;
        if (*s != '(')
            return true; /* "vet: off": everything */
        size_t n = strlen(rule);
        for (s++; *s && *s != ')';) {
            while (*s == ',' || isspace((unsigned char)*s))
                s++;
            const char *w = s;
            while (*s && *s != ',' && *s != ')' && !isspace((unsigned char)*s))
                s++;
            if ((size_t)(s - w) == n && strncmp(w, rule, n) == 0)
                return true;
        }
    }
    return false;
}

/* ---- configuration ----------------------------------------------------------------------- */

static const char *const rule_names[VET_N_RULES] = {"seq_scan", "max_cost", "select_star",
                                                    "many_without_limit"};

static int
parse_level(json_t *v, bool *on, diag_level *level)
{
    const char *s = json_string_value(v);
    if (!s)
        return -1;
    if (strcmp(s, "error") == 0)
        *level = DIAG_ERROR, *on = true;
    else if (strcmp(s, "warning") == 0)
        *level = DIAG_WARNING, *on = true;
    else if (strcmp(s, "off") == 0)
        *on = false;
    else
        return -1;
    return 0;
}

/* Reads cfg->vet into c (defaults first). Problems are errors on the config file. */
static int
parse_config(vet_ctx *c, diag_list *d)
{
    c->rows = 2000;
    for (int i = 0; i < VET_N_RULES; i++)
        c->rules[i] = (vet_rule){false, DIAG_WARNING, 0};
    c->rules[VET_SEQ_SCAN] = (vet_rule){true, DIAG_WARNING, 1000};
    c->rules[VET_MAX_COST].threshold = 100000;
    json_t *v = c->cfg ? c->cfg->vet : NULL;
    if (!v)
        return 0;
    const char *where = c->cfg->path ? c->cfg->path : "pqgen.json";
    int bad = 0;
    if (!json_is_object(v)) {
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "%s: \"vet\" must be an object", where);
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (strcmp(key, "rows") == 0) {
            if (!json_is_integer(val) || json_integer_value(val) < 0 ||
                json_integer_value(val) > 10000000) {
                diag_add(d, DIAG_ERROR, NULL, 0, NULL,
                         "%s: \"vet.rows\" must be an integer from 0 to 10000000", where);
                bad = 1;
            } else {
                c->rows = (long)json_integer_value(val);
            }
        } else if (strcmp(key, "rules") == 0 && json_is_object(val)) {
            const char *rk;
            json_t *rv;
            json_object_foreach(val, rk, rv) {
                int id = -1;
                for (int i = 0; i < VET_N_RULES; i++)
                    if (strcmp(rk, rule_names[i]) == 0)
                        id = i;
                if (id < 0) {
                    diag_add(d, DIAG_ERROR, NULL, 0,
                             "rules: seq_scan, max_cost, select_star, many_without_limit",
                             "%s: unknown rule \"vet.rules.%s\"", where, rk);
                    bad = 1;
                    continue;
                }
                vet_rule *r = &c->rules[id];
                if (json_is_boolean(rv)) {
                    r->on = json_is_true(rv);
                    continue;
                }
                if (!json_is_object(rv)) {
                    diag_add(d, DIAG_ERROR, NULL, 0, NULL,
                             "%s: \"vet.rules.%s\" must be an object or a boolean", where, rk);
                    bad = 1;
                    continue;
                }
                r->on = true;
                const char *ok;
                json_t *ov;
                json_object_foreach(rv, ok, ov) {
                    bool thr = (id == VET_SEQ_SCAN && strcmp(ok, "min_rows") == 0) ||
                               (id == VET_MAX_COST && strcmp(ok, "limit") == 0);
                    if (strcmp(ok, "level") == 0) {
                        if (parse_level(ov, &r->on, &r->level) < 0) {
                            diag_add(d, DIAG_ERROR, NULL, 0, NULL,
                                     "%s: \"vet.rules.%s.level\" must be \"error\", \"warning\" "
                                     "or \"off\"", where, rk);
                            bad = 1;
                        }
                    } else if (thr && json_is_number(ov) && json_number_value(ov) >= 0) {
                        r->threshold = json_number_value(ov);
                    } else {
                        diag_add(d, DIAG_ERROR, NULL, 0, NULL,
                                 thr ? "%s: \"vet.rules.%s.%s\" must be a non-negative number"
                                     : "%s: unknown key \"vet.rules.%s.%s\"",
                                 where, rk, ok);
                        bad = 1;
                    }
                }
            }
        } else if (strcmp(key, "rules") == 0) {
            diag_add(d, DIAG_ERROR, NULL, 0, NULL, "%s: \"vet.rules\" must be an object", where);
            bad = 1;
        } else {
            diag_add(d, DIAG_ERROR, NULL, 0, "keys: rows, rules", "%s: unknown key \"vet.%s\"",
                     where, key);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* ---- schema ------------------------------------------------------------------------------ */

static void
add_missing(vet_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n_missing; i++)
        if (strcmp(c->missing[i], name) == 0)
            return;
    char **m = realloc(c->missing, (c->n_missing + 2) * sizeof *m);
    if (!m)
        return;
    c->missing = m;
    if ((m[c->n_missing] = strdup(name)))
        c->n_missing++;
    m[c->n_missing] = NULL;
}

/* The extension a "CREATE EXTENSION [IF NOT EXISTS] name" statement creates, or NULL.
 * Caller owns; release with free(). */
static char *
extension_name(const char *sql)
{
    const char *p = sql;
    const char *words[] = {"create", "extension"};
    for (int i = 0; i < 2; i++) {
        while (isspace((unsigned char)*p))
            p++;
        size_t n = strlen(words[i]);
        if (strncasecmp(p, words[i], n) != 0 || !isspace((unsigned char)p[n]))
            return NULL;
        p += n;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (strncasecmp(p, "if not exists", 13) == 0)
        p += 13;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '"')
        p++;
    const char *w = p;
    while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-'))
        p++;
    return p > w ? strndup(w, (size_t)(p - w)) : NULL;
}

/* Runs every schema statement in order. A failing statement is an error at its file:line, or a
 * warning when an extension this server lacks explains it. Returns the number that failed. */
static int
apply_schema(vet_ctx *c)
{
    int failed = 0;
    char *missing_ext = NULL;
    for (size_t i = 0; c->schema && i < c->schema->n_stmts; i++) {
        const src_stmt *st = &c->schema->stmts[i];
        PGresult *res = PQexec(c->conn, st->sql);
        ExecStatusType es = PQresultStatus(res);
        if (es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY) {
            PQclear(res);
            continue;
        }
        failed++;
        char *msg = server_message(res, c->conn);
        const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
        size_t off = st->start;
        if (pos)
            off += source_cursor_to_offset(st->sql, atoi(pos));
        char *ext = extension_name(st->sql);
        if (ext) {
            vet_add_at(c, st->file, st->start, DIAG_WARNING, "schema",
                       "statements and queries that need it are skipped",
                       "cannot create extension \"%s\": %s", ext,
                       msg ? msg : "");
            add_missing(c, ext);
            if (!missing_ext)
                missing_ext = ext;
            else
                free(ext);
        } else if (missing_ext) {
            char *hint = vet_strf("extension \"%s\" is not available on this server",
                                  missing_ext);
            vet_add_at(c, st->file, off, DIAG_WARNING, "schema", hint,
                       "schema statement skipped: %s", msg ? msg : "");
            free(hint);
        } else {
            vet_add_at(c, st->file, off, DIAG_ERROR, "schema", NULL,
                       "the server rejects this schema statement: %s", msg ? msg : "");
        }
        free(msg);
        PQclear(res);
    }
    free(missing_ext);
    return failed;
}

/* After a failed schema: the model's tables, columns and types the server lacks. A query
 * mentioning one of them is skipped with a warning instead of failing as an error. */
static void
collect_missing(vet_state *r)
{
    vet_ctx *c = &r->c;
    json_t *tables = json_object_get(json_object_get(c->model, "catalog"), "tables");
    size_t i;
    json_t *t;
    json_array_foreach(tables, i, t) {
        const char *sch = json_string_value(json_object_get(t, "schema"));
        const char *name = json_string_value(json_object_get(t, "name"));
        if (!name)
            continue;
        char *q = vet_strf("%s.%s", sch ? sch : "public", name);
        const char *vals[] = {q};
        PGresult *res = vet_exec_params(c,
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass($1) "
            "AND a.attnum > 0 AND NOT a.attisdropped", 1, vals, NULL);
        free(q);
        int n = res ? PQntuples(res) : 0;
        if (n == 0)
            add_missing(c, name);
        size_t j;
        json_t *col;
        json_array_foreach(json_object_get(t, "columns"), j, col) {
            const char *cn = json_string_value(json_object_get(col, "name"));
            const char *ty = json_string_value(json_object_get(col, "type"));
            bool found = false;
            for (int k = 0; cn && k < n; k++)
                found |= strcmp(PQgetvalue(res, k, 0), cn) == 0;
            if (n && cn && !found)
                add_missing(c, cn);
            if (ty && !vet_find_type_name(r, ty))
                add_missing(c, ty);
        }
        PQclear(res);
    }
}

/* Does sql mention one of the missing names as a whole word? Returns it (borrowed) or NULL. */
static const char *
mentions_missing(const vet_ctx *c, const char *sql)
{
    for (size_t i = 0; i < c->n_missing; i++) {
        const char *w = c->missing[i];
        size_t n = strlen(w);
        for (const char *p = sql; (p = strstr(p, w)); p++) {
            bool left = p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
            bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
            if (left && right)
                return w;
        }
    }
    return NULL;
}

/* ---- queries ----------------------------------------------------------------------------- */

static const src_stmt *
find_stmt(const src_set *qs, const char *name)
{
    for (size_t i = 0; qs && name && i < qs->n_stmts; i++)
        if (qs->stmts[i].name && strcmp(qs->stmts[i].name, name) == 0)
            return &qs->stmts[i];
    return NULL;
}

/* Maps a byte offset in the model's sql to one in the statement's source text, walking both
 * while they agree and skipping parameter spellings ($n against @name or sqlc.arg(name)).
 * At the first other difference it stops: the error then points at the last aligned spot. */
size_t
vet_map_offset(const char *model_sql, const char *src, size_t target)
{
    size_t i = 0, j = 0, best = 0;
    while (model_sql[i] && src[j] && i < target) {
        if (model_sql[i] == src[j]) {
            i++, j++;
            best = j;
            continue;
        }
        if (model_sql[i] == '$' && isdigit((unsigned char)model_sql[i + 1])) {
            size_t i2 = i + 1;
            while (isdigit((unsigned char)model_sql[i2]))
                i2++;
            size_t j2 = j;
            if (src[j] == '@') {
                j2++;
                while (isalnum((unsigned char)src[j2]) || src[j2] == '_')
                    j2++;
            } else if (strncmp(src + j, "sqlc.", 5) == 0) {
                const char *close = strchr(src + j, ')');
                if (!close)
                    break;
                j2 = (size_t)(close - src) + 1;
            } else {
                break;
            }
            if (target < i2)
                return j;
            i = i2, j = j2, best = j;
            continue;
        }
        break;
    }
    return best;
}

static void
server_error(vet_ctx *c, const vet_query *q, PGresult *res)
{
    char *msg = server_message(res, c->conn);
    const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
    const char *miss = mentions_missing(c, q->sql);
    const src_file *file = q->stmt ? q->stmt->file : NULL;
    size_t off = q->stmt ? q->stmt->start : 0;
    if (pos && q->stmt) {
        size_t mo = source_cursor_to_offset(q->sql, atoi(pos));
        size_t so = vet_map_offset(q->sql, q->stmt->sql, mo);
        size_t len = q->stmt->end - q->stmt->start;
        off = q->stmt->start + (so < len ? so : (len ? len - 1 : 0));
    }
    if (miss) {
        char *h = vet_strf("\"%s\" failed to apply on this server (see the schema warnings)",
                           miss);
        vet_add_at(c, file, off, DIAG_WARNING, "server", h, "query %s skipped: %s", q->name,
                   msg ? msg : "");
        free(h);
    } else {
        char *h = detail && hint ? vet_strf("%s; %s", detail, hint)
                                 : strdup(detail ? detail : hint ? hint : "");
        vet_add_at(c, file, off, DIAG_ERROR, "server", h && *h ? h : NULL,
                   "the server rejects query %s: %s", q->name, msg ? msg : "");
        free(h);
    }
    free(msg);
}

static Oid
resolve_oid(vet_ctx *c, json_t *p)
{
    json_int_t oid = json_integer_value(json_object_get(p, "oid"));
    if (oid > 0)
        return (Oid)oid;
    const char *type = json_string_value(json_object_get(p, "type"));
    int dims = (int)json_integer_value(json_object_get(p, "array_dims"));
    if (!type)
        return 0;
    char *name = vet_strf("%s%s", type, dims > 0 ? "[]" : "");
    const char *vals[] = {name};
    PGresult *res = vet_exec_params(c, "SELECT coalesce(to_regtype($1)::oid, 0)", 1, vals, NULL);
    free(name);
    Oid r = res && PQntuples(res) == 1 ? (Oid)strtoul(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return r;
}

static void
vet_query_run(vet_state *r, vet_query *q)
{
    vet_ctx *c = &r->c;
    if (vet_rule_off(q, "*"))
        return;
    json_t *params = json_object_get(q->jq, "params");
    q->n_params = (int)json_array_size(params);
    q->param_oids = calloc((size_t)q->n_params + 1, sizeof *q->param_oids);
    if (!q->param_oids)
        return;
    for (int i = 0; i < q->n_params; i++)
        q->param_oids[i] = resolve_oid(c, json_array_get(params, (size_t)i));
    snprintf(q->prep_name, sizeof q->prep_name, "vet_q%u", ++c->prep_counter);
    /* As the generated code prepares it: with the model's parameter types. */
    PGresult *res = PQprepare(c->conn, q->prep_name, q->sql, q->n_params, q->param_oids);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        server_error(c, q, res);
        PQclear(res);
        return;
    }
    PQclear(res);
    q->prepared = true;
    PGresult *desc = PQdescribePrepared(c->conn, q->prep_name);
    if (PQresultStatus(desc) == PGRES_COMMAND_OK) {
        if (getenv("PQGEN_VET_VERBOSE"))
            fprintf(stderr, "vet: %s: %d parameters, %d columns\n", q->name, PQnparams(desc),
                    PQnfields(desc));
        vet_check_columns(r, q, desc);
    }
    PQclear(desc);
    vet_check_params(r, q);
    vet_plan_query(c, q);
}

/* ---- output ------------------------------------------------------------------------------ */

static int
cmp_finding(const void *a, const void *b)
{
    const vet_finding *x = a, *y = b;
    const char *px = x->file ? x->file->path : "", *py = y->file ? y->file->path : "";
    int k = strcmp(px, py);
    if (k)
        return k;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void
print_json(const vet_ctx *c)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < c->n_f; i++) {
        const vet_finding *f = &c->f[i];
        int line = 0, col = 0;
        if (f->file)
            source_linecol(f->file, f->offset, &line, &col);
        json_t *o = json_pack("{s:s?,s:i,s:i,s:s,s:s,s:s,s:s?}", "file",
                              f->file ? f->file->path : NULL, "line", line, "col", col, "level",
                              f->level == DIAG_ERROR ? "error" : "warning", "rule", f->rule,
                              "message", f->message, "hint", f->hint);
        if (o)
            json_array_append_new(arr, o);
    }
    char *s = arr ? json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(arr);
}

/* ---- entry ------------------------------------------------------------------------------- */

static PGconn *
connect_db(const char *url, const char *dbname)
{
    const char *keys[] = {"dbname", dbname ? "dbname" : NULL, NULL};
    const char *vals[] = {url, dbname, NULL};
    return PQconnectdbParams(keys, vals, 1);
}

int
vet_run(const config *cfg, json_t *model, const src_set *schema, const src_set *queries,
        const vet_options *opt, diag_list *d)
{
    vet_state r;
    memset(&r, 0, sizeof r);
    vet_ctx *c = &r.c;
    c->cfg = cfg;
    c->model = model;
    c->schema = schema;
    c->queries = queries;
    if (parse_config(c, d) < 0)
        return -1;
    char why[300];
    if (vet_libpq_load(why, sizeof why) != 0) {
        diag_add(d, DIAG_ERROR, NULL, 0,
                 "install libpq (Debian: libpq5), or set PQGEN_LIBPQ to its file",
                 "vet: cannot load libpq: %s", why);
        return -1;
    }

    vet_server srv;
    memset(&srv, 0, sizeof srv);
    srv.pid = -1;
    PGconn *admin = NULL;
    char scratch[64] = "";
    int rc = -1;
    if (opt && opt->db_url) {
        admin = connect_db(opt->db_url, NULL);
        if (PQstatus(admin) != CONNECTION_OK) {
            diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: cannot connect to --db: %s",
                     PQerrorMessage(admin));
            PQfinish(admin);
            return -1;
        }
        snprintf(scratch, sizeof scratch, "pqgen_vet_%ld", (long)getpid());
        char *sql = vet_strf("CREATE DATABASE %s", scratch);
        PGresult *res = PQexec(admin, sql);
        free(sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            diag_add(d, DIAG_ERROR, NULL, 0, "vet needs the CREATEDB privilege on --db",
                     "vet: cannot create the scratch database %s: %s", scratch,
                     PQerrorMessage(admin));
            PQclear(res);
            PQfinish(admin);
            return -1;
        }
        PQclear(res);
        c->conn = connect_db(opt->db_url, scratch);
    } else {
        if (vet_server_start(&srv, d) < 0)
            return -1;
        char conninfo[700];
        snprintf(conninfo, sizeof conninfo, "host=%s port=5432 user=postgres dbname=postgres",
                 srv.dir);
        c->conn = PQconnectdb(conninfo);
    }
    if (PQstatus(c->conn) != CONNECTION_OK) {
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: cannot connect: %s",
                 PQerrorMessage(c->conn));
        goto done;
    }
    vet_exec_cmd(c, "SET client_min_messages = warning", NULL);
    /* A runaway statement (a huge fill, a pathological query) must not hang vet. */
    vet_exec_cmd(c, "SET statement_timeout = '120s'", NULL);

    if (apply_schema(c) > 0) {
        if (vet_load_types(&r) == 0)
            collect_missing(&r);
    }
    for (size_t i = 0; i < r.n_types; i++)
        free(r.types[i].name);
    free(r.types);
    r.types = NULL;
    r.n_types = 0;
    if (vet_load_types(&r) < 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: cannot read pg_type: %s",
                 PQerrorMessage(c->conn));
        goto done;
    }
    if (c->rows > 0 && vet_fill(c) < 0) {
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: lost the connection while filling tables");
        goto done;
    }
    c->hypopg = vet_exec_cmd(c, "CREATE EXTENSION IF NOT EXISTS hypopg", NULL) == 0;
    vet_exec_cmd(c, "SET plan_cache_mode = force_generic_plan", NULL);

    size_t i;
    json_t *jq;
    json_array_foreach(json_object_get(model, "queries"), i, jq) {
        vet_query q;
        memset(&q, 0, sizeof q);
        q.jq = jq;
        q.name = json_string_value(json_object_get(jq, "name"));
        q.sql = json_string_value(json_object_get(jq, "sql"));
        q.cmd = json_string_value(json_object_get(jq, "cmd"));
        q.statement = json_string_value(json_object_get(jq, "statement"));
        q.stmt = find_stmt(queries, q.name);
        if (!q.name || !q.sql)
            continue;
        if (!q.cmd)
            q.cmd = "";
        if (!q.statement)
            q.statement = "";
        vet_query_run(&r, &q);
        free(q.param_oids);
        if (PQstatus(c->conn) != CONNECTION_OK) {
            diag_add(d, DIAG_ERROR, NULL, 0, NULL, "vet: lost the connection: %s",
                     PQerrorMessage(c->conn));
            goto done;
        }
        if (q.prepared) {
            char *sql = vet_strf("DEALLOCATE %s", q.prep_name);
            if (sql)
                vet_exec_cmd(c, sql, NULL);
            free(sql);
        }
    }
    rc = 0;

done:
    PQfinish(c->conn);
    c->conn = NULL;
    if (admin) {
        char *sql = vet_strf("DROP DATABASE IF EXISTS %s WITH (FORCE)", scratch);
        PGresult *res = PQexec(admin, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            diag_add(d, DIAG_WARNING, NULL, 0, NULL, "vet: could not drop %s: %s", scratch,
                     PQerrorMessage(admin));
        PQclear(res);
        free(sql);
        PQfinish(admin);
    } else {
        vet_server_stop(&srv);
    }
    qsort(c->f, c->n_f, sizeof *c->f, cmp_finding);
    if (rc == 0 && opt && opt->json_output)
        print_json(c);
    for (size_t k = 0; k < c->n_f; k++) {
        vet_finding *f = &c->f[k];
        diag_add(d, f->level, f->file, f->offset, f->hint, "%s [%s]", f->message, f->rule);
        free(f->rule);
        free(f->message);
        free(f->hint);
    }
    free(c->f);
    for (size_t k = 0; k < c->n_missing; k++)
        free(c->missing[k]);
    free(c->missing);
    for (size_t k = 0; k < r.n_types; k++)
        free(r.types[k].name);
    free(r.types);
    return rc;
}
