/*
 * params.c - query parameters: the prescan that turns sqlc's named parameters (@name,
 * sqlc.arg/narg/slice) and sqlc.embed(t) into text libpg_query parses (same length, so
 * locations stay true), the registry of parameters with their inferred types, names and
 * nullability, and the final SQL rewrite to positional $n.
 */
#include "analyze_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ASCII tests (pqgen runs in the C locale, where isalpha/isdigit mean exactly these), inline
 * because the prescan asks them for every byte of every query. */
static inline bool
ident_start(char ch)
{
    unsigned char u = (unsigned char)ch;
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

static inline bool
ident_char(char ch)
{
    return ident_start(ch) || (ch >= '0' && ch <= '9') || ch == '$';
}

static size_t
skip_space(const char *s, size_t i)
{
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    return i;
}

/* Skips a literal, quoted identifier, comment or dollar-quoted string starting at i; returns
 * the index after it, or i when s[i] starts none of them. */
static size_t
skip_quoted(const char *s, size_t i)
{
    if (s[i] == '\'') {
        bool esc = i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
                   (i < 2 || !ident_char(s[i - 2]));
        for (i++; s[i]; i++) {
            if (esc && s[i] == '\\' && s[i + 1]) {
                i++;
            } else if (s[i] == '\'') {
                if (s[i + 1] == '\'')
                    i++;
                else
                    return i + 1;
            }
        }
        return i;
    }
    if (s[i] == '"') {
        for (i++; s[i]; i++) {
            if (s[i] == '"') {
                if (s[i + 1] == '"')
                    i++;
                else
                    return i + 1;
            }
        }
        return i;
    }
    if (s[i] == '-' && s[i + 1] == '-') {
        while (s[i] && s[i] != '\n')
            i++;
        return i;
    }
    if (s[i] == '/' && s[i + 1] == '*') {
        int depth = 0;
        while (s[i]) {
            if (s[i] == '/' && s[i + 1] == '*') {
                depth++;
                i += 2;
            } else if (s[i] == '*' && s[i + 1] == '/') {
                i += 2;
                if (--depth == 0)
                    return i;
            } else {
                i++;
            }
        }
        return i;
    }
    if (s[i] == '$' && (i == 0 || !ident_char(s[i - 1]))) {
        size_t j = i + 1;
        if (ident_start(s[j]) && s[j] != '$')
            while (s[j] && s[j] != '$' && (isalnum((unsigned char)s[j]) || s[j] == '_'))
                j++;
        if (s[j] != '$')
            return i;
        size_t taglen = j + 1 - i;
        for (const char *p = s + j + 1; *p; p++)
            if (*p == '$' && strncmp(p, s + i, taglen) == 0)
                return (size_t)(p + taglen - s);
        return strlen(s);
    }
    return i;
}

occ *
an_occ_at(actx *c, int loc)
{
    if (loc < 0)
        return NULL;
    for (size_t i = 0; i < c->nocc; i++)
        if (c->occ[i].start == (size_t)loc)
            return &c->occ[i];
    return NULL;
}

static void
ensure_params(actx *c, size_t n)
{
    size_t need = n + 1;
    c->p = an_grow(&c->ar, c->p, sizeof *c->p, &c->capp, need);
    if (n > c->np)
        c->np = n;
}

static void
add_occ(actx *c, size_t start, size_t end, const char *name, char kind)
{
    c->occ = an_grow(&c->ar, c->occ, sizeof *c->occ, &c->capocc, c->nocc + 1);
    occ *o = &c->occ[c->nocc++];
    o->start = start;
    o->end = end;
    o->name = name;
    o->kind = kind;
    if (kind == 'e')
        return;
    for (size_t i = 0; i + 1 < c->nocc; i++) {
        if (c->occ[i].kind != 'e' && !strcmp(c->occ[i].name, name)) {
            o->index = c->occ[i].index;
            break;
        }
    }
    if (!o->index) {
        ensure_params(c, c->np + 1);
        o->index = (int)c->np;
        c->p[o->index].name = name;
        c->p[o->index].prio = 3;
        c->p[o->index].loc = (int)start;
    }
    aparam *p = &c->p[o->index];
    if (kind == 'n')
        p->nullable = true;
    if (kind == 's')
        p->slice = true;
}

/* Parses sqlc.<macro>(<name>) at i; fills the range and returns true on success. */
static bool
sqlc_macro(actx *c, const char *s, size_t i, size_t *end, const char **name, char *kind)
{
    if (strncasecmp(s + i, "sqlc", 4) != 0 || ident_char(s[i + 4]) ||
        (i > 0 && (ident_char(s[i - 1]) || s[i - 1] == '.')))
        return false;
    size_t j = skip_space(s, i + 4);
    if (s[j] != '.')
        return false;
    j = skip_space(s, j + 1);
    size_t m = j;
    while (ident_char(s[j]))
        j++;
    size_t mlen = j - m;
    if (mlen == 3 && !strncasecmp(s + m, "arg", 3))
        *kind = 'a';
    else if (mlen == 4 && !strncasecmp(s + m, "narg", 4))
        *kind = 'n';
    else if (mlen == 5 && !strncasecmp(s + m, "slice", 5))
        *kind = 's';
    else if (mlen == 5 && !strncasecmp(s + m, "embed", 5))
        *kind = 'e';
    else {
        an_error(c, (int)i, "sqlc macros are sqlc.arg, sqlc.narg, sqlc.slice and sqlc.embed",
                 "unknown sqlc macro \"sqlc.%.*s\"", (int)mlen, s + m);
        return false;
    }
    j = skip_space(s, j);
    if (s[j] != '(')
        return false;
    j = skip_space(s, j + 1);
    size_t ns = j, ne;
    if (s[j] == '\'' || s[j] == '"') {
        char q = s[j];
        ns = j + 1;
        ne = ns;
        while (s[ne] && s[ne] != q)
            ne++;
        if (!s[ne])
            return false;
        j = ne + 1;
    } else {
        while (ident_char(s[j]) || s[j] == '.')
            j++;
        ne = j;
    }
    if (ne == ns)
        return false;
    j = skip_space(s, j);
    if (s[j] != ')')
        return false;
    *end = j + 1;
    char *nm = an_alloc(&c->ar, ne - ns + 1);
    memcpy(nm, s + ns, ne - ns);
    /* unquoted names fold to lower case, as PostgreSQL does */
    if (s[ns - 1] != '\'' && s[ns - 1] != '"')
        for (char *p = nm; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    *name = nm;
    return true;
}

char *
an_prescan(actx *c)
{
    const char *s = c->orig;
    size_t len = strlen(s);
    char *out = an_alloc(&c->ar, len + 1);
    memcpy(out, s, len + 1);
    int first_pos = -1, first_named = -1;
    for (size_t i = 0; i < len;) {
        char ch = s[i];
        /* the characters that can start what skip_quoted() skips */
        size_t j = ch == '\'' || ch == '"' || ch == '-' || ch == '/' || ch == '$'
                       ? skip_quoted(s, i)
                       : i;
        if (j != i) {
            i = j;
            continue;
        }
        if (ch == '$' && isdigit((unsigned char)s[i + 1]) && (i == 0 || !ident_char(s[i - 1]))) {
            if (first_pos < 0)
                first_pos = (int)i;
            /* registered here too, so that a parameter in a place the analyzer does not
             * visit still gets "could not infer type" rather than silently vanishing */
            long n = strtol(s + i + 1, NULL, 10);
            if (n >= 1 && n <= 65535 && !c->in_schema) {
                ensure_params(c, (size_t)n);
                if (!c->p[n].used)
                    c->p[n].loc = (int)i;
                c->p[n].used = true;
            }
            i++;
            while (isdigit((unsigned char)s[i]))
                i++;
            continue;
        }
        if (ch == '@' && ident_start(s[i + 1]) &&
            (i == 0 || (s[i - 1] != '<' && s[i - 1] != '@' && !ident_char(s[i - 1])))) {
            size_t e = i + 1;
            while (ident_char(s[e]) && s[e] != '$')
                e++;
            char *nm = an_alloc(&c->ar, e - i);
            memcpy(nm, s + i + 1, e - i - 1);
            add_occ(c, i, e, nm, '@');
            if (first_named < 0)
                first_named = (int)i;
            memset(out + i, ' ', e - i);
            memcpy(out + i, "$1", 2);
            i = e;
            continue;
        }
        if ((ch == 's' || ch == 'S')) {
            size_t e;
            const char *nm;
            char kind;
            if (sqlc_macro(c, s, i, &e, &nm, &kind)) {
                add_occ(c, i, e, nm, kind);
                memset(out + i, ' ', e - i);
                if (kind == 'e') {
                    memcpy(out + i, nm, strlen(nm));
                    memcpy(out + i + strlen(nm), ".*", 2);
                } else {
                    if (first_named < 0)
                        first_named = (int)i;
                    memcpy(out + i, "$1", 2);
                }
                i = e;
                continue;
            }
        }
        if (ident_char(ch)) {
            while (ident_char(s[i]))
                i++;
            continue;
        }
        i++;
    }
    if (first_pos >= 0 && first_named >= 0)
        an_error(c, first_pos > first_named ? first_pos : first_named,
                 "use either $1, $2... or named parameters throughout a query",
                 "query mixes positional parameters ($n) with named parameters (@name, "
                 "sqlc.arg)");
    c->named = first_named >= 0;
    c->positional = first_pos >= 0;
    return out;
}

int
an_param_ref(actx *c, int loc, int number)
{
    if (c->in_schema) {
        an_error(c, loc, NULL, "parameters are not allowed here");
        return 0;
    }
    occ *o = an_occ_at(c, loc);
    if (o && o->kind != 'e') {
        c->p[o->index].used = true;
        return o->index;
    }
    if (number < 1 || number > 65535) {
        an_error(c, loc, NULL, "there is no parameter $%d", number);
        return 0;
    }
    ensure_params(c, (size_t)number);
    aparam *p = &c->p[number];
    if (!p->used)
        p->loc = loc;
    p->used = true;
    return number;
}

void
an_param_type(actx *c, int idx, cat_tref t)
{
    if (idx <= 0 || (size_t)idx > c->np || !cat_tref_known(t))
        return;
    aparam *p = &c->p[idx];
    if (p->typed)
        return;
    p->t = t;
    p->typed = true;
}

void
an_param_name(actx *c, int idx, const char *name, int prio)
{
    if (idx <= 0 || (size_t)idx > c->np || !name || !*name)
        return;
    aparam *p = &c->p[idx];
    if (prio > p->prio) {
        p->name = name;
        p->prio = prio;
    }
}

void
an_param_nullable(actx *c, int idx)
{
    if (idx > 0 && (size_t)idx <= c->np)
        c->p[idx].nullable = true;
}

void
an_add_edit(actx *c, size_t start, size_t end, const char *text)
{
    c->ed = an_grow(&c->ar, c->ed, sizeof *c->ed, &c->caped, c->ned + 1);
    c->ed[c->ned].start = start;
    c->ed[c->ned].end = end;
    c->ed[c->ned].text = text;
    c->ned++;
}

size_t
an_match_paren(actx *c, size_t pos)
{
    const char *s = c->sql;
    size_t len = strlen(s);
    while (pos < len && s[pos] != '(') {
        size_t j = skip_quoted(s, pos);
        pos = j != pos ? j : pos + 1;
    }
    int depth = 0;
    while (pos < len) {
        size_t j = skip_quoted(s, pos);
        if (j != pos) {
            pos = j;
            continue;
        }
        if (s[pos] == '(')
            depth++;
        else if (s[pos] == ')' && --depth == 0)
            return pos + 1;
        pos++;
    }
    return 0;
}

void
an_params_finish(actx *c, an_query *q)
{
    /* after another error the missing types are usually its consequence: stay quiet */
    bool quiet = c->n_errors > 0;
    for (size_t i = 1; i <= c->np; i++) {
        aparam *p = &c->p[i];
        if (!p->used && !p->typed) {
            an_error(c, -1, "PostgreSQL needs every parameter from $1 to the highest to be used",
                     "parameter $%zu is never used", i);
            continue;
        }
        if (!p->typed && !quiet) {
            an_error(c, p->loc, an_printf(&c->ar, "add a cast, e.g. $%zu::text", i),
                     "could not infer type of parameter $%zu", i);
        }
    }
    if (c->n_errors || !c->np)
        return;
    q->params = catalog_alloc_fails() ? NULL : calloc(c->np, sizeof *q->params);
    if (!q->params)
        an_oom(c);
    q->n_params = c->np;
    for (size_t i = 1; i <= c->np; i++) {
        aparam *p = &c->p[i];
        const char *base = p->name ? p->name : an_printf(&c->ar, "p%zu", i);
        const char *name = base;
        for (int suffix = 2;; suffix++) {
            bool clash = false;
            for (size_t k = 0; k + 1 < i; k++)
                if (!strcmp(q->params[k].name, name))
                    clash = true;
            if (!clash)
                break;
            name = an_printf(&c->ar, "%s_%d", base, suffix);
        }
        an_param *o = &q->params[i - 1];
        o->index = (int)i;
        o->name = catalog_alloc_fails() ? NULL : strdup(name);
        if (!o->name)
            an_oom(c); /* the caller frees q: names not yet set are NULL */
        o->type = p->t;
        o->nullable = p->nullable;
        o->slice = p->slice;
    }
}

static int
cmp_edit(const void *a, const void *b)
{
    const edit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end; /* the enclosing edit first */
}

char *
an_rewrite_sql(actx *c)
{
    for (size_t i = 0; i < c->nocc; i++) {
        occ *o = &c->occ[i];
        const char *text = o->kind == 'e' ? an_printf(&c->ar, "%s.*", o->name)
                                          : an_printf(&c->ar, "$%d", o->index);
        an_add_edit(c, o->start, o->end, text);
    }
    if (c->ned)
        qsort(c->ed, c->ned, sizeof *c->ed, cmp_edit);
    const char *s = c->orig;
    size_t len = strlen(s);
    size_t cap = len + 1;
    for (size_t i = 0; i < c->ned; i++)
        cap += strlen(c->ed[i].text);
    char *out = catalog_alloc_fails() ? NULL : malloc(cap);
    if (!out)
        an_oom(c);
    size_t o = 0, pos = 0;
    for (size_t i = 0; i < c->ned; i++) {
        const edit *e = &c->ed[i];
        if (e->start < pos || e->end > len)
            continue; /* inside an enclosing edit */
        memcpy(out + o, s + pos, e->start - pos);
        o += e->start - pos;
        size_t tl = strlen(e->text);
        memcpy(out + o, e->text, tl);
        o += tl;
        pos = e->end;
    }
    memcpy(out + o, s + pos, len - pos);
    o += len - pos;
    while (o > 0 && (isspace((unsigned char)out[o - 1]) || out[o - 1] == ';'))
        o--;
    out[o] = '\0';
    return out;
}
