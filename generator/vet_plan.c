/*
 * vet_plan.c - the rules of `pqgen vet`: SELECT * and :many without LIMIT from the query text,
 * and from the generic plan (EXPLAIN (FORMAT JSON) EXECUTE with NULL arguments) sequential scans
 * of large tables and the estimated total cost. A sequential scan with a Filter gets index
 * advice: the columns compared with parameters or constants, checked with a hypothetical
 * index (hypopg) that the planner uses it and by how much the cost drops.
 */
#include "vet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the query text ---------------------------------------------------------------------- */

/* Next token of SQL text past comments (its start and length), or false at the end. Quoted
 * identifiers and literals are returned whole; operators one character at a time. */
static bool
next_token(const char **pp, const char **start, size_t *len)
{
    const char *p = *pp;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            continue;
        }
        break;
    }
    if (!*p)
        return false;
    *start = p;
    if (*p == '\'' || *p == '"') {
        char q = *p++;
        while (*p && !(*p == q && p[1] != q))
            p += (*p == q) ? 2 : 1;
        if (*p)
            p++;
    } else if (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (unsigned char)*p >= 0x80) {
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (unsigned char)*p >= 0x80)
            p++;
    } else {
        p++;
    }
    *len = (size_t)(p - *start);
    *pp = p;
    return true;
}

static bool
tok_is(const char *t, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(t, word, n) == 0;
}

/* Byte offset of a select-list `*` (after SELECT, DISTINCT, ',' or 'alias.') in sql, or -1. */
static long
find_select_star(const char *sql)
{
    const char *p = sql, *t, *prev = NULL;
    size_t n, prev_n = 0;
    int depth = 0;
    (void)depth;
    while (next_token(&p, &t, &n)) {
        if (n == 1 && *t == '*' && prev &&
            (tok_is(prev, prev_n, "select") || tok_is(prev, prev_n, "distinct") ||
             (prev_n == 1 && (*prev == ',' || *prev == '.'))))
            return (long)(t - sql);
        prev = t;
        prev_n = n;
    }
    return -1;
}

static bool
has_limit(const char *sql)
{
    const char *p = sql, *t;
    size_t n;
    while (next_token(&p, &t, &n))
        if (tok_is(t, n, "limit") || tok_is(t, n, "fetch"))
            return true;
    return false;
}

/* ---- index advice from a Filter ---------------------------------------------------------- */

/* Removes one pair of parentheses around the whole of [*s, *e). */
static bool
strip_parens(const char **s, const char **e)
{
    while (*s < *e && isspace((unsigned char)**s))
        (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
    if (*e - *s < 2 || **s != '(' || (*e)[-1] != ')')
        return false;
    int depth = 0;
    for (const char *p = *s; p < *e; p++) {
        if (*p == '\'') {
            for (p++; p < *e && *p != '\''; p++)
                ;
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0 && p != *e - 1)
            return false;
    }
    (*s)++;
    (*e)--;
    return true;
}

/* The position of ` word ` at parenthesis depth 0 in [s, e), or NULL. */
static const char *
find_top(const char *s, const char *e, const char *word)
{
    size_t n = strlen(word);
    int depth = 0;
    for (const char *p = s; p < e; p++) {
        if (*p == '\'') {
            for (p++; p < e && *p != '\''; p++)
                ;
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        else if (depth == 0 && (size_t)(e - p) >= n && strncmp(p, word, n) == 0)
            return p;
    }
    return NULL;
}

/* A column reference, perhaps cast: "col", "m.col", "(col)::text", "\"Col\"". Returns the
 * column's name without qualifier (caller owns), or NULL when it is not one. */
static char *
column_ref(const char *s, const char *e)
{
    strip_parens(&s, &e);
    const char *cast = find_top(s, e, "::");
    if (cast) {
        e = cast;
        strip_parens(&s, &e);
    }
    const char *name = s;
    for (const char *p = s; p < e; p++) {
        if (*p == '"') {
            for (p++; p < e && *p != '"'; p++)
                ;
            continue;
        }
        if (*p == '.')
            name = p + 1;
        else if (!(isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80))
            return NULL;
    }
    if (name >= e || isdigit((unsigned char)*name))
        return NULL;
    return strndup(name, (size_t)(e - name));
}

/* A value an index lookup can use: parameters, literals and expressions over them (now() - $1,
 * ANY ($1)), i.e. no column reference. Identifiers followed by '(' are functions, those after
 * "::" are types; a few keywords are values. */
static bool
constant_like(const char *s, const char *e)
{
    static const char *const words[] = {"ANY", "ARRAY", "NULL", "true", "false",
                                        "CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP",
                                        "interval", "timestamp", "with", "time", "zone",
                                        "without", "character", "varying", "double",
                                        "precision", NULL};
    bool any = false, after_cast = false;
    for (const char *p = s; p < e;) {
        unsigned char ch = (unsigned char)*p;
        if (isspace(ch) || ch == '(' || ch == ')' || ch == ',' || ch == '+' || ch == '-' ||
            ch == '*' || ch == '/' || ch == '[' || ch == ']') {
            p++;
            continue;
        }
        if (ch == ':' && p + 1 < e && p[1] == ':') {
            after_cast = true;
            p += 2;
            continue;
        }
        if (ch == '\'') {
            for (p++; p < e && *p != '\''; p++)
                ;
            p++;
            any = true;
            after_cast = false;
            continue;
        }
        if (ch == '$' || isdigit(ch)) {
            p++;
            while (p < e && (isdigit((unsigned char)*p) || *p == '.'))
                p++;
            any = true;
            after_cast = false;
            continue;
        }
        if (isalpha(ch) || ch == '_' || ch == '"') {
            const char *w = p;
            if (ch == '"') {
                for (p++; p < e && *p != '"'; p++)
                    ;
                p++;
            } else {
                while (p < e && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
                    p++;
            }
            const char *q = p;
            while (q < e && *q == ' ')
                q++;
            bool fn = q < e && *q == '(';
            bool keyword = false;
            for (int i = 0; words[i]; i++)
                keyword |= (size_t)(p - w) == strlen(words[i]) &&
                           strncasecmp(w, words[i], (size_t)(p - w)) == 0;
            if (!fn && !keyword && !after_cast)
                return false; /* a column */
            if (fn || keyword)
                any = true;
            after_cast = false;
            continue;
        }
        return false; /* an operator such as = or ~~: not a plain value */
    }
    return any;
}

static bool
needs_quotes(const char *name)
{
    if (!*name || isdigit((unsigned char)*name))
        return true;
    for (const char *p = name; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return true;
    return false;
}

char *
vet_index_for_filter(const char *relation, const char *alias, const char *filter)
{
    (void)alias; /* column names are taken after their last '.', whatever the qualifier */
    if (!relation || !filter)
        return NULL;
    char *eq[8], *range = NULL, *gin = NULL;
    int n_eq = 0;
    const char *s = filter, *e = filter + strlen(filter);
    strip_parens(&s, &e);
    /* A single conjunct that is itself parenthesised stays as is; AND splits the rest. */
    while (s < e) {
        const char *and = find_top(s, e, " AND ");
        const char *ce = and ? and : e;
        const char *cs = s;
        s = and ? and + 5 : e;
        strip_parens(&cs, &ce);
        if (find_top(cs, ce, " OR "))
            continue;
        static const char *const ops[] = {" = ", " <= ", " >= ", " < ", " > ", " @> ", " ? ",
                                          " && ", NULL};
        for (int i = 0; ops[i]; i++) {
            const char *op = find_top(cs, ce, ops[i]);
            if (!op)
                continue;
            const char *rs = op + strlen(ops[i]);
            char *colname = NULL;
            if (constant_like(rs, ce))
                colname = column_ref(cs, op);
            else if (constant_like(cs, op))
                colname = column_ref(rs, ce);
            if (!colname)
                break;
            bool dup = false;
            for (int k = 0; k < n_eq; k++)
                dup |= strcmp(eq[k], colname) == 0;
            if (dup)
                free(colname);
            else if (i == 0 && n_eq < 8)
                eq[n_eq++] = colname;
            else if (i >= 1 && i <= 4 && !range)
                range = colname;
            else if (i >= 5 && !gin)
                gin = colname;
            else
                free(colname);
            break;
        }
    }
    char *rel = needs_quotes(relation) ? vet_quote_ident(relation) : strdup(relation);
    char *out = NULL;
    if (rel && (n_eq || range)) {
        size_t cap = 16;
        for (int k = 0; k < n_eq; k++)
            cap += strlen(eq[k]) + 2;
        cap += range ? strlen(range) : 0;
        char *cols = malloc(cap);
        if (cols) {
            cols[0] = '\0';
            for (int k = 0; k < n_eq; k++) {
                if (k)
                    strcat(cols, ", ");
                strcat(cols, eq[k]);
            }
            if (range) {
                if (n_eq)
                    strcat(cols, ", ");
                strcat(cols, range);
            }
            out = vet_strf("CREATE INDEX ON %s (%s)", rel, cols);
            free(cols);
        }
    } else if (rel && gin) {
        out = vet_strf("CREATE INDEX ON %s USING gin (%s)", rel, gin);
    }
    for (int k = 0; k < n_eq; k++)
        free(eq[k]);
    free(range);
    free(gin);
    free(rel);
    return out;
}

/* ---- plans ------------------------------------------------------------------------------- */

/* EXPLAIN (FORMAT JSON) of the prepared statement `name` with NULL arguments: the root "Plan"
 * object (new reference; caller owns; release with json_decref()), or NULL. */
static json_t *
explain(vet_ctx *c, const char *name, int n_params)
{
    size_t cap = strlen(name) + 64 + (size_t)n_params * 6;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    int k = snprintf(sql, cap, "EXPLAIN (FORMAT JSON) EXECUTE %s", name);
    for (int i = 0; i < n_params; i++)
        k += snprintf(sql + k, cap - (size_t)k, "%sNULL", i ? ", " : "(");
    if (n_params)
        snprintf(sql + k, cap - (size_t)k, ")");
    PGresult *res = vet_exec(c, sql, NULL);
    free(sql);
    if (!res || PQntuples(res) < 1) {
        PQclear(res);
        return NULL;
    }
    json_t *doc = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    PQclear(res);
    json_t *plan = json_incref(json_object_get(json_array_get(doc, 0), "Plan"));
    json_decref(doc);
    return plan;
}

typedef void (*node_fn)(json_t *node, void *ud);

static void
walk(json_t *node, node_fn fn, void *ud)
{
    if (!json_is_object(node))
        return;
    fn(node, ud);
    size_t i;
    json_t *child;
    json_array_foreach(json_object_get(node, "Plans"), i, child) walk(child, fn, ud);
}

typedef struct uses {
    const char *index;
    bool found;
} uses;

static void
find_index(json_t *node, void *ud)
{
    uses *u = ud;
    const char *name = json_string_value(json_object_get(node, "Index Name"));
    if (name && strcmp(name, u->index) == 0)
        u->found = true;
}

/* Tries idx as a hypothetical index: the hint to print. Caller owns; release with free(). */
static char *
advise(vet_ctx *c, vet_query *q, const char *idx, double cost)
{
    if (!c->hypopg)
        return vet_strf("add to a migration: %s; -- unverified: hypopg is not available", idx);
    const char *vals[] = {idx};
    PGresult *res = vet_exec_params(c, "SELECT indexname FROM hypopg_create_index($1)", 1, vals,
                                    NULL);
    if (!res || PQntuples(res) != 1) {
        PQclear(res);
        return vet_strf("add to a migration: %s; -- unverified: hypopg could not create it", idx);
    }
    char *hypo = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    /* A fresh statement: the cached generic plan of the old one predates the index. */
    char name[64];
    snprintf(name, sizeof name, "vet_h%u", ++c->prep_counter);
    char *hint = NULL;
    res = PQprepare(c->conn, name, q->sql, q->n_params, q->param_oids);
    if (PQresultStatus(res) == PGRES_COMMAND_OK) {
        json_t *plan = explain(c, name, q->n_params);
        uses u = {hypo, false};
        if (plan && hypo)
            walk(plan, find_index, &u);
        double after = json_number_value(json_object_get(plan, "Total Cost"));
        if (u.found && after < cost * 0.9)
            hint = vet_strf("add to a migration: %s; -- hypopg: cost %.2f -> %.2f", idx, cost,
                            after);
        else if (u.found)
            hint = vet_strf("%s barely helps (hypopg: cost %.2f -> %.2f): the query reads much "
                            "of the table; add `-- vet: off(seq_scan)` if that is intended",
                            idx, cost, after);
        else
            hint = vet_strf("%s would not be used by the planner (hypopg); narrow the WHERE "
                            "clause or add `-- vet: off(seq_scan)`", idx);
        json_decref(plan);
        char *dealloc = vet_strf("DEALLOCATE %s", name);
        PQclear(vet_exec(c, dealloc, NULL));
        free(dealloc);
    }
    PQclear(res);
    PQclear(vet_exec(c, "SELECT hypopg_reset()", NULL));
    free(hypo);
    return hint;
}

typedef struct scans {
    vet_ctx *c;
    json_t *found[32];
    int n;
} scans;

static void
collect_seq_scans(json_t *node, void *ud)
{
    scans *s = ud;
    const char *type = json_string_value(json_object_get(node, "Node Type"));
    if (type && strstr(type, "Seq Scan") && s->n < 32)
        s->found[s->n++] = node;
}

/* The table a scanned relation belongs to (a partition's root, else itself) and its estimated
 * rows (for a partitioned table: over all its partitions). *root: caller owns; release with
 * free(). */
static double
table_rows(vet_ctx *c, const char *rel, char **root)
{
    const char *vals[] = {rel};
    PGresult *res = vet_exec_params(c,
        "WITH r AS (SELECT coalesce(pg_partition_root(to_regclass(quote_ident($1))), "
        "                           to_regclass(quote_ident($1))) AS oid) "
        "SELECT (SELECT relname FROM pg_class WHERE oid = r.oid), "
        "       coalesce((SELECT sum(greatest(c.reltuples, 0)) FROM pg_partition_tree(r.oid) p "
        "                 JOIN pg_class c ON c.oid = p.relid WHERE p.isleaf), "
        "                (SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = r.oid), 0) "
        "FROM r", 1, vals, NULL);
    double n = 0;
    *root = NULL;
    if (res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        n = atof(PQgetvalue(res, 0, 1));
        *root = strdup(PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return n;
}

static void
plan_rules(vet_ctx *c, vet_query *q)
{
    const vet_rule *seq = &c->rules[VET_SEQ_SCAN], *cost = &c->rules[VET_MAX_COST];
    bool seq_on = seq->on && !vet_rule_off(q, "seq_scan");
    bool cost_on = cost->on && !vet_rule_off(q, "max_cost");
    if (!seq_on && !cost_on)
        return;
    const char *st = q->statement;
    if (strcmp(st, "select") && strcmp(st, "insert") && strcmp(st, "update") &&
        strcmp(st, "delete"))
        return;
    json_t *plan = explain(c, q->prep_name, q->n_params);
    if (!plan)
        return;
    double total = json_number_value(json_object_get(plan, "Total Cost"));
    if (cost_on && total > cost->threshold)
        vet_add(c, q, cost->level, "max_cost", NULL,
                "query %s: estimated cost %.2f is above the limit %.0f", q->name, total,
                cost->threshold);
    if (seq_on) {
        scans s = {.c = c};
        walk(plan, collect_seq_scans, &s);
        char *done[32];
        int n_done = 0;
        for (int i = 0; i < s.n; i++) {
            const char *rel = json_string_value(json_object_get(s.found[i], "Relation Name"));
            const char *alias = json_string_value(json_object_get(s.found[i], "Alias"));
            const char *filter = json_string_value(json_object_get(s.found[i], "Filter"));
            if (!rel)
                continue;
            char *root = NULL;
            double rows = table_rows(c, rel, &root);
            /* The partitions of one table are one finding. */
            bool seen = false;
            for (int k = 0; root && k < n_done; k++)
                seen |= strcmp(done[k], root) == 0;
            if (rows < seq->threshold || !root || seen || n_done == 32) {
                free(root);
                continue;
            }
            done[n_done++] = root;
            rel = root;
            char *idx = filter ? vet_index_for_filter(rel, alias, filter) : NULL;
            char *hint = idx ? advise(c, q, idx, total)
                       : filter ? vet_strf("no index candidate in the filter %s", filter)
                                : strdup("the query reads the whole table; add a WHERE clause "
                                         "or `-- vet: off(seq_scan)`");
            vet_add(c, q, seq->level, "seq_scan", hint,
                    "query %s: sequential scan on %s (%.0f rows)%s%s", q->name, rel, rows,
                    filter ? ", filter " : "", filter ? filter : "");
            free(idx);
            free(hint);
        }
        for (int k = 0; k < n_done; k++)
            free(done[k]);
    }
    json_decref(plan);
}

void
vet_plan_query(vet_ctx *c, vet_query *q)
{
    const vet_rule *star = &c->rules[VET_SELECT_STAR];
    if (star->on && !vet_rule_off(q, "select_star")) {
        const char *text = q->stmt ? q->stmt->sql : q->sql;
        long at = find_select_star(text);
        if (at >= 0)
            vet_add_at(c, q->stmt ? q->stmt->file : NULL,
                       q->stmt ? q->stmt->start + (size_t)at : 0, star->level, "select_star",
                       "list the columns: a later ALTER TABLE changes what SELECT * returns",
                       "query %s: SELECT * in a production query", q->name);
    }
    const vet_rule *lim = &c->rules[VET_MANY_WITHOUT_LIMIT];
    if (lim->on && !vet_rule_off(q, "many_without_limit") && strcmp(q->cmd, ":many") == 0 &&
        !has_limit(q->sql))
        vet_add(c, q, lim->level, "many_without_limit",
                "add LIMIT (and a page parameter), or `-- vet: off(many_without_limit)`",
                "query %s: :many without LIMIT returns every matching row", q->name);
    if (q->prepared && c->rows > 0)
        plan_rules(c, q);
}
