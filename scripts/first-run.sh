#!/usr/bin/env bash
# Whole-process times of small jobs on the default device with empty POCL
# and clconv caches (a newcomer's first run), then again (the second run,
# which stores the compiled programs), then warm: the median of ROUNDS
# rounds, each round starting from empty caches in a temporary directory.
# The caches of the user are not touched.
#
# Usage: scripts/first-run.sh [ROUNDS]   (default 3)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
rounds="${1:-3}"
[ -x "$build/clconv" ] || "$here/scripts/setup.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Small inputs: 1000 samples and 5 taps; a 10x3 image and a 1x3 kernel.
awk 'BEGIN { for (i = 1; i <= 1000; i++) print sin(i) }' >"$tmp/x.csv"
echo "1,2,3,2,1" >"$tmp/h.csv"
awk 'BEGIN { for (i = 1; i <= 10; i++) print i "," 2 * i "," i + 1 }' >"$tmp/im.csv"
echo "1,2,1" >"$tmp/k.csv"

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
job() {
    case "$1" in
    conv1d) "$build/clconv" conv1d "$tmp/x.csv" "$tmp/h.csv" -o "$tmp/y.csv" ;;
    conv2d) "$build/clconv" conv2d "$tmp/im.csv" "$tmp/k.csv" -o "$tmp/o.csv" ;;
    dist) "$build/clconv" dist 2d6 >/dev/null ;;
    esac
}

printf '%-8s %8s %8s %8s   (seconds, median of %d, empty caches each round)\n' \
    command first second warm "$rounds"
for cmd in conv1d conv2d dist; do
    : >"$tmp/first" && : >"$tmp/second" && : >"$tmp/warm"
    for ((r = 0; r < rounds; r++)); do
        rm -rf "$tmp/pocl" "$tmp/xdg"
        export POCL_CACHE_DIR="$tmp/pocl" XDG_CACHE_HOME="$tmp/xdg"
        unset CLCONV_CACHE_DIR CLCONV_NO_CACHE
        for kind in first second warm; do
            t0=$(now)
            job "$cmd" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
            if [ -s "$tmp/err" ]; then
                echo "first-run: $cmd printed on stderr:" >&2
                cat "$tmp/err" >&2
                exit 1
            fi
            awk -v a="$(now)" -v b="$t0" 'BEGIN { print a - b }' >>"$tmp/$kind"
        done
    done
    printf '%-8s %8.2f %8.2f %8.3f\n' "$cmd" "$(median <"$tmp/first")" \
        "$(median <"$tmp/second")" "$(median <"$tmp/warm")"
done
