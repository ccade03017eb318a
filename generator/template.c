/* template.c: a mustache renderer (spec v1 core, no lambdas) over jansson values.
 * A template is parsed once into a flat node array in which each section records where its
 * body ends; rendering walks that array against a context stack and appends to one growable
 * buffer. Partials come from a caller-supplied loader, are checked eagerly and parsed once per
 * (name, indentation) per render. emit.c drives it; it knows nothing about the model's shape.
 */
#include "template.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Both limits turn hostile or runaway templates into errors instead of stack overflows. */
#define MAX_SECTION_DEPTH 256
#define MAX_PARTIAL_DEPTH 64
#define MAX_DELIM 32

enum node_kind { NODE_TEXT, NODE_VAR, NODE_SECTION, NODE_INVERTED, NODE_PARTIAL };

struct node {
    enum node_kind kind;
    int escape;             /* NODE_VAR: {{x}} rather than {{{x}}} or {{&x}} */
    const char *str;        /* text, or the tag's trimmed name; points into the source */
    size_t len;
    const char *indent;     /* NODE_PARTIAL: whitespace before a standalone tag, else NULL */
    size_t indent_len;
    size_t end;             /* sections: index one past the last node of the body */
    size_t pos;             /* offset of the tag in the source, for error lines */
};

struct tmpl {
    const char *name;       /* borrowed: the options' name or a partial source's name */
    const char *src;        /* borrowed: nodes point into it */
    size_t src_len;
    struct node *nodes;
    size_t n, cap;
};

/* A partial's text, loaded once per render. text == NULL means the loader did not know it. */
struct source {
    char *name;
    char *text;
    int checked;            /* parsed once unindented, and its own partials checked */
    struct source *next;
};

/* A partial parsed for one standalone indentation (the spec indents every line of it). */
struct parsed {
    struct source *src;
    char *indent;
    size_t indent_len;
    char *text;             /* the indented copy, or NULL when indent_len is 0 */
    struct tmpl t;
    struct parsed *next;
};

struct buf {
    char *p;
    size_t len, cap;
};

struct render {
    const template_options *opt;
    template_error *err;
    struct buf out;
    json_t **stack;
    size_t depth, stack_cap;
    struct source *sources;
    struct parsed *parsed;
    int partial_depth;
};

static const template_options default_options = {0, 0, NULL, NULL, NULL};

static int
line_of(const char *src, size_t pos)
{
    int line = 1;
    for (size_t i = 0; i < pos && src[i]; i++)
        if (src[i] == '\n')
            line++;
    return line;
}

static void
set_error(template_error *err, const char *file, const char *src, size_t pos, const char *fmt,
          ...)
{
    if (!err)
        return;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "<template>");
    err->line = src ? line_of(src, pos) : 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static int
buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int
buf_add(struct buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static struct node *
tmpl_add(struct tmpl *t, enum node_kind kind, const char *str, size_t len, size_t pos)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        struct node *nodes = realloc(t->nodes, cap * sizeof *nodes);
        if (!nodes)
            return NULL;
        t->nodes = nodes;
        t->cap = cap;
    }
    struct node *nd = &t->nodes[t->n++];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->str = str;
    nd->len = len;
    nd->pos = pos;
    return nd;
}

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses the `{{=open close=}}` body into the current delimiters. */
static int
parse_delimiters(const char *s, size_t len, char *open, size_t *olen, char *close, size_t *clen)
{
    size_t i = 0, a, b;
    while (i < len && is_blank(s[i]))
        i++;
    a = i;
    while (i < len && !is_blank(s[i]))
        i++;
    size_t alen = i - a;
    while (i < len && is_blank(s[i]))
        i++;
    b = i;
    while (i < len && !is_blank(s[i]))
        i++;
    size_t blen = i - b;
    while (i < len && is_blank(s[i]))
        i++;
    if (i != len || alen == 0 || blen == 0 || alen > MAX_DELIM || blen > MAX_DELIM)
        return -1;
    if (memchr(s + a, '=', alen) || memchr(s + b, '=', blen))
        return -1;
    memcpy(open, s + a, alen);
    open[alen] = '\0';
    *olen = alen;
    memcpy(close, s + b, blen);
    close[blen] = '\0';
    *clen = blen;
    return 0;
}

/* Parses t->src into t->nodes. Every parse starts with the default delimiters, which is what
 * the spec asks of partials. On error fills *err (file = t->name) and returns -1. */
static int
parse(struct tmpl *t, template_error *err)
{
    const char *s = t->src;
    size_t n = t->src_len;
    char open[MAX_DELIM + 1] = "{{", close[MAX_DELIM + 1] = "}}";
    size_t olen = 2, clen = 2;
    size_t stack[MAX_SECTION_DEPTH];
    size_t depth = 0;
    size_t pos = 0, text_start = 0;

    for (;;) {
        const char *found = memmem(s + pos, n - pos, open, olen);
        if (!found)
            break;
        size_t tag = (size_t)(found - s);
        size_t p = tag + olen;
        char type = p < n ? s[p] : '\0';
        if (type && strchr("#^/!>&{=", type))
            p++;
        else
            type = '\0';

        /* Triple mustaches end with "}" + close and delimiter tags with "=" + close. */
        char term[MAX_DELIM + 2];
        size_t tlen = 0;
        if (type == '{' || type == '=')
            term[tlen++] = type == '{' ? '}' : '=';
        memcpy(term + tlen, close, clen);
        tlen += clen;
        const char *tend = memmem(s + p, n - p, term, tlen);
        if (!tend) {
            set_error(err, t->name, s, tag, "unclosed tag: no '%.*s' after '%.*s'", (int)tlen,
                      term, (int)olen, open);
            return -1;
        }
        size_t body_end = (size_t)(tend - s);
        size_t tag_end = body_end + tlen;

        size_t name = p, name_end = body_end;
        while (name < name_end && is_blank(s[name]))
            name++;
        while (name_end > name && is_blank(s[name_end - 1]))
            name_end--;
        size_t name_len = name_end - name;
        if (type != '!' && type != '=') {
            if (name_len == 0) {
                set_error(err, t->name, s, tag, "empty tag name");
                return -1;
            }
            for (size_t i = name; i < name_end; i++) {
                if (is_blank(s[i])) {
                    set_error(err, t->name, s, tag, "tag name '%.*s' contains whitespace",
                              (int)name_len, s + name);
                    return -1;
                }
            }
        }

        /* Standalone: alone on its line apart from spaces and tabs; the whole line goes. */
        size_t text_end = tag, next = tag_end;
        if (type && strchr("#^/!>=", type)) {
            size_t ls = tag;
            while (ls > 0 && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
                ls--;
            if (ls == 0 || s[ls - 1] == '\n') {
                size_t after = tag_end;
                while (after < n && (s[after] == ' ' || s[after] == '\t'))
                    after++;
                int standalone = 1;
                if (after < n && s[after] == '\n')
                    after++;
                else if (after + 1 < n && s[after] == '\r' && s[after + 1] == '\n')
                    after += 2;
                else if (after < n)
                    standalone = 0;
                if (standalone) {
                    text_end = ls;
                    next = after;
                }
            }
        }

        if (text_end > text_start && !tmpl_add(t, NODE_TEXT, s + text_start,
                                               text_end - text_start, text_start))
            goto oom;

        struct node *nd;
        switch (type) {
        case '#':
        case '^':
            if (depth == MAX_SECTION_DEPTH) {
                set_error(err, t->name, s, tag, "sections nested deeper than %d",
                          MAX_SECTION_DEPTH);
                return -1;
            }
            if (!tmpl_add(t, type == '#' ? NODE_SECTION : NODE_INVERTED, s + name, name_len, tag))
                goto oom;
            stack[depth++] = t->n - 1;
            break;
        case '/': {
            if (depth == 0) {
                set_error(err, t->name, s, tag, "close tag '%.*s' without an open section",
                          (int)name_len, s + name);
                return -1;
            }
            struct node *open_nd = &t->nodes[stack[--depth]];
            if (open_nd->len != name_len || memcmp(open_nd->str, s + name, name_len) != 0) {
                set_error(err, t->name, s, tag,
                          "close tag '%.*s' does not match section '%.*s' opened on line %d",
                          (int)name_len, s + name, (int)open_nd->len, open_nd->str,
                          line_of(s, open_nd->pos));
                return -1;
            }
            open_nd->end = t->n;
            break;
        }
        case '!':
            break;
        case '>':
            if (!(nd = tmpl_add(t, NODE_PARTIAL, s + name, name_len, tag)))
                goto oom;
            if (text_end != tag) {
                nd->indent = s + text_end;
                nd->indent_len = tag - text_end;
            }
            break;
        case '=':
            if (parse_delimiters(s + p, body_end - p, open, &olen, close, &clen) < 0) {
                set_error(err, t->name, s, tag,
                          "bad delimiter tag: want two non-empty delimiters without '=' or "
                          "whitespace, at most %d bytes each", MAX_DELIM);
                return -1;
            }
            break;
        default:
            if (!(nd = tmpl_add(t, NODE_VAR, s + name, name_len, tag)))
                goto oom;
            nd->escape = type == '\0';
            break;
        }
        pos = text_start = next;
    }
    if (n > text_start && !tmpl_add(t, NODE_TEXT, s + text_start, n - text_start, text_start))
        goto oom;
    if (depth > 0) {
        struct node *open_nd = &t->nodes[stack[depth - 1]];
        set_error(err, t->name, s, open_nd->pos, "unclosed section '%.*s'", (int)open_nd->len,
                  open_nd->str);
        return -1;
    }
    return 0;
oom:
    set_error(err, t->name, s, pos, "out of memory");
    return -1;
}

/* Finds or loads the source of partial `name`. Returns -1 only when out of memory. */
static int
get_source(struct render *r, const char *name, size_t len, struct source **out)
{
    for (struct source *src = r->sources; src; src = src->next) {
        if (strlen(src->name) == len && memcmp(src->name, name, len) == 0) {
            *out = src;
            return 0;
        }
    }
    struct source *src = calloc(1, sizeof *src);
    if (!src || !(src->name = strndup(name, len))) {
        free(src);
        return -1;
    }
    if (r->opt->partial)
        src->text = r->opt->partial(src->name, r->opt->partial_userdata);
    src->next = r->sources;
    r->sources = src;
    *out = src;
    return 0;
}

/* Checks every partial tag of `t`, recursively: each must load (in strict mode) and parse.
 * Recursion goes by distinct names only, so self-including partials terminate. */
static int
check_partials(struct render *r, const struct tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const struct node *nd = &t->nodes[i];
        if (nd->kind != NODE_PARTIAL)
            continue;
        struct source *src;
        if (get_source(r, nd->str, nd->len, &src) < 0) {
            set_error(r->err, t->name, t->src, nd->pos, "out of memory");
            return -1;
        }
        if (!src->text) {
            if (r->opt->strict_partials) {
                set_error(r->err, t->name, t->src, nd->pos, "unknown partial '%s'", src->name);
                return -1;
            }
            continue;
        }
        if (src->checked)
            continue;
        src->checked = 1;
        struct tmpl pt = {.name = src->name, .src = src->text, .src_len = strlen(src->text)};
        int rc = parse(&pt, r->err);
        if (rc == 0)
            rc = check_partials(r, &pt);
        free(pt.nodes);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Copies `text` with `indent` inserted at the start of every line (a final newline does not
 * start a line). Caller owns; release with free(). */
static char *
indent_text(const char *text, const char *indent, size_t indent_len)
{
    size_t lines = 1, len = strlen(text);
    for (size_t i = 0; i + 1 < len; i++)
        if (text[i] == '\n')
            lines++;
    char *out = malloc(len + lines * indent_len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    memcpy(out, indent, indent_len);
    o += indent_len;
    for (size_t i = 0; i < len; i++) {
        out[o++] = text[i];
        if (text[i] == '\n' && i + 1 < len) {
            memcpy(out + o, indent, indent_len);
            o += indent_len;
        }
    }
    out[o] = '\0';
    return out;
}

/* Returns the parsed form of partial node `nd` (in template `t`), NULL in *out when it is
 * unknown. Borrowed; valid until the render ends. */
static int
get_parsed(struct render *r, const struct tmpl *t, const struct node *nd, struct tmpl **out)
{
    struct source *src;
    if (get_source(r, nd->str, nd->len, &src) < 0)
        goto oom;
    *out = NULL;
    if (!src->text)
        return 0;
    for (struct parsed *pp = r->parsed; pp; pp = pp->next) {
        if (pp->src == src && pp->indent_len == nd->indent_len &&
            memcmp(pp->indent, nd->indent ? nd->indent : "", nd->indent_len) == 0) {
            *out = &pp->t;
            return 0;
        }
    }
    struct parsed *pp = calloc(1, sizeof *pp);
    if (!pp)
        goto oom;
    pp->src = src;
    pp->indent_len = nd->indent_len;
    pp->indent = strndup(nd->indent ? nd->indent : "", nd->indent_len);
    if (pp->indent && nd->indent_len)
        pp->text = indent_text(src->text, pp->indent, pp->indent_len);
    if (!pp->indent || (nd->indent_len && !pp->text)) {
        free(pp->indent);
        free(pp->text);
        free(pp);
        goto oom;
    }
    pp->t.name = src->name;
    pp->t.src = pp->text ? pp->text : src->text;
    pp->t.src_len = strlen(pp->t.src);
    pp->next = r->parsed;
    r->parsed = pp;
    if (parse(&pp->t, r->err) < 0)
        return -1;
    *out = &pp->t;
    return 0;
oom:
    set_error(r->err, t->name, t->src, nd->pos, "out of memory");
    return -1;
}

static int
push(struct render *r, json_t *v)
{
    if (r->depth == r->stack_cap) {
        size_t cap = r->stack_cap ? r->stack_cap * 2 : 32;
        json_t **stack = realloc(r->stack, cap * sizeof *stack);
        if (!stack)
            return -1;
        r->stack = stack;
        r->stack_cap = cap;
    }
    r->stack[r->depth++] = v;
    return 0;
}

/* The spec's lookup: "." is the top of the stack; otherwise the first part of a dotted name is
 * searched from the top of the stack down, and the remaining parts only inside what it found. */
static json_t *
lookup(const struct render *r, const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return r->depth ? r->stack[r->depth - 1] : NULL;
    const char *dot = memchr(name, '.', len);
    size_t seg = dot ? (size_t)(dot - name) : len;
    json_t *v = NULL;
    for (size_t i = r->depth; i-- > 0;) {
        if (json_is_object(r->stack[i]) && (v = json_object_getn(r->stack[i], name, seg)))
            break;
    }
    while (v && dot) {
        const char *part = dot + 1;
        size_t rest = (size_t)(name + len - part);
        dot = memchr(part, '.', rest);
        seg = dot ? (size_t)(dot - part) : rest;
        v = json_is_object(v) ? json_object_getn(v, part, seg) : NULL;
    }
    return v;
}

static int
truthy(const json_t *v)
{
    if (!v)
        return 0;
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE:
        return 0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    default:
        return 1;
    }
}

static int
add_escaped(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        default: continue;
        }
        if (buf_add(b, s + run, i - run) < 0 || buf_add(b, rep, strlen(rep)) < 0)
            return -1;
        run = i + 1;
    }
    return buf_add(b, s + run, n - run);
}

static int
add_value(struct render *r, json_t *v, int escape)
{
    char num[64];
    const char *s = num;
    size_t n;
    char *dumped = NULL;
    if (!v)
        return 0;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return 0;
    case JSON_STRING:
        s = json_string_value(v);
        n = json_string_length(v);
        break;
    case JSON_INTEGER:
        n = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL: {
        /* The shortest of %.15g..%.17g that reads back as the same double: 1.21, not
         * 1.2099999999999999. */
        double d = json_real_value(v);
        for (int prec = 15; prec <= 17; prec++) {
            n = (size_t)snprintf(num, sizeof num, "%.*g", prec, d);
            if (strtod(num, NULL) == d)
                break;
        }
        break;
    }
    case JSON_TRUE:
        s = "true";
        n = 4;
        break;
    case JSON_FALSE:
        s = "false";
        n = 5;
        break;
    default:
        dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!dumped)
            return -1;
        s = dumped;
        n = strlen(dumped);
        break;
    }
    int rc = escape ? add_escaped(&r->out, s, n) : buf_add(&r->out, s, n);
    free(dumped);
    return rc;
}

static int render_nodes(struct render *r, const struct tmpl *t, size_t from, size_t to);

static int
out_of_memory(struct render *r, const struct tmpl *t, const struct node *nd)
{
    set_error(r->err, t->name, t->src, nd->pos, "out of memory");
    return -1;
}

static int
render_partial(struct render *r, const struct tmpl *t, const struct node *nd)
{
    struct tmpl *pt;
    if (r->partial_depth >= MAX_PARTIAL_DEPTH) {
        set_error(r->err, t->name, t->src, nd->pos,
                  "partial '%.*s' nested deeper than %d (recursive partial?)", (int)nd->len,
                  nd->str, MAX_PARTIAL_DEPTH);
        return -1;
    }
    if (get_parsed(r, t, nd, &pt) < 0)
        return -1;
    if (!pt) {
        if (!r->opt->strict_partials)
            return 0;
        set_error(r->err, t->name, t->src, nd->pos, "unknown partial '%.*s'", (int)nd->len,
                  nd->str);
        return -1;
    }
    r->partial_depth++;
    int rc = render_nodes(r, pt, 0, pt->n);
    r->partial_depth--;
    return rc;
}

static int
render_nodes(struct render *r, const struct tmpl *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct node *nd = &t->nodes[i];
        json_t *v;
        switch (nd->kind) {
        case NODE_TEXT:
            if (buf_add(&r->out, nd->str, nd->len) < 0)
                return out_of_memory(r, t, nd);
            break;
        case NODE_VAR:
            if (add_value(r, lookup(r, nd->str, nd->len), nd->escape && r->opt->escape_html) < 0)
                return out_of_memory(r, t, nd);
            break;
        case NODE_SECTION:
            v = lookup(r, nd->str, nd->len);
            if (!truthy(v)) {
                /* nothing */
            } else if (json_is_array(v)) {
                for (size_t k = 0; k < json_array_size(v); k++) {
                    if (push(r, json_array_get(v, k)) < 0)
                        return out_of_memory(r, t, nd);
                    int rc = render_nodes(r, t, i + 1, nd->end);
                    r->depth--;
                    if (rc < 0)
                        return -1;
                }
            } else {
                if (push(r, v) < 0)
                    return out_of_memory(r, t, nd);
                int rc = render_nodes(r, t, i + 1, nd->end);
                r->depth--;
                if (rc < 0)
                    return -1;
            }
            i = nd->end - 1;
            break;
        case NODE_INVERTED:
            if (!truthy(lookup(r, nd->str, nd->len)) && render_nodes(r, t, i + 1, nd->end) < 0)
                return -1;
            i = nd->end - 1;
            break;
        case NODE_PARTIAL:
            if (render_partial(r, t, nd) < 0)
                return -1;
            break;
        }
    }
    return 0;
}

int
template_render(const char *tmpl, json_t *data, const template_options *opt, char **out,
                template_error *err)
{
    struct render r = {.opt = opt ? opt : &default_options, .err = err};
    struct tmpl root = {.name = r.opt->name ? r.opt->name : "<template>", .src = tmpl};
    int rc = -1;

    if (out)
        *out = NULL;
    if (!tmpl || !out) {
        set_error(err, root.name, NULL, 0, "template_render: NULL template or output");
        return -1;
    }
    root.src_len = strlen(tmpl);
    if (parse(&root, err) < 0 || check_partials(&r, &root) < 0)
        goto done;
    if (data && push(&r, data) < 0) {
        set_error(err, root.name, NULL, 0, "out of memory");
        goto done;
    }
    if (buf_reserve(&r.out, root.src_len) < 0) {
        set_error(err, root.name, NULL, 0, "out of memory");
        goto done;
    }
    r.out.p[0] = '\0';
    if (render_nodes(&r, &root, 0, root.n) < 0)
        goto done;
    *out = r.out.p;
    r.out.p = NULL;
    rc = 0;
done:
    free(r.out.p);
    free(r.stack);
    free(root.nodes);
    while (r.parsed) {
        struct parsed *next = r.parsed->next;
        free(r.parsed->t.nodes);
        free(r.parsed->text);
        free(r.parsed->indent);
        free(r.parsed);
        r.parsed = next;
    }
    while (r.sources) {
        struct source *next = r.sources->next;
        free(r.sources->name);
        free(r.sources->text);
        free(r.sources);
        r.sources = next;
    }
    return rc;
}

char *
template_partial_from_dir(const char *name, void *userdata)
{
    const char *dir = userdata;
    if (!dir || !name || !*name || name[0] == '.' || strchr(name, '/'))
        return NULL;
    size_t plen = strlen(dir) + strlen(name) + sizeof "/.mustache";
    char *path = malloc(plen);
    if (!path)
        return NULL;
    snprintf(path, plen, "%s/%s.mustache", dir, name);
    FILE *f = fopen(path, "rb");
    free(path);
    if (!f)
        return NULL;
    struct buf b = {0};
    char chunk[8192];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_add(&b, chunk, got) < 0) {
            free(b.p);
            fclose(f);
            return NULL;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : strdup("");
}

char *
template_partial_from_json(const char *name, void *userdata)
{
    json_t *v = json_object_get((json_t *)userdata, name);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}
