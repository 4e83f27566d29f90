#!/usr/bin/env bash
# Checks the roofs clconv measures on a CPU device against the CPU's own:
# builds scripts/roof.c (FMA chains written with intrinsics, and a streaming
# read and copy, one thread per core, no OpenCL) with -march=native, then
# alternates it with `clconv bench --grid limits` a few times and prints the
# best of each and their ratios. Best-of and alternation keep another
# process's load from deciding the comparison. It also prints roof.c's
# vector copies with streamed and with cached stores: a kernel that stores
# through the cache moves half as many bytes again (each line it writes is
# read first) and cannot beat the second. Builds clconv first when
# build/clconv is missing (scripts/setup.sh).
#
# Usage: scripts/roof.sh [ROUNDS]   (default 3)
#
# ROOF_TARGET=haswell scripts/roof.sh measures an AVX2 target (16 ymm
# registers, no AVX-512) on a machine that has AVX-512: roof.c is built with
# -march=haswell, and POCL compiles for that CPU with its AVX2 kernel library
# (POCL_LLVM_CPU_NAME, POCL_KERNELLIB_NAME), with caches of its own so no
# binary built for the host's CPU is reused. POCL still reports the host's
# preferred vector widths, so clconv's parameter table picks the host's
# entries; the FMA roof is unaffected, as clconv_device_peak tries several
# chain counts and keeps the best.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
rounds="${1:-3}"
[ -x "$build/clconv" ] || "$here/scripts/setup.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
march=native
if [ -n "${ROOF_TARGET:-}" ]; then
    march="$ROOF_TARGET"
    export POCL_LLVM_CPU_NAME="$ROOF_TARGET" POCL_KERNELLIB_NAME=avx2
    export POCL_CACHE_DIR="$tmp/pocl" XDG_CACHE_HOME="$tmp/xdg"
    unset CLCONV_CACHE_DIR
fi
cc -O2 -march="$march" -pthread "$here/scripts/roof.c" -o "$tmp/roof"

best() { sort -g | tail -n 1; }
for ((r = 0; r < rounds; r++)); do
    "$tmp/roof" >>"$tmp/native.txt"
    "$build/clconv" bench --grid limits --device cpu >>"$tmp/clconv.txt" 2>/dev/null
done

flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f' | sort -u | tr '\n' ' ')
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores; $flags)"
[ "$march" = native ] || echo "target: $march (POCL_LLVM_CPU_NAME=$march, kernel library $POCL_KERNELLIB_NAME)"
echo "best of $rounds rounds, alternating"
fma_native=$(awk '/^FMA/ {print $(NF-1)}' "$tmp/native.txt" | best)
read_native=$(awk '/^read/ {print $(NF-1)}' "$tmp/native.txt" | best)
copy_native=$(awk '/^copy/ {print $(NF-1)}' "$tmp/native.txt" | best)
streamed_native=$(awk '/^streamed-store copy/ {print $(NF-1)}' "$tmp/native.txt" | best)
cached_native=$(awk '/^cached-store copy/ {print $(NF-1)}' "$tmp/native.txt" | best)
fma_cl=$(sed -n 's/.*FMA \([0-9.]*\) GFLOP\/s float32.*/\1/p' "$tmp/clconv.txt" | best)
f64_cl=$(sed -n 's/.*, \([0-9.]*\) GFLOP\/s float64.*/\1/p' "$tmp/clconv.txt" | best)
read_cl=$(sed -n 's/.*read bandwidth \([0-9.]*\) GB\/s.*/\1/p' "$tmp/clconv.txt" | best)
copy_cl=$(sed -n 's/.*(copy \([0-9.]*\) GB\/s).*/\1/p' "$tmp/clconv.txt" | best)
shape=$(grep -o 'float32 ([0-9]* chains of [0-9]*)' "$tmp/clconv.txt" | tail -n 1)
printf '%-28s %10s %10s %8s\n' "" "intrinsics" "clconv" "ratio"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
printf '%-28s %10s %10s %8s\n' "FMA float32, GFLOP/s" "$fma_native" "$fma_cl" "$(ratio "$fma_native" "$fma_cl")"
printf '%-28s %10s %10s %8s\n' "read, GB/s" "$read_native" "$read_cl" "$(ratio "$read_native" "$read_cl")"
printf '%-28s %10s %10s %8s\n' "copy (read + write), GB/s" "$copy_native" "$copy_cl" "$(ratio "$copy_native" "$copy_cl")"
echo "clconv's best FMA kernel: $shape; float64 $f64_cl GFLOP/s"
echo "vector copies (intrinsics): streamed stores $streamed_native GB/s, cached stores" \
    "$cached_native GB/s (each written line read first), which take" \
    "$(ratio "$cached_native" "$streamed_native")x the time"
echo "intrinsics by kind, best of the rounds:"
awk '/^FMA/ { v = $(NF-1); $NF = ""; $(NF) = ""; k = $0; sub(/ +[0-9.]+ *$/, "", k);
              if (v > best[k]) best[k] = v }
     END { for (k in best) printf "  %-32s %7.1f GFLOP/s\n", k, best[k] }' "$tmp/native.txt" | sort
