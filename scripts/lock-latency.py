#!/usr/bin/env python3
"""Client of scripts/lock-latency.sh (standard library only).

Against a `clconv serve` at URL: one small conv1d request warms its
programs; then CLIENTS threads send small conv1d requests (method auto) for
BASELINE seconds, the baseline; then the same threads run again while one
more client sends a large conv1d with method fft, whose VkFFT plans are not
made yet (seconds of compilation on a CPU device), and the small requests
that start and end while it runs form the compile window. Prints one line
per phase: requests, p50, p99 and max in ms, and the methods the server
chose; then the large request's time. Exits 1 when a request fails.
"""
import argparse
import array
import http.client
import os
import random
import sys
import threading
import time
import urllib.parse

BOUNDARY = "clconv-lock-latency-boundary"


def npy_f4(values, shape):
    """The bytes of a float32 .npy holding values with the given shape."""
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (shape,)
    pad = (64 - (10 + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    data = array.array("f", values)
    if sys.byteorder != "little":
        data.byteswap()
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + \
        data.tobytes()


def multipart(signal, kernel):
    parts = []
    for name, body in (("input", signal), ("kernel", kernel)):
        parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                      "filename=\"%s.npy\"\r\nContent-Type: application/x-npy\r\n\r\n"
                      % (BOUNDARY, name, name)).encode() + body + b"\r\n")
    return b"".join(parts) + ("--%s--\r\n" % BOUNDARY).encode()


def conv1d_body(n, k, seed):
    rng = random.Random(seed)
    signal = npy_f4([rng.uniform(-1, 1) for _ in range(n)], "(%d,)" % n)
    kernel = npy_f4([rng.uniform(-1, 1) for _ in range(k)], "(%d,)" % k)
    return multipart(signal, kernel)


class Client:
    """One keep-alive connection posting one body to one path."""

    def __init__(self, url, path, body):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        self.path, self.body = path, body
        self.conn = None

    def post(self):
        """(seconds, method chosen); raises on a failed request."""
        headers = {"Content-Type": "multipart/form-data; boundary=" + BOUNDARY}
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            t0 = time.monotonic()
            try:
                self.conn.request("POST", self.path, self.body, headers)
                resp = self.conn.getresponse()
                resp.read()
            except (http.client.HTTPException, ConnectionError):
                # The server closed a kept-alive connection: one retry on a new one.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
                continue
            seconds = time.monotonic() - t0
            if resp.status != 200:
                raise RuntimeError("%s answered %d" % (self.path, resp.status))
            return t0, seconds, resp.getheader("X-Clconv-Method", "?")
        raise RuntimeError("unreachable")


def run_small(url, path, body, clients, stop):
    """Starts clients threads posting until stop is set; returns the list
    they append (start, seconds, method) to and the threads."""
    results, errors, threads = [], [], []

    def loop():
        c = Client(url, path, body)
        while not stop.is_set():
            try:
                results.append(c.post())
            except Exception as e:  # reported by the main thread
                errors.append(str(e))
                return

    for _ in range(clients):
        t = threading.Thread(target=loop)
        t.start()
        threads.append(t)
    return results, errors, threads


def summary(name, samples):
    if not samples:
        print("%-16s %6d requests" % (name, 0))
        return
    ms = sorted(s * 1e3 for _, s, _ in samples)

    def pct(p):
        return ms[min(len(ms) - 1, int(round(p / 100.0 * (len(ms) - 1))))]

    methods = {}
    for _, _, m in samples:
        methods[m] = methods.get(m, 0) + 1
    chosen = ",".join("%s:%d" % kv for kv in sorted(methods.items()))
    print("%-16s %6d requests  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  (%s)"
          % (name, len(ms), pct(50), pct(99), ms[-1], chosen))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--clients", type=int, default=3)
    ap.add_argument("--baseline", type=float, default=5.0)
    ap.add_argument("--small", default="4096x16", help="small request: samples x taps")
    ap.add_argument("--large", default="1048576x16384", help="large request: samples x taps")
    a = ap.parse_args()
    sn, sk = (int(v) for v in a.small.split("x"))
    ln, lk = (int(v) for v in a.large.split("x"))
    small = conv1d_body(sn, sk, 1)
    large = conv1d_body(ln, lk, 2)
    small_path = "/v1/conv1d?mode=same&precision=f32&method=auto"
    large_path = "/v1/conv1d?mode=same&precision=f32&method=fft"

    Client(a.url, small_path, small).post()

    stop = threading.Event()
    base, errors, threads = run_small(a.url, small_path, small, a.clients, stop)
    time.sleep(a.baseline)
    stop.set()
    for t in threads:
        t.join()

    stop = threading.Event()
    during, errors2, threads = run_small(a.url, small_path, small, a.clients, stop)
    time.sleep(0.5)
    big_start, big_s, big_method = Client(a.url, large_path, large).post()
    stop.set()
    for t in threads:
        t.join()
    window = [r for r in during if r[0] >= big_start and r[0] + r[1] <= big_start + big_s]
    # A request that started in the window and outlasted it waited longest.
    late = [r for r in during if big_start <= r[0] <= big_start + big_s and r not in window]

    print("small conv1d %s, %d clients, method auto; large conv1d %s, method fft"
          % (a.small, a.clients, a.large))
    summary("baseline", base)
    summary("compile window", window + late)
    print("large request   %8.0f ms (%s)" % (big_s * 1e3, big_method))
    if os.environ.get("LOCK_LATENCY_DEBUG"):
        for r in sorted(during):
            if r[1] > 0.1:
                print("slow: start %+.3f s, %.3f s" % (r[0] - big_start, r[1]))
    errors += errors2
    for e in errors:
        print("failed: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
