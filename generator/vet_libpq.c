/*
 * vet_libpq.c - loads libpq for `pqgen vet` (see vet_libpq.h): dlopen of the library's soname,
 * then every function vet calls, by name. A missing library or function is an error that says
 * which, not a crash.
 */
#define VET_LIBPQ_LOADER
#include "vet_libpq.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The soname Debian's libpq5 (and every libpq since 8.x) installs; the unversioned libpq.so
 * comes only with libpq-dev. The environment variable PQGEN_LIBPQ may name another file. */
#define VET_LIBPQ_SONAME "libpq.so.5"

vet_libpq vet_pq;

int
vet_libpq_load(char *err, size_t err_size)
{
    static void *lib;
    vet_libpq f;
    void *sym;

    if (lib)
        return 0;
    const char *path = getenv("PQGEN_LIBPQ");
    if (!path || !*path)
        path = VET_LIBPQ_SONAME;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, err_size, "%s", dlerror());
        return -1;
    }
    /* dlsym returns a void *, which ISO C does not convert to a function pointer: the bits
     * are copied instead (POSIX guarantees the representations match). */
#define VET_LIBPQ_LOAD(name)                                                                    \
    if (!(sym = dlsym(h, #name))) {                                                             \
        snprintf(err, err_size, "%s: no %s: %s", path, #name, dlerror());           \
        dlclose(h);                                                                             \
        return -1;                                                                              \
    }                                                                                           \
    memcpy(&f.name, &sym, sizeof sym);
    VET_LIBPQ_FUNCS(VET_LIBPQ_LOAD)
#undef VET_LIBPQ_LOAD
    vet_pq = f;
    lib = h;
    return 0;
}
