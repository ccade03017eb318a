/*
 * migrate.c - schema migrations: pqg_migrate_up/down/status over a schema_migrations table.
 *
 * All work happens on ONE leased connection holding a session advisory lock, so concurrent
 * migrators (several app instances starting at once) run one after another. Each migration runs
 * in its own transaction together with its schema_migrations row. Statements go through the
 * public API (pqg_exec_sql, pqg_exec, pqg_query_*); only error recording and the allocator come
 * from pqg_int.h. Checksums are hex SHA-256 of up_sql (sha256.c).
 */
#include "pqg_int.h"
#include "pqg_sha256.h"

#include <inttypes.h>
#include <string.h>

/* The advisory lock key: the first 8 bytes of SHA-256("pqgen.migrations") read big-endian as
 * a signed 64-bit integer (0x992b84ce2368f89d). Fixed forever: processes running different
 * versions of libpqg must still exclude each other. */
#define MIGRATE_LOCK_KEY "-7409682741015807843"

static const char k_create_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version bigint PRIMARY KEY, "
    "name text NOT NULL, "
    "checksum text NOT NULL, "
    "applied_at timestamptz NOT NULL DEFAULT now())";

static const uint32_t k_exists_cols[] = {16};
static const pqg_stmt k_exists = {
    .name = "pqgen_migrate_exists",
    .sql = "SELECT to_regclass('schema_migrations') IS NOT NULL",
    .n_columns = 1,
    .column_types = k_exists_cols,
};

static const uint32_t k_list_cols[] = {20, 25, 25, 1184};
static const pqg_stmt k_list = {
    .name = "pqgen_migrate_list",
    .sql = "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version",
    .n_columns = 4,
    .column_types = k_list_cols,
};

static const uint32_t k_insert_params[] = {20, 25, 25};
static const pqg_stmt k_insert = {
    .name = "pqgen_migrate_insert",
    .sql = "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
    .n_params = 3,
    .param_types = k_insert_params,
};

static const uint32_t k_delete_params[] = {20};
static const pqg_stmt k_delete = {
    .name = "pqgen_migrate_delete",
    .sql = "DELETE FROM schema_migrations WHERE version = $1",
    .n_params = 1,
    .param_types = k_delete_params,
};

static const uint32_t k_timeouts_cols[] = {25, 25};
static const pqg_stmt k_timeouts = {
    .name = "pqgen_migrate_timeouts",
    .sql = "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')",
    .n_columns = 2,
    .column_types = k_timeouts_cols,
};

static const uint32_t k_restore_params[] = {25, 25};
static const pqg_stmt k_restore = {
    .name = "pqgen_migrate_restore",
    .sql = "SELECT set_config('lock_timeout', $1, false), "
           "set_config('statement_timeout', $2, false)",
    .n_params = 2,
    .param_types = k_restore_params,
    .n_columns = 2,
};

typedef struct applied_row {
    int64_t version;
    const char *name;
    const char *checksum;
    pqg_timestamp applied_at;
} applied_row;

static void
decode_applied(pqg_row *r, void *dst)
{
    applied_row *a = dst;
    pqg_get_int64(r, 0, &a->version);
    pqg_get_text(r, 1, &a->name);
    pqg_get_text(r, 2, &a->checksum);
    pqg_get_timestamp(r, 3, &a->applied_at);
}

static void
decode_bool(pqg_row *r, void *dst)
{
    pqg_get_bool(r, 0, dst);
}

typedef struct timeouts_row {
    const char *lock_timeout;
    const char *statement_timeout;
} timeouts_row;

static void
decode_timeouts(pqg_row *r, void *dst)
{
    timeouts_row *t = dst;
    pqg_get_text(r, 0, &t->lock_timeout);
    pqg_get_text(r, 1, &t->statement_timeout);
}

/* One migration run: the leased connection and what must be undone on it at the end. */
typedef struct mig_session {
    pqg_db *conn;
    bool leased;        /* pqg_acquire succeeded: pqg_release at the end */
    bool locked;
    char lock_timeout[64];
    char statement_timeout[64];
} mig_session;

/* Runs cleanup statements without letting them overwrite the error being reported. */
#define KEEP_ERROR(stmt)                                                                       \
    do {                                                                                       \
        pqg_error saved_ = *pqg_last_error();                                                  \
        stmt;                                                                                  \
        *pqg__err() = saved_;                                                                  \
    } while (0)

/* Prefixes the current error message with the migration it happened in; keeps the code. */
static int
blame(int rc, const pqg_migration *m, const char *what)
{
    pqg_error *e = pqg__err();
    char msg[sizeof e->message];
    int len = snprintf(msg, sizeof msg, "migration %" PRId64 " (%s) %s: %s", m->version, m->name,
                       what, e->message);
    /* A long server message loses its tail; the SQLSTATE and detail fields stay intact. */
    if (len >= 0)
        memcpy(e->message, msg, sizeof msg);
    e->code = rc;
    return rc;
}

/* A set must be sorted by version, unique, and carry the checksums of its own up SQL: a
 * mismatch means the generated code was edited by hand, and the recorded checksums would then
 * no longer prove what ran. */
static int
check_set(const pqg_migration_set *set)
{
    if (set == NULL || (set->items == NULL && set->len > 0))
        return pqg__set_error(PQG_EINVAL, NULL, "migration set is NULL");
    for (size_t i = 0; i < set->len; i++) {
        const pqg_migration *m = &set->items[i];
        if (m->name == NULL || m->up_sql == NULL || m->checksum == NULL || m->version <= 0)
            return pqg__set_error(PQG_EINVAL, NULL,
                                  "migration %zu of the set lacks a version, name, up SQL or "
                                  "checksum", i);
        if (i > 0 && m->version <= set->items[i - 1].version)
            return pqg__set_error(PQG_EINVAL, NULL,
                                  "migration set is not sorted by version: %" PRId64
                                  " after %" PRId64, m->version, set->items[i - 1].version);
        char sum[65];
        pqg__sha256_hex(m->up_sql, strlen(m->up_sql), sum);
        if (strcmp(sum, m->checksum) != 0)
            return pqg__set_error(PQG_EMIGRATE, NULL,
                                  "migration %" PRId64 " (%s) does not match its own checksum: "
                                  "%s != %s; the generated migrations were edited, rerun "
                                  "pqgen generate", m->version, m->name, m->checksum, sum);
    }
    return 0;
}

static const pqg_migration *
find_version(const pqg_migration_set *set, int64_t version)
{
    size_t lo = 0, hi = set->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set->items[mid].version < version)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < set->len && set->items[lo].version == version ? &set->items[lo] : NULL;
}

static bool
is_applied(const applied_row *rows, size_t n, int64_t version)
{
    for (size_t i = 0; i < n; i++) {
        if (rows[i].version == version)
            return true;
    }
    return false;
}

/* Reads schema_migrations (empty when the table does not exist yet). *rows: caller owns;
 * release with pqg_free(). */
static int
load_applied(pqg_db *conn, applied_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    pqg_args args;
    bool exists = false;
    void *mem = NULL;
    pqg_args_init(&args, &k_exists);
    int rc = pqg_query_one(conn, &k_exists, &args, decode_bool, &exists, sizeof exists, &mem);
    pqg_free(mem);
    if (rc < 0 || !exists)
        return rc;
    void *out = NULL;
    pqg_args_init(&args, &k_list);
    rc = pqg_query_many(conn, &k_list, &args, decode_applied, sizeof(applied_row), &out, n);
    *rows = out;
    return rc;
}

/* The database must not be ahead of the code, and nothing applied may have changed. */
static int
verify_applied(const pqg_migration_set *set, const applied_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const pqg_migration *m = find_version(set, rows[i].version);
        if (m == NULL)
            return pqg__set_error(PQG_EMIGRATE, NULL,
                                  "database has migration %" PRId64 " (%s) applied, which this "
                                  "program does not know: newer code is needed",
                                  rows[i].version, rows[i].name ? rows[i].name : "");
        if (rows[i].checksum == NULL || strcmp(rows[i].checksum, m->checksum) != 0)
            return pqg__set_error(PQG_EMIGRATE, NULL,
                                  "migration %" PRId64 " (%s) was edited after it was applied: "
                                  "checksum %s != %s", m->version, m->name,
                                  rows[i].checksum ? rows[i].checksum : "(null)", m->checksum);
    }
    return 0;
}

/* Leases one connection and takes the session advisory lock on it. The wait for the lock has
 * no timeout (a second migrator must wait for the first however long it takes), so the pool's
 * lock_timeout and statement_timeout are lifted for that one statement and restored after. */
static int
session_open(pqg_db *db, mig_session *s)
{
    memset(s, 0, sizeof *s);
    int rc = pqg_acquire(db, &s->conn);
    if (rc < 0)
        return rc;
    /* pqg_acquire on a connection nests and on a transaction hands it back as is; in every
     * case a matching pqg_release is right. */
    s->leased = true;

    pqg_args args;
    timeouts_row t = {0};
    void *mem = NULL;
    pqg_args_init(&args, &k_timeouts);
    rc = pqg_query_one(s->conn, &k_timeouts, &args, decode_timeouts, &t, sizeof t, &mem);
    if (rc < 0)
        return rc;
    snprintf(s->lock_timeout, sizeof s->lock_timeout, "%s", t.lock_timeout ? t.lock_timeout : "0");
    snprintf(s->statement_timeout, sizeof s->statement_timeout, "%s",
             t.statement_timeout ? t.statement_timeout : "0");
    pqg_free(mem);

    rc = pqg_exec_sql(s->conn, "SET lock_timeout = 0; SET statement_timeout = 0; "
                               "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")");
    if (rc == 0)
        s->locked = true;
    pqg_args_init(&args, &k_restore);
    pqg_arg_text(&args, s->lock_timeout);
    pqg_arg_text(&args, s->statement_timeout);
    int rc2 = pqg_exec(s->conn, &k_restore, &args, NULL);
    return rc < 0 ? rc : rc2;
}

/* Unlocks and releases, keeping whatever error is being reported. */
static void
session_close(mig_session *s)
{
    KEEP_ERROR({
        /* If unlocking fails the session is broken, and the pool closing it frees the lock:
         * there is nothing more to do about it here. */
        if (s->locked) {
            int rc_ = pqg_exec_sql(s->conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
            (void)rc_;
        }
        if (s->leased)
            pqg_release(s->conn);
    });
    memset(s, 0, sizeof *s);
}

/* The bookkeeping of one migration on db: records it (up) or forgets it (down). */
static int
record(pqg_db *db, const pqg_migration *m, bool up)
{
    pqg_args args;
    if (up) {
        pqg_args_init(&args, &k_insert);
        pqg_arg_int64(&args, m->version);
        pqg_arg_text(&args, m->name);
        pqg_arg_text(&args, m->checksum);
        return pqg_exec(db, &k_insert, &args, NULL);
    }
    pqg_args_init(&args, &k_delete);
    pqg_arg_int64(&args, m->version);
    return pqg_exec(db, &k_delete, &args, NULL);
}

/* Runs sql and then the bookkeeping statement in one transaction. */
static int
run_in_tx(pqg_db *conn, const pqg_migration *m, const char *sql, bool up)
{
    pqg_db *tx = NULL;
    int rc = pqg_begin(conn, NULL, &tx);
    if (rc < 0)
        return blame(rc, m, up ? "up" : "down");
    rc = pqg_exec_sql(tx, sql);
    if (rc == 0)
        rc = record(tx, m, up);
    if (rc < 0) {
        KEEP_ERROR(pqg_rollback(tx));
        return blame(rc, m, up ? "up" : "down");
    }
    rc = pqg_commit(tx);
    return rc < 0 ? blame(rc, m, up ? "up (commit)" : "down (commit)") : 0;
}

/* A migration that cannot run in a transaction: each statement on its own (a statement outside
 * a transaction block is one), then the bookkeeping. */
static int
run_each(pqg_db *conn, const pqg_migration *m, const char *const *statements, bool up)
{
    int rc = 0;
    size_t i;
    for (i = 0; rc == 0 && statements[i]; i++)
        rc = pqg_exec_sql(conn, statements[i]);
    if (rc < 0) {
        char what[160];
        snprintf(what, sizeof what, "%s, statement %zu (not in a transaction: the statements "
                 "before it stay applied)", up ? "up" : "down", i);
        return blame(rc, m, what);
    }
    rc = record(conn, m, up);
    return rc < 0 ? blame(rc, m, up ? "up (recording it)" : "down (recording it)") : 0;
}

/* Runs one direction of m, in a transaction or statement by statement. */
static int
run_migration(pqg_db *conn, const pqg_migration *m, bool up)
{
    const char *const *each = up ? m->up_statements : m->down_statements;
    if (each)
        return run_each(conn, m, each, up);
    return run_in_tx(conn, m, up ? m->up_sql : m->down_sql, up);
}

int
pqg_migrate_up(pqg_db *db, const pqg_migration_set *set, int64_t target_version, bool dry_run,
               FILE *dry_run_out, int *applied)
{
    if (applied != NULL)
        *applied = 0;
    if (db == NULL)
        return pqg__set_error(PQG_EINVAL, NULL, "db is NULL");
    int rc = check_set(set);
    if (rc < 0)
        return rc;

    mig_session s;
    rc = session_open(db, &s);
    if (rc == 0 && !dry_run)
        rc = pqg_exec_sql(s.conn, k_create_sql);
    applied_row *rows = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = load_applied(s.conn, &rows, &n);
    if (rc == 0)
        rc = verify_applied(set, rows, n);

    int count = 0;
    for (size_t i = 0; rc == 0 && i < set->len; i++) {
        const pqg_migration *m = &set->items[i];
        if (target_version > 0 && m->version > target_version)
            break;
        if (is_applied(rows, n, m->version))
            continue;
        if (dry_run) {
            if (dry_run_out != NULL)
                fprintf(dry_run_out, "would apply %04" PRId64 "_%s\n", m->version, m->name);
        } else {
            rc = run_migration(s.conn, m, true);
            if (rc < 0)
                break;
        }
        count++;
    }
    pqg_free(rows);
    session_close(&s);
    if (applied != NULL)
        *applied = count;
    return rc;
}

int
pqg_migrate_down(pqg_db *db, const pqg_migration_set *set, int steps, int *reverted)
{
    if (reverted != NULL)
        *reverted = 0;
    if (db == NULL || steps < 0)
        return pqg__set_error(PQG_EINVAL, NULL, "db is NULL or steps is negative");
    int rc = check_set(set);
    if (rc < 0)
        return rc;

    mig_session s;
    rc = session_open(db, &s);
    applied_row *rows = NULL;
    size_t n = 0;
    if (rc == 0)
        rc = load_applied(s.conn, &rows, &n);
    if (rc == 0)
        rc = verify_applied(set, rows, n);

    /* rows are sorted by version: the newest `steps` are at the end. Check them all before
     * touching anything, so a missing down file never leaves a half-reverted database. */
    size_t todo = rc == 0 ? ((size_t)steps < n ? (size_t)steps : n) : 0;
    for (size_t k = 0; rc == 0 && k < todo; k++) {
        const pqg_migration *m = find_version(set, rows[n - 1 - k].version);
        if (m->down_sql == NULL)
            rc = pqg__set_error(PQG_EMIGRATE, NULL,
                                "migration %" PRId64 " (%s) has no down migration", m->version,
                                m->name);
    }
    int count = 0;
    for (size_t k = 0; rc == 0 && k < todo; k++) {
        const pqg_migration *m = find_version(set, rows[n - 1 - k].version);
        rc = run_migration(s.conn, m, false);
        if (rc == 0)
            count++;
    }
    pqg_free(rows);
    session_close(&s);
    if (reverted != NULL)
        *reverted = count;
    return rc;
}

int
pqg_migrate_status(pqg_db *db, const pqg_migration_set *set, pqg_migration_status **out,
                   size_t *len)
{
    if (out != NULL)
        *out = NULL;
    if (len != NULL)
        *len = 0;
    if (db == NULL || out == NULL || len == NULL)
        return pqg__set_error(PQG_EINVAL, NULL, "db, out or len is NULL");
    int rc = check_set(set);
    if (rc < 0)
        return rc;

    /* No lock: status only reads, and must answer while a migration is running. */
    applied_row *rows = NULL;
    size_t n = 0;
    rc = load_applied(db, &rows, &n);
    if (rc < 0)
        return rc;
    pqg_migration_status *st = NULL;
    if (set->len > 0) {
        st = pqg__calloc(set->len * sizeof *st);
        if (st == NULL) {
            pqg_free(rows);
            return pqg__set_error(PQG_ENOMEM, NULL, "out of memory");
        }
    }
    for (size_t i = 0; i < set->len; i++) {
        const pqg_migration *m = &set->items[i];
        st[i].version = m->version;
        st[i].name = m->name;
        for (size_t j = 0; j < n; j++) {
            if (rows[j].version != m->version)
                continue;
            st[i].applied = true;
            st[i].applied_at = rows[j].applied_at;
            st[i].checksum_mismatch =
                rows[j].checksum == NULL || strcmp(rows[j].checksum, m->checksum) != 0;
        }
    }
    pqg_free(rows);
    *out = st;
    *len = set->len;
    return 0;
}
