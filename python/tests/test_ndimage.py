"""clconv.ndimage against scipy.ndimage in every boundary mode (its aliases
included), with cval and origin, over random and edge shapes: size 1,
primes, even kernels and kernels longer than the input."""
import numpy as np
import pytest
import scipy.ndimage as nd

from clconv import ndimage
from conftest import assert_close

MODES = ["reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
         "grid-wrap"]
DTYPES = [np.float32, np.float64]
CVAL = 1.5


def rand(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def origins_of(k):
    """0 and the extremes ndimage allows for k taps."""
    return sorted({0, -(k // 2), (k - 1) // 2})


def check(got, want, dtype, a, w):
    assert got.dtype == dtype
    # A mode re-reads the input as often as a long kernel reaches, so scale
    # by the input's magnitude times the kernel's (cval counts as a sample).
    scale_in = np.concatenate([np.abs(a).ravel(), [CVAL]]) * max(1, np.size(w) // max(1, a.size))
    assert_close(got, want, scale_in, w)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["correlate1d", "convolve1d"])
@pytest.mark.parametrize("mode", MODES)
def test_1d_filters(rng, mode, fn, dtype):
    for shape, axis in [((1,), -1), ((2,), 0), ((13,), -1), ((1, 6), 0), ((7, 6), 0),
                        ((7, 6), 1), ((3, 4, 5), 1), ((3, 4, 5), 0), ((3, 4, 5), -1)]:
        a = rand(rng, shape, dtype)
        for k in [1, 2, 3, 4, 8, 17]:
            w = rand(rng, k)
            for origin in origins_of(k):
                got = getattr(ndimage, fn)(a, w, axis, mode=mode, cval=CVAL, origin=origin)
                want = getattr(nd, fn)(a.astype(np.float64), w, axis, mode=mode, cval=CVAL,
                                       origin=origin)
                check(got, want, dtype, a, w)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["correlate", "convolve"])
@pytest.mark.parametrize("mode", MODES)
def test_nd_filters(rng, mode, fn, dtype):
    for shape in [(1, 1), (1, 7), (5, 1), (7, 11), (12, 13)]:
        a = rand(rng, shape, dtype)
        for kshape in [(1, 1), (3, 3), (2, 4), (5, 2), (9, 14)]:
            w = rand(rng, kshape)
            for origin in [0, (-(kshape[0] // 2), (kshape[1] - 1) // 2),
                           ((kshape[0] - 1) // 2, -(kshape[1] // 2))]:
                got = getattr(ndimage, fn)(a, w, mode=mode, cval=CVAL, origin=origin)
                want = getattr(nd, fn)(a.astype(np.float64), w, mode=mode, cval=CVAL,
                                       origin=origin)
                check(got, want, dtype, a, w)
    # 1-D arrays with 1-D weights, and a Fortran-ordered image.
    a1, w1 = rand(rng, 11, dtype), rand(rng, 6)
    check(getattr(ndimage, fn)(a1, w1, mode=mode, cval=CVAL, origin=-3),
          getattr(nd, fn)(a1, w1, mode=mode, cval=CVAL, origin=-3), dtype, a1, w1)
    af, w2 = np.asfortranarray(rand(rng, (9, 5), dtype)), rand(rng, (4, 3))
    check(getattr(ndimage, fn)(af, w2, mode=mode, cval=CVAL, origin=(1, -1)),
          getattr(nd, fn)(af.astype(np.float64), w2, mode=mode, cval=CVAL, origin=(1, -1)),
          dtype, af, w2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["correlate", "convolve"])
@pytest.mark.parametrize("mode", MODES)
def test_3d_filters(rng, mode, fn, dtype):
    """Volumes, one clconv_conv3d call each: size 1, primes, even kernels,
    kernels longer than the volume, origins at the extremes ndimage allows
    (one per axis, and one number for all)."""
    for shape in [(1, 1, 1), (3, 5, 7), (6, 4, 5), (2, 1, 9)]:
        a = rand(rng, shape, dtype)
        for kshape in [(1, 1, 1), (3, 3, 3), (2, 4, 3), (5, 2, 1), (7, 8, 9)]:
            w = rand(rng, kshape)
            lo = tuple(-(k // 2) for k in kshape)
            hi = tuple((k - 1) // 2 for k in kshape)
            for origin in [0, lo, hi, (lo[0], hi[1], 0), min(hi)]:
                got = getattr(ndimage, fn)(a, w, mode=mode, cval=CVAL, origin=origin)
                want = getattr(nd, fn)(a.astype(np.float64), w, mode=mode, cval=CVAL,
                                       origin=origin)
                check(got, want, dtype, a, w)
    af, w3 = np.asfortranarray(rand(rng, (7, 5, 6), dtype)), rand(rng, (4, 3, 2))
    check(getattr(ndimage, fn)(af, w3, mode=mode, cval=CVAL, origin=(1, -1, 0)),
          getattr(nd, fn)(af.astype(np.float64), w3, mode=mode, cval=CVAL, origin=(1, -1, 0)),
          dtype, af, w3)
    strided = rand(rng, (8, 9, 10), dtype)[::2, 1:, ::3]
    check(getattr(ndimage, fn)(strided, w3, mode=mode, cval=CVAL),
          getattr(nd, fn)(strided.astype(np.float64), w3, mode=mode, cval=CVAL), dtype,
          strided, w3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_3d_separable_filters(rng, mode, dtype):
    """gaussian_filter and uniform_filter of volumes: one separable call
    when every axis is filtered with one mode, else one axis after another;
    constant mode with cval and kernels that do not sum to 1 (derivatives)
    included, where the two differ outside the volume."""
    a = rand(rng, (9, 10, 11), dtype)
    for kw in [dict(sigma=1.0), dict(sigma=(0.7, 1.5, 2.5)), dict(sigma=(1.0, 0.0, 2.0)),
               dict(sigma=1.5, order=1), dict(sigma=1.0, order=(0, 2, 0)),
               dict(sigma=(2.0, 1.0, 1.0), order=(0, 0, 1)), dict(sigma=4.0),
               dict(sigma=2.0, radius=(1, 2, 7))]:
        got = ndimage.gaussian_filter(a, mode=mode, cval=CVAL, **kw)
        want = nd.gaussian_filter(a.astype(np.float64), mode=mode, cval=CVAL, **kw)
        check(got, want, dtype, a, np.ones(27))
    for size, origin in [(3, 0), (2, -1), ((3, 4, 5), (1, -2, 2)), ((1, 4, 2), (0, 1, 0)),
                         (12, 0), ((2, 20, 3), (-1, 9, 1))]:
        got = ndimage.uniform_filter(a, size, mode=mode, cval=CVAL, origin=origin)
        want = nd.uniform_filter(a.astype(np.float64), size, mode=mode, cval=CVAL,
                                 origin=origin)
        check(got, want, dtype, a, np.ones(8))
    for shape in [(1, 1, 1), (1, 5, 1), (2, 3, 4)]:
        x = rand(rng, shape, dtype)
        check(ndimage.gaussian_filter(x, 1.5, mode=mode, cval=CVAL),
              nd.gaussian_filter(x.astype(np.float64), 1.5, mode=mode, cval=CVAL), dtype, x,
              np.ones(27))
    f = np.asfortranarray(a)
    check(ndimage.gaussian_filter(f, (1.0, 2.0, 0.5), mode=mode, cval=CVAL),
          nd.gaussian_filter(f.astype(np.float64), (1.0, 2.0, 0.5), mode=mode, cval=CVAL),
          dtype, f, np.ones(27))


def test_3d_separable_is_one_call(rng, monkeypatch):
    """A volume filtered along every axis with one mode is one separable
    library call (clconv_conv3d_separable); modes that differ by axis, or a
    derivative with a constant cval, take one pass per axis."""
    from clconv import _signal
    seen = []
    real_sep, real_axis = _signal._Local._conv_separable, _signal._Local._conv_axis

    def spy_sep(self, x, kernels, *args):
        seen.append(("separable", x.shape, len(kernels)))
        return real_sep(self, x, kernels, *args)

    def spy_axis(self, x, *args):
        seen.append(("axis", x.shape))
        return real_axis(self, x, *args)

    monkeypatch.setattr(_signal._Local, "_conv_separable", spy_sep)
    monkeypatch.setattr(_signal._Local, "_conv_axis", spy_axis)
    a = rand(rng, (5, 6, 7))
    ndimage.gaussian_filter(a, 1.0)
    ndimage.uniform_filter(np.asfortranarray(a), 3, mode="constant", cval=2.0)
    assert seen == [("separable", (1, 5, 6, 7), 3), ("separable", (1, 7, 6, 5), 3)]
    seen.clear()
    ndimage.gaussian_filter(a, 1.0, mode=("reflect", "wrap", "reflect"))
    ndimage.gaussian_filter(a, 1.0, order=1, mode="constant", cval=2.0)
    assert [s[0] for s in seen] == ["axis"] * 6


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_gaussian_filter(rng, mode, dtype):
    a = rand(rng, (37, 45), dtype)
    for kw in [dict(sigma=1.0), dict(sigma=3.0), dict(sigma=(2.0, 0.0)), dict(sigma=(0.5, 4)),
               dict(sigma=2.0, order=1), dict(sigma=1.5, order=(0, 2)),
               dict(sigma=2.0, truncate=2.0), dict(sigma=2.0, radius=3)]:
        got = ndimage.gaussian_filter(a, mode=mode, cval=CVAL, **kw)
        want = nd.gaussian_filter(a.astype(np.float64), mode=mode, cval=CVAL, **kw)
        check(got, want, dtype, a, np.ones(9))
    # Kernels longer than the input, 1-D, 3-D, and a Fortran-ordered image.
    for shape, sigma in [((1, 1), 2.0), ((3, 2), 3.0), ((200,), 2.5), ((1,), 1.0),
                         ((4, 5, 6), 1.0), ((2, 3, 1), (1.0, 0.0, 2.0))]:
        x = rand(rng, shape, dtype)
        check(ndimage.gaussian_filter(x, sigma, mode=mode, cval=CVAL),
              nd.gaussian_filter(x.astype(np.float64), sigma, mode=mode, cval=CVAL), dtype, x,
              np.ones(25))
    f = np.asfortranarray(rand(rng, (20, 9), dtype))
    check(ndimage.gaussian_filter(f, (1.0, 2.0), mode=mode, cval=CVAL),
          nd.gaussian_filter(f.astype(np.float64), (1.0, 2.0), mode=mode, cval=CVAL), dtype, f,
          np.ones(9))


@pytest.mark.parametrize("mode", MODES)
def test_uniform_filter(rng, mode):
    a = rand(rng, (23, 17), np.float32)
    for size, origin in [(1, 0), (2, 0), (3, 0), (4, -1), ((3, 5), (1, -2)), ((1, 4), (0, 1)),
                         (30, 0), ((2, 40), (-1, 19))]:
        got = ndimage.uniform_filter(a, size, mode=mode, cval=CVAL, origin=origin)
        want = nd.uniform_filter(a.astype(np.float64), size, mode=mode, cval=CVAL,
                                 origin=origin)
        check(got, want, np.float32, a, np.ones(4))
    x = rand(rng, (5, 4, 3))
    check(ndimage.uniform_filter(x, (3, 1, 2), mode=mode, cval=CVAL),
          nd.uniform_filter(x, (3, 1, 2), mode=mode, cval=CVAL), np.float64, x, np.ones(4))


def test_modes_per_axis(rng):
    a = rand(rng, (15, 12))
    for modes in [("reflect", "wrap"), ["constant", "nearest"], ("mirror", "grid-wrap")]:
        assert_close(ndimage.gaussian_filter(a, 2.0, mode=modes, cval=CVAL),
                     nd.gaussian_filter(a, 2.0, mode=modes, cval=CVAL), a)
        assert_close(ndimage.uniform_filter(a, (4, 3), mode=modes, cval=CVAL, origin=(1, -1)),
                     nd.uniform_filter(a, (4, 3), mode=modes, cval=CVAL, origin=(1, -1)), a)


def test_defaults_are_scipys(rng):
    a = rand(rng, (30, 20), np.float32)
    w = rand(rng, (3, 4))
    assert_close(ndimage.gaussian_filter(a, 2.0), nd.gaussian_filter(a, 2.0), a)
    assert_close(ndimage.convolve(a, w), nd.convolve(a.astype(np.float64), w), a, w)
    assert_close(ndimage.correlate1d(a, w[0]), nd.correlate1d(a.astype(np.float64), w[0]), a,
                 w)


def test_output_argument(rng):
    a = rand(rng, (10, 12), np.float32)
    want = nd.uniform_filter(a.astype(np.float64), 3)
    out = np.empty((10, 12), np.float64)
    r = ndimage.uniform_filter(a, 3, output=out)
    assert r is out
    assert_close(out, want, a)
    out32 = np.zeros((10, 12), np.float32)
    assert ndimage.convolve(a, np.ones((2, 2)), output=out32) is out32
    assert_close(out32, nd.convolve(a.astype(np.float64), np.ones((2, 2))), a, np.ones(4))
    assert ndimage.gaussian_filter(a, 1.0, output=np.float64).dtype == np.float64
    assert ndimage.correlate1d(a, [1.0, 2.0], output=np.float32).dtype == np.float32
    with pytest.raises(RuntimeError, match="output shape"):
        ndimage.uniform_filter(a, 3, output=np.empty(3))
    with pytest.raises(RuntimeError, match="float16"):
        ndimage.uniform_filter(a, 3, output=np.float16)


def test_errors(rng):
    a = rand(rng, (10, 12))
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.correlate1d(a, [1.0, 2.0, 3.0], origin=2)
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.convolve1d(a, [1.0, 2.0], origin=1)
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.correlate(a, np.ones((3, 3)), origin=(0, -2))
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.uniform_filter(a, 4, origin=2)
    with pytest.raises(RuntimeError, match="incorrect shape"):
        ndimage.correlate(a, np.ones(3))
    with pytest.raises(RuntimeError, match="not supported"):
        ndimage.convolve(np.ones((3, 3), object), np.ones((2, 2)))
    with pytest.raises(NotImplementedError, match="4-D"):
        ndimage.convolve(np.ones((3, 3, 3, 3)), np.ones((2, 2, 2, 2)))
    with pytest.raises(RuntimeError, match="incorrect shape"):
        ndimage.correlate(np.ones((3, 3, 3)), np.ones((2, 2)), mode="wrap")
    with pytest.raises(ValueError, match="invalid origin"):
        ndimage.convolve(np.ones((3, 3, 3)), np.ones((2, 3, 4)), origin=(0, 0, 2))
    with pytest.raises(RuntimeError, match="length equal to input rank"):
        ndimage.convolve(np.ones((3, 3, 3)), np.ones((2, 3, 4)), origin=(0, 0))
    with pytest.raises(RuntimeError, match="incorrect filter size"):
        ndimage.uniform_filter(a, 0)
    with pytest.raises(ValueError, match="axis"):
        ndimage.correlate1d(a, [1.0], axis=2)
    # scipy 1.10 has no 'grid-reflect' (nor any other name) for filters.
    for mode in ["grid-reflect", "bogus", "symm"]:
        with pytest.raises(RuntimeError, match="boundary mode not supported"):
            ndimage.convolve(a, np.ones((3, 3)), mode=mode)
        with pytest.raises(RuntimeError, match="boundary mode not supported"):
            nd.convolve(a, np.ones((3, 3)), mode=mode)


def test_same_signatures_as_scipy():
    import inspect
    for name in ndimage.__all__:
        ours = inspect.signature(getattr(ndimage, name)).parameters
        theirs = inspect.signature(getattr(nd, name)).parameters
        assert list(theirs)[:len(theirs)] == [p for p in ours if p != "runtime"][:len(theirs)]
        for p in theirs:
            assert ours[p].default == theirs[p].default, (name, p)
