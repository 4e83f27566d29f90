#!/bin/sh
# Issue 2's whole-process goal: a 4096x4096 float32 image convolved with a
# 3x3 kernel ('same' size, zeros outside), as a whole `clconv conv2d` process
# on .npy files against scipy.ndimage.convolve as a whole Python process on
# the same files, each reading its inputs and writing its result. A benchmark,
# not a test: it needs NumPy and SciPy (apt: python3-scipy) and uses hyperfine
# when it is installed (apt: hyperfine), else a timing loop.
#
# Usage: scripts/bench-vs-scipy.sh [PATH/TO/clconv] [SIZE]
#   defaults: build/clconv and 4096; PYTHON (default /usr/bin/python3) and
#   CLCONV_DEVICE are honoured.
set -eu

CLCONV=${1:-build/clconv}
SIZE=${2:-4096}
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS=10

if ! "$PYTHON" -c 'import numpy, scipy.ndimage' 2>/dev/null; then
    echo "bench-vs-scipy: $PYTHON lacks numpy or scipy (apt-get install python3-scipy)" >&2
    exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clconv-vs-scipy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

"$PYTHON" - "$WORK" "$SIZE" <<'PY'
import sys
import numpy as np
work, size = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
np.save(f"{work}/image.npy", rng.standard_normal((size, size), dtype=np.float32))
np.save(f"{work}/kernel.npy", rng.standard_normal((3, 3), dtype=np.float32))
PY

# mode='constant' pads with zeros, as clconv's 'same' mode does; for an odd
# kernel both centre it the same way.
SCIPY="$PYTHON -c \"import numpy as np, scipy.ndimage as nd; \
np.save('$WORK/scipy.npy', nd.convolve(np.load('$WORK/image.npy'), \
np.load('$WORK/kernel.npy'), mode='constant'))\""
CLCONV_RUN="$CLCONV conv2d $WORK/image.npy $WORK/kernel.npy -o $WORK/clconv.npy --mode same"

# The first clconv run may compile kernels; later runs load them from the
# disk cache, as every run after the first on a machine does.
sh -c "$CLCONV_RUN"
sh -c "$SCIPY"
"$PYTHON" - "$WORK" <<'PY'
import sys
import numpy as np
work = sys.argv[1]
a, b = np.load(f"{work}/clconv.npy"), np.load(f"{work}/scipy.npy")
err = float(np.max(np.abs(a.astype(np.float64) - b)))
scale = float(np.max(np.abs(b)))
print(f"results agree: max |clconv - scipy| = {err:.3g} (largest value {scale:.3g})")
if a.shape != b.shape or err > 1e-5 * scale:
    sys.exit("bench-vs-scipy: results differ")
PY

if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 2 --runs "$RUNS" -n clconv "$CLCONV_RUN" -n scipy "$SCIPY"
    exit 0
fi

# Without hyperfine: median wall time of RUNS runs each, in milliseconds.
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
echo "clconv: median $(median_ms "$CLCONV_RUN") ms over $RUNS runs"
echo "scipy:  median $(median_ms "$SCIPY") ms over $RUNS runs"
