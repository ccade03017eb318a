/*
 * catalog_ddl.c - applies schema DDL to the catalog (catalog_apply): CREATE/ALTER/DROP/RENAME
 * of tables and the other objects DROP and RENAME name, with the errors PostgreSQL would give
 * on unknown or duplicate objects. Indexes and comments change nothing queries see but are
 * checked against the catalog; grants, DO... are ignored, and of triggers only BEFORE INSERT
 * row triggers are kept (by name, per table). Types, views, functions, schemas and extensions
 * are created in catalog_types.c.
 */
#include "catalog_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgcatalog.h"
#include "pgnode.h"

void
cat_ddl_error(cat_ddl *x, int loc, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void
cat_ddl_error(cat_ddl *x, int loc, const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(x->d, DIAG_ERROR, x->st->file, x->st->start + (loc >= 0 ? (size_t)loc : 0), hint,
              fmt, ap);
    va_end(ap);
}

const char *
cat_rv_schema(const pnode *rv)
{
    const char *s = pn_str(rv, "schemaname");
    return s ? s : "public";
}

/* "did you mean" over the live tables' names. */
static const char *
closest_table(const catalog *c, const char *name, char *buf, size_t len)
{
    const char **cands = cat_xcalloc(c->n_tables + 1, sizeof *cands);
    size_t n = 0;
    if (!cands)
        return NULL;
    for (size_t i = 0; i < c->n_tables; i++)
        if (!c->tables[i]->dropped)
            cands[n++] = c->tables[i]->name;
    const char *best = diag_closest(name, cands, n);
    free(cands);
    if (!best)
        return NULL;
    snprintf(buf, len, "did you mean \"%s\"?", best);
    return buf;
}

/* "did you mean" over t's columns. */
static const char *
closest_column(const cat_table *t, const char *name, char *buf, size_t len)
{
    const char **cands = cat_xcalloc(t->n_cols + 1, sizeof *cands);
    if (!cands)
        return NULL;
    for (size_t k = 0; k < t->n_cols; k++)
        cands[k] = t->cols[k].name;
    const char *best = diag_closest(name, cands, t->n_cols);
    free(cands);
    if (!best)
        return NULL;
    snprintf(buf, len, "did you mean \"%s\"?", best);
    return buf;
}

/* The offset in the statement text of the column an ALTER TABLE subcommand names (the
 * identifier after DROP/ALTER/RENAME [COLUMN] [IF EXISTS], at or after from), or fallback: the
 * tree has no location for it. */
static int
ddl_alter_col_loc(cat_ddl *x, int from, const char *cname, int fallback)
{
    const char *sql = x->st->sql;
    pn_tok t, n;
    size_t pos = from > 0 ? (size_t)from : 0;
    while (pn_next_token(sql, pos, &t)) {
        pos = t.end;
        if (!pn_tok_word(sql, &t, "drop") && !pn_tok_word(sql, &t, "alter") &&
            !pn_tok_word(sql, &t, "rename"))
            continue;
        if (!pn_next_token(sql, t.end, &n))
            break;
        if (pn_tok_word(sql, &n, "column") && !pn_next_token(sql, n.end, &n))
            break;
        if (pn_tok_word(sql, &n, "if") &&
            !(pn_next_token(sql, n.end, &n) && pn_tok_word(sql, &n, "exists") &&
              pn_next_token(sql, n.end, &n)))
            continue;
        if (pn_tok_ident(sql, &n, cname))
            return (int)n.start;
    }
    return fallback;
}

static cat_table *
need_table(cat_ddl *x, const pnode *rv, bool missing_ok)
{
    const char *name = pn_str(rv, "relname");
    if (!name) {
        cat_ddl_error(x, -1, NULL, "malformed relation name");
        return NULL;
    }
    cat_table *t = catalog_table(x->c, cat_rv_schema(rv), name);
    if (!t && !missing_ok) {
        char hb[160];
        cat_ddl_error(x, pn_loc(rv), closest_table(x->c, name, hb, sizeof hb),
                      "relation \"%s\" does not exist", name);
    }
    return t;
}

bool
cat_resolve_type(cat_ddl *x, const pnode *tn, cat_tref *out, bool *serial)
{
    char why[256];
    if (catalog_typename(x->c, tn, out, serial, why, sizeof why))
        return true;
    cat_ddl_error(x, pn_loc(tn), NULL, "%s", why);
    return false;
}

static void
add_pk(cat_table *t, const char *col)
{
    for (size_t i = 0; i < t->n_pk; i++)
        if (!strcmp(t->pk[i], col))
            return;
    char *nm = cat_xstrdup(col);
    char **pk = nm ? cat_xrealloc(t->pk, (t->n_pk + 1) * sizeof *t->pk) : NULL;
    if (!pk) {
        free(nm);
        return;
    }
    t->pk = pk;
    t->pk[t->n_pk++] = nm;
}

/* Column constraints of a ColumnDef (also used by ALTER TABLE ADD COLUMN and partitions). */
static void
apply_col_constraints(cat_ddl *x, cat_table *t, cat_column *col, const pnode *cdef)
{
    (void)x;
    const pnode *cons = pn_list(cdef, "constraints");
    if (pn_bool(cdef, "is_not_null"))
        col->not_null = true;
    for (size_t i = 0; i < pn_len(cons); i++) {
        const pnode *cn;
        if (!pn_is(pn_at(cons, i), "Constraint", &cn))
            continue;
        const char *ct = pn_str(cn, "contype");
        if (!ct)
            continue;
        if (!strcmp(ct, "CONSTR_NOTNULL")) {
            col->not_null = true;
        } else if (!strcmp(ct, "CONSTR_NULL")) {
            col->not_null = false;
        } else if (!strcmp(ct, "CONSTR_PRIMARY")) {
            col->not_null = true;
            add_pk(t, col->name);
        } else if (!strcmp(ct, "CONSTR_DEFAULT") || !strcmp(ct, "CONSTR_GENERATED")) {
            col->has_default = true;
        } else if (!strcmp(ct, "CONSTR_IDENTITY")) {
            col->has_default = true;
            col->not_null = true;
        }
    }
}

/* Fills col from a ColumnDef with a type. */
static bool
column_def(cat_ddl *x, cat_table *t, cat_column *col, const pnode *cdef)
{
    const pnode *tn = pn_obj(cdef, "typeName");
    bool serial = false;
    if (!cat_resolve_type(x, tn, &col->type, &serial))
        return false;
    if (serial) {
        col->not_null = true;
        col->has_default = true;
    }
    if (cat_tref_domain_not_null(col->type))
        col->not_null = true;
    apply_col_constraints(x, t, col, cdef);
    return true;
}

static void
copy_columns(cat_table *dst, const cat_table *src, bool with_defaults)
{
    for (size_t i = 0; i < src->n_cols; i++) {
        if (catalog_column(dst, src->cols[i].name))
            continue;
        cat_column *col = cat_add_column(dst, src->cols[i].name);
        if (!col)
            return;
        col->type = src->cols[i].type;
        col->not_null = src->cols[i].not_null;
        col->has_default = with_defaults && src->cols[i].has_default;
    }
}

static void
table_constraint(cat_ddl *x, cat_table *t, const pnode *cn)
{
    const char *ct = pn_str(cn, "contype");
    if (!ct || strcmp(ct, "CONSTR_PRIMARY") != 0)
        return;
    const pnode *keys = pn_list(cn, "keys");
    for (size_t k = 0; k < pn_len(keys); k++) {
        const char *kn = pn_sval(pn_at(keys, k));
        if (!kn)
            continue;
        cat_column *col = (cat_column *)catalog_column(t, kn);
        if (!col) {
            cat_ddl_error(x, pn_loc(cn), NULL, "column \"%s\" named in key does not exist", kn);
            continue;
        }
        col->not_null = true;
        add_pk(t, kn);
    }
}

static void
create_table(cat_ddl *x, const pnode *cs)
{
    const pnode *rv = pn_obj(cs, "relation");
    const char *name = pn_str(rv, "relname");
    const char *schema = cat_rv_schema(rv);
    if (!name)
        return;
    if (!cat_has_schema(x->c, schema)) {
        cat_ddl_error(x, pn_loc(rv), NULL, "schema \"%s\" does not exist", schema);
        return;
    }
    if (catalog_table(x->c, schema, name)) {
        if (!pn_bool(cs, "if_not_exists"))
            cat_ddl_error(x, pn_loc(rv), "use CREATE TABLE IF NOT EXISTS, or drop it first",
                          "relation \"%s\" already exists", name);
        return;
    }
    cat_table *t = cat_add_table(x->c, schema, name);
    if (!t)
        return;
    t->kind = CAT_TABLE;
    t->partitioned = pn_obj(cs, "partspec") != NULL;
    const pnode *inh = pn_list(cs, "inhRelations");
    bool partition = pn_obj(cs, "partbound") != NULL;
    for (size_t i = 0; i < pn_len(inh); i++) {
        const pnode *prv;
        if (!pn_is(pn_at(inh, i), "RangeVar", &prv))
            continue;
        const cat_table *p = need_table(x, prv, false);
        if (!p)
            continue;
        copy_columns(t, p, true);
        if (partition && !t->partition_of) {
            char buf[300];
            if (strcmp(p->schema, "public") == 0)
                snprintf(buf, sizeof buf, "%s", p->name);
            else
                snprintf(buf, sizeof buf, "%s.%s", p->schema, p->name);
            t->partition_of = cat_xstrdup(buf); /* NULL on failure: the catalog is failing */
            for (size_t k = 0; k < p->n_pk; k++)
                add_pk(t, p->pk[k]);
        }
    }
    const pnode *elts = pn_list(cs, "tableElts");
    for (size_t i = 0; i < pn_len(elts); i++) {
        const pnode *e = pn_at(elts, i), *in;
        const char *k = pn_node(e, &in);
        if (!k)
            continue;
        if (pn_kind_is(k, "ColumnDef")) {
            const char *cn = pn_str(in, "colname");
            if (!cn)
                continue;
            cat_column *col = (cat_column *)catalog_column(t, cn);
            if (col && !pn_obj(in, "typeName")) {
                /* PARTITION OF ... (col WITH OPTIONS NOT NULL ...) */
                apply_col_constraints(x, t, col, in);
                continue;
            }
            if (col && !partition && pn_len(inh) == 0) {
                cat_ddl_error(x, pn_loc(in), NULL, "column \"%s\" specified more than once", cn);
                continue;
            }
            if (!col && !(col = cat_add_column(t, cn)))
                return;
            column_def(x, t, col, in);
        } else if (pn_kind_is(k, "TableLikeClause")) {
            const cat_table *src = need_table(x, pn_obj(in, "relation"), false);
            long long opts = pn_int(in, "options", 0);
            if (src)
                copy_columns(t, src, (opts & ((1 << 3) | (1 << 4) | (1 << 5))) != 0);
        } else if (pn_kind_is(k, "Constraint")) {
            table_constraint(x, t, in);
        }
    }
}

static void
alter_table(cat_ddl *x, const pnode *as)
{
    const char *objtype = pn_str(as, "objtype");
    if (objtype && strcmp(objtype, "OBJECT_TABLE") != 0 && strcmp(objtype, "OBJECT_FOREIGN_TABLE"))
        return; /* ALTER VIEW/INDEX/SEQUENCE ... */
    const pnode *rv = pn_obj(as, "relation");
    cat_table *t = need_table(x, rv, pn_bool(as, "missing_ok"));
    if (!t)
        return;
    const pnode *cmds = pn_list(as, "cmds");
    for (size_t i = 0; i < pn_len(cmds); i++) {
        const pnode *cmd;
        if (!pn_is(pn_at(cmds, i), "AlterTableCmd", &cmd))
            continue;
        const char *sub = pn_str(cmd, "subtype");
        const char *cname = pn_str(cmd, "name");
        const pnode *def = pn_obj(cmd, "def"), *din = NULL;
        const char *dk = pn_node(def, &din);
        if (!sub)
            continue;
        int loc = din ? pn_loc(din) : pn_loc(rv);
        if (!strcmp(sub, "AT_AddColumn") || !strcmp(sub, "AT_AddColumnRecurse")) {
            if (!dk || strcmp(dk, "ColumnDef") != 0)
                continue;
            const char *cn = pn_str(din, "colname");
            if (!cn)
                continue;
            if (catalog_column(t, cn)) {
                if (!pn_bool(cmd, "missing_ok"))
                    cat_ddl_error(x, loc, "use ADD COLUMN IF NOT EXISTS",
                                  "column \"%s\" of relation \"%s\" already exists", cn, t->name);
                continue;
            }
            cat_column tmp = {0};
            tmp.name = (char *)cn;
            if (!column_def(x, t, &tmp, din))
                continue;
            cat_column *col = cat_add_column(t, cn);
            if (!col)
                return;
            col->type = tmp.type;
            col->not_null = tmp.not_null;
            col->has_default = tmp.has_default;
            continue;
        }
        if (!strcmp(sub, "AT_AddConstraint") || !strcmp(sub, "AT_AddConstraintRecurse")) {
            if (dk && !strcmp(dk, "Constraint"))
                table_constraint(x, t, din);
            continue;
        }
        if (!cname)
            continue;
        cat_column *col = (cat_column *)catalog_column(t, cname);
        bool col_cmd = !strcmp(sub, "AT_DropColumn") || !strcmp(sub, "AT_DropColumnRecurse") ||
                       !strcmp(sub, "AT_AlterColumnType") || !strcmp(sub, "AT_SetNotNull") ||
                       !strcmp(sub, "AT_DropNotNull") || !strcmp(sub, "AT_ColumnDefault") ||
                       !strcmp(sub, "AT_AddIdentity") || !strcmp(sub, "AT_DropIdentity");
        if (!col_cmd)
            continue;
        if (!col) {
            if (pn_bool(cmd, "missing_ok"))
                continue;
            char hb[160];
            cat_ddl_error(x, ddl_alter_col_loc(x, pn_loc(rv), cname, pn_loc(rv)),
                          closest_column(t, cname, hb, sizeof hb),
                          "column \"%s\" of relation \"%s\" does not exist", cname, t->name);
            continue;
        }
        if (!strcmp(sub, "AT_DropColumn") || !strcmp(sub, "AT_DropColumnRecurse")) {
            size_t k = (size_t)(col - t->cols);
            free(col->name);
            memmove(&t->cols[k], &t->cols[k + 1], (t->n_cols - k - 1) * sizeof *col);
            t->n_cols--;
            for (size_t p = 0; p < t->n_pk; p++) {
                if (!strcmp(t->pk[p], cname)) {
                    free(t->pk[p]);
                    memmove(&t->pk[p], &t->pk[p + 1], (t->n_pk - p - 1) * sizeof *t->pk);
                    t->n_pk--;
                    break;
                }
            }
        } else if (!strcmp(sub, "AT_AlterColumnType")) {
            if (dk && !strcmp(dk, "ColumnDef")) {
                cat_tref nt;
                if (cat_resolve_type(x, pn_obj(din, "typeName"), &nt, NULL))
                    col->type = nt;
            }
        } else if (!strcmp(sub, "AT_SetNotNull")) {
            col->not_null = true;
        } else if (!strcmp(sub, "AT_DropNotNull")) {
            col->not_null = false;
        } else if (!strcmp(sub, "AT_ColumnDefault")) {
            col->has_default = def != NULL && din != NULL;
        } else if (!strcmp(sub, "AT_AddIdentity")) {
            col->has_default = true;
            col->not_null = true;
        }
    }
}

/* Splits a List of String names into schema and name. */
bool
cat_split_names(const pnode *names, const char **schema, const char **name)
{
    size_t n = pn_len(names);
    *name = n ? pn_sval(pn_at(names, n - 1)) : NULL;
    *schema = n >= 2 ? pn_sval(pn_at(names, n - 2)) : NULL;
    return *name != NULL;
}

/* pg_trigger's tgtype bits as CreateTrigStmt carries them in "timing" and "events" (AFTER is
 * 0, which libpg_query leaves out of the JSON). */
#define TRIGGER_TIMING_BEFORE 2
#define TRIGGER_EVENT_INSERT 4

/* CREATE TRIGGER: only BEFORE INSERT row triggers matter to queries (see cat_table). */
static void
create_trigger(cat_ddl *x, const pnode *ts)
{
    const pnode *rv = pn_obj(ts, "relation");
    const char *name = pn_str(ts, "trigname"), *rel = pn_str(rv, "relname");
    cat_table *t = rel ? catalog_table(x->c, cat_rv_schema(rv), rel) : NULL;
    if (!t && rel) {
        char hb[160];
        cat_ddl_error(x, pn_loc(rv), closest_table(x->c, rel, hb, sizeof hb),
                      "relation \"%s\" does not exist", rel);
        return;
    }
    if (!pn_bool(ts, "row") || !(pn_int(ts, "timing", 0) & TRIGGER_TIMING_BEFORE) ||
        !(pn_int(ts, "events", 0) & TRIGGER_EVENT_INSERT) || !name)
        return;
    size_t cap = t ? t->n_insert_triggers : 0;
    char *copy;
    if (!t || !cat_grow((void **)&t->insert_triggers, sizeof *t->insert_triggers, &cap,
                        t->n_insert_triggers + 1) ||
        !(copy = cat_xstrdup(name)))
        return;
    t->insert_triggers[t->n_insert_triggers++] = copy;
}

/* DROP TRIGGER name ON table: objects are [table..., name]. */
static void
drop_trigger(cat_ddl *x, const pnode *items)
{
    size_t n = pn_len(items);
    if (n < 2)
        return;
    const char *name = pn_sval(pn_at(items, n - 1));
    const char *rel = pn_sval(pn_at(items, n - 2));
    const char *schema = n >= 3 ? pn_sval(pn_at(items, n - 3)) : NULL;
    cat_table *t = rel ? catalog_table(x->c, schema, rel) : NULL;
    for (size_t k = 0; t && name && k < t->n_insert_triggers; k++) {
        if (strcmp(t->insert_triggers[k], name) != 0)
            continue;
        free(t->insert_triggers[k]);
        t->insert_triggers[k] = t->insert_triggers[--t->n_insert_triggers];
        return;
    }
}

static void
drop_objects(cat_ddl *x, const pnode *ds)
{
    const char *rt = pn_str(ds, "removeType");
    const pnode *objs = pn_list(ds, "objects");
    bool missing_ok = pn_bool(ds, "missing_ok");
    if (!rt)
        return;
    for (size_t i = 0; i < pn_len(objs); i++) {
        const pnode *o = pn_at(objs, i), *in;
        const char *schema = NULL, *name = NULL;
        if (!strcmp(rt, "OBJECT_TRIGGER")) {
            if (pn_is(o, "List", &in))
                drop_trigger(x, pn_list(in, "items"));
        } else if (!strcmp(rt, "OBJECT_TABLE") || !strcmp(rt, "OBJECT_VIEW") ||
            !strcmp(rt, "OBJECT_MATVIEW") || !strcmp(rt, "OBJECT_FOREIGN_TABLE")) {
            if (!pn_is(o, "List", &in) || !cat_split_names(pn_list(in, "items"), &schema, &name))
                continue;
            cat_table *t = catalog_table(x->c, schema, name);
            if (!t) {
                if (!missing_ok) {
                    char hb[160];
                    cat_ddl_error(x, -1, closest_table(x->c, name, hb, sizeof hb),
                                  "relation \"%s\" does not exist", name);
                }
                continue;
            }
            t->dropped = true;
            /* dropping a partitioned table drops its partitions */
            for (size_t k = 0; k < x->c->n_tables; k++) {
                cat_table *p = x->c->tables[k];
                if (!p->dropped && p->partition_of && !strcmp(p->partition_of, t->name))
                    p->dropped = true;
            }
        } else if (!strcmp(rt, "OBJECT_TYPE") || !strcmp(rt, "OBJECT_DOMAIN")) {
            const pnode *names = NULL;
            if (pn_is(o, "TypeName", &in))
                names = pn_list(in, "names");
            else if (pn_is(o, "List", &in))
                names = pn_list(in, "items");
            if (!cat_split_names(names, &schema, &name))
                continue;
            cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
            if (!u) {
                if (!missing_ok)
                    cat_ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
                continue;
            }
            u->dropped = true;
        } else if (!strcmp(rt, "OBJECT_FUNCTION") || !strcmp(rt, "OBJECT_PROCEDURE") ||
                   !strcmp(rt, "OBJECT_ROUTINE")) {
            if (!pn_is(o, "ObjectWithArgs", &in) ||
                !cat_split_names(pn_list(in, "objname"), &schema, &name))
                continue;
            int nargs = pn_bool(in, "args_unspecified") ? -1 : (int)pn_len(pn_list(in, "objargs"));
            cat_func *f = (cat_func *)catalog_func(x->c, schema, name, nargs);
            if (!f) {
                if (!missing_ok)
                    cat_ddl_error(x, -1, NULL, "function %s does not exist", name);
                continue;
            }
            f->dropped = true;
        } else if (!strcmp(rt, "OBJECT_SCHEMA")) {
            name = pn_sval(o);
            if (!name)
                continue;
            size_t k;
            for (k = 0; k < x->c->n_schemas; k++)
                if (!strcmp(x->c->schemas[k], name))
                    break;
            if (k == x->c->n_schemas) {
                if (!missing_ok)
                    cat_ddl_error(x, -1, NULL, "schema \"%s\" does not exist", name);
                continue;
            }
            free(x->c->schemas[k]);
            memmove(&x->c->schemas[k], &x->c->schemas[k + 1],
                    (x->c->n_schemas - k - 1) * sizeof(char *));
            x->c->n_schemas--;
            /* CASCADE (or an empty schema): everything in it goes */
            for (size_t t = 0; t < x->c->n_tables; t++)
                if (!strcmp(x->c->tables[t]->schema, name))
                    x->c->tables[t]->dropped = true;
            for (size_t t = 0; t < x->c->n_types; t++)
                if (!strcmp(x->c->types[t]->schema, name))
                    x->c->types[t]->dropped = true;
            for (size_t t = 0; t < x->c->n_funcs; t++)
                if (!strcmp(x->c->funcs[t]->schema, name))
                    x->c->funcs[t]->dropped = true;
        } else if (!strcmp(rt, "OBJECT_EXTENSION")) {
            name = pn_sval(o);
            for (size_t k = 0; name && k < x->c->n_extensions; k++) {
                if (!strcmp(x->c->extensions[k], name)) {
                    free(x->c->extensions[k]);
                    memmove(&x->c->extensions[k], &x->c->extensions[k + 1],
                            (x->c->n_extensions - k - 1) * sizeof(char *));
                    x->c->n_extensions--;
                    x->c->ext_mask &= ~pgc_extension_bit(name);
                    break;
                }
            }
        }
    }
}

static void
rename_object(cat_ddl *x, const pnode *rs)
{
    const char *rt = pn_str(rs, "renameType");
    const char *newname = pn_str(rs, "newname");
    if (!rt || !newname)
        return;
    const pnode *rv = pn_obj(rs, "relation");
    if (!strcmp(rt, "OBJECT_TABLE") || !strcmp(rt, "OBJECT_VIEW") ||
        !strcmp(rt, "OBJECT_MATVIEW")) {
        cat_table *t = need_table(x, rv, pn_bool(rs, "missing_ok"));
        if (!t)
            return;
        if (catalog_table(x->c, t->schema, newname)) {
            cat_ddl_error(x, pn_loc(rv), NULL, "relation \"%s\" already exists", newname);
            return;
        }
        char *old = t->name;
        char *nn = cat_xstrdup(newname);
        if (!nn)
            return;
        t->name = nn;
        for (size_t k = 0; k < x->c->n_tables; k++) {
            cat_table *p = x->c->tables[k];
            if (p->partition_of && !strcmp(p->partition_of, old))
                cat_xreplace(&p->partition_of, newname);
        }
        free(old);
        cat_hash_rebuild(x->c, x->c->hash_cap ? x->c->hash_cap : 64);
    } else if (!strcmp(rt, "OBJECT_COLUMN")) {
        cat_table *t = need_table(x, rv, pn_bool(rs, "missing_ok"));
        const char *old = pn_str(rs, "subname");
        if (!t || !old)
            return;
        cat_column *col = (cat_column *)catalog_column(t, old);
        if (!col) {
            char hb[160];
            cat_ddl_error(x, ddl_alter_col_loc(x, pn_loc(rv), old, pn_loc(rv)),
                          closest_column(t, old, hb, sizeof hb),
                          "column \"%s\" of relation \"%s\" does not exist", old, t->name);
            return;
        }
        if (catalog_column(t, newname)) {
            cat_ddl_error(x, pn_loc(rv), NULL, "column \"%s\" of relation \"%s\" already exists",
                          newname, t->name);
            return;
        }
        for (size_t p = 0; p < t->n_pk; p++) {
            if (!strcmp(t->pk[p], old))
                cat_xreplace(&t->pk[p], newname);
        }
        cat_xreplace(&col->name, newname);
    } else if (!strcmp(rt, "OBJECT_TYPE") || !strcmp(rt, "OBJECT_DOMAIN")) {
        const char *schema, *name;
        const pnode *obj = pn_get(rs, "object"), *in;
        const pnode *names = pn_is(obj, "List", &in) ? pn_list(in, "items") : NULL;
        if (!cat_split_names(names, &schema, &name))
            return;
        cat_utype *u = (cat_utype *)catalog_utype(x->c, schema, name);
        if (!u) {
            cat_ddl_error(x, -1, NULL, "type \"%s\" does not exist", name);
            return;
        }
        cat_xreplace(&u->name, newname);
    } else if (!strcmp(rt, "OBJECT_SCHEMA")) {
        const char *old = pn_str(rs, "subname");
        for (size_t k = 0; old && k < x->c->n_schemas; k++) {
            if (!strcmp(x->c->schemas[k], old)) {
                cat_xreplace(&x->c->schemas[k], newname);
                for (size_t t = 0; t < x->c->n_tables; t++)
                    if (!strcmp(x->c->tables[t]->schema, old))
                        cat_xreplace(&x->c->tables[t]->schema, newname);
                for (size_t t = 0; t < x->c->n_types; t++)
                    if (!strcmp(x->c->types[t]->schema, old))
                        cat_xreplace(&x->c->types[t]->schema, newname);
                cat_hash_rebuild(x->c, x->c->hash_cap ? x->c->hash_cap : 64);
            }
        }
    }
}

/* Column references in an index expression or predicate must name columns of t. */
static void
index_expr_columns(cat_ddl *x, const cat_table *t, const pnode *node, int depth)
{
    if (depth > 100)
        return;
    if (pn_is_array(node)) {
        for (size_t i = 0; i < pn_len(node); i++)
            index_expr_columns(x, t, pn_at(node, i), depth + 1);
        return;
    }
    if (!pn_is_object(node))
        return;
    const pnode *cref;
    if (pn_is(node, "ColumnRef", &cref)) {
        const pnode *fields = pn_list(cref, "fields");
        size_t nf = pn_len(fields);
        const char *name = nf ? pn_sval(pn_at(fields, nf - 1)) : NULL;
        const char *rel = nf == 2 ? pn_sval(pn_at(fields, 0)) : NULL;
        if (!name || nf > 2 || (rel && strcmp(rel, t->name) != 0) || catalog_column(t, name))
            return;
        char hb[160];
        cat_ddl_error(x, pn_loc(cref), closest_column(t, name, hb, sizeof hb),
                      "column \"%s\" does not exist", name);
        return;
    }
    for (size_t i = 0; i < pn_size(node); i++)
        index_expr_columns(x, t, pn_val_at(node, i), depth + 1);
}

/* The offset of the first identifier `name` after the first "(" at or after from (an index's
 * column list: IndexElem has no location), or fallback. */
static int
ddl_paren_ident_loc(cat_ddl *x, int from, const char *name, int fallback)
{
    const char *sql = x->st->sql;
    pn_tok t;
    size_t pos = from > 0 ? (size_t)from : 0;
    bool open = false;
    while (pn_next_token(sql, pos, &t)) {
        pos = t.end;
        if (!open)
            open = t.end == t.start + 1 && sql[t.start] == '(';
        else if (pn_tok_ident(sql, &t, name))
            return (int)t.start;
    }
    return fallback;
}

/* CREATE INDEX: indexes change nothing a query sees, but one on a relation or column that does
 * not exist would fail when the migration runs. */
static void
create_index(cat_ddl *x, const pnode *is)
{
    const pnode *rv = pn_obj(is, "relation");
    const cat_table *t = need_table(x, rv, false);
    if (!t)
        return;
    const char *lists[] = {"indexParams", "indexIncludingParams"};
    for (size_t l = 0; l < 2; l++) {
        const pnode *elems = pn_list(is, lists[l]), *ie;
        for (size_t i = 0; i < pn_len(elems); i++) {
            if (!pn_is(pn_at(elems, i), "IndexElem", &ie))
                continue;
            const char *name = pn_str(ie, "name");
            if (!name) {
                index_expr_columns(x, t, pn_get(ie, "expr"), 0);
                continue;
            }
            if (catalog_column(t, name))
                continue;
            char hb[160];
            cat_ddl_error(x, ddl_paren_ident_loc(x, pn_loc(rv), name, pn_loc(rv)),
                          closest_column(t, name, hb, sizeof hb), "column \"%s\" does not exist",
                          name);
        }
    }
    index_expr_columns(x, t, pn_get(is, "whereClause"), 0);
}

/* COMMENT ON TABLE/VIEW/COLUMN of an object that does not exist. The object name has no
 * location in the tree: it is found in the text after ON and the object kind's keywords. */
static void
comment_on(cat_ddl *x, const pnode *cs)
{
    const char *ot = pn_str(cs, "objtype");
    bool column = ot && !strcmp(ot, "OBJECT_COLUMN");
    if (!ot || (!column && strcmp(ot, "OBJECT_TABLE") != 0 && strcmp(ot, "OBJECT_VIEW") != 0 &&
                strcmp(ot, "OBJECT_MATVIEW") != 0 && strcmp(ot, "OBJECT_FOREIGN_TABLE") != 0))
        return;
    const pnode *obj, *items;
    if (!pn_is(pn_get(cs, "object"), "List", &obj) || !(items = pn_list(obj, "items")))
        return;
    size_t n = pn_len(items), nrel = column ? n - 1 : n;
    if (nrel < 1 || nrel > 2)
        return;
    const char *rel = pn_sval(pn_at(items, nrel - 1));
    const char *schema = nrel == 2 ? pn_sval(pn_at(items, 0)) : "public";
    const char *col = column ? pn_sval(pn_at(items, n - 1)) : NULL;
    if (!rel || !schema || (column && !col))
        return;
    /* The dotted name's parts: the first identifier after ON and the kind's keywords. */
    const char *sql = x->st->sql;
    int part[3] = {-1, -1, -1};
    pn_tok t;
    size_t pos = 0, np = 0;
    bool on = false;
    while (pn_next_token(sql, pos, &t)) {
        pos = t.end;
        if (!on) {
            on = pn_tok_word(sql, &t, "on");
            continue;
        }
        if (pn_tok_word(sql, &t, "table") || pn_tok_word(sql, &t, "column") ||
            pn_tok_word(sql, &t, "view") || pn_tok_word(sql, &t, "materialized") ||
            pn_tok_word(sql, &t, "foreign"))
            continue;
        while (np < 3 && t.ident) {
            part[np++] = (int)t.start;
            if (!pn_next_token(sql, t.end, &t) || sql[t.start] != '.' ||
                !pn_next_token(sql, t.end, &t))
                break;
        }
        break;
    }
    const cat_table *tab = catalog_table(x->c, schema, rel);
    if (!tab) {
        char hb[160];
        cat_ddl_error(x, nrel - 1 < np ? part[nrel - 1] : 0,
                      closest_table(x->c, rel, hb, sizeof hb), "relation \"%s\" does not exist",
                      rel);
        return;
    }
    if (column && !catalog_column(tab, col)) {
        char hb[160];
        cat_ddl_error(x, n - 1 < np ? part[n - 1] : 0, closest_column(tab, col, hb, sizeof hb),
                      "column \"%s\" of relation \"%s\" does not exist", col, tab->name);
    }
}

void
catalog_apply(catalog *c, const pnode *stmt, const src_stmt *st, diag_list *d)
{
    cat_ddl x = {c, st, d};
    const pnode *in;
    const char *k = pn_node(stmt, &in);
    if (!k || c->oom)
        return;
    cat_alloc_failed = false;
    if (pn_kind_is(k, "CreateStmt"))
        create_table(&x, in);
    else if (pn_kind_is(k, "AlterTableStmt"))
        alter_table(&x, in);
    else if (pn_kind_is(k, "DropStmt"))
        drop_objects(&x, in);
    else if (pn_kind_is(k, "RenameStmt"))
        rename_object(&x, in);
    else if (pn_kind_is(k, "CreateEnumStmt"))
        cat_create_enum(&x, in);
    else if (pn_kind_is(k, "AlterEnumStmt"))
        cat_alter_enum(&x, in);
    else if (pn_kind_is(k, "CompositeTypeStmt"))
        cat_create_composite(&x, in);
    else if (pn_kind_is(k, "CreateDomainStmt"))
        cat_create_domain(&x, in);
    else if (pn_kind_is(k, "AlterDomainStmt"))
        cat_alter_domain(&x, in);
    else if (pn_kind_is(k, "ViewStmt"))
        cat_create_view(&x, pn_obj(in, "view"), pn_get(in, "query"),
                        pn_list(in, "aliases"), pn_bool(in, "replace"), false, CAT_VIEW);
    else if (pn_kind_is(k, "CreateTableAsStmt")) {
        const pnode *into = pn_obj(in, "into");
        const char *ot = pn_str(in, "objtype");
        cat_rel_kind kind = ot && !strcmp(ot, "OBJECT_MATVIEW") ? CAT_MATVIEW : CAT_TABLE;
        cat_create_view(&x, pn_obj(into, "rel"), pn_get(in, "query"),
                        pn_list(into, "colNames"), false, pn_bool(in, "if_not_exists"), kind);
    } else if (pn_kind_is(k, "CreateFunctionStmt"))
        cat_create_function(&x, in);
    else if (pn_kind_is(k, "CreateSchemaStmt"))
        cat_create_schema(&x, in);
    else if (pn_kind_is(k, "CreateExtensionStmt"))
        cat_create_extension(&x, in);
    else if (pn_kind_is(k, "IndexStmt"))
        create_index(&x, in);
    else if (pn_kind_is(k, "CommentStmt"))
        comment_on(&x, in);
    else if (pn_kind_is(k, "CreateTrigStmt"))
        create_trigger(&x, in);
    /* everything else (grants, DO, seed data...) changes nothing a query can see */
    if (cat_alloc_failed)
        c->oom = true;
    cat_alloc_failed = false;
}
