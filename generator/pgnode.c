/*
 * pgnode.c - type-checked accessors for libpg_query's JSON trees. Nothing here allocates;
 * everything tolerates malformed input, so a surprising tree gives a diagnostic upstream
 * instead of a crash. The A_Const integer bug (values <= 0 dropped) is worked around here,
 * and a small SQL token scanner recovers the locations some nodes do not carry.
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

/* === token scanner === */

static bool
pn_ident_char(unsigned char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
           (!first && ((c >= '0' && c <= '9') || c == '$'));
}

/* End of the quoted run starting at sql[i] == q ("" or '' doubled inside; backslash escapes
 * when esc), or the end of the text when it is unterminated. */
static size_t
pn_skip_quoted(const char *sql, size_t i, char q, bool esc)
{
    for (i++; sql[i]; i++) {
        if (esc && sql[i] == '\\' && sql[i + 1]) {
            i++;
        } else if (sql[i] == q) {
            if (sql[i + 1] != q)
                return i + 1;
            i++;
        }
    }
    return i;
}

bool
pn_next_token(const char *sql, size_t pos, pn_tok *t)
{
    size_t i = pos;
    for (;;) {
        while (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' ||
               sql[i] == '\f' || sql[i] == '\v')
            i++;
        if (sql[i] == '-' && sql[i + 1] == '-') {
            while (sql[i] && sql[i] != '\n')
                i++;
        } else if (sql[i] == '/' && sql[i + 1] == '*') {
            int depth = 0; /* PostgreSQL's block comments nest */
            while (sql[i]) {
                if (sql[i] == '/' && sql[i + 1] == '*') {
                    depth++;
                    i += 2;
                } else if (sql[i] == '*' && sql[i + 1] == '/') {
                    i += 2;
                    if (--depth == 0)
                        break;
                } else {
                    i++;
                }
            }
        } else {
            break;
        }
    }
    if (!sql[i])
        return false;
    unsigned char c = (unsigned char)sql[i];
    memset(t, 0, sizeof *t);
    t->start = i;
    if (c == '"') {
        t->end = pn_skip_quoted(sql, i, '"', false);
        t->ident = t->quoted = true;
    } else if (c == '\'') {
        t->end = pn_skip_quoted(sql, i, '\'', false);
    } else if ((c == 'E' || c == 'e') && sql[i + 1] == '\'') {
        t->end = pn_skip_quoted(sql, i + 1, '\'', true);
    } else if (c == '$' && (sql[i + 1] == '$' || pn_ident_char((unsigned char)sql[i + 1], true))) {
        /* $tag$ ... $tag$ */
        size_t k = i + 1;
        while (sql[k] && sql[k] != '$' && pn_ident_char((unsigned char)sql[k], false))
            k++;
        if (sql[k] != '$') {
            t->end = i + 1;
            return true;
        }
        size_t tag = k + 1 - i;
        const char *close = sql + k + 1;
        for (; *close; close++)
            if (*close == '$' && strncmp(close, sql + i, tag) == 0)
                break;
        t->end = *close ? (size_t)(close - sql) + tag : (size_t)(close - sql);
    } else if (pn_ident_char(c, true)) {
        size_t k = i + 1;
        while (pn_ident_char((unsigned char)sql[k], false))
            k++;
        t->end = k;
        t->ident = true;
    } else if (c >= '0' && c <= '9') {
        size_t k = i + 1;
        while (pn_ident_char((unsigned char)sql[k], false) || sql[k] == '.')
            k++;
        t->end = k;
    } else {
        t->end = i + 1;
    }
    return true;
}

bool
pn_tok_ident(const char *sql, const pn_tok *t, const char *name)
{
    if (!t->ident || !name)
        return false;
    const char *p = sql + t->start;
    size_t n = t->end - t->start;
    if (!t->quoted) {
        size_t k = 0;
        for (; k < n && name[k]; k++) {
            int a = (unsigned char)p[k];
            if (a >= 'A' && a <= 'Z')
                a += 32;
            if (a != (unsigned char)name[k])
                return false;
        }
        return k == n && !name[k];
    }
    /* "..." with "" standing for one quote; an unterminated one has no closing quote */
    size_t k = 1, j = 0;
    while (k < n) {
        if (p[k] == '"') {
            if (k + 1 < n && p[k + 1] == '"')
                k++;
            else
                break;
        }
        if (p[k] != name[j])
            return false;
        k++;
        j++;
    }
    return !name[j];
}

bool
pn_tok_word(const char *sql, const pn_tok *t, const char *word)
{
    return t->ident && !t->quoted && pn_tok_ident(sql, t, word);
}
