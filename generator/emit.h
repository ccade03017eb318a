/*
 * emit.h - from the model to C files: adds derived names and C types to the model (so templates
 * only format), renders the templates, and writes or diffs the output directory.
 */
#ifndef PQGEN_EMIT_H
#define PQGEN_EMIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "diag.h"

typedef struct emit_file {
    char *path;      /* relative to the output directory, e.g. "models.h" */
    char *content;
    size_t len;
} emit_file;

/* Renders every output file for model (as model_build makes it) and cfg (prefix, templates,
 * overrides, emit flags; cfg->schema is read again for the migrations that the generated code
 * embeds). Problems (bad override, template error, a name clash in C) go to d.
 * Returns 0 or -1. *files: caller owns; release with emit_files_free(). Deterministic: the same
 * inputs give byte-identical files. */
int emit_render(json_t *model, const config *cfg, emit_file **files, size_t *n_files,
                diag_list *d);
/* Writes files under an output directory (created if missing), each as a temporary beside its
 * target unless the target already holds the same bytes; emit_writer_finish then renames them
 * all into place, or removes them, so a failed run changes nothing. Threaded, the writing runs
 * on a thread of its own while the caller renders. */
typedef struct emit_writer emit_writer;
/* NULL (errno set) when out_dir cannot be created. Caller owns; release with
 * emit_writer_finish(). */
emit_writer *emit_writer_start(const char *out_dir, bool threaded);
/* Queues f (its path and content are borrowed until emit_writer_wait or emit_writer_finish
 * returns). Thread-safe. */
void emit_writer_add(emit_writer *w, const emit_file *f);
/* Waits until every queued file is written (to its temporary), after which their strings may
 * be freed. */
void emit_writer_wait(emit_writer *w);
/* Waits for the writing, then keeps (renames into place) or discards every file written, and
 * frees w. *n_written (may be NULL) counts the files kept. Returns 0, or -1 when a file could
 * not be written (message on stderr; nothing is kept then). */
int emit_writer_finish(emit_writer *w, bool keep, int *n_written);

/* How emit_render_from takes its queries and hands out its files when they come and go one at
 * a time (pqgen generate derives each query while the next is analyzed, and writes each file
 * while the next is rendered). */
typedef struct emit_stream {
    /* The next query object (borrowed, valid until the files are rendered), or NULL after the
     * last; NULL: the queries are model["queries"]. */
    json_t *(*next_query)(void *data);
    void *next_query_data;
    /* Gets each file as soon as it is rendered, or NULL. */
    emit_writer *writer;
    /* Render the files on two threads (the output is the same). */
    bool threaded;
} emit_stream;
/* emit_render, with the queries and files going through io. */
int emit_render_from(json_t *model, const emit_stream *io, const config *cfg, emit_file **files,
                     size_t *n_files, diag_list *d);
/* Writes files under out_dir (created if missing), touching only files whose content changed
 * (an emit_writer, not threaded). *n_written (may be NULL) counts the files written. Returns 0
 * or -1 (message on stderr). */
int emit_write(const char *out_dir, const emit_file *files, size_t n_files, int *n_written);
/* Compares files with out_dir and prints a unified diff of each difference to out; files in
 * out_dir that pqgen would not write are listed, not deleted. Returns 0 when identical, 1 when
 * different, -1 on error. */
int emit_diff(const char *out_dir, const emit_file *files, size_t n_files, FILE *out);
/* The derived model that templates see (the model plus C names, types and lines; see
 * templates/README.md), for tests and debugging. Returns a new reference (caller owns; release
 * with json_decref()), or NULL after reporting errors to d. */
json_t *emit_derived_model(json_t *model, const config *cfg, diag_list *d);
/* The built-in templates, compiled in from the .mustache files of templates/ by
 * scripts/embed-templates.sh (build/gen/templates_data.c): name is the file name without
 * ".mustache" ("models.h"). */
typedef struct emit_builtin_template {
    const char *name;
    const char *text;
} emit_builtin_template;
extern const emit_builtin_template emit_builtin_templates[];
extern const size_t emit_n_builtin_templates;

/* NULL is a harmless no-op. */
void emit_files_free(emit_file *files, size_t n_files);

#endif
