/*
 * catalog_json.c - the catalog as the model's "catalog" object (schemas, extensions, tables
 * with columns and primary keys, enums, domains, composites, functions): the part of the
 * contract with emit.c that describes the schema. Out of memory gives NULL, not a hole.
 */
#include "catalog_int.h"

/* Set and append that record a failure (jansson's out of memory) in *ok; see model.c. */
static void
cj_set(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (json_object_set_new_nocheck(o, key, v) != 0) /* keys are ASCII literals */
        *ok = false;
}

static void
cj_append(json_t *a, json_t *v, bool *ok)
{
    if (json_array_append_new(a, v) != 0)
        *ok = false;
}

static void
type_fields(json_t *o, cat_tref t, bool with_oid, bool *ok)
{
    char buf[300];
    cat_tref_name(t, buf, sizeof buf);
    cj_set(o, "type", json_string(buf), ok);
    cj_set(o, "array_dims", json_integer(t.dims), ok);
    if (with_oid)
        cj_set(o, "oid", json_integer(cat_tref_oid(t)), ok);
}

json_t *
catalog_to_json(const catalog *c)
{
    bool ok = true;
    json_t *root = json_object();
    json_t *schemas = json_array(), *exts = json_array(), *tables = json_array();
    json_t *enums = json_array(), *domains = json_array(), *comps = json_array();
    json_t *funcs = json_array();
    for (size_t i = 0; i < c->n_schemas; i++)
        cj_append(schemas, json_string(c->schemas[i]), &ok);
    for (size_t i = 0; i < c->n_extensions; i++)
        cj_append(exts, json_string(c->extensions[i]), &ok);
    for (size_t i = 0; i < c->n_tables; i++) {
        const cat_table *t = c->tables[i];
        if (t->dropped)
            continue;
        json_t *o = json_object();
        cj_set(o, "schema", json_string(t->schema), &ok);
        cj_set(o, "name", json_string(t->name), &ok);
        const char *kind = t->kind == CAT_VIEW      ? "view"
                           : t->kind == CAT_MATVIEW ? "materialized_view"
                                                    : "table";
        cj_set(o, "kind", json_string(kind), &ok);
        cj_set(o, "partitioned", json_boolean(t->partitioned), &ok);
        cj_set(o, "partition_of", t->partition_of ? json_string(t->partition_of) : json_null(),
               &ok);
        json_t *pk = json_array();
        for (size_t k = 0; k < t->n_pk; k++)
            cj_append(pk, json_string(t->pk[k]), &ok);
        cj_set(o, "primary_key", pk, &ok);
        json_t *cols = json_array();
        for (size_t k = 0; k < t->n_cols; k++) {
            json_t *co = json_object();
            cj_set(co, "name", json_string(t->cols[k].name), &ok);
            type_fields(co, t->cols[k].type, false, &ok);
            cj_set(co, "not_null", json_boolean(t->cols[k].not_null), &ok);
            cj_set(co, "has_default", json_boolean(t->cols[k].has_default), &ok);
            cj_set(co, "oid", json_integer(cat_tref_oid(t->cols[k].type)), &ok);
            cj_append(cols, co, &ok);
        }
        cj_set(o, "columns", cols, &ok);
        cj_append(tables, o, &ok);
    }
    for (size_t i = 0; i < c->n_types; i++) {
        const cat_utype *u = c->types[i];
        if (u->dropped)
            continue;
        json_t *o = json_object();
        cj_set(o, "schema", json_string(u->schema), &ok);
        cj_set(o, "name", json_string(u->name), &ok);
        if (u->kind == CAT_ENUM) {
            json_t *vals = json_array();
            for (size_t k = 0; k < u->n_values; k++)
                cj_append(vals, json_string(u->values[k]), &ok);
            cj_set(o, "values", vals, &ok);
            cj_append(enums, o, &ok);
        } else if (u->kind == CAT_DOMAIN) {
            type_fields(o, u->base, false, &ok);
            cj_set(o, "not_null", json_boolean(u->not_null), &ok);
            cj_set(o, "oid", json_integer(cat_tref_oid(u->base)), &ok);
            cj_append(domains, o, &ok);
        } else {
            json_t *cols = json_array();
            for (size_t k = 0; k < u->n_cols; k++) {
                json_t *co = json_object();
                cj_set(co, "name", json_string(u->cols[k].name), &ok);
                type_fields(co, u->cols[k].type, true, &ok);
                cj_append(cols, co, &ok);
            }
            cj_set(o, "columns", cols, &ok);
            cj_append(comps, o, &ok);
        }
    }
    for (size_t i = 0; i < c->n_funcs; i++) {
        const cat_func *f = c->funcs[i];
        if (f->dropped)
            continue;
        json_t *o = json_object();
        cj_set(o, "schema", json_string(f->schema), &ok);
        cj_set(o, "name", json_string(f->name), &ok);
        json_t *args = json_array();
        for (size_t k = 0; k < f->n_args; k++) {
            json_t *a = json_object();
            cj_set(a, "name", json_string(f->args[k].name), &ok);
            type_fields(a, f->args[k].type, false, &ok);
            cj_append(args, a, &ok);
        }
        cj_set(o, "args", args, &ok);
        json_t *ret = json_object();
        type_fields(ret, f->ret, false, &ok);
        cj_set(o, "returns", ret, &ok);
        cj_set(o, "setof", json_boolean(f->setof), &ok);
        if (f->n_cols) {
            json_t *cols = json_array();
            for (size_t k = 0; k < f->n_cols; k++) {
                json_t *co = json_object();
                cj_set(co, "name", json_string(f->cols[k].name), &ok);
                type_fields(co, f->cols[k].type, false, &ok);
                cj_append(cols, co, &ok);
            }
            cj_set(o, "columns", cols, &ok);
        } else {
            cj_set(o, "columns", json_null(), &ok);
        }
        cj_append(funcs, o, &ok);
    }
    cj_set(root, "schemas", schemas, &ok);
    cj_set(root, "extensions", exts, &ok);
    cj_set(root, "tables", tables, &ok);
    cj_set(root, "enums", enums, &ok);
    cj_set(root, "domains", domains, &ok);
    cj_set(root, "composites", comps, &ok);
    cj_set(root, "functions", funcs, &ok);
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}
