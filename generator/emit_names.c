/*
 * emit_names.c - naming and C lexical helpers for the emit stage: snake_case, the table-name
 * singularizer, C identifiers, string-literal and comment escaping, prototype wrapping.
 * Pure functions over strings; emit_derive.c decides what gets which name.
 */
#include "emit_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_WIDTH 100

void
emit_sb_addn(emit_sb *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *p;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void
emit_sb_add(emit_sb *b, const char *s)
{
    emit_sb_addn(b, s, strlen(s));
}

void
emit_sb_printf(emit_sb *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = tv_vformat(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        emit_sb_addn(b, small, (size_t)n);
        return;
    }
    {
        char *big = malloc((size_t)n + 1);
        if (!big) {
            b->oom = true;
            return;
        }
        va_start(ap, fmt);
        tv_vformat(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        emit_sb_addn(b, big, (size_t)n);
        free(big);
    }
}

const char *
emit_sb_str(emit_sb *b)
{
    return b->p ? b->p : "";
}

void
emit_sb_free(emit_sb *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

char *
emit_snake(const char *name)
{
    size_t n = strlen(name), i;
    emit_sb b = {0};

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isupper(c) && i > 0) {
            unsigned char prev = (unsigned char)name[i - 1];
            unsigned char next = i + 1 < n ? (unsigned char)name[i + 1] : 0;
            bool boundary = islower(prev) || isdigit(prev);
            /* The end of an acronym ("HTMLParser" -> html_parser), except a plural "s"
             * ("ByIDs" -> by_ids). */
            if (isupper(prev) && islower(next)) {
                unsigned char after = i + 2 < n ? (unsigned char)name[i + 2] : 0;
                boundary = !(next == 's' && !islower(after));
            }
            if (boundary && b.len > 0 && b.p[b.len - 1] != '_')
                emit_sb_add(&b, "_");
        }
        if (isalnum(c)) {
            char lc = (char)tolower(c);
            emit_sb_addn(&b, &lc, 1);
        } else if (b.len > 0 && b.p[b.len - 1] != '_') {
            emit_sb_add(&b, "_");
        }
    }
    while (b.len > 0 && b.p[b.len - 1] == '_')
        b.p[--b.len] = '\0';
    if (b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p ? b.p : strdup("q");
}

static bool
ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *
emit_singular(const char *name)
{
    static const char *const irregular[][2] = {
        {"people", "person"}, {"children", "child"}, {"men", "man"}, {"women", "woman"},
        {"indices", "index"}, {"matrices", "matrix"}, {"criteria", "criterion"},
    };
    static const char *const unchanged[] = {"data", "metadata", "news", "series", "species",
                                            "media", "history", "info", "status"};
    const char *word = strrchr(name, '_');
    size_t stem = word ? (size_t)(word + 1 - name) : 0;
    const char *w = name + stem;
    size_t n = strlen(w), i;
    char *out = malloc(stem + n + 3);

    if (!out)
        return NULL;
    memcpy(out, name, stem);
    out[stem] = '\0';
    for (i = 0; i < sizeof irregular / sizeof irregular[0]; i++)
        if (strcmp(w, irregular[i][0]) == 0) {
            strcat(out, irregular[i][1]);
            return out;
        }
    strcat(out, w);
    if (n < 3)
        return out;
    for (i = 0; i < sizeof unchanged / sizeof unchanged[0]; i++)
        if (strcmp(w, unchanged[i]) == 0)
            return out;
    if (ends_with(w, n, "ies")) {
        strcpy(out + stem + n - 3, "y");
    } else if (ends_with(w, n, "sses") || ends_with(w, n, "shes") || ends_with(w, n, "ches") ||
               ends_with(w, n, "xes") || ends_with(w, n, "zzes") || ends_with(w, n, "uses")) {
        out[stem + n - 2] = '\0';
    } else if (ends_with(w, n, "ss") || ends_with(w, n, "us") || ends_with(w, n, "is")) {
        /* class, status, analysis: already singular */
    } else if (ends_with(w, n, "s")) {
        out[stem + n - 1] = '\0';
    }
    return out;
}

static int
cmp_word(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool
emit_is_reserved(const char *s)
{
    /* Sorted (strcmp order) for bsearch: every identifier made goes through here. */
    static const char *const words[] = {
        "NULL", "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic",
        "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local", "_mem", "args", "auto",
        "bool", "break", "case", "char", "const", "continue", "db", "default", "do", "double",
        "dst", "else", "enum", "extern", "false", "float", "fn", "for", "goto", "if", "inline",
        "int", "long", "out", "p", "r", "rc", "register", "restrict", "return", "rows_affected",
        "short", "signed", "sizeof", "static", "struct", "switch", "true", "typedef", "union",
        "unsigned", "userdata", "v", "void", "volatile", "while",
    };
    return bsearch(&s, words, sizeof words / sizeof words[0], sizeof words[0], cmp_word) != NULL;
}

char *
emit_ident(const char *name)
{
    emit_sb b = {0};
    const char *s;

    if (!name || !*name || isdigit((unsigned char)*name))
        emit_sb_add(&b, "_");
    for (s = name ? name : ""; *s; s++) {
        char c = isalnum((unsigned char)*s) ? *s : '_';
        emit_sb_addn(&b, &c, 1);
    }
    if (emit_is_reserved(emit_sb_str(&b)))
        emit_sb_add(&b, "_");
    if (b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p;
}

char *
emit_upper(const char *s)
{
    char *u = strdup(s), *p;
    if (u)
        for (p = u; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    return u;
}

void
emit_c_escape(emit_sb *b, const char *s, size_t n)
{
    size_t i, run = 0;
    /* Plain bytes are copied in runs: SQL text is mostly plain. */
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[5] = {'\\', 0, 0, 0, 0};
        size_t elen = 2;
        if (c == '"' || c == '\\')
            esc[1] = (char)c;
        else if (c == '\n')
            esc[1] = 'n';
        else if (c == '\t')
            esc[1] = 't';
        else if (c == '?' && i > 0 && s[i - 1] == '?')
            esc[1] = '?';
        else if (c < 0x20 || c == 0x7f) {
            esc[1] = (char)('0' + (c >> 6)), esc[2] = (char)('0' + ((c >> 3) & 7));
            esc[3] = (char)('0' + (c & 7)), elen = 4;
        } else
            continue;
        emit_sb_addn(b, s + run, i - run);
        emit_sb_addn(b, esc, elen);
        run = i + 1;
    }
    emit_sb_addn(b, s + run, n - run);
}

tv *
emit_c_string_lines(tv_arena *a, const char *s)
{
    tv *arr = tv_arr(a);
    const char *p = s;
    emit_sb b = {0};

    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        tv *o = tv_obj_sized(a, 2);

        b.len = 0;
        emit_c_escape(&b, p, n);
        tv_set(o, "text", tv_strn(a, emit_sb_str(&b), b.len));
        tv_set_bool(o, "last", !nl || !nl[1]);
        tv_push(arr, o);
        if (!nl || !nl[1])
            break;
        p = nl + 1;
    }
    emit_sb_free(&b);
    return arr;
}

void
emit_comment_escape(emit_sb *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        if ((s[0] == '*' && s[1] == '/') || (s[0] == '/' && s[1] == '*') ||
            (s[0] == '?' && s[1] == '?' && s[2] == '/')) {
            emit_sb_addn(b, run, (size_t)(s + 1 - run));
            emit_sb_addn(b, " ", 1);
            run = s + 1;
        }
    }
    emit_sb_addn(b, run, (size_t)(s - run));
}

char *
emit_block_comment(const char *lines, const char *indent)
{
    emit_sb b = {0};
    const char *p = lines;
    bool first = true;

    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);

        if (!line) {
            emit_sb_free(&b);
            return NULL;
        }
        if (!first) {
            emit_sb_add(&b, "\n");
            emit_sb_add(&b, indent);
        }
        emit_sb_add(&b, first ? "/* " : " * ");
        /* Trailing spaces would survive into generated files; drop them. */
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        {
            /* Wrap at a space so lines stay within 100 columns (3 for " * ", 3 for " * /"). */
            size_t width = LINE_WIDTH - 6 - strlen(indent), off = 0;
            while (n - off > width) {
                size_t cut = off + width;
                while (cut > off && line[cut] != ' ')
                    cut--;
                if (cut == off)
                    break;
                line[cut] = '\0';
                emit_comment_escape(&b, line + off);
                emit_sb_add(&b, "\n");
                emit_sb_add(&b, indent);
                emit_sb_add(&b, " * ");
                off = cut + 1;
            }
            emit_comment_escape(&b, line + off);
        }
        if (n == 0 && !first)
            b.p[--b.len] = '\0';
        free(line);
        first = false;
        if (!nl)
            break;
        p = nl + 1;
    }
    emit_sb_add(&b, " */");
    if (b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p;
}

/* emit_proto with continuation lines indent columns in (-1: aligned after '('). Caller owns;
 * release with free(). */
static char *
proto_with(const char *ret, const char *name, const char *const *args, size_t n_args, bool def,
           const char *suffix, long indent)
{
    emit_sb b = {0};
    size_t line_start, col0, i;

    emit_sb_add(&b, ret);
    if (def)
        emit_sb_add(&b, "\n");
    else if (ret[strlen(ret) - 1] != '*')
        emit_sb_add(&b, " ");
    line_start = def ? b.len : 0;
    emit_sb_add(&b, name);
    emit_sb_add(&b, "(");
    col0 = indent >= 0 ? (size_t)indent : b.len - line_start;
    for (i = 0; i < n_args; i++) {
        size_t need = strlen(args[i]) + (i + 1 < n_args ? 1 : 1 + strlen(suffix));
        if (i == 0 && indent >= 0) {
            /* The aligned form did not fit: the list starts on a line of its own. */
            emit_sb_add(&b, "\n");
            line_start = b.len;
            emit_sb_printf(&b, "%*s", (int)col0, "");
        }
        if (i > 0) {
            emit_sb_add(&b, ",");
            if (b.len - line_start + 1 + need > LINE_WIDTH) {
                emit_sb_add(&b, "\n");
                line_start = b.len;
                emit_sb_printf(&b, "%*s", (int)col0, "");
            } else {
                emit_sb_add(&b, " ");
            }
        }
        emit_sb_add(&b, args[i]);
    }
    if (n_args == 0)
        emit_sb_add(&b, "void");
    emit_sb_add(&b, ")");
    emit_sb_add(&b, suffix);
    if (b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p;
}

static size_t
longest_line(const char *s)
{
    size_t best = 0;
    while (*s) {
        size_t n = strcspn(s, "\n");
        if (n > best)
            best = n;
        s += n;
        if (*s)
            s++;
    }
    return best;
}

char *
emit_proto(const char *ret, const char *name, const char *const *args, size_t n_args, bool def,
           const char *suffix)
{
    char *p;
    size_t lead = strspn(ret, " ");
    size_t rl = strlen(ret), nl = strlen(name), sl = strlen(suffix), al = 0, i;

    /* The common case, everything on one line (after ret's own line for a definition): the
     * same text proto_with makes, without its wrapping bookkeeping. */
    for (i = 0; i < n_args; i++)
        al += strlen(args[i]) + (i ? 2 : 0);
    if (n_args == 0)
        al = 4;
    if (rl > 0 && rl <= LINE_WIDTH && !memchr(ret, '\n', rl)) {
        size_t sep = def || ret[rl - 1] != '*' ? 1 : 0;
        size_t line = (def ? 0 : rl + sep) + nl + 1 + al + 1 + sl;
        if (line <= LINE_WIDTH && (p = malloc(rl + sep + nl + al + sl + 3)) != NULL) {
            char *o = p;
            memcpy(o, ret, rl), o += rl;
            if (sep)
                *o++ = def ? '\n' : ' ';
            memcpy(o, name, nl), o += nl;
            *o++ = '(';
            if (n_args == 0)
                memcpy(o, "void", 4), o += 4;
            for (i = 0; i < n_args; i++) {
                size_t k = strlen(args[i]);
                if (i)
                    *o++ = ',', *o++ = ' ';
                memcpy(o, args[i], k), o += k;
            }
            *o++ = ')';
            memcpy(o, suffix, sl + 1);
            return p;
        }
    }
    p = proto_with(ret, name, args, n_args, def, suffix, -1);

    /* Aligned after '(' when that fits; else a plain 4-column continuation indent. */
    if (p && longest_line(p) > LINE_WIDTH) {
        free(p);
        p = proto_with(ret, name, args, n_args, def, suffix, def ? 4 : (long)lead + 4);
    }
    return p;
}

char *
emit_wrap_list(const char *head, const char *const *items, size_t n, const char *tail)
{
    emit_sb b = {0};
    size_t width = strlen(head) + strlen(tail), i;

    for (i = 0; i < n; i++)
        width += strlen(items[i]) + (i > 0 ? 2 : 0);
    emit_sb_add(&b, head);
    if (width <= LINE_WIDTH) {
        for (i = 0; i < n; i++)
            emit_sb_printf(&b, "%s%s", i > 0 ? ", " : "", items[i]);
    } else {
        /* One item a line reads better than a paragraph of numbers and comments. */
        for (i = 0; i < n; i++)
            emit_sb_printf(&b, "\n    %s,", items[i]);
        emit_sb_add(&b, "\n");
    }
    emit_sb_add(&b, tail);
    if (b.oom) {
        emit_sb_free(&b);
        return NULL;
    }
    return b.p;
}
