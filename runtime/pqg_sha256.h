/*
 * pqg_sha256.h - internal SHA-256 for libpqg (sha256.c).
 *
 * Migrations are identified by the hex SHA-256 of their up SQL; migrate.c recomputes it to
 * refuse a set whose embedded checksums no longer match, and tests build sets at run time.
 * Not public API: the name carries the pqg__ internal prefix.
 */
#ifndef PQG_SHA256_H
#define PQG_SHA256_H

#include <stddef.h>

/* Writes the lowercase hex SHA-256 of data[0..len) and a NUL into out[65]. Never fails.
 * data may be NULL when len is 0. */
void pqg__sha256_hex(const void *data, size_t len, char out[65]);

#endif /* PQG_SHA256_H */
