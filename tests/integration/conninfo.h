/*
 * conninfo.h - for integration tests that run in a database of their own: the connection
 * parameters of DATABASE_URL as libpq resolved them, with another dbname.
 */
#ifndef PQGEN_TEST_CONNINFO_H
#define PQGEN_TEST_CONNINFO_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Writes c's resolved connection parameters, with dbname replaced by dbname, as key=value
 * conninfo text into out (cap bytes). Returns false when it does not fit. */
static inline bool
test_conninfo_for(PGconn *c, const char *dbname, char *out, size_t cap)
{
    PQconninfoOption *opts = PQconninfo(c);
    size_t len = (size_t)snprintf(out, cap, "dbname=%s", dbname);

    for (PQconninfoOption *o = opts; o && o->keyword && len < cap; o++) {
        if (o->val == NULL || o->val[0] == '\0' || strcmp(o->keyword, "dbname") == 0)
            continue;
        len += (size_t)snprintf(out + len, cap - len, " %s='", o->keyword);
        for (const char *v = o->val; *v && len + 4 < cap; v++) {
            if (*v == '\'' || *v == '\\')
                out[len++] = '\\';
            out[len++] = *v;
        }
        if (len < cap)
            len += (size_t)snprintf(out + len, cap - len, "'");
    }
    PQconninfoFree(opts);
    return len < cap;
}

#endif
