/*
 * main.c - the pqgen command line: parses arguments, runs the stages (config -> source ->
 * model -> emit) for the chosen command, prints diagnostics and picks the exit status
 * (0 success, 1 errors or differences, 2 usage errors). The only place that calls exit(), and
 * it frees everything it made before returning, but for generate's model (see
 * main_model_at_exit).
 */
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "emit.h"
#include "model.h"
#include "pqg.h"
#include "source.h"
#include "vet.h"

/* The version of the generator is the runtime's: generated code checks it against pqg.h. */
#define PQGEN_VERSION PQG_VERSION

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char *const main_commands[] = {
    "check", "model", "generate", "diff", "vet", "init", "version", "help",
};

static void
main_usage(FILE *out)
{
    fputs("usage: pqgen [-f PATH] COMMAND [ARGS]\n"
          "\n"
          "Generates typed C for PostgreSQL queries from schema and annotated query files.\n"
          "\n"
          "commands:\n"
          "  check          check the schema and queries; print diagnostics\n"
          "  model          print the analyzed model (JSON) on stdout\n"
          "  generate       write the generated C files (only the ones that changed)\n"
          "  diff           show how the generated files differ from the output folder;\n"
          "                 exit 1 when they differ (for CI)\n"
          "  vet [--db URL] [--format text|json]\n"
          "                 check every query against a live PostgreSQL (a throwaway\n"
          "                 server unless --db is given); --json is --format json\n"
          "  init [DIR]     write a starter pqgen.json, schema/ and queries/ in DIR (default .)\n"
          "  version        print the version\n"
          "  help           print this help\n"
          "\n"
          "flags:\n"
          "  -f, --file PATH   the config file (default ./pqgen.json); paths in it are\n"
          "                    relative to its folder\n"
          "  -j, --jobs N      threads for generate and diff: 1 analyzes every query\n"
          "                    first, then generates; 2 (the default when the machine has\n"
          "                    more than one CPU) generates while analyzing. The output is\n"
          "                    the same either way\n"
          "  -h, --help        print this help\n"
          "      --version     print the version\n"
          "\n"
          "exit status: 0 success, 1 errors (or differences for diff), 2 bad usage\n",
          out);
}

/* Everything a command may build; main_state_free() releases whatever was made. */
typedef struct main_state {
    config cfg;
    src_set schema, queries;
    diag_list d;
    json_t *model;
    emit_file *files;
    size_t n_files;
    char *out_dir;
    emit_writer *writer; /* generate with threads: writes each file as it is rendered */
} main_state;

static void
main_state_free(main_state *s)
{
    if (s->writer)
        emit_writer_finish(s->writer, false, NULL);
    emit_files_free(s->files, s->n_files);
    json_decref(s->model);
    source_set_free(&s->queries);
    source_set_free(&s->schema);
    config_free(&s->cfg);
    diag_list_free(&s->d);
    free(s->out_dir);
}

/* Loads the query sources into s->queries, telling added of each file (a model_load_fn).
 * Returns 0, or -1 on out of memory. */
static int
main_load_queries(void *state, diag_list *d, src_file_fn added, void *added_data)
{
    main_state *s = state;
    return source_load_each(s->cfg.dir, (const char *const *)s->cfg.queries, s->cfg.n_queries,
                            SRC_QUERIES, &s->queries, d, added, added_data);
}

/* Loads the config and the schema sources, and the query sources too when with_queries.
 * Returns 0, or 1 after recording the problem in s->d. */
static int
main_load(main_state *s, const char *cfg_path, bool with_queries)
{
    if (config_load(cfg_path, &s->cfg, &s->d) < 0)
        return EXIT_FAIL;
    if (source_load(s->cfg.dir, (const char *const *)s->cfg.schema, s->cfg.n_schema, SRC_SCHEMA,
                    &s->schema, &s->d) < 0)
        return EXIT_FAIL;
    if (with_queries && main_load_queries(s, &s->d, NULL, NULL) < 0)
        return EXIT_FAIL;
    return EXIT_OK;
}

/* Not a diagnostic: recording one needs memory too. What was recorded still prints. */
static int
main_out_of_memory(void)
{
    fputs("pqgen: out of memory\n", stderr);
    return EXIT_FAIL;
}

/* Loads the config and the sources and builds the model (only analyzes, leaving s->model NULL,
 * when !want_model: check needs the diagnostics alone). Returns 0 when there are no errors
 * (warnings may have been recorded), 1 otherwise. Diagnostics are left in s->d, unprinted. */
static int
main_analyze(main_state *s, const char *cfg_path, bool want_model)
{
    if (main_load(s, cfg_path, true) != EXIT_OK)
        return EXIT_FAIL;
    if (want_model)
        s->model = model_build(&s->schema, &s->queries, &s->d);
    if (want_model ? !s->model : model_check(&s->schema, &s->queries, &s->d) < 0)
        return main_out_of_memory();
    return s->d.n_errors ? EXIT_FAIL : EXIT_OK;
}

/* The output folder: cfg.out, relative to the config's folder. */
static int
main_out_dir(main_state *s)
{
    if (!(s->out_dir = source_path_join(s->cfg.dir, s->cfg.out))) {
        diag_add_at(&s->d, DIAG_ERROR, NULL, NULL, "out of memory");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* generate and diff: like main_analyze then emit_render, but the emitter takes each query as
 * soon as it is analyzed; with threaded, the query files are loaded and analyzed on a worker
 * thread (the two sides take about the same time). The result is the same: the emitter's
 * problems are reported only when the analysis found none, as if it had run after it. Returns 0
 * with s->files, or 1. */
static int
main_analyze_render(main_state *s, const char *cfg_path, bool threaded, bool writing)
{
    diag_list emit_d = {0};
    model_stream *ms;
    int emit_rc;

    if (main_load(s, cfg_path, false) != EXIT_OK || main_out_dir(s) != EXIT_OK)
        return EXIT_FAIL;
    /* When the folder cannot be made, writing falls back to emit_write after the analysis, which
     * reports it after the query diagnostics, as with one thread. */
    if (writing && threaded)
        s->writer = emit_writer_start(s->out_dir, true);
    if (!(ms = model_stream_start(&s->schema, &s->queries, main_load_queries, s, &s->d,
                                  threaded)))
        return main_out_of_memory();
    emit_stream io = {model_stream_next, ms, s->writer, threaded};
    emit_rc = emit_render_from(model_stream_model(ms), &io, &s->cfg, &s->files, &s->n_files,
                               &emit_d);
    s->model = model_stream_finish(ms, &s->d);
    if (!s->model || (!s->d.n_errors && diag_list_append(&s->d, &emit_d) != 0)) {
        diag_list_free(&emit_d);
        return main_out_of_memory();
    }
    diag_list_free(&emit_d);
    return emit_rc < 0 || s->d.n_errors ? EXIT_FAIL : EXIT_OK;
}

/* What generate and diff leave to the kernel at exit (git's UNLEAK, clang's -disable-free):
 * the model, 100,000 jansson values freed one by one in about 8 ms, the longest part of the
 * run's end. Kept reachable from here, it is no leak to LSan or valgrind. */
static json_t *volatile main_model_at_exit; /* volatile: a store never read is kept */

static int
main_run(const char *cmd, const char *cfg_path, const char *db_url, bool json_out, int jobs)
{
    main_state s;
    memset(&s, 0, sizeof s);
    bool render = strcmp(cmd, "generate") == 0 || strcmp(cmd, "diff") == 0;
    int rc = render ? main_analyze_render(&s, cfg_path, jobs > 1, strcmp(cmd, "generate") == 0)
                    : main_analyze(&s, cfg_path, strcmp(cmd, "check") != 0);
    if (rc == EXIT_OK && strcmp(cmd, "model") == 0) {
        diag_print(&s.d, stderr);
        if (json_dumpf(s.model, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF ||
            fflush(stdout) == EOF) {
            fprintf(stderr, "pqgen: error: cannot write the model: %s\n", strerror(errno));
            rc = EXIT_FAIL;
        }
        main_state_free(&s);
        return rc;
    }
    if (rc == EXIT_OK && strcmp(cmd, "vet") == 0) {
        vet_options opt = {.db_url = db_url, .json_output = json_out};
        if (vet_run(&s.cfg, s.model, &s.schema, &s.queries, &opt, &s.d) < 0 || s.d.n_errors)
            rc = EXIT_FAIL;
    }
    if (render && s.model) {
        main_model_at_exit = s.model;
        s.model = NULL;
    }
    diag_print(&s.d, stderr);
    if (rc == EXIT_OK && strcmp(cmd, "generate") == 0) {
        int written = 0, w;
        if (s.writer) {
            w = emit_writer_finish(s.writer, true, &written);
            s.writer = NULL;
        } else {
            w = emit_write(s.out_dir, s.files, s.n_files, &written);
        }
        if (w < 0)
            rc = EXIT_FAIL;
        else
            fprintf(stderr, "wrote %d of %zu files in %s\n", written, s.n_files, s.out_dir);
    } else if (rc == EXIT_OK && strcmp(cmd, "diff") == 0) {
        int r = emit_diff(s.out_dir, s.files, s.n_files, stdout);
        fflush(stdout);
        if (r != 0)
            rc = EXIT_FAIL;
        if (r > 0)
            fprintf(stderr, "pqgen: %s is out of date: run \"pqgen generate\"\n", s.out_dir);
    }
    main_state_free(&s);
    return rc;
}

/* ---- init ---------------------------------------------------------------------------------- */

static const char init_config[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"schema\": [\"schema\"],\n"
    "  \"queries\": [\"queries\"],\n"
    "  \"out\": \"generated\",\n"
    "  \"prefix\": \"db\"\n"
    "}\n";

static const char init_up[] =
    "-- The first migration: one table to start from. Migrations run in file-name order;\n"
    "-- each NNNN_name.up.sql has a .down.sql that undoes it.\n"
    "CREATE TABLE authors (\n"
    "    id          bigserial PRIMARY KEY,\n"
    "    name        text NOT NULL,\n"
    "    bio         text,\n"
    "    created_at  timestamptz NOT NULL DEFAULT now()\n"
    ");\n";

static const char init_down[] = "DROP TABLE authors;\n";

static const char init_queries[] =
    "-- name: GetAuthor :one\n"
    "-- One author by id; PQG_ENOTFOUND when there is none.\n"
    "SELECT * FROM authors WHERE id = $1;\n"
    "\n"
    "-- name: ListAuthors :many\n"
    "SELECT * FROM authors ORDER BY name;\n"
    "\n"
    "-- name: CreateAuthor :one\n"
    "INSERT INTO authors (name, bio) VALUES ($1, $2) RETURNING *;\n"
    "\n"
    "-- name: DeleteAuthor :exec\n"
    "DELETE FROM authors WHERE id = $1;\n";

static int
main_mkdir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "pqgen: error: cannot create %s: %s\n", path, strerror(errno));
    return -1;
}

static int
main_init(const char *dir)
{
    static const struct {
        const char *name;
        const char *text;
    } files[] = {
        {"pqgen.json", init_config},
        {"schema/0001_init.up.sql", init_up},
        {"schema/0001_init.down.sql", init_down},
        {"queries/query.sql", init_queries},
    };
    enum { N = sizeof files / sizeof files[0] };
    char paths[N][4096];
    int rc = EXIT_OK;
    for (size_t i = 0; i < N; i++) {
        int n = snprintf(paths[i], sizeof paths[i], "%s/%s", dir, files[i].name);
        if (n < 0 || (size_t)n >= sizeof paths[i]) {
            fprintf(stderr, "pqgen: error: path too long: %s\n", dir);
            return EXIT_FAIL;
        }
        struct stat st;
        if (lstat(paths[i], &st) == 0) {
            fprintf(stderr, "pqgen: error: %s already exists\n", paths[i]);
            rc = EXIT_FAIL;
        }
    }
    if (rc != EXIT_OK) {
        fputs("pqgen: nothing written: init never overwrites files\n", stderr);
        return rc;
    }
    char sub[4200];
    if (main_mkdir(dir) < 0)
        return EXIT_FAIL;
    snprintf(sub, sizeof sub, "%s/schema", dir);
    if (main_mkdir(sub) < 0)
        return EXIT_FAIL;
    snprintf(sub, sizeof sub, "%s/queries", dir);
    if (main_mkdir(sub) < 0)
        return EXIT_FAIL;
    for (size_t i = 0; i < N; i++) {
        /* "x": fail rather than replace a file that appeared since the check above. */
        FILE *fp = fopen(paths[i], "wx");
        if (!fp) {
            fprintf(stderr, "pqgen: error: cannot create %s: %s\n", paths[i], strerror(errno));
            return EXIT_FAIL;
        }
        bool ok = fputs(files[i].text, fp) >= 0;
        if (fclose(fp) != 0 || !ok) {
            fprintf(stderr, "pqgen: error: cannot write %s: %s\n", paths[i], strerror(errno));
            return EXIT_FAIL;
        }
        fprintf(stderr, "created %s\n", paths[i]);
    }
    if (strcmp(dir, ".") == 0)
        fputs("next: pqgen generate\n", stderr);
    else
        fprintf(stderr, "next: pqgen -f %s/pqgen.json generate\n", dir);
    return EXIT_OK;
}

/* ---- arguments ----------------------------------------------------------------------------- */

static int
main_unknown_command(const char *cmd)
{
    fprintf(stderr, "pqgen: error: unknown command \"%s\"\n", cmd);
    const char *close = diag_closest(cmd, main_commands,
                                     sizeof main_commands / sizeof main_commands[0]);
    if (close)
        fprintf(stderr, "hint: did you mean \"%s\"?\n", close);
    else
        fputs("hint: run \"pqgen help\" for the list of commands\n", stderr);
    return EXIT_USAGE;
}

static int
main_usage_error(const char *fmt, const char *arg)
{
    fputs("pqgen: error: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nhint: run \"pqgen help\" for usage\n", stderr);
    return EXIT_USAGE;
}

static int
main_dispatch(int argc, char **argv)
{
    const char *cfg_path = "pqgen.json";
    const char *cmd = NULL, *arg = NULL, *db_url = NULL;
    bool json_out = false, format_given = false;
    int jobs = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            main_usage(stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--version") == 0) {
            puts("pqgen " PQGEN_VERSION);
            return EXIT_OK;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0 || strcmp(a, "--db") == 0) {
            if (i + 1 >= argc)
                return main_usage_error("%s needs a value", a);
            if (strcmp(a, "--db") == 0)
                db_url = argv[++i];
            else
                cfg_path = argv[++i];
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 ||
                   strncmp(a, "--jobs=", 7) == 0 || (strncmp(a, "-j", 2) == 0 && a[2])) {
            const char *v = a[1] == 'j' ? (a[2] ? a + 2 : NULL) : (a[6] == '=' ? a + 7 : NULL);
            char *end;
            long n;
            if (!v && i + 1 >= argc)
                return main_usage_error("%s needs a value (a number of threads)", a);
            if (!v)
                v = argv[++i];
            n = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || n < 1 || n > 1024)
                return main_usage_error("bad number of threads \"%s\" (expected 1 or more)", v);
            jobs = (int)n;
        } else if (strncmp(a, "--file=", 7) == 0) {
            cfg_path = a + 7;
        } else if (strncmp(a, "--db=", 5) == 0) {
            db_url = a + 5;
        } else if (strcmp(a, "--json") == 0) {
            json_out = true;
            format_given = true;
        } else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *f = a[8] == '=' ? a + 9 : NULL;
            if (!f && i + 1 >= argc)
                return main_usage_error("%s needs a value (text or json)", a);
            if (!f)
                f = argv[++i];
            if (strcmp(f, "json") == 0)
                json_out = true;
            else if (strcmp(f, "text") == 0)
                json_out = false;
            else
                return main_usage_error("unknown format \"%s\" (expected text or json)", f);
            format_given = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return main_usage_error("unknown flag \"%s\"", a);
        } else if (!cmd) {
            cmd = a;
        } else if (!arg) {
            arg = a;
        } else {
            return main_usage_error("unexpected argument \"%s\"", a);
        }
    }
    if (!cmd) {
        main_usage(stderr);
        return EXIT_USAGE;
    }
    if ((db_url || format_given) && strcmp(cmd, "vet") != 0)
        return main_usage_error("--db and --format are for \"vet\" only, not \"%s\"", cmd);
    if (arg && strcmp(cmd, "init") != 0)
        return main_usage_error("unexpected argument \"%s\"", arg);
    if (strcmp(cmd, "version") == 0) {
        puts("pqgen " PQGEN_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        main_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "init") == 0)
        return main_init(arg ? arg : ".");
    if (strcmp(cmd, "check") == 0 || strcmp(cmd, "model") == 0 || strcmp(cmd, "generate") == 0 ||
        strcmp(cmd, "diff") == 0 || strcmp(cmd, "vet") == 0)
        return main_run(cmd, cfg_path, db_url, json_out, jobs);
    return main_unknown_command(cmd);
}

int
main(int argc, char **argv)
{
    /* No glibc fastbins: the analysis frees many small blocks, and the first larger request
     * after that (stdio buffers while writing output) made malloc_consolidate walk them all
     * (16-24% of generate's wall time in tests/bench/RESULTS.md; 9% of it on the bench corpus
     * once parse trees stopped being jansson DOMs). */
    mallopt(M_MXFAST, 0);
    /* Keep freed memory instead of giving it back to the kernel, serve big blocks from the
     * heap instead of mmap, and grow heaps 64 MB (of address space) at a time: pqgen is
     * short-lived, and with the analysis worker each trim, munmap or heap growth (2,000
     * mprotect calls on the bench corpus) took the address-space lock or a TLB shootdown on
     * the other CPU (together about 10% of generate's wall time). */
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    exit(main_dispatch(argc, argv));
}
