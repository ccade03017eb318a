/*
 * source.h - reading schema and query files into statements.
 *
 * Schema inputs may be plain DDL or migration folders (golang-migrate *.up.sql, goose
 * "-- +goose Up/Down", dbmate "-- migrate:up/down"): only the "up" parts become statements.
 * Query files are split into statements, each with its "-- name: X :cmd" annotation.
 * Statements keep byte offsets into their file so every later stage can point at the source.
 */
#ifndef PQGEN_SOURCE_H
#define PQGEN_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

typedef struct src_file {
    char *path;          /* as shown in diagnostics: relative to the config file's directory */
    char *text;          /* the whole file, NUL-terminated (statements outside "up" parts of a
                            migration are blanked to spaces, so offsets stay true) */
    size_t len;
    size_t *line_starts; /* byte offset of each line's first byte */
    size_t n_lines;
} src_file;

typedef struct src_stmt {
    const src_file *file;
    size_t start;        /* byte offset of the statement proper, after leading comments/space */
    size_t end;          /* one past its last byte; the terminating ';' is excluded */
    char *sql;           /* NUL-terminated copy of file->text[start, end): what to parse */
    /* Query files only (NULL / 0 for schema statements): */
    char *name;          /* "GetConversation" */
    char *cmd;           /* ":one", ":many", ":exec", ":execrows", ":execresult", ":copyfrom",
                            ":batchexec", ":batchone", ":batchmany" */
    size_t name_offset;  /* byte offset of the "name:" annotation, for diagnostics about it */
    char *doc;           /* comment lines between the annotation and the SQL, '\n'-joined, with
                            "-- " stripped; NULL when none */
    char **pragmas;      /* "-- vet: off(rule)" style lines, verbatim after "-- ", NULL-ended;
                            NULL when none */
} src_stmt;

typedef struct src_set {
    src_file **files;
    size_t n_files;
    src_stmt *stmts;     /* in file order, then offset order */
    size_t n_stmts;
} src_set;

typedef enum src_kind { SRC_SCHEMA, SRC_QUERIES } src_kind;

/* Reads each path (a file, or a folder meaning its *.sql files in name order; for schema,
 * *.down.sql files are skipped) relative to base_dir, splits statements and, for queries,
 * parses annotations. Problems (unreadable file, not UTF-8, a statement without an annotation,
 * a bad annotation, an unknown command, a duplicate query name, a trailing annotation with no
 * statement) go to d; the statements that are sound are still returned.
 * Returns 0, or -1 on out of memory. *out: caller owns; release with source_set_free(). */
int source_load(const char *base_dir, const char *const *paths, size_t n_paths, src_kind kind,
                src_set *out, diag_list *d);
/* Told of each file as source_load_each adds it: set->stmts[first, set->n_stmts) are its
 * statements (the array may move as it grows: index it, do not keep pointers into it). */
typedef void (*src_file_fn)(void *data, const src_set *set, size_t first);
/* source_load, calling added(added_data, ...) after each file, so that work on a file's
 * statements can start while the next file is read. */
int source_load_each(const char *base_dir, const char *const *paths, size_t n_paths,
                     src_kind kind, src_set *out, diag_list *d, src_file_fn added,
                     void *added_data);
/* Like source_load for one in-memory file: text[0, len) (copied; may hold any bytes) is added
 * to *out as a file shown as path_label, after any files already there (query names are checked
 * against those too). *out must be zeroed or a previous source_load/source_load_text result.
 * Returns 0, or -1 on out of memory. For tests, fuzzing and stdin. */
int source_load_text(const char *path_label, const char *text, size_t len, src_kind kind,
                     src_set *out, diag_list *d);
/* Path b relative to folder a: b itself when it is absolute or a is NULL, "" or "."; else
 * a + "/" + b (trailing slashes of a dropped). Caller owns; release with free(). NULL on out
 * of memory. */
char *source_path_join(const char *a, const char *b);
/* Frees everything in s and zeroes it. NULL is a harmless no-op. */
void source_set_free(src_set *s);
/* 1-based line and column (in characters, UTF-8 aware) of a byte offset into f->text. */
void source_linecol(const src_file *f, size_t offset, int *line, int *col);
/* The byte offset of 1-based character position `cursorpos` (libpg_query's error cursor) within
 * the statement text `sql`, clamped to its length. */
size_t source_cursor_to_offset(const char *sql, int cursorpos);

#endif
