"""scipy.signal's functions against SciPy: random and edge shapes, every
mode, both dtypes and mixed, correlation, layouts, axes, errors."""
import numpy as np
import pytest
import scipy.signal as ss

import clconv
from conftest import assert_close

MODES = ["full", "same", "valid"]
DTYPES = [np.float32, np.float64]
SHAPES_1D = [(1, 1), (1, 5), (5, 1), (7, 3), (3, 7), (100, 17), (17, 100), (64, 64),
             (1000, 1), (4096, 255), (10000, 1000)]
# 3-D: size 1, primes, even kernels, kernels larger than the input along
# some or all axes, and a kernel as large as the input.
SHAPES_3D = [((1, 1, 1), (1, 1, 1)), ((5, 7, 3), (3, 3, 3)), ((3, 3, 3), (5, 7, 4)),
             ((2, 11, 13), (2, 4, 6)), ((7, 5, 6), (7, 5, 6)), ((6, 8, 10), (1, 1, 5)),
             ((9, 4, 7), (3, 1, 1)), ((1, 13, 1), (1, 4, 1))]
SHAPES_2D = [((1, 1), (1, 1)), ((5, 7), (3, 3)), ((3, 3), (5, 7)), ((32, 17), (4, 6)),
             ((17, 32), (17, 32)), ((64, 48), (1, 9)), ((64, 48), (9, 1)),
             ((100, 90), (15, 15)), ((7, 5), (2, 2))]


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n,k", SHAPES_1D)
@pytest.mark.parametrize("fn", ["convolve", "correlate"])
def test_1d(rng, fn, n, k, mode, dtype):
    a, b = rand(rng, n, dtype), rand(rng, k, dtype)
    got = getattr(clconv, fn)(a, b, mode)
    want = getattr(ss, fn)(a.astype(np.float64), b.astype(np.float64), mode)
    assert got.dtype == dtype
    assert_close(got, want, a, b)


@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", ["convolve", "correlate"])
def test_methods(rng, fn, mode, method):
    a, b = rand(rng, 3000, np.float64), rand(rng, 200, np.float64)
    got = getattr(clconv, fn)(a, b, mode, method)
    assert_close(got, getattr(ss, fn)(a, b, mode, method), a, b)


# Images with the four 2-D functions; volumes with volume kernels, one
# clconv_conv3d call each.
CASES_ND = ([(fn, s1, s2) for fn in ("convolve", "correlate", "convolve2d", "correlate2d")
             for s1, s2 in SHAPES_2D]
            + [(fn, s1, s2) for fn in ("convolve", "correlate", "fftconvolve", "oaconvolve")
               for s1, s2 in SHAPES_3D])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn,s1,s2", CASES_ND)
def test_2d_3d(rng, fn, s1, s2, mode, dtype):
    a, b = rand(rng, s1, dtype), rand(rng, s2, dtype)
    got = getattr(clconv, fn)(a, b, mode)
    want = getattr(ss, fn)(a.astype(np.float64), b.astype(np.float64), mode)
    assert got.dtype == dtype
    assert_close(got, want, a, b)


@pytest.mark.parametrize("method", ["auto", "direct", "fft"])
@pytest.mark.parametrize("fn", ["convolve", "correlate"])
def test_3d_methods(rng, fn, method):
    # The 3-D FFT plans of both precisions took 96 s to make from a cold
    # cache on the shared 2-core machine; the Python path is the same for
    # both, and the C suite conv3d checks float64 FFTs.
    for dtype in DTYPES if method != "fft" else [np.float32]:
        a, b = rand(rng, (12, 17, 20), dtype), rand(rng, (5, 4, 7), dtype)
        for mode in MODES:
            got = getattr(clconv, fn)(a, b, mode, method)
            assert got.dtype == dtype
            assert_close(got, getattr(ss, fn)(a.astype(np.float64), b.astype(np.float64), mode),
                         a, b)


def test_3d_layouts(rng):
    a = rand(rng, (9, 10, 11), np.float32)
    b = rand(rng, (2, 3, 4), np.float32)
    for x in (a, np.asfortranarray(a), a[::2, :, ::3], a.transpose(1, 2, 0)):
        for fn in ("convolve", "correlate"):
            got = getattr(clconv, fn)(x, b, "same")
            assert got.dtype == np.float32
            assert_close(got, getattr(ss, fn)(x.astype(np.float64), b, "same"), x, b)
            assert not np.shares_memory(got, x)
    assert_close(clconv.convolve(a, np.asfortranarray(b), "full"),
                 ss.convolve(a.astype(np.float64), b, "full"), a, b)
    mixed = clconv.correlate(a, b.astype(np.float64), "valid")
    assert mixed.dtype == np.float64
    assert_close(mixed, ss.correlate(a.astype(np.float64), b.astype(np.float64), "valid"), a, b)


def test_3d_is_one_library_call(rng, monkeypatch):
    """A volume goes to the library whole (clconv_conv3d), not plane by plane."""
    from clconv import _signal
    seen = []
    real = _signal._Local._conv

    def spy(self, x, h, mode, method, correlate, dims, *args):
        seen.append((x.shape, h.shape, dims))
        return real(self, x, h, mode, method, correlate, dims, *args)

    monkeypatch.setattr(_signal._Local, "_conv", spy)
    a, b = rand(rng, (6, 7, 8), np.float32), rand(rng, (3, 3, 3), np.float32)
    clconv.convolve(a, b)
    clconv.fftconvolve(a, b, "same")
    clconv.correlate(np.asfortranarray(a), b, "valid")
    assert seen == [((1, 6, 7, 8), (3, 3, 3), 3)] * 2 + [((1, 8, 7, 6), (3, 3, 3), 3)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_fft_names(rng, fn, mode, dtype):
    for s1, s2 in [((500,), (31,)), ((31,), (500,)), ((40, 50), (7, 5))]:
        a, b = rand(rng, s1, dtype), rand(rng, s2, dtype)
        got = getattr(clconv, fn)(a, b, mode)
        assert got.dtype == dtype
        assert_close(got, getattr(ss, fn)(a.astype(np.float64), b.astype(np.float64), mode),
                     a, b)


# Arrays convolved along some axes and broadcast along the others: a
# batch of 1-D (or, for volumes, 2-D) convolutions, or a call per pair.
AXES_CASES = ([(s1, s2, axes) for s1, s2 in [
                  ((6, 50), (1, 9)), ((50, 6), (9, 1)), ((6, 50), (6, 9)), ((1, 50), (6, 9)),
                  ((6, 9), (6, 50)), ((6, 50), (1, 50)), ((1, 50), (1, 9)), ((6, 1), (1, 9)),
                  ((1, 1), (5, 7)), ((6, 9), (7, 50))]
               for axes in [0, 1, -1, [1], (0, 1), None]]
              + [(s1, s2, axes) for s1, s2 in [
                  ((4, 9, 30), (1, 1, 7)), ((4, 9, 30), (4, 3, 1)), ((4, 9, 30), (1, 3, 5)),
                  ((1, 9, 30), (3, 4, 5)), ((4, 9, 30), (4, 9, 30)), ((4, 1, 30), (1, 6, 7)),
                  ((3, 9, 8), (5, 2, 30)), ((4, 9, 30), (2, 9, 6))]
                 for axes in [0, 2, -2, [0, 2], (1, 2), (0, 1), None]])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("s1,s2,axes", AXES_CASES)
def test_fftconvolve_axes(rng, s1, s2, axes, mode):
    a, b = rand(rng, s1, np.float64), rand(rng, s2, np.float64)
    try:
        want = ss.fftconvolve(a, b, mode, axes)
    except ValueError:
        with pytest.raises(ValueError):
            clconv.fftconvolve(a, b, mode, axes)
        return
    got = clconv.fftconvolve(a, b, mode, axes)
    assert_close(got, want, a, b)


def test_mixed_dtypes_promote(rng):
    a, b = rand(rng, 50, np.float32), rand(rng, 5, np.float64)
    got = clconv.convolve(a, b)
    assert got.dtype == np.float64 == ss.convolve(a, b).dtype
    assert_close(got, ss.convolve(a, b), a, b)
    assert clconv.convolve2d(a.reshape(5, 10), b.reshape(5, 1)).dtype == np.float64


def test_lists_and_scalars():
    assert_close(clconv.convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]),
                 ss.convolve([1.0, 2.0, 3.0], [0.0, 1.0, 0.5]))
    assert clconv.convolve(np.float32(2), np.float32(3)) == 6
    assert clconv.fftconvolve(2.0, 3.0) == 6.0


@pytest.mark.parametrize("fn", ["convolve", "correlate2d"])
def test_layouts(rng, fn):
    a = rand(rng, (60, 70), np.float32)
    b = rand(rng, (5, 3), np.float32)
    want = getattr(ss, fn)(a.astype(np.float64), b, "same")
    for x in (a, np.asfortranarray(a), a[::2, ::3], np.asfortranarray(a)[1:, :-1], a.T.T):
        got = getattr(clconv, fn)(x, b, "same")
        assert got.dtype == np.float32
        assert_close(got, getattr(ss, fn)(x.astype(np.float64), b, "same"), x, b)
        assert got.base is None or got.base.base is None  # a new array, not a view of x
        assert not np.shares_memory(got, x)
    assert_close(clconv.convolve(a, np.asfortranarray(b), "same"),
                 ss.convolve(a.astype(np.float64), b, "same"), a, b)
    del want


def test_contiguous_input_is_not_copied(rng, monkeypatch):
    """The array the library receives is the caller's own memory."""
    from clconv import _signal
    seen = []
    real = _signal._Local._conv

    def spy(self, x, h, *args):
        seen.append(x.ctypes.data)
        return real(self, x, h, *args)

    monkeypatch.setattr(_signal._Local, "_conv", spy)
    a = rand(rng, (40, 30), np.float32)
    clconv.convolve(a, np.ones((3, 3), np.float32))
    f = np.asfortranarray(a)
    clconv.convolve(f, np.ones((3, 3), np.float32))
    v = rand(rng, 100, np.float64)
    clconv.correlate(v, np.ones(3))
    assert seen == [a.ctypes.data, f.ctypes.data, v.ctypes.data]


def test_integer_values_exact_in_float32(rng):
    a = rng.integers(-8, 8, 4096).astype(np.float32)
    b = rng.integers(-8, 8, 33).astype(np.float32)
    np.testing.assert_array_equal(clconv.convolve(a, b), np.convolve(a, b))


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        clconv.convolve([1.0], [1.0], "middle")
    with pytest.raises(ValueError, match="method"):
        clconv.convolve([1.0], [1.0], method="winograd")
    with pytest.raises(ValueError, match="dimensionality"):
        clconv.convolve(np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least as large"):
        clconv.convolve(np.ones((3, 5)), np.ones((5, 3)), "valid")
    with pytest.raises(ValueError, match="2-D"):
        clconv.convolve2d(np.ones(3), np.ones(3))
    with pytest.raises(ValueError):
        clconv.convolve(np.ones(0), np.ones(3))
    assert clconv.fftconvolve(np.ones(0), np.ones(3)).shape == ss.fftconvolve(
        np.ones(0), np.ones(3)).shape
    with pytest.raises(NotImplementedError, match="4-D"):
        clconv.convolve(np.ones((2, 2, 2, 2)), np.ones((1, 1, 1, 1)))
    with pytest.raises(NotImplementedError, match="4-D"):
        clconv.fftconvolve(np.ones((2, 2, 2, 2)), np.ones((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="at least as large"):
        clconv.correlate(np.ones((3, 5, 4)), np.ones((4, 3, 4)), "valid")
    with pytest.raises(TypeError, match="complex256"):
        clconv.convolve(np.ones(3, np.clongdouble), np.ones(2))
    with pytest.raises(NotImplementedError, match="int64"):
        clconv.convolve(np.full(3, 2 ** 40, np.int64), np.ones(2, np.int64))
    with pytest.raises(TypeError, match="object"):
        clconv.convolve(np.ones(3, object), np.ones(2))
    with pytest.raises(TypeError, match="float16"):
        clconv.convolve(np.ones(3, np.float16), np.ones(2, np.float16))
    with pytest.raises(TypeError, match="runtime"):
        clconv.convolve([1.0], [1.0], runtime="cpu")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("boundary", ["fill", "pad", "wrap", "circular", "symm", "symmetric"])
@pytest.mark.parametrize("fn", ["convolve2d", "correlate2d"])
def test_boundaries_same(rng, fn, boundary, dtype):
    """'same' with every boundary and fill value through the library's
    boundary modes, scipy.signal's centring of even kernels included, for
    kernels longer than the image too."""
    f, g = getattr(clconv, fn), getattr(ss, fn)
    for shape in [(1, 1), (1, 5), (7, 1), (20, 31), (6, 4)]:
        a = rand(rng, shape, dtype)
        for kshape in [(1, 1), (3, 4), (2, 2), (5, 3), (9, 12)]:
            b = rand(rng, kshape, dtype)
            for fillvalue in [0, 1.5]:
                want = g(a.astype(np.float64), b.astype(np.float64), "same", boundary,
                         fillvalue)
                got = f(a, b, "same", boundary, fillvalue)
                assert got.dtype == dtype
                scale = np.concatenate([np.abs(a).ravel(), [1.5]]) * max(1, b.size // a.size)
                assert_close(got, want, scale, b)
    af = np.asfortranarray(rand(rng, (9, 14), dtype))
    b = rand(rng, (4, 3), dtype)
    assert_close(f(af, b, "same", boundary, 2.0), g(af, b, "same", boundary, 2.0), af, b)


@pytest.mark.parametrize("fn", ["convolve2d", "correlate2d"])
def test_boundaries_full_valid(rng, fn):
    a, b = rand(rng, (20, 30), np.float64), rand(rng, (3, 4), np.float64)
    f = getattr(clconv, fn)
    for boundary in ("wrap", "circular", "symm", "symmetric"):
        with pytest.raises(NotImplementedError, match=f"boundary='{boundary}' with mode='full'"):
            f(a, b, "full", boundary)
        # 'valid' never reads past the input: every boundary runs.
        assert_close(f(a, b, "valid", boundary), getattr(ss, fn)(a, b, "valid", boundary), a, b)
    with pytest.raises(NotImplementedError, match="fillvalue=1.5 with mode='full'"):
        f(a, b, "full", "fill", 1.5)
    assert_close(f(a, b, "valid", "fill", 1.5), getattr(ss, fn)(a, b, "valid", "fill", 1.5),
                 a, b)
    assert_close(f(a, b, "full", "pad"), getattr(ss, fn)(a, b, "full", "pad"), a, b)
    with pytest.raises(ValueError, match="boundary"):
        f(a, b, "full", "mirror")
    with pytest.raises(ValueError, match="could not cast `fillvalue`"):
        f(a, b, "same", "fill", 1 + 2j)


@pytest.mark.parametrize("mode", MODES)
def test_fftconvolve_1d_broadcast(rng, mode):
    for s1, s2 in [((1,), (5,)), ((5,), (1,)), ((9,), (4,))]:
        a, b = rand(rng, s1, np.float64), rand(rng, s2, np.float64)
        assert_close(clconv.fftconvolve(a, b, mode), ss.fftconvolve(a, b, mode), a, b)


def test_large_results_reuse_memory_only_when_released(rng):
    """Results of 4 MiB and more reuse the memory of results that are gone,
    never of one the caller still holds (or holds a view of), and start on a
    64-byte line."""
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    h = np.ones((3, 3), np.float32)
    r1 = clconv.convolve2d(a, h, "same")
    assert r1.ctypes.data % 64 == 0 and r1.flags.c_contiguous and r1.flags.owndata is False
    want = r1.copy()
    view = r1[10:20]
    p1 = r1.ctypes.data
    del r1
    r2 = clconv.convolve2d(a * 2, h, "same")
    assert r2.ctypes.data != p1
    np.testing.assert_array_equal(view, want[10:20])
    del view
    p2 = r2.ctypes.data
    del r2
    r3 = clconv.convolve2d(a, h, "same")
    assert r3.ctypes.data in (p1, p2)
    assert r3.ctypes.data % 64 == 0
    np.testing.assert_array_equal(r3, want)
    clconv.release_memory()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_repeated_calls_take_the_remembered_library_call(rng, mode, dtype):
    """A call whose whole chain came down to one library call on the two
    arrays as they are is remembered by its signature, and the next call
    with that signature makes that library call directly: its results stay
    SciPy's with new data, and a signature that differs in mode, correlation,
    dtype, shape or layout is told apart."""
    from clconv import _signal
    _signal._PLAIN.clear()
    pairs = [(clconv.convolve, ss.convolve), (clconv.correlate, ss.correlate),
             (clconv.convolve2d, ss.convolve2d), (clconv.correlate2d, ss.correlate2d)]
    for fn, ref in pairs:
        for shape, kshape in [((37, 41), (5, 3)), ((6, 9), (2, 7))]:
            for _ in range(3):
                a, b = rand(rng, shape, dtype), rand(rng, kshape, dtype)
                got = fn(a, b, mode)
                assert got.dtype == dtype and got.flags.c_contiguous
                assert_close(got, ref(a.astype(np.float64), b.astype(np.float64), mode), a, b)
    # Each signature's first call was one call on the arrays as they are.
    assert len(_signal._PLAIN) == len(pairs) * 2
    remembered = len(_signal._PLAIN)
    # A Fortran-ordered image runs as its transpose (another layout): its
    # results are right and its signature stays out of the memory.
    a, b = np.asfortranarray(rand(rng, (37, 41), dtype)), rand(rng, (5, 3), dtype)
    for _ in range(2):
        assert_close(clconv.convolve2d(a, b, mode),
                     ss.convolve2d(a.astype(np.float64), b.astype(np.float64), mode), a, b)
    assert len(_signal._PLAIN) == remembered
    # A view of the memory of another (a strided image, copied first) too.
    big = rand(rng, (74, 41), dtype)
    for _ in range(2):
        assert_close(clconv.convolve(big[::2], b, mode),
                     ss.convolve(big[::2].astype(np.float64), b.astype(np.float64), mode),
                     big[::2], b)
    assert len(_signal._PLAIN) == remembered
    # Errors still come from the whole chain, remembered signature or not.
    with pytest.raises(ValueError):
        clconv.convolve2d(rand(rng, (37, 41), dtype), b, "nope")
    with pytest.raises(ValueError):
        clconv.convolve2d(rand(rng, (37, 41), dtype), b, mode, boundary="nope")
    _signal._PLAIN.clear()
