/*
 * vet_libpq.h - libpq for `pqgen vet`, loaded with dlopen when vet runs: the other commands
 * neither need libpq installed nor pay for loading it and its TLS and Kerberos libraries (most
 * of pqgen's start-up time: 3.6 of 4.6 ms). Included through vet.h, it maps the PQ* names the
 * vet files call onto the loaded functions, so that code reads as plain libpq.
 */
#ifndef PQGEN_VET_LIBPQ_H
#define PQGEN_VET_LIBPQ_H

#include <libpq-fe.h>
#include <stddef.h>

#define VET_LIBPQ_FUNCS(X)                                                                      \
    X(PQclear) X(PQcmdTuples) X(PQconnectdb) X(PQconnectdbParams) X(PQdescribePrepared)         \
    X(PQerrorMessage) X(PQexec) X(PQexecParams) X(PQfinish) X(PQfname) X(PQftable)              \
    X(PQftablecol) X(PQftype) X(PQgetisnull) X(PQgetvalue) X(PQnfields) X(PQnparams)            \
    X(PQntuples) X(PQparamtype) X(PQping) X(PQprepare) X(PQresultErrorField)                    \
    X(PQresultErrorMessage) X(PQresultStatus) X(PQstatus)

/* The loaded functions, typed from libpq-fe.h's own declarations. */
typedef struct vet_libpq {
#define VET_LIBPQ_MEMBER(f) __typeof__(f) *f;
    VET_LIBPQ_FUNCS(VET_LIBPQ_MEMBER)
#undef VET_LIBPQ_MEMBER
} vet_libpq;

extern vet_libpq vet_pq;

/* Loads libpq (libpq.so.5, or the file the environment variable PQGEN_LIBPQ names) once; later
 * calls return at once. Returns 0, or -1 with the reason
 * in err (e.g. "libpq.so.5: cannot open shared object file"). Not thread-safe: vet runs on one
 * thread. */
int vet_libpq_load(char *err, size_t err_size);

#ifndef VET_LIBPQ_LOADER
#define PQclear vet_pq.PQclear
#define PQcmdTuples vet_pq.PQcmdTuples
#define PQconnectdb vet_pq.PQconnectdb
#define PQconnectdbParams vet_pq.PQconnectdbParams
#define PQdescribePrepared vet_pq.PQdescribePrepared
#define PQerrorMessage vet_pq.PQerrorMessage
#define PQexec vet_pq.PQexec
#define PQexecParams vet_pq.PQexecParams
#define PQfinish vet_pq.PQfinish
#define PQfname vet_pq.PQfname
#define PQftable vet_pq.PQftable
#define PQftablecol vet_pq.PQftablecol
#define PQftype vet_pq.PQftype
#define PQgetisnull vet_pq.PQgetisnull
#define PQgetvalue vet_pq.PQgetvalue
#define PQnfields vet_pq.PQnfields
#define PQnparams vet_pq.PQnparams
#define PQntuples vet_pq.PQntuples
#define PQparamtype vet_pq.PQparamtype
#define PQping vet_pq.PQping
#define PQprepare vet_pq.PQprepare
#define PQresultErrorField vet_pq.PQresultErrorField
#define PQresultErrorMessage vet_pq.PQresultErrorMessage
#define PQresultStatus vet_pq.PQresultStatus
#define PQstatus vet_pq.PQstatus
#endif

#endif
