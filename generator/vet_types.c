/*
 * vet_types.c - comparing what pqgen inferred with what the server says: the server's pg_type
 * (loaded once per run), type names as messages show them, the agree/similar/differ rule
 * (domains agree with their base type, text-like types are similar), and the per-query checks
 * of result columns (types, count, NOT NULL) and parameters. vet.c drives them.
 */
#include "vet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int
cmp_vet_type(const void *a, const void *b)
{
    Oid x = ((const vet_type *)a)->oid, y = ((const vet_type *)b)->oid;
    return x < y ? -1 : x > y;
}

int
vet_load_types(vet_state *r)
{
    PGresult *res = vet_exec(&r->c,
        "SELECT t.oid, CASE WHEN n.nspname IN ('pg_catalog', 'public') THEN t.typname "
        "ELSE n.nspname || '.' || t.typname END, t.typtype, t.typcategory, t.typelem, "
        "t.typbasetype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace", NULL);
    if (!res)
        return -1;
    int n = PQntuples(res);
    r->types = calloc((size_t)n + 1, sizeof *r->types);
    if (!r->types) {
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        vet_type *t = &r->types[r->n_types];
        t->oid = (Oid)strtoul(PQgetvalue(res, i, 0), NULL, 10);
        t->name = strdup(PQgetvalue(res, i, 1));
        t->typtype = PQgetvalue(res, i, 2)[0];
        t->category = PQgetvalue(res, i, 3)[0];
        t->elem = (Oid)strtoul(PQgetvalue(res, i, 4), NULL, 10);
        t->base = (Oid)strtoul(PQgetvalue(res, i, 5), NULL, 10);
        if (t->name)
            r->n_types++;
    }
    PQclear(res);
    qsort(r->types, r->n_types, sizeof *r->types, cmp_vet_type);
    return 0;
}

static const vet_type *
find_type(const vet_state *r, Oid oid)
{
    vet_type key = {.oid = oid};
    return bsearch(&key, r->types, r->n_types, sizeof *r->types, cmp_vet_type);
}

const vet_type *
vet_find_type_name(const vet_state *r, const char *name)
{
    for (size_t i = 0; i < r->n_types; i++)
        if (strcmp(r->types[i].name, name) == 0 && r->types[i].category != 'A')
            return &r->types[i];
    return NULL;
}

/* "int4", "message_role[]": how the server's type reads in messages. Caller owns. */
static char *
server_type_str(const vet_state *r, Oid oid)
{
    const vet_type *t = find_type(r, oid);
    if (!t)
        return vet_strf("oid %u", oid);
    if (t->category == 'A' && t->elem) {
        const vet_type *e = find_type(r, t->elem);
        if (e)
            return vet_strf("%s[]", e->name);
    }
    return strdup(t->name);
}

/* "type" or "type[]". Caller owns; release with free(). */
static char *
model_type_str(const char *type, int dims)
{
    return vet_strf("%s%s", type, dims > 0 ? "[]" : "");
}

static bool
text_like(const char *n)
{
    static const char *const names[] = {"text", "varchar", "bpchar", "name", "citext", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

enum { TYPES_AGREE, TYPES_SIMILAR, TYPES_DIFFER };

/* Compares the model's (type, array_dims) with the server's type OID. Domains agree with their
 * base type (the C type is the base type's); text-like types are similar (same C type). */
static int
compare_types(const vet_state *r, const char *mtype, int mdims, Oid soid)
{
    const vet_type *st = find_type(r, soid);
    if (!st || !mtype)
        return TYPES_DIFFER;
    bool sarr = st->category == 'A' && st->elem;
    if (sarr != (mdims > 0))
        return TYPES_DIFFER;
    const vet_type *se = sarr ? find_type(r, st->elem) : st;
    if (!se)
        return TYPES_DIFFER;
    if (strcmp(se->name, mtype) == 0)
        return TYPES_AGREE;
    const vet_type *sbase = se->typtype == 'd' ? find_type(r, se->base) : se;
    const vet_type *mt = vet_find_type_name(r, mtype);
    const vet_type *mbase = mt && mt->typtype == 'd' ? find_type(r, mt->base) : mt;
    if (sbase && mbase && sbase->oid == mbase->oid)
        return TYPES_AGREE;
    if (sbase && mbase && text_like(sbase->name) && text_like(mbase->name))
        return TYPES_SIMILAR;
    return TYPES_DIFFER;
}

/* Offset in the query's source of the first whole-word, case-insensitive occurrence of word
 * (a column's name, "@name", "$2"), or of the statement's start when there is none. */
static size_t
locate(const vet_query *q, const char *word)
{
    if (!q->stmt)
        return 0;
    const char *sql = q->stmt->sql;
    size_t n = word ? strlen(word) : 0;
    for (const char *p = sql; n && *p; p++) {
        if (strncasecmp(p, word, n) != 0)
            continue;
        bool wl = isalnum((unsigned char)word[0]) || word[0] == '_';
        bool left = !wl || p == sql || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        bool right = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (left && right)
            return q->stmt->start + (size_t)(p - sql);
    }
    return q->stmt->start;
}

/* Where a parameter is spelled in the source: @name, sqlc.arg(name), sqlc.narg(name), $n. */
static size_t
locate_param(const vet_query *q, int index, const char *name)
{
    char buf[200];
    const char *forms[] = {"@%s", "sqlc.arg(%s)", "sqlc.narg(%s)", "sqlc.slice(%s)"};
    for (int i = 0; name && q->stmt && i < 4; i++) {
        snprintf(buf, sizeof buf, forms[i], name);
        size_t off = locate(q, buf);
        if (off != q->stmt->start || strncasecmp(q->stmt->sql, buf, strlen(buf)) == 0)
            return off;
    }
    snprintf(buf, sizeof buf, "$%d", index);
    return locate(q, buf);
}

/* Result columns: types against the model, count, and NOT NULL of plain table columns. */
void
vet_check_columns(vet_state *r, vet_query *q, PGresult *desc)
{
    vet_ctx *c = &r->c;
    json_t *cols = json_object_get(q->jq, "columns");
    int n = PQnfields(desc);
    int m = (int)json_array_size(cols);
    if (n != m) {
        vet_add(c, q, DIAG_ERROR, "column_type", NULL,
                "query %s: the server returns %d column%s, pqgen expects %d", q->name, n,
                n == 1 ? "" : "s", m);
        return;
    }
    bool type_off = vet_rule_off(q, "column_type");
    bool null_off = vet_rule_off(q, "nullability");
    for (int j = 0; j < n; j++) {
        json_t *col = json_array_get(cols, (size_t)j);
        const char *name = json_string_value(json_object_get(col, "name"));
        const char *type = json_string_value(json_object_get(col, "type"));
        int dims = (int)json_integer_value(json_object_get(col, "array_dims"));
        Oid soid = PQftype(desc, j);
        int cmp = compare_types(r, type, dims, soid);
        if (cmp != TYPES_AGREE && !type_off) {
            char *mt = model_type_str(type ? type : "?", dims), *sv = server_type_str(r, soid);
            vet_add_at(c, q->stmt ? q->stmt->file : NULL, locate(q, name),
                    cmp == TYPES_SIMILAR ? DIAG_WARNING : DIAG_ERROR, "column_type",
                    cmp == TYPES_SIMILAR ? "same C type; the declared type differs" : NULL,
                    "query %s: column %d \"%s\": pqgen infers %s, the server says %s", q->name,
                    j + 1, name ? name : PQfname(desc, j), mt ? mt : "?", sv ? sv : "?");
            free(mt);
            free(sv);
        }
        Oid tab = PQftable(desc, j);
        int attnum = PQftablecol(desc, j);
        if (null_off || tab == InvalidOid || attnum <= 0 ||
            json_is_null(json_object_get(col, "table")) ||
            json_is_true(json_object_get(col, "nullable")) ||
            json_is_true(json_object_get(col, "where_not_null")))
            continue;
        char toid[16], anum[16];
        snprintf(toid, sizeof toid, "%u", tab);
        snprintf(anum, sizeof anum, "%d", attnum);
        const char *vals[] = {toid, anum};
        PGresult *res = vet_exec_params(c,
            "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a "
            "ON a.attrelid = c.oid AND a.attnum = $2::int2 JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE c.oid = $1::oid AND c.relkind IN ('r', 'p') AND NOT a.attnotnull "
            "AND NOT t.typnotnull", 2, vals, NULL);
        if (res && PQntuples(res) == 1)
            vet_add_at(c, q->stmt ? q->stmt->file : NULL, locate(q, name), DIAG_WARNING,
                    "nullability",
                    "unless a WHERE clause rules NULL out, the generated type should be nullable",
                    "query %s: column %d \"%s\": pqgen infers NOT NULL, but %s.%s is nullable on "
                    "the server", q->name, j + 1, name ? name : "?", PQgetvalue(res, 0, 0),
                    PQgetvalue(res, 0, 1));
        PQclear(res);
    }
}

/* Parameters: the types the server infers on its own against the model's. */
void
vet_check_params(vet_state *r, vet_query *q)
{
    vet_ctx *c = &r->c;
    char name[64];
    snprintf(name, sizeof name, "vet_u%u", ++c->prep_counter);
    PGresult *res = PQprepare(c->conn, name, q->sql, 0, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        /* Typed, the query prepared; untyped the server cannot tell some types: nothing to
         * compare with. */
        if (getenv("PQGEN_VET_VERBOSE"))
            fprintf(stderr, "vet: %s: parameter types not compared: %s", q->name,
                    PQresultErrorMessage(res));
        PQclear(res);
        return;
    }
    PQclear(res);
    PGresult *desc = PQdescribePrepared(c->conn, name);
    if (PQresultStatus(desc) == PGRES_COMMAND_OK) {
        json_t *params = json_object_get(q->jq, "params");
        int n = PQnparams(desc);
        if (n != (int)json_array_size(params)) {
            vet_add(c, q, DIAG_ERROR, "param_type", NULL,
                    "query %s: the server sees %d parameter%s, pqgen %zu", q->name, n,
                    n == 1 ? "" : "s", json_array_size(params));
        } else if (!vet_rule_off(q, "param_type")) {
            for (int i = 0; i < n; i++) {
                json_t *p = json_array_get(params, (size_t)i);
                const char *pn = json_string_value(json_object_get(p, "name"));
                const char *type = json_string_value(json_object_get(p, "type"));
                int dims = (int)json_integer_value(json_object_get(p, "array_dims"));
                Oid soid = PQparamtype(desc, i);
                int cmp = compare_types(r, type, dims, soid);
                if (cmp == TYPES_AGREE)
                    continue;
                char *mt = model_type_str(type ? type : "?", dims);
                char *sv = server_type_str(r, soid);
                vet_add_at(c, q->stmt ? q->stmt->file : NULL, locate_param(q, i + 1, pn),
                        cmp == TYPES_SIMILAR ? DIAG_WARNING : DIAG_ERROR, "param_type",
                        cmp == TYPES_SIMILAR ? "same C type; the declared type differs" : NULL,
                        "query %s: parameter $%d \"%s\": pqgen infers %s, the server infers %s",
                        q->name, i + 1, pn ? pn : "?", mt ? mt : "?", sv ? sv : "?");
                free(mt);
                free(sv);
            }
        }
    }
    PQclear(desc);
    char *dealloc = vet_strf("DEALLOCATE %s", name);
    if (dealloc)
        vet_exec_cmd(c, dealloc, NULL);
    free(dealloc);
}
