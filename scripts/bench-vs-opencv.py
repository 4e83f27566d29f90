#!/usr/bin/env python3
"""In-process comparison of clconv with OpenCV on the CPU.

clconv runs through ctypes on the shared library (the public C API's host
forms, clconv_conv2d_host and clconv_conv1d_host: host arrays in, host array
out); OpenCV through cv2.filter2D, which correlates, so clconv correlates
too and both get the same kernel. Both read past the image's edges the same
way: OpenCV's default border (BORDER_REFLECT_101) is clconv's mirror
boundary mode (--border zero: BORDER_CONSTANT and clconv's zero padding).
The 1-D case is a full convolution: OpenCV gets the signal already padded
with k - 1 zeros on each side (outside the timing) and the reversed kernel.

Every case first checks that the two results agree (to 1e-5 of the largest
|output|: float32 rounding of either, direct or FFT), then times each side
`--runs` times, alternating clconv and OpenCV so that the load of a shared
machine falls on both alike, and prints medians in milliseconds. Kernels are
random (seeded) unless named otherwise: a dense kernel of rank 1 would let
clconv split it into two 1-D passes, as it does with the Gaussian given as a
dense 19x19 array (against filter2D with that array, then against
sepFilter2D with its 1-D factors). The column 'x r+w' holds clconv's median
over the time to read the input and write the output once at the streaming
copy rate clconv_device_peak measures (what `clconv bench --grid limits`
reports), measured before the cases; the rate after them is printed too.
A last table ("read+write", --rw-rounds) holds conv2d 4096^2 3x3 float32
from host arrays to that figure alone, round by round: the copy rate, then
the convolution, without OpenCV's calls in between.

The uint8 case ("u8 4096^2 3x3") is a table of its own, one run of each
of five ways a round, each round starting one way further on: clconv uint8
in, uint8 out (rounded half to even and saturated, as filter2D's
saturate_cast) from host arrays
(clconv_conv2d_host_typed) and device-resident (clconv_conv2d on uint8
buffers made once, timed to the end of the queue), the same image as float32
both ways, and filter2D uint8 to uint8. Its kernel holds quarters, so the
sums are exact and both libraries must agree to the last bit.

Usage (OpenCV from PyPI, with Intel IPP, in a virtual environment):
  /usr/bin/python3 -m venv --system-site-packages /tmp/cvenv
  /tmp/cvenv/bin/pip install opencv-python-headless
  /tmp/cvenv/bin/python scripts/bench-vs-opencv.py [--lib build/libclconv.so]
      [--runs 7] [--threads 2] [--border mirror|zero] [--method auto|direct|fft]
      [--only NAME[,NAME...]] [--json FILE] [--rw-rounds 11]
Debian's own OpenCV (python3-opencv) runs the same script under /usr/bin/python3.
"""
import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time

import numpy as np
import cv2

F32, U8 = 0, 2
FULL, SAME = 0, 1
METHODS = {"auto": 0, "direct": 1, "fft": 2}
NONE, MIRROR = 0, 3


class ConvOptions(ctypes.Structure):
    _fields_ = [("mode", ctypes.c_int), ("method", ctypes.c_int), ("correlate", ctypes.c_int),
                ("chosen", ctypes.c_int), ("boundary", ctypes.c_int), ("cval", ctypes.c_double),
                ("origin", ctypes.c_int64 * 3)]


def gaussian(sigma):
    r = int(np.ceil(3 * sigma))
    t = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-t * t / (2 * sigma * sigma))
    return g / g.sum()


def cases():
    rng = np.random.default_rng(1)
    rand = lambda *s: rng.standard_normal(s).astype(np.float32)
    out = []
    for n, k in [(4096, 3), (4096, 5), (4096, 9), (2048, 5), (2048, 15), (2048, 31)]:
        out.append(("conv2d %d^2 %dx%d" % (n, k, k), "2d", (n, n), rand(k, k)))
    g = gaussian(3.0)
    dense = np.outer(g, g).astype(np.float32)
    out.append(("gauss3 4096^2 19x19 dense", "2d", (4096, 4096), dense))
    # The same job with OpenCV given the two 1-D factors (sepFilter2D), as
    # its users would run a Gaussian; clconv still gets the dense kernel.
    out.append(("gauss3 ... cv sepFilter2D", "2dsep", (4096, 4096), dense))
    out.append(("conv1d 2^22 1024 full", "1d", (1 << 22,), rand(1024)))
    quarters = (rng.integers(-6, 7, (3, 3)) / 4).astype(np.float32)
    out.append(("u8 4096^2 3x3", "u8", (4096, 4096), quarters))
    return out


class PeakResult(ctypes.Structure):
    _fields_ = [("bandwidth_gbps", ctypes.c_double), ("copy_gbps", ctypes.c_double),
                ("gflops", ctypes.c_double * 2), ("fma_width", ctypes.c_uint * 2),
                ("fma_chains", ctypes.c_uint * 2), ("seconds", ctypes.c_double)]


class Clconv:
    def __init__(self, path, border, method):
        self.lib = ctypes.CDLL(path)
        self.rt = ctypes.c_void_p()
        self.lib.clconv_last_error.restype = ctypes.c_char_p
        self.lib.clconv_method_name.restype = ctypes.c_char_p
        st = self.lib.clconv_runtime_create(ctypes.byref(self.rt), None)
        if st != 0:
            sys.exit("clconv_runtime_create: %d %s" % (st, self.lib.clconv_last_error(None)))
        self.border = border
        self.method = METHODS[method]
        self.chosen = ""

    def _check(self, st):
        if st != 0:
            sys.exit("clconv: %d %s" % (st, self.lib.clconv_last_error(self.rt).decode()))

    @staticmethod
    def _p(a):
        return a.ctypes.data_as(ctypes.c_void_p)

    def conv2d(self, x, h, out):
        o = ConvOptions(mode=SAME, method=self.method, correlate=1,
                        boundary=MIRROR if self.border == "mirror" else NONE)
        self._check(self.lib.clconv_conv2d_host(
            self.rt, F32, self._p(x), ctypes.c_size_t(x.shape[0]), ctypes.c_size_t(x.shape[1]),
            ctypes.c_size_t(1), self._p(h), ctypes.c_size_t(h.shape[0]),
            ctypes.c_size_t(h.shape[1]), self._p(out), ctypes.byref(o)))
        self.chosen = self.lib.clconv_method_name(o.chosen).decode()

    def _options(self):
        return ConvOptions(mode=SAME, method=self.method, correlate=1,
                           boundary=MIRROR if self.border == "mirror" else NONE)

    def conv2d_typed(self, x, in_dtype, h, out, out_dtype):
        """uint8 (or float32) host arrays through clconv_conv2d_host_typed."""
        o = self._options()
        sz = ctypes.c_size_t
        self._check(self.lib.clconv_conv2d_host_typed(
            self.rt, in_dtype, self._p(x), sz(x.shape[0]), sz(x.shape[1]), sz(1), F32,
            self._p(h), sz(h.shape[0]), sz(h.shape[1]), out_dtype, self._p(out), ctypes.byref(o)))
        self.chosen = self.lib.clconv_method_name(o.chosen).decode()

    def buffer(self, dtype, a=None, count=None):
        b = ctypes.c_void_p()
        self._check(self.lib.clconv_buffer_create(
            self.rt, dtype, ctypes.c_size_t(a.size if a is not None else count),
            self._p(a) if a is not None else None, ctypes.byref(b)))
        return b

    def conv2d_device(self, bx, shape, bh, kshape, bo, probe):
        """Device-resident: clconv_conv2d on buffers, then one element read
        back, which waits for the in-order queue to finish the convolution."""
        o = self._options()
        sz = ctypes.c_size_t
        self._check(self.lib.clconv_conv2d(self.rt, bx, sz(shape[0]), sz(shape[1]), sz(1), bh,
                                           sz(kshape[0]), sz(kshape[1]), bo, ctypes.byref(o)))
        self._check(self.lib.clconv_buffer_read(bo, sz(0), sz(1), self._p(probe)))

    def read(self, b, out):
        self._check(self.lib.clconv_buffer_read(b, ctypes.c_size_t(0), ctypes.c_size_t(out.size),
                                                self._p(out)))

    def copy_gbps(self):
        """The device's streaming copy rate, what `clconv bench --grid limits`
        reports: bytes read plus bytes written per second, in GB/s."""
        pk = PeakResult()
        self._check(self.lib.clconv_device_peak(self.rt, ctypes.byref(pk)))
        return pk.copy_gbps

    def conv1d(self, x, h, out):
        o = ConvOptions(mode=FULL, method=self.method, correlate=0)
        self._check(self.lib.clconv_conv1d_host(
            self.rt, F32, self._p(x), ctypes.c_size_t(x.size), ctypes.c_size_t(1), self._p(h),
            ctypes.c_size_t(h.size), self._p(out), ctypes.byref(o)))
        self.chosen = self.lib.clconv_method_name(o.chosen).decode()


def read_write_table(cl, rounds, rng):
    """conv2d 4096^2 3x3 float32 from host arrays against reading and writing
    the image once: each round measures the copy rate (clconv_device_peak),
    then makes five calls, the first untimed (the copy's 512 MiB of buffers
    have just left the caches), and divides the median of the other four by
    the read and write at that round's rate. OpenCV does not run in between:
    its idle workers compete with the library's for the two cores."""
    x = rng.random((4096, 4096), dtype=np.float32)
    h = rng.standard_normal((3, 3)).astype(np.float32)
    out = np.empty_like(x)
    cl.conv2d(x, h, out)
    ms, gbps, ratio = [], [], []
    for _ in range(rounds):
        g = cl.copy_gbps()
        cl.conv2d(x, h, out)
        t = []
        for _ in range(4):
            t0 = time.perf_counter()
            cl.conv2d(x, h, out)
            t.append((time.perf_counter() - t0) * 1e3)
        m = statistics.median(t)
        rw = (x.nbytes + out.nbytes) / (g * 1e9) * 1e3
        ms.append(m)
        gbps.append(g)
        ratio.append(m / rw)
    print("\nconv2d 4096^2 3x3 float32 from host arrays against reading and writing the image "
          "once, %d rounds: clconv %.2f ms (quartiles %.2f-%.2f), copy %.1f GB/s (%.1f-%.1f), "
          "per-round x r+w median %.2f (quartiles %.2f-%.2f)" % (
              rounds, statistics.median(ms), *quartiles(ms), statistics.median(gbps),
              min(gbps), max(gbps), statistics.median(ratio), *quartiles(ratio)), flush=True)
    return {"case": "read+write 4096^2 3x3", "clconv_ms": ms, "copy_gbps": gbps,
            "over_read_write": ratio}


def quartiles(v):
    q = statistics.quantiles(v, n=4)
    return q[0], q[2]


def integer_table(cl, a, name, shape, h, cvborder, rng):
    """The uint8 case: five ways of one 3x3 filter over one image, timed in
    turns; prints its own table and returns its row."""
    x8 = rng.integers(0, 256, shape, dtype=np.uint8)
    x32 = x8.astype(np.float32)
    o8, o32 = np.empty_like(x8), np.empty_like(x32)
    probe8, probe32 = np.empty(1, np.uint8), np.empty(1, np.float32)
    bh = cl.buffer(F32, h)
    bx8, bo8 = cl.buffer(U8, x8), cl.buffer(U8, count=x8.size)
    bx32, bo32 = cl.buffer(F32, x32), cl.buffer(F32, count=x32.size)
    ways = {
        "clconv u8->u8 host": lambda: cl.conv2d_typed(x8, U8, h, o8, U8),
        "clconv f32 host": lambda: cl.conv2d_typed(x32, F32, h, o32, F32),
        "clconv u8->u8 device": lambda: cl.conv2d_device(bx8, shape, bh, h.shape, bo8, probe8),
        "clconv f32 device": lambda: cl.conv2d_device(bx32, shape, bh, h.shape, bo32, probe32),
        "opencv u8->u8 filter2D": lambda: cv2.filter2D(x8, -1, h, borderType=cvborder),
    }
    for run in ways.values():
        run()  # compiles and caches what it needs
    want = cv2.filter2D(x8, -1, h, borderType=cvborder)
    cl.conv2d_typed(x8, U8, h, o8, U8)
    dev8 = np.empty_like(x8)
    cl.read(bo8, dev8)
    for label, got in (("host", o8), ("device", dev8)):
        bad = int(np.count_nonzero(got != want))
        if bad:
            sys.exit("%s: clconv uint8 (%s) differs from filter2D at %d pixels" % (name, label, bad))
    cl.conv2d_typed(x32, F32, h, o32, F32)
    ref32 = cv2.filter2D(x32, -1, h, borderType=cvborder)
    if not np.array_equal(o32, ref32):
        sys.exit("%s: clconv float32 differs from filter2D" % name)
    # Each round starts one way further on, so that every way follows
    # OpenCV's call equally often: whichever came right after it measured
    # slower (the 2-core Zen 5, medians of 15: uint8 from host arrays 1.8x
    # faster than float32 when first in the round, 2.1-2.3x when second).
    times = {k: [] for k in ways}
    order = list(ways)
    for r in range(a.runs):
        for label in order[r % len(order):] + order[:r % len(order)]:
            t0 = time.perf_counter()
            ways[label]()
            times[label].append((time.perf_counter() - t0) * 1e3)
    med = {k: statistics.median(v) for k, v in times.items()}
    print("\n%s, %s border, medians of %d (load average %s):" %
          (name, a.border, a.runs, " ".join("%.2f" % v for v in os.getloadavg())))
    for label in ways:
        print("  %-24s %8.2f ms" % (label, med[label]))
    print("  u8 / f32 host %.2fx faster, u8 device / f32 device %.2fx faster, "
          "u8 host / OpenCV %.2fx faster\n" %
          (med["clconv f32 host"] / med["clconv u8->u8 host"],
           med["clconv f32 device"] / med["clconv u8->u8 device"],
           med["opencv u8->u8 filter2D"] / med["clconv u8->u8 host"]), flush=True)
    for b in (bh, bx8, bo8, bx32, bo32):
        cl.lib.clconv_buffer_destroy(b)
    return {"case": name, "ms": med, "runs": times, "loadavg": os.getloadavg()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--lib", default=os.path.join(here, "..", "build", "libclconv.so"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--border", choices=("mirror", "zero"), default="mirror")
    ap.add_argument("--method", choices=tuple(METHODS), default="auto")
    ap.add_argument("--only", default="", help="comma-separated substrings of case names")
    ap.add_argument("--json", default="")
    ap.add_argument("--rw-rounds", type=int, default=11,
                    help="rounds of the read+write table (0: none)")
    a = ap.parse_args()

    cv2.setNumThreads(a.threads)
    cl = Clconv(a.lib, a.border, a.method)
    cvborder = cv2.BORDER_REFLECT_101 if a.border == "mirror" else cv2.BORDER_CONSTANT
    print("OpenCV %s (IPP: %s), %d threads; numpy %s; python %s; %s" %
          (cv2.__version__, "yes" if cv2.ipp.useIPP() else "no", cv2.getNumThreads(),
           np.__version__, platform.python_version(), a.border + " border"))
    copy = [cl.copy_gbps()]
    print("%-28s %10s %10s %8s  %-6s %-12s %s" % ("case", "clconv ms", "opencv ms", "ratio",
                                                   "method", "max rel diff", "x r+w"))
    rng = np.random.default_rng(7)
    rows = []
    for name, kind, shape, h in cases():
        if a.only and not any(s in name for s in a.only.split(",")):
            continue
        if kind == "u8":
            rows.append(integer_table(cl, a, name, shape, h, cvborder, rng))
            continue
        x = rng.random(shape, dtype=np.float32)
        if kind == "2d":
            out = np.empty_like(x)
            run_cl = lambda: cl.conv2d(x, h, out)
            run_cv = lambda: cv2.filter2D(x, -1, h, borderType=cvborder)
        elif kind == "2dsep":
            out = np.empty_like(x)
            g = gaussian(3.0).astype(np.float32)
            run_cl = lambda: cl.conv2d(x, h, out)
            run_cv = lambda: cv2.sepFilter2D(x, -1, g, g, borderType=cvborder)
        else:
            k = h.size
            out = np.empty(x.size + k - 1, np.float32)
            xp = np.pad(x, k - 1)[None, :]
            hf = np.ascontiguousarray(h[::-1])[None, :]
            run_cl = lambda: cl.conv1d(x, h, out)
            run_cv = lambda: cv2.filter2D(xp, -1, hf, anchor=(0, 0),
                                          borderType=cv2.BORDER_CONSTANT)[0, :x.size + k - 1]
        run_cl()  # compiles and caches what it needs
        want = run_cv()
        diff = float(np.max(np.abs(out - want)) / np.max(np.abs(want)))
        if not diff < 1e-5:
            sys.exit("%s: results differ by %.3g of the largest output" % (name, diff))
        t_cl, t_cv = [], []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            run_cl()
            t1 = time.perf_counter()
            run_cv()
            t2 = time.perf_counter()
            t_cl.append((t1 - t0) * 1e3)
            t_cv.append((t2 - t1) * 1e3)
        m_cl, m_cv = statistics.median(t_cl), statistics.median(t_cv)
        # Reading the image and writing the result once at the copy rate
        # measured at the start (the figure a 2-D call is held to).
        rw_ms = (x.nbytes + out.nbytes) / (copy[0] * 1e9) * 1e3
        print("%-28s %10.1f %10.1f %8.2f  %-6s %-12.2g %.2f" % (
            name, m_cl, m_cv, m_cl / m_cv, cl.chosen, diff, m_cl / rw_ms), flush=True)
        rows.append({"case": name, "clconv_ms": m_cl, "opencv_ms": m_cv, "method": cl.chosen,
                     "clconv_runs": t_cl, "opencv_runs": t_cv, "max_rel_diff": diff,
                     "read_write_ms": rw_ms})
    copy.append(cl.copy_gbps())
    print("copy bandwidth %.1f GB/s before the cases, %.1f after; 'x r+w' is clconv's median "
          "over reading the input and writing the output once at the first" % tuple(copy))
    if a.rw_rounds > 0 and (not a.only or "read+write" in a.only):
        rows.append(read_write_table(cl, a.rw_rounds, rng))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"opencv": cv2.__version__, "border": a.border, "copy_gbps": copy,
                       "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
