#!/usr/bin/env python3
"""Client of scripts/soak.sh (standard library, NumPy and SciPy only).

Against a `clconv serve` at URL whose process is PID: CLIENTS threads, each
on its own kept-alive connection, send for SECONDS a mix of good requests
to every operation of docs/openapi.yaml that it knows how to make (each
result checked against NumPy/SciPy) and requests built from the fuzz seed
corpus (tests/fuzz/corpus). A sampler reads the server's resident memory
and open descriptors every second.

The corpus holds valid inputs beside malformed ones, so the expected answer
of each corpus request is taken from a probe before the soak: each is sent
once on its own connection and must get a 2xx or a 4xx; during the soak
every one must get the status it got then (a bad request stays refused with
the same code, a valid one stays accepted), and at least MIN_BAD of them
must be refusals.

Checks, each printed as "goal met" or "goal missed" (exit 1 on a miss):
no failed good request; every corpus request answered as at its probe;
no 5xx and no dropped connection; the server alive at the end; resident
memory flat: every sample from the reference time on (60 s, or a third of
a shorter run) within 10% of the sample there; descriptors other than the
connections' sockets flat: the least of the last 10 samples within 10% of
the reference sample; and, once the clients have closed their connections,
descriptors and sockets back to their counts before the soak.
"""
import argparse
import http.client
import io
import json
import os
import pathlib
import random
import re
import sys
import threading
import time
import urllib.parse

import numpy as np
import scipy.signal

BOUNDARY = "clconv-soak-boundary"
FORM = "multipart/form-data; boundary=" + BOUNDARY
MIN_BAD = 20
# A good request is this many times likelier than a corpus one: the soak is
# mostly the service's ordinary work, with refusals mixed in throughout.
GOOD_WEIGHT = 4
# Samples (seconds) over which the least descriptor count is taken.
FD_TAIL = 10


def npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def multipart(parts, boundary=BOUNDARY):
    out = []
    for name, body in parts:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name, name))
                   .encode() + body + b"\r\n")
    return b"".join(out) + ("--%s--\r\n" % boundary).encode()


class Request:
    """One HTTP request and how to judge its answer: check(status, body)
    returns None when right, else what was wrong."""

    def __init__(self, endpoint, method, path, body=None, ctype=None, check=None):
        self.endpoint, self.method, self.path = endpoint, method, path
        self.body, self.ctype, self.check = body, ctype, check


def close_to(got, want, bound, eps):
    """got within eps * bound (+ a floor for outputs whose terms all vanish)
    of want, elementwise; bound is conv(|x|, |h|)."""
    if got.shape != want.shape:
        return "shape %s, want %s" % (got.shape, want.shape)
    err = np.abs(got.astype(np.float64) - want)
    allowed = eps * bound + 1e-30
    if not np.all(err <= allowed):
        i = int(np.argmax(err - allowed))
        return "element %d is %r, want %r" % (i, got.flat[i], want.flat[i])
    return None


def conv_check(x, h, mode):
    """The judge of a float32 convolution of x with h (SciPy's full, same
    with an odd kernel, or valid): float32 sums of at most 27 products stay
    well within 1e-5 of conv(|x|, |h|)."""
    want = scipy.signal.convolve(x.astype(np.float64), h.astype(np.float64), mode=mode,
                                 method="direct")
    bound = scipy.signal.convolve(np.abs(x).astype(np.float64), np.abs(h).astype(np.float64),
                                  mode=mode, method="direct")

    def check(status, body):
        if status != 200:
            return "status %d: %s" % (status, body[:200])
        got = np.load(io.BytesIO(body))
        return close_to(got, want, bound, 1e-5)
    return check


def good_conv(endpoint, rng, dims):
    """A random float32 problem of dims dimensions for endpoint, every
    extent small enough that the soak measures the service, not the math."""
    # Every extent at least the largest kernel's, so valid mode has a result.
    lo, hi = {1: (16, 400), 2: (5, 40), 3: (5, 12)}[dims]
    shape = tuple(rng.randint(lo, hi) for _ in range(dims))
    kshape = tuple(rng.choice((1, 3, 5)) for _ in range(dims))
    mode = rng.choice(("full", "same", "valid"))
    x = np.array([rng.uniform(-1, 1) for _ in range(int(np.prod(shape)))],
                 dtype=np.float32).reshape(shape)
    h = np.array([rng.uniform(-1, 1) for _ in range(int(np.prod(kshape)))],
                 dtype=np.float32).reshape(kshape)
    body = multipart((("input", npy(x)), ("kernel", npy(h))))
    return Request(endpoint, "POST", "%s?mode=%s" % (endpoint, mode), body, FORM,
                   conv_check(x, h, mode))


def good_dist(rng):
    """n six-sided dice, `times` copies: (n * times)d6, offset n * times."""
    n, times = rng.randint(1, 5), rng.randint(1, 3)
    total = n * times
    want = np.array([1.0])
    for _ in range(total):
        want = np.convolve(want, np.full(6, 1 / 6))
    body = json.dumps({"specs": ["%dd6" % n], "times": times}).encode()

    def check(status, answer):
        if status != 200:
            return "status %d: %s" % (status, answer[:200])
        r = json.loads(answer)
        got = np.array(r["probabilities"], dtype=np.float64)
        if r["offset"] != total or got.shape != want.shape:
            return "offset %r with %d entries, want %d with %d" % (
                r["offset"], got.size, total, want.size)
        return None if np.allclose(got, want, rtol=1e-9, atol=1e-15) else "probabilities differ"
    return Request("/v1/dist", "POST", "/v1/dist", body, "application/json", check)


def get_check(test):
    def check(status, body):
        if status != 200:
            return "status %d" % status
        return None if test(body) else "unexpected body %r" % body[:200]
    return check


def devices_ok(body):
    d = json.loads(body)
    return bool(d.get("devices") if isinstance(d, dict) else d)


GOOD = {
    "/v1/conv1d": lambda rng: good_conv("/v1/conv1d", rng, 1),
    "/v1/conv2d": lambda rng: good_conv("/v1/conv2d", rng, 2),
    "/v1/conv3d": lambda rng: good_conv("/v1/conv3d", rng, 3),
    "/v1/dist": good_dist,
    "/v1/devices": lambda rng: Request("/v1/devices", "GET", "/v1/devices",
                                       check=get_check(devices_ok)),
    "/healthz": lambda rng: Request("/healthz", "GET", "/healthz",
                                    check=get_check(lambda b: json.loads(b) == {"status": "ok"})),
    "/metrics": lambda rng: Request("/metrics", "GET", "/metrics",
                                    check=get_check(lambda b: b"clconv_" in b)),
}


def corpus_requests(corpus):
    """The requests built from the seed corpus: (name, Request) with no
    check yet. Multipart bodies and query lines go to conv1d as the fuzz
    targets feed them to the server's parsers; array files as conv1d's
    input, images as conv2d's, dist bodies to /v1/dist."""
    sig = npy(np.arange(16, dtype=np.float32))
    ker = npy(np.ones(3, dtype=np.float32))
    ker2 = npy(np.ones((3, 3), dtype=np.float32))
    out = []

    def files(kind):
        d = corpus / kind
        return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []
    for p in files("dist_body"):
        out.append(("dist_body/" + p.name,
                    Request("/v1/dist", "POST", "/v1/dist", p.read_bytes(), "application/json")))
    for p in files("multipart"):
        boundary, _, body = p.read_bytes().partition(b"\n")
        out.append(("multipart/" + p.name,
                    Request("/v1/conv1d", "POST", "/v1/conv1d", body,
                            "multipart/form-data; boundary=" +
                            boundary.decode("latin-1"))))
    for p in files("query"):
        pairs = [line.partition("=") for line in p.read_text("latin-1").split("\n") if line]
        query = "&".join(urllib.parse.quote(k, safe="") + (("=" + urllib.parse.quote(v, safe=""))
                                                          if eq else "") for k, eq, v in pairs)
        out.append(("query/" + p.name,
                    Request("/v1/conv1d", "POST", "/v1/conv1d?" + query,
                            multipart((("input", sig), ("kernel", ker))), FORM)))
    for kind in ("npy", "csv"):
        for p in files(kind):
            out.append(("%s/%s" % (kind, p.name),
                        Request("/v1/conv1d", "POST", "/v1/conv1d?mode=same",
                                multipart((("input", p.read_bytes()), ("kernel", ker))), FORM)))
    for p in files("image"):
        out.append(("image/" + p.name,
                    Request("/v1/conv2d", "POST", "/v1/conv2d?mode=same",
                            multipart((("input", p.read_bytes()), ("kernel", ker2))), FORM)))
    return out


class Connection:
    """A kept-alive connection; reopened when the server closes it (as it
    does after a request it could not parse)."""

    def __init__(self, host, port):
        self.host, self.port, self.conn = host, port, None

    def send(self, req):
        """(status, body); raises when the server drops the connection."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        headers = {}
        if req.ctype:
            headers["Content-Type"] = req.ctype
        try:
            self.conn.request(req.method, req.path, req.body, headers)
            resp = self.conn.getresponse()
            body = resp.read()
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        if resp.getheader("Connection", "").lower() == "close" or resp.will_close:
            self.close()
        return resp.status, body

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def proc_sample(pid):
    """(resident KiB, open descriptors other than sockets, sockets) of
    process pid. Sockets are the clients' connections, as many as are open
    at that instant (a refused request may close one, and its client opens
    the next), so they are counted apart from the rest."""
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    fds = sockets = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            sockets += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
            fds += 1
        except OSError:  # closed since the listing
            pass
    return rss, fds - sockets, sockets


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url")
    ap.add_argument("pid", type=int)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parent.parent))
    args = ap.parse_args()
    root = pathlib.Path(args.root)
    u = urllib.parse.urlsplit(args.url)

    paths = re.findall(r"^  (/\S+):\s*$", (root / "docs/openapi.yaml").read_text(), re.M)
    endpoints = [p for p in paths if p in GOOD]
    print("endpoints from docs/openapi.yaml: %s" % " ".join(endpoints))
    missing = [p for p in paths if p not in GOOD]
    if missing:
        print("not exercised (no good request known): %s" % " ".join(missing))

    # ---- the probe: each corpus request once, alone ------------------------
    probe = Connection(u.hostname, u.port)
    corpus = []
    for name, req in corpus_requests(root / "tests/fuzz/corpus"):
        try:
            status, body = probe.send(req)
        except (http.client.HTTPException, OSError) as e:
            print("goal missed: corpus request %s answered (%s)" % (name, e))
            return 1
        if not (200 <= status < 300 or 400 <= status < 500):
            print("goal missed: corpus request %s answered %d: %s" % (name, status, body[:200]))
            return 1
        req.check = (lambda want: lambda got, _b: None if got == want else
                     "status %d, %d at the probe" % (got, want))(status)
        req.endpoint = "corpus " + ("4xx" if status >= 400 else "2xx")
        corpus.append(req)
    probe.close()
    bad = sum(1 for r in corpus if r.endpoint == "corpus 4xx")
    print("corpus: %d requests, %d refused (4xx) at the probe, %d accepted" %
          (len(corpus), bad, len(corpus) - bad))
    time.sleep(0.5)
    rss0, fd0, sock0 = proc_sample(args.pid)

    # ---- the soak ------------------------------------------------------------
    lock = threading.Lock()
    lat = {}
    failures = []
    dropped = [0]
    stop = time.monotonic() + args.seconds

    def client(seed):
        try:
            client_loop(seed)
        except Exception as e:  # a client that dies must not go unnoticed
            with lock:
                failures.append("client %d stopped: %r" % (seed, e))

    def client_loop(seed):
        rng = random.Random(seed)
        conn = Connection(u.hostname, u.port)
        while time.monotonic() < stop:
            if rng.randrange(GOOD_WEIGHT + 1) < GOOD_WEIGHT:
                req = GOOD[rng.choice(endpoints)](rng)
            else:
                req = rng.choice(corpus)
            t0 = time.monotonic()
            try:
                status, body = conn.send(req)
            except (http.client.HTTPException, OSError) as e:
                with lock:
                    dropped[0] += 1
                    failures.append("%s %s: connection lost (%s)" % (req.method, req.path, e))
                continue
            ms = (time.monotonic() - t0) * 1e3
            try:
                why = req.check(status, body)
            except Exception as e:  # an answer the judge cannot read is wrong
                why = "unreadable answer (%r)" % e
            if why is None and status >= 500:
                why = "status %d" % status
            with lock:
                lat.setdefault(req.endpoint, []).append(ms)
                if why is not None:
                    failures.append("%s %s: %s" % (req.method, req.path[:80], why))
        conn.close()

    samples = []
    done = threading.Event()

    def sampler():
        t0 = time.monotonic()
        while not done.wait(1.0):
            try:
                samples.append((time.monotonic() - t0,) + proc_sample(args.pid))
            except (OSError, StopIteration):
                samples.append((time.monotonic() - t0, None, None, None))
                return
    sam = threading.Thread(target=sampler)
    sam.start()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    sam.join()

    # The server closes its side of each connection when the client does;
    # give it a moment before counting what is left open.
    alive = os.path.exists("/proc/%d" % args.pid)
    fd_end = sock_end = None
    for _ in range(50):
        if not alive:
            break
        _, fd_end, sock_end = proc_sample(args.pid)
        if fd_end <= fd0 and sock_end <= sock0:
            break
        time.sleep(0.1)

    # ---- summary -------------------------------------------------------------
    total = sum(len(v) for v in lat.values())
    print("%d clients, %.0f s: %d requests (%.1f/s)" % (args.clients, args.seconds, total,
                                                       total / args.seconds))
    print("%-14s %9s %10s %10s" % ("endpoint", "requests", "p50 ms", "p99 ms"))
    for ep in sorted(lat):
        v = sorted(lat[ep])
        print("%-14s %9d %10.1f %10.1f" % (ep, len(v), percentile(v, 0.5), percentile(v, 0.99)))
    good_samples = [s for s in samples if s[1] is not None]
    ref_t = min(60.0, args.seconds / 3)
    ref = next((s for s in good_samples if s[0] >= ref_t), None)
    if good_samples:
        rss = [s[1] for s in good_samples]
        fds = [s[2] for s in good_samples]
        print("server RSS MiB: before %.1f, first %.1f, at %.0f s %.1f, last %.1f, max %.1f" % (
            rss0 / 1024, rss[0] / 1024, ref[0] if ref else 0, (ref[1] if ref else 0) / 1024,
            rss[-1] / 1024, max(rss) / 1024))
        print("server open fds but sockets: before %d, first %d, at %.0f s %d, last %d, max %d, "
              "after %s" % (fd0, fds[0], ref[0] if ref else 0, ref[2] if ref else 0, fds[-1],
                            max(fds), fd_end))
        print("server sockets: before %d, max %d, after %s" % (
            sock0, max(s[3] for s in good_samples), sock_end))

    missed = 0

    def goal(ok, text):
        nonlocal missed
        print(("goal met:    " if ok else "goal missed: ") + text)
        missed |= not ok

    bad_corpus = [f for f in failures if "at the probe" in f]
    goal(not failures, "every request answered as expected (%d not)" % len(failures))
    for f in failures[:20]:
        print("  " + f)
    goal(bad >= MIN_BAD, "at least %d corpus requests refused (%d)" % (MIN_BAD, bad))
    goal(dropped[0] == 0 and not bad_corpus,
         "no dropped connection (%d), corpus answers as at the probe (%d not)" %
         (dropped[0], len(bad_corpus)))
    goal(alive, "the server is alive after the soak")
    if ref is not None:
        after = [s for s in good_samples if s[0] >= ref[0]]
        rss_dev = max(abs(s[1] - ref[1]) / ref[1] for s in after)
        goal(rss_dev <= 0.10, "resident memory within 10%% of its %.0f-s sample from then on "
             "(%.1f%% at most)" % (ref[0], 100 * rss_dev))
        # A sample can catch a descriptor open for a moment (the 600-s run
        # here saw 8 once against 7), and one more is 14% of 7: a leak is
        # what stays, so the least count of the last FD_TAIL samples is
        # held to 10%, and the count after the soak (below) to none more.
        tail = min(s[2] for s in after[-FD_TAIL:])
        goal(tail <= 1.10 * ref[2], "descriptors other than sockets: the least of the last %d "
             "samples (%d) within 10%% of the %.0f-s sample (%d)" % (
                 min(FD_TAIL, len(after)), tail, ref[0], ref[2]))
    else:
        goal(False, "samples reach the reference time %.0f s" % ref_t)
    goal(fd_end is not None and fd_end <= fd0 and sock_end <= sock0,
         "descriptors back to %d and sockets to %d once the clients closed (%s, %s)" % (
             fd0, sock0, fd_end, sock_end))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
