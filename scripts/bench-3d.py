#!/usr/bin/python3
"""Side-by-side timing of 3-D convolution: clconv_conv3d_host (through
scripts/bench3d.c, in-process from host arrays) against scipy.ndimage.convolve
and scipy.signal.fftconvolve, float32, n^3 volumes.

Run with Debian's python3, which has numpy and scipy (the pyenv python3 has
neither), from the repository root after building the library into build/:

    /usr/bin/python3 scripts/bench-3d.py [--n 256] [--rounds 5] [--kernels 3,7,31] [--vkfft]
                                         [--modes reflect,none] [--baseline BUILD_DIR]

--vkfft adds a column: a second driver process run with CLCONV_FFT_BACKEND=vkfft,
interleaved with the others, so that the host FFT backend (FFTW) and VkFFT are
compared side by side on CPU devices.

--baseline adds a column: the same driver linked against the library in
another build directory (an earlier commit's), interleaved with the others,
so that a change is measured against what it replaces in the same minutes.
--modes picks the boundaries of the direct rows: an ndimage mode (reflect,
the default) or none for scipy.signal's zero padding ('same').

The machine is shared and noisy, so the calls of the three are interleaved
round by round and the medians compared. Rows: 3^3 and 7^3 kernels with the
direct method and ndimage's default boundary (reflect) on both sides, and
31^3 with the FFT method and scipy.signal's zero padding ('same'). ndimage at
31^3 would take minutes, so it is timed once on a slab of 16 planes and
scaled to the volume (its cost is linear in the planes), and marked so. The
'r+w' column is the time of reading and writing the volume once at the copy
bandwidth clconv_device_peak measures (what `clconv bench --grid limits`
reports), taken before and after the runs.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy
from scipy import ndimage, signal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def build_driver(lib=os.path.join(ROOT, "build"), name="bench3d"):
    exe = os.path.join(ROOT, "build", name)
    src = os.path.join(ROOT, "scripts", "bench3d.c")
    lib = os.path.abspath(lib)
    subprocess.run(["cc", "-O2", "-I", os.path.join(ROOT, "include"), src, "-L", lib,
                    "-lclconv", "-Wl,-rpath," + lib, "-o", exe], check=True)
    return exe


class Driver:
    def __init__(self, exe, env=None):
        self.p = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, env=env)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline().split()
        if not answer:
            sys.exit("bench3d stopped on: " + line)
        return answer

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kernels", default="3,7,31")
    ap.add_argument("--vkfft", action="store_true")
    ap.add_argument("--modes", default="reflect")
    ap.add_argument("--baseline", metavar="BUILD_DIR")
    args = ap.parse_args()
    n, rounds = args.n, args.rounds
    exe = build_driver()
    drv = Driver(exe)
    vk = Driver(exe, dict(os.environ, CLCONV_FFT_BACKEND="vkfft")) if args.vkfft else None
    base = Driver(build_driver(args.baseline, "bench3d-baseline")) if args.baseline else None
    copy_gbps = [float(drv.ask("peak")[0])]

    rng = np.random.default_rng(1)
    x = rng.random((n, n, n), dtype=np.float32)
    wanted = {int(k) for k in args.kernels.split(",")}
    modes = args.modes.split(",")
    cases = [(k, "direct", m) for k in (3, 7) if k in wanted for m in modes]
    cases += [(31, "fft", "none")] if 31 in wanted else []
    rows = []
    for k, method, boundary in cases:
        h = (rng.random((k, k, k), dtype=np.float32) / k**3).astype(np.float32)
        mode = boundary if boundary != "none" else "constant"
        cmd = "conv %d %d %s %s" % (n, k, method, boundary)
        times = {"clconv": [], "ndimage": [], "fftconvolve": [], "vkfft": [], "baseline": []}
        chosen = set()
        drv.ask(cmd)  # the untimed first call
        if vk:
            vk.ask(cmd)
        if base:
            base.ask(cmd)
        scaled = k > 9
        for _ in range(rounds):
            ms, how = drv.ask(cmd)
            times["clconv"].append(float(ms))
            chosen.add(how)
            if vk:
                times["vkfft"].append(float(vk.ask(cmd)[0]))
            if base:
                times["baseline"].append(float(base.ask(cmd)[0]))
            if not scaled:
                times["ndimage"].append(timed(lambda: ndimage.convolve(x, h, mode=mode)))
            times["fftconvolve"].append(timed(lambda: signal.fftconvolve(x, h, mode="same")))
        if scaled:
            slab = x[:16]
            times["ndimage"].append(timed(lambda: ndimage.convolve(slab, h, mode=mode)) * n / 16)
        auto = drv.ask("conv %d %d auto %s" % (n, k, boundary))[1]
        rows.append((k, method, boundary,
                     {m: statistics.median(t) if t else float("nan") for m, t in times.items()},
                     ",".join(sorted(chosen)), auto, scaled))
    copy_gbps.append(float(drv.ask("peak")[0]))
    drv.close()
    if vk:
        vk.close()
    if base:
        base.close()

    rw_ms = [2 * n**3 * 4 / (g * 1e9) * 1e3 for g in copy_gbps]
    print("# %d^3 float32, medians of %d interleaved rounds (ms); scipy %s, numpy %s"
          % (n, rounds, scipy.__version__, np.__version__))
    print("# copy bandwidth %.2f / %.2f GB/s (before / after): r+w of the volume %.1f / %.1f ms"
          % (copy_gbps[0], copy_gbps[1], rw_ms[0], rw_ms[1]))
    print("%-6s %-7s %-8s %10s %10s %12s %8s %8s %7s" % (
        "kernel", "method", "boundary", "clconv", "ndimage", "fftconvolve", "vs best",
        "vs r+w", "auto") + ("  clconv(VkFFT)" if vk else "")
        + ("  baseline (x r+w)" if base else ""))
    for k, method, boundary, med, chosen, auto, scaled in rows:
        best = min(med["ndimage"], med["fftconvolve"])
        print("%-6s %-7s %-8s %10.1f %9.0f%s %12.1f %7.1fx %7.2fx %7s" % (
            "%d^3" % k, chosen, boundary, med["clconv"], med["ndimage"], "*" if scaled else " ",
            med["fftconvolve"], best / med["clconv"], med["clconv"] / min(rw_ms), auto)
            + ("  %13.1f" % med["vkfft"] if vk else "")
            + ("  %8.1f (%.2fx)" % (med["baseline"], med["baseline"] / min(rw_ms))
               if base else ""))
    if any(r[6] for r in rows):
        print("# * ndimage timed once on 16 planes and scaled to %d" % n)


if __name__ == "__main__":
    main()
