/*
 * analyze_colref.c - column references: resolving a, t.a and t.* against the FROM items in
 * scope (inner scopes first, then outer ones), system columns, whole-row references, and the
 * errors with their hints (did you mean, the alias a table has, the qualified names an
 * ambiguous column could mean). A relation already reported missing keeps lookups that may
 * mean it silent. The FROM items themselves are built by analyze_select.c.
 */
#include "analyze_int.h"

#include <string.h>

#include "pgcatalog.h"

rte *
an_find_rte(scope *sc, const char *alias, bool this_level_only)
{
    for (scope *s = sc; s; s = s->parent) {
        for (size_t i = 0; i < s->n; i++)
            if (s->r[i]->alias && !strcmp(s->r[i]->alias, alias))
                return s->r[i];
        if (this_level_only)
            break;
    }
    return NULL;
}

/* Candidates for "did you mean": the columns visible from sc. */
static const char *
closest_col(actx *c, scope *sc, const rte *only, const char *name)
{
    size_t n = 0, cap = 0;
    const char **cands = NULL;
    for (scope *s = sc; s; s = s->parent) {
        for (size_t i = 0; i < s->n; i++) {
            const rte *r = s->r[i];
            if (only && r != only)
                continue;
            for (size_t k = 0; k < r->n; k++) {
                cands = an_grow(&c->ar, cands, sizeof *cands, &cap, n + 1);
                cands[n++] = r->cols[k].name;
            }
        }
        if (only)
            break;
    }
    const char *best = diag_closest(name, cands, n);
    return best ? an_printf(&c->ar, "did you mean \"%s\"?", best) : NULL;
}

const char *
an_closest_rel(actx *c, scope *sc, const char *name, bool tables)
{
    size_t n = 0, cap = 0;
    const char **cands = NULL;
    for (scope *s = sc; s; s = s->parent) {
        for (size_t i = 0; !tables && i < s->n; i++) {
            if (!s->r[i]->alias)
                continue;
            cands = an_grow(&c->ar, cands, sizeof *cands, &cap, n + 1);
            cands[n++] = s->r[i]->alias;
        }
        for (size_t i = 0; tables && i < s->nctes; i++) {
            cands = an_grow(&c->ar, cands, sizeof *cands, &cap, n + 1);
            cands[n++] = s->ctes[i]->name;
        }
    }
    for (size_t i = 0; tables && i < c->cat->n_tables; i++) {
        if (c->cat->tables[i]->dropped)
            continue;
        cands = an_grow(&c->ar, cands, sizeof *cands, &cap, n + 1);
        cands[n++] = c->cat->tables[i]->name;
    }
    const char *best = diag_closest(name, cands, n);
    return best ? an_printf(&c->ar, "did you mean \"%s\"?", best) : NULL;
}

/* The hint for a qualifier that names no FROM item: the alias of the table it names (FROM
 * messages m ... messages.id), as PostgreSQL suggests, else the closest alias. */
const char *
an_alias_hint(actx *c, scope *sc, const char *alias, const char *colname)
{
    for (scope *s = sc; s; s = s->parent)
        for (size_t i = 0; i < s->n; i++)
            if (s->r[i]->rel && s->r[i]->alias && !strcmp(s->r[i]->rel->name, alias))
                return an_printf(&c->ar, "table \"%s\" has the alias \"%s\" in this query: "
                                 "write %s.%s", alias, s->r[i]->alias, s->r[i]->alias,
                                 colname ? colname : "*");
    return an_closest_rel(c, sc, alias, false);
}

/* The ambiguity hint: the qualified names the column could mean. */
static const char *
ambiguous_hint(actx *c, const scope *s, const char *colname)
{
    const char *list = NULL;
    int n = 0;
    for (size_t i = 0; i < s->n && n < 4; i++) {
        const rte *r = s->r[i];
        for (size_t k = 0; k < r->n; k++) {
            if (r->cols[k].hidden || strcmp(r->cols[k].name, colname) != 0 || !r->alias)
                continue;
            list = list ? an_printf(&c->ar, "%s or %s.%s", list, r->alias, colname)
                        : an_printf(&c->ar, "%s.%s", r->alias, colname);
            n++;
            break;
        }
    }
    return n >= 2 ? an_printf(&c->ar, "qualify it: %s", list)
                  : "qualify it with a table name or alias";
}

/* System columns every table has (xmin, xmax...): name -> type id, or 0. */
static uint32_t
system_column(const char *name)
{
    static const struct {
        const char *name;
        uint32_t id;
    } sys[] = {
        {"ctid", 27u}, {"xmin", 28u}, {"xmax", 28u}, {"cmin", 29u}, {"cmax", 29u},
        {"tableoid", PGC_OID},
    };
    for (size_t i = 0; i < sizeof sys / sizeof *sys; i++)
        if (!strcmp(name, sys[i].name))
            return sys[i].id;
    return 0;
}

static void
col_val(aval *out, const rcol *col)
{
    memset(out, 0, sizeof *out);
    out->t = col->t;
    out->nullable = col->nullable;
    out->col = col->name;
    out->table = col->table;
    out->where_not_null = col->where_not_null;
}

/* Whether a relation that does not exist is visible from sc. */
static bool
unknown_in_scope(const scope *sc)
{
    for (const scope *s = sc; s; s = s->parent)
        for (size_t i = 0; i < s->n; i++)
            if (s->r[i]->unknown)
                return true;
    return false;
}

bool
an_colref(actx *c, scope *sc, const pnode *cref, aval *out)
{
    const pnode *fields = pn_list(cref, "fields");
    size_t nf = pn_len(fields);
    int loc = pn_loc(cref);
    memset(out, 0, sizeof *out);
    if (nf == 0) {
        an_error(c, loc, NULL, "malformed column reference");
        return false;
    }
    bool star = pn_is(pn_at(fields, nf - 1), "A_Star", NULL);
    const char *colname = star ? NULL : pn_sval(pn_at(fields, nf - 1));
    if (!star && !colname) {
        an_error(c, loc, NULL, "malformed column reference");
        return false;
    }
    if (nf == 1 && star) {
        out->t = cat_tref_builtin(PGC_RECORD);
        return true;
    }
    if (nf == 1) {
        for (scope *s = sc; s; s = s->parent) {
            const rcol *found = NULL;
            int matches = 0;
            for (size_t i = 0; i < s->n; i++) {
                const rte *r = s->r[i];
                for (size_t k = 0; k < r->n; k++) {
                    if (!r->cols[k].hidden && !strcmp(r->cols[k].name, colname)) {
                        if (!found)
                            found = &r->cols[k];
                        matches++;
                    }
                }
            }
            if (matches > 1) {
                an_error(c, loc, ambiguous_hint(c, s, colname),
                         "column reference \"%s\" is ambiguous", colname);
                return false;
            }
            if (found) {
                col_val(out, found);
                return true;
            }
        }
        uint32_t sys = system_column(colname);
        for (scope *s = sc; sys && s; s = s->parent) {
            for (size_t i = 0; i < s->n; i++) {
                if (s->r[i]->rel && s->r[i]->rel->kind != CAT_VIEW) {
                    out->t = cat_tref_builtin(sys);
                    return true;
                }
            }
        }
        /* a whole-row reference to a table alias */
        rte *r = an_find_rte(sc, colname, false);
        if (r) {
            out->t = cat_tref_builtin(PGC_RECORD);
            return true;
        }
        if (unknown_in_scope(sc))
            return false; /* it may be a column of the relation already reported missing */
        if (sc && sc->n == 1 && sc->r[0]->alias)
            an_error(c, loc, closest_col(c, sc, NULL, colname),
                     "column \"%s\" does not exist in table \"%s\"", colname,
                     sc->r[0]->rel ? sc->r[0]->rel->name : sc->r[0]->alias);
        else
            an_error(c, loc, closest_col(c, sc, NULL, colname), "column \"%s\" does not exist",
                     colname);
        return false;
    }
    const char *alias = pn_sval(pn_at(fields, nf - 2));
    if (!alias) {
        an_error(c, loc, NULL, "malformed column reference");
        return false;
    }
    rte *r = an_find_rte(sc, alias, false);
    if (!r) {
        an_error(c, loc, an_alias_hint(c, sc, alias, colname),
                 "missing FROM-clause entry for table \"%s\"", alias);
        return false;
    }
    if (star) {
        out->t = cat_tref_builtin(PGC_RECORD);
        return true;
    }
    if (r->unknown)
        return false; /* the relation was reported missing; its columns are unknown */
    for (size_t k = 0; k < r->n; k++) {
        if (!strcmp(r->cols[k].name, colname)) {
            col_val(out, &r->cols[k]);
            return true;
        }
    }
    if (r->rel && r->rel->kind != CAT_VIEW && system_column(colname)) {
        out->t = cat_tref_builtin(system_column(colname));
        return true;
    }
    an_error(c, loc, closest_col(c, sc, r, colname), "column \"%s\" does not exist in table "
             "\"%s\"", colname, r->rel ? r->rel->name : alias);
    return false;
}
