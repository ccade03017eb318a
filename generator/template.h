/* template.h: the mustache renderer the emit stage uses for templates/.
 *
 * Implements the mustache spec v1 core without lambdas: variables ({{x}}, {{{x}}}, {{&x}}),
 * dotted names, the implicit iterator {{.}}, sections, inverted sections, comments, partials
 * (with standalone indentation), set delimiters and the standalone-line rules.
 *
 * Sections: null, false, "", [], 0 and 0.0 are falsey (as in mustache.js); everything else,
 * including {}, is truthy. An array renders its body once per element with the element pushed on
 * the context stack; any other truthy value renders the body once with the value pushed.
 * Values: strings verbatim, integers as integers, reals in the shortest form that round-trips
 * (1.21), true/false as words, null or a missing name as nothing, objects and arrays as compact
 * JSON.
 */
#ifndef PQGEN_TEMPLATE_H
#define PQGEN_TEMPLATE_H

#include <jansson.h>

/* Where a template failed. `file` is the template's name (template_options.name) or, for an
 * error inside a partial, the partial's name; `line` is 1-based and points at the offending tag
 * (for an unclosed section, at its opening tag). Filling it never allocates. */
typedef struct template_error {
    char file[256];
    int line;
    char message[256];
} template_error;

/* Loads the text of partial `name` (as written after `{{>`). Returns malloc'd text that the
 * renderer frees, or NULL when the name is unknown. Called at most once per name per render. */
typedef char *(*template_partial_fn)(const char *name, void *userdata);

typedef struct template_options {
    int escape_html;        /* 1: {{x}} escapes & " < > (spec tests); 0: no escaping (C output) */
    int strict_partials;    /* 1: an unknown partial is an error; 0: it renders as nothing (spec) */
    template_partial_fn partial; /* NULL: no partials are known */
    void *partial_userdata;
    const char *name;       /* the template's file name, for errors; NULL gives "<template>" */
} template_options;

/* Renders `tmpl` with `data` (borrowed; may be NULL) as the root context. `opt` may be NULL
 * (no escaping, no partials). Every partial reachable from the template is loaded and parsed
 * before rendering starts, so an unknown partial (with strict_partials) or a syntax error in a
 * partial is reported even when the data never reaches it.
 * Errors (return -1, *err filled, *out set to NULL): unclosed or mismatched sections, unclosed
 * tags, empty or malformed tag names, bad set-delimiter tags, unknown partials (strict mode),
 * partials nested deeper than 64 or sections deeper than 256, out of memory.
 * Returns 0 and *out: caller owns; release with free(). */
int template_render(const char *tmpl, json_t *data, const template_options *opt, char **out,
                    template_error *err);

/* Partial loader reading DIR/NAME.mustache, with `userdata` the directory (a const char *).
 * Names containing '/' or starting with '.' are refused (NULL). Caller owns; release with
 * free(). Returns NULL when the file cannot be read. */
char *template_partial_from_dir(const char *name, void *userdata);

/* Partial loader over a JSON object mapping names to template strings (the spec tests'
 * `partials` field), with `userdata` the json_t * object (borrowed). Caller owns the result;
 * release with free(). Returns NULL for an unknown name or a non-string value. */
char *template_partial_from_json(const char *name, void *userdata);

#endif
