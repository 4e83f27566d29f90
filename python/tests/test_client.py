"""clconv.Client against a `clconv serve` started on a free port: the same
functions give the same arrays as the in-process calls."""
import numpy as np
import pytest
import scipy.ndimage as nd
import scipy.signal as ss

import clconv
from clconv import ndimage
from conftest import assert_close

Z = dict(mode="constant", cval=0.0)


def rand(rng, shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_signal_functions_identical(client, rng, mode, dtype):
    cases = [("convolve", rand(rng, 300, dtype), rand(rng, 9, dtype)),
             ("correlate", rand(rng, 9, dtype), rand(rng, 300, dtype)),
             ("convolve", rand(rng, (30, 40), dtype), rand(rng, (3, 5), dtype)),
             ("correlate", np.asfortranarray(rand(rng, (30, 40), dtype)),
              rand(rng, (4, 4), dtype)),
             ("convolve2d", rand(rng, (30, 40), dtype), rand(rng, (5, 2), dtype)),
             ("correlate2d", rand(rng, (30, 40), dtype), rand(rng, (4, 6), dtype)),
             ("fftconvolve", rand(rng, 500, dtype), rand(rng, 31, dtype)),
             ("oaconvolve", rand(rng, (20, 30), dtype), rand(rng, (3, 3), dtype)),
             # Volumes: one /v1/conv3d request, clconv_conv3d_host's call.
             ("convolve", rand(rng, (6, 7, 9), dtype), rand(rng, (3, 2, 4), dtype)),
             ("correlate", np.asfortranarray(rand(rng, (5, 8, 6), dtype)),
              rand(rng, (2, 3, 3), dtype)),
             ("correlate", rand(rng, (2, 3, 2), dtype), rand(rng, (4, 5, 6), dtype)),
             ("fftconvolve", rand(rng, (7, 6, 5), dtype), rand(rng, (3, 3, 2), dtype))]
    for name, a, b in cases:
        got = getattr(client, name)(a, b, mode)
        want = getattr(clconv, name)(a, b, mode)
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want, err_msg=name)
        if a.ndim == 3:
            assert_close(got, getattr(ss, name)(a.astype(np.float64), b.astype(np.float64),
                                                mode), a, b)


def test_mixed_dtypes_and_batches(client, rng):
    a, b = rand(rng, (6, 200), np.float32), rand(rng, (1, 15), np.float64)
    for axes in (1, None):
        got = client.fftconvolve(a, b, "same", axes=axes)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, clconv.fftconvolve(a, b, "same", axes=axes))
    a, b = rand(rng, (200, 6)), rand(rng, (15, 6))
    np.testing.assert_array_equal(client.fftconvolve(a, b, axes=0),
                                  clconv.fftconvolve(a, b, axes=0))
    a, b = rand(rng, (6, 7, 8), np.float32), rand(rng, (3, 3, 2), np.float64)
    for method in ("direct", "fft"):
        got = client.correlate(a, b, "same", method)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, clconv.correlate(a, b, "same", method))


def test_ndimage_identical(client, rng):
    a = rand(rng, (40, 50), np.float32)
    np.testing.assert_array_equal(client.ndimage.gaussian_filter(a, 2.0, **Z),
                                  ndimage.gaussian_filter(a, 2.0, **Z))
    np.testing.assert_array_equal(client.ndimage.uniform_filter(a, 4, **Z),
                                  ndimage.uniform_filter(a, 4, **Z))
    np.testing.assert_array_equal(client.ndimage.convolve1d(a, [1.0, 2.0], 0, **Z),
                                  ndimage.convolve1d(a, [1.0, 2.0], 0, **Z))
    np.testing.assert_array_equal(client.ndimage.correlate(a, np.ones((2, 3)), **Z),
                                  ndimage.correlate(a, np.ones((2, 3)), **Z))
    # Arrays of more than 3 dimensions are refused, as in-process, before
    # anything is sent.
    for f in (client.ndimage.convolve, client.ndimage.correlate, client.convolve,
              client.correlate):
        with pytest.raises(NotImplementedError, match="4-D convolutions"):
            f(np.ones((2, 3, 3, 3)), np.ones((2, 3, 3, 3)))
    with pytest.raises(NotImplementedError, match="4-D convolutions"):
        client.fftconvolve(np.ones((2, 3, 3, 3)), np.ones((2, 3, 3, 3)))
    # Volumes convolved along some axes, and a 4-D array along three, are
    # batches the service runs.
    v, k = rand(rng, (3, 8, 9)), rand(rng, (1, 3, 2))
    np.testing.assert_array_equal(client.fftconvolve(v, k, "same", axes=(1, 2)),
                                  clconv.fftconvolve(v, k, "same", axes=(1, 2)))
    v, k = rand(rng, (2, 5, 6, 7)), rand(rng, (1, 3, 2, 3))
    np.testing.assert_array_equal(client.fftconvolve(v, k, axes=(1, 2, 3)),
                                  clconv.fftconvolve(v, k, axes=(1, 2, 3)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["reflect", "constant", "nearest", "mirror", "wrap",
                                  "grid-constant"])
def test_ndimage_modes_identical(client, rng, mode, dtype):
    """boundary, cval, origin and axis travel as query parameters, and the
    service runs the library calls the in-process functions run."""
    kw = dict(mode=mode, cval=-0.75)
    a = rand(rng, (23, 30), dtype)
    w = rand(rng, (4, 5), dtype)
    for fn, args, extra in [("convolve", (a, w), dict(origin=(1, -2))),
                            ("correlate", (a, w[:3, :1]), dict(origin=(-1, 0))),
                            ("correlate", (a[0], w[0]), dict(origin=2)),
                            ("gaussian_filter", (a, 1.5), {}),
                            ("gaussian_filter", (a, (2.0, 0.5)), dict(order=(1, 0))),
                            ("gaussian_filter", (rand(rng, (4, 5, 6), dtype), (1.0, 0, 2.0)),
                             {}),
                            ("uniform_filter", (a, (3, 4)), dict(origin=(1, -1))),
                            ("uniform_filter", (a, 50), {})]:
        np.testing.assert_array_equal(getattr(client.ndimage, fn)(*args, **kw, **extra),
                                      getattr(ndimage, fn)(*args, **kw, **extra))
    x = rand(rng, (5, 6, 7), dtype)
    v = rand(rng, (3, 4, 2), dtype)
    # Volumes: convolve and correlate are one /v1/conv3d request, a volume
    # filtered along every axis with one mode one separable request (kdepth,
    # kcol, krow), the library calls the in-process functions make; other
    # filters run one axis after another there and here alike.
    for fn, args, extra in [("convolve", (x, v), dict(origin=(1, -2, 0))),
                            ("correlate", (x, v), dict(origin=-1)),
                            ("correlate", (np.asfortranarray(x), v[:, :3, :1]),
                             dict(origin=(0, 1, 0))),
                            ("convolve", (x[:2, :3], rand(rng, (4, 5, 9), dtype)), {}),
                            ("gaussian_filter", (x, 1.0), {}),
                            ("gaussian_filter", (np.asfortranarray(x), (0.7, 1.2, 2.0)), {}),
                            ("gaussian_filter", (x, 1.0), dict(order=(0, 1, 0))),
                            ("gaussian_filter", (x, 1.0),
                             dict(mode=["reflect", "wrap", "nearest"])),
                            ("uniform_filter", (x, 3), {}),
                            ("uniform_filter", (x, (2, 3, 4)), dict(origin=(0, 1, -1)))]:
        kws = {**kw, **extra}
        got = getattr(client.ndimage, fn)(*args, **kws)
        want = getattr(ndimage, fn)(*args, **kws)
        assert got.dtype == want.dtype == dtype
        np.testing.assert_array_equal(got, want, err_msg=f"{fn} {extra}")
        ref = getattr(nd, fn)(*(np.asarray(a, np.float64) if isinstance(a, np.ndarray) else a
                                for a in args), **kws)
        assert_close(got, ref, x, args[1] if fn in ("convolve", "correlate") else None)
    for fn in ("convolve1d", "correlate1d"):
        for axis, origin in [(-1, 0), (0, 1), (1, -2), (2, 1)]:
            np.testing.assert_array_equal(
                getattr(client.ndimage, fn)(x, w[0], axis, origin=origin, **kw),
                getattr(ndimage, fn)(x, w[0], axis, origin=origin, **kw))


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_signal_boundaries_identical(client, rng, boundary):
    a, b = rand(rng, (17, 21), np.float32), rand(rng, (4, 3), np.float32)
    for fn in ("convolve2d", "correlate2d"):
        np.testing.assert_array_equal(getattr(client, fn)(a, b, "same", boundary, 1.25),
                                      getattr(clconv, fn)(a, b, "same", boundary, 1.25))


def test_devices(client):
    ds = client.devices()
    assert ds and {"index", "name", "type", "queued", "running"} <= set(ds[0])


def test_errors(client, server):
    with pytest.raises(ValueError, match="mode"):
        client.convolve([1.0], [1.0], "middle")
    with pytest.raises(NotImplementedError, match="mode='full'"):
        client.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap")
    # The service's own checks come back as RemoteError with its message.
    with pytest.raises(clconv.RemoteError) as e:
        client._conv(np.array([[1.0, np.nan]]), np.ones(2), "full", "auto", False, 1)
    assert e.value.http_status == 400 and "NaN" in e.value.message
    assert isinstance(e.value, ValueError)
    # A volume's job past the client's checks: /v1/conv3d's 400 and message.
    with pytest.raises(clconv.RemoteError) as e:
        client._conv(np.ones((1, 3, 3, 3)), np.ones((2, 2, 2)), "middle", "auto", False, 3)
    assert e.value.http_status == 400 and isinstance(e.value, ValueError)
    assert e.value.message == "mode must be full, same or valid, not 'middle'"
    with pytest.raises(clconv.RemoteError) as e:
        clconv.Client(server, token="x")._request("/v1/nosuch")
    assert e.value.http_status == 404
    with pytest.raises(ValueError):
        clconv.Client("ftp://example")


def test_dist(client, rng):
    from clconv import dist
    p, q = rng.random(6), rng.random(4)
    p, q = p / p.sum(), q / q.sum()
    pairs = [(client.dist.dice(20, 6), dist.dice(20, 6)),
             (client.dist.Dist(p, -2) + client.dist.Dist(q, 5), dist.Dist(p, -2) + dist.Dist(q, 5)),
             (client.dist.Dist(p, 1).times(7), dist.Dist(p, 1).times(7)),
             (client.dist.sum([client.dist.Dist(p), client.dist.Dist(q)] * 3),
              dist.sum([dist.Dist(p), dist.Dist(q)] * 3)),
             (client.dist.Dist([1.0, 3.0], normalize=True), dist.Dist([1.0, 3.0], normalize=True))]
    k = np.arange(-10, 130)
    qs = np.array([0.0, 1e-6, 0.01, 0.5, 0.99, 1.0, 1.5])
    for remote, local in pairs:
        assert remote.support == local.support and remote.offset == local.offset
        np.testing.assert_array_equal(remote.probabilities, local.probabilities)
        for f in ("pmf", "cdf", "sf"):
            np.testing.assert_array_equal(getattr(remote, f)(k), getattr(local, f)(k))
        np.testing.assert_array_equal(remote.ppf(qs), local.ppf(qs))
        assert (remote.mean(), remote.var(), remote.std()) == \
            (local.mean(), local.var(), local.std())
    probs = rng.random(200)
    remote, local = client.dist.poisson_binomial(probs), dist.poisson_binomial(probs)
    np.testing.assert_allclose(remote.probabilities, local.probabilities, rtol=1e-12, atol=0)
    with pytest.raises(NotImplementedError, match="copies"):
        client.dist.Dist(p).times(2) + client.dist.Dist(q)
    with pytest.raises(clconv.RemoteError, match="sum to"):
        client.dist.Dist([0.5, 0.6]).mean()


def test_dist_logs_and_compound(client):
    """The service's logpmf/sf/logsf arrays and its "count" give what the
    in-process calls give."""
    from clconv import dist
    remote, local = client.dist.dice(1000, 6), dist.dice(1000, 6)
    k = np.array([999, 1000, 1500, 3500, 5999, 6000, 6001])
    for f in ("logpmf", "sf", "logsf"):
        np.testing.assert_array_equal(getattr(remote, f)(k), getattr(local, f)(k))
    pairs = [(client.dist.compound(client.dist.poisson(30.0), client.dist.dice(1, 10)),
              dist.compound(dist.poisson(30.0), dist.dice(1, 10))),
             (client.dist.compound(client.dist.binomial(5, 0.5), client.dist.Dist([0.5, 0.5])),
              dist.compound(dist.binomial(5, 0.5), dist.Dist([0.5, 0.5]))),
             (client.dist.compound(client.dist.negbin(2.0, 0.5), client.dist.Dist([0.5, 0.5])),
              dist.compound(dist.negbin(2.0, 0.5), dist.Dist([0.5, 0.5]))),
             (client.dist.compound(client.dist.geometric(0.5), client.dist.Dist([0.5, 0.5])),
              dist.compound(dist.geometric(0.5), dist.Dist([0.5, 0.5]))),
             (client.dist.compound(client.dist.Dist([0.5, 0.25, 0.25]),
                                   client.dist.Dist([0.5, 0.5], 1)),
              dist.compound(dist.Dist([0.5, 0.25, 0.25]), dist.Dist([0.5, 0.5], 1)))]
    for remote, local in pairs:
        assert remote.support == local.support
        np.testing.assert_allclose(remote.probabilities, local.probabilities, rtol=1e-12, atol=0)
        np.testing.assert_allclose(remote.logpmf(np.arange(0, 40)),
                                   local.logpmf(np.arange(0, 40)), rtol=1e-12)
    with pytest.raises(clconv.RemoteError, match="expected poisson:LAMBDA"):
        client.dist.compound(client.dist.poisson(-1.0), client.dist.dice(1, 6)).mean()
    with pytest.raises(TypeError):
        client.dist.compound(client.dist.dice(2, 6) + client.dist.dice(1, 6), client.dist.dice(1, 6))
    with pytest.raises(NotImplementedError, match="compound"):
        client.dist.compound(client.dist.poisson(2.0), client.dist.dice(1, 6)).times(2)
