#!/usr/bin/env bash
# Runs `pqgen vet` on the cases in tests/integration/vet/ and on the example application, and
# asserts what it reports. Each case is a folder with pqgen.json, schema.sql and query.sql.
#
#   tests/vet/run.sh [PATH/TO/pqgen]      (default build/pqgen; needs PostgreSQL 15 + hypopg, jq)
#
# vet starts its own throwaway server; the --db case runs under scripts/with-pg.sh.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pqgen=$(cd "$(dirname "${1:-build/pqgen}")" && pwd)/$(basename "${1:-build/pqgen}")
cases="$root/tests/integration/vet"
tmpbase=${TMPDIR:-/tmp}
fails=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# expect NAME JQ-FILTER: the filter must print true for the JSON findings in $out.
expect() {
    if jq -e "$2" "$out" >/dev/null 2>&1; then pass "$1"; else
        fail "$1"; echo "     filter: $2"; sed 's/^/     /' "$out" "$err" | head -40; fi
}
# run_vet DIR [ARGS...]: runs vet --json in DIR; sets $rc.
run_vet() {
    local dir=$1; shift
    (cd "$dir" && "$pqgen" vet --json "$@") >"$out" 2>"$err"
    rc=$?
}
leftovers() { ls -d "$tmpbase"/pqgen-vet.* 2>/dev/null | wc -l; }
before=$(leftovers)

# 1. A sequential scan on a large table is an error (configured level) with an index suggestion
#    that hypopg confirms; pragmas turn a rule off; SELECT * and :many without LIMIT warn.
run_vet "$cases/seq_scan"
[ "$rc" -eq 1 ] && pass "seq_scan: exit status 1" || fail "seq_scan: exit status 1 (got $rc)"
expect "seq_scan: ListNotesByAuthor scans notes, error at its line" \
    'any(.[]; .rule == "seq_scan" and .level == "error" and .line == 5 and .file == "query.sql"
         and (.message | test("ListNotesByAuthor.*sequential scan on notes")))'
expect "seq_scan: hypopg confirms CREATE INDEX ON notes (author, created_at) and the cost drops" \
    'any(.[]; .rule == "seq_scan" and (.hint // "" | test("^add to a migration: "
              + "CREATE INDEX ON notes \\(author, created_at\\); "
              + "-- hypopg: cost [0-9.]+ -> [0-9.]+$"))
         and ((.hint | capture("cost (?<a>[0-9.]+) -> (?<b>[0-9.]+)")
               | (.b | tonumber) < (.a | tonumber))))'
expect "seq_scan: GetNote (primary key lookup) has no finding" \
    'all(.[]; (.message | test("GetNote")) | not)'
expect "seq_scan: -- vet: off(seq_scan) silences CountNotes" \
    'all(.[]; (.message | test("CountNotes")) | not)'
expect "seq_scan: SELECT * warns at the star" \
    'any(.[]; .rule == "select_star" and .level == "warning" and .line == 12 and .col == 8)'
expect "seq_scan: :many without LIMIT warns" \
    'any(.[]; .rule == "many_without_limit" and (.message | test("ListAllNotes")))
     and all(.[]; (.rule == "many_without_limit" and (.message | test("ListNotesByAuthor"))) | not)'
expect "seq_scan: every table filled (no fill warnings)" 'all(.[]; .rule != "fill")'

# 2. A query the server rejects (a column renamed inside DO, invisible to static analysis) is
#    an error at the query's file, line and column.
run_vet "$cases/rejected"
[ "$rc" -eq 1 ] && pass "rejected: exit status 1" || fail "rejected: exit status 1 (got $rc)"
expect "rejected: the server's message at query.sql:6:8 (the column)" \
    'any(.[]; .rule == "server" and .level == "error" and .file == "query.sql" and .line == 6
         and .col == 8 and (.message | test("column \"label\" does not exist")))'
expect "rejected: GetItem passes" 'all(.[]; (.message | test("GetItem[^L]")) | not)'

# 3. Wrong static inferences (types changed inside DO) are caught: a result column's type, a
#    parameter's type, a NOT NULL that the server does not have; pragmas silence them.
run_vet "$cases/inference"
[ "$rc" -eq 1 ] && pass "inference: exit status 1" || fail "inference: exit status 1 (got $rc)"
expect "inference: column hits int4 vs server int8 is an error" \
    'any(.[]; .rule == "column_type" and .level == "error" and .line == 2
         and (.message | test("GetCounter: column 2 \"hits\": pqgen infers int4, "
                               + "the server says int8")))'
expect "inference: parameter hits int4 vs server int8 is an error" \
    'any(.[]; .rule == "param_type" and .level == "error" and .line == 5
         and (.message | test("SetHits: parameter \\$1 \"hits\": pqgen infers int4, "
                               + "the server infers int8")))'
expect "inference: NOT NULL owner vs nullable server column is a warning" \
    'any(.[]; .rule == "nullability" and .level == "warning" and .line == 2
         and (.message | test("counters.owner is nullable")))'
expect "inference: -- vet: off(column_type, nullability) silences GetCounterQuiet" \
    'all(.[]; (.message | test("GetCounterQuiet")) | not)'

# 4. --db: the same run on an existing server, in a scratch database dropped at the end.
db_check=$(bash "$root/scripts/with-pg.sh" bash -c '
    cd "$1" && "$2" vet --json --db "$DATABASE_URL" >"$3" 2>/dev/null; echo "rc=$?"
    psql "$DATABASE_URL" -Atc "SELECT count(*) FROM pg_database
                               WHERE datname LIKE '"'"'pqgen_vet_%'"'"'"
' _ "$cases/rejected" "$pqgen" "$out")
case "$db_check" in
    *"rc=1"*) pass "--db: exit status 1" ;;
    *) fail "--db: exit status 1 ($db_check)" ;;
esac
expect "--db: the server's message at query.sql:6:8" \
    'any(.[]; .rule == "server" and .line == 6 and .col == 8)'
[ "$(echo "$db_check" | tail -n 1)" = "0" ] && pass "--db: scratch database dropped" ||
    fail "--db: scratch database dropped ($db_check)"

# 5. The example application passes (no error-level finding), in reasonable time.
start=$(date +%s.%N)
run_vet "$root"
secs=$(echo "$(date +%s.%N) - $start" | bc)
if [ "$rc" -eq 0 ]; then pass "example app: exit status 0 (${secs}s)"; else
    fail "example app: exit status 0 (got $rc)"; jq -c '.[] | select(.level == "error")' "$out" |
    head -20; head -20 "$err"; fi
expect "example app: no error-level finding" 'all(.[]; .level != "error")'

# 6. A signal stops the throwaway server and removes its directory.
(cd "$root" && exec "$pqgen" vet >/dev/null 2>&1) &
pid=$!
sleep 1
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sleep 0.2
[ "$(leftovers)" -eq "$before" ] && pass "SIGTERM: server stopped, temp dir removed" ||
    fail "SIGTERM: temp dir left behind: $(ls -d "$tmpbase"/pqgen-vet.*)"
[ "$(leftovers)" -eq "$before" ] && pass "no temp dirs left" || fail "no temp dirs left"

if [ "$fails" -ne 0 ]; then
    echo "tests/vet: $fails failed"
    exit 1
fi
echo "tests/vet: all passed"
