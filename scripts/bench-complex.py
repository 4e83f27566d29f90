#!/usr/bin/python3
"""Side-by-side timing of complex 1-D convolution in-process from host arrays:
clconv_conv1d_host / _host_typed (through ctypes on build/libclconv.so, no
Python package) against scipy.signal.fftconvolve and oaconvolve on the same
complex64 arrays, and against clconv's float32 convolution of the same size
(one plane, and the two planes as a batch of 2), full mode, 2^22 samples.

Run with Debian's python3 (numpy and scipy) from the repository root after
building the library into build/:

    /usr/bin/python3 scripts/bench-complex.py [--lib build/libclconv.so] [--rounds 7]
                                              [--taps 1024,65536]

The machine is shared and noisy, so the calls are interleaved round by round
and the medians compared. The first 4096 outputs of clconv's complex64 result
are checked against NumPy in complex128 (the relative error is printed).
"""
import argparse
import ctypes
import statistics
import time

import numpy as np
import scipy.signal as ss

F32, C64 = 0, 5
FULL, AUTO = 0, 0


class Options(ctypes.Structure):
    _fields_ = [("mode", ctypes.c_int), ("method", ctypes.c_int), ("correlate", ctypes.c_int),
                ("chosen", ctypes.c_int), ("boundary", ctypes.c_int), ("cval", ctypes.c_double),
                ("origin", ctypes.c_int64 * 3)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default="build/libclconv.so")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--taps", default="1024,65536")
    ap.add_argument("--n", type=int, default=1 << 22)
    args = ap.parse_args()
    lib = ctypes.CDLL(args.lib)
    lib.clconv_last_error.restype = ctypes.c_char_p
    rt = ctypes.c_void_p()
    assert lib.clconv_runtime_create(ctypes.byref(rt), None) == 0, lib.clconv_last_error(None)
    S = ctypes.c_size_t
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)
    n = args.n
    rng = np.random.default_rng(0)
    methods = ["auto", "direct", "fft"]

    def check(status, o):
        assert status == 0, lib.clconv_last_error(rt)
        return o.chosen

    for k in (int(t) for t in args.taps.split(",")):
        xc = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
        hc = (rng.standard_normal(k) + 1j * rng.standard_normal(k)).astype(np.complex64)
        xr, hr = xc.real.copy(), hc.real.copy()
        x2 = np.concatenate([xr, xc.imag])
        yc = np.empty(n + k - 1, np.complex64)
        yr = np.empty(n + k - 1, np.float32)
        y2 = np.empty(2 * (n + k - 1), np.float32)

        def one(dtype_in, x, batch, dtype_k, h, dtype_out, y):
            o = Options(mode=FULL, method=AUTO)
            s = lib.clconv_conv1d_host_typed(rt, dtype_in, ptr(x), S(n), S(batch), dtype_k,
                                             ptr(h), S(k), dtype_out, ptr(y), ctypes.byref(o))
            return check(s, o)

        cases = {
            "clconv complex64 * complex64": lambda: one(C64, xc, 1, C64, hc, C64, yc),
            "clconv complex64 * float32": lambda: one(C64, xc, 1, F32, hr, C64, yc),
            "clconv float32 * complex64": lambda: one(F32, xr, 1, C64, hc, C64, yc),
            "clconv float32, batch 2": lambda: one(F32, x2, 2, F32, hr, F32, y2),
            "clconv float32": lambda: one(F32, xr, 1, F32, hr, F32, yr),
            "scipy fftconvolve complex64": lambda: ss.fftconvolve(xc, hc),
            "scipy oaconvolve complex64": lambda: ss.oaconvolve(xc, hc),
        }
        chosen = {name: f() for name, f in cases.items()}  # warm-up: plans, kernels
        one(C64, xc, 1, C64, hc, C64, yc)
        ref = np.convolve(xc[:4096].astype(np.complex128), hc.astype(np.complex128))[:4096]
        err = np.abs(yc[:4096] - ref).max() / np.abs(ref).max()
        times = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, f in cases.items():
                t = time.perf_counter()
                f()
                times[name].append(time.perf_counter() - t)
        base = statistics.median(times["clconv complex64 * complex64"])
        print(f"n = {n}, k = {k}, full, medians of {args.rounds}; clconv complex64 relative "
              f"error of the first 4096 outputs {err:.2e}")
        for name in cases:
            m = statistics.median(times[name])
            how = f" ({methods[chosen[name]]})" if name.startswith("clconv") else ""
            print(f"  {name + how:40s} {m * 1e3:8.1f} ms  {m / base:5.2f}x complex64 * complex64")
    lib.clconv_runtime_destroy(rt)


if __name__ == "__main__":
    main()
