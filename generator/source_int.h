/*
 * source_int.h - internals shared by source.c (reading files, UTF-8, lines, migrations) and
 * source_split.c (statements, annotations, query names). Not for use outside them.
 */
#ifndef PQGEN_SOURCE_INT_H
#define PQGEN_SOURCE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"

/* Query names seen so far in a set: open addressing over indexes into set->stmts. */
typedef struct src_names {
    size_t *slots;           /* stmt index + 1; 0 is empty */
    size_t cap, len;
} src_names;

/* source.c */
/* A NUL-terminated copy of s[0, n), or NULL on out of memory. Caller owns; release with
 * free(). */
char *src_strndup(const char *s, size_t n);
/* Whether c may continue an SQL identifier (letters, digits, _, $, non-ASCII bytes). */
bool src_is_ident(unsigned char c);

/* source_split.c */
/* Frees what st owns (not st itself). */
void src_stmt_free(src_stmt *st);
/* Looks name up in nm: *found gets the index of the statement already named so (SIZE_MAX when
 * none, and idx is recorded). Returns 0, or -1 on out of memory. */
int src_names_check(src_names *nm, const src_set *set, const char *name, size_t idx,
                    size_t *found);
/* Splits file f (already read, checked and blanked) into statements appended to set (*cap: its
 * capacity); for queries, parses annotations and checks names. Problems go to d. Returns 0, or
 * -1 on out of memory. */
int src_split_file(src_set *set, size_t *cap, src_names *names, src_file *f, src_kind kind,
                   diag_list *d);

#endif
