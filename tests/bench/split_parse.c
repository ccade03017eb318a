/*
 * split_parse.c - the generator benchmark's physical limit: read each file, split it with
 * pg_query_split_with_scanner, and pg_query_parse every statement (JSON, freed at once).
 * Nothing else: no JSON loading, no analysis, no output. pqgen cannot do less work than this
 * on the same files. Prints statements, bytes and the in-process time on stdout.
 *
 *   split_parse FILE...
 */
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reads the whole file. Caller owns; release with free(). NULL on error. */
static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else if (buf) {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

int
main(int argc, char **argv)
{
    struct timespec t0, t1;
    long stmts = 0, errors = 0;
    size_t bytes = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 1; i < argc; i++) {
        size_t len = 0;
        char *text = read_file(argv[i], &len);
        PgQuerySplitResult split;

        if (!text) {
            fprintf(stderr, "split_parse: cannot read %s\n", argv[i]);
            return 1;
        }
        bytes += len;
        split = pg_query_split_with_scanner(text);
        if (split.error) {
            errors++;
        } else {
            for (int s = 0; s < split.n_stmts; s++) {
                const PgQuerySplitStmt *st = split.stmts[s];
                /* Parsed in place: the statement is NUL-terminated in the buffer for the call,
                 * as a generator that keeps the file in memory would do. */
                char saved = text[st->stmt_location + st->stmt_len];
                PgQueryParseResult r;

                text[st->stmt_location + st->stmt_len] = '\0';
                r = pg_query_parse(text + st->stmt_location);
                text[st->stmt_location + st->stmt_len] = saved;
                if (r.error)
                    errors++;
                stmts++;
                pg_query_free_parse_result(r);
            }
        }
        pg_query_free_split_result(split);
        free(text);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("statements %ld bytes %zu errors %ld seconds %.6f\n", stmts, bytes, errors,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return errors ? 2 : 0;
}
