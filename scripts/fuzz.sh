#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each (default 30) on
# a copy of its seed corpus (tests/fuzz/corpus/TARGET) and of the inputs of
# its past findings (tests/fuzz/regressions/TARGET), one after another,
# and prints each one's executions. Builds the fuzz tree
# (${CLCONV_FUZZ_DIR:-build-fuzz}, clang with ASan and UBSan) when it is
# missing. Exits non-zero when a target crashed, leaked, ran out of memory or
# hung on an input (-timeout=10 s, -rss_limit_mb=2048), naming the reproducer;
# replay one with `build-fuzz/tests/fuzz/fuzz_TARGET FILE`.
# CLCONV_FUZZ_TARGETS="npy csv" runs only those.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_FUZZ_DIR:-$here/build-fuzz}"
seconds="${1:-30}"
targets=(${CLCONV_FUZZ_TARGETS:-npy csv raw image preset dist_spec dist_body query multipart})

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC="${CC:-clang}" cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCLCONV_FUZZ=ON -DCLCONV_BUILD_TESTS=OFF -DCLCONV_BUILD_CLI=OFF >&2
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >&2

runs="$build/fuzz-runs"
rm -rf "$runs"
failed=0
for t in "${targets[@]}"; do
    dir="$runs/$t"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp "$here/tests/fuzz/corpus/$t/"* "$dir/corpus/"
    if [ -d "$here/tests/fuzz/regressions/$t" ]; then
        cp "$here/tests/fuzz/regressions/$t/"* "$dir/corpus/"
    fi
    status=0
    # Leaks are checked after each input; UBSan aborts (see CMakeLists.txt).
    # intercept_tls_get_addr=0 as in scripts/test.sh --sanitize.
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:intercept_tls_get_addr=0}" UBSAN_OPTIONS=print_stacktrace=1 \
        "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
        >"$dir/log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    if [ "$status" -ne 0 ]; then
        failed=1
        echo "fuzz_$t: FAILED (exit $status) after ${execs:-?} executions; log $dir/log"
        grep -E "^(==[0-9]+==ERROR|SUMMARY|fuzz:|ALARM)|Test unit written to" "$dir/log" |
            sed 's/^/  /' | head -20
    else
        echo "fuzz_$t: ${execs:-?} executions in ${seconds} s, no finding"
    fi
done
exit "$failed"
