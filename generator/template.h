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
#include <stdarg.h>
#include <stddef.h>

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

/* ---- template values: a cheap view model ----
 * What the emit stage renders from: null, booleans, integers, reals, strings, arrays and
 * objects (keys in insertion order; setting a key again replaces its value in place), all
 * allocated from one arena and released together. Values may be shared between containers.
 * Rendering them behaves exactly as rendering the equal jansson value (template_render is
 * template_render_tv over a converted copy). An allocation failure sets the arena's oom flag
 * and returns the shared null value (or -1), so callers check tv_arena_oom() once at the end.
 * Object members are interned per arena and indexed by hash beyond a few dozen; short strings
 * are shared. Not thread-safe (reads may convert lazy members in place).
 */
typedef struct tv_arena tv_arena;
typedef struct tv tv;
typedef enum tv_kind {
    TV_NULL, TV_FALSE, TV_TRUE, TV_INT, TV_REAL, TV_STR, TV_ARR, TV_OBJ
} tv_kind;

/* Caller owns; release with tv_arena_free() (NULL when out of memory). */
tv_arena *tv_arena_new(void);
/* Releases the arena and every value in it. NULL is a no-op. */
void tv_arena_free(tv_arena *a);
int tv_arena_oom(const tv_arena *a);
/* n bytes (8-aligned). Borrowed; valid until tv_arena_free(a). NULL when out of memory. */
void *tv_alloc(tv_arena *a, size_t n);
/* A copy of s ("" for NULL) / a formatted string. Borrowed from a (valid until its release). */
char *tv_strdup(tv_arena *a, const char *s);
char *tv_sprintf(tv_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vsnprintf/snprintf, fast for the conversions generators use most (%s %.*s %*s %d %i %u with
 * l, ll or z); anything else goes to the C library. Same return value and truncation. */
int tv_vformat(char *buf, size_t size, const char *fmt, va_list ap);
int tv_format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Constructors. Every value returned is borrowed from its arena (the shared null, true and false
 * from static storage). */
tv *tv_null(void);
tv *tv_bool(int b);
tv *tv_int(tv_arena *a, long long i);
tv *tv_real(tv_arena *a, double d);
/* A string value copying s; NULL gives null. */
tv *tv_str(tv_arena *a, const char *s);
tv *tv_strn(tv_arena *a, const char *s, size_t n);
tv *tv_fmt(tv_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
tv *tv_obj(tv_arena *a);
/* An object with room for cap members (no reallocation while it has fewer). */
tv *tv_obj_sized(tv_arena *a, size_t cap);
tv *tv_arr(tv_arena *a);
/* A new array holding the same elements as arr (not copies of them). */
tv *tv_arr_copy(tv_arena *a, const tv *arr);
/* A new object with the same members as o (not copies of them); a non-object gives null. */
tv *tv_obj_copy(tv_arena *a, const tv *o);
/* A deep copy of a jansson value (NULL gives null). Its keys and strings are borrowed from j,
 * which must outlive every use of the copy. */
tv *tv_from_json(tv_arena *a, const json_t *j);
/* The same for an object, with room for extra members to be added; its members that are arrays
 * or objects are converted only when first read (a derived query replaces some of them). */
tv *tv_from_json_obj(tv_arena *a, const json_t *j, size_t extra);
/* Reading a tree converts its lazy members in place (tv_from_json_obj). Between these two
 * calls, on the calling thread, they are converted into scratch instead (again at each read),
 * so that the tree is only read and several threads may read (render) it at once, each with a
 * scratch arena of its own, as long as no thread changes it meanwhile. */
void tv_read_only_begin(tv_arena *scratch);
void tv_read_only_end(void);
/* A new jansson value equal to v. Caller owns; release with json_decref(). */
json_t *tv_to_json(const tv *v);

tv_kind tv_kind_of(const tv *v);
/* The arena an array or object allocates from (NULL for other values). */
tv_arena *tv_arena_of(const tv *v);
/* Sets o[key] (key copied); o not an object: no-op returning -1. v NULL stores null. */
int tv_set(tv *o, const char *key, tv *v);
/* o[key] = string s (copied; NULL stores null) / formatted string. */
void tv_set_str(tv *o, const char *key, const char *s);
void tv_set_fmt(tv *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tv_set_bool(tv *o, const char *key, int b);
void tv_set_int(tv *o, const char *key, long long i);
/* o[key], or NULL when missing (or o is not an object). Borrowed. */
tv *tv_get(const tv *o, const char *key);
/* Appends v to arr (-1 when arr is not an array). */
int tv_push(tv *arr, tv *v);
void tv_push_str(tv *arr, const char *s);
void tv_push_fmt(tv *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends every element of from to arr. */
void tv_extend(tv *arr, const tv *from);
/* Array length (0 for a non-array) and element i (NULL when out of range). */
size_t tv_len(const tv *arr);
tv *tv_at(const tv *arr, size_t i);
/* String value (NULL for a non-string), integer value (0 for a non-integer), and JSON truth
 * (only true is true). */
const char *tv_sval(const tv *v);
long long tv_ival(const tv *v);
int tv_is_true(const tv *v);
#define tv_foreach(arr, i, v)                                                                    \
    for ((i) = 0; (i) < tv_len(arr) && ((v) = tv_at((arr), (i)), 1); (i)++)

/* A parsed template, reusable across renders (partials are loaded and parsed on first use and
 * kept). Caller owns; release with template_free(). NULL and *err filled on a syntax error in the
 * template or, with strict_partials, an unknown or broken partial. opt and its name must stay
 * valid while the template is used; tmpl is copied. */
typedef struct template template;
template *template_parse(const char *tmpl, const template_options *opt, template_error *err);
void template_free(template *t);
/* Renders a parsed template with data (borrowed; may be NULL) as the root context. Returns 0 and
 * *out (caller owns; release with free()), or -1 with *err filled. */
int template_render_parsed(template *t, const tv *data, char **out, template_error *err);
/* template_render over a value tree: parses, renders, releases. */
int template_render_tv(const char *tmpl, const tv *data, const template_options *opt, char **out,
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
