/*
 * emit_write.c - `pqgen generate`'s writer: each rendered file goes to a temporary beside its
 * target (unless the target already holds the same bytes: mtimes, and make, then see no
 * change), and only when every file is ready are the temporaries renamed into place, so a
 * failed run changes nothing and a reader never sees half a file. A writer may run on a
 * thread of its own and take each file as soon as it is rendered: writing then overlaps with
 * rendering (creating 44 files was a tenth of generate's time on the bench corpus).
 */
#include "emit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit_internal.h"
#include "source.h"

struct emit_writer {
    char *out_dir;
    char **made;        /* the folders mkdirs created, outermost first: removed again, innermost
                         * first, when nothing is kept */
    size_t n_made;
    bool threaded;
    pthread_t thread;
    pthread_mutex_t mu; /* guards queue, n_queue and closing */
    pthread_cond_t cv;
    emit_file *queue;   /* handed-over files; path and content borrowed */
    size_t n_queue, cap_queue, n_taken, n_handled;
    pthread_cond_t idle; /* signalled when n_handled reaches n_queue */
    bool closing, queue_failed;
    /* The writing side's (the thread's, or the caller's when not threaded), read by
     * emit_writer_finish after the join: */
    char **tmps, **targets; /* written temporaries and where they go */
    size_t n_written, cap_written;
    char *failed_path;      /* the first file that could not be written, or NULL */
    int failed_errno;
    bool oom;
};

/* Writes len bytes to a new file at path. Returns 0 or -1 (errno set). */
static int
write_all(const char *path, const char *p, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

/* Creates dir and its missing parents, recording in w->made each folder it created. Returns 0,
 * or -1 with errno set. */
static int
mkdirs(emit_writer *w, const char *dir)
{
    char *d = strdup(dir), *p;
    int rc = 0;

    if (!d)
        return -1;
    if (!*d) {
        free(d);
        errno = ENOENT;
        return -1;
    }
    for (p = d + 1; rc == 0; p++) {
        bool last = *p == '\0';
        if (*p != '/' && !last)
            continue;
        *p = '\0';
        if (mkdir(d, 0777) == 0) {
            char **m = realloc(w->made, (w->n_made + 1) * sizeof *m);
            if (m)
                w->made = m;
            if (!m || !(w->made[w->n_made] = strdup(d)))
                rc = -1;
            else
                w->n_made++;
        } else if (errno != EEXIST) {
            rc = -1;
        }
        if (last)
            break;
        *p = '/';
    }
    free(d);
    return rc;
}

/* Compares f with its target and writes the temporary when they differ. */
static void
write_one(emit_writer *w, const emit_file *f)
{
    char *target = source_path_join(w->out_dir, f->path), *tmp = NULL, *old;
    size_t old_len;

    if (!target) {
        w->oom = true;
        return;
    }
    old = emit_read_all(target, &old_len);
    if (old && old_len == f->len && memcmp(old, f->content, old_len) == 0) {
        free(old);
        free(target);
        return;
    }
    free(old);
    if (w->n_written == w->cap_written) {
        size_t cap = w->cap_written ? w->cap_written * 2 : 64;
        char **t = realloc(w->tmps, cap * sizeof *t), **g;
        if (t)
            w->tmps = t;
        g = t ? realloc(w->targets, cap * sizeof *g) : NULL;
        if (g)
            w->targets = g;
        if (!t || !g) {
            w->oom = true;
            free(target);
            return;
        }
        w->cap_written = cap;
    }
    if ((tmp = malloc(strlen(target) + 12)) == NULL) {
        w->oom = true;
        free(target);
        return;
    }
    memcpy(tmp, target, strlen(target));
    memcpy(tmp + strlen(target), ".pqgen-tmp", 11);
    if (write_all(tmp, f->content, f->len) != 0) {
        if (!w->failed_path) {
            w->failed_errno = errno;
            w->failed_path = target;
            target = NULL;
        }
        unlink(tmp);
        free(tmp);
        free(target);
        return;
    }
    w->tmps[w->n_written] = tmp;
    w->targets[w->n_written++] = target;
}

static void *
writer_main(void *arg)
{
    emit_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->n_taken == w->n_queue && !w->closing)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->n_taken == w->n_queue)
            break;
        emit_file f = w->queue[w->n_taken++];
        pthread_mutex_unlock(&w->mu);
        write_one(w, &f);
        pthread_mutex_lock(&w->mu);
        if (++w->n_handled == w->n_queue)
            pthread_cond_broadcast(&w->idle);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Removes the folders mkdirs made, innermost first (each only if empty), and forgets them. */
static void
unmake_dirs(emit_writer *w)
{
    while (w->n_made > 0) {
        char *d = w->made[--w->n_made];
        rmdir(d); /* fails, harmlessly, when something else is in it */
        free(d);
    }
    free(w->made);
    w->made = NULL;
}

emit_writer *
emit_writer_start(const char *out_dir, bool threaded)
{
    emit_writer *w = calloc(1, sizeof *w);
    int e;

    if (!w || !(w->out_dir = strdup(out_dir))) {
        free(w);
        errno = ENOMEM;
        return NULL;
    }
    if (mkdirs(w, out_dir) != 0) {
        e = errno;
        unmake_dirs(w);
        free(w->out_dir);
        free(w);
        errno = e;
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->idle, NULL);
    w->threaded = threaded && pthread_create(&w->thread, NULL, writer_main, w) == 0;
    return w;
}

void
emit_writer_add(emit_writer *w, const emit_file *f)
{
    if (!w->threaded) {
        /* Writing on the caller's thread: two rendering threads may both be callers. */
        pthread_mutex_lock(&w->mu);
        write_one(w, f);
        pthread_mutex_unlock(&w->mu);
        return;
    }
    pthread_mutex_lock(&w->mu);
    if (w->n_queue == w->cap_queue) {
        size_t cap = w->cap_queue ? w->cap_queue * 2 : 64;
        emit_file *q = realloc(w->queue, cap * sizeof *q);
        if (q) {
            w->queue = q;
            w->cap_queue = cap;
        }
    }
    if (w->n_queue < w->cap_queue) {
        w->queue[w->n_queue++] = *f;
        pthread_cond_signal(&w->cv);
    } else {
        w->queue_failed = true;
    }
    pthread_mutex_unlock(&w->mu);
}

void
emit_writer_wait(emit_writer *w)
{
    if (!w->threaded)
        return;
    pthread_mutex_lock(&w->mu);
    while (w->n_handled < w->n_queue)
        pthread_cond_wait(&w->idle, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

int
emit_writer_finish(emit_writer *w, bool keep, int *n_written)
{
    int rc = 0;
    size_t i;

    if (n_written)
        *n_written = 0;
    if (w->threaded) {
        pthread_mutex_lock(&w->mu);
        w->closing = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    if (keep && w->failed_path) {
        fprintf(stderr, "pqgen: cannot write %s: %s\n", w->failed_path,
                strerror(w->failed_errno));
        rc = -1;
    } else if (keep && (w->oom || w->queue_failed)) {
        fprintf(stderr, "pqgen: out of memory while writing %s\n", w->out_dir);
        rc = -1;
    }
    for (i = 0; i < w->n_written; i++) {
        if (keep && rc == 0) {
            if (rename(w->tmps[i], w->targets[i]) != 0) {
                fprintf(stderr, "pqgen: cannot write %s: %s\n", w->targets[i], strerror(errno));
                rc = -1;
            } else if (n_written) {
                (*n_written)++;
            }
        }
        if (!keep || rc != 0)
            unlink(w->tmps[i]);
        free(w->tmps[i]);
        free(w->targets[i]);
    }
    if (!keep || rc != 0)
        unmake_dirs(w);
    for (i = 0; i < w->n_made; i++)
        free(w->made[i]);
    free(w->made);
    free(w->tmps);
    free(w->targets);
    free(w->failed_path);
    free(w->queue);
    free(w->out_dir);
    pthread_cond_destroy(&w->idle);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
    return rc;
}

int
emit_write(const char *out_dir, const emit_file *files, size_t n_files, int *n_written)
{
    emit_writer *w = emit_writer_start(out_dir, false);
    size_t i;

    if (n_written)
        *n_written = 0;
    if (!w) {
        fprintf(stderr, "pqgen: cannot create %s: %s\n", out_dir, strerror(errno));
        return -1;
    }
    for (i = 0; i < n_files; i++)
        emit_writer_add(w, &files[i]);
    return emit_writer_finish(w, true, n_written);
}
