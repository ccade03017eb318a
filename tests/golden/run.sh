#!/usr/bin/env bash
# Golden tests: every tests/golden/<case>/ holding a pqgen.json is one case (sqlc's layout).
#   stderr.txt  -> `pqgen -f CASE/pqgen.json check` must exit 1 and print exactly this on stderr,
#                  and so must `pqgen -j 1|2 diff` (analysis on a worker thread or not)
#   model.json  -> `pqgen -f CASE/pqgen.json model` must exit 0 and print exactly this on stdout
#   out/        -> `pqgen -j 1|2 -f CASE/pqgen.json diff` must exit 0 (the case's "out" must be
#                  "out"), and every out/*.c must compile with -std=c11 -Wall -Wextra -Werror
#                  -pedantic (with cc, and with clang too when it is installed)
# Case names: diag_* (diagnostics), model_* (analysis), emit_* (generated C).
#
# usage: tests/golden/run.sh [--update] PQGEN [CASE...]
#   CASE names (or shell patterns such as 'diag_*') limit the run to those cases.
#   --update rewrites the expectations a case has (stderr.txt, model.json, out/ via generate);
#   a case with none yet gets the one its name prefix implies. Check the result by eye.
# Paths in diagnostics and models are relative to each case's folder, so the output does not
# depend on where the repository lives. Runs from the repository root; exits 1 on any failure.
set -u

update=0
if [ "${1:-}" = "--update" ]; then
    update=1
    shift
fi
if [ $# -lt 1 ]; then
    echo "usage: $0 [--update] PQGEN [CASE...]" >&2
    exit 2
fi
pqgen=$1
shift
patterns=("$@")
case "$pqgen" in /*) ;; *) pqgen="$PWD/$pqgen" ;; esac
if [ ! -x "$pqgen" ]; then
    echo "golden: $pqgen is not an executable" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compilers=(cc)
command -v clang >/dev/null 2>&1 && compilers+=(clang)
pg_inc=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -D_GNU_SOURCE -Iruntime "-I$pg_inc")
limit=${GOLDEN_TIMEOUT:-120}

passed=0
failed=0
failed_names=()

# run OUT ERR ARGS...: runs pqgen with a time limit; sets rc.
run() {
    local out=$1 err=$2
    shift 2
    timeout "$limit" "$pqgen" "$@" >"$out" 2>"$err"
    rc=$?
}

for dir in tests/golden/*/; do
    dir=${dir%/}
    [ -f "$dir/pqgen.json" ] || continue
    name=$(basename "$dir")
    if [ ${#patterns[@]} -gt 0 ]; then
        selected=0
        for p in "${patterns[@]}"; do
            # shellcheck disable=SC2053
            [[ $name == $p ]] && selected=1
        done
        [ $selected = 1 ] || continue
    fi
    problems=()
    want_stderr=0 want_model=0 want_out=0
    [ -f "$dir/stderr.txt" ] && want_stderr=1
    [ -f "$dir/model.json" ] && want_model=1
    [ -d "$dir/out" ] && want_out=1
    if [ $update = 1 ] && [ $((want_stderr + want_model + want_out)) = 0 ]; then
        case "$name" in
            diag_*) want_stderr=1 ;;
            model_*) want_model=1 ;;
            emit_*) want_out=1 ;;
        esac
    fi
    if [ $((want_stderr + want_model + want_out)) = 0 ]; then
        problems+=("no expectation (stderr.txt, model.json or out/)")
    fi

    if [ $want_stderr = 1 ]; then
        run "$tmp/out" "$tmp/err" -f "$dir/pqgen.json" check
        if [ $update = 1 ]; then
            cp "$tmp/err" "$dir/stderr.txt"
            [ $rc = 1 ] || problems+=("check exited $rc, want 1 (stderr.txt written anyway)")
        else
            [ $rc = 1 ] || problems+=("check exited $rc, want 1")
            if ! diff -u "$dir/stderr.txt" "$tmp/err" >"$tmp/diff"; then
                problems+=("stderr differs:")
                problems+=("$(head -60 "$tmp/diff")")
            fi
            # generate and diff analyze while they generate (-j 2): the same problems must
            # stop them, reported the same way, and with one thread (-j 1) too.
            for j in 1 2; do
                run "$tmp/out" "$tmp/err" -j "$j" -f "$dir/pqgen.json" diff
                [ $rc = 1 ] || problems+=("diff -j $j exited $rc, want 1")
                if ! diff -u "$dir/stderr.txt" "$tmp/err" >"$tmp/diff"; then
                    problems+=("stderr of diff -j $j differs from check's:")
                    problems+=("$(head -30 "$tmp/diff")")
                fi
            done
        fi
    fi

    if [ $want_model = 1 ]; then
        run "$tmp/out" "$tmp/err" -f "$dir/pqgen.json" model
        if [ $rc != 0 ]; then
            problems+=("model exited $rc, want 0:")
            problems+=("$(head -30 "$tmp/err")")
        elif [ $update = 1 ]; then
            cp "$tmp/out" "$dir/model.json"
        elif ! diff -u "$dir/model.json" "$tmp/out" >"$tmp/diff"; then
            problems+=("model differs:")
            problems+=("$(head -60 "$tmp/diff")")
        fi
    fi

    if [ $want_out = 1 ]; then
        if [ $update = 1 ]; then
            rm -rf "$dir/out"
            run "$tmp/out" "$tmp/err" -f "$dir/pqgen.json" generate
            [ $rc = 0 ] || problems+=("generate exited $rc:" "$(head -30 "$tmp/err")")
            [ -d "$dir/out" ] || problems+=("generate made no out/ folder (is \"out\": \"out\"?)")
        else
            for j in 1 2; do
                run "$tmp/out" "$tmp/err" -j "$j" -f "$dir/pqgen.json" diff
                if [ $rc != 0 ]; then
                    problems+=("diff -j $j exited $rc, want 0:")
                    problems+=("$(head -60 "$tmp/out")" "$(head -20 "$tmp/err")")
                fi
            done
        fi
        for c in "$dir"/out/*.c; do
            [ -f "$c" ] || continue
            for compiler in "${compilers[@]}"; do
                if ! "$compiler" "${cflags[@]}" "-I$dir/out" -c "$c" -o "$tmp/x.o" \
                    2>"$tmp/cc"; then
                    problems+=("$compiler fails on $c:" "$(head -30 "$tmp/cc")")
                fi
            done
        done
    fi

    if [ ${#problems[@]} = 0 ]; then
        passed=$((passed + 1))
        if [ $update = 1 ]; then echo "ok   $name (updated)"; else echo "ok   $name"; fi
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "FAIL $name"
        printf '%s\n' "${problems[@]}" | sed 's/^/    /'
    fi
done

echo "golden: $passed passed, $failed failed"
[ $failed = 0 ] || { echo "golden: failed: ${failed_names[*]}"; exit 1; }
