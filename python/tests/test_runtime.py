"""Devices, runtimes, errors and threads."""
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import scipy.signal as ss

import clconv
from conftest import assert_close


def test_devices():
    ds = clconv.devices()
    assert ds and all(isinstance(d, clconv.Device) for d in ds)
    assert [d.index for d in ds] == list(range(len(ds)))
    assert all(d.type in ("CPU", "GPU", "accelerator", "other") for d in ds)


def test_runtime_context_manager_and_runtime_argument(rng):
    a, b = rng.standard_normal(100), rng.standard_normal(5)
    with clconv.Runtime(device="cpu") as rt:
        assert rt.device.type == "CPU"
        assert_close(clconv.convolve(a, b, runtime=rt), ss.convolve(a, b), a, b)
        assert_close(clconv.ndimage.convolve1d(a, b, mode="constant", runtime=rt),
                     __import__("scipy.ndimage").ndimage.convolve1d(a, b, mode="constant"), a, b)
        assert rt.cache_stats()["builds"] + rt.cache_stats()["disk_hits"] + \
            rt.cache_stats()["memory_hits"] > 0
    with pytest.raises(ValueError, match="closed"):
        clconv.convolve(a, b, runtime=rt)
    assert "closed" in repr(rt)


def test_runtime_errors():
    with pytest.raises(clconv.Error) as e:
        clconv.Runtime(device="no such device anywhere")
    assert e.value.name == "CLCONV_ENODEV" and e.value.status == -3
    assert "no such device anywhere" in e.value.message or e.value.message
    if not any(d.type == "GPU" for d in clconv.devices()):
        with pytest.raises(clconv.Error, match="ENODEV"):
            clconv.Runtime(device="gpu")
    with pytest.raises(TypeError):
        clconv.Runtime(device=1.5)


def test_default_runtime_honours_clconv_device():
    code = ("import clconv; print(clconv.default_runtime().device.index)")
    env = dict(os.environ, CLCONV_DEVICE="cpu:0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    cpus = [d.index for d in clconv.devices() if d.type == "CPU"]
    assert int(out.stdout) == cpus[0]
    env["CLCONV_DEVICE"] = "no such device anywhere"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0 and "CLCONV_ENODEV" in out.stderr


def test_python_m_clconv():
    out = subprocess.run([sys.executable, "-m", "clconv"], capture_output=True, text=True,
                         check=True)
    assert "Device 0" in out.stdout and clconv.devices()[0].name in out.stdout


def test_device_memory_error_is_memory_error():
    with clconv.Runtime("cpu", max_alloc=1 << 12) as rt:
        # Larger than the allocation limit: the library streams it piece by piece.
        a = np.ones(20000, np.float32)
        np.testing.assert_array_equal(clconv.convolve(a, np.ones(3, np.float32), "same",
                                                      runtime=rt)[1:-1], 3)
    assert issubclass(clconv.OutOfMemoryError, MemoryError)
    assert issubclass(clconv.InvalidArgumentError, ValueError)


def test_threads_concurrent_and_correct(rng):
    """Calls release the GIL: while one thread is inside a long library call,
    Python code in another keeps running, and concurrent calls are right."""
    a = rng.standard_normal(1 << 20).astype(np.float32)
    b = rng.standard_normal(511).astype(np.float32)
    want = ss.fftconvolve(a.astype(np.float64), b.astype(np.float64))
    clconv.convolve(a, b, method="direct")  # warm: compile outside the timing
    results, errors = {}, []

    def work(i):
        try:
            for _ in range(3):
                results[i] = clconv.convolve(a, b, method="direct")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    ticks = 0
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        ticks += 1
        time.sleep(0.001)
    for t in threads:
        t.join()
    assert not errors
    for i in range(4):
        assert_close(results[i], want, a, b)
    # A Python loop sleeping 1 ms ran throughout 12 calls of several ms each:
    # it could not had the calls held the GIL.
    assert ticks >= 10


def test_gil_released_during_call(rng):
    a = rng.standard_normal(1 << 21).astype(np.float32)
    b = rng.standard_normal(1023).astype(np.float32)
    clconv.convolve(a, b, method="direct")
    done = threading.Event()
    counter = [0]

    def spin():
        while not done.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    t0 = time.perf_counter()
    clconv.convolve(a, b, method="direct")
    elapsed = time.perf_counter() - t0
    before = counter[0]
    done.set()
    t.join()
    # The spinning thread got the interpreter during the call.
    assert before > 1000, (before, elapsed)
