/*
 * vet_fill.c - synthetic rows for the plan rules: every table gets `rows` rows from one
 * INSERT ... SELECT over generate_series, parents before children (foreign keys from
 * pg_constraint), values derived from each column's type and its single-column CHECK lists,
 * foreign keys pointing at existing parent rows. A failing insert is retried with fewer columns;
 * a table that still cannot be filled is reported as a warning. Ends with ANALYZE.
 */
#include "vet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fk {
    Oid parent;
    int n;
    int attnums[8];
    char *ref_cols;   /* "a, b": the parent's columns, quoted */
} fk;

typedef struct col {
    int attnum;
    char *qname;      /* quoted */
    char *type;       /* format_type: usable in a cast */
    char *base;       /* base type name (domains resolved) */
    char category;    /* of the base type */
    char typtype;     /* of the base type: 'e' enums */
    char *elem;       /* arrays: element type, formatted */
    char *elem_base;  /* arrays: element type name ("int4") */
    char elem_cat;
    char elem_typtype;
    int len;          /* varchar/bpchar length, or -1 */
    bool not_null;
    bool has_default;
    bool skip;        /* identity, generated, serial */
    char *check_list; /* "ARRAY['a', 'b']" from a CHECK (col IN (...)), or NULL */
} col;

typedef struct table {
    Oid oid;
    char *qname;      /* "schema"."name" */
    char *name;
    col *cols;
    int n_cols;
    fk *fks;
    int n_fks;
    bool done;
    long count;
} table;

static table *
find_table(table *ts, int n, Oid oid)
{
    for (int i = 0; i < n; i++)
        if (ts[i].oid == oid)
            return &ts[i];
    return NULL;
}

/* A string builder that gives up (NULL) on out of memory. */
typedef struct sb {
    char *s;
    size_t len, cap;
    bool oom;
} sb;

static void
sb_add(sb *b, const char *t)
{
    if (b->oom || !t) {
        b->oom = true;
        return;
    }
    size_t n = strlen(t);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
}

static void
sb_take(sb *b, char *t)
{
    sb_add(b, t);
    free(t);
}

/* A value of a scalar type (by category and name) for series row i. Caller owns. */
static char *
scalar_expr(const char *base, char category, char typtype, const char *cast, const char *salt,
            int len)
{
    if (typtype == 'e')
        return vet_strf("(enum_range(NULL::%s))[1 + i %% cardinality(enum_range(NULL::%s))]",
                        cast, cast);
    if (strcmp(base, "int2") == 0)
        return strdup("(i % 30000)");
    if (strcmp(base, "int4") == 0 || strcmp(base, "int8") == 0 || strcmp(base, "oid") == 0)
        return strdup("i");
    if (strcmp(base, "numeric") == 0 || strcmp(base, "float4") == 0 ||
        strcmp(base, "float8") == 0 || strcmp(base, "money") == 0)
        return strdup("((i % 100) / 100.0)");
    if (category == 'S') {
        int n = len > 0 && len < 32 ? len : 32;
        return vet_strf("left(md5('%s' || i), %d)", salt, n);
    }
    if (strcmp(base, "bool") == 0)
        return strdup("(i % 2 = 0)");
    if (strcmp(base, "timestamptz") == 0 || strcmp(base, "timestamp") == 0)
        return strdup("(timestamptz '2026-12-01 00:00:00+00' - i * interval '1 hour')");
    if (strcmp(base, "date") == 0)
        return strdup("(date '2026-12-01' - (i % 1000))");
    if (strcmp(base, "time") == 0 || strcmp(base, "timetz") == 0)
        return strdup("(time '00:00' + (i % 86400) * interval '1 second')");
    if (strcmp(base, "interval") == 0)
        return strdup("((i % 3600) * interval '1 second')");
    if (strcmp(base, "uuid") == 0)
        return strdup("gen_random_uuid()");
    if (strcmp(base, "jsonb") == 0 || strcmp(base, "json") == 0)
        return strdup("jsonb_build_object('k', i)");
    if (strcmp(base, "bytea") == 0)
        return strdup("decode(md5(i::text), 'hex')");
    if (strcmp(base, "inet") == 0 || strcmp(base, "cidr") == 0)
        return strdup("('10.' || (i / 65536 % 256) || '.' || (i / 256 % 256) || '.' || "
                      "(i % 256))");
    return NULL;
}

/* The column's value for row i, cast to its type; NULL when no value can be made. */
static char *
col_expr(const col *c)
{
    char *e;
    /* Text columns of one row differ by a salt: the column's name, made safe for a literal. */
    char salt[64];
    snprintf(salt, sizeof salt, "%s", c->qname);
    for (char *p = salt; *p; p++)
        if (*p == '\'' || *p == '"' || *p == '\\')
            *p = '_';
    if (c->check_list) {
        e = vet_strf("(%s)[1 + i %% cardinality(%s)]", c->check_list, c->check_list);
    } else if (c->category == 'A' && c->elem && c->elem_base) {
        char *x = scalar_expr(c->elem_base, c->elem_cat, c->elem_typtype, c->elem, salt, -1);
        e = x ? vet_strf("ARRAY[%s]", x) : NULL;
        free(x);
    } else {
        e = scalar_expr(c->base, c->category, c->typtype, c->type, salt, c->len);
    }
    if (!e)
        return NULL;
    char *r = vet_strf("(%s)::%s", e, c->type);
    free(e);
    return r;
}

/* Literals of a single-column CHECK, as "ARRAY['a', 'b']", or NULL. Caller owns. */
static char *
check_literals(const char *def)
{
    sb b = {0};
    int n = 0;
    for (const char *p = def; (p = strchr(p, '\''));) {
        const char *start = p;
        for (p++; *p; p++) {
            if (*p == '\'' && p[1] == '\'')
                p++;
            else if (*p == '\'')
                break;
        }
        if (!*p)
            break;
        p++;
        char *lit = strndup(start, (size_t)(p - start));
        sb_add(&b, n++ ? ", " : "ARRAY[");
        sb_take(&b, lit);
    }
    if (n == 0 || b.oom) {
        free(b.s);
        return NULL;
    }
    sb_add(&b, "]");
    return b.oom ? (free(b.s), NULL) : b.s;
}

static int
parse_attnums(const char *s, int *out, int max)
{
    int n = 0;
    for (const char *p = s; *p && n < max;) {
        while (*p && (*p < '0' || *p > '9'))
            p++;
        if (!*p)
            break;
        out[n++] = (int)strtol(p, (char **)&p, 10);
    }
    return n;
}

static int
load_columns(vet_ctx *c, table *t)
{
    char oid[16];
    snprintf(oid, sizeof oid, "%u", t->oid);
    const char *vals[] = {oid};
    PGresult *res = vet_exec_params(c,
        "SELECT a.attnum, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), "
        "b.typname, b.typcategory, b.typtype, "
        "CASE WHEN b.typcategory = 'A' THEN format_type(b.typelem, NULL) END, "
        "coalesce(e.typcategory, ''), coalesce(e.typtype, ''), coalesce(e.typname, ''), "
        "CASE WHEN b.typname IN ('varchar', 'bpchar') AND "
        "     coalesce(nullif(t.typtypmod, -1), a.atttypmod) > 4 "
        "     THEN coalesce(nullif(t.typtypmod, -1), a.atttypmod) - 4 ELSE -1 END, "
        "a.attnotnull OR t.typnotnull, a.atthasdef, "
        "a.attidentity <> '' OR a.attgenerated <> '' OR "
        "coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) "
        "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
        "LEFT JOIN pg_type e ON e.oid = b.typelem AND b.typcategory = 'A' "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        1, vals, NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    t->cols = calloc((size_t)n + 1, sizeof *t->cols);
    if (!t->cols) {
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        col *k = &t->cols[i];
        k->attnum = atoi(PQgetvalue(res, i, 0));
        k->qname = strdup(PQgetvalue(res, i, 1));
        k->type = strdup(PQgetvalue(res, i, 2));
        k->base = strdup(PQgetvalue(res, i, 3));
        k->category = PQgetvalue(res, i, 4)[0];
        k->typtype = PQgetvalue(res, i, 5)[0];
        k->elem = PQgetisnull(res, i, 6) ? NULL : strdup(PQgetvalue(res, i, 6));
        k->elem_cat = PQgetvalue(res, i, 7)[0];
        k->elem_typtype = PQgetvalue(res, i, 8)[0];
        k->elem_base = strdup(PQgetvalue(res, i, 9));
        k->len = atoi(PQgetvalue(res, i, 10));
        k->not_null = PQgetvalue(res, i, 11)[0] == 't';
        k->has_default = PQgetvalue(res, i, 12)[0] == 't';
        k->skip = PQgetvalue(res, i, 13)[0] == 't';
        t->n_cols++;
    }
    PQclear(res);
    res = vet_exec_params(c,
        "SELECT conkey::text, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = $1::oid AND contype = 'c' AND cardinality(conkey) = 1", 1, vals, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        int attnum;
        if (parse_attnums(PQgetvalue(res, i, 0), &attnum, 1) != 1)
            continue;
        for (int j = 0; j < t->n_cols; j++)
            if (t->cols[j].attnum == attnum && !t->cols[j].check_list)
                t->cols[j].check_list = check_literals(PQgetvalue(res, i, 1));
    }
    PQclear(res);
    return 0;
}

static void
free_tables(table *ts, int n)
{
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < ts[i].n_cols; j++) {
            col *k = &ts[i].cols[j];
            free(k->qname);
            free(k->type);
            free(k->base);
            free(k->elem);
            free(k->elem_base);
            free(k->check_list);
        }
        for (int j = 0; j < ts[i].n_fks; j++)
            free(ts[i].fks[j].ref_cols);
        free(ts[i].cols);
        free(ts[i].fks);
        free(ts[i].qname);
        free(ts[i].name);
    }
    free(ts);
}

/* The INSERT for t. mode 0: every column, the first foreign key spread (10 children per
 * parent); 1: every column, one child per parent; 2: only the columns that need a value.
 * Returns NULL when some NOT NULL column cannot get a value. Caller owns. */
static char *
build_insert(vet_ctx *c, table *ts, int n_ts, table *t, int mode)
{
    sb cols = {0}, exprs = {0}, joins = {0};
    int n = 0;
    bool impossible = false;
    sb_add(&cols, "");
    sb_add(&exprs, "");
    sb_add(&joins, "");
    for (int j = 0; j < t->n_cols && !impossible; j++) {
        col *k = &t->cols[j];
        if (k->skip)
            continue;
        /* Part of a foreign key? */
        const fk *f = NULL;
        int fi = -1, pos = -1;
        for (int x = 0; x < t->n_fks && !f; x++)
            for (int y = 0; y < t->fks[x].n; y++)
                if (t->fks[x].attnums[y] == k->attnum) {
                    f = &t->fks[x];
                    fi = x;
                    pos = y;
                    break;
                }
        char *e = NULL;
        if (f) {
            table *p = find_table(ts, n_ts, f->parent);
            if (!p || p == t || p->count == 0) {
                if (k->not_null && !k->has_default)
                    impossible = true;
                continue;
            }
            e = vet_strf("f%d.c%d", fi, pos + 1);
        } else {
            if (mode == 2 && (!k->not_null || k->has_default))
                continue;
            e = col_expr(k);
            if (!e) {
                if (k->not_null && !k->has_default)
                    impossible = true;
                continue;
            }
            if (!k->not_null) {
                char *w = vet_strf("CASE WHEN i %% 5 = 0 THEN NULL ELSE %s END", e);
                free(e);
                e = w;
            }
        }
        sb_add(&cols, n ? ", " : "");
        sb_add(&cols, k->qname);
        sb_add(&exprs, n ? ", " : "");
        sb_take(&exprs, e);
        n++;
    }
    for (int x = 0; x < t->n_fks; x++) {
        table *p = find_table(ts, n_ts, t->fks[x].parent);
        if (!p || p == t || p->count == 0)
            continue;
        long mod = p->count;
        if (x == 0 && mode == 0 && p->count >= 20)
            mod = p->count / 10;
        sb refs = {0};
        sb_add(&refs, "");
        /* ref_cols is "a, b": alias each as c1, c2... */
        char *copy = strdup(t->fks[x].ref_cols);
        int y = 0;
        for (char *save = NULL, *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok;
             tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ')
                tok++;
            char *item = vet_strf("%s%s AS c%d", y ? ", " : "", tok, y + 1);
            sb_take(&refs, item);
            y++;
        }
        free(copy);
        char *j = vet_strf(" LEFT JOIN (SELECT %s, row_number() OVER () AS rn FROM %s) f%d "
                           "ON f%d.rn = 1 + (g.i %% %ld)",
                           refs.s ? refs.s : "", p->qname, x, x, mod);
        free(refs.s);
        sb_take(&joins, j);
    }
    char *sql = NULL;
    if (!impossible && !cols.oom && !exprs.oom && !joins.oom) {
        sql = n ? vet_strf("INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %ld) AS g(i)%s",
                           t->qname, cols.s, exprs.s, c->rows, joins.s)
                : vet_strf("INSERT INTO %s SELECT FROM generate_series(1, %ld)", t->qname,
                           c->rows);
    }
    free(cols.s);
    free(exprs.s);
    free(joins.s);
    return sql;
}

static void
fill_table(vet_ctx *c, table *ts, int n_ts, table *t)
{
    char *last_err = NULL;
    for (int mode = 0; mode < 3; mode++) {
        char *sql = build_insert(c, ts, n_ts, t, mode);
        if (!sql)
            continue;
        char *err = NULL;
        PGresult *res = vet_exec(c, sql, &err);
        free(sql);
        if (res) {
            t->count = atol(PQcmdTuples(res));
            if (getenv("PQGEN_VET_VERBOSE"))
                fprintf(stderr, "vet: filled %s with %ld rows (mode %d)\n", t->name, t->count,
                        mode);
            PQclear(res);
            free(last_err);
            return;
        }
        free(last_err);
        last_err = err;
    }
    vet_add(c, NULL, DIAG_WARNING, "fill", "plan rules see this table empty",
            "vet: cannot fill table %s with synthetic rows: %s", t->name,
            last_err ? last_err : "a NOT NULL column has a type vet cannot generate");
    free(last_err);
}

int
vet_fill(vet_ctx *c)
{
    PGresult *res = vet_exec(c,
        "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relname "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_toast%' "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "                AND d.objid = c.oid AND d.deptype = 'e') ORDER BY c.oid", NULL);
    if (!res)
        return PQstatus(c->conn) == CONNECTION_OK ? 0 : -1;
    int n = PQntuples(res);
    table *ts = calloc((size_t)n + 1, sizeof *ts);
    if (!ts) {
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        ts[i].oid = (Oid)strtoul(PQgetvalue(res, i, 0), NULL, 10);
        ts[i].qname = strdup(PQgetvalue(res, i, 1));
        ts[i].name = strdup(PQgetvalue(res, i, 2));
    }
    PQclear(res);
    for (int i = 0; i < n; i++)
        if (load_columns(c, &ts[i]) < 0) {
            free_tables(ts, n);
            return PQstatus(c->conn) == CONNECTION_OK ? 0 : -1;
        }
    res = vet_exec(c,
        "SELECT con.conrelid, con.confrelid, con.conkey::text, "
        "array_to_string(ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.confkey) "
        "  WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = con.confrelid "
        "  AND a.attnum = k.n ORDER BY k.o), ', ') "
        "FROM pg_constraint con WHERE con.contype = 'f' AND con.conparentid = 0 "
        "ORDER BY con.oid", NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        table *t = find_table(ts, n, (Oid)strtoul(PQgetvalue(res, i, 0), NULL, 10));
        if (!t)
            continue;
        fk *f = realloc(t->fks, (size_t)(t->n_fks + 1) * sizeof *f);
        if (!f)
            break;
        t->fks = f;
        f = &t->fks[t->n_fks];
        f->parent = (Oid)strtoul(PQgetvalue(res, i, 1), NULL, 10);
        f->n = parse_attnums(PQgetvalue(res, i, 2), f->attnums, 8);
        f->ref_cols = strdup(PQgetvalue(res, i, 3));
        if (f->ref_cols)
            t->n_fks++;
    }
    PQclear(res);
    /* Parents first; a cycle is broken by taking the first table left. */
    for (int filled = 0; filled < n; filled++) {
        table *next = NULL;
        for (int i = 0; i < n && !next; i++) {
            if (ts[i].done)
                continue;
            bool ready = true;
            for (int x = 0; x < ts[i].n_fks; x++) {
                table *p = find_table(ts, n, ts[i].fks[x].parent);
                if (p && p != &ts[i] && !p->done)
                    ready = false;
            }
            if (ready)
                next = &ts[i];
        }
        for (int i = 0; i < n && !next; i++)
            if (!ts[i].done)
                next = &ts[i];
        next->done = true;
        fill_table(c, ts, n, next);
        if (PQstatus(c->conn) != CONNECTION_OK)
            break;
    }
    free_tables(ts, n);
    if (PQstatus(c->conn) != CONNECTION_OK)
        return -1;
    res = vet_exec(c, "ANALYZE", NULL);
    PQclear(res);
    return 0;
}
