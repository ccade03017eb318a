/*
 * diag.h - compiler-style diagnostics: collected from every stage, printed sorted by file and
 * line, each with the source line, a caret and an optional hint:
 *
 *   queries/messages.sql:14:8: error: column "contnet" does not exist in table "messages"
 *     14 | SELECT contnet FROM messages
 *        |        ^
 *   hint: did you mean "content"?
 */
#ifndef PQGEN_DIAG_H
#define PQGEN_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct src_file;

typedef enum diag_level { DIAG_ERROR, DIAG_WARNING } diag_level;

typedef struct diag {
    diag_level level;
    const struct src_file *file; /* NULL for problems not tied to a source file (config) */
    size_t offset;               /* byte offset into file->text */
    char *message;               /* owned by the list */
    char *hint;                  /* owned by the list, or NULL */
    char *label;                 /* owned; with file == NULL, shown instead of "pqgen" (e.g.
                                    "pqgen.json" or "pqgen.json:3:5"); else NULL */
} diag;

typedef struct diag_list {
    diag *items;
    size_t len, cap;
    int n_errors, n_warnings;
} diag_list;

/* Records a diagnostic at a byte offset of file (file may be NULL). hint may be NULL. Copies
 * everything it is given. Out of memory is reported once on stderr and otherwise ignored. */
void diag_add(diag_list *d, diag_level level, const struct src_file *file, size_t offset,
              const char *hint, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void diag_addv(diag_list *d, diag_level level, const struct src_file *file, size_t offset,
               const char *hint, const char *fmt, va_list ap);
/* Records a diagnostic not tied to a source file's text, printed as "label: error: message"
 * (label NULL means "pqgen"). For config files and other inputs that are not SQL. */
void diag_add_at(diag_list *d, diag_level level, const char *label, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Prints every diagnostic sorted by (path, offset), stable for equal keys, then a summary line
 * ("2 errors, 1 warning generated.") when there is anything to report. */
void diag_print(const diag_list *d, FILE *out);
/* Moves every record of from to the end of d, in order; from is left empty. Returns 0, or -1
 * when out of memory (then nothing moved). */
int diag_list_append(diag_list *d, diag_list *from);
/* Frees every record. The list is empty and reusable afterwards. NULL is a harmless no-op. */
void diag_list_free(diag_list *d);

/* The closest candidate to `name` by edit distance (at most 2 edits, or 1 for names of up to 4
 * characters; insert, delete, replace, or swap two adjacent characters), or NULL. Ties go to
 * the first candidate. For "did you mean" hints. Borrowed from candidates. */
const char *diag_closest(const char *name, const char *const *candidates, size_t n);

#endif
