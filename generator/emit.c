/*
 * emit.c - the emit stage's entry point: derives the model (emit_derive.c), picks the template
 * set (the user's templates folder or the built-ins compiled into pqgen), and renders every
 * template into files. Each template is parsed once per run; queries.h/queries.c render once
 * per query file; partials are the templates whose names start with '_'. Writing and diffing
 * are emit_diff.c's.
 */
#include "emit.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"
#include "template.h"

typedef struct tmpl_set {
    char **names;   /* without ".mustache" */
    char **texts;
    size_t n;
} tmpl_set;

static void
tmpl_set_free(tmpl_set *s)
{
    size_t i;
    for (i = 0; i < s->n; i++) {
        free(s->names[i]);
        free(s->texts[i]);
    }
    free(s->names);
    free(s->texts);
    memset(s, 0, sizeof *s);
}

static int
tmpl_add(tmpl_set *s, const char *name, size_t name_len, char *text)
{
    char **n = realloc(s->names, (s->n + 1) * sizeof *n);
    char **t;
    if (!n)
        return -1;
    s->names = n;
    t = realloc(s->texts, (s->n + 1) * sizeof *t);
    if (!t)
        return -1;
    s->texts = t;
    s->names[s->n] = strndup(name, name_len);
    s->texts[s->n] = text;
    if (!s->names[s->n])
        return -1;
    s->n++;
    return 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
emit_read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    if (!f)
        return NULL;
    for (;;) {
        if (cap - len < 4096) {
            char *p = realloc(buf, cap = cap ? cap * 2 : 8192);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}

/* Loads DIR/ *.mustache in name order. */
static int
load_dir(emit_ctx *cx, const char *dir, tmpl_set *s)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, i;

    if (!d) {
        emit_error(cx, NULL, "templates: cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char **x;
        if (e->d_name[0] == '.' || len <= 9 || strcmp(e->d_name + len - 9, ".mustache") != 0)
            continue;
        x = realloc(names, (n + 1) * sizeof *names);
        if (!x)
            break;
        names = x;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++) {
        size_t plen = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(plen), *text;
        if (!path)
            continue;
        tv_format(path, plen, "%s/%s", dir, names[i]);
        text = emit_read_text(path);
        if (!text)
            emit_error(cx, NULL, "templates: cannot read %s: %s", path, strerror(errno));
        else if (tmpl_add(s, names[i], strlen(names[i]) - 9, text) != 0)
            free(text);
        free(path);
        free(names[i]);
    }
    free(names);
    return 0;
}

typedef struct partials {
    const tmpl_set *set;
} partials;

/* Partials come from the active set first, then the built-ins (a user's folder may override
 * only some of them). The name may be written with or without the leading '_'. */
static char *
load_partial(const char *name, void *userdata)
{
    const partials *p = userdata;
    size_t i;
    for (i = 0; i < p->set->n; i++)
        if (strcmp(p->set->names[i], name) == 0)
            return strdup(p->set->texts[i]);
    for (i = 0; i < emit_n_builtin_templates; i++)
        if (strcmp(emit_builtin_templates[i].name, name) == 0)
            return strdup(emit_builtin_templates[i].text);
    return NULL;
}

static int
add_file(emit_file **files, size_t *n, char *path, char *content)
{
    emit_file *f = realloc(*files, (*n + 1) * sizeof **files);
    if (!f)
        return -1;
    *files = f;
    f[*n].path = path;
    f[*n].content = content;
    f[*n].len = strlen(content);
    (*n)++;
    return 0;
}

static bool
blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

static int
render_one(emit_ctx *cx, template *t, const char *file_name, const tv *data, const char *out_name,
           emit_file **files, size_t *n_files)
{
    template_error err;
    char *out = NULL;
    size_t i;

    if (template_render_parsed(t, data, &out, &err) != 0) {
        emit_error(cx, NULL, "%s:%d: template error: %s", err.file, err.line, err.message);
        return -1;
    }
    /* A template that renders to nothing (an option switched off) writes no file. */
    if (blank(out)) {
        free(out);
        return 0;
    }
    for (i = 0; i < *n_files; i++)
        if (strcmp((*files)[i].path, out_name) == 0) {
            emit_error(cx, "rename the query file or the template",
                       "two outputs are named %s (the second from %s)", out_name, file_name);
            free(out);
            return -1;
        }
    {
        char *p = strdup(out_name);
        if (!p || add_file(files, n_files, p, out) != 0) {
            free(p);
            free(out);
            return -1;
        }
    }
    return 0;
}

int
emit_render(json_t *model, const config *cfg, emit_file **files, size_t *n_files, diag_list *d)
{
    return emit_render_from(model, NULL, NULL, cfg, files, n_files, d);
}

int
emit_render_from(json_t *model, emit_query_source next, void *userdata, const config *cfg,
                 emit_file **files, size_t *n_files, diag_list *d)
{
    emit_ctx cx;
    tmpl_set set = {0};
    partials pp;
    tv *derived = NULL;
    size_t i;
    int rc = -1;

    *files = NULL;
    *n_files = 0;
    if (emit_ctx_init(&cx, model, cfg, d) != 0)
        goto done;
    cx.next_query = next;
    cx.next_query_data = userdata;

    if (cfg->templates) {
        size_t n = strlen(cfg->dir ? cfg->dir : "") + strlen(cfg->templates) + 2;
        char *dir = malloc(n);
        if (!dir)
            goto done;
        if (cfg->templates[0] == '/' || !cfg->dir || !*cfg->dir)
            tv_format(dir, n, "%s", cfg->templates);
        else
            tv_format(dir, n, "%s/%s", cfg->dir, cfg->templates);
        load_dir(&cx, dir, &set);
        free(dir);
    } else {
        for (i = 0; i < emit_n_builtin_templates; i++) {
            char *t = strdup(emit_builtin_templates[i].text);
            const char *nm = emit_builtin_templates[i].name;
            if (!t || tmpl_add(&set, nm, strlen(nm), t) != 0) {
                free(t);
                goto done;
            }
        }
    }
    derived = emit_derive(&cx);
    if (!derived || cx.errors > 0)
        goto done;

    pp.set = &set;
    for (i = 0; i < set.n; i++) {
        const char *name = set.names[i];
        char out_name[300], file_name[300];
        template_options opt = {0};
        template_error err;
        template *t;

        if (name[0] == '_')
            continue;
        tv_format(file_name, sizeof file_name, "%s.mustache", name);
        opt.escape_html = 0;
        opt.strict_partials = 1;
        opt.partial = load_partial;
        opt.partial_userdata = &pp;
        opt.name = file_name;
        t = template_parse(set.texts[i], &opt, &err);
        if (strcmp(name, "queries.h") == 0 || strcmp(name, "queries.c") == 0) {
            /* The root with "query_file" added: a shallow copy, so the derived model stays
             * as it is. */
            tv *qf, *qfs = tv_get(derived, "query_files");
            size_t k;
            tv_foreach (qfs, k, qf) {
                tv *data = tv_obj_copy(cx.a, derived);
                if (!t) {
                    /* Reported once per file, as rendering each would. */
                    emit_error(&cx, NULL, "%s:%d: template error: %s", err.file, err.line,
                               err.message);
                    continue;
                }
                tv_set(data, "query_file", qf);
                tv_format(out_name, sizeof out_name, "%s%s", emit_sv(qf, "base"), name + 7);
                render_one(&cx, t, file_name, data, out_name, files, n_files);
            }
            template_free(t);
            continue;
        }
        if (!t) {
            emit_error(&cx, NULL, "%s:%d: template error: %s", err.file, err.line, err.message);
            continue;
        }
        if (strncmp(name, "prefix.", 7) == 0)
            tv_format(out_name, sizeof out_name, "%s%s", cx.prefix, name + 6);
        else
            tv_format(out_name, sizeof out_name, "%s", name);
        render_one(&cx, t, file_name, derived, out_name, files, n_files);
        template_free(t);
    }
    if (tv_arena_oom(cx.a))
        goto done;
    rc = cx.errors > 0 ? -1 : 0;
done:
    if (rc != 0) {
        if (cx.errors == 0)
            emit_error(&cx, NULL, "out of memory while rendering");
        emit_files_free(*files, *n_files);
        *files = NULL;
        *n_files = 0;
    }
    emit_ctx_free(&cx);
    tmpl_set_free(&set);
    return rc;
}

json_t *
emit_derived_model(json_t *model, const config *cfg, diag_list *d)
{
    emit_ctx cx;
    json_t *out = NULL;
    tv *v;
    if (emit_ctx_init(&cx, model, cfg, d) == 0 && (v = emit_derive(&cx)) != NULL)
        out = tv_to_json(v);
    emit_ctx_free(&cx);
    return out;
}
