/*
 * emit_diff.c - `pqgen diff` and `pqgen generate`'s writer: compares rendered files with the
 * output directory (a Myers line diff printed as a unified diff), and writes only the files
 * whose content changed, so mtimes (and make) see no change when there is none.
 * Rendering is emit.c's; this file only reads, compares and writes.
 */
#include "emit.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTEXT 3
#define MAX_EDITS 20000 /* beyond this many differing lines, show a whole-file replacement */

typedef struct line {
    const char *p;
    size_t len; /* including the '\n', when there is one */
} line;

static char *
path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", dir, name);
    return s;
}

/* Reads a whole file. Returns NULL (errno set) when it cannot. Caller owns; release with
 * free(). Plain read(2) into one block sized by fstat: no stdio buffer, whose allocation after
 * the emit stage's many frees made glibc consolidate its fastbins (see tests/bench/RESULTS.md). */
static char *
read_all(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *buf = NULL;
    size_t cap;

    *len = 0;
    if (fd < 0)
        return NULL;
    cap = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size + 1 : 8192;
    for (;;) {
        ssize_t n;
        if (!buf || cap - *len < 2) {
            char *p = realloc(buf, cap = buf ? cap * 2 : cap);
            if (!p) {
                free(buf);
                close(fd);
                errno = ENOMEM;
                return NULL;
            }
            buf = p;
        }
        n = read(fd, buf + *len, cap - *len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (n == 0)
            break;
        *len += (size_t)n;
    }
    buf[*len] = '\0';
    close(fd);
    return buf;
}

/* Writes len bytes to a new file at path. Returns 0 or -1 (errno set). */
static int
write_all(const char *path, const char *p, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

static int
mkdirs(const char *dir)
{
    char *d = strdup(dir), *p;
    int rc = 0;

    if (!d)
        return -1;
    for (p = d + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(d, 0777) != 0 && errno != EEXIST)
                rc = -1;
            *p = '/';
        }
    if (mkdir(d, 0777) != 0 && errno != EEXIST)
        rc = -1;
    free(d);
    return rc;
}

int
emit_write(const char *out_dir, const emit_file *files, size_t n_files, int *n_written)
{
    size_t i;
    int written = 0;

    if (n_written)
        *n_written = 0;
    if (mkdirs(out_dir) != 0) {
        fprintf(stderr, "pqgen: cannot create %s: %s\n", out_dir, strerror(errno));
        return -1;
    }
    for (i = 0; i < n_files; i++) {
        char *path = path_join(out_dir, files[i].path), *tmp, *old;
        size_t old_len;
        int wrote;

        if (!path)
            return -1;
        old = read_all(path, &old_len);
        if (old && old_len == files[i].len && memcmp(old, files[i].content, old_len) == 0) {
            free(old);
            free(path);
            continue;
        }
        free(old);
        /* Write beside the target and rename, so a reader never sees half a file. */
        tmp = malloc(strlen(path) + 16);
        if (!tmp) {
            free(path);
            return -1;
        }
        snprintf(tmp, strlen(path) + 16, "%s.pqgen-tmp", path);
        wrote = write_all(tmp, files[i].content, files[i].len);
        if (wrote != 0 || rename(tmp, path) != 0) {
            fprintf(stderr, "pqgen: cannot write %s: %s\n", path, strerror(errno));
            unlink(tmp);
            free(tmp);
            free(path);
            return -1;
        }
        free(tmp);
        free(path);
        written++;
    }
    if (n_written)
        *n_written = written;
    return 0;
}

static line *
split_lines(const char *s, size_t len, size_t *n)
{
    size_t cap = 16, i = 0;
    line *v = malloc(cap * sizeof *v);
    const char *end = s + len;

    *n = 0;
    while (v && s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t l = nl ? (size_t)(nl - s + 1) : (size_t)(end - s);
        if (i == cap) {
            line *w = realloc(v, (cap *= 2) * sizeof *v);
            if (!w) {
                free(v);
                return NULL;
            }
            v = w;
        }
        v[i].p = s;
        v[i].len = l;
        i++;
        s += l;
    }
    *n = i;
    return v;
}

static bool
line_eq(const line *a, const line *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* The version-independent comparison DESIGN promises: a first line "/" "* Code generated by
 * pqgen X ..." matches whatever X is, so upgrading pqgen alone does not fail the drift check. */
static bool
header_eq(const line *a, const line *b)
{
    static const char tag[] = "/* Code generated by pqgen ";
    size_t t = sizeof tag - 1;
    const char *ra, *rb;

    if (line_eq(a, b))
        return true;
    if (a->len < t || b->len < t || memcmp(a->p, tag, t) || memcmp(b->p, tag, t))
        return false;
    ra = memchr(a->p + t, ' ', a->len - t);
    rb = memchr(b->p + t, ' ', b->len - t);
    if (!ra || !rb)
        return false;
    return (size_t)(a->p + a->len - ra) == (size_t)(b->p + b->len - rb) &&
           memcmp(ra, rb, (size_t)(a->p + a->len - ra)) == 0;
}

typedef struct edit {
    char op;     /* ' ', '-', '+' */
    size_t a, b; /* line indexes in old and new (the next ones, for insertions/deletions) */
} edit;

/* Myers' O(ND) diff of a[0..n) and b[0..m). Returns the edit script (caller owns). */
static edit *
myers(const line *a, size_t n, const line *b, size_t m, size_t *n_edits)
{
    size_t pre = 0, suf = 0, i, cnt = 0;
    long N, M, max, d, k, D = -1;
    long **trace = NULL;
    edit *e;

    while (pre < n && pre < m && line_eq(&a[pre], &b[pre]))
        pre++;
    while (suf < n - pre && suf < m - pre && line_eq(&a[n - 1 - suf], &b[m - 1 - suf]))
        suf++;
    N = (long)(n - pre - suf), M = (long)(m - pre - suf);
    max = N + M;
    e = malloc((n + m + 1) * sizeof *e);
    if (!e)
        return NULL;
    for (i = 0; i < pre; i++)
        e[cnt++] = (edit){' ', i, i};

    if (max > 0 && max <= MAX_EDITS)
        trace = calloc((size_t)max + 1, sizeof *trace);
    if (trace) {
        const line *A = a + pre, *B = b + pre;
        for (d = 0; d <= max && D < 0; d++) {
            long *v = malloc((size_t)(2 * d + 3) * sizeof *v); /* v[k + d + 1], k in [-d-1, d+1] */
            long *pv = d > 0 ? trace[d - 1] : NULL;
            if (!v)
                break;
            trace[d] = v;
            for (k = -d; k <= d; k += 2) {
                long x, y;
                /* pv is indexed [k + (d-1) + 1] = [k + d]. */
                if (d == 0)
                    x = 0;
                else if (k == -d || (k != d && pv[k - 1 + d] < pv[k + 1 + d]))
                    x = pv[k + 1 + d];
                else
                    x = pv[k - 1 + d] + 1;
                y = x - k;
                while (x < N && y < M && line_eq(&A[x], &B[y]))
                    x++, y++;
                v[k + d + 1] = x;
                if (x >= N && y >= M) {
                    D = d;
                    break;
                }
            }
        }
    }
    if (D >= 0) {
        /* Walk back through the trace, collecting edits in reverse. */
        edit *rev = malloc(((size_t)N + (size_t)M + 1) * sizeof *rev);
        size_t rn = 0;
        long x = N, y = M;
        for (d = D; rev && d >= 0; d--) {
            long *v = trace[d], *pv = d > 0 ? trace[d - 1] : NULL, pk, px, py;
            k = x - y;
            (void)v;
            if (d == 0) {
                while (x > 0 && y > 0)
                    rev[rn++] = (edit){' ', (size_t)--x + pre, (size_t)--y + pre};
                break;
            }
            if (k == -d || (k != d && pv[k - 1 + d] < pv[k + 1 + d]))
                pk = k + 1;
            else
                pk = k - 1;
            px = pv[pk + d];
            py = px - pk;
            while (x > px && y > py)
                rev[rn++] = (edit){' ', (size_t)--x + pre, (size_t)--y + pre};
            if (pk == k + 1)
                rev[rn++] = (edit){'+', (size_t)x + pre, (size_t)--y + pre};
            else
                rev[rn++] = (edit){'-', (size_t)--x + pre, (size_t)y + pre};
        }
        while (rev && rn > 0)
            e[cnt++] = rev[--rn];
        free(rev);
    } else {
        long x;
        for (x = 0; x < N; x++)
            e[cnt++] = (edit){'-', pre + (size_t)x, pre + (size_t)M};
        for (x = 0; x < M; x++)
            e[cnt++] = (edit){'+', pre + (size_t)N, pre + (size_t)x};
    }
    if (trace) {
        for (d = 0; d <= max; d++)
            free(trace[d]);
        free(trace);
    }
    for (i = 0; i < suf; i++)
        e[cnt++] = (edit){' ', n - suf + i, m - suf + i};
    *n_edits = cnt;
    return e;
}

static void
print_line(FILE *out, char op, const line *l)
{
    fputc(op, out);
    fwrite(l->p, 1, l->len, out);
    if (l->len == 0 || l->p[l->len - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", out);
}

/* Prints a unified diff of old -> new under the given headers. */
static void
unified(FILE *out, const char *label, const char *old, size_t old_len, const char *new_,
        size_t new_len)
{
    size_t na, nb, ne, i, j;
    line *a = split_lines(old, old_len, &na), *b = split_lines(new_, new_len, &nb);
    edit *e = (a || na == 0) && (b || nb == 0) ? myers(a, na, b, nb, &ne) : NULL;

    fprintf(out, "--- %s\n+++ %s (pqgen)\n", label, label);
    if (!e) {
        fprintf(out, "(out of memory computing the diff)\n");
        free(a), free(b);
        return;
    }
    for (i = 0; i < ne;) {
        size_t start, end, k, a0, b0, ac = 0, bc = 0;
        if (e[i].op == ' ') {
            i++;
            continue;
        }
        /* A hunk: from CONTEXT lines before this change to CONTEXT lines after the last change
         * that is at most 2*CONTEXT lines from the previous one. */
        start = i > CONTEXT ? i - CONTEXT : 0;
        end = i;
        for (j = i; j < ne; j++) {
            if (e[j].op != ' ')
                end = j;
            else if (j - end > 2 * CONTEXT)
                break;
        }
        end = end + CONTEXT + 1 < ne ? end + CONTEXT + 1 : ne;
        a0 = e[start].a, b0 = e[start].b;
        for (k = start; k < end; k++) {
            if (e[k].op != '+')
                ac++;
            if (e[k].op != '-')
                bc++;
        }
        fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? a0 + 1 : a0, ac, bc ? b0 + 1 : b0, bc);
        for (k = start; k < end; k++)
            print_line(out, e[k].op, e[k].op == '+' ? &b[e[k].b] : &a[e[k].a]);
        i = end;
    }
    free(e), free(a), free(b);
}

static bool
same_content(const char *x, size_t xl, const char *y, size_t yl)
{
    const char *xe, *ye;
    line lx, ly;

    if (xl == yl && memcmp(x, y, xl) == 0)
        return true;
    xe = memchr(x, '\n', xl);
    ye = memchr(y, '\n', yl);
    if (!xe || !ye)
        return false;
    lx = (line){x, (size_t)(xe - x + 1)};
    ly = (line){y, (size_t)(ye - y + 1)};
    return header_eq(&lx, &ly) && xl - lx.len == yl - ly.len &&
           memcmp(xe + 1, ye + 1, xl - lx.len) == 0;
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
emit_diff(const char *out_dir, const emit_file *files, size_t n_files, FILE *out)
{
    int differ = 0;
    size_t i;
    DIR *d;

    for (i = 0; i < n_files; i++) {
        char *path = path_join(out_dir, files[i].path), *old;
        size_t old_len;

        if (!path)
            return -1;
        old = read_all(path, &old_len);
        if (!old && errno != ENOENT) {
            fprintf(stderr, "pqgen: cannot read %s: %s\n", path, strerror(errno));
            free(path);
            return -1;
        }
        if (!old) {
            fprintf(out, "%s: missing (pqgen would write it)\n", path);
            unified(out, path, "", 0, files[i].content, files[i].len);
            differ = 1;
        } else if (!same_content(old, old_len, files[i].content, files[i].len)) {
            unified(out, path, old, old_len, files[i].content, files[i].len);
            differ = 1;
        }
        free(old);
        free(path);
    }

    /* Files pqgen would not write: listed (in name order), never deleted. */
    d = opendir(out_dir);
    if (d) {
        struct dirent *e;
        char **extra = NULL;
        size_t n_extra = 0;
        while ((e = readdir(d)) != NULL) {
            bool known = false;
            char **x;
            if (e->d_name[0] == '.')
                continue;
            for (i = 0; i < n_files && !known; i++)
                known = strcmp(files[i].path, e->d_name) == 0;
            if (known)
                continue;
            x = realloc(extra, (n_extra + 1) * sizeof *extra);
            if (!x)
                break;
            extra = x;
            extra[n_extra++] = strdup(e->d_name);
        }
        closedir(d);
        if (n_extra > 0)
            qsort(extra, n_extra, sizeof *extra, cmp_name);
        for (i = 0; i < n_extra; i++) {
            fprintf(out, "%s/%s: not written by pqgen\n", out_dir, extra[i] ? extra[i] : "?");
            free(extra[i]);
            differ = 1;
        }
        free(extra);
    }
    return differ;
}

void
emit_files_free(emit_file *files, size_t n_files)
{
    size_t i;
    if (!files)
        return;
    for (i = 0; i < n_files; i++) {
        free(files[i].path);
        free(files[i].content);
    }
    free(files);
}
