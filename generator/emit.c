/*
 * emit.c - the emit stage's entry point: derives the model (emit_derive.c), picks the template
 * set (the user's templates folder or the built-ins compiled into pqgen), and renders every
 * template into files. Each template is parsed once per run; queries.h/queries.c render once
 * per query file; partials are the templates whose names start with '_'. Writing and diffing
 * are emit_diff.c's.
 */
#include "emit.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
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
    size_t len;
    return emit_read_all(path, &len);
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

/* One output file: a template rendered over some data. */
typedef struct render_task {
    size_t tmpl;        /* index into the template set */
    const tv *data;
    char *path;         /* the output's name; moved into the files when kept */
    char *out;          /* the rendered text (NULL: nothing to write) */
    bool failed;        /* err says why */
    template_error err;
} render_task;

/* The renders of one run, shared by the threads that do them (each with its own parsed
 * templates: a template caches its partials while rendering). */
typedef struct render_job {
    const tmpl_set *set;
    const template_options *opts; /* per template of the set */
    render_task *tasks;
    size_t n_tasks;
    atomic_size_t next;           /* the next task to take */
    atomic_bool scratch_oom;      /* a lazy member could not be converted: the texts lack it */
    emit_writer *writer;          /* gets each file as soon as it is rendered, or NULL */
} render_job;

/* Parses every template of the set that renders a file (NULL where it fails). Caller owns;
 * release with free_templates(). */
static template **
parse_templates(const render_job *job, template_error *errs)
{
    template **t = calloc(job->set->n ? job->set->n : 1, sizeof *t);
    template_error scratch;
    for (size_t i = 0; t && i < job->set->n; i++)
        if (job->set->names[i][0] != '_')
            t[i] = template_parse(job->set->texts[i], &job->opts[i], errs ? &errs[i] : &scratch);
    return t;
}

static void
free_templates(template **t, size_t n)
{
    for (size_t i = 0; t && i < n; i++)
        template_free(t[i]);
    free(t);
}

/* Renders tasks until none is left. With scratch, the derived model is read-only (another
 * thread renders from it too): lazy members are converted into scratch. */
static void
render_tasks(render_job *job, template **tmpls, tv_arena *scratch)
{
    size_t k;
    if (scratch)
        tv_read_only_begin(scratch);
    while ((k = atomic_fetch_add(&job->next, 1)) < job->n_tasks) {
        render_task *rt = &job->tasks[k];
        if (rt->failed)
            continue;
        if (!tmpls || template_render_parsed(tmpls[rt->tmpl], rt->data, &rt->out, &rt->err)) {
            rt->failed = true;
            if (!tmpls)
                snprintf(rt->err.message, sizeof rt->err.message, "out of memory");
            continue;
        }
        /* A template that renders to nothing (an option switched off) writes no file. */
        if (blank(rt->out)) {
            free(rt->out);
            rt->out = NULL;
        } else if (job->writer) {
            emit_file f = {rt->path, rt->out, strlen(rt->out)};
            emit_writer_add(job->writer, &f);
        }
    }
    if (scratch) {
        tv_read_only_end();
        if (tv_arena_oom(scratch))
            atomic_store(&job->scratch_oom, true);
    }
}

static void *
render_helper(void *arg)
{
    render_job *job = arg;
    template **tmpls = parse_templates(job, NULL);
    tv_arena *scratch = tv_arena_new();
    render_tasks(job, scratch ? tmpls : NULL, scratch);
    tv_arena_free(scratch);
    free_templates(tmpls, job->set->n);
    return NULL;
}

/* Adds one task to job for template i over data, written to out_name. Returns the task, or
 * NULL when out of memory. */
static render_task *
add_task(render_job *job, size_t *cap, size_t i, const tv *data, const char *out_name)
{
    render_task *rt;
    if (job->n_tasks == *cap) {
        size_t n = *cap ? *cap * 2 : 64;
        render_task *t = realloc(job->tasks, n * sizeof *t);
        if (!t)
            return NULL;
        job->tasks = t;
        *cap = n;
    }
    rt = &job->tasks[job->n_tasks];
    memset(rt, 0, sizeof *rt);
    rt->tmpl = i;
    rt->data = data;
    if (!(rt->path = strdup(out_name)))
        return NULL;
    job->n_tasks++;
    return rt;
}

/* The outputs of the set, in order: queries.h and queries.c once per query file (over the
 * root with "query_file" added), any other template once. A template that did not parse
 * fails each of its outputs, as rendering each would. Returns 0, or -1 when out of memory. */
static int
plan_tasks(emit_ctx *cx, render_job *job, tv *derived, template *const *tmpls,
           const template_error *errs)
{
    const tmpl_set *set = job->set;
    size_t cap = 0;
    for (size_t i = 0; i < set->n; i++) {
        const char *name = set->names[i];
        bool per_file = strcmp(name, "queries.h") == 0 || strcmp(name, "queries.c") == 0;
        tv *qfs = per_file ? tv_get(derived, "query_files") : NULL;
        size_t n = per_file ? tv_len(qfs) : 1;
        if (name[0] == '_')
            continue;
        for (size_t k = 0; k < n; k++) {
            char out_name[300];
            tv *data = derived;
            render_task *rt;
            if (per_file) {
                /* A shallow copy: the derived model stays as it is. */
                tv *qf = tv_at(qfs, k);
                data = tv_obj_copy(cx->a, derived);
                tv_set(data, "query_file", qf);
                tv_format(out_name, sizeof out_name, "%s%s", emit_sv(qf, "base"), name + 7);
            } else if (strncmp(name, "prefix.", 7) == 0) {
                tv_format(out_name, sizeof out_name, "%s%s", cx->prefix, name + 6);
            } else {
                tv_format(out_name, sizeof out_name, "%s", name);
            }
            if (!(rt = add_task(job, &cap, i, data, out_name)))
                return -1;
            if (!tmpls[i]) {
                rt->failed = true;
                rt->err = errs[i];
            }
        }
    }
    return 0;
}

/* Takes the rendered outputs in task order: reports template errors and two outputs of one
 * name, and moves each text (with its name) into files. Returns 0, or -1 when out of memory. */
static int
keep_files(emit_ctx *cx, render_job *job, char *const *file_names, emit_file **files,
           size_t *n_files)
{
    for (size_t k = 0; k < job->n_tasks; k++) {
        render_task *rt = &job->tasks[k];
        size_t i;
        if (rt->failed) {
            emit_error(cx, NULL, "%s:%d: template error: %s", rt->err.file, rt->err.line,
                       rt->err.message);
            continue;
        }
        if (!rt->out)
            continue;
        for (i = 0; i < *n_files && strcmp((*files)[i].path, rt->path) != 0; i++)
            ;
        if (i < *n_files) {
            emit_error(cx, "rename the query file or the template",
                       "two outputs are named %s (the second from %s)", rt->path,
                       file_names[rt->tmpl]);
            continue;
        }
        if (add_file(files, n_files, rt->path, rt->out) != 0)
            return -1;
        rt->path = rt->out = NULL;
    }
    return 0;
}

/* Renders every file of the set over derived (see plan_tasks), on a second thread too when
 * threaded. Files come out in task order whatever thread rendered them. */
static void
render_all(emit_ctx *cx, const tmpl_set *set, tv *derived, bool threaded, emit_file **files,
           size_t *n_files)
{
    partials pp = {set};
    size_t n = set->n ? set->n : 1, i;
    template_options *opts = calloc(n, sizeof *opts);
    template_error *errs = calloc(n, sizeof *errs);
    char **file_names = calloc(n, sizeof *file_names);
    render_job job = {.set = set, .opts = opts, .writer = cx->io ? cx->io->writer : NULL};
    template **tmpls = NULL;
    pthread_t helper;
    tv_arena *scratch = NULL; /* this thread's, while another renders too */
    bool helping = false, oom = true; /* until the renders are done */

    if (!opts || !errs || !file_names)
        goto done;
    for (i = 0; i < set->n; i++) {
        size_t len = strlen(set->names[i]) + 10;
        if (!(file_names[i] = malloc(len)))
            goto done;
        tv_format(file_names[i], len, "%s.mustache", set->names[i]);
        opts[i] = (template_options){0, 1, load_partial, &pp, file_names[i]};
    }
    if (!(tmpls = parse_templates(&job, errs)) || plan_tasks(cx, &job, derived, tmpls, errs))
        goto done;
    if (threaded && job.n_tasks > 1 && (scratch = tv_arena_new()) != NULL)
        helping = pthread_create(&helper, NULL, render_helper, &job) == 0;
    render_tasks(&job, tmpls, helping ? scratch : NULL);
    if (helping)
        pthread_join(helper, NULL);
    oom = atomic_load(&job.scratch_oom) || keep_files(cx, &job, file_names, files, n_files) != 0;
done:
    if (oom)
        emit_error(cx, NULL, "out of memory while rendering");
    /* The writer borrows the texts it was given, kept or not. */
    if (job.writer)
        emit_writer_wait(job.writer);
    for (i = 0; i < job.n_tasks; i++) {
        free(job.tasks[i].path);
        free(job.tasks[i].out);
    }
    free(job.tasks);
    tv_arena_free(scratch);
    free_templates(tmpls, set->n);
    for (i = 0; file_names && i < set->n; i++)
        free(file_names[i]);
    free(file_names);
    free(errs);
    free(opts);
}

int
emit_render(json_t *model, const config *cfg, emit_file **files, size_t *n_files, diag_list *d)
{
    return emit_render_from(model, NULL, cfg, files, n_files, d);
}

int
emit_render_from(json_t *model, const emit_stream *io, const config *cfg, emit_file **files,
                 size_t *n_files, diag_list *d)
{
    emit_ctx cx;
    tmpl_set set = {0};
    tv *derived = NULL;
    size_t i;
    int rc = -1;

    *files = NULL;
    *n_files = 0;
    if (emit_ctx_init(&cx, model, cfg, d) != 0)
        goto done;
    cx.io = io;

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

    render_all(&cx, &set, derived, io && io->threaded, files, n_files);
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
