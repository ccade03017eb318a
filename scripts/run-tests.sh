#!/usr/bin/env bash
# Runs test binaries one after another, each in its own process, and prints one summary line.
#   scripts/run-tests.sh SUITE BIN...      (VALGRIND=1 runs each under valgrind memcheck)
set -u
suite=$1; shift
passed=0; failed=0; failed_names=()
for bin in "$@"; do
    name=$(basename "$bin")
    if [ "${VALGRIND:-0}" = 1 ]; then
        cmd=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$bin")
    else
        cmd=("$bin")
    fi
    echo "== $suite: $name"
    if "${cmd[@]}"; then passed=$((passed + 1)); else failed=$((failed + 1)); failed_names+=("$name"); fi
done
echo "$suite: $passed passed, $failed failed"
[ $failed -eq 0 ] || { echo "$suite: failed: ${failed_names[*]}"; exit 1; }
