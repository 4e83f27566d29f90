#!/usr/bin/env bash
# The main job on the default device, from a fresh Debian machine: installs
# what is missing, builds, then shows the three jobs clconv is for:
#  1. the distribution of the sum of two loaded dice (the README's example);
#  2. a large 1-D convolution (2^24 samples with 2^16 taps, FFT), timed as a
#     whole process against SciPy's oaconvolve on the CPU, same files;
#  3. an image blurred and edge-detected, written as PNGs it names.
# Outputs go to ${CLCONV_DEMO_DIR:-demo-output}. SciPy (python3-scipy) is
# installed for the CPU reference only; the library and command need none.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CLCONV_BUILD_DIR:-$here/build}"
out="${CLCONV_DEMO_DIR:-$PWD/demo-output}"
"$here/scripts/setup.sh"
if ! /usr/bin/python3 -c 'import numpy, scipy.signal' 2>/dev/null; then
  echo "demo: installing python3-scipy for the CPU reference" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    python3-scipy >&2
fi
clconv="$build/clconv"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

# Median wall time of five runs of a command, in milliseconds.
median_ms() {
  local start
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$@" >/dev/null
    echo $((($(date +%s%N) - start) / 1000000))
  done | sort -n | sed -n 3p
}

step "OpenCL devices" "$clconv" devices

step "Two loaded dice: P(X+Y=n) is the convolution of their distributions" \
  "$clconv" dist 1:0.1,0.2,0.3,0.1,0.2,0.1 1:0.25,0.05,0.3,0.1,0.2,0.1

/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(1)
np.save(f"{sys.argv[1]}/signal.npy", rng.standard_normal(1 << 24, dtype=np.float32))
np.save(f"{sys.argv[1]}/kernel.npy", rng.standard_normal(1 << 16, dtype=np.float32))
PY
step "A 2^24-sample signal convolved with 2^16 taps (auto chooses FFT)" \
  "$clconv" conv1d "$work/signal.npy" "$work/kernel.npy" -o "$work/clconv.npy"
scipy=(/usr/bin/python3 -c "import sys, numpy as np, scipy.signal as s
np.save(sys.argv[3], s.oaconvolve(np.load(sys.argv[1]), np.load(sys.argv[2])))"
  "$work/signal.npy" "$work/kernel.npy" "$work/scipy.npy")
"${scipy[@]}"
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
a, b = np.load(f"{sys.argv[1]}/clconv.npy"), np.load(f"{sys.argv[1]}/scipy.npy")
print(f"clconv and SciPy agree to {np.abs(a - b).max() / np.abs(b).max():.1e} of the largest value")
PY
t_clconv=$(median_ms "$clconv" conv1d "$work/signal.npy" "$work/kernel.npy" -o "$work/clconv.npy")
t_scipy=$(median_ms "${scipy[@]}")
echo "whole processes, median of 5: clconv $t_clconv ms, scipy.signal.oaconvolve $t_scipy ms" \
  "($(awk -v a="$t_scipy" -v b="$t_clconv" 'BEGIN { printf "%.1f", a / b }')x)"

# A 1024x768 test picture without any image tool: shaded discs on a gradient,
# written as a binary PGM by awk (bytes, so in the C locale).
LC_ALL=C awk 'BEGIN {
  w = 1024; h = 768
  printf "P5\n%d %d\n255\n", w, h
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      v = 40 + 100 * x / w
      for (i = 0; i < 6; i++) {
        cx = 120 + 160 * i; cy = 200 + 300 * (i % 2); r = 60 + 10 * i
        if ((x - cx) ^ 2 + (y - cy) ^ 2 < r * r) v = 255 - 30 * i
      }
      if (int(x / 32) % 2 == int(y / 32) % 2 && y > 650) v = 20
      printf "%c", int(v)
    }
}' >"$out/picture.pgm"
step "An image blurred (separable gaussian, sigma 3)" \
  "$clconv" conv2d "$out/picture.pgm" gaussian:3 -o "$out/blurred.png" -v
step "Its vertical edges (Sobel, rescaled to the full range)" \
  "$clconv" conv2d "$out/picture.pgm" sobel-x -o "$out/edges.png" --normalize
echo
echo "wrote $out/picture.pgm (input), $out/blurred.png and $out/edges.png"
