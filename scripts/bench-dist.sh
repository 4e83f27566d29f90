#!/bin/sh
# Benchmark of distribution sums: the distribution of the sum of 10^4 copies
# of a loaded die, and a Poisson-binomial of 10^5 different Bernoulli variables,
# each computed by `clconv dist` (timed as a whole process: device set-up,
# reading, the sum, writing the .npy) and by NumPy the plain way, one
# numpy.convolve per variable (timed as the loop alone), in the same run on
# the same inputs. Accuracy: the largest relative error of every probability
# above 1e-290 against a long double (80-bit) reference computed here too.
# A benchmark, not a test: it needs NumPy and takes about a minute, most of
# it in NumPy and in the reference.
#
# Usage: scripts/bench-dist.sh [PATH/TO/clconv] [DICE] [BERNOULLI]
#   defaults: build/clconv, 10000 and 100000; PYTHON (default
#   /usr/bin/python3) and CLCONV_DEVICE are honoured.
#        scripts/bench-dist.sh --vs [ARGS...]
#   the table against NumPy, SciPy (fftconvolve, stats.poisson_binom) and
#   icepool: scripts/bench-dist-vs.py with ARGS, in build/bench-venv, which is
#   made on first use with the versions below from PyPI (SciPy 1.15 or later
#   has poisson_binom; Debian's 1.10 does not).
set -eu

if [ "${1:-}" = --vs ]; then
    shift
    venv=build/bench-venv
    if [ ! -x "$venv/bin/python" ] ||
        ! "$venv/bin/python" -c 'import scipy.stats, icepool; scipy.stats.poisson_binom' 2>/dev/null
    then
        /usr/bin/python3 -m venv "$venv"
        "$venv/bin/pip" install -q "numpy==2.4.6" "scipy==1.17.1" "icepool==2.1.3"
    fi
    echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; flags:" \
        "$(lscpu | sed -n 's/^Flags: *//p' | tr ' ' '\n' | grep -E '^(avx2|avx512f|fma)$' | tr '\n' ' ')"
    exec "$venv/bin/python" "$(dirname "$0")/bench-dist-vs.py" "$@"
fi

CLCONV=${1:-build/clconv}
DICE=${2:-10000}
BERNOULLI=${3:-100000}
PYTHON=${PYTHON:-/usr/bin/python3}
RUNS=3

if ! "$PYTHON" -c 'import numpy' 2>/dev/null; then
    echo "bench-dist: $PYTHON lacks numpy (apt-get install python3-numpy)" >&2
    exit 1
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/clconv-bench-dist.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

DIE=0.1,0.2,0.3,0.1,0.2,0.1
"$PYTHON" - "$WORK" "$BERNOULLI" <<'PY'
import sys
import numpy as np
work, n = sys.argv[1], int(sys.argv[2])
q = np.random.default_rng(1).random(n)
np.save(f"{work}/bernoulli.npy", np.stack([1 - q, q], axis=1))
PY

# Best of RUNS wall-clock runs of a command, in seconds. The first clconv run
# may compile kernels; later ones load them from the disk cache, as every run
# after the first on a machine does.
best_of() {
    "$PYTHON" - "$RUNS" "$@" <<'PY'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
best = float("inf")
for _ in range(runs):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - t)
print(f"{best:.4f}")
PY
}

echo "device: $("$CLCONV" devices |
    awk '/\(default\)/ { d = 1 } d && $1 == "name" { sub(/^ *name */, ""); print; exit }')"
T_DICE=$(best_of "$CLCONV" dist "1:$DIE" --times "$DICE" -o "$WORK/dice.npy")
T_BERN=$(best_of "$CLCONV" dist --rows "$WORK/bernoulli.npy" -o "$WORK/bernoulli_sum.npy")

"$PYTHON" - "$WORK" "$DICE" "$DIE" "$T_DICE" "$T_BERN" <<'PY'
import sys, time
import numpy as np

work, dice, die, t_dice, t_bern = sys.argv[1], int(sys.argv[2]), sys.argv[3], *map(float, sys.argv[4:])
FLOOR = 1e-290


def numpy_sum(variables):
    """The plain way: one numpy.convolve per variable, timed alone."""
    t = time.perf_counter()
    r = np.ones(1)
    for v in variables:
        r = np.convolve(r, v)
    return r, time.perf_counter() - t


def reference(variables):
    """Pairwise sums in long double: 64-bit significands, and a range far
    below float64's, so tails that underflow float64 stay exact here."""
    rows = [np.asarray(v, dtype=np.longdouble) for v in variables]
    while len(rows) > 1:
        nxt = [np.convolve(rows[i], rows[i + 1]) for i in range(0, len(rows) - 1, 2)]
        rows = nxt + rows[len(nxt) * 2:]
    return rows[0]


def error(got, ref):
    """Largest relative error over the entries whose exact value is above
    FLOOR, with their count and the smallest of them."""
    mask = ref > FLOOR
    rel = np.abs((got[mask].astype(np.longdouble) - ref[mask]) / ref[mask])
    return float(rel.max()), int(mask.sum()), float(ref[mask].min())


def report(name, t_clconv, got, t_numpy, npy, ref):
    e_c, n, smallest = error(got, ref)
    e_n, _, _ = error(npy, ref)
    print(f"{name}: {n} probabilities above {FLOOR:g} (the smallest {smallest:.3g}) checked")
    print(f"  clconv dist  {t_clconv * 1e3:9.1f} ms (whole process)   max relative error {e_c:.2e}")
    print(f"  numpy        {t_numpy * 1e3:9.1f} ms (convolve loop)    max relative error {e_n:.2e}")
    print(f"  clconv is {t_numpy / t_clconv:.1f}x faster")


d = np.array([float(x) for x in die.split(",")])
npy, t_np = numpy_sum([d] * dice)
report(f"{dice} loaded dice {die}", t_dice, np.load(f"{work}/dice.npy"), t_np, npy,
       reference([d] * dice))

rows = np.load(f"{work}/bernoulli.npy")
npy, t_np = numpy_sum(rows)
report(f"Poisson-binomial of {len(rows)} Bernoulli variables", t_bern,
       np.load(f"{work}/bernoulli_sum.npy"), t_np, npy, reference(rows))
PY
