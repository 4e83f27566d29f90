"""Dtypes other than float32 and float64 against SciPy: the result's dtype
follows SciPy exactly (np.result_type in convolve, correlate, convolve2d and
correlate2d; scipy.fft's float64 for integers in fftconvolve and oaconvolve;
the input's dtype or output= in scipy.ndimage), integer results are SciPy's
integers (exact sums wrapping at the range in scipy.signal, double sums
truncated and wrapped in scipy.ndimage), uint8, uint16 and int16 signals
reach the library as they are where it takes them, and what cannot match
is refused by name."""
import numpy as np
import pytest
import scipy.ndimage as nd
import scipy.signal as ss

import clconv
from clconv import _lib, _signal, ndimage
from conftest import assert_close

INTS = [np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64]
FLOATS = [np.float32, np.float64]


def ints(rng, shape, dtype, lo=None, hi=None):
    info = np.iinfo(dtype) if dtype != np.bool_ else None
    if info is None:
        return rng.integers(0, 2, shape).astype(bool)
    lo = max(info.min, -300) if lo is None else lo
    hi = min(info.max, 300) if hi is None else hi
    return rng.integers(lo, hi, shape, endpoint=True).astype(dtype)


def same_result(got, want, a, b):
    """dtype as SciPy's; integers equal, floats within rounding."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        # scipy.fft keeps a float32 input's transform in float32, so SciPy's
        # float64 result of float32 with an integer has float32's rounding.
        if np.float32 in (a.dtype, b.dtype):
            got = got.astype(np.float32)
        assert_close(got, want.astype(np.float64), a.astype(np.float64), b.astype(np.float64))


@pytest.mark.parametrize("da", INTS + FLOATS)
@pytest.mark.parametrize("db", [np.uint8, np.int16, np.int64, np.bool_] + FLOATS)
@pytest.mark.parametrize("fn", ["convolve", "correlate", "fftconvolve", "oaconvolve"])
def test_signal_dtypes(rng, fn, da, db):
    """Every pair of dtypes in 1-D and 2-D: SciPy's result dtype, its
    integers exactly (wrapping, as NumPy's integer sums wrap, where they
    overflow a small dtype)."""
    for shape_a, shape_b in [((40,), (7,)), ((13, 17), (4, 3))]:
        a = ints(rng, shape_a, da) if da not in FLOATS else rng.standard_normal(
            shape_a).astype(da) * 50
        b = ints(rng, shape_b, db) if db not in FLOATS else rng.standard_normal(
            shape_b).astype(db)
        for mode in ["full", "same", "valid"]:
            try:
                want = getattr(ss, fn)(a, b, mode)
            except ValueError:
                # SciPy has no N-D boolean convolution: neither has clconv.
                with pytest.raises(ValueError, match="boolean"):
                    getattr(clconv, fn)(a, b, mode)
                continue
            same_result(getattr(clconv, fn)(a, b, mode), want, a, b)


@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
def test_integer_overflow_wraps(rng, method):
    """uint8 * uint8 sums beyond 255 and int16 sums beyond 32767 wrap as in
    SciPy, in 1-D, 2-D and 3-D."""
    for dtype in [np.uint8, np.int16, np.uint16]:
        for shape_a, shape_b in [((50,), (9,)), ((20, 21), (5, 4)), ((6, 7, 8), (3, 2, 3))]:
            info = np.iinfo(dtype)
            a = rng.integers(info.min, info.max, shape_a, endpoint=True).astype(dtype)
            b = rng.integers(0, 255, shape_b, endpoint=True).astype(dtype)
            got = clconv.convolve(a, b, "full", method)
            want = ss.convolve(a, b, "full", "direct")
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)


def test_convolve2d_integers(rng):
    a = ints(rng, (30, 40), np.uint8, 0, 255)
    for b, boundary, fill in [(np.uint8([[1, 2], [3, 4]]), "fill", 0),
                              (np.int16([[1, -2, 1]]), "symm", 0),
                              (np.float32([[0.5, 0.25], [0.125, 1]]), "wrap", 0),
                              (np.int16([[1, -2], [3, 1]]), "fill", 7.9)]:
        for fn in ["convolve2d", "correlate2d"]:
            for mode in ["same", "valid"] + (["full"] if boundary == "fill" and fill == 0
                                            else []):
                got = getattr(clconv, fn)(a, b, mode, boundary, fill)
                want = getattr(ss, fn)(a, b, mode, boundary, fill)
                same_result(got, want, a, b)
    with pytest.raises(ValueError, match="not available for this type"):
        clconv.convolve2d(np.ones((3, 3), bool), np.ones((2, 2), bool))


def test_scalars_and_broadcast_follow_numpy():
    """Where SciPy multiplies (0-d inputs, fftconvolve with no axis left)
    the result is NumPy's product, dtype and all."""
    a, b = np.uint8(200), np.float32(0.5)
    assert clconv.convolve(np.asarray(a), np.asarray(b)).dtype == ss.convolve(a, b).dtype
    x, y = np.arange(6, dtype=np.uint8).reshape(2, 3), np.full((2, 1), 3, np.uint8)
    got, want = clconv.fftconvolve(x, y, axes=1), ss.fftconvolve(x, y, axes=1)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_big_endian_and_refusals():
    a = np.arange(20, dtype=">f8")
    b = np.array([1, 2, 3], dtype=">i2")
    for fn in ["convolve", "fftconvolve"]:
        got, want = getattr(clconv, fn)(a, b), getattr(ss, fn)(a, b)
        assert got.dtype == want.dtype
        assert_close(got, want, a, b)
    got, want = clconv.convolve(b, b), ss.convolve(b, b)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    with pytest.raises(TypeError, match="object"):
        clconv.convolve(np.ones(3, object), np.ones(2))
    with pytest.raises(TypeError, match="float16"):
        clconv.fftconvolve(np.ones(3, np.float16), np.ones(2))
    # Exact integer sums of int64 (or int32) need more than float64 holds.
    with pytest.raises(NotImplementedError, match="int64 with int64.*2\\^40"):
        clconv.convolve(np.full(4, 2 ** 35, np.int64), np.full(3, 100, np.int64))
    got = clconv.convolve(np.full(4, 2 ** 35, np.int64), np.full(3, 100.0))
    assert got.dtype == np.float64


class _Spy:
    """Stands in for the ctypes library and records the functions called."""

    def __init__(self, lib):
        self.lib = lib
        self.called = []

    def __getattr__(self, name):
        self.called.append(name)
        return getattr(self.lib, name)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int16])
def test_integer_signal_reaches_library(rng, monkeypatch, dtype):
    """A uint8, uint16 or int16 image goes to the library's typed form as it
    is (the library converts it on the device), not converted here."""
    spy = _Spy(_signal.lib)
    monkeypatch.setattr(_signal, "lib", spy)
    a = ints(rng, (64, 48), dtype)
    b = rng.standard_normal((5, 5)).astype(np.float32)
    got = clconv.convolve(a, b, "same")
    assert spy.called == ["clconv_conv2d_host_typed"]
    assert_close(got, ss.convolve(a, b, "same"), a, b)
    spy.called.clear()
    ndimage.correlate(a, b.astype(np.float64), mode="nearest")
    assert spy.called == ["clconv_conv2d_host_typed"]
    if _lib.integer_everywhere():
        spy.called.clear()
        clconv.fftconvolve(a[0], b[0])
        assert spy.called == ["clconv_conv1d_host_typed"]


# ---- scipy.ndimage ---------------------------------------------------------

NDI_INTS = [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64, np.uint64]


@pytest.mark.parametrize("dtype", NDI_INTS + [np.bool_])
def test_ndimage_integer_input_keeps_dtype(rng, dtype):
    """output=None gives the input's dtype: double sums truncated toward
    zero and wrapped at the range, as scipy.ndimage's C cast. Weights are
    sums of powers of two, so the double sums are exact in any order and
    the results equal SciPy's exactly, negative and overflowing ones too."""
    x = ints(rng, (17, 19), dtype)
    cases = [lambda m: m.correlate1d(x, [0.25, -0.75, 1.5]),
             lambda m: m.convolve1d(x, [3.0, 2.0, 0.5], axis=0, mode="wrap"),
             lambda m: m.correlate(x, np.array([[0.5, -0.25], [2.0, 0.125]]), mode="mirror"),
             lambda m: m.convolve(x, np.array([[-1.5, 4.0, 0.5]]), mode="constant", cval=2.5),
             lambda m: m.uniform_filter(x, (2, 4), mode="nearest"),
             lambda m: m.uniform_filter(x, 4, origin=1)]
    for case in cases:
        got, want = case(ndimage), case(nd)
        assert got.dtype == want.dtype == x.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16])
def test_ndimage_integer_gaussian(rng, dtype):
    """gaussian_filter of integers truncates after every axis as SciPy does;
    its weights are not exact in binary, so where SciPy's double sum lies
    within rounding of an integer the two may truncate to neighbours."""
    x = ints(rng, (20, 24), dtype, 0, 250)
    for kw in [dict(sigma=1.0), dict(sigma=(0.0, 2.0)), dict(sigma=1.5, order=(1, 0))]:
        got, want = ndimage.gaussian_filter(x, **kw), nd.gaussian_filter(x, **kw)
        assert got.dtype == want.dtype
        diff = got.astype(np.int64) - want.astype(np.int64)
        assert np.count_nonzero(diff) <= x.size // 100, np.count_nonzero(diff)
        assert np.all(np.isin(diff % (np.iinfo(dtype).max + 1), [0, 1, np.iinfo(dtype).max]))


def test_ndimage_output_arguments(rng):
    """output= as an integer array or an integer dtype, and a float output
    of an integer input, as SciPy."""
    x = ints(rng, (15, 16), np.uint8)
    xf = rng.standard_normal((15, 16)) * 1000
    w = np.array([[0.5, -0.25], [1.0, 0.125]])
    for src in [x, xf]:
        for odt in [np.uint8, np.int16, np.int32, np.float32, np.float64, np.bool_]:
            got, want = np.empty(src.shape, odt), np.empty(src.shape, odt)
            assert ndimage.correlate(src, w, output=got) is got
            nd.correlate(src, w, output=want)
            if odt in FLOATS:
                assert_close(got, want.astype(np.float64), src, w)
            else:
                np.testing.assert_array_equal(got, want)
            got = ndimage.uniform_filter(src, 2, output=odt)
            want = nd.uniform_filter(src, 2, output=odt)
            assert got.dtype == want.dtype
            if odt in FLOATS:
                assert_close(got, want.astype(np.float64), src, np.ones(4))
            else:
                np.testing.assert_array_equal(got, want)


def test_ndimage_big_endian_and_refusals():
    x = np.arange(30, dtype=">i2").reshape(5, 6)
    got, want = ndimage.correlate1d(x, [0.5, 2.0]), nd.correlate1d(x, [0.5, 2.0])
    assert got.dtype == want.dtype and np.array_equal(got, want)
    for dtype in [np.float16, object]:
        with pytest.raises(RuntimeError, match="not supported"):
            ndimage.correlate1d(np.ones(4, dtype), [1.0])
    with pytest.raises(RuntimeError, match="not supported"):
        ndimage.correlate1d(np.ones(4), [1.0], output=np.float16)


def test_client_integers(server, rng):
    """The Client hands the service the job the in-process call runs, an
    integer image as it is included: the same bytes."""
    c = clconv.Client(server)
    a = ints(rng, (33, 40), np.uint8)
    b = rng.standard_normal((4, 5)).astype(np.float32)
    for fn in ["convolve", "correlate", "fftconvolve"]:
        got, want = getattr(c, fn)(a, b), getattr(clconv, fn)(a, b)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    got, want = c.convolve(a, a[:3, :3]), clconv.convolve(a, a[:3, :3])
    assert got.dtype == np.uint8 and np.array_equal(got, want)
    w = np.array([[0.5, -0.25], [1.0, 0.125]])
    for case in [lambda m: m.correlate(a, w), lambda m: m.correlate1d(a, [1.0, -0.5], axis=0),
                 lambda m: m.gaussian_filter(a, 1.0), lambda m: m.uniform_filter(a, 3)]:
        got, want = case(c.ndimage), case(ndimage)
        assert got.dtype == want.dtype == np.uint8 and np.array_equal(got, want)
