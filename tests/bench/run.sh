#!/usr/bin/env bash
# pqgen benchmarks (`make bench`; not part of `make test`). Each one measures pqgen's side and
# the physical limit (the same work written by hand against libpg_query or libpq) in the same
# run, takes the median of ROUNDS runs, and prints the ratio; a table closes the run.
#
#   tests/bench/run.sh [--write-results]    (starts a throwaway PostgreSQL if DATABASE_URL unset)
#
# Environment: ROUNDS (5), GEN_ROUNDS (4 x ROUNDS + 1: the generator runs take 0.2 s, so a
# brief disturbance spoils several), POINT_N (50000), POOL_SECONDS (10), MANY_CALLS (500),
# PIPE_N (10000), COPY_ROWS (1000000), NODE_N (50000), BENCH_SKIP (space-separated: gen point
# pool many pipeline copy each node). --write-results also writes tests/bench/RESULTS.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

if [ -z "${DATABASE_URL:-}" ]; then
    exec bash scripts/with-pg.sh bash tests/bench/run.sh "$@"
fi

write_results=0
[ "${1:-}" = "--write-results" ] && write_results=1

ROUNDS=${ROUNDS:-5}
GEN_ROUNDS=${GEN_ROUNDS:-$((4 * ROUNDS + 1))}
POINT_N=${POINT_N:-50000}
POOL_SECONDS=${POOL_SECONDS:-10}
MANY_CALLS=${MANY_CALLS:-500}
PIPE_N=${PIPE_N:-10000}
COPY_ROWS=${COPY_ROWS:-1000000}
NODE_N=${NODE_N:-50000}
BENCH_SKIP=" ${BENCH_SKIP:-} "
B=build/bench
PQGEN=build/pqgen
PG_INC=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
CFLAGS="-O2 -g -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I$PG_INC -Iruntime"
mkdir -p "$B"
bench_start=$EPOCHREALTIME
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

skip() { [[ "$BENCH_SKIP" == *" $1 "* ]]; }
say() { printf '\n== %s\n' "$*"; }
# Median of the arguments (numbers).
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {
    if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'; }
# Wall time of a command in seconds; its output goes to $B/last.log.
walltime() { local t0=$EPOCHREALTIME
    "$@" >"$B/last.log" 2>&1 || { cat "$B/last.log" >&2; return 1; }
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.4f", b - a}'; }
calc() { awk "BEGIN {printf \"%.${2:-2}f\", $1}"; }
# Peak RSS of a command in MB (GNU time's %M), or n/a; its output goes to $B/last.log.
peakrss() { [ -x /usr/bin/time ] || { echo n/a; return 0; }
    /usr/bin/time -f %M -o "$B/rss.txt" "$@" >"$B/last.log" 2>&1 ||
        { cat "$B/last.log" >&2; return 1; }
    awk '{printf "%.1f", $1 / 1024}' "$B/rss.txt"; }
# Value of "RESULT key value" in a file.
result() { awk -v k="$2" '$1 == "RESULT" && $2 == k {print $3}' "$1" | tail -n 1; }

# Table rows: name | pqgen | baseline | ratio | target | ok
rows=()
row() { rows+=("$1|$2|$3|$4|$5|$6"); }
# ok? for a ratio that must be >= (ge) or <= (le) a bound.
verdict() { awk -v r="$1" -v t="$3" -v op="$2" 'BEGIN {
    if (r == "" || r == "n/a") { print "n/a"; exit }
    ok = (op == "ge") ? (r + 0 >= t + 0) : (r + 0 <= t + 0); print ok ? "yes" : "NO" }'; }

# --- build -----------------------------------------------------------------------------------
say "build (-O2)"
have_pqgen=0
if [ -x "$PQGEN" ] && "$PQGEN" version >/dev/null 2>&1; then have_pqgen=1; fi
cc $CFLAGS -o "$B/split_parse" tests/bench/split_parse.c -lpg_query

gen_flags=()
gen_srcs=()
if [ $have_pqgen = 1 ] && [ -f build/libpqg.a ]; then
    rm -rf "$B/gen" "$B/gen_batch"   # gen_batch: left by older runs
    if "$PQGEN" -f tests/bench/app/pqgen.json generate >"$B/gen.log" 2>&1 &&
       cc $CFLAGS -I"$B/gen" -c -o "$B/gen_probe.o" -x c - <<<'#include "bench.h"' \
           2>>"$B/gen.log"; then
        gen_flags+=(-DBENCH_HAVE_GEN -I"$B/gen")
        gen_srcs+=("$B"/gen/*.c)
        echo "generated code: $B/gen ($(ls "$B/gen" | tr '\n' ' '))"
    else
        echo "pqgen generate failed for tests/bench/app (pqgen sides skipped):"
        sed 's/^/  /' "$B/gen.log"
    fi
else
    echo "build/pqgen or build/libpqg.a missing or not working: pqgen sides skipped"
fi
libs=(-lpq -lpthread -lm)
if [ ${#gen_flags[@]} -gt 0 ]; then
    cc $CFLAGS "${gen_flags[@]}" -o "$B/bench_db" tests/bench/bench_db.c tests/bench/alloc_count.c \
        "${gen_srcs[@]}" build/libpqg.a "${libs[@]}"
else
    cc $CFLAGS -o "$B/bench_db" tests/bench/bench_db.c tests/bench/alloc_count.c "${libs[@]}"
fi
have_gen=$([ ${#gen_flags[@]} -gt 0 ] && echo 1 || echo 0)

# --- 1. generator ----------------------------------------------------------------------------
if ! skip gen; then
    say "1. generator: synthetic corpus (200 tables, 2,000 queries), $GEN_ROUNDS runs each"
    rm -rf "$B/corpus"
    python3 tests/bench/gen_corpus.py "$B/corpus"
    files=("$B"/corpus/schema/*.sql "$B"/corpus/queries/*.sql)
    "$B/split_parse" "${files[@]}" | sed 's/^/  split+parse: /'
    sp=(); gen=(); gen1=(); chk=()
    walltime "$B/split_parse" "${files[@]}" >/dev/null   # warm the page cache
    if [ $have_pqgen = 1 ]; then walltime "$PQGEN" -f "$B/corpus/pqgen.json" generate >/dev/null ||
        true; fi
    for ((r = 0; r < GEN_ROUNDS; r++)); do
        sp+=("$(walltime "$B/split_parse" "${files[@]}")")
        if [ $have_pqgen = 1 ]; then
            rm -rf "$B/corpus/gen"
            if t=$(walltime "$PQGEN" -f "$B/corpus/pqgen.json" generate); then gen+=("$t"); else
                echo "  pqgen generate failed on the corpus (first lines above)"; have_pqgen=2; fi
            if [ $have_pqgen = 1 ] && t=$(walltime "$PQGEN" -f "$B/corpus/pqgen.json" check); then
                chk+=("$t"); fi
            # -j 1: everything on one thread (the default analyzes on a second one).
            rm -rf "$B/corpus/gen"
            if [ $have_pqgen = 1 ] &&
               t=$(walltime "$PQGEN" -j 1 -f "$B/corpus/pqgen.json" generate); then
                gen1+=("$t"); fi
        fi
    done
    # Peak RSS, one untimed run each (deterministic to within a few pages).
    sp_rss=$(peakrss "$B/split_parse" "${files[@]}")
    gen_rss=n/a
    if [ ${#gen[@]} -gt 0 ]; then
        rm -rf "$B/corpus/gen"
        gen_rss=$(peakrss "$PQGEN" -f "$B/corpus/pqgen.json" generate)
    fi
    sp_m=$(median "${sp[@]}")
    echo "  split+parse loop: ${sp[*]} s -> median $sp_m s"
    if [ ${#gen[@]} -gt 0 ]; then
        gen_m=$(median "${gen[@]}"); chk_m=$(median "${chk[@]:-0}")
        gen1_m=$(median "${gen1[@]:-0}")
        echo "  pqgen generate:   ${gen[*]} s -> median $gen_m s" \
            "($(ls "$B/corpus/gen" | wc -l) files)"
        echo "  generate -j 1:    ${gen1[*]:-failed} s -> median $gen1_m s"
        echo "  pqgen check:      ${chk[*]:-failed} s -> median $chk_m s"
        r1=$(calc "$gen_m / $sp_m"); r2=$(calc "$chk_m / $sp_m"); r3=$(calc "$gen1_m / $sp_m")
        row "generate, 2,000 queries (s)" "$gen_m" "$sp_m" "${r1}x" "<= 4x" "$(verdict "$r1" le 4)"
        row "generate -j 1 (one thread) (s)" "$gen1_m" "$sp_m" "${r3}x" "(info)" "-"
        row "generate wall time (s)" "$gen_m" "-" "-" "< 0.5 s" "$(verdict "$gen_m" le 0.4999)"
        row "check, 2,000 queries (s)" "$chk_m" "$sp_m" "${r2}x" "<= 4x" "$(verdict "$r2" le 4)"
        echo "  peak RSS: pqgen generate $gen_rss MB, split+parse $sp_rss MB"
        rr=n/a; [ "$gen_rss" != n/a ] && [ "$sp_rss" != n/a ] && rr="$(calc "$gen_rss / $sp_rss")x"
        row "generate, peak RSS (MB)" "$gen_rss" "$sp_rss" "$rr" "(info)" "-"
    else
        row "generate, 2,000 queries (s)" "n/a" "$sp_m" "n/a" "<= 4x" "n/a"
    fi
fi

# --- database setup --------------------------------------------------------------------------
need_db=0
for b in point pool many pipeline copy each node; do skip $b || need_db=1; done
if [ $need_db = 1 ]; then
    say "setup: 1,000,000 items, pgbench -i -s 10"
    psql() { command psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" "$@"; }
    t=$(walltime psql -c "SET client_min_messages = warning" \
        -c "DROP TABLE IF EXISTS items, items_copy" \
        -f tests/bench/app/schema/0001_items.sql -f tests/bench/setup.sql)
    echo "  items loaded in $t s"
    t=$(walltime pgbench -i -s 10 -q "$DATABASE_URL")
    echo "  pgbench -i -s 10 in $t s"
fi

# --- 2. point select -------------------------------------------------------------------------
if ! skip point; then
    say "2. point select: $POINT_N random ids x $ROUNDS rounds, one connection"
    "$B/bench_db" point "$POINT_N" "$ROUNDS" | tee "$B/point.out"
    pg=$(result "$B/point.out" point_gen); pr=$(result "$B/point.out" point_raw)
    pp=$(result "$B/point.out" point_pool)
    if [ $have_gen = 1 ]; then
        r=$(calc "$pg / $pr"); rp=$(calc "$pp / $pr")
        row ":one point select (q/s)" "$(calc "$pg" 0)" "$(calc "$pr" 0)" "${r}x" ">= 0.95x" \
            "$(verdict "$r" ge 0.95)"
        p2=$(result "$B/point.out" point_raw2)
        row "control: raw libpq, 2nd connection (q/s)" "$(calc "$p2" 0)" "$(calc "$pr" 0)" \
            "$(calc "$p2 / $pr")x" "(noise)" "-"
        pa=$(result "$B/point.out" point_gen_allocs); pra=$(result "$B/point.out" point_raw_allocs)
        own=$(calc "$pa - $pra + 1")
        row ":one allocs/call, libpqg+generated" "$own" "1 (+ libpq $(calc "$pra - 1" 0))" "-" \
            "<= 3" "$(verdict "$own" le 3)"
        row ":one via pool, acquire per call (q/s)" "$(calc "$pp" 0)" "$(calc "$pr" 0)" "${rp}x" \
            "(info)" "-"
    else
        row ":one point select (q/s)" "n/a" "$(calc "$pr" 0)" "n/a" ">= 0.95x" "n/a"
    fi
fi

# --- 3. concurrency --------------------------------------------------------------------------
if ! skip pool; then
    say "3. concurrency: 8 clients, ${POOL_SECONDS}s x $ROUNDS rounds" \
        "(pgbench -M prepared -S -c 8 -j 2)"
    pb=(); pq=(); prw=()
    for ((r = 0; r < ROUNDS; r++)); do
        # The three sides in a different order each round, so that drift hits them alike.
        for ((k = 0; k < 3; k++)); do
            case $(((r + k) % 3)) in
            0) pgbench -M prepared -S -c 8 -j 2 -T "$POOL_SECONDS" -n "$DATABASE_URL" \
                   >"$B/pgbench.out" 2>&1 || { cat "$B/pgbench.out"; exit 1; }
               pb+=("$(awk '/^tps = / {print $3; exit}' "$B/pgbench.out")") ;;
            1) if [ $have_gen = 1 ]; then
                   "$B/bench_db" pool gen 8 "$POOL_SECONDS" >"$B/pool.out"
                   pq+=("$(result "$B/pool.out" pool_tps)")
               fi ;;
            2) "$B/bench_db" pool raw 8 "$POOL_SECONDS" >"$B/pool_raw.out"
               prw+=("$(result "$B/pool_raw.out" pool_raw_tps)") ;;
            esac
        done
        last=n/a; [ ${#pq[@]} -gt 0 ] && last=${pq[-1]}
        echo "  round $((r + 1)): pgbench ${pb[-1]} tps  generated+pool $last tps" \
            " raw libpq, 8 threads x own connection ${prw[-1]} tps"
    done
    pb_m=$(median "${pb[@]}"); prw_m=$(median "${prw[@]}")
    if [ ${#pq[@]} -gt 0 ]; then
        pq_m=$(median "${pq[@]}"); r=$(calc "$pq_m / $pb_m")
        row "8 threads via pool vs pgbench -S (tps)" "$(calc "$pq_m" 0)" "$(calc "$pb_m" 0)" \
            "${r}x" ">= 1.0x" "$(verdict "$r" ge 1.0)"
        row "8 threads via pool vs raw, 8 conns (tps)" "$(calc "$pq_m" 0)" "$(calc "$prw_m" 0)" \
            "$(calc "$pq_m / $prw_m")x" "(info)" "-"
    else
        row "8 threads via pool vs pgbench -S (tps)" "n/a" "$(calc "$pb_m" 0)" "n/a" ">= 1.0x" "n/a"
    fi
    row "limit: raw 8 threads vs pgbench -S (tps)" "$(calc "$prw_m" 0)" "$(calc "$pb_m" 0)" \
        "$(calc "$prw_m / $pb_m")x" "(info)" "-"
fi

# --- 4. wide :many ---------------------------------------------------------------------------
if ! skip many; then
    say "4. wide :many: 1,000 rows x 8 columns, $MANY_CALLS calls x $ROUNDS rounds"
    "$B/bench_db" many "$MANY_CALLS" "$ROUNDS" | tee "$B/many.out"
    mg=$(result "$B/many.out" many_gen); mr=$(result "$B/many.out" many_raw)
    ga=$(result "$B/many.out" many_gen_allocs); la=$(result "$B/many.out" many_gen_lib_allocs)
    ra=$(result "$B/many.out" many_raw_allocs); qa=$(result "$B/many.out" many_libpq_allocs)
    echo "  libpq itself allocates $qa blocks per call (raw loop's $ra minus its one rows block)"
    if [ $have_gen = 1 ]; then
        r=$(calc "$mg / $mr"); own=$(calc "$ga - $qa")
        row ":many 1,000 x 8 (rows/s)" "$(calc "$mg" 0)" "$(calc "$mr" 0)" "${r}x" ">= 0.95x" \
            "$(verdict "$r" ge 0.95)"
        row ":many allocs/call, libpqg+generated" "$own (hook: $la)" \
            "1 (+ libpq $(calc "$qa" 0))" "-" "<= 3" "$(verdict "$own" le 3)"
        row ":many allocs/call, whole process" "$ga" "$ra" "-" "(info)" "-"
    else
        row ":many 1,000 x 8 (rows/s)" "n/a" "$(calc "$mr" 0)" "n/a" ">= 0.95x" "n/a"
    fi
fi

# --- 5. batch and bulk -----------------------------------------------------------------------
if ! skip copy; then
    say "5a. bulk load: $COPY_ROWS rows into an empty table, $ROUNDS rounds"
    command psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" \
        -c "\\copy (SELECT * FROM items ORDER BY id LIMIT $COPY_ROWS) TO '$B/items.csv' CSV"
    cp=(); cg=()
    for ((r = 0; r < ROUNDS; r++)); do
        command psql -X -q "$DATABASE_URL" -c "TRUNCATE items_copy"
        cp+=("$(walltime command psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL" \
            -c "\\copy items_copy FROM '$B/items.csv' CSV")")
        if [ $have_gen = 1 ]; then
            "$B/bench_db" copy "$COPY_ROWS" >"$B/copy.out"
            cg+=("$(result "$B/copy.out" copy_seconds)")
        fi
        echo "  round $((r + 1)): psql \\copy FROM csv ${cp[-1]} s" \
            " generated :copyfrom (bench_copy_items) ${cg[-1]:-n/a} s"
    done
    cp_m=$(median "${cp[@]}")
    if [ ${#cg[@]} -gt 0 ]; then
        cg_m=$(median "${cg[@]}"); r=$(calc "$cg_m / $cp_m")
        row ":copyfrom $COPY_ROWS rows vs psql \\copy (s)" "$cg_m" "$cp_m" "${r}x" "<= 1.0x" \
            "$(verdict "$r" le 1.0)"
    else
        row ":copyfrom $COPY_ROWS rows vs psql \\copy (s)" "n/a" "$cp_m" "n/a" "<= 1.0x" "n/a"
    fi
fi
if ! skip pipeline; then
    say "5b. $PIPE_N point selects: :batchone, raw pipeline, sequential loops, $ROUNDS rounds"
    "$B/bench_db" pipeline "$PIPE_N" "$ROUNDS" | tee "$B/pipeline.out"
    pr=$(result "$B/pipeline.out" pipeline_raw); ps=$(result "$B/pipeline.out" pipeline_seq_gen)
    pb=$(result "$B/pipeline.out" pipeline_batch); psr=$(result "$B/pipeline.out" pipeline_seq_raw)
    # Pipelined / sequential: medians of the per-round ratios (both measured back to back).
    bx=$(result "$B/pipeline.out" pipeline_batch_x); rx=$(result "$B/pipeline.out" pipeline_raw_x)
    if [ $have_gen = 1 ]; then
        r=$(calc "$pb / $pr")
        row ":batchone $PIPE_N selects vs raw pipeline (q/s)" "$(calc "$pb" 0)" \
            "$(calc "$pr" 0)" "${r}x" ">= 0.95x" "$(verdict "$r" ge 0.95)"
        row ":batchone vs sequential :one loop (q/s)" "$(calc "$pb" 0)" "$(calc "$ps" 0)" \
            "$(calc "$bx")x" ">= 5x" "$(verdict "$bx" ge 5)"
    else
        row ":batchone $PIPE_N selects vs raw pipeline (q/s)" "n/a" "$(calc "$pr" 0)" "n/a" \
            ">= 0.95x" "n/a"
    fi
    row "limit: raw pipeline vs raw sequential (q/s)" "$(calc "$pr" 0)" "$(calc "$psr" 0)" \
        "$(calc "$rx")x" "(bound for 5x)" "-"
fi
if ! skip each; then
    say "5c. _each over 1,000,000 rows: peak RSS (one run each)"
    "$B/bench_db" each raw | tee "$B/each_raw.out"
    er=$(result "$B/each_raw.out" each_raw_rss)
    if [ $have_gen = 1 ]; then
        "$B/bench_db" each gen | tee "$B/each_gen.out"
        eg=$(result "$B/each_gen.out" each_gen_rss)
        egs=$(result "$B/each_gen.out" each_gen_rows_per_sec)
        ers=$(result "$B/each_raw.out" each_raw_rows_per_sec)
        row "_each 1M rows, peak RSS (MB)" "$eg" "$er (single-row mode)" "-" "< 32 MB" \
            "$(verdict "$eg" le 31.99)"
        row "_each 1M rows (rows/s)" "$(calc "$egs" 0)" "$(calc "$ers" 0)" \
            "$(calc "$egs / $ers")x" "(info)" "-"
    else
        row "_each 1M rows, peak RSS (MB)" "n/a" "$er (single-row mode)" "-" "< 32 MB" "n/a"
    fi
fi

# --- 6. peers --------------------------------------------------------------------------------
if ! skip node; then
    say "6. peers: the same point select from Node.js ($NODE_N ids x $ROUNDS rounds)"
    nd="$B/node"
    if [ ! -d "$nd/node_modules/postgres" ] || [ ! -d "$nd/node_modules/pg" ]; then
        mkdir -p "$nd"
        npm install --silent --no-audit --no-fund --prefix "$nd" postgres pg >"$B/npm.log" 2>&1 ||
            echo "  npm install failed (see $B/npm.log): peers skipped"
    fi
    if [ -d "$nd/node_modules/postgres" ] && [ -d "$nd/node_modules/pg" ]; then
        cp tests/bench/peers.mjs "$nd/peers.mjs"
        for drv in postgres pg; do
            if node "$nd/peers.mjs" "$drv" "$NODE_N" "$ROUNDS" >"$B/node_$drv.out" 2>&1; then
                sed 's/^/  /' "$B/node_$drv.out" | grep -v RESULT
                v=$(result "$B/node_$drv.out" node_qps)
                if [ $have_gen = 1 ] && ! skip point; then
                    r=$(calc "$pg / $v")
                    row "peer: $drv (node) point select (q/s)" "$(calc "$pg" 0)" "$(calc "$v" 0)" \
                        "${r}x" "(context)" "-"
                else
                    row "peer: $drv (node) point select (q/s)" "n/a" "$(calc "$v" 0)" "n/a" \
                        "(context)" "-"
                fi
            else
                echo "  $drv failed:"; sed 's/^/    /' "$B/node_$drv.out" | head -5
            fi
        done
    fi
fi

# --- table -----------------------------------------------------------------------------------
elapsed=$(awk -v a="$bench_start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')
say "results (medians of $ROUNDS runs, generator $GEN_ROUNDS; ratio = pqgen / baseline;" \
    "$elapsed s in all)"
{
    echo "| benchmark | pqgen | baseline | ratio | target | ok? |"
    echo "|---|---:|---:|---:|---|---|"
    for l in "${rows[@]}"; do echo "| ${l//|/ | } |"; done
} >"$B/table.md"
printf '%s\n' "${rows[@]}" | awk -F'|' '
    BEGIN { h[1] = "benchmark"; h[2] = "pqgen"; h[3] = "baseline"; h[4] = "ratio"
            h[5] = "target"; h[6] = "ok?" }
    { n++; for (i = 1; i <= 6; i++) { c[n, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
    END { for (i = 1; i <= 6; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
          for (i = 1; i <= 6; i++) if (i < 6) printf "%-*s | ", w[i], h[i]; else print h[i]
          for (i = 1; i <= 6; i++) { s = ""; for (j = 0; j < w[i]; j++) s = s "-"
                                     printf "%s%s", s, (i < 6 ? "-+-" : "\n") }
          for (r = 1; r <= n; r++) for (i = 1; i <= 6; i++)
              if (i < 6) printf "%-*s | ", w[i], c[r, i]; else print c[r, i] }'

if [ $write_results = 1 ]; then
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    {
        echo "# Benchmarks"
        echo
        echo "Measured by \`make bench\` (\`bash tests/bench/run.sh\`) on $(date -u +%Y-%m-%d)."
        echo "Each benchmark runs pqgen's side and its physical limit (the same work written"
        echo "by hand against libpg_query or libpq) in the same run; figures are medians of"
        echo "$ROUNDS runs ($GEN_ROUNDS for the generator), ratio = pqgen / baseline; \"limit\""
        echo "rows compare two hand-written baselines (what the hardware allows)."
        echo
        cat "$B/table.md"
        echo
        mem=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
        pgv=$(command psql -X -qAt "$DATABASE_URL" -c 'SHOW server_version')
        lpq=$(dpkg-query -W -f '${Package} ${Version}' libpg-query-dev 2>/dev/null ||
              echo libpg_query)
        echo "Machine: $(nproc) vCPU, $cpu, $mem RAM; $(uname -sr)."
        echo "Load average before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)."
        echo "Versions: pqgen $("$PQGEN" version 2>/dev/null | awk '{print $2}');" \
            "$(cc --version | head -n 1);"
        echo "PostgreSQL $pgv; libpq $(pg_config --version 2>/dev/null | awk '{print $2}');" \
            "$lpq; node $(node --version 2>/dev/null || echo n/a)."
        echo "Server and clients share the machine (loopback TCP)."
        echo
        echo "Sizes: corpus 200 tables + 2,000 queries; point select $POINT_N ids; pool"
        echo "${POOL_SECONDS}s per round; :many $MANY_CALLS calls of 1,000 rows; pipeline $PIPE_N"
        echo "selects; copy $COPY_ROWS rows; node peers $NODE_N ids."
        echo
        echo "Command: \`make && ROUNDS=$ROUNDS bash tests/bench/run.sh --write-results\`"
        echo "(\`make bench\` runs the same without writing this file)."
        # Hand-written findings (profiles, advice) below "## Notes" survive a rerun.
        if [ -f tests/bench/RESULTS.md ] && grep -q '^## Notes' tests/bench/RESULTS.md; then
            echo
            sed -n '/^## Notes/,$p' tests/bench/RESULTS.md
        fi
    } >"$B/RESULTS.md"
    cp "$B/RESULTS.md" tests/bench/RESULTS.md
    echo "wrote tests/bench/RESULTS.md"
fi
