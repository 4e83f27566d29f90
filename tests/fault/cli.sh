#!/bin/sh
# Faults through the command, with clconv-faulty (the command linked with
# tests/fault/malloc_fail.c):
# - host allocation failure: `conv1d -o out.npy` and `dist 3d6 --format csv
#   -o out.npy` run once per allocation clconv's code makes, that
#   allocation failing (CLCONV_FAULT_MALLOC=N). Each run must either succeed
#   with the right output or exit 1 with exactly one line on stderr, nothing
#   on stdout and no output file, temporary included; never crash;
# - device allocation: CLCONV_MAX_ALLOC far below the job's arrays streams
#   the job in pieces, with the output of one call without the limit;
# - the disk cache on a read-only, a full (64 KiB) and a damaged cache
#   directory: the job still succeeds with the right output (the cache is
#   only an optimisation) and a full directory keeps no temporary file.
#   Read-only and full directories are tmpfs mounts in a private mount
#   namespace (unshare -m, as root): where that is refused those cases are
#   reported as not run and the script exits 77 (CTest: skipped) after the
#   rest has passed.
# Under the sanitizer build (scripts/test.sh --sanitize) LeakSanitizer
# makes any leak exit non-zero with a report, which fails the run's checks.
#
# Usage: cli.sh PATH/TO/clconv-faulty PATH/TO/tests/cli/data
# CLCONV_FAULT_STRIDE=K tries every K-th allocation past the first 40
# (default: about 40 runs per job in all; 1: every one).
set -u
if [ $# -ne 2 ]; then
    echo "usage: $0 CLCONV_FAULTY DATA_DIR" >&2
    exit 2
fi
CLCONV=$1
DATA=$2

# The mount cases re-run this script inside a private mount namespace.
if [ "${CLCONV_FAULT_IN_NS:-}" = "" ] && [ "$(id -u)" = 0 ] &&
    unshare -m true 2>/dev/null; then
    CLCONV_FAULT_IN_NS=1 exec unshare -m "$0" "$@"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/clconv-fault.XXXXXX") || exit 1
cleanup() {
    for m in "$WORK/ro" "$WORK/full"; do
        if mountpoint -q "$m" 2>/dev/null; then umount "$m"; fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
passed=0
failed=0
skipped=""

fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    if [ -s "$WORK/stderr" ]; then sed 's/^/    stderr: /' "$WORK/stderr" | head -20; fi
}

no_leftovers() {
    for f in "$WORK"/out.npy "$WORK"/.out.*; do
        if [ -e "$f" ]; then return 1; fi
    done
}

# run ARGS...: clconv-faulty ARGS with stdout, stderr and the allocation
# count in $WORK; sets rc.
run() {
    rm -f "$WORK/count"
    CLCONV_FAULT_MALLOC_COUNT=$WORK/count "$CLCONV" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
    rc=$?
}

# sweep NAME ARGS...: the reference run, then one run per allocation tried.
sweep() {
    name=$1
    shift
    rm -f "$WORK/out.npy"
    run "$@"
    if [ $rc -ne 0 ]; then
        fail "$name" "the run without faults exited $rc"
        return
    fi
    mv "$WORK/out.npy" "$WORK/want.npy"
    cp "$WORK/stdout" "$WORK/want.stdout"
    total=$(cat "$WORK/count")
    stride=${CLCONV_FAULT_STRIDE:-$(((total - 40) / 40 + 1))}
    [ "$stride" -ge 1 ] || stride=1
    n=1
    tried=0
    errors=0
    while [ "$n" -le "$total" ]; do
        rm -f "$WORK/out.npy"
        CLCONV_FAULT_MALLOC=$n run "$@"
        tried=$((tried + 1))
        what="$name, allocation $n of $total"
        if [ $rc -eq 0 ]; then
            if [ -s "$WORK/stderr" ]; then
                fail "$what" "succeeded with something on stderr"
            elif ! cmp -s "$WORK/out.npy" "$WORK/want.npy" ||
                ! cmp -s "$WORK/stdout" "$WORK/want.stdout"; then
                fail "$what" "succeeded with a different result"
            else
                passed=$((passed + 1))
            fi
        else
            errors=$((errors + 1))
            lines=$(wc -l <"$WORK/stderr")
            if [ $rc -ne 1 ]; then
                fail "$what" "exit code $rc (a crash or a sanitizer's report?)"
            elif [ "$lines" -ne 1 ]; then
                fail "$what" "$lines lines on stderr, want 1"
            elif [ -s "$WORK/stdout" ]; then
                fail "$what" "a partial result on stdout"
            elif ! no_leftovers; then
                fail "$what" "an output file left behind"
            else
                passed=$((passed + 1))
            fi
        fi
        if [ "$n" -lt 40 ]; then n=$((n + 1)); else n=$((n + stride)); fi
    done
    if [ "$errors" -eq 0 ]; then
        fail "$name" "no failed allocation made the command fail: not counted?"
    fi
    echo "$name: $total allocations, $tried tried, $errors ended in an error"
}

S=$DATA/sig.npy
K=$DATA/ker.npy
sweep "conv1d" conv1d "$S" "$K" --mode same -o "$WORK/out.npy"
sweep "dist 3d6" dist 3d6 --format csv -o "$WORK/out.npy"

# ---- device allocation -----------------------------------------------------

# 5001 samples (the float64 .npy of 1000d6, 40 KB) under limits of 1K and
# 4K bytes: streamed in pieces of 253 and 1021 outputs, each giving exactly
# the result of one call without a limit.
"$CLCONV" dist 1000d6 --format csv -o "$WORK/big.npy" >/dev/null 2>&1 || fail "dist 1000d6" "failed"
run conv1d "$WORK/big.npy" "$K" --mode same -o "$WORK/want.npy"
for limit in 1K 4K; do
    rm -f "$WORK/out.npy"
    CLCONV_MAX_ALLOC=$limit run conv1d "$WORK/big.npy" "$K" --mode same -o "$WORK/out.npy"
    if [ $rc -ne 0 ]; then
        fail "CLCONV_MAX_ALLOC=$limit" "exit code $rc"
    elif [ -s "$WORK/stderr" ] || ! cmp -s "$WORK/out.npy" "$WORK/want.npy"; then
        fail "CLCONV_MAX_ALLOC=$limit" "printed something or a different result"
    else
        passed=$((passed + 1))
    fi
done

# ---- the disk cache ----------------------------------------------------------

# cached NAME DIR: two runs with the cache in DIR (binaries are stored at
# their second build) both give the right result and print nothing.
run conv1d "$S" "$K" --mode same -o "$WORK/want.npy"
cached() {
    for round in 1 2; do
        rm -f "$WORK/out.npy"
        CLCONV_CACHE_DIR=$2 run conv1d "$S" "$K" --mode same -o "$WORK/out.npy"
        if [ $rc -ne 0 ]; then
            fail "$1, run $round" "exit code $rc"
            return
        elif [ -s "$WORK/stderr" ] || ! cmp -s "$WORK/out.npy" "$WORK/want.npy"; then
            fail "$1, run $round" "printed something or a different result"
            return
        fi
    done
    passed=$((passed + 1))
}

# Damaged entries: every file the cache holds truncated to half, then
# overwritten with garbage of the same size.
mkdir "$WORK/cache"
cached "a fresh cache" "$WORK/cache"
for damage in truncate garble; do
    for f in "$WORK"/cache/*; do
        [ -f "$f" ] || continue
        size=$(wc -c <"$f")
        if [ $damage = truncate ]; then
            head -c $((size / 2)) "$f" >"$WORK/piece" && mv "$WORK/piece" "$f"
        else
            head -c "$size" /dev/urandom >"$f"
        fi
    done
    cached "a cache of ${damage}d files" "$WORK/cache"
done

if [ "${CLCONV_FAULT_IN_NS:-}" = 1 ] && mkdir "$WORK/ro" "$WORK/full" &&
    mount -t tmpfs -o ro,size=64k tmpfs "$WORK/ro" &&
    mount -t tmpfs -o size=64k tmpfs "$WORK/full"; then
    cached "a read-only cache" "$WORK/ro/clconv"
    cached "a full cache" "$WORK/full/clconv"
    # A kernel binary is far larger than 64 KiB: every store fails part way.
    leftovers=$(find "$WORK/full" -name '*.tmp' | wc -l)
    if [ "$leftovers" -ne 0 ]; then
        fail "a full cache" "$leftovers temporary files left in it"
    else
        passed=$((passed + 1))
    fi
else
    skipped="read-only and full cache directories (no private tmpfs mounts here)"
fi

echo "fault cli: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then exit 1; fi
if [ -n "$skipped" ]; then
    echo "not run: $skipped"
    exit 77
fi
exit 0
