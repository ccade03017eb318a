/*
 * pqg_obs.h - internals shared by the observability modules (slowlog.c, metrics.c).
 *
 * A growable string buffer with JSON string escaping, the latency histogram, and hooks that let
 * unit tests drive metrics and the slow-query line formatter without a database. Not public
 * API: every name carries the pqg__ internal prefix. Implemented in metrics.c (buffer, histogram,
 * metrics hooks) and slowlog.c (line formatter).
 */
#ifndef PQG_OBS_H
#define PQG_OBS_H

#include "pqg.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- string buffer (metrics.c) --- */

/* Starts zeroed ({0}). An allocation failure sets `failed`; later appends are no-ops, so
 * formatters append unconditionally and check once at the end. Uses malloc: the strings
 * pqg_metrics_json() and friends return are documented as "release with free()". */
typedef struct pqg__buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} pqg__buf;

void pqg__buf_append(pqg__buf *b, const char *s, size_t n);
void pqg__buf_puts(pqg__buf *b, const char *s);
void pqg__buf_printf(pqg__buf *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends s[0..n) as a quoted JSON string: ", \ and control characters escaped, invalid UTF-8
 * replaced by U+FFFD so that the output always parses. */
void pqg__buf_json_string(pqg__buf *b, const char *s, size_t n);
/* Hands over the NUL-terminated text, or NULL if an allocation failed (the buffer is then
 * released). Caller owns; release with free(). The buffer is left zeroed. */
char *pqg__buf_finish(pqg__buf *b);
/* Releases the buffer and zeroes it. */
void pqg__buf_free(pqg__buf *b);

/* --- latency histogram (metrics.c) --- */

/* Log-linear buckets (HdrHistogram's layout with 64 sub-buckets per power of two): exact below
 * 128 us, then each power of two split into 64 equal buckets, so a bucket is at most 1/64 of
 * its lower bound wide and its midpoint is within 0.8% of any value in it. Values above
 * PQG__HIST_MAX_US (60 s) are clamped into the last bucket; min and max are kept exactly. */
#define PQG__HIST_MAX_US INT64_C(60000000)
#define PQG__HIST_BUCKETS (128 + 19 * 64)

typedef struct pqg__hist {
    uint64_t count;
    int64_t min_us;
    int64_t max_us;
    uint64_t buckets[PQG__HIST_BUCKETS];
} pqg__hist;

/* The bucket a duration falls in (negative durations count as 0). */
int pqg__hist_index(int64_t us);
/* The representative (midpoint) value of bucket idx, in microseconds. */
int64_t pqg__hist_bucket_value(int idx);
void pqg__hist_record(pqg__hist *h, int64_t us);
/* The q-quantile (0 < q <= 1) estimate: the midpoint of the bucket holding the ceil(q*count)-th
 * smallest value, clamped to [min, max]. 0 for an empty histogram. */
int64_t pqg__hist_percentile(const pqg__hist *h, double q);

/* --- metrics without a pool (metrics.c), for unit tests --- */

/* Creates metrics attached to nothing: feed it with pqg__metrics_on_event(). pool may be NULL
 * (then the JSON has "pool":null and Prometheus text has no pool series). *out: caller owns;
 * release with pqg_metrics_free(). */
int pqg__metrics_new(pqg_db *pool, pqg_metrics **out);
/* The tracer callback (userdata is the pqg_metrics). */
void pqg__metrics_on_event(const pqg_trace_info *info, void *userdata);

/* --- slow-query line (slowlog.c), for unit tests --- */

/* Formats one slow-query JSON line (no trailing newline) for a QUERY_END event at time ts.
 * plan is the EXPLAIN (FORMAT JSON) text or NULL; plan_error a message or NULL.
 * Caller owns; release with free(). NULL when out of memory. */
char *pqg__slowlog_line(const pqg_trace_info *info, bool log_arguments, pqg_timestamp ts,
                        const char *plan, const char *plan_error);

#endif /* PQG_OBS_H */
