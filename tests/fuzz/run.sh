#!/usr/bin/env bash
# Builds tests/fuzz/fuzz_analyze.c with libFuzzer + ASan + UBSan (clang) and runs it.
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]     (default 60 seconds)
# The build and the working corpus live in build/fuzz/ (not checked in). The seed corpus is
# made fresh each run from the example app (schema/ + each queries/ file) and every
# tests/golden case (schema.sql + query.sql), joined by the "-- @queries" marker line.
# Crashes are written to build/fuzz/crash-*; reproduce one with: build/fuzz/fuzz_analyze FILE
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=build/fuzz
mkdir -p "$out/corpus" "$out/seeds"
command -v clang >/dev/null || { echo "fuzz: clang is not installed; skipping" >&2; exit 0; }

pg_inc=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
flags=(-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -Igenerator -Iruntime "-I$pg_inc")
srcs=()
for f in generator/*.c; do
    [ "$f" = generator/main.c ] || srcs+=("$f")
done
srcs+=(runtime/sha256.c) # migration checksums
# The embedded templates, when the generator has them (emit links against them).
if [ -f scripts/embed-templates.sh ] && ls templates/*.mustache >/dev/null 2>&1; then
    bash scripts/embed-templates.sh templates/*.mustache >"$out/templates_data.c"
    srcs+=("$out/templates_data.c")
fi
echo "fuzz: building $out/fuzz_analyze"
clang "${flags[@]}" -o "$out/fuzz_analyze" tests/fuzz/fuzz_analyze.c "${srcs[@]}" \
    -lpg_query -ljansson -lpthread -ldl -lm

rm -f "$out"/seeds/*
i=0
schema_all=$(cat schema/*.up.sql 2>/dev/null || true)
for q in queries/*.sql; do
    [ -f "$q" ] || continue
    { printf '%s\n' "$schema_all"; printf -- '-- @queries\n'; cat "$q"; } >"$out/seeds/app_$i.sql"
    i=$((i + 1))
done
for d in tests/golden/*/; do
    [ -f "$d/query.sql" ] || continue
    { cat "$d/schema.sql" 2>/dev/null || true; printf -- '-- @queries\n'; cat "$d/query.sql"; } \
        >"$out/seeds/golden_$i.sql"
    i=$((i + 1))
done
echo "fuzz: $i seeds; running for $secs s"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "$out/fuzz_analyze" "$out/corpus" "$out/seeds" -dict=tests/fuzz/sql.dict \
    -max_total_time="$secs" -max_len=131072 -timeout=20 -rss_limit_mb=4096 \
    -artifact_prefix="$out/" -print_final_stats=1 "$@"
