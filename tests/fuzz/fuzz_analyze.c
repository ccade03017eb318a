/*
 * fuzz_analyze.c - libFuzzer target for the generator's front end and analyzer: the input is
 * schema SQL, a "-- @queries" marker line, then query SQL (no marker: everything is queries).
 * Runs source splitting on the in-memory text, model_build and diag_print, then frees it all,
 * so ASan/UBSan see every path that user-written SQL can reach. Built by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "model.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char marker[] = "-- @queries\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    const char *text = (const char *)data;
    size_t schema_len = 0, q_off = 0;
    size_t ml = sizeof marker - 1;
    for (size_t i = 0; i + ml <= size; i++) {
        if (memcmp(text + i, marker, ml) == 0) {
            schema_len = i;
            q_off = i + ml;
            break;
        }
    }
    src_set schema = {0}, queries = {0};
    diag_list d = {0};
    if (source_load_text("schema.sql", text, schema_len, SRC_SCHEMA, &schema, &d) == 0 &&
        source_load_text("query.sql", text + q_off, size - q_off, SRC_QUERIES, &queries, &d) ==
            0) {
        json_t *model = model_build(&schema, &queries, &d);
        if (model && sink) {
            char *s = json_dumps(model, JSON_INDENT(2));
            if (s)
                fputs(s, sink);
            free(s);
        }
        json_decref(model);
    }
    if (sink)
        diag_print(&d, sink);
    diag_list_free(&d);
    source_set_free(&queries);
    source_set_free(&schema);
    return 0;
}
