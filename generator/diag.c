/*
 * diag.c - collects diagnostics from every stage and prints them compiler style: sorted by
 * file and offset, each with its source line, a caret under the column and an optional hint,
 * then one summary line. Line and column come from source.c (source_linecol); this file only
 * formats. "Did you mean" candidates are ranked here by edit distance (diag_closest, optimal
 * string alignment: a swap of two adjacent characters is one edit).
 */
#include "diag.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

/* vsnprintf into a new string. Caller owns; release with free(). NULL on failure. */
static char *
diag_vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

static void
diag_oom(void)
{
    static int reported;
    if (!reported) {
        reported = 1;
        fputs("pqgen: error: out of memory while recording a diagnostic\n", stderr);
    }
}

static void
diag_push(diag_list *d, diag_level level, const src_file *file, size_t offset, const char *label,
          const char *hint, const char *fmt, va_list ap)
{
    if (!d)
        return;
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            diag_oom();
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    diag *g = &d->items[d->len];
    memset(g, 0, sizeof *g);
    g->level = level;
    g->file = file;
    g->offset = offset;
    g->message = diag_vformat(fmt, ap);
    g->hint = hint ? strdup(hint) : NULL;
    g->label = label ? strdup(label) : NULL;
    if (!g->message || (hint && !g->hint) || (label && !g->label)) {
        free(g->message);
        free(g->hint);
        free(g->label);
        diag_oom();
        return;
    }
    d->len++;
    if (level == DIAG_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
}

void
diag_addv(diag_list *d, diag_level level, const struct src_file *file, size_t offset,
          const char *hint, const char *fmt, va_list ap)
{
    diag_push(d, level, file, offset, NULL, hint, fmt, ap);
}

void
diag_add(diag_list *d, diag_level level, const struct src_file *file, size_t offset,
         const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_push(d, level, file, offset, NULL, hint, fmt, ap);
    va_end(ap);
}

void
diag_add_at(diag_list *d, diag_level level, const char *label, const char *hint,
            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_push(d, level, NULL, 0, label, hint, fmt, ap);
    va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it is not valid. */
static size_t
diag_utf8_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* The index order for printing: file-less diagnostics first (in the order recorded), then by
 * path and offset; the original index breaks ties so equal keys keep their order. */
static const diag *diag_sort_base;

static int
diag_cmp(const void *pa, const void *pb)
{
    size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
    const diag *a = &diag_sort_base[ia], *b = &diag_sort_base[ib];
    if (!a->file != !b->file)
        return a->file ? 1 : -1;
    if (a->file && b->file) {
        int c = strcmp(a->file->path, b->file->path);
        if (c)
            return c;
        if (a->offset != b->offset)
            return a->offset < b->offset ? -1 : 1;
    }
    return ia < ib ? -1 : ia > ib;
}

/* Prints the source line holding offset and a caret under it. Invalid UTF-8 and control bytes
 * are shown as '?' so the terminal never receives raw garbage; tabs are kept (and repeated in
 * the caret line) so the caret lines up whatever the tab width. */
static void
diag_print_excerpt(const src_file *f, size_t offset, int line, int col, FILE *out)
{
    if (!f->line_starts || f->n_lines == 0 || line < 1 || (size_t)line > f->n_lines)
        return;
    size_t ls = f->line_starts[line - 1];
    size_t le = ls;
    while (le < f->len && f->text[le] != '\n')
        le++;
    if (le > ls && f->text[le - 1] == '\r')
        le--;
    char num[32];
    int w = snprintf(num, sizeof num, "%d", line);
    if (w < 5)
        w = 5;
    fprintf(out, "%*d | ", w, line);
    const unsigned char *t = (const unsigned char *)f->text;
    for (size_t i = ls; i < le;) {
        size_t n = diag_utf8_len(t + i, le - i);
        if (n == 0 || (t[i] < 0x20 && t[i] != '\t') || t[i] == 0x7f) {
            fputc('?', out);
            i++;
        } else {
            fwrite(t + i, 1, n, out);
            i += n;
        }
    }
    fputc('\n', out);
    fprintf(out, "%*s | ", w, "");
    /* One pad character per character before the column, counted the way source_linecol
     * counts (every byte that is not a UTF-8 continuation byte). */
    int c = 1;
    for (size_t i = ls; i < offset && i < le && c < col; i++) {
        if ((t[i] & 0xc0) == 0x80)
            continue;
        fputc(t[i] == '\t' ? '\t' : ' ', out);
        c++;
    }
    for (; c < col; c++)
        fputc(' ', out);
    fputs("^\n", out);
}

void
diag_print(const diag_list *d, FILE *out)
{
    if (!d || d->len == 0)
        return;
    size_t *order = malloc(d->len * sizeof *order);
    if (order) {
        for (size_t i = 0; i < d->len; i++)
            order[i] = i;
        diag_sort_base = d->items;
        qsort(order, d->len, sizeof *order, diag_cmp);
        diag_sort_base = NULL;
    }
    for (size_t k = 0; k < d->len; k++) {
        const diag *g = &d->items[order ? order[k] : k];
        const char *lv = g->level == DIAG_ERROR ? "error" : "warning";
        if (g->file) {
            int line, col;
            source_linecol(g->file, g->offset, &line, &col);
            fprintf(out, "%s:%d:%d: %s: %s\n", g->file->path, line, col, lv, g->message);
            diag_print_excerpt(g->file, g->offset, line, col, out);
        } else {
            fprintf(out, "%s: %s: %s\n", g->label ? g->label : "pqgen", lv, g->message);
        }
        if (g->hint)
            fprintf(out, "hint: %s\n", g->hint);
    }
    free(order);
    if (d->n_errors && d->n_warnings)
        fprintf(out, "%d error%s, %d warning%s generated.\n", d->n_errors,
                d->n_errors == 1 ? "" : "s", d->n_warnings, d->n_warnings == 1 ? "" : "s");
    else if (d->n_errors)
        fprintf(out, "%d error%s generated.\n", d->n_errors, d->n_errors == 1 ? "" : "s");
    else if (d->n_warnings)
        fprintf(out, "%d warning%s generated.\n", d->n_warnings, d->n_warnings == 1 ? "" : "s");
}

int
diag_list_append(diag_list *d, diag_list *from)
{
    if (from->len > d->cap - d->len) {
        size_t cap = d->len + from->len;
        diag *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return -1;
        d->items = items;
        d->cap = cap;
    }
    if (from->len)
        memcpy(d->items + d->len, from->items, from->len * sizeof *from->items);
    d->len += from->len;
    d->n_errors += from->n_errors;
    d->n_warnings += from->n_warnings;
    free(from->items);
    memset(from, 0, sizeof *from);
    return 0;
}

void
diag_list_free(diag_list *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->len; i++) {
        free(d->items[i].message);
        free(d->items[i].hint);
        free(d->items[i].label);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

static int
diag_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Optimal string alignment distance (Damerau-Levenshtein where a transposition of two adjacent
 * characters counts as one edit, so "nmae" is one edit from "name"), ASCII case-insensitive,
 * or SIZE_MAX when it exceeds limit. Three rolling rows (a transposition looks two rows back),
 * so memory is linear in the candidate's length. */
static size_t
diag_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((la > lb ? la - lb : lb - la) > limit)
        return SIZE_MAX;
    size_t *mem = malloc((lb + 1) * 3 * sizeof *mem);
    if (!mem)
        return SIZE_MAX;
    size_t *prev2 = mem, *prev = mem + lb + 1, *cur = mem + 2 * (lb + 1);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    bool over = false;
    for (size_t i = 1; i <= la && !over; i++) {
        cur[0] = i;
        size_t rowmin = cur[0];
        int ai = diag_lower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int bj = diag_lower((unsigned char)b[j - 1]);
            size_t v = prev[j - 1] + (ai == bj ? 0 : 1);
            if (prev[j] + 1 < v)
                v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ai == diag_lower((unsigned char)b[j - 2]) &&
                diag_lower((unsigned char)a[i - 2]) == bj && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < rowmin)
                rowmin = v;
        }
        size_t *tmp = prev2;
        prev2 = prev;
        prev = cur;
        cur = tmp;
        /* A transposition reaches back two rows, so a row over the limit is final only when
         * the row before it is over the limit too. */
        if (rowmin > limit && i > 1) {
            size_t prevmin = SIZE_MAX;
            for (size_t j = 0; j <= lb; j++)
                if (prev2[j] < prevmin)
                    prevmin = prev2[j];
            over = prevmin > limit;
        }
    }
    size_t r = !over && prev[lb] <= limit ? prev[lb] : SIZE_MAX;
    free(mem);
    return r;
}

const char *
diag_closest(const char *name, const char *const *candidates, size_t n)
{
    if (!name || !candidates)
        return NULL;
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        chars += (*p & 0xc0) != 0x80;
    size_t limit = chars <= 4 ? 1 : 2;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (!candidates[i])
            continue;
        size_t dist = diag_distance(name, candidates[i], limit);
        if (dist < best_d) {
            best_d = dist;
            best = candidates[i];
        }
    }
    return best;
}
