/*
 * source.c - reads schema and query files (single files, or folders of *.sql in name order),
 * checks they are UTF-8, indexes their lines, blanks the "down" parts of migrations (golang-
 * migrate, goose, dbmate) to spaces so offsets stay true, and maps offsets to line:column.
 * Splitting each file into statements and reading annotations is source_split.c's job; parsing
 * proper is model.c's.
 */
#include "source_int.h"

#include <dirent.h>
#include <errno.h>
#include <pg_query.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- small helpers ------------------------------------------------------------------------ */

char *
src_strndup(const char *s, size_t n)
{
    char *r = malloc(n + 1);
    if (r) {
        memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

bool
src_is_ident(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c >= 0x80;
}

/* ---- UTF-8, lines, cursor ----------------------------------------------------------------- */

/* Offset of the first byte that is not part of valid UTF-8 (or is NUL), or len when all valid. */
static size_t
src_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        /* 8 bytes at a time while they are ASCII and not NUL (nearly all SQL) */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080u) ||
                ((w - 0x0101010101010101u) & ~w & 0x8080808080808080u))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned c = s[i];
        if (c >= 0x01 && c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned min, cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            min = 0x10000;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        cp = c & (0x7f >> n);
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n;
    }
    return len;
}

static int
src_index_lines(src_file *f)
{
    size_t n = 1;
    const char *end = f->text + f->len;
    for (const char *p = f->text; p && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        n++;
    f->line_starts = malloc(n * sizeof *f->line_starts);
    if (!f->line_starts)
        return -1;
    size_t k = 0;
    f->line_starts[k++] = 0;
    for (const char *p = f->text; p && (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        f->line_starts[k++] = (size_t)(p - f->text) + 1;
    f->n_lines = n;
    return 0;
}

void
source_linecol(const src_file *f, size_t offset, int *line, int *col)
{
    *line = 1;
    *col = 1;
    if (!f || !f->line_starts || f->n_lines == 0)
        return;
    if (offset > f->len)
        offset = f->len;
    size_t lo = 0, hi = f->n_lines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    int c = 1;
    for (size_t i = f->line_starts[lo]; i < offset; i++)
        c += ((unsigned char)f->text[i] & 0xc0) != 0x80;
    *line = (int)lo + 1;
    *col = c;
}

size_t
source_cursor_to_offset(const char *sql, int cursorpos)
{
    if (!sql)
        return 0;
    size_t i = 0;
    for (int ch = 1; ch < cursorpos && sql[i]; ch++) {
        i++;
        while (sql[i] && ((unsigned char)sql[i] & 0xc0) == 0x80)
            i++;
    }
    return i;
}

/* ---- migrations ---------------------------------------------------------------------------- */

static bool
src_word_ieq(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n < wl || strncasecmp(s, w, wl) != 0)
        return false;
    return n == wl || !src_is_ident((unsigned char)s[wl]);
}

/* 1 for an "up" marker, -1 for a "down" marker, 0 otherwise: "-- +goose Up|Down",
 * "-- migrate:up|down" (dbmate). */
static int
src_migration_marker(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n - i < 2 || s[i] != '-' || s[i + 1] != '-')
        return 0;
    i += 2;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n - i >= 6 && strncmp(s + i, "+goose", 6) == 0) {
        i += 6;
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (src_word_ieq(s + i, n - i, "up"))
            return 1;
        if (src_word_ieq(s + i, n - i, "down"))
            return -1;
        return 0;
    }
    if (n - i >= 8 && strncmp(s + i, "migrate:", 8) == 0) {
        i += 8;
        if (src_word_ieq(s + i, n - i, "up"))
            return 1;
        if (src_word_ieq(s + i, n - i, "down"))
            return -1;
    }
    return 0;
}

/* Blanks every "down" section of a goose or dbmate migration to spaces (newlines kept), so the
 * splitter never sees it and every offset still points at the same byte of the file. */
static void
src_blank_down_sections(src_file *f)
{
    bool up = true;
    for (size_t ln = 0; ln < f->n_lines; ln++) {
        size_t s = f->line_starts[ln];
        size_t e = s;
        while (e < f->len && f->text[e] != '\n')
            e++;
        int m = src_migration_marker(f->text + s, e - s);
        if (m)
            up = m > 0;
        if (!up)
            memset(f->text + s, ' ', e - s);
    }
}

/* Takes ownership of text (len bytes + NUL) and adds it to set as a file named label. */
static int
src_add_file(src_set *set, size_t *cap, src_names *names, const char *label, char *text,
             size_t len, src_kind kind, diag_list *d)
{
    src_file *f = calloc(1, sizeof *f);
    char *path = strdup(label);
    src_file **nf = realloc(set->files, (set->n_files + 1) * sizeof *nf);
    if (nf)
        set->files = nf;
    if (!f || !path || !nf) {
        free(f);
        free(path);
        free(text);
        return -1;
    }
    f->path = path;
    f->text = text;
    f->len = len;
    set->files[set->n_files++] = f;
    if (src_index_lines(f) < 0)
        return -1;
    size_t bad = src_utf8_check((const unsigned char *)text, len);
    if (bad < len) {
        if (text[bad] == '\0')
            diag_add(d, DIAG_ERROR, f, bad, NULL, "file contains a NUL byte");
        else
            diag_add(d, DIAG_ERROR, f, bad, "save the file as UTF-8",
                     "file is not valid UTF-8 (byte 0x%02x)", (unsigned char)text[bad]);
        return 0;
    }
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        memset(text, ' ', 3); /* a byte order mark: invisible to the parser, offsets kept */
    if (kind == SRC_SCHEMA)
        src_blank_down_sections(f);
    return src_split_file(set, cap, names, f, kind, d);
}

/* ---- reading ------------------------------------------------------------------------------- */

static int
src_read(const char *path, char **text, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (n + 1 < cap) {
            if (ferror(fp)) {
                free(buf);
                buf = NULL;
                errno = EIO;
            }
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            errno = ENOMEM;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(fp);
    if (!buf)
        return -1;
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

char *
source_path_join(const char *a, const char *b)
{
    if (!a || !*a || (b[0] == '/') || strcmp(a, ".") == 0)
        return strdup(b);
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    size_t lb = strlen(b);
    char *s = malloc(la + 1 + lb + 1);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static bool
src_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
src_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One source_load run: where the statements go, and who hears of each file added. */
typedef struct src_loader {
    src_set *set;
    size_t cap;
    src_names names;
    src_kind kind;
    diag_list *d;
    src_file_fn added;
    void *added_data;
} src_loader;

/* Reads one file (display path `label`, real path `full`) into the set. */
static int
src_load_path(src_loader *l, const char *label, const char *full)
{
    char *text;
    size_t len, first = l->set->n_stmts;
    if (src_read(full, &text, &len) < 0) {
        if (errno == ENOMEM)
            return -1;
        diag_add_at(l->d, DIAG_ERROR, label, NULL, "cannot read: %s", strerror(errno));
        return 0;
    }
    int rc = src_add_file(l->set, &l->cap, &l->names, label, text, len, l->kind, l->d);
    if (rc == 0 && l->added)
        l->added(l->added_data, l->set, first);
    return rc;
}

static int
src_load_dir(src_loader *l, const char *label, const char *full)
{
    src_kind kind = l->kind;
    diag_list *d = l->d;
    DIR *dir = opendir(full);
    if (!dir) {
        diag_add_at(d, DIAG_ERROR, label, NULL, "cannot read folder: %s", strerror(errno));
        return 0;
    }
    char **names_v = NULL;
    size_t n = 0, vcap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        const char *nm = de->d_name;
        if (nm[0] == '.' || !src_ends_with(nm, ".sql"))
            continue;
        if (kind == SRC_SCHEMA && src_ends_with(nm, ".down.sql"))
            continue;
        if (n == vcap) {
            size_t nc = vcap ? vcap * 2 : 32;
            char **nv = realloc(names_v, nc * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            names_v = nv;
            vcap = nc;
        }
        if (!(names_v[n] = strdup(nm))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(dir);
    if (rc == 0 && n)
        qsort(names_v, n, sizeof *names_v, src_strcmp);
    if (rc == 0 && n == 0)
        diag_add_at(d, DIAG_WARNING, label, NULL, "folder has no .sql files");
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *lb = source_path_join(label, names_v[i]), *fp = source_path_join(full, names_v[i]);
        struct stat stt;
        if (!lb || !fp)
            rc = -1;
        else if (stat(fp, &stt) == 0 && S_ISDIR(stt.st_mode))
            ; /* a folder named x.sql: not ours to read */
        else
            rc = src_load_path(l, lb, fp);
        free(lb);
        free(fp);
    }
    for (size_t i = 0; i < n; i++)
        free(names_v[i]);
    free(names_v);
    return rc;
}

/* Rebuilds the query-name index over the statements already in set. */
static int
src_names_init(src_names *nm, const src_set *set)
{
    memset(nm, 0, sizeof *nm);
    for (size_t i = 0; i < set->n_stmts; i++) {
        size_t found;
        if (set->stmts[i].name && src_names_check(nm, set, set->stmts[i].name, i, &found) < 0)
            return -1;
    }
    return 0;
}

int
source_load(const char *base_dir, const char *const *paths, size_t n_paths, src_kind kind,
            src_set *out, diag_list *d)
{
    return source_load_each(base_dir, paths, n_paths, kind, out, d, NULL, NULL);
}

int
source_load_each(const char *base_dir, const char *const *paths, size_t n_paths, src_kind kind,
                 src_set *out, diag_list *d, src_file_fn added, void *added_data)
{
    memset(out, 0, sizeof *out);
    src_loader l = {.set = out, .kind = kind, .d = d, .added = added, .added_data = added_data};
    int rc = 0;
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        size_t pl = strlen(paths[i]);
        char *label = src_strndup(paths[i], pl);
        while (label && pl > 1 && label[pl - 1] == '/')
            label[--pl] = '\0';
        char *full = label ? source_path_join(paths[i][0] == '/' ? NULL : base_dir, label) : NULL;
        struct stat st;
        if (!label || !full)
            rc = -1;
        else if (stat(full, &st) < 0)
            diag_add_at(d, DIAG_ERROR, label, NULL, "cannot read: %s", strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = src_load_dir(&l, label, full);
        else
            rc = src_load_path(&l, label, full);
        free(label);
        free(full);
    }
    free(l.names.slots);
    if (rc < 0)
        diag_add(d, DIAG_ERROR, NULL, 0, NULL, "out of memory while reading sources");
    return rc;
}

int
source_load_text(const char *path_label, const char *text, size_t len, src_kind kind,
                 src_set *out, diag_list *d)
{
    src_names names;
    if (src_names_init(&names, out) < 0)
        return -1;
    size_t cap = out->n_stmts; /* the array is exactly this full, or empty */
    char *copy = src_strndup(text, len);
    int rc = copy ? src_add_file(out, &cap, &names, path_label, copy, len, kind, d) : -1;
    free(names.slots);
    return rc;
}

void
source_set_free(src_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_stmts; i++)
        src_stmt_free(&s->stmts[i]);
    free(s->stmts);
    for (size_t i = 0; i < s->n_files; i++) {
        free(s->files[i]->path);
        free(s->files[i]->text);
        free(s->files[i]->line_starts);
        free(s->files[i]);
    }
    free(s->files);
    memset(s, 0, sizeof *s);
}
