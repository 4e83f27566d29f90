#!/usr/bin/env python3
"""clconv in-process against scipy.signal, scipy.ndimage and OpenCV, float32,
in one process and one run, and the cost of the Python layer over the C call.

Run with the Python that has the package (scripts/test.sh builds it):
    build/python-venv/bin/python scripts/bench-python.py [--reps N] [--quick]

clconv runs once untimed (compiling its kernels); then each contender runs once
to warm up, then is timed --reps times interleaved with the others, each round
starting one contender further on, and the median is shown.
A contender whose warm-up takes over --slow seconds is timed that once only
(marked *). The Python layer's overhead is measured by alternating the public
function with the bare ctypes call it makes on the same arrays, into an output
allocated once and reused, as a C caller can: the public function returns a
new array each time, whose memory it takes from results already gone
(clconv/_outputs.py), and must stay within 5% or 0.2 ms of it, whichever is
larger. The two alternate, each first in every other round; what the layer
adds is the median over rounds of the public call's time minus the bare
call's in the same round. The fresh-output call is timed on its own after
them. The ctypes call into a fresh np.empty output is shown beside them: the
page faults of never-touched memory that the pool saves.
"""
from __future__ import annotations

import argparse
import ctypes
import statistics
import sys
import time

import numpy as np
import scipy.ndimage as nd
import scipy.signal as ss

import clconv
from clconv import _lib

try:
    import cv2
except ImportError:  # pragma: no cover - reported in the table
    cv2 = None


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_case(name, contenders, reps, slow):
    """contenders: list of (label, callable or a string saying why skipped)."""
    times = {}
    for label, fn in contenders:
        if isinstance(fn, str):
            times[label] = fn
            continue
        if label == "clconv":
            fn()  # compiles the kernels (and FFT plans) this case needs, untimed
        t = timed(fn)
        times[label] = [t] if t > slow else []
    # Each round starts one contender further on, so that none always runs
    # right after the same other one: a short call on both cores ran slower
    # right after SciPy's long single-threaded ones (clconv's 2048^2 5x5
    # call 4.8 ms after 80 ms of single-threaded work, 3.2 back to back,
    # before it pinned POCL's worker threads; any threaded library's first
    # call after a pause may pay for its threads' waking).
    for rep in range(reps):
        k = rep % len(contenders)
        for label, fn in contenders[k:] + contenders[:k]:
            if isinstance(fn, str) or (len(times[label]) == 1 and times[label][0] > slow):
                continue
            times[label].append(timed(fn))
    row = [name]
    base = statistics.median(times["clconv"]) if not isinstance(times["clconv"], str) else None
    for label, _ in contenders:
        t = times[label]
        if isinstance(t, str):
            row.append(t)
            continue
        med = statistics.median(t)
        star = "*" if len(t) == 1 else ""
        cell = f"{med * 1e3:.1f}{star}"
        if label != "clconv" and base:
            cell += f" ({med / base:.1f}x)"
        row.append(cell)
    print("| " + " | ".join(row) + " |", flush=True)


def conv2d_cases(rng, reps, slow, quick):
    print("\n### 2-D, float32, mode 'same' (zero boundary), milliseconds (median); "
          "(Nx) = time / clconv's\n")
    print("| case | clconv | scipy.signal.convolve | scipy.ndimage.convolve | cv2.filter2D |")
    print("|---|---|---|---|---|")
    sizes = [(4096, 3), (2048, 5), (2048, 15), (2048, 31)]
    if quick:
        sizes = [(1024, 3), (512, 15)]
    for n, k in sizes:
        a = rng.standard_normal((n, n)).astype(np.float32)
        h = rng.standard_normal((k, k)).astype(np.float32)
        hf = np.ascontiguousarray(h[::-1, ::-1])
        cv = "OpenCV not installed (apt-get install python3-opencv)"
        if cv2 is not None:
            cv = lambda: cv2.filter2D(a, -1, hf, borderType=cv2.BORDER_CONSTANT)  # noqa: E731
        bench_case(f"{n}² * {k}x{k}", [
            ("clconv", lambda: clconv.convolve2d(a, h, "same")),
            ("scipy.signal", lambda: ss.convolve(a, h, "same")),
            ("scipy.ndimage", lambda: nd.convolve(a, h, mode="constant")),
            ("cv2", cv)], reps, slow)


def conv1d_cases(rng, reps, slow, quick):
    print("\n### 1-D, float32, mode 'same', milliseconds (median)\n")
    print("| case | clconv | scipy.signal.convolve | scipy.ndimage.convolve1d | cv2.filter2D |")
    print("|---|---|---|---|---|")
    sizes = [(22, 10), (24, 16)] if not quick else [(18, 8), (20, 12)]
    for ln, lk in sizes:
        a = rng.standard_normal(1 << ln).astype(np.float32)
        h = rng.standard_normal(1 << lk).astype(np.float32)
        direct_macs = float(1 << ln) * float(1 << lk)
        ndi = lambda: nd.convolve1d(a, h, mode="constant")  # noqa: E731
        if direct_macs > 2 ** 34:
            ndi = f"skipped: direct, {direct_macs:.1e} multiply-adds"
        cv = "OpenCV not installed"
        if cv2 is not None:
            a2, hf = a.reshape(1, -1), np.ascontiguousarray(h[::-1]).reshape(1, -1)
            cv = lambda: cv2.filter2D(a2, -1, hf, borderType=cv2.BORDER_CONSTANT)  # noqa: E731
        bench_case(f"2^{ln} * 2^{lk} taps", [
            ("clconv", lambda: clconv.convolve(a, h, "same")),
            ("scipy.signal", lambda: ss.convolve(a, h, "same")),
            ("scipy.ndimage", ndi),
            ("cv2", cv)], reps, slow)


def complex_cases(rng, reps, slow, quick):
    """complex64 1-D convolution: scipy.signal.fftconvolve and oaconvolve
    are the fast SciPy paths for long complex signals."""
    print("\n### 1-D, complex64 signal and kernel, mode 'same', milliseconds (median)\n")
    print("| case | clconv | scipy.signal.fftconvolve | scipy.signal.oaconvolve |")
    print("|---|---|---|---|")
    sizes = [(22, 10), (22, 16)] if not quick else [(18, 8), (18, 12)]
    for ln, lk in sizes:
        a = (rng.standard_normal(1 << ln) + 1j * rng.standard_normal(1 << ln)).astype(np.complex64)
        h = (rng.standard_normal(1 << lk) + 1j * rng.standard_normal(1 << lk)).astype(np.complex64)
        got, want = clconv.convolve(a, h, "same"), ss.fftconvolve(a, h, "same")
        err = float(np.max(np.abs(got - want)) / np.max(np.abs(want)))
        bench_case(f"2^{ln} * 2^{lk} taps (error / max vs fftconvolve: {err:.1e})", [
            ("clconv", lambda: clconv.convolve(a, h, "same")),
            ("scipy.fftconvolve", lambda: ss.fftconvolve(a, h, "same")),
            ("scipy.oaconvolve", lambda: ss.oaconvolve(a, h, "same"))], reps, slow)


def uint8_case(rng, reps, slow, quick):
    """A uint8 image with a float32 kernel: clconv hands the bytes to the
    device as they are; SciPy computes in float32 after converting."""
    n = 1024 if quick else 4096
    print(f"\n### 2-D, uint8 {n}² image, float32 5x5 kernel, mode 'same', float32 result, "
          "milliseconds (median)\n")
    print("| case | clconv | scipy.signal.convolve | scipy.ndimage.convolve (float32 out) |")
    print("|---|---|---|---|")
    a = rng.integers(0, 256, (n, n)).astype(np.uint8)
    h = rng.standard_normal((5, 5)).astype(np.float32)
    bench_case(f"{n}² uint8 * 5x5", [
        ("clconv", lambda: clconv.convolve(a, h, "same")),
        ("scipy.signal", lambda: ss.convolve(a, h, "same")),
        ("scipy.ndimage", lambda: nd.convolve(a, h, output=np.float32, mode="constant"))],
        reps, slow)


def gaussian_case(rng, reps, slow, quick):
    n = 1024 if quick else 4096
    print(f"\n### gaussian_filter, sigma 3, {n}², float32, milliseconds (median)\n")
    a = rng.standard_normal((n, n)).astype(np.float32)
    r = int(4.0 * 3 + 0.5)
    print("| mode | clconv.ndimage | scipy.ndimage | cv2.GaussianBlur | cv2.filter2D |")
    print("|---|---|---|---|---|")
    # OpenCV's BORDER_REFLECT (fedcba|abcdefgh) is ndimage's 'reflect' and
    # BORDER_CONSTANT its 'constant' with cval 0; filter2D gets the Gaussian
    # as a full (2r+1)² kernel, which OpenCV convolves by DFT at this size.
    g = np.exp(-0.5 * np.arange(-r, r + 1) ** 2 / 9.0)
    g2 = np.outer(g, g).astype(np.float32)
    g2 /= g2.sum()
    for mode, border in [("reflect", "BORDER_REFLECT"), ("constant", "BORDER_CONSTANT")]:
        err = np.max(np.abs(clconv.ndimage.gaussian_filter(a, 3.0, mode=mode)
                            - nd.gaussian_filter(a.astype(np.float64), 3.0, mode=mode)))
        blur = filt = "OpenCV not installed"
        if cv2 is not None:
            b = getattr(cv2, border)
            blur = lambda b=b: cv2.GaussianBlur(a, (2 * r + 1, 2 * r + 1), 3,  # noqa: E731
                                                borderType=b)
            filt = lambda b=b: cv2.filter2D(a, -1, g2, borderType=b)  # noqa: E731
        bench_case(f"'{mode}' (radius {r}; clconv - scipy float64: {err:.1e})", [
            ("clconv", lambda m=mode: clconv.ndimage.gaussian_filter(a, 3.0, mode=m)),
            ("scipy.ndimage", lambda m=mode: nd.gaussian_filter(a, 3.0, mode=m)),
            ("cv2.GaussianBlur", blur), ("cv2.filter2D", filt)], reps, slow)


def overhead(rng, reps):
    """The public function against the bare ctypes call it ends in: once
    into an output allocated beforehand (reused), once into a fresh np.empty
    (as the public function allocates each result the caller then owns)."""
    print("\n### The Python layer: public function against the bare ctypes call, "
          "milliseconds (median of interleaved runs)\n")
    print("| call | ctypes, output reused | ctypes, fresh np.empty output | public function | "
          "added over reused (median of rounds) | limit | within |")
    print("|---|---|---|---|---|---|---|")
    rt = clconv.default_runtime()
    ok = True
    cases = [("convolve2d 256² * 3x3", (256, 256), (3, 3)),
             ("convolve2d 4096² * 3x3", (4096, 4096), (3, 3)),
             ("convolve 2^16 * 64", (1 << 16,), (64,)),
             ("convolve 2^22 * 1024", (1 << 22,), (1024,))]
    for name, sa, sh in cases:
        a = rng.standard_normal(sa).astype(np.float32)
        h = rng.standard_normal(sh).astype(np.float32)
        oshape = tuple(x + y - 1 for x, y in zip(sa, sh))
        reused = np.empty(oshape, np.float32)
        handle = rt.handle

        def raw(out):
            opts = _lib.ConvOptions(0, 0, 0, 0)
            if len(sa) == 2:
                st = _lib.lib.clconv_conv2d_host(handle, 0, a.ctypes.data, sa[0], sa[1], 1,
                                                 h.ctypes.data, sh[0], sh[1], out.ctypes.data,
                                                 ctypes.byref(opts))
            else:
                st = _lib.lib.clconv_conv1d_host(handle, 0, a.ctypes.data, sa[0], 1,
                                                 h.ctypes.data, sh[0], out.ctypes.data,
                                                 ctypes.byref(opts))
            assert st == 0
            return out

        fns = [lambda: raw(reused), lambda: raw(np.empty(oshape, np.float32)),
               (lambda: clconv.convolve2d(a, h)) if len(sa) == 2 else
               (lambda: clconv.convolve(a, h))]
        for f in fns:
            f()
        n = max(reps, 5) * (20 if a.size < 1e6 else 9)
        ts = [[], [], []]
        for it in range(n):
            # The bare call and the public one, each first in every other round.
            for k in ((0, 2) if it % 2 == 0 else (2, 0)):
                ts[k].append(timed(fns[k]))
        # The fresh output apart: the call after one starts with the caches and
        # TLB that its unmapping left cold, and in a rotation of the three the
        # same call always follows it.
        for it in range(n):
            ts[1].append(timed(fns[1]))
        mr, mf, mp = (statistics.median(t) for t in ts)
        # What the layer adds: the median of each round's difference, which
        # the machine's drift from minute to minute (up to 1.5x in the C
        # call's time here) leaves out, where a difference of medians of
        # calls minutes apart keeps it.
        added = statistics.median(p - r for p, r in zip(ts[2], ts[0]))
        limit = max(0.05 * mr, 0.2e-3)
        within = added <= limit
        ok &= within
        print(f"| {name} | {mr * 1e3:.3f} | {mf * 1e3:.3f} | {mp * 1e3:.3f} | "
              f"{added * 1e3:+.3f} | {limit * 1e3:.3f} | {'yes' if within else 'NO'} |",
              flush=True)
    return ok


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=5, help="timed runs per contender (5)")
    p.add_argument("--slow", type=float, default=3.0,
                   help="seconds above which a warm-up is the only run (3)")
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    p.add_argument("--only", choices=["conv2d", "conv1d", "complex", "uint8", "gaussian",
                                      "overhead"])
    args = p.parse_args()
    rng = np.random.default_rng(0)
    dev = clconv.default_runtime().device
    print(f"clconv {clconv.__version__} on {dev.name} ({dev.platform}, {dev.compute_units} "
          f"compute units); NumPy {np.__version__}, SciPy {__import__('scipy').__version__}, "
          f"OpenCV {cv2.__version__ if cv2 else 'absent'}"
          f"{f' ({cv2.getNumThreads()} threads)' if cv2 else ''}; * = one run (slow)")
    if args.only in (None, "conv2d"):
        conv2d_cases(rng, args.reps, args.slow, args.quick)
    if args.only in (None, "conv1d"):
        conv1d_cases(rng, args.reps, args.slow, args.quick)
    if args.only in (None, "complex"):
        complex_cases(rng, args.reps, args.slow, args.quick)
    if args.only in (None, "uint8"):
        uint8_case(rng, args.reps, args.slow, args.quick)
    if args.only in (None, "gaussian"):
        gaussian_case(rng, args.reps, args.slow, args.quick)
    ok = True
    if args.only in (None, "overhead"):
        ok = overhead(rng, args.reps)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
