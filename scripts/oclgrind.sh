#!/usr/bin/env bash
# Runs every kernel of kernels/ under Oclgrind, the OpenCL device simulator
# (Debian's oclgrind, installed through scripts/setup.sh): the driver
# tests/oclgrind/driver.c (built with the tests) runs small problems of each
# kernel through the paths that launch it and checks the results; Oclgrind
# checks every memory access and API call. Exits non-zero when a result is
# wrong or Oclgrind reports anything (its log must stay empty).
#
# Checks on: --check-api (invalid arguments to OpenCL calls), --data-races
# (work-items of a group, or groups, touching the same memory without a
# barrier between), and always out-of-bounds reads and writes of global,
# local, constant and private memory. Not --uninitialized: Debian's Oclgrind
# 21.10 (on LLVM 14) stops the first work-item of every conv_strip launch
# with a fatal "Unsupported instruction: freeze" there (the optimiser's
# `%call2.frozen = freeze i64 %call2`), which leaves the outputs unwritten.
#
# Usage: scripts/oclgrind.sh   (CLCONV_BUILD_DIR: the build to use)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"

CLCONV_EXTRA_PACKAGES="oclgrind ${CLCONV_EXTRA_PACKAGES:-}" "$here/scripts/setup.sh"
cmake --build "$build" -j"$(nproc)" --target clconv_oclgrind_driver >&2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clconv-oclgrind.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$tmp/oclgrind.log"
status=0
# No limit on reports (Oclgrind stops at 1,000 by default, and VkFFT's
# race reports below, about 36,000 here, would hide ours behind them). A
# cache of its own: the driver's programs are Oclgrind's bitcode, of no
# use to a real device (the cache key names the device, so they would not
# be taken, only kept).
CLCONV_CACHE_DIR="$tmp/cache" oclgrind --check-api --data-races --max-errors 100000000 --log "$log" \
    "$build/tests/clconv_oclgrind_driver" || status=$?
# Oclgrind's log holds one paragraph per report, naming the kernel. Data
# races in VkFFT's generated kernels (VkFFT_main) are VkFFT's and are
# counted apart: its in-place transforms read a global element before a
# barrier(CLK_LOCAL_MEM_FENCE) and another work-item writes that element
# after it, and a local fence does not order global memory (VkFFT 1.2.26
# emits only local fences in its OpenCL code). Any other report, ours or
# VkFFT's (an out-of-bounds access there would corrupt our results), fails.
if [ -s "$log" ]; then
    awk -v RS= -v ours="$tmp/ours.log" '
        /data race/ && /Kernel: VkFFT_main/ { vkfft++; next }
        { n++; print $0 "\n" > ours }
        END { printf "%d %d\n", n, vkfft }' "$log" >"$tmp/counts"
    read -r reports vkfft <"$tmp/counts"
    if [ "$vkfft" -gt 0 ]; then
        echo "oclgrind: $vkfft data-race reports in VkFFT's own kernels (VkFFT_main), not counted"
    fi
    if [ "$reports" -gt 0 ]; then
        echo "oclgrind: $reports reports; the first:"
        head -60 "$tmp/ours.log"
        status=1
    fi
fi
if [ "$status" -eq 0 ]; then echo "oclgrind: no error in our kernels, every result right"; fi
exit "$status"
