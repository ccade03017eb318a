/*
 * source_split.c - splits a file into statements with byte offsets true to the file. Uses
 * libpg_query's scanner splitter (robust on bad SQL) with a re-split of BEGIN ATOMIC bodies;
 * a small hand-written lexer finds each statement's leading comments (the "-- name: X :cmd"
 * annotation, its doc lines and "-- vet:" pragmas) and its true end, and reports bad or
 * missing annotations, unknown commands and duplicate query names. Reading is source.c's job.
 */
#include "source_int.h"

#include <pg_query.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const src_commands[] = {
    ":one", ":many", ":exec", ":execrows", ":execresult",
    ":copyfrom", ":batchexec", ":batchone", ":batchmany",
};

#define SRC_N_COMMANDS (sizeof src_commands / sizeof src_commands[0])

/* A statement range [start, end) as the splitters report it (leading comments included). */
typedef struct src_range {
    size_t start, end;
} src_range;

/* A comment found in front of a statement. */
typedef struct src_comment {
    size_t start, end;       /* the whole comment: "--...", "/ *...* /" */
    size_t body, body_end;   /* the text inside the comment markers */
    bool block;
} src_comment;

static bool
src_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
src_is_c_ident(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Skips one comment starting at i (which must start "--" or "/ *"); returns the index after it
 * and sets *terminated (false for a block comment that runs past end). */
static size_t
src_skip_comment(const char *t, size_t i, size_t end, bool *terminated)
{
    *terminated = true;
    if (t[i] == '-') {
        while (i < end && t[i] != '\n')
            i++;
        return i;
    }
    int depth = 0;
    while (i < end) {
        if (i + 1 < end && t[i] == '/' && t[i + 1] == '*') {
            depth++;
            i += 2;
        } else if (i + 1 < end && t[i] == '*' && t[i + 1] == '/') {
            i += 2;
            if (--depth == 0)
                return i;
        } else {
            i++;
        }
    }
    *terminated = false;
    return end;
}

static bool
src_comment_at(const char *t, size_t i, size_t end)
{
    return i + 1 < end && ((t[i] == '-' && t[i + 1] == '-') || (t[i] == '/' && t[i + 1] == '*'));
}

/* ---- splitting ----------------------------------------------------------------------------- */

static int
src_ranges_push(src_range **r, size_t *n, size_t *cap, size_t start, size_t end)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        src_range *nr = realloc(*r, c * sizeof *nr);
        if (!nr)
            return -1;
        *r = nr;
        *cap = c;
    }
    (*r)[*n].start = start;
    (*r)[*n].end = end;
    (*n)++;
    return 0;
}

/* Splits text[0, len) (NUL at len) with the scanner splitter. The scanner stops at the first
 * bad token. A bounded one ("trailing junk after numeric literal") is blanked in a scratch copy
 * and the split retried, so the statements after it still get their own ranges; the parser
 * reports the token later. An unterminated quote or comment swallows the rest of the input
 * anyway: what comes before it is split, and the rest becomes one statement for the parser. */
static int
src_split_scanner(const char *text, size_t len, src_range **out, size_t *n_out)
{
    enum { MAX_RETRIES = 64 };
    src_range *r = NULL;
    size_t n = 0, cap = 0;
    char *work = src_strndup(text, len);
    if (!work)
        return -1;
    size_t work_len = len;       /* the scanned prefix of work (NUL-terminated there) */
    bool tail = false;           /* the rest after work_len is one statement */
    for (int attempt = 0;; attempt++) {
        PgQuerySplitResult sr = pg_query_split_with_scanner(work);
        if (!sr.error) {
            for (int i = 0; i < sr.n_stmts; i++) {
                size_t s = (size_t)sr.stmts[i]->stmt_location;
                size_t e = s + (size_t)sr.stmts[i]->stmt_len;
                if (e > work_len)
                    e = work_len;
                if (s > e)
                    s = e;
                if (src_ranges_push(&r, &n, &cap, s, e) < 0) {
                    pg_query_free_split_result(sr);
                    free(work);
                    free(r);
                    return -1;
                }
            }
            pg_query_free_split_result(sr);
            break;
        }
        size_t errpos = source_cursor_to_offset(work, sr.error->cursorpos);
        bool unterminated = strncmp(sr.error->message, "unterminated", 12) == 0;
        pg_query_free_split_result(sr);
        if (errpos >= work_len || attempt >= MAX_RETRIES) {
            n = 0; /* give up splitting: the whole input is one statement */
            tail = true;
            work_len = 0;
            break;
        }
        if (!unterminated && attempt < MAX_RETRIES / 2) {
            size_t i = errpos;
            do {
                work[i++] = ' ';
            } while (i < work_len && !src_is_space((unsigned char)work[i]) && work[i] != ';' &&
                     work[i] != '\'' && work[i] != '"' && work[i] != '$');
            continue;
        }
        work[errpos] = '\0';
        work_len = errpos;
        tail = true;
    }
    free(work);
    if (tail) {
        /* The range that ran into the failing token absorbs the rest of the input; when the
         * prefix ended with ';', the rest is a statement of its own. */
        if (n > 0 && r[n - 1].end >= work_len) {
            r[n - 1].end = len;
        } else {
            size_t s = n > 0 ? r[n - 1].end + 1 : 0;
            if (s > len)
                s = len;
            if (src_ranges_push(&r, &n, &cap, s, len) < 0) {
                free(r);
                return -1;
            }
        }
    }
    *out = r;
    *n_out = n;
    return 0;
}

/* Whether text[s, e) mentions BEGIN ATOMIC (a SQL-standard function body), which the scanner
 * splitter cuts at every inner ';'. */
static bool
src_has_begin_atomic(const char *t, size_t s, size_t e)
{
    for (size_t i = s; i + 5 <= e; i++) {
        if ((t[i] != 'b' && t[i] != 'B') || (i > s && src_is_ident((unsigned char)t[i - 1])))
            continue;
        if (strncasecmp(t + i, "begin", 5) != 0)
            continue;
        size_t j = i + 5;
        if (j >= e || !src_is_space((unsigned char)t[j]))
            continue;
        while (j < e && src_is_space((unsigned char)t[j]))
            j++;
        if (j + 6 <= e && strncasecmp(t + j, "atomic", 6) == 0 &&
            (j + 6 == e || !src_is_ident((unsigned char)t[j + 6])))
            return true;
    }
    return false;
}

/* Merges the scanner's pieces of a BEGIN ATOMIC body back into one range: the smallest run of
 * pieces that the parser splitter accepts as exactly one statement. */
static int
src_merge_atomic(const char *text, src_range *r, size_t *n)
{
    enum { MAX_PIECES = 64 };
    for (size_t i = 0; i < *n; i++) {
        if (!src_has_begin_atomic(text, r[i].start, r[i].end))
            continue;
        for (size_t j = i + 1; j < *n && j <= i + MAX_PIECES; j++) {
            char *region = src_strndup(text + r[i].start, r[j].end - r[i].start);
            if (!region)
                return -1;
            PgQuerySplitResult sr = pg_query_split_with_parser(region);
            bool ok = !sr.error, one = ok && sr.n_stmts == 1;
            pg_query_free_split_result(sr);
            free(region);
            if (one) {
                r[i].end = r[j].end;
                memmove(r + i + 1, r + j + 1, (*n - j - 1) * sizeof *r);
                *n -= j - i;
                break;
            }
            if (ok)
                break;
        }
    }
    return 0;
}

/* The end of the statement proper that starts at s within [s, e): the last byte that is not
 * whitespace or a comment, with strings, quoted identifiers and dollar quotes skipped whole.
 * Anything unterminated keeps the statement running to e, so the parser sees and reports it. */
static size_t
src_stmt_end(const char *t, size_t s, size_t e)
{
    size_t last = s, i = s;
    while (i < e) {
        unsigned char c = (unsigned char)t[i];
        if (src_is_space(c)) {
            i++;
        } else if (src_comment_at(t, i, e)) {
            bool term;
            i = src_skip_comment(t, i, e, &term);
            if (!term)
                return e;
        } else if (c == '\'' || c == '"') {
            bool backslash = c == '\'' && i > s && (t[i - 1] == 'e' || t[i - 1] == 'E') &&
                             !(i - 1 > s && src_is_ident((unsigned char)t[i - 2]));
            size_t j = i + 1;
            for (;;) {
                if (j >= e)
                    return e;
                if (backslash && t[j] == '\\') {
                    j += 2;
                    continue;
                }
                if (t[j] == (char)c) {
                    if (j + 1 < e && t[j + 1] == (char)c) {
                        j += 2;
                        continue;
                    }
                    break;
                }
                j++;
            }
            i = j + 1;
            last = i;
        } else if (c == '$' && !(i > s && src_is_ident((unsigned char)t[i - 1]))) {
            size_t j = i + 1;
            if (j < e && !(t[j] >= '0' && t[j] <= '9')) {
                while (j < e && src_is_ident((unsigned char)t[j]) && t[j] != '$')
                    j++;
            }
            if (j < e && t[j] == '$') {
                size_t tag = j + 1 - i;
                size_t k = j + 1;
                while (k + tag <= e && memcmp(t + k, t + i, tag) != 0)
                    k++;
                if (k + tag > e)
                    return e;
                i = k + tag;
            } else {
                i++;
            }
            last = i;
        } else {
            i++;
            last = i;
        }
    }
    return last;
}

/* ---- annotations --------------------------------------------------------------------------- */

/* Collects the comments from s up to the first byte of SQL; returns that byte's offset (e when
 * there is none). Stray ';' are skipped too. comments may be NULL. */
static size_t
src_leading(const char *t, size_t s, size_t e, src_comment **comments, size_t *n, size_t *cap,
            int *oom)
{
    size_t i = s;
    while (i < e) {
        unsigned char c = (unsigned char)t[i];
        if (src_is_space(c) || c == ';') {
            i++;
            continue;
        }
        if (!src_comment_at(t, i, e))
            break;
        bool term, block = t[i] == '/';
        size_t ce = src_skip_comment(t, i, e, &term);
        if (!term)
            return i; /* an unterminated comment is SQL the parser must reject */
        if (comments) {
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                src_comment *nv = realloc(*comments, nc * sizeof *nv);
                if (!nv) {
                    *oom = 1;
                    return e;
                }
                *comments = nv;
                *cap = nc;
            }
            src_comment *cm = &(*comments)[(*n)++];
            cm->start = i;
            cm->end = ce;
            cm->block = block;
            cm->body = i + 2;
            cm->body_end = block ? ce - 2 : ce;
        }
        i = ce;
    }
    return i;
}

/* If the comment is a "name:" annotation, returns the offset of "name:" (else SIZE_MAX). */
static size_t
src_annotation_at(const char *t, const src_comment *c)
{
    size_t i = c->body;
    while (i < c->body_end && src_is_space((unsigned char)t[i]))
        i++;
    if (c->body_end - i >= 5 && strncmp(t + i, "name:", 5) == 0)
        return i;
    return SIZE_MAX;
}

typedef struct src_annotation {
    size_t at;                   /* offset of "name:" */
    size_t name_off, name_len;
    size_t cmd_off, cmd_len;
    bool ok;
} src_annotation;

static size_t
src_token(const char *t, size_t i, size_t e, size_t *len)
{
    while (i < e && src_is_space((unsigned char)t[i]))
        i++;
    size_t j = i;
    while (j < e && !src_is_space((unsigned char)t[j]))
        j++;
    *len = j - i;
    return i;
}

static void
src_command_hint(char *buf, size_t n, const char *cmd)
{
    const char *close = diag_closest(cmd, src_commands, SRC_N_COMMANDS);
    if (close) {
        snprintf(buf, n, "did you mean \"%s\"?", close);
        return;
    }
    size_t k = (size_t)snprintf(buf, n, "the commands are");
    for (size_t i = 0; i < SRC_N_COMMANDS && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s %s", i ? "," : "", src_commands[i]);
}

/* Parses "name: X :cmd" in comment c; reports what is wrong with it. */
static src_annotation
src_parse_annotation(const src_file *f, const src_comment *c, size_t at, diag_list *d)
{
    const char *t = f->text;
    src_annotation a = {.at = at};
    size_t e = c->body_end;
    a.name_off = src_token(t, at + 5, e, &a.name_len);
    if (a.name_len == 0) {
        diag_add(d, DIAG_ERROR, f, at, "write it as \"-- name: GetThing :one\"",
                 "annotation is missing the query name and command");
        return a;
    }
    const char *colon = memchr(t + a.name_off, ':', a.name_len);
    if (!src_is_c_ident(t + a.name_off, a.name_len)) {
        diag_add(d, DIAG_ERROR, f, a.name_off,
                 colon && colon > t + a.name_off
                     ? "put a space between the name and the command"
                     : "a query name is letters, digits and underscores, e.g. \"GetThing\"",
                 "query name \"%.*s\" is not a valid identifier", (int)a.name_len,
                 t + a.name_off);
        return a;
    }
    a.cmd_off = src_token(t, a.name_off + a.name_len, e, &a.cmd_len);
    if (a.cmd_len && t[a.cmd_off] != ':') {
        /* "-- name: Get Author :one": a name with a space, not an unknown command "Author". */
        size_t next_len, next = src_token(t, a.cmd_off + a.cmd_len, e, &next_len);
        if (next_len && t[next] == ':') {
            diag_add(d, DIAG_ERROR, f, a.name_off,
                     "a query name is letters, digits and underscores, e.g. \"GetThing\"",
                     "query name \"%.*s\" is not a valid identifier",
                     (int)(a.cmd_off + a.cmd_len - a.name_off), t + a.name_off);
            return a;
        }
    }
    if (a.cmd_len == 0) {
        char hint[200];
        src_command_hint(hint, sizeof hint, "");
        diag_add(d, DIAG_ERROR, f, a.name_off + a.name_len, hint,
                 "annotation of \"%.*s\" is missing the command (\":one\", \":many\", ...)",
                 (int)a.name_len, t + a.name_off);
        return a;
    }
    char cmd[64];
    snprintf(cmd, sizeof cmd, "%.*s", a.cmd_len < 63 ? (int)a.cmd_len : 63, t + a.cmd_off);
    bool known = false;
    for (size_t i = 0; i < SRC_N_COMMANDS; i++)
        known |= a.cmd_len == strlen(src_commands[i]) && strcmp(cmd, src_commands[i]) == 0;
    if (!known) {
        char hint[200];
        src_command_hint(hint, sizeof hint, cmd);
        if (cmd[0] != ':' && a.cmd_len < 62) {
            /* "one" for ":one": rank with the colon so the hint shows the right spelling. */
            char with[72];
            snprintf(with, sizeof with, ":%s", cmd);
            const char *close = diag_closest(with, src_commands, SRC_N_COMMANDS);
            if (close)
                snprintf(hint, sizeof hint, "did you mean \"%s\"?", close);
        }
        diag_add(d, DIAG_ERROR, f, a.cmd_off, hint, "unknown command \"%.*s\"",
                 (int)a.cmd_len, t + a.cmd_off);
        return a;
    }
    size_t rest_len, rest = src_token(t, a.cmd_off + a.cmd_len, e, &rest_len);
    if (rest_len) {
        diag_add(d, DIAG_ERROR, f, rest, NULL, "unexpected \"%.*s\" after the command",
                 (int)(rest_len > 40 ? 40 : rest_len), t + rest);
        return a;
    }
    a.ok = true;
    return a;
}

/* Appends the text of comment c to the doc or pragma lists. */
static int
src_doc_add(const char *t, const src_comment *c, char ***lines, size_t *n, size_t *cap,
            char ***pragmas, size_t *np, size_t *pcap)
{
    size_t i = c->body, e = c->body_end;
    while (i <= e) {
        size_t le = i;
        while (le < e && t[le] != '\n')
            le++;
        size_t s = i, x = le;
        if (c->block) {
            while (s < x && src_is_space((unsigned char)t[s]))
                s++;
            if (s < x && t[s] == '*' && !(s + 1 < x && t[s + 1] == '/'))
                s++; /* the " * " of a boxed block comment */
        }
        if (s < x && t[s] == ' ')
            s++;
        while (x > s && src_is_space((unsigned char)t[x - 1]))
            x--;
        bool pragma = x - s >= 4 && strncmp(t + s, "vet:", 4) == 0;
        char ***v = pragma ? pragmas : lines;
        size_t *vn = pragma ? np : n, *vc = pragma ? pcap : cap;
        if (*vn + 2 > *vc) {
            size_t nc = *vc ? *vc * 2 : 8;
            char **nv = realloc(*v, nc * sizeof *nv);
            if (!nv)
                return -1;
            *v = nv;
            *vc = nc;
        }
        char *line = src_strndup(t + s, x - s);
        if (!line)
            return -1;
        (*v)[(*vn)++] = line;
        (*v)[*vn] = NULL;
        i = le + 1;
    }
    return 0;
}

/* lines joined by newlines, blank lines at both ends dropped; NULL when nothing is left (or out
 * of memory). Caller owns; release with free(). */
static char *
src_join_doc(char **lines, size_t n)
{
    size_t a = 0, b = n;
    while (a < b && lines[a][0] == '\0')
        a++;
    while (b > a && lines[b - 1][0] == '\0')
        b--;
    if (a == b)
        return NULL;
    size_t total = 0;
    for (size_t i = a; i < b; i++)
        total += strlen(lines[i]) + 1;
    char *s = malloc(total);
    if (!s)
        return NULL;
    char *p = s;
    for (size_t i = a; i < b; i++) {
        size_t l = strlen(lines[i]);
        memcpy(p, lines[i], l);
        p += l;
        *p++ = i + 1 < b ? '\n' : '\0';
    }
    return s;
}

/* ---- query names --------------------------------------------------------------------------- */

static size_t
src_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* *found: the index of the statement already named `name`, or SIZE_MAX (then idx is recorded
 * for it). Returns 0, or -1 on out of memory. */
int
src_names_check(src_names *nm, const src_set *set, const char *name, size_t idx, size_t *found)
{
    *found = SIZE_MAX;
    if ((nm->len + 1) * 2 > nm->cap) {
        size_t nc = nm->cap ? nm->cap * 2 : 64;
        size_t *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t i = 0; i < nm->cap; i++) {
            if (!nm->slots[i])
                continue;
            size_t h = src_hash(set->stmts[nm->slots[i] - 1].name) & (nc - 1);
            while (ns[h])
                h = (h + 1) & (nc - 1);
            ns[h] = nm->slots[i];
        }
        free(nm->slots);
        nm->slots = ns;
        nm->cap = nc;
    }
    size_t h = src_hash(name) & (nm->cap - 1);
    while (nm->slots[h]) {
        if (strcmp(set->stmts[nm->slots[h] - 1].name, name) == 0) {
            *found = nm->slots[h] - 1;
            return 0;
        }
        h = (h + 1) & (nm->cap - 1);
    }
    nm->slots[h] = idx + 1;
    nm->len++;
    return 0;
}

/* ---- one file ------------------------------------------------------------------------------ */

void
src_stmt_free(src_stmt *s)
{
    free(s->sql);
    free(s->name);
    free(s->cmd);
    free(s->doc);
    if (s->pragmas)
        for (char **p = s->pragmas; *p; p++)
            free(*p);
    free(s->pragmas);
}

static int
src_push_stmt(src_set *set, size_t *cap, const src_stmt *st)
{
    if (set->n_stmts == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        src_stmt *nv = realloc(set->stmts, nc * sizeof *nv);
        if (!nv)
            return -1;
        set->stmts = nv;
        *cap = nc;
    }
    set->stmts[set->n_stmts++] = *st;
    return 0;
}

/* Reports every annotation in text[s, e) (comments only) as one without a statement. */
static int
src_orphans(const src_file *f, size_t s, size_t e, diag_list *d)
{
    src_comment *cs = NULL;
    size_t n = 0, cap = 0;
    int oom = 0;
    src_leading(f->text, s, e, &cs, &n, &cap, &oom);
    for (size_t i = 0; i < n; i++) {
        size_t at = src_annotation_at(f->text, &cs[i]);
        if (at == SIZE_MAX)
            continue;
        size_t len, name = src_token(f->text, at + 5, cs[i].body_end, &len);
        diag_add(d, DIAG_ERROR, f, at, "write the query under it, or delete the annotation",
                 "annotation \"%.*s\" is not followed by a statement", (int)(len > 64 ? 64 : len),
                 f->text + name);
    }
    free(cs);
    return oom ? -1 : 0;
}

/* Builds the query statement for range [s, e) whose SQL starts at `start`; reports annotation
 * problems. Returns 1 when *st is filled, 0 when the statement is not sound, -1 on OOM. */
static int
src_query_stmt(src_set *set, src_names *names, const src_file *f, const src_comment *cs,
               size_t n, size_t start, size_t end, src_stmt *st, diag_list *d)
{
    const char *t = f->text;
    size_t ann = SIZE_MAX, at = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t a = src_annotation_at(t, &cs[i]);
        if (a == SIZE_MAX)
            continue;
        if (ann != SIZE_MAX) {
            size_t len, nm = src_token(t, at + 5, cs[ann].body_end, &len);
            diag_add(d, DIAG_WARNING, f, at, "a query needs its own statement after its annotation",
                     "annotation \"%.*s\" is overridden by the next one",
                     (int)(len > 64 ? 64 : len), t + nm);
        }
        ann = i;
        at = a;
    }
    if (ann == SIZE_MAX) {
        diag_add(d, DIAG_ERROR, f, start, "add a line \"-- name: GetThing :one\" above it",
                 "query has no \"-- name: <Name> :<command>\" annotation");
        return 0;
    }
    src_annotation a = src_parse_annotation(f, &cs[ann], at, d);
    if (!a.ok)
        return 0;
    memset(st, 0, sizeof *st);
    st->file = f;
    st->start = start;
    st->end = end;
    st->name_offset = at;
    st->name = src_strndup(t + a.name_off, a.name_len);
    st->cmd = src_strndup(t + a.cmd_off, a.cmd_len);
    st->sql = src_strndup(t + start, end - start);
    if (!st->name || !st->cmd || !st->sql)
        goto oom;
    char **lines = NULL, **pragmas = NULL;
    size_t nl = 0, lc = 0, np = 0, pc = 0;
    for (size_t i = ann + 1; i < n; i++) {
        if (src_doc_add(t, &cs[i], &lines, &nl, &lc, &pragmas, &np, &pc) < 0) {
            for (size_t k = 0; k < nl; k++)
                free(lines[k]);
            free(lines);
            st->pragmas = pragmas;
            goto oom;
        }
    }
    st->pragmas = pragmas;
    if (nl) {
        st->doc = src_join_doc(lines, nl);
        bool any = false;
        for (size_t k = 0; k < nl; k++)
            any |= lines[k][0] != '\0';
        for (size_t k = 0; k < nl; k++)
            free(lines[k]);
        free(lines);
        if (any && !st->doc)
            goto oom;
    }
    size_t first;
    if (src_names_check(names, set, st->name, set->n_stmts, &first) < 0)
        goto oom;
    if (first != SIZE_MAX) {
        const src_stmt *p = &set->stmts[first];
        int line, col;
        source_linecol(p->file, p->name_offset, &line, &col);
        diag_add(d, DIAG_ERROR, f, a.name_off, "query names must be unique across all files",
                 "query \"%s\" is already defined at %s:%d", st->name, p->file->path, line);
        src_stmt_free(st);
        return 0;
    }
    return 1;
oom:
    src_stmt_free(st);
    return -1;
}

/* Splits file f (already read, checked and blanked) into statements appended to set. */
int
src_split_file(src_set *set, size_t *cap, src_names *names, src_file *f, src_kind kind,
               diag_list *d)
{
    src_range *r = NULL;
    size_t n = 0;
    if (src_split_scanner(f->text, f->len, &r, &n) < 0 || src_merge_atomic(f->text, r, &n) < 0) {
        free(r);
        return -1;
    }
    /* The scanner splitter drops a last statement that ends inside parentheses
     * ("SELECT (1" at end of file); keep it so the parser reports it. */
    size_t tail = n ? r[n - 1].end : 0;
    int tail_oom = 0;
    if (src_leading(f->text, tail, f->len, NULL, NULL, NULL, &tail_oom) < f->len) {
        src_range *nr = realloc(r, (n + 1) * sizeof *nr);
        if (!nr) {
            free(r);
            return -1;
        }
        r = nr;
        r[n].start = tail;
        r[n].end = f->len;
        n++;
    }
    src_comment *cs = NULL;
    size_t ccap = 0;
    int rc = 0;
    size_t prev_end = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t s = r[i].start, e = r[i].end;
        if (kind == SRC_QUERIES && s > prev_end && src_orphans(f, prev_end, s, d) < 0) {
            rc = -1;
            break;
        }
        prev_end = e;
        size_t nc = 0;
        int oom = 0;
        size_t start = src_leading(f->text, s, e, kind == SRC_QUERIES ? &cs : NULL, &nc, &ccap,
                                   &oom);
        if (oom) {
            rc = -1;
            break;
        }
        if (start >= e) {
            if (kind == SRC_QUERIES && src_orphans(f, s, e, d) < 0)
                rc = -1;
            continue;
        }
        size_t end = src_stmt_end(f->text, start, e);
        src_stmt st;
        if (kind == SRC_QUERIES) {
            int k = src_query_stmt(set, names, f, cs, nc, start, end, &st, d);
            if (k < 0)
                rc = -1;
            if (k <= 0)
                continue;
        } else {
            memset(&st, 0, sizeof st);
            st.file = f;
            st.start = start;
            st.end = end;
            st.sql = src_strndup(f->text + start, end - start);
            if (!st.sql) {
                rc = -1;
                break;
            }
        }
        if (src_push_stmt(set, cap, &st) < 0) {
            src_stmt_free(&st);
            rc = -1;
        }
    }
    if (rc == 0 && kind == SRC_QUERIES && prev_end < f->len)
        rc = src_orphans(f, prev_end, f->len, d);
    free(cs);
    free(r);
    return rc;
}
