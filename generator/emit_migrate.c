/*
 * emit_migrate.c - the migrations that generated code embeds (migrations.c): reads the config's
 * schema paths again, pairs golang-migrate NNNN_name.up.sql / .down.sql files, splits goose
 * ("-- +goose Up/Down") and dbmate ("-- migrate:up/down") files into their up and down parts,
 * and takes a plain .sql file as an up migration. Each gets a hex SHA-256 of its up SQL, and
 * one that asks to run outside a transaction gets its statements one by one.
 */
#include "emit_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pg_query.h>

#include "pqg_sha256.h"
#include "source.h"

/* path as written relative to the config's folder dir (absolute paths stay). Borrowed from
 * path. */
static const char *
shown_path(const char *dir, const char *path)
{
    size_t n = dir ? strlen(dir) : 0;
    if (n && strncmp(path, dir, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

static bool
has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the .sql files of path (a file or a folder) to *list, sorted by name. */
static int
collect(const char *path, char ***list, size_t *n)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    size_t first = *n;

    if (stat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        char **l = realloc(*list, (*n + 1) * sizeof **list);
        if (!l)
            return -1;
        *list = l;
        l[(*n)++] = strdup(path);
        return 0;
    }
    d = opendir(path);
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        char **l;
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, ".sql"))
            continue;
        l = realloc(*list, (*n + 1) * sizeof **list);
        if (!l) {
            closedir(d);
            return -1;
        }
        *list = l;
        l[(*n)++] = source_path_join(path, e->d_name);
    }
    closedir(d);
    if (*n > first)
        qsort(*list + first, *n - first, sizeof **list, cmp_str);
    return 0;
}

/* Splits text at marker lines: returns malloc'd copies of the up and down parts (down NULL
 * when the file has no down marker). Returns false when the file has no up marker. */
static bool
split_marked(const char *text, const char *up_marker, const char *down_marker, char **up,
             char **down)
{
    const char *u = strstr(text, up_marker), *dn, *ue, *de;
    if (!u)
        return false;
    ue = strchr(u, '\n');
    ue = ue ? ue + 1 : u + strlen(u);
    dn = strstr(ue, down_marker);
    *up = strndup(ue, dn ? (size_t)(dn - ue) : strlen(ue));
    if (dn) {
        de = strchr(dn, '\n');
        de = de ? de + 1 : dn + strlen(dn);
        *down = strdup(de);
    } else {
        *down = NULL;
    }
    return true;
}

/* Whether text has a line asking to run outside a transaction: goose's "-- +goose NO
 * TRANSACTION" or "-- pqgen:no-transaction" (any format); with marker, only that marker's own
 * line counts, when it says "transaction:false" (dbmate's "-- migrate:up transaction:false"). */
static bool
no_transaction(const char *text, const char *marker)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        while (n > 0 && isspace((unsigned char)l[n - 1]))
            n--;
        if (marker) {
            if (strncmp(l, marker, strlen(marker)) == 0 && memmem(l, n, "transaction:false", 17))
                return true;
        } else if ((n == 24 && strncmp(l, "-- +goose NO TRANSACTION", 24) == 0) ||
                   (n == 23 && strncmp(l, "-- pqgen:no-transaction", 23) == 0)) {
            return true;
        }
    }
    return false;
}

/* sql split into statements, as {"items": [{"lines": c string lines}]} for a NULL-terminated
 * array of statements; null when sql is NULL. Errors go to cx. Borrowed from cx->a. */
static tv *
statements_of(emit_ctx *cx, const char *file, const char *sql)
{
    tv *o, *items;
    PgQuerySplitResult r;
    if (!sql)
        return tv_null();
    r = pg_query_split_with_scanner(sql);
    if (r.error) {
        emit_error(cx, NULL, "%s: cannot split the migration into statements: %s", file,
                   r.error->message);
        pg_query_free_split_result(r);
        return tv_null();
    }
    o = tv_obj(cx->a);
    items = tv_arr(cx->a);
    for (int i = 0; i < r.n_stmts; i++) {
        const char *s = sql + r.stmts[i]->stmt_location;
        size_t n = (size_t)r.stmts[i]->stmt_len;
        char *one;
        while (n > 0 && isspace((unsigned char)*s))
            s++, n--;
        if (n == 0 || !(one = strndup(s, n)))
            continue;
        tv *it = tv_obj(cx->a);
        tv_set(it, "lines", emit_c_string_lines(cx->a, one));
        tv_push(items, it);
        free(one);
    }
    pg_query_free_split_result(r);
    tv_set(o, "items", items);
    return o;
}

static int
cmp_version(const void *a, const void *b)
{
    long long x = tv_ival(tv_get(*(tv *const *)a, "version"));
    long long y = tv_ival(tv_get(*(tv *const *)b, "version"));
    return x < y ? -1 : x > y;
}

tv *
emit_migrations(emit_ctx *cx)
{
    char **files = NULL;
    size_t n = 0, i, ordinal = 0;
    tv *out = tv_arr(cx->a);
    json_t *seen = json_object();
    tv **sorted;

    for (i = 0; i < cx->cfg->n_schema; i++) {
        char *p = source_path_join(cx->cfg->dir, cx->cfg->schema[i]);
        if (!p || collect(p, &files, &n) != 0)
            emit_error(cx, NULL, "%s: cannot read schema path: %s", cx->cfg->schema[i],
                       strerror(errno));
        free(p);
    }
    for (i = 0; i < n; i++) {
        const char *base = strrchr(files[i], '/');
        char *text, *up = NULL, *down = NULL, *name, *whole, hex[65], key[32];
        const char *s;
        json_int_t version = 0;
        bool digits;
        size_t stem;
        emit_sb lit = {0};
        tv *m;

        base = base ? base + 1 : files[i];
        if (has_suffix(base, ".down.sql"))
            continue;
        ordinal++;
        text = emit_read_text(files[i]);
        if (!text) {
            emit_error(cx, NULL, "%s: cannot read migration: %s", files[i], strerror(errno));
            continue;
        }
        if (has_suffix(base, ".up.sql")) {
            size_t len = strlen(files[i]);
            char *down_path = malloc(len + 3);
            if (down_path) {
                memcpy(down_path, files[i], len - 7);
                strcpy(down_path + len - 7, ".down.sql");
                down = emit_read_text(down_path);
                free(down_path);
            }
            up = text;
            text = NULL;
            stem = strlen(base) - 7;
        } else {
            if (!split_marked(text, "-- +goose Up", "-- +goose Down", &up, &down) &&
                !split_marked(text, "-- migrate:up", "-- migrate:down", &up, &down)) {
                up = text;
                text = NULL;
            }
            stem = strlen(base) - 4;
        }
        whole = text;
        digits = isdigit((unsigned char)base[0]);
        for (s = base; isdigit((unsigned char)*s) && (size_t)(s - base) < stem; s++)
            version = version * 10 + (*s - '0');
        if (!digits)
            version = (json_int_t)ordinal;
        while (*s == '_' || *s == '-')
            s++;
        name = strndup(s, stem - (size_t)(s - base));
        snprintf(key, sizeof key, "%lld", (long long)version);
        if (json_object_get(seen, key))
            emit_error(cx, "give each migration its own number", "%s: migration version %lld "
                       "is also used by %s", files[i], (long long)version,
                       json_string_value(json_object_get(seen, key)));
        json_object_set_new(seen, key, json_string(files[i]));
        pqg__sha256_hex(up ? up : "", up ? strlen(up) : 0, hex);
        emit_c_escape(&lit, name ? name : "", name ? strlen(name) : 0);
        m = tv_obj(cx->a);
        tv_set_int(m, "version", (long long)version);
        tv_set_str(m, "name", name ? name : "");
        tv_set_str(m, "name_c", emit_sb_str(&lit));
        tv_set_str(m, "file", shown_path(cx->cfg->dir, files[i]));
        tv_set(m, "up_lines", emit_c_string_lines(cx->a, up ? up : ""));
        tv_set(m, "down_lines", down ? emit_c_string_lines(cx->a, down) : tv_null());
        tv_set_str(m, "checksum", hex);
        tv_set_bool(m, "has_down", down != NULL);
        {
            /* goose's and pqgen's directive cover the file, dbmate's its own block; a
             * golang-migrate pair says it in each file. */
            bool all = whole ? no_transaction(whole, NULL) : false;
            bool up_nt = all || no_transaction(up ? up : "", NULL) ||
                         (whole && no_transaction(whole, "-- migrate:up"));
            bool down_nt = down && (all || no_transaction(down, NULL) ||
                                    (whole && no_transaction(whole, "-- migrate:down")));
            if (up_nt)
                tv_set(m, "up_statements", statements_of(cx, files[i], up ? up : ""));
            if (down_nt)
                tv_set(m, "down_statements", statements_of(cx, files[i], down));
        }
        tv_push(out, m);
        emit_sb_free(&lit);
        free(up), free(down), free(name), free(whole);
    }
    for (i = 0; i < n; i++)
        free(files[i]);
    free(files);
    json_decref(seen);

    /* Sort by version (stable enough: versions are unique once checked). */
    n = tv_len(out);
    sorted = n ? malloc(n * sizeof *sorted) : NULL;
    if (sorted) {
        tv *again = tv_arr(cx->a);
        for (i = 0; i < n; i++)
            sorted[i] = tv_at(out, i);
        qsort(sorted, n, sizeof *sorted, cmp_version);
        for (i = 0; i < n; i++)
            tv_push(again, sorted[i]);
        free(sorted);
        out = again;
    }
    for (i = 0; i < tv_len(out); i++)
        tv_set_bool(tv_at(out, i), "last", i + 1 == tv_len(out));
    return out;
}
