/*
 * alloc_count.h - process-wide allocation counter for the bench (see alloc_count.c).
 */
#ifndef BENCH_ALLOC_COUNT_H
#define BENCH_ALLOC_COUNT_H

#include <stdbool.h>
#include <stdint.h>

/* Starts or stops counting malloc/calloc/realloc calls of every library in the process. */
void alloc_count_enable(bool on);
/* Allocations counted so far. */
uint64_t alloc_count_get(void);

#endif
