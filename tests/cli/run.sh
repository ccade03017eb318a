#!/usr/bin/env bash
# End-to-end checks of the pqgen command line, in a scratch directory:
#   init -> check -> generate -> the output compiles; generate again touches nothing;
#   a renamed column makes `diff` fail with a readable diff; a foreign file in out/ is
#   reported, not deleted; usage errors exit 2; -j 1 and -j 2 give the same output and errors.
#   tests/cli/run.sh PQGEN
set -u
pqgen=$1
case "$pqgen" in /*) ;; *) pqgen="$PWD/$pqgen" ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
pg_inc=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

cd "$work" || exit 2
check "init writes a starter project" '"$pqgen" init >init.out 2>&1 && [ -f pqgen.json ]'
check "init refuses to overwrite" '! "$pqgen" init >/dev/null 2>&1'
check "the starter passes check" '"$pqgen" check'
check "the starter generates" '"$pqgen" generate 2>/dev/null'
out=$(sed -n 's/.*"out": *"\([^"]*\)".*/\1/p' pqgen.json)
out=${out:-generated}
compiled=1
for f in "$out"/*.c; do
    cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$root/runtime" -I"$pg_inc" -I"$out" \
        -c "$f" -o /dev/null || compiled=0
done
check "the starter's C compiles with -pedantic" '[ $compiled = 1 ]'

stamp() { stat -c '%n %Y.%y' "$out"/* | sort; }
before=$(stamp)
sleep 1.1
"$pqgen" generate 2>gen2.err
check "generate again writes nothing" '[ "$(stamp)" = "$before" ] && grep -q "wrote 0 of" gen2.err'
check "diff is clean after generate" '"$pqgen" diff >/dev/null'

# Rename a column that reaches the result only through SELECT *: the queries stay valid and the
# generated struct changes (the starter's authors.created_at).
echo "ALTER TABLE authors RENAME COLUMN created_at TO joined_at;" >>schema/0001_init.up.sql
col2=joined_at
"$pqgen" diff >diff.out 2>&1
rc=$?
check "diff fails after a column rename (exit 1)" '[ $rc = 1 ]'
check "the diff names the file and shows the renamed field" \
    'grep -q "^--- " diff.out && grep -q "^+.*${col2}" diff.out'
"$pqgen" generate 2>/dev/null
touch "$out/notes.txt"
"$pqgen" diff >foreign.out 2>&1
check "a foreign file in out/ is reported, not deleted" \
    'grep -q "notes.txt" foreign.out && [ -f "$out/notes.txt" ]'

"$pqgen" frobnicate >/dev/null 2>&1
rc=$?
check "an unknown command exits 2" '[ $rc = 2 ]'
check "version prints the version" '"$pqgen" version | grep -q "^pqgen [0-9]"'
"$pqgen" -f missing.json check >/dev/null 2>&1
rc=$?
check "a missing config is an error (exit 1)" '[ $rc = 1 ]'

# generate derives C while a worker thread analyzes (-j 2, the default with 2 CPUs): the same
# files as one thread, and an error of the generating stage reported the same way by both.
mkdir j1 j2
rm -rf "$out"
"$pqgen" -j 1 generate >/dev/null 2>&1 && cp "$out"/* j1/
rm -rf "$out"
"$pqgen" -j 2 generate >/dev/null 2>&1 && cp "$out"/* j2/
check "-j 1 and -j 2 generate the same files" '[ -n "$(ls j1)" ] && diff -r j1 j2 >/dev/null'
sed -e 's/"version": 1,/"version": 1, "overrides": [{"db_type": "text", "c_type": "x", "codec": "nope"}],/' \
    -e 's/"out": *"[^"]*"/"out": "never"/' pqgen.json >bad_override.json
for j in 1 2; do
    "$pqgen" -j $j -f bad_override.json generate >/dev/null 2>bad$j.err
    echo $? >bad$j.rc
done
check "a generating-stage error fails generate with -j 1 and -j 2 alike" \
    '[ "$(cat bad1.rc)" = 1 ] && grep -q "unknown codec" bad1.err && cmp -s bad1.err bad2.err'
# An error in the last query, found while the first files are already being written.
cp -r queries bad_queries
printf '\n-- name: Broken :one\nSELECT nope FROM nowhere;\n' >>"$(ls bad_queries/*.sql | tail -1)"
sed -e 's/"queries": *\["queries"\]/"queries": ["bad_queries"]/' \
    -e 's/"out": *"[^"]*"/"out": "never2"/' pqgen.json >bad_query.json
"$pqgen" -j 2 -f bad_query.json generate >/dev/null 2>&1
rc=$?
check "a failed generate leaves no output folder and no temporary file behind" \
    '[ $rc = 1 ] && [ ! -e never ] && [ ! -e never2 ] && [ -z "$(find . -name "*.pqgen-tmp")" ]'
sed -e 's/"out": *"never2"/"out": "nest\/ed\/out"/' bad_query.json >nested.json
"$pqgen" -j 2 -f nested.json generate >/dev/null 2>&1
check "... nor the parent folders it made for a nested output path" '[ ! -e nest ]'
# An output folder that cannot be made: the query's error still comes first, as with -j 1.
touch blocker
sed -e 's/"out": *"never2"/"out": "blocker\/out"/' bad_query.json >blocked.json
"$pqgen" -j 1 -f blocked.json generate >/dev/null 2>blocked1.err
"$pqgen" -j 2 -f blocked.json generate >/dev/null 2>blocked2.err
check "an output folder that cannot be made: same report with -j 1 and -j 2" \
    'grep -q "nope" blocked1.err && cmp -s blocked1.err blocked2.err'
# Paths in the config may be absolute (the migrations embedded too).
sed -e "s|\"schema\": *\[\"schema\"\]|\"schema\": [\"$work/schema\"]|" \
    -e 's/"out": *"[^"]*"/"out": "abs_out"/' pqgen.json >abs.json
"$pqgen" -f abs.json generate >/dev/null 2>&1
rc=$?
check "an absolute schema path generates, migrations included" \
    '[ $rc = 0 ] && grep -q "$work/schema/" abs_out/migrations.c'
"$pqgen" -j 0 generate >/dev/null 2>&1
rc=$?
check "-j 0 is a usage error (exit 2)" '[ $rc = 2 ]'
PQGEN_LIBPQ=/nonexistent/libpq.so.5 "$pqgen" vet >/dev/null 2>nolibpq.err
rc=$?
check "vet without libpq fails with a message, not a crash (exit 1)" \
    '[ $rc = 1 ] && grep -q "cannot load libpq" nolibpq.err'
check "pqgen itself does not link libpq (vet loads it)" '! ldd "$pqgen" | grep -q libpq'

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
