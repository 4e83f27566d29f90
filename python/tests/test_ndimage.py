"""clconv.ndimage against scipy.ndimage with mode='constant', cval=0 (the
zero boundary libclconv has), and NotImplementedError for the rest."""
import numpy as np
import pytest
import scipy.ndimage as nd

import clconv
from clconv import ndimage
from conftest import assert_close

Z = dict(mode="constant", cval=0.0)


def rand(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 8])
@pytest.mark.parametrize("fn", ["correlate1d", "convolve1d"])
def test_1d_filters(rng, fn, k, dtype):
    w = rand(rng, k)
    for shape, axis in [((50,), -1), ((20, 30), 0), ((20, 30), 1), ((20, 30), -1)]:
        a = rand(rng, shape, dtype)
        for origin in sorted({0, -(k // 2), (k - 1) // 2}):
            got = getattr(ndimage, fn)(a, w, axis, origin=origin, **Z)
            want = getattr(nd, fn)(a.astype(np.float64), w, axis, origin=origin, **Z)
            assert got.dtype == dtype
            assert_close(got, want, a, w)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kshape", [(1, 1), (3, 3), (2, 4), (5, 2), (1, 6)])
@pytest.mark.parametrize("fn", ["correlate", "convolve"])
def test_nd_filters(rng, fn, kshape, dtype):
    a = rand(rng, (25, 31), dtype)
    w = rand(rng, kshape)
    for origin in [0, (-(kshape[0] // 2), (kshape[1] - 1) // 2)]:
        got = getattr(ndimage, fn)(a, w, origin=origin, **Z)
        want = getattr(nd, fn)(a.astype(np.float64), w, origin=origin, **Z)
        assert got.dtype == dtype
        assert_close(got, want, a, w)
    a1, w1 = rand(rng, 40, dtype), rand(rng, kshape[1])
    assert_close(getattr(ndimage, fn)(a1, w1, **Z), getattr(nd, fn)(a1, w1, **Z), a1, w1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gaussian_filter(rng, dtype):
    a = rand(rng, (60, 45), dtype)
    for kw in [dict(sigma=1.0), dict(sigma=3.0), dict(sigma=(2.0, 0.0)), dict(sigma=(0.5, 4)),
               dict(sigma=2.0, order=1), dict(sigma=1.5, order=(0, 2)),
               dict(sigma=2.0, truncate=2.0), dict(sigma=2.0, radius=3)]:
        got = ndimage.gaussian_filter(a, **kw, **Z)
        want = nd.gaussian_filter(a.astype(np.float64), **kw, **Z)
        assert got.dtype == dtype
        assert_close(got, want, a, np.ones(9))
    v = rand(rng, 200, dtype)
    assert_close(ndimage.gaussian_filter(v, 2.5, **Z), nd.gaussian_filter(v, 2.5, **Z), v)


@pytest.mark.parametrize("size", [1, 2, 3, 4, (3, 5), (1, 4)])
def test_uniform_filter(rng, size):
    a = rand(rng, (33, 27), np.float32)
    got = ndimage.uniform_filter(a, size, **Z)
    assert got.dtype == np.float32
    assert_close(got, nd.uniform_filter(a.astype(np.float64), size, **Z), a, np.ones(4))
    got = ndimage.uniform_filter(a, 4, origin=-1, **Z)
    assert_close(got, nd.uniform_filter(a.astype(np.float64), 4, origin=-1, **Z), a)


def test_output_argument(rng):
    a = rand(rng, (10, 12), np.float32)
    out = np.empty((10, 12), np.float64)
    r = ndimage.uniform_filter(a, 3, output=out, **Z)
    assert r is out
    assert_close(out, nd.uniform_filter(a.astype(np.float64), 3, **Z), a)
    assert ndimage.gaussian_filter(a, 1.0, output=np.float64, **Z).dtype == np.float64
    with pytest.raises(RuntimeError, match="output shape"):
        ndimage.uniform_filter(a, 3, output=np.empty(3), **Z)


def test_unwired_modes_raise(rng):
    a = rand(rng, (10, 12))
    w = np.ones((3, 3))
    for mode in ["reflect", "nearest", "mirror", "wrap", "grid-wrap", "grid-mirror"]:
        for call in (lambda: ndimage.convolve(a, w, mode=mode),
                     lambda: ndimage.correlate(a, w, mode=mode),
                     lambda: ndimage.convolve1d(a, w[0], mode=mode),
                     lambda: ndimage.correlate1d(a, w[0], mode=mode),
                     lambda: ndimage.gaussian_filter(a, 1.0, mode=mode),
                     lambda: ndimage.uniform_filter(a, 3, mode=mode)):
            with pytest.raises(NotImplementedError, match="boundary modes"):
                call()
    with pytest.raises(NotImplementedError, match="cval"):
        ndimage.convolve(a, w, mode="constant", cval=1.0)
    # The defaults are scipy's (mode='reflect'), so a plain call says what is missing.
    with pytest.raises(NotImplementedError, match="mode='reflect'"):
        ndimage.gaussian_filter(a, 2.0)
    with pytest.raises(RuntimeError, match="boundary mode not supported"):
        ndimage.convolve(a, w, mode="bogus")


def test_errors(rng):
    a = rand(rng, (10, 12))
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.correlate1d(a, [1.0, 2.0, 3.0], origin=2, **Z)
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.correlate(a, np.ones((3, 3)), origin=(0, -2), **Z)
    with pytest.raises(RuntimeError, match="incorrect shape"):
        ndimage.correlate(a, np.ones(3), **Z)
    with pytest.raises(TypeError, match="int"):
        ndimage.convolve(np.ones((3, 3), np.int32), np.ones((2, 2)), **Z)
    with pytest.raises(NotImplementedError, match="3-D"):
        ndimage.convolve(np.ones((3, 3, 3)), np.ones((2, 2, 2)), **Z)
    with pytest.raises(RuntimeError, match="incorrect filter size"):
        ndimage.uniform_filter(a, 0, **Z)


def test_same_signatures_as_scipy():
    import inspect
    for name in ndimage.__all__:
        ours = inspect.signature(getattr(ndimage, name)).parameters
        theirs = inspect.signature(getattr(nd, name)).parameters
        assert list(theirs)[:len(theirs)] == [p for p in ours if p != "runtime"][:len(theirs)]
        for p in theirs:
            assert ours[p].default == theirs[p].default, (name, p)
