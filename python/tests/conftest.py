"""Shared fixtures: a seeded generator, tolerances scaled as the C suites
scale them (by the convolution of the magnitudes), and the `clconv serve`
process the Client tests talk to."""
import os
import re
import subprocess
import time

import numpy as np
import pytest

import clconv


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_close(got, want, a=None, b=None):
    """got equals SciPy's want up to the rounding of got's dtype: the error of
    each entry is bounded relative to the sum of |products| that made it,
    which a convolution of magnitudes bounds from above."""
    want = np.asarray(want)
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape, (got.shape, want.shape)
    eps = np.finfo(got.dtype).eps
    scale = np.max(np.abs(want)) if want.size else 0.0
    if a is not None and b is not None and np.size(a) and np.size(b):
        scale = max(scale, float(np.sum(np.abs(a))) * float(np.max(np.abs(b))))
    tol = 64 * eps * (scale + 1e-300) * (1 + np.log2(max(2, np.size(b) if b is not None else 2)))
    err = np.max(np.abs(got.astype(np.float64) - want)) if want.size else 0.0
    assert err <= tol, f"max error {err:g} above {tol:g}"


def _find_binary():
    path = os.environ.get("CLCONV_BIN")
    if path and os.access(path, os.X_OK):
        return path
    return None


@pytest.fixture(scope="session")
def server():
    """A `clconv serve` on a free loopback port (127.0.0.1:0), from $CLCONV_BIN."""
    binary = _find_binary()
    if binary is None:
        pytest.skip("CLCONV_BIN does not name the clconv command (the CMake build's "
                    "build/clconv); scripts/test.sh sets it")
    proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = None
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.match(r"^listening on (http://\S+)$", line.strip())
        if m:
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        proc.wait()
        pytest.fail("clconv serve printed no 'listening on' line")
    # The access log keeps coming on stderr; drain it so the server never blocks.
    import threading
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    yield url
    proc.terminate()
    assert proc.wait(timeout=60) == 0


@pytest.fixture(scope="session")
def client(server):
    return clconv.Client(server)
