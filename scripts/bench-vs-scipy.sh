#!/bin/sh
# Whole-process comparisons against SciPy: each case runs `clconv` as a
# whole process on .npy files against the SciPy function as a whole Python
# process on the same files, each reading its inputs and writing its result.
#   direct2d  a 4096x4096 float32 image with a 3x3 kernel, 'same' size with
#             zeros outside, against scipy.ndimage.convolve
#   fft1d     a float32 signal of 2^24 samples with a kernel of 2^16 taps,
#             full mode, against scipy.signal.oaconvolve
#   fft2d     a 2048x2048 float32 image with a 31x31 kernel, same mode,
#             against scipy.signal.fftconvolve
# The results are checked against each other first, to 2e-5 of the largest
# entry of conv(|x|, |h|) (float32 rounding of either). A benchmark, not a
# test: it needs NumPy and SciPy (apt: python3-scipy) and uses hyperfine when
# it is installed (apt: hyperfine), else a timing loop.
#
# Usage: scripts/bench-vs-scipy.sh [PATH/TO/clconv] [CASE|all]
#   defaults: build/clconv and all; PYTHON (default /usr/bin/python3) and
#   CLCONV_DEVICE are honoured.
set -eu

CLCONV=${1:-build/clconv}
CASES=${2:-all}
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS=10
[ "$CASES" = all ] && CASES="direct2d fft1d fft2d"

if ! "$PYTHON" -c 'import numpy, scipy.ndimage, scipy.signal' 2>/dev/null; then
    echo "bench-vs-scipy: $PYTHON lacks numpy or scipy (apt-get install python3-scipy)" >&2
    exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clconv-vs-scipy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# Median wall time of RUNS runs, in milliseconds (without hyperfine).
median_ms() {
    i=0
    while [ $i -lt "$RUNS" ]; do
        start=$(date +%s%N)
        sh -c "$1" >/dev/null
        end=$(date +%s%N)
        echo $(((end - start) / 1000000))
        i=$((i + 1))
    done | sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

for CASE in $CASES; do
    case $CASE in
    direct2d)
        SHAPES="(4096, 4096) (3, 3)"
        # mode='constant' pads with zeros, as clconv's 'same' mode does; for
        # an odd kernel both centre it the same way.
        CALL="__import__('scipy.ndimage').ndimage.convolve(x, h, mode='constant')"
        ARGS="conv2d --mode same" ;;
    fft1d)
        SHAPES="(1 << 24,) (1 << 16,)"
        CALL="__import__('scipy.signal').signal.oaconvolve(x, h)"
        ARGS="conv1d --mode full" ;;
    fft2d)
        SHAPES="(2048, 2048) (31, 31)"
        CALL="__import__('scipy.signal').signal.fftconvolve(x, h, mode='same')"
        ARGS="conv2d --mode same" ;;
    *)
        echo "bench-vs-scipy: unknown case '$CASE' (direct2d, fft1d, fft2d or all)" >&2
        exit 2 ;;
    esac
    "$PYTHON" -c "
import numpy as np
rng = np.random.default_rng(1)
x, h = [rng.standard_normal(s, dtype=np.float32) for s in ($(echo "$SHAPES" | sed 's/) (/), (/'))]
np.save('$WORK/x.npy', x)
np.save('$WORK/h.npy', h)
"
    SCIPY="$PYTHON -c \"import numpy as np; x, h = np.load('$WORK/x.npy'), \
np.load('$WORK/h.npy'); np.save('$WORK/scipy.npy', $CALL)\""
    CLCONV_RUN="$CLCONV ${ARGS%% *} $WORK/x.npy $WORK/h.npy -o $WORK/clconv.npy ${ARGS#* }"

    echo "== $CASE: clconv ${ARGS%% *} against $CALL"
    # The first clconv run may compile kernels and make FFT plans; later runs
    # load them from the disk cache, as every run after the first does.
    sh -c "$CLCONV_RUN"
    sh -c "$SCIPY"
    "$PYTHON" - "$WORK" <<'PY'
import sys
import numpy as np
import scipy.signal
work = sys.argv[1]
a, b = np.load(f"{work}/clconv.npy"), np.load(f"{work}/scipy.npy")
x, h = np.load(f"{work}/x.npy"), np.load(f"{work}/h.npy")
scale = float(np.max(scipy.signal.fftconvolve(np.abs(x).astype(np.float64),
                                              np.abs(h).astype(np.float64))))
err = float(np.max(np.abs(a.astype(np.float64) - b))) if a.shape == b.shape else np.inf
print(f"results agree: max |clconv - scipy| = {err:.3g}, {err / scale:.2g} of max conv(|x|,|h|)")
if err > 2e-5 * scale:
    sys.exit("bench-vs-scipy: results differ")
PY

    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --warmup 2 --runs "$RUNS" --export-json "$WORK/times.json" \
            -n clconv "$CLCONV_RUN" -n scipy "$SCIPY"
        "$PYTHON" -c "
import json
r = {x['command']: x['median'] * 1e3 for x in json.load(open('$WORK/times.json'))['results']}
print(f\"medians: clconv {r['clconv']:.0f} ms, scipy {r['scipy']:.0f} ms, \"
      f\"scipy / clconv = {r['scipy'] / r['clconv']:.2f}\")
"
    else
        echo "clconv: median $(median_ms "$CLCONV_RUN") ms over $RUNS runs"
        echo "scipy:  median $(median_ms "$SCIPY") ms over $RUNS runs"
    fi
done
