#!/usr/bin/env bash
# clconv's FFT convolution against one written with FFTW on the same CPU
# (the CPU-speed issue's item 2): builds scripts/bench-vs-fftw.c against the
# built library (build/libclconv.a, which also gives it VkFFT's transform
# alone through clconv's plan cache) and FFTW (fftw3f, fftw3f_threads, one
# thread per core), and prints per case the medians of N rounds, interleaved
# round by round in one process: FFTW's convolution (FFTW_MEASURE plans made
# before timing, each plan's search bounded to 120 s; the transforms clconv
# runs: its overlap-save blocks in 1-D, one plain transform of its fast size
# in 2-D and 3-D), clconv's (CLCONV_METHOD_FFT, host arrays, plans made before
# timing), their ratio, and the forward r2c of the signal's transforms alone
# by FFTW and by VkFFT. The outputs are compared; a disagreement beyond 1e-4
# of the largest value fails the run. Installs libfftw3-dev when missing and
# builds clconv first when build/ lacks it (both through scripts/setup.sh).
# FFTW's wisdom is kept in the clconv cache directory (CLCONV_FFTW_WISDOM
# names another file), so a second run plans in seconds, and keeps the plans
# the first one found.
#
# Usage: scripts/bench-vs-fftw.sh [--rounds N] [--quick | --full] [--case SUBSTRING]
#                                 [--plan-seconds S]
#   default: conv1d 2^20, 2^22, 2^24 with 1024 and 65536 taps, conv2d 2048^2
#            with 31x31 and 63x63 (full mode), 7 rounds
#   --full:  also conv3d 256^3 with 31^3 ('same')
#   --quick: 3 rounds of three small cases (1-D, 2-D, 3-D)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
# setup.sh installs what is missing (FFTW through its extra packages) and
# brings build/ up to date.
if [ ! -f "$build/libclconv.a" ] ||
    ! dpkg-query -W -f='${Status}' libfftw3-dev 2>/dev/null | grep -q "install ok installed"; then
  CLCONV_EXTRA_PACKAGES="${CLCONV_EXTRA_PACKAGES:-} libfftw3-dev" nice "$here/scripts/setup.sh"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The float64 FFTW libraries: libclconv.a holds the host FFT backend, which
# uses both precisions.
nice cc -O2 -march=native -fopenmp -I "$here/include" -I "$here/host" \
    "$here/scripts/bench-vs-fftw.c" "$build/libclconv.a" \
    -lfftw3f_threads -lfftw3f -lfftw3_threads -lfftw3 -lOpenCL -lpthread -lm \
    -o "$tmp/bench-vs-fftw"
cache="${CLCONV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/clconv}"
mkdir -p "$cache"
threads="$(nproc)"
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx2|fma|avx512f' | sort -u | paste -sd' ')
echo "CPU: $model ($threads cores; $flags)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Passive: spinning OpenMP threads (libgomp's default after a parallel region)
# would take the cores from FFTW's own threads and double its convolution time.
status=0
OMP_WAIT_POLICY=passive OMP_NUM_THREADS="$threads" "$tmp/bench-vs-fftw" --threads "$threads" \
    --wisdom "${CLCONV_FFTW_WISDOM:-$cache/fftw-wisdom-f32-${threads}t}" "$@" || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
