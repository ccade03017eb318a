/*
 * alloc_count.c - counts every heap allocation of the bench process, libpq's included.
 * malloc/calloc/realloc/free defined in the executable take precedence over glibc's for every
 * shared library (ELF interposition; glibc supports replacing them), and forward to glibc's
 * __libc_* entry points. No LD_PRELOAD needed. Counting is off until alloc_count_enable().
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc_count.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

/* Set before any thread that allocates is started, so a plain flag is enough. */
static bool enabled;
static atomic_uint_fast64_t n_alloc;

void
alloc_count_enable(bool on)
{
    enabled = on;
}

uint64_t
alloc_count_get(void)
{
    return atomic_load_explicit(&n_alloc, memory_order_relaxed);
}

void *
malloc(size_t size)
{
    if (enabled)
        atomic_fetch_add_explicit(&n_alloc, 1, memory_order_relaxed);
    return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
    if (enabled)
        atomic_fetch_add_explicit(&n_alloc, 1, memory_order_relaxed);
    return __libc_calloc(n, size);
}

/* A realloc counts as an allocation: it may move the block, and a caller that grows a buffer
 * by realloc pays for each step. */
void *
realloc(void *p, size_t size)
{
    if (enabled)
        atomic_fetch_add_explicit(&n_alloc, 1, memory_order_relaxed);
    return __libc_realloc(p, size);
}

void
free(void *p)
{
    __libc_free(p);
}
