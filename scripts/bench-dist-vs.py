#!/usr/bin/env python3
"""Distribution sums, clconv against the Python ways, in one run on one machine.

Each job is timed for `clconv dist` as a whole process (device set-up, reading,
the sum, writing the .npy; best of --runs) and, in this process, for NumPy
(one numpy.convolve per variable, or shifted adds for the 2-D job), SciPy
(signal.fftconvolve by repeated squaring, or pairwise for different
variables), scipy.stats.poisson_binom (SciPy 1.15+) and icepool (dice only),
each where it applies and finishes in reasonable time. Accuracy is the largest
relative error over every probability above 1e-290 against a reference
computed here: exact for the dice and the multinomial (Python integers), long
double pairwise sums for the Poisson-binomial, and the Gamma job's single
value from README's accuracy section (inclusion-exclusion, 60 digits). Speed figures are only
comparable within one run: the machine is shared.

Usage: scripts/bench-dist-vs.py [--clconv build/clconv] [--runs 2] [--jobs dice,pb,multi,gamma]
Run it with a Python that has NumPy and SciPy (scripts/bench-dist.sh makes
build/bench-venv with SciPy 1.15+ and icepool when asked to).
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.signal
import scipy.stats

FLOOR = 1e-290


def max_rel(got, want):
    """Largest relative error over the reference's entries above FLOOR."""
    got = np.asarray(got, dtype=np.longdouble).ravel()
    want = np.asarray(want, dtype=np.longdouble).ravel()
    m = want > FLOOR
    return float(np.max(np.abs(got[m] - want[m]) / want[m]))


def clock(fn):
    t = time.perf_counter()
    r = fn()
    return r, time.perf_counter() - t


def clconv_run(args, cmd, out):
    """Best wall time of `clconv dist CMD -o out` over args.runs runs, and the result."""
    best = math.inf
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([args.clconv, "dist", *cmd, "-o", out], check=True,
                       stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return np.load(out), best


def square_power(p, n, conv):
    """p's n-fold sum by binary powering with conv."""
    acc, sq = None, p
    while n:
        if n & 1:
            acc = sq if acc is None else conv(acc, sq)
        n >>= 1
        if n:
            sq = conv(sq, sq)
    return acc


def fft(a, b):
    return scipy.signal.fftconvolve(a, b)


def pairwise(rows, conv):
    rows = list(rows)
    while len(rows) > 1:
        nxt = [conv(rows[i], rows[i + 1]) for i in range(0, len(rows) - 1, 2)]
        if len(rows) % 2:
            nxt.append(rows[-1])
        rows = nxt
    return rows[0]


def job_dice(args, work, rows):
    n = args.dice
    # Exact: the coefficients of (x + ... + x^6)^n in Python integers.
    c = [1]
    for _ in range(n):
        s = [0] * (len(c) + 5)
        run = 0
        for i in range(len(s)):
            run += c[i] if i < len(c) else 0
            run -= c[i - 6] if i >= 6 and i - 6 < len(c) else 0
            s[i] = run
        c = s
    total = 6 ** n
    exact = np.array([x / total for x in c])
    name = f"{n} fair d6"
    got, t = clconv_run(args, [f"{n}d6"], f"{work}/dice.npy")
    rows.append((name, "clconv dist (process)", t, max_rel(got, exact)))
    p = np.full(6, 1 / 6)
    got, t = clock(lambda: pairwise_numpy_repeat(p, n))
    rows.append((name, "NumPy convolve x n", t, max_rel(got, exact)))
    got, t = clock(lambda: square_power(p, n, fft))
    rows.append((name, "SciPy fftconvolve, squaring", t, max_rel(np.maximum(got, 0), exact)))
    if args.icepool:
        import icepool
        got, t = clock(lambda: icepool_dice(icepool, n))
        rows.append((name, f"icepool {icepool.__version__}", t, max_rel(got, exact)))


def pairwise_numpy_repeat(p, n):
    r = np.ones(1)
    for _ in range(n):
        r = np.convolve(r, p)
    return r


def icepool_dice(icepool, n):
    # icepool sums n dice by recursion, one level per die.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * n + 1000))
    d = n @ icepool.d6
    outs = list(d.outcomes())
    den = d.denominator()
    return np.array([d.quantity(o) / den for o in range(outs[0], outs[-1] + 1)])


def job_pb(args, work, rows):
    n = args.bernoulli
    q = np.random.default_rng(1).random(n)
    np.save(f"{work}/bern.npy", np.stack([1 - q, q], axis=1))
    # Reference: pairwise sums in long double (64-bit significands, range to
    # 1e-4951), as scripts/bench-dist.sh; exact integers would be 2^(53 n)
    # wide here.
    exact = pairwise([np.array([1 - x, x], dtype=np.longdouble) for x in q], np.convolve)
    name = f"Poisson-binomial of {n}"
    got, t = clconv_run(args, ["--rows", f"{work}/bern.npy"], f"{work}/pb.npy")
    rows.append((name, "clconv dist (process)", t, max_rel(got, exact)))
    bern = [np.array([1 - x, x]) for x in q]
    got, t = clock(lambda: numpy_chain(bern))
    rows.append((name, "NumPy convolve x n", t, max_rel(got, exact)))
    got, t = clock(lambda: pairwise(bern, fft))
    rows.append((name, "SciPy fftconvolve, pairwise", t, max_rel(np.maximum(got, 0), exact)))
    if hasattr(scipy.stats, "poisson_binom"):
        ks = np.arange(n + 1)
        got, t = clock(lambda: scipy.stats.poisson_binom(q).pmf(ks))
        rows.append((name, f"scipy.stats.poisson_binom ({scipy.__version__})", t,
                     max_rel(got, exact)))


def numpy_chain(vs):
    r = np.ones(1)
    for v in vs:
        r = np.convolve(r, v)
    return r


def job_multi(args, work, rows):
    n = args.multi
    # One variable: (1, 0) with 0.2, (0, 1) with 0.3, (0, 0) with 0.5; the
    # sum of n is the multinomial (a, b, n - a - b).
    cell = np.array([[0.5, 0.3], [0.2, 0.0]])
    np.save(f"{work}/cell.npy", cell)
    fact = [1]
    for i in range(1, n + 1):
        fact.append(fact[-1] * i)
    den = 10 ** n
    exact = np.zeros((n + 1, n + 1))
    for a in range(n + 1):
        for b in range(n + 1 - a):
            c = n - a - b
            num = fact[n] * 2 ** a * 3 ** b * 5 ** c
            exact[a, b] = num / (fact[a] * fact[b] * fact[c] * den)
    name = f"multinomial {n} x (0.2, 0.3, 0.5), 2-D"
    got, t = clconv_run(args, [f"{work}/cell.npy", "--times", str(n)], f"{work}/multi.npy")
    rows.append((name, "clconv dist (process)", t, max_rel(got, exact)))

    def numpy_steps():
        r = np.ones((1, 1))
        for _ in range(n):
            s = np.zeros((r.shape[0] + 1, r.shape[1] + 1))
            s[:-1, :-1] += 0.5 * r
            s[:-1, 1:] += 0.3 * r
            s[1:, :-1] += 0.2 * r
            r = s
        return r
    got, t = clock(numpy_steps)
    rows.append((name, "NumPy shifted adds x n", t, max_rel(got, exact)))
    got, t = clock(lambda: square_power(cell, n, fft))
    rows.append((name, "SciPy fftconvolve, squaring", t, max_rel(np.maximum(got, 0), exact)))


def job_gamma(args, work, rows):
    # README's accuracy section: the exact sf(200) of the discretised sum.
    exact = 1.8438995437900862e-15
    h = 0.001
    p = np.exp(-(np.arange(50000) + 0.5) * h)
    np.savetxt(f"{work}/exp.csv", p[None, :], delimiter=",", fmt="%.17g")
    name = "100 Exp(1) at step 0.001, sf(200)"
    t0 = time.perf_counter()
    r = subprocess.run([args.clconv, "dist", f"0.0005:{work}/exp.csv", "--times", "100",
                        "--density", "0.001", "--rule", "midpoint", "--format", "csv"],
                       check=True, capture_output=True, text=True)
    t = time.perf_counter() - t0
    sf = None
    for line in r.stdout.splitlines()[1:]:
        f = line.split(",")
        if abs(float(f[0]) - 200) < 1e-7:
            sf = float(f[3])
            break
    rows.append((name, "clconv dist (process, CSV out)", t, abs(sf - exact) / exact))

    def scipy_sf():
        m = p / p.sum()
        s = square_power(m, 100, fft)
        # Values 0.05 + 0.001 k; sf at value 200 (k = 199950) counts half its cell.
        k = 199950
        return s[k + 1:].sum() + s[k] / 2
    got, t = clock(scipy_sf)
    rows.append((name, "SciPy fftconvolve, squaring", t, abs(got - exact) / exact))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clconv", default="build/clconv")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--dice", type=int, default=1000)
    ap.add_argument("--bernoulli", type=int, default=10000)
    ap.add_argument("--multi", type=int, default=1000)
    ap.add_argument("--jobs", default="dice,pb,multi,gamma")
    ap.add_argument("--no-icepool", dest="icepool", action="store_false")
    args = ap.parse_args()
    if args.icepool:
        try:
            import icepool  # noqa: F401
        except ImportError:
            args.icepool = False
    jobs = {"dice": job_dice, "pb": job_pb, "multi": job_multi, "gamma": job_gamma}
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for j in args.jobs.split(","):
            jobs[j](args, work, rows)
            print(f"# {j} done, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print(f"# NumPy {np.__version__}, SciPy {scipy.__version__}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| job | how | seconds | max relative error, entries > 1e-290 |")
    print("|---|---|---|---|")
    for name, how, t, err in rows:
        print(f"| {name} | {how} | {t:.3g} | {err:.2g} |")


if __name__ == "__main__":
    main()
