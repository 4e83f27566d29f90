#!/usr/bin/env bash
# The main job on the default device, from a fresh Debian machine: installs
# what is missing, builds, then shows what clconv is for: the devices it
# sees, the distribution of the sum of two loaded dice, a large 1-D
# convolution with its timings, and the benchmark grid.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
"$here/scripts/setup.sh"
clconv="$build/clconv"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A .npy file of n random bytes (dtype uint8, which clconv converts), made
# without NumPy: the 128-byte header, then the data.
random_npy() {
  local n="$1" out="$2" dict
  dict="{'descr': '|u1', 'fortran_order': False, 'shape': ($n,), }"
  { printf '\x93NUMPY\x01\x00\x76\x00'
    printf '%-117s\n' "$dict"
    head -c "$n" /dev/urandom; } >"$out"
}

step() { printf '\n== %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "OpenCL devices" "$clconv" devices
step "Two loaded dice: P(X+Y=n) is the convolution of their distributions" \
  "$clconv" dist 1:0.1,0.2,0.3,0.1,0.2,0.1 1:0.25,0.05,0.3,0.1,0.2,0.1

random_npy 4194304 "$work/signal.npy"
random_npy 255 "$work/kernel.npy"
step "A 2^22-sample signal convolved with 255 taps (timings on stderr)" \
  "$clconv" conv1d "$work/signal.npy" "$work/kernel.npy" -o "$work/out.npy" --mode same -v
step "The benchmark grid (compute only, medians)" "$clconv" bench --quick
