/*
 * pgnode.c - type-checked accessors for libpg_query's JSON trees. Nothing here allocates;
 * everything tolerates malformed input, so a surprising tree gives a diagnostic upstream
 * instead of a crash. The A_Const integer bug (values <= 0 dropped) is worked around here.
 */
#include "pgnode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const json_t *
pn_obj(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

const json_t *
pn_list(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

const char *
pn_str(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long
pn_int(const json_t *obj, const char *key, long long def)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

bool
pn_bool(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_true(v);
}

int
pn_loc(const json_t *obj)
{
    long long l = pn_int(obj, "location", -1);
    return l < 0 || l > 0x7fffffff ? -1 : (int)l;
}

size_t
pn_len(const json_t *arr)
{
    return json_is_array(arr) ? json_array_size(arr) : 0;
}

const json_t *
pn_at(const json_t *arr, size_t i)
{
    return json_is_array(arr) ? json_array_get(arr, i) : NULL;
}

const char *
pn_node(const json_t *node, const json_t **inner)
{
    if (inner)
        *inner = NULL;
    if (!json_is_object(node) || json_object_size(node) != 1)
        return NULL;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)node, key, val) {
        if (!json_is_object(val))
            return NULL;
        if (inner)
            *inner = val;
        return key;
    }
    return NULL;
}

bool
pn_is(const json_t *node, const char *type, const json_t **inner)
{
    const json_t *in;
    const char *k = pn_node(node, &in);
    if (!k || strcmp(k, type) != 0)
        return false;
    if (inner)
        *inner = in;
    return true;
}

const char *
pn_sval(const json_t *node)
{
    const json_t *in;
    if (!pn_is(node, "String", &in))
        return NULL;
    const char *s = pn_str(in, "sval");
    return s ? s : ""; /* "" is dropped as a default */
}

const char *
pn_last_name(const json_t *names)
{
    size_t n = pn_len(names);
    return n ? pn_sval(pn_at(names, n - 1)) : NULL;
}

const char *
pn_child(const json_t *obj, const char *key, const json_t **inner)
{
    return pn_node(json_is_object(obj) ? json_object_get(obj, key) : NULL, inner);
}

/* Reads an integer literal from the source text (the JSON lost it). */
static bool
int_from_text(const char *sql, int loc, long long *out)
{
    if (!sql || loc < 0 || (size_t)loc >= strlen(sql))
        return false;
    const char *p = sql + loc;
    errno = 0;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno)
        return false;
    *out = v;
    return true;
}

pn_const_kind
pn_aconst(const json_t *c, const char *sql, long long *ival, const char **sval)
{
    *ival = 0;
    *sval = NULL;
    if (!json_is_object(c))
        return PN_CONST_BAD;
    if (pn_bool(c, "isnull"))
        return PN_CONST_NULL;
    const json_t *v;
    if ((v = pn_obj(c, "ival"))) {
        const json_t *i = json_object_get(v, "ival");
        if (json_is_integer(i)) {
            *ival = (long long)json_integer_value(i);
            return PN_CONST_INT;
        }
        long long t;
        if (int_from_text(sql, pn_loc(c), &t))
            *ival = t;
        return PN_CONST_INT;
    }
    if ((v = pn_obj(c, "fval"))) {
        const char *s = pn_str(v, "fval");
        *sval = s ? s : "0";
        /* Integers beyond int32 arrive as fval strings: int8 when they fit. */
        const char *p = *sval;
        if (*p == '-')
            p++;
        if (*p && strspn(p, "0123456789") == strlen(p)) {
            errno = 0;
            long long t = strtoll(*sval, NULL, 10);
            if (!errno) {
                *ival = t;
                return PN_CONST_INT;
            }
        }
        return PN_CONST_FLOAT;
    }
    if ((v = pn_obj(c, "sval"))) {
        const char *s = pn_str(v, "sval");
        *sval = s ? s : "";
        return PN_CONST_STR;
    }
    if ((v = pn_obj(c, "boolval"))) {
        *ival = pn_bool(v, "boolval");
        return PN_CONST_BOOL;
    }
    if ((v = pn_obj(c, "bsval"))) {
        const char *s = pn_str(v, "bsval");
        *sval = s ? s : "";
        return PN_CONST_BITSTR;
    }
    return PN_CONST_BAD;
}
