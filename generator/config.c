/*
 * config.c - loads and validates pqgen.json. Every problem is reported (not just the first),
 * each naming the key it is about, with a "did you mean" hint for misspelt keys. It checks the
 * shape of "overrides" only; what the types mean is emit.c's business, and "vet" is vet.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source.h"

static const char *const cfg_top_keys[] = {
    "version", "schema", "queries", "out", "prefix", "templates", "overrides", "emit", "vet",
};
static const char *const cfg_emit_keys[] = {"interface", "json"};
static const char *const cfg_override_keys[] = {"db_type", "column", "c_type", "codec",
                                                "nullable"};

#define CFG_N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct cfg_ctx {
    diag_list *d;
    const char *label; /* the config file's name as diagnostics show it */
    int errors;
} cfg_ctx;

static void
cfg_error(cfg_ctx *c, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
cfg_error(cfg_ctx *c, const char *hint, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add_at(c->d, DIAG_ERROR, c->label, hint, "%s", msg);
    c->errors++;
}

static void
cfg_unknown_key(cfg_ctx *c, const char *where, const char *key, const char *const *known,
                size_t n)
{
    const char *close = diag_closest(key, known, n);
    char hint[256];
    if (close)
        snprintf(hint, sizeof hint, "did you mean \"%s\"?", close);
    else {
        size_t k = (size_t)snprintf(hint, sizeof hint, "the keys are");
        for (size_t i = 0; i < n && k < sizeof hint; i++)
            k += (size_t)snprintf(hint + k, sizeof hint - k, "%s \"%s\"", i ? "," : "",
                                  known[i]);
    }
    cfg_error(c, hint, "key \"%s%s\" is unknown", where, key);
}

static bool
cfg_known(const char *key, const char *const *known, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, known[i]) == 0)
            return true;
    return false;
}

static bool
cfg_is_c_ident(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* "schema"/"queries": a string or an array of strings, each an existing file or folder. */
static void
cfg_paths(cfg_ctx *c, config *cfg, const char *key, char ***out, size_t *n_out)
{
    json_t *v = json_object_get(cfg->raw, key);
    if (!v) {
        char hint[64];
        snprintf(hint, sizeof hint, "add \"%s\": [\"%s\"]", key, key);
        cfg_error(c, hint, "key \"%s\" is missing", key);
        return;
    }
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    bool ok = json_is_string(v) || json_is_array(v);
    for (size_t i = 0; ok && json_is_array(v) && i < n; i++)
        ok = json_is_string(json_array_get(v, i));
    if (!ok) {
        cfg_error(c, NULL, "\"%s\" must be a string or an array of strings", key);
        return;
    }
    if (n == 0) {
        cfg_error(c, NULL, "\"%s\" must list at least one file or folder", key);
        return;
    }
    char **paths = calloc(n, sizeof *paths);
    if (!paths) {
        cfg_error(c, NULL, "out of memory");
        return;
    }
    *out = paths;
    for (size_t i = 0; i < n; i++) {
        const char *p = json_string_value(json_is_array(v) ? json_array_get(v, i) : v);
        if (!*p) {
            cfg_error(c, NULL, "\"%s\" has an empty path", key);
            continue;
        }
        paths[*n_out] = strdup(p);
        if (!paths[*n_out]) {
            cfg_error(c, NULL, "out of memory");
            return;
        }
        (*n_out)++;
        char *full = source_path_join(cfg->dir, p);
        struct stat st;
        if (!full)
            cfg_error(c, NULL, "out of memory");
        else if (stat(full, &st) < 0)
            cfg_error(c, NULL, "\"%s\" path \"%s\" does not exist", key, p);
        free(full);
    }
}

static void
cfg_string(cfg_ctx *c, json_t *root, const char *key, const char *dflt, bool nullable,
           char **out)
{
    json_t *v = json_object_get(root, key);
    if (!v || (nullable && json_is_null(v))) {
        if (dflt && !(*out = strdup(dflt)))
            cfg_error(c, NULL, "out of memory");
        return;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        cfg_error(c, NULL, "\"%s\" must be a non-empty string%s", key, nullable ? " or null" : "");
        return;
    }
    if (!(*out = strdup(json_string_value(v))))
        cfg_error(c, NULL, "out of memory");
}

static void
cfg_overrides(cfg_ctx *c, config *cfg)
{
    json_t *v = json_object_get(cfg->raw, "overrides");
    if (!v || json_is_null(v))
        return;
    if (!json_is_array(v)) {
        cfg_error(c, NULL, "\"overrides\" must be an array");
        return;
    }
    size_t i;
    json_t *o;
    json_array_foreach(v, i, o) {
        if (!json_is_object(o)) {
            cfg_error(c, NULL, "\"overrides[%zu]\" must be an object", i);
            continue;
        }
        const char *key;
        json_t *val;
        char where[48];
        snprintf(where, sizeof where, "overrides[%zu].", i);
        json_object_foreach(o, key, val) {
            if (!cfg_known(key, cfg_override_keys, CFG_N(cfg_override_keys)))
                cfg_unknown_key(c, where, key, cfg_override_keys, CFG_N(cfg_override_keys));
        }
        json_t *dbt = json_object_get(o, "db_type"), *col = json_object_get(o, "column");
        if (!dbt == !col)
            cfg_error(c, "e.g. {\"db_type\": \"jsonb\", ...} or {\"column\": \"users.meta\", ...}",
                      "\"overrides[%zu]\" must have exactly one of \"db_type\" and \"column\"", i);
        if (dbt && (!json_is_string(dbt) || json_string_length(dbt) == 0))
            cfg_error(c, NULL, "\"overrides[%zu].db_type\" must be a non-empty string", i);
        if (col) {
            const char *s = json_string_value(col);
            bool ok = s != NULL;
            int dots = 0;
            if (ok) {
                /* "table.column" or "schema.table.column", no empty part */
                const char *p = s;
                ok = *p && *p != '.';
                for (; ok && *p; p++) {
                    if (*p == '.') {
                        dots++;
                        ok = p[1] && p[1] != '.';
                    }
                }
                ok = ok && (dots == 1 || dots == 2);
            }
            if (!ok)
                cfg_error(c, "e.g. \"messages.metadata\"",
                          "\"overrides[%zu].column\" must be a string \"table.column\"", i);
        }
        json_t *ct = json_object_get(o, "c_type");
        if (!ct)
            cfg_error(c, NULL, "\"overrides[%zu]\" is missing \"c_type\"", i);
        else if (!json_is_string(ct) || json_string_length(ct) == 0)
            cfg_error(c, NULL, "\"overrides[%zu].c_type\" must be a non-empty string", i);
        json_t *codec = json_object_get(o, "codec");
        if (codec && (!json_is_string(codec) || json_string_length(codec) == 0))
            cfg_error(c, NULL, "\"overrides[%zu].codec\" must be a non-empty string", i);
        json_t *nb = json_object_get(o, "nullable");
        if (nb && !json_is_boolean(nb))
            cfg_error(c, NULL, "\"overrides[%zu].nullable\" must be true or false", i);
    }
    cfg->overrides = v;
}

static void
cfg_emit(cfg_ctx *c, config *cfg)
{
    json_t *v = json_object_get(cfg->raw, "emit");
    if (!v)
        return;
    if (!json_is_object(v)) {
        cfg_error(c, NULL, "\"emit\" must be an object");
        return;
    }
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (!cfg_known(key, cfg_emit_keys, CFG_N(cfg_emit_keys))) {
            cfg_unknown_key(c, "emit.", key, cfg_emit_keys, CFG_N(cfg_emit_keys));
            continue;
        }
        if (!json_is_boolean(val)) {
            cfg_error(c, NULL, "\"emit.%s\" must be true or false", key);
            continue;
        }
        if (strcmp(key, "interface") == 0)
            cfg->emit_interface = json_is_true(val);
        else
            cfg->emit_json = json_is_true(val);
    }
}

/* The last component of path. Caller owns; release with free(). NULL on out of memory. */
static char *
cfg_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return strdup(s && s[1] ? s + 1 : path);
}

/* The folder of path ("." when it has none). Caller owns; release with free(). NULL on out of
 * memory. */
static char *
cfg_dirname(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return strdup(".");
    if (s == path)
        return strdup("/");
    char *r = malloc((size_t)(s - path) + 1);
    if (r) {
        memcpy(r, path, (size_t)(s - path));
        r[s - path] = '\0';
    }
    return r;
}

int
config_load(const char *path, config *out, diag_list *d)
{
    memset(out, 0, sizeof *out);
    char *label = cfg_basename(path);
    cfg_ctx c = {.d = d, .label = label ? label : path};
    out->path = strdup(path);
    out->dir = cfg_dirname(path);
    if (!out->path || !out->dir || !label) {
        cfg_error(&c, NULL, "out of memory");
        goto done;
    }
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        cfg_error(&c, e == ENOENT ? "run \"pqgen init\" to create one, or pass -f PATH" : NULL,
                  "cannot read: %s", strerror(e));
        goto done;
    }
    json_error_t err;
    out->raw = json_loadf(fp, JSON_REJECT_DUPLICATES, &err);
    fclose(fp);
    if (!out->raw) {
        char where[512];
        snprintf(where, sizeof where, "%s:%d:%d", c.label, err.line, err.column);
        diag_add_at(d, DIAG_ERROR, where, NULL, "invalid JSON: %s", err.text);
        c.errors++;
        goto done;
    }
    if (!json_is_object(out->raw)) {
        cfg_error(&c, NULL, "the document must be a JSON object");
        goto done;
    }
    const char *key;
    json_t *val;
    json_object_foreach(out->raw, key, val) {
        if (!cfg_known(key, cfg_top_keys, CFG_N(cfg_top_keys)))
            cfg_unknown_key(&c, "", key, cfg_top_keys, CFG_N(cfg_top_keys));
    }
    json_t *ver = json_object_get(out->raw, "version");
    if (!ver)
        cfg_error(&c, "add \"version\": 1", "key \"version\" is missing");
    else if (!json_is_integer(ver) || json_integer_value(ver) != 1)
        cfg_error(&c, NULL, "\"version\" must be 1");
    else
        out->version = 1;
    cfg_paths(&c, out, "schema", &out->schema, &out->n_schema);
    cfg_paths(&c, out, "queries", &out->queries, &out->n_queries);
    cfg_string(&c, out->raw, "out", "generated", false, &out->out);
    json_t *pv = json_object_get(out->raw, "prefix");
    if (pv && !json_is_string(pv)) {
        cfg_error(&c, NULL, "\"prefix\" must be a string");
    } else {
        cfg_string(&c, out->raw, "prefix", "db", false, &out->prefix);
        if (out->prefix && !cfg_is_c_ident(out->prefix))
            cfg_error(&c, "use letters, digits and underscores, e.g. \"db\"",
                      "\"prefix\" must be a C identifier, not \"%s\"", out->prefix);
    }
    cfg_string(&c, out->raw, "templates", NULL, true, &out->templates);
    cfg_overrides(&c, out);
    if (!out->overrides) {
        /* Always an array, so emit never checks for NULL; owned by raw like the rest. */
        json_t *empty = json_array();
        if (!empty || json_object_set_new(out->raw, "overrides", empty) < 0)
            cfg_error(&c, NULL, "out of memory");
        else
            out->overrides = empty;
    }
    cfg_emit(&c, out);
    json_t *vet = json_object_get(out->raw, "vet");
    if (vet && !json_is_object(vet))
        cfg_error(&c, NULL, "\"vet\" must be an object");
    else
        out->vet = vet;
done:
    free(label);
    if (c.errors) {
        config_free(out);
        return -1;
    }
    return 0;
}

void
config_free(config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->dir);
    for (size_t i = 0; i < c->n_schema; i++)
        free(c->schema[i]);
    free(c->schema);
    for (size_t i = 0; i < c->n_queries; i++)
        free(c->queries[i]);
    free(c->queries);
    free(c->out);
    free(c->prefix);
    free(c->templates);
    json_decref(c->raw);
    memset(c, 0, sizeof *c);
}
