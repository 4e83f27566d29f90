"""clconv.dist against scipy.stats.rv_discrete and direct NumPy convolution."""
import numpy as np
import pytest
from scipy import stats

import clconv
from clconv import dist


def reference(p, offset):
    return stats.rv_discrete(values=(np.arange(len(p)) + offset, p))


def loaded(rng, n):
    p = rng.random(n)
    return p / p.sum()


def test_matches_rv_discrete(rng):
    p = loaded(rng, 7)
    d = dist.Dist(p, offset=-3)
    ref = reference(p, -3)
    k = np.array([-5, -3, -2.5, 0, 3, 4, 10])
    np.testing.assert_allclose(d.pmf(k), ref.pmf(k), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(k), ref.cdf(k), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d.sf(k), ref.sf(k), rtol=1e-9, atol=1e-15)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(d.logpmf(k), ref.logpmf(k), rtol=1e-12)
    q = np.array([0.0, 1e-9, 0.1, 0.5, 0.999, 1.0, -0.1, 1.5])
    assert dist.dice(20, 6).ppf(1.0) == 120 and dist.dice(20, 6).ppf(0.0) == 19
    np.testing.assert_array_equal(d.ppf(q), ref.ppf(q))
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert d.var() == pytest.approx(ref.var(), rel=1e-12)
    assert d.std() == pytest.approx(ref.std(), rel=1e-12)
    assert d.support == (-3, 3)
    assert d.offset == -3
    np.testing.assert_allclose(d.probabilities, p, rtol=1e-15)
    assert isinstance(d.pmf(0), float) and np.ndim(d.cdf(0)) == 0


def test_sums(rng):
    p, q = loaded(rng, 6), loaded(rng, 4)
    a, b = dist.Dist(p, 1), dist.Dist(q, -2)
    s = a + b
    assert s.offset == -1
    np.testing.assert_allclose(s.probabilities, np.convolve(p, q), rtol=1e-12)
    many = dist.sum([a, b, a])
    np.testing.assert_allclose(many.probabilities, np.convolve(np.convolve(p, q), p),
                               rtol=1e-12)
    assert many.offset == 1 - 2 + 1
    t = a.times(5)
    want = p
    for _ in range(4):
        want = np.convolve(want, p)
    np.testing.assert_allclose(t.probabilities, want, rtol=1e-12)
    assert t.offset == 5
    assert (a + 3).offset == 4 and (3 + a).offset == 4


def test_dice_and_poisson_binomial(rng):
    d = dist.dice(3, 6)
    assert d.support == (3, 18)
    assert d.pmf(10) == pytest.approx(27 / 216, rel=1e-14)
    assert d.mean() == pytest.approx(10.5, rel=1e-14)
    assert d.var() == pytest.approx(3 * 35 / 12, rel=1e-13)
    probs = rng.random(300)
    pb = dist.poisson_binomial(probs)
    want = np.array([1.0])
    for x in probs:
        want = np.convolve(want, [1 - x, x])
    np.testing.assert_allclose(pb.probabilities, want, rtol=1e-9, atol=1e-300)
    assert pb.mean() == pytest.approx(probs.sum(), rel=1e-12)
    np.testing.assert_allclose(pb.var(), np.sum(probs * (1 - probs)), rtol=1e-10)


def test_tails_keep_relative_accuracy():
    """sf deep in the upper tail: 1 - cdf would be 0 there."""
    d = dist.dice(100, 6)
    assert d.sf(599) == pytest.approx(6.0 ** -100, rel=1e-9)
    assert d.sf(598) == pytest.approx(101 * 6.0 ** -100, rel=1e-9)
    assert d.pmf(100) == pytest.approx(6.0 ** -100, rel=1e-9)


def test_errors(rng):
    with pytest.raises(ValueError, match="sum to"):
        dist.Dist([0.5, 0.6])
    assert dist.Dist([1.0, 3.0], normalize=True).pmf(1) == 0.75
    with pytest.raises(ValueError):
        dist.Dist([0.5, -0.1, 0.6])
    with pytest.raises(ValueError):
        dist.Dist([])
    with pytest.raises(ValueError):
        dist.Dist([[0.5, 0.5]])
    with pytest.raises(TypeError):
        dist.Dist([1.0], offset=0.5)
    with pytest.raises(ValueError):
        dist.dice(0, 6)
    with pytest.raises(ValueError):
        dist.Dist([1.0]).times(0)
    with pytest.raises(ValueError, match="probability"):
        dist.poisson_binomial([0.5, 1.5])
    with pytest.raises(TypeError):
        dist.sum([dist.Dist([1.0]), [1.0]])
    with pytest.raises(ValueError):
        dist.sum([])
    try:
        dist.Dist([0.5, 0.6])
    except clconv.Error as e:
        assert e.name == "CLCONV_EINVAL" and e.status == -1 and e.message


def test_runtime_outlives_closing_while_dists_live():
    with clconv.Runtime("cpu") as rt:
        d = dist.dice(2, 6, runtime=rt)
    # Closed, but d still holds the device memory it needs.
    assert d.pmf(7) == pytest.approx(1 / 6)
    with pytest.raises(ValueError, match="closed"):
        dist.dice(2, 6, runtime=rt)
    del d
    assert rt._handle is None


def test_logs_and_sf_from_the_library():
    """logpmf, sf and logsf come from the library (clconv_dist_read_log,
    clconv_dist_sf, clconv_dist_logsf): exact far below float64's range,
    where pmf reads 0. References: Python's big integers (1000d6 ways by
    inclusion-exclusion) and log 6^-1000."""
    d = dist.dice(1000, 6)
    assert d.pmf(1500) == 0.0
    assert d.logpmf(1500) == pytest.approx(-842.61417450968821059, abs=1e-8)
    assert d.logpmf(1000) == pytest.approx(-1791.7594692280550008, abs=1e-8)
    # logsf(5499) = log P(S >= 5500) = log P(S <= 1500) by symmetry.
    assert d.logsf(5499) == pytest.approx(-842.20293917175215360, abs=1e-8)
    assert d.logpmf(999) == -np.inf and d.logsf(6000) == -np.inf and d.logsf(0) == 0.0
    e = dist.Dist([0.5, 0.0, 0.5])
    np.testing.assert_array_equal(e.logpmf([0, 1, 2, 3]), [np.log(0.5), -np.inf, np.log(0.5),
                                                          -np.inf])
    np.testing.assert_array_equal(e.sf([-1, 0, 1, 2]), [1.0, 0.5, 0.5, 0.0])


def test_logs_against_scipy(rng):
    p = loaded(rng, 9)
    d, ref = dist.Dist(p, offset=2).times(40), stats.rv_discrete(
        values=(np.arange(9) + 2, p))
    k = np.arange(70, 400)
    want = np.convolve
    q = p
    for _ in range(39):
        q = want(q, p)
    ref = stats.rv_discrete(values=(np.arange(len(q)) + 80, q))
    np.testing.assert_allclose(d.logpmf(k), ref.logpmf(k), rtol=1e-9)
    # rv_discrete's sf is 1 - cdf, which loses the upper tail; the reference
    # sums the exact convolution from the top instead.
    tail = np.append(np.cumsum(q[::-1])[::-1][1:], 0.0)
    idx = np.clip(k - 80, 0, len(q) - 1)
    want = np.where(k < 80, 1.0, tail[idx])
    np.testing.assert_allclose(d.sf(k), want, rtol=1e-9, atol=1e-300)
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(d.logsf(k[:-10]), np.log(want[:-10]), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("make, ref", [
    (lambda: dist.poisson(7.5), stats.poisson(7.5)),
    (lambda: dist.binomial(20, 0.3), stats.binom(20, 0.3)),
    (lambda: dist.negbin(3.5, 0.4), stats.nbinom(3.5, 0.4)),
    (lambda: dist.geometric(0.25), stats.geom(0.25, loc=-1)),
])
def test_counts_against_scipy(make, ref):
    d = make()
    k = np.arange(0, 40)
    assert d.offset == 0
    np.testing.assert_allclose(d.pmf(k), ref.pmf(k), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(d.logpmf(k), ref.logpmf(k), rtol=1e-9)


def test_compound():
    """N ~ Poisson(1000) of severities uniform on 1..10: P(S = 0) = e^-1000,
    mean 5500 and variance 1000 E[X^2] = 38500; thinning Poisson(lam) by a
    Bernoulli(q) severity gives Poisson(lam q), binomial(n, p) gives
    binomial(n, p q)."""
    s = dist.compound(dist.poisson(1000.0), dist.dice(1, 10))
    assert s.logpmf(0) == pytest.approx(-1000.0, abs=1e-8)
    assert s.mean() == pytest.approx(5500.0, rel=1e-12)
    assert s.var() == pytest.approx(38500.0, rel=1e-12)
    # Up to 20: larger values need counts past the tail of 1e-20 that
    # clconv_dist_count leaves out.
    k = np.arange(0, 20)
    t = dist.compound(dist.poisson(6.0), dist.Dist([0.5, 0.5]))
    np.testing.assert_allclose(t.pmf(k), stats.poisson(3.0).pmf(k), rtol=1e-9)
    b = dist.compound(dist.binomial(12, 0.5), dist.Dist([0.6, 0.4]))
    np.testing.assert_allclose(b.pmf(np.arange(13)), stats.binom(12, 0.2).pmf(np.arange(13)),
                               rtol=1e-9)
    u = dist.compound(dist.Dist([0.5, 0.25, 0.25]), dist.Dist([0.5, 0.5], offset=1))
    np.testing.assert_allclose(u.probabilities, [0.5, 0.125, 0.1875, 0.125, 0.0625],
                               rtol=1e-14)
    with pytest.raises(TypeError):
        dist.compound([0.5, 0.5], dist.dice(1, 6))
    with pytest.raises(clconv.InvalidArgumentError):
        dist.poisson(-1.0)
