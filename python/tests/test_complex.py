"""complex64 and complex128 against SciPy in every function: NumPy's
promotion (complex64 with float32 stays complex64, anything with float64 or
complex128 gives complex128; scipy.fft's rule in fftconvolve and oaconvolve;
scipy.ndimage's output, the input's dtype promoted with complex64),
correlation conjugating a complex kernel as scipy.signal.correlate and
scipy.ndimage.correlate do, complex fill values and cvals, and the Client
returning the in-process bytes."""
import warnings

import numpy as np
import pytest
import scipy.ndimage as nd
import scipy.signal as ss

import clconv
from clconv import ndimage

MODES = ["full", "same", "valid"]


def crand(rng, shape, dtype=np.complex64):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def operand(rng, shape, dtype):
    if np.dtype(dtype).kind == "c":
        return crand(rng, shape, dtype)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 200, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def check(got, want, a, b):
    """SciPy's dtype, and values within the rounding of the least precise
    operand (SciPy computes a complex64 operand's FFT in complex64 even
    where the result is complex128)."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    single = any(np.dtype(x.dtype) in (np.float32, np.complex64) for x in (a, b))
    if single and got.dtype == np.complex128:
        got = got.astype(np.complex64)
    close(got, want, a, b)


def close(got, want, a, b):
    """As conftest.assert_close, for complex values: the error of each entry
    within 64 eps (log2 of the taps + 1) of the sum of |products|."""
    assert got.shape == want.shape, (got.shape, want.shape)
    eps = np.finfo(got.dtype).eps
    scale = max(float(np.max(np.abs(want))) if want.size else 0.0,
                float(np.sum(np.abs(a))) * float(np.max(np.abs(b))))
    tol = 64 * eps * (scale + 1e-300) * (1 + np.log2(max(2, np.size(b))))
    err = float(np.max(np.abs(got.astype(np.complex128) - want))) if want.size else 0.0
    assert err <= tol, f"max error {err:g} above {tol:g}"


PAIRS = [(np.complex64, np.complex64), (np.complex64, np.float32), (np.float32, np.complex64),
         (np.complex64, np.float64), (np.float64, np.complex64), (np.complex64, np.complex128),
         (np.complex128, np.float32), (np.uint8, np.complex64), (np.int16, np.complex128),
         (np.complex64, np.int32)]
SHAPES = [((60,), (7,)), ((7,), (60,)), ((13, 17), (4, 3)), ((9, 8, 7), (3, 2, 4))]


@pytest.mark.parametrize("da,db", PAIRS)
@pytest.mark.parametrize("fn", ["convolve", "correlate", "fftconvolve", "oaconvolve"])
def test_signal_complex(rng, fn, da, db):
    for sa, sb in SHAPES:
        a, b = operand(rng, sa, da), operand(rng, sb, db)
        for mode in MODES:
            check(getattr(clconv, fn)(a, b, mode), getattr(ss, fn)(a, b, mode), a, b)


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_correlate_conjugates(rng, method):
    """correlate(a, b) is convolve(a, conj(b) reversed), as SciPy's."""
    a, b = crand(rng, 200, np.complex128), crand(rng, 31, np.complex128)
    got = clconv.correlate(a, b, "full", method)
    close(got, np.convolve(a, np.conj(b[::-1])), a, b)
    close(got, ss.correlate(a, b, "full", method), a, b)


def test_fftconvolve_axes_complex(rng):
    a, b = crand(rng, (4, 50)), rng.standard_normal((1, 9)).astype(np.float32)
    for mode in MODES:
        check(clconv.fftconvolve(a, b, mode, axes=1), ss.fftconvolve(a, b, mode, axes=1), a, b)
        check(clconv.oaconvolve(b, a, mode, axes=1), ss.oaconvolve(b, a, mode, axes=1), b, a)


@pytest.mark.parametrize("fn", ["convolve2d", "correlate2d"])
def test_convolve2d_complex(rng, fn):
    a, b = crand(rng, (15, 16)), crand(rng, (3, 4), np.complex128)
    for boundary, fill in [("fill", 0), ("fill", 1 + 2j), ("fill", -0.5j), ("symm", 0),
                           ("wrap", 0)]:
        for mode in ["same", "valid"]:
            check(getattr(clconv, fn)(a, b, mode, boundary, fill),
                  getattr(ss, fn)(a, b, mode, boundary, fill), a, b)
    r = rng.standard_normal((10, 11))
    check(getattr(clconv, fn)(r, b, "full"), getattr(ss, fn)(r, b, "full"), r, b)
    check(getattr(clconv, fn)(a, r[:3, :2], "same", "fill", 2 + 1j),
          getattr(ss, fn)(a, r[:3, :2], "same", "fill", 2 + 1j), a, r)
    with pytest.raises(ValueError, match="could not cast `fillvalue`"):
        getattr(clconv, fn)(r, r[:2, :2], "same", "fill", 1j)


NDI_INPUTS = [np.complex64, np.complex128, np.float32, np.float64, np.uint8]


@pytest.mark.parametrize("dx", NDI_INPUTS)
@pytest.mark.parametrize("mode", ["reflect", "constant", "nearest", "mirror", "wrap"])
def test_ndimage_complex(rng, dx, mode):
    """Complex input or weights: the output dtype is the input's promoted
    with complex64 (complex128 weights do not widen it), correlate and
    correlate1d conjugate the weights, a complex cval reads as SciPy reads
    it on a complex input."""
    x = operand(rng, (12, 13), dx)
    cval = 1.5 - 0.5j if np.dtype(dx).kind == "c" else 1.5
    for w in [crand(rng, (3, 2), np.complex128), crand(rng, (1, 4)),
              rng.standard_normal((2, 3))]:
        if np.dtype(dx).kind != "c" and w.dtype.kind != "c":
            continue
        for fn in ["correlate", "convolve"]:
            got = getattr(ndimage, fn)(x, w, mode=mode, cval=cval, origin=(0, -1))
            want = getattr(nd, fn)(x, w, mode=mode, cval=cval, origin=(0, -1))
            check(got, want, x, w)
        w1 = w.reshape(-1)
        for fn in ["correlate1d", "convolve1d"]:
            for axis in [0, 1]:
                got = getattr(ndimage, fn)(x, w1, axis=axis, mode=mode, cval=cval)
                want = getattr(nd, fn)(x, w1, axis=axis, mode=mode, cval=cval)
                check(got, want, x, w1)
    x3 = operand(rng, (5, 6, 7), dx)
    w3 = crand(rng, (2, 3, 2))
    check(ndimage.correlate(x3, w3, mode=mode, cval=cval),
          nd.correlate(x3, w3, mode=mode, cval=cval), x3, w3)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("mode", ["reflect", "constant", "wrap"])
def test_ndimage_filters_complex(rng, dtype, mode):
    """gaussian_filter and uniform_filter of complex arrays with real
    weights: one separable call, or pass by pass where the cval is complex
    (as SciPy runs its passes)."""
    for shape in [(40,), (15, 16), (7, 8, 9)]:
        x = crand(rng, shape, dtype)
        for cval in [0.0, 2.0, 1 - 2j]:
            for kw in [dict(sigma=1.2), dict(sigma=1.0, order=1)]:
                check(ndimage.gaussian_filter(x, mode=mode, cval=cval, **kw),
                      nd.gaussian_filter(x, mode=mode, cval=cval, **kw), x, np.ones(9))
            check(ndimage.uniform_filter(x, 3, mode=mode, cval=cval),
                  nd.uniform_filter(x, 3, mode=mode, cval=cval), x, np.ones(9))


def test_ndimage_complex_outputs(rng):
    x = crand(rng, (10, 11))
    w = crand(rng, (2, 2), np.complex128)
    out = np.empty(x.shape, np.complex128)
    assert ndimage.correlate(x, w, output=out) is out
    # scipy.ndimage rounds a complex64 input's partial sums to float32.
    close(out.astype(np.complex64), nd.correlate(x, w, output=np.complex128), x, w)
    with pytest.raises(RuntimeError, match="complex dtype"):
        ndimage.correlate(x, w, output=np.empty(x.shape, np.float64))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = ndimage.correlate(x.real.copy(), w, output=np.float32)
    assert got.dtype == np.complex64 and "promoting" in str(caught[0].message)
    with pytest.raises(ValueError, match="complex-valued cval"):
        ndimage.correlate(x.real.copy(), w, cval=1j)


def test_client_complex(server, rng):
    """The Client sends complex .npy parts and gets the in-process bytes."""
    c = clconv.Client(server)
    a, b = crand(rng, (20, 21)), crand(rng, (3, 4), np.complex128)
    r = rng.standard_normal((3, 3)).astype(np.float32)
    cases = [lambda m: m.convolve(a, b), lambda m: m.correlate(a, r, "same"),
             lambda m: m.fftconvolve(a.real.copy(), b[:1], axes=1),
             lambda m: m.convolve2d(a, r, "same", "fill", 1 + 1j),
             lambda m: m.ndimage.correlate(a, b, mode="wrap"),
             lambda m: m.ndimage.gaussian_filter(a, 1.0),
             lambda m: m.ndimage.uniform_filter(a, 3, mode="constant", cval=1 + 2j),
             lambda m: m.ndimage.correlate1d(a, b[0], axis=0)]
    local = clconv
    for case in cases:
        got, want = case(c), case(local)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
