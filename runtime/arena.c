/*
 * arena.c - the allocator hook (pqg_set_allocator) used for every block libpqg hands out, and
 * the bump allocator that result decoding carves strings and arrays from.
 * Sizing of the blocks lives with the codecs (codec.c); this file only hands out bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "pqg_int.h"

static void *(*hook_malloc)(size_t) = malloc;
static void *(*hook_realloc)(void *, size_t) = realloc;
static void (*hook_free)(void *) = free;

void
pqg_set_allocator(void *(*malloc_fn)(size_t), void *(*realloc_fn)(void *, size_t),
                  void (*free_fn)(void *))
{
    hook_malloc = malloc_fn ? malloc_fn : malloc;
    hook_realloc = realloc_fn ? realloc_fn : realloc;
    hook_free = free_fn ? free_fn : free;
}

void *
pqg__malloc(size_t n)
{
    return hook_malloc(n ? n : 1);
}

void *
pqg__calloc(size_t n)
{
    void *p = pqg__malloc(n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *
pqg__realloc(void *p, size_t n)
{
    return hook_realloc(p, n ? n : 1);
}

void
pqg__free(void *p)
{
    if (p)
        hook_free(p);
}

void
pqg_free(void *mem)
{
    pqg__free(mem);
}

char *
pqg__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = pqg__malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void *
pqg__bump_alloc(pqg__bump *b, size_t n, size_t align)
{
    size_t at = pqg__align(b->used, align);
    if (at > b->cap || n > b->cap - at)
        return NULL;
    b->used = at + n;
    return b->base + at;
}
