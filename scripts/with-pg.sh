#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster and always stops it afterwards.
#
#   scripts/with-pg.sh CMD [ARGS...]
#
# The cluster lives in a temp dir (data and unix socket), listens on a free port on 127.0.0.1,
# and runs as an unprivileged user (PostgreSQL refuses root): the current user when not root,
# else the system user "pqgen", created on first use. CMD sees:
#   DATABASE_URL        postgresql://postgres@127.0.0.1:PORT/pqgen_test?host=SOCKETDIR
#   PQG_TEST_PGDATA     the data directory
#   PQG_TEST_PGCTL      a command prefix that runs pg_ctl on this cluster as its owner,
#                       e.g. "$PQG_TEST_PGCTL restart -m fast" (used by restart tests)
# If DATABASE_URL is already set, no cluster is started and CMD runs against it as is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${DATABASE_URL:-}" ]; then
    exec "$@"
fi

pgbin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$pgbin/initdb" ] || { echo "with-pg: no PostgreSQL server found (run scripts/deps.sh)" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
    owner=pqgen
    id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
    as_owner=(runuser -u "$owner" --)
else
    owner=$(id -un)
    as_owner=()
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pqgen-pg.XXXXXX")
chmod 755 "$tmp"
[ "$(id -u)" -eq 0 ] && chown "$owner" "$tmp"
data="$tmp/data"

stop_cluster() {
    if [ -f "$data/postmaster.pid" ]; then
        (cd "$tmp" && "${as_owner[@]}" "$pgbin/pg_ctl" -D "$data" -m immediate -w stop) \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

# A free port: one nobody answers on, starting from a random point to avoid parallel runs.
port=$(( 20000 + RANDOM % 20000 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done

# The server's commands run from the temp dir: the owner may not be allowed into the caller's.
cd "$tmp"
"${as_owner[@]}" "$pgbin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
cat >>"$data/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
max_prepared_transactions = 10
log_min_messages = warning
CONF
"${as_owner[@]}" "$pgbin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 start >/dev/null ||
    { cat "$tmp/server.log" >&2; exit 1; }
"$pgbin/psql" -h "$tmp" -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE pqgen_test" >/dev/null

export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/pqgen_test"
export PQG_TEST_PGDATA="$data"
export PQG_TEST_PGHOST="$tmp"
export PQG_TEST_PGPORT="$port"
if [ ${#as_owner[@]} -gt 0 ]; then
    export PQG_TEST_PGCTL="runuser -u $owner -- env -C $tmp $pgbin/pg_ctl -D $data -l $tmp/server.log -w"
else
    export PQG_TEST_PGCTL="$pgbin/pg_ctl -D $data -l $tmp/server.log -w"
fi
export PATH="$pgbin:$PATH"
cd "$OLDPWD"
set +e
"$@"
rc=$?
set -e
exit $rc
