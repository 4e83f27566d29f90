"""Distributions of sums of independent discrete random variables.

For independent X and Y, P(X+Y = n) = sum_k P(X = k) P(Y = n-k): the
distribution of a sum is the convolution of the distributions, which the
library computes on the device (clconv_dist_*) with every probability above
1e-290 accurate to 1e-9 relative, and the logarithms of all of them (logpmf,
logsf) to about 1e-9 absolute however far below float64's range they lie. A
:class:`Dist` answers as scipy.stats.rv_discrete does (pmf, logpmf, cdf, sf,
logsf, ppf, moments). :func:`compound` gives the distribution of
X1 + ... + XN for a random count N (:func:`poisson`, :func:`binomial`,
:func:`negbin`, :func:`geometric` or any Dist).

Example:
    >>> from clconv import dist
    >>> d = dist.dice(3, 6)
    >>> d.support, round(d.pmf(10), 6), d.mean()
    ((3, 18), 0.125, 10.5)
"""
from __future__ import annotations

import builtins
import ctypes
import math
from typing import Iterable, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lib
from ._lib import lib
from ._runtime import Runtime, resolve

__all__ = ["Dist", "dice", "poisson_binomial", "sum", "compound", "poisson", "binomial",
           "negbin", "geometric"]

_Scalar = Union[int, float, np.ndarray, Sequence]


def _options(method: str) -> "_lib.DistOptions":
    if method not in _lib.METHODS:
        raise ValueError("method must be 'auto', 'direct' or 'fft'")
    return _lib.DistOptions(_lib.METHODS[method], 0, 0.0)


class _Queries:
    """scipy.stats.rv_discrete's questions, answered from a distribution's
    probabilities, CDF, quantiles and moments; Dist reads them from the
    library, clconv.Client's distributions from the service's answer."""

    __slots__ = ()
    _offset: int

    def _probs(self) -> np.ndarray:
        raise NotImplementedError

    def _cdf_array(self) -> np.ndarray:
        raise NotImplementedError

    def _quantiles(self, qs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _moments(self) -> Tuple[float, float, float]:
        raise NotImplementedError

    def _sf_array(self) -> np.ndarray:
        raise NotImplementedError

    def _logp_array(self) -> np.ndarray:
        raise NotImplementedError

    def _logsf_array(self) -> np.ndarray:
        raise NotImplementedError

    @property
    def probabilities(self) -> np.ndarray:
        """The probabilities of offset, offset + 1, ... (a new array each time)."""
        return self._probs().copy()

    @property
    def offset(self) -> int:
        """The value of the first probability."""
        return self._offset

    @property
    def support(self) -> Tuple[int, int]:
        """The smallest and largest value held, as (lo, hi)."""
        return self._offset, self._offset + len(self._probs()) - 1

    # -- scipy.stats.rv_discrete's methods -------------------------------
    def pmf(self, k: _Scalar) -> Union[float, np.ndarray]:
        """P(X = k); 0 off the support and at non-integer k.

        Example:
            >>> Dist([0.2, 0.8], offset=1).pmf([0, 1, 2])
            array([0. , 0.2, 0.8])
        """
        k = np.asarray(k, dtype=np.float64)
        p = self._probs()
        idx = k - self._offset
        ok = (idx >= 0) & (idx < len(p)) & (np.floor(idx) == idx)
        out = np.where(ok, p[np.where(ok, idx, 0).astype(np.int64)], 0.0)
        return out[()] if out.ndim == 0 else out

    def logpmf(self, k: _Scalar) -> Union[float, np.ndarray]:
        """log P(X = k); -inf where the probability is 0. Exact (about 1e-9
        absolute) far below float64's range, where pmf reads 0.

        Example:
            >>> float(Dist([0.5, 0.5]).logpmf(1))
            -0.6931471805599453
            >>> round(float(dice(1000, 6).logpmf(1000)), 6)   # log 6^-1000
            -1791.759469
        """
        k = np.asarray(k, dtype=np.float64)
        lp = self._logp_array()
        idx = k - self._offset
        ok = (idx >= 0) & (idx < len(lp)) & (np.floor(idx) == idx)
        out = np.where(ok, lp[np.where(ok, idx, 0).astype(np.int64)], -np.inf)
        out = np.where(np.isnan(k), np.nan, out)
        return out[()] if out.ndim == 0 else out

    def _step(self, k: _Scalar, table: np.ndarray, below: float, above: float):
        k = np.asarray(k, dtype=np.float64)
        idx = np.floor(k) - self._offset
        inside = (idx >= 0) & (idx < len(table))
        out = np.where(inside, table[np.clip(np.nan_to_num(idx), 0, len(table) - 1)
                                     .astype(np.int64)],
                       np.where(idx < 0, below, above))
        out = np.where(np.isnan(k), np.nan, out)
        return out[()] if out.ndim == 0 else out

    def cdf(self, k: _Scalar) -> Union[float, np.ndarray]:
        """P(X <= k).

        Example:
            >>> Dist([0.25, 0.25, 0.5]).cdf([-1, 0, 1.5, 9])
            array([0.  , 0.25, 0.5 , 1.  ])
        """
        return self._step(k, self._cdf_array(), 0.0, 1.0)

    def sf(self, k: _Scalar) -> Union[float, np.ndarray]:
        """P(X > k), summed from the upper tail (accurate far out in it).

        Example:
            >>> Dist([0.25, 0.25, 0.5]).sf([-1, 0, 2])
            array([1.  , 0.75, 0.  ])
        """
        return self._step(k, self._sf_array(), 1.0, 0.0)

    def logsf(self, k: _Scalar) -> Union[float, np.ndarray]:
        """log P(X > k), summed in logarithms: exact far below float64's
        range; -inf above the support.

        Example:
            >>> float(Dist([0.5, 0.5]).logsf(0))
            -0.6931471805599453
        """
        return self._step(k, self._logsf_array(), 0.0, -np.inf)

    def ppf(self, q: _Scalar) -> Union[float, np.ndarray]:
        """The smallest k with P(X <= k) >= q; as SciPy, lo - 1 at q = 0, hi
        at q = 1 and NaN outside [0, 1].

        Example:
            >>> Dist([0.25, 0.25, 0.5]).ppf([0.25, 0.3, 1.0])
            array([0., 1., 2.])
        """
        q = np.asarray(q, dtype=np.float64)
        flat = np.ascontiguousarray(q.ravel())
        inside = (flat > 0) & (flat < 1)
        qs = np.ascontiguousarray(np.where(inside, flat, 0.5))
        vals = self._quantiles(qs)
        # SciPy answers the ends of [0, 1] with the support's ends (lo - 1 and
        # hi), whatever the rounding of the CDF's top entries.
        lo, hi = self.support
        out = np.where(inside, vals, np.where(flat == 0, lo - 1.0,
                                              np.where(flat == 1, float(hi), np.nan)))
        out = out.reshape(q.shape)
        return out[()] if out.ndim == 0 else out

    def mean(self) -> float:
        """The expectation E[X].

        Example:
            >>> Dist([0.5, 0.5], offset=1).mean()
            1.5
        """
        return self._moments()[0]

    def var(self) -> float:
        """The variance.

        Example:
            >>> Dist([0.5, 0.5]).var()
            0.25
        """
        return self._moments()[1]

    def std(self) -> float:
        """The standard deviation.

        Example:
            >>> Dist([0.5, 0.5]).std()
            0.5
        """
        return self._moments()[2]


class Dist(_Queries):
    """The distribution of a discrete random variable on the integers
    ``offset``, ``offset + 1``, ... with probabilities ``p``, held on a
    device; ``+`` of two is the distribution of the sum of independent
    variables.

    ``p`` must be finite, non-negative and total 1 within 1e-9, unless
    ``normalize=True`` divides it by its total.

    Example:
        >>> coin = Dist([0.5, 0.5])
        >>> (coin + coin).probabilities
        array([0.25, 0.5 , 0.25])
    """

    __slots__ = ("_handle", "_rt", "_p", "_offset", "_cdf", "_sf", "_logp", "_logsf", "_stats",
                 "clamped_mass", "method", "__weakref__")

    def __init__(self, p: Union[Sequence[float], np.ndarray], offset: int = 0, *,
                 normalize: bool = False, runtime: Optional[Runtime] = None):
        rt = resolve(runtime)
        arr = np.ascontiguousarray(p, dtype=np.float64)
        if arr.ndim != 1:
            raise ValueError(f"p must be 1-D, not {arr.ndim}-D")
        if arr.size == 0:
            raise ValueError("p must not be empty")
        offset = _int(offset, "offset")
        handle = ctypes.c_void_p()
        status = lib.clconv_dist_create_1d(rt.handle, arr.ctypes.data, arr.size, offset,
                                           1 if normalize else 0, ctypes.byref(handle))
        if status != 0:
            raise _lib.error(status, rt.handle)
        self._init(rt, handle.value, "direct", 0.0)

    @classmethod
    def _wrap(cls, rt: Runtime, handle: int, opts: "_lib.DistOptions") -> "Dist":
        self = cls.__new__(cls)
        self._init(rt, handle, _lib.METHOD_NAMES.get(opts.chosen, "direct"), opts.clamped_mass)
        return self

    def _init(self, rt: Runtime, handle: int, method: str, clamped: float) -> None:
        self._rt = rt
        self._handle = handle
        rt._dists.add(self)
        self._p = self._cdf = self._sf = self._logp = self._logsf = self._stats = None
        self.method = method
        self.clamped_mass = clamped
        layout = _lib.DistLayout()
        _lib.check(lib.clconv_dist_layout_get(handle, ctypes.byref(layout)), rt._handle)
        self._offset = int(layout.offset[0])

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None:
            lib.clconv_dist_destroy(handle)
            self._handle = None
            self._rt._dists.discard(self)
            self._rt._dist_freed()

    def _probs(self) -> np.ndarray:
        if self._p is None:
            layout = _lib.DistLayout()
            _lib.check(lib.clconv_dist_layout_get(self._handle, ctypes.byref(layout)))
            p = np.empty(layout.len[0], np.float64)
            _lib.check(lib.clconv_dist_read(self._handle, p.ctypes.data), self._rt._handle)
            self._p = p
        return self._p

    def _cdf_array(self) -> np.ndarray:
        if self._cdf is None:
            c = np.empty(len(self._probs()), np.float64)
            _lib.check(lib.clconv_dist_cdf(self._handle, c.ctypes.data), self._rt._handle)
            self._cdf = c
        return self._cdf

    def _read(self, fn, name: str) -> np.ndarray:
        cached = getattr(self, name)
        if cached is None:
            cached = np.empty(len(self._probs()), np.float64)
            _lib.check(fn(self._handle, cached.ctypes.data), self._rt._handle)
            setattr(self, name, cached)
        return cached

    def _sf_array(self) -> np.ndarray:
        # The library sums P(X > x) from the upper tail, so small tail
        # probabilities keep their relative accuracy (1 - cdf would not).
        return self._read(lib.clconv_dist_sf, "_sf")

    def _logp_array(self) -> np.ndarray:
        return self._read(lib.clconv_dist_read_log, "_logp")

    def _logsf_array(self) -> np.ndarray:
        return self._read(lib.clconv_dist_logsf, "_logsf")

    def _stat(self) -> "_lib.DistStats":
        if self._stats is None:
            st = _lib.DistStats()
            _lib.check(lib.clconv_dist_stats_get(self._handle, ctypes.byref(st)),
                       self._rt._handle)
            self._stats = st
        return self._stats

    def _quantiles(self, qs: np.ndarray) -> np.ndarray:
        vals = np.empty_like(qs)
        _lib.check(lib.clconv_dist_quantiles(self._handle, qs.ctypes.data, qs.size,
                                             vals.ctypes.data), self._rt._handle)
        return vals

    def _moments(self) -> Tuple[float, float, float]:
        st = self._stat()
        return float(st.mean[0]), float(st.variance[0]), float(st.sd[0])

    # -- sums ------------------------------------------------------------
    def __add__(self, other: "Dist") -> "Dist":
        if isinstance(other, (int, np.integer)) and not isinstance(other, bool):
            return Dist(self._probs(), self._offset + int(other), runtime=self._rt)
        if not isinstance(other, Dist):
            return NotImplemented
        return _sum2(self, other, "auto")

    def __radd__(self, other):
        if isinstance(other, (int, np.integer)) and not isinstance(other, bool):
            return self.__add__(other)
        return NotImplemented

    def times(self, n: int, *, method: str = "auto") -> "Dist":
        """The distribution of the sum of n independent copies (n >= 1).

        Example:
            >>> Dist([0.5, 0.5]).times(3).probabilities
            array([0.125, 0.375, 0.375, 0.125])
        """
        n = _int(n, "n")
        if n < 1:
            raise ValueError("n must be at least 1")
        opts = _options(method)
        out = ctypes.c_void_p()
        status = lib.clconv_dist_power(self._rt.handle, self._handle, n, ctypes.byref(opts),
                                       ctypes.byref(out))
        if status != 0:
            raise _lib.error(status, self._rt.handle)
        return Dist._wrap(self._rt, out.value, opts)

    def __repr__(self) -> str:
        lo, hi = self.support
        return f"<clconv.dist.Dist on {lo}..{hi}, mean {self.mean():.6g}>"


def _int(v, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, not {type(v).__name__}")
    return int(v)


def _sum2(a: Dist, b: Dist, method: str) -> Dist:
    if a._rt is not b._rt:
        raise ValueError("the distributions live on different runtimes")
    opts = _options(method)
    out = ctypes.c_void_p()
    status = lib.clconv_dist_sum(a._rt.handle, a._handle, b._handle, ctypes.byref(opts),
                                 ctypes.byref(out))
    if status != 0:
        raise _lib.error(status, a._rt.handle)
    return Dist._wrap(a._rt, out.value, opts)


def sum(dists: Iterable[Dist], *, method: str = "auto") -> Dist:  # noqa: A001
    """The distribution of the sum of independent variables, reduced on the
    device shortest supports first.

    Example:
        >>> from clconv import dist
        >>> dist.sum([dist.Dist([0.5, 0.5])] * 4).probabilities
        array([0.0625, 0.25  , 0.375 , 0.25  , 0.0625])
    """
    ds = list(dists)
    if not ds:
        raise ValueError("sum of no distributions")
    for d in ds:
        if not isinstance(d, Dist):
            raise TypeError(f"dist.sum takes Dist objects, not {type(d).__name__}")
    rt = ds[0]._rt
    if builtins.any(d._rt is not rt for d in ds):
        raise ValueError("the distributions live on different runtimes")
    handles = (ctypes.c_void_p * len(ds))(*[d._handle for d in ds])
    opts = _options(method)
    out = ctypes.c_void_p()
    status = lib.clconv_dist_sum_many(rt.handle, handles, len(ds), ctypes.byref(opts),
                                      ctypes.byref(out))
    if status != 0:
        raise _lib.error(status, rt.handle)
    return Dist._wrap(rt, out.value, opts)


def dice(n: int, sides: int, *, runtime: Optional[Runtime] = None) -> Dist:
    """The distribution of the total of n fair dice with faces 1..sides.

    Example:
        >>> round(dice(2, 6).pmf(7), 12)
        0.166666666667
    """
    n, sides = _int(n, "n"), _int(sides, "sides")
    if n < 1 or sides < 1:
        raise ValueError("dice needs n >= 1 and sides >= 1")
    # As `clconv dist NdS` builds them, so a Client's dice are the same.
    return Dist(np.full(sides, 1.0 / sides), offset=1, runtime=runtime).times(n)


def poisson_binomial(p: Union[Sequence[float], np.ndarray], *,
                     runtime: Optional[Runtime] = None, method: str = "auto") -> Dist:
    """The number of successes among independent trials of success
    probabilities p (a Poisson-binomial distribution).

    Example:
        >>> poisson_binomial([0.5, 0.5]).probabilities
        array([0.25, 0.5 , 0.25])
    """
    rt = resolve(runtime)
    q = np.asarray(p, dtype=np.float64)
    if q.ndim != 1 or q.size == 0:
        raise ValueError("p must be a non-empty 1-D sequence of probabilities")
    if not np.all((q >= 0) & (q <= 1)):
        bad = int(np.argmin((q >= 0) & (q <= 1)))
        raise ValueError(f"p[{bad}] = {q[bad]!r} is not a probability in [0, 1]")
    rows = np.ascontiguousarray(np.stack([1.0 - q, q], axis=1))
    opts = _options(method)
    out = ctypes.c_void_p()
    status = lib.clconv_dist_sum_rows(rt.handle, rows.ctypes.data, rows.shape[0], 2, 0,
                                      ctypes.byref(opts), ctypes.byref(out))
    if status != 0:
        raise _lib.error(status, rt.handle)
    return Dist._wrap(rt, out.value, opts)


def _count(kind: str, a: float, b: float, runtime: Optional[Runtime]) -> Dist:
    rt = resolve(runtime)
    out = ctypes.c_void_p()
    status = lib.clconv_dist_count(rt.handle, _lib.COUNT_FAMILIES[kind], float(a), float(b), 0.0,
                                   ctypes.byref(out))
    if status != 0:
        raise _lib.error(status, rt.handle)
    return Dist._wrap(rt, out.value, _lib.DistOptions(0, 0, 0.0))


def poisson(lam: float, *, runtime: Optional[Runtime] = None) -> Dist:
    """The Poisson distribution of mean lam > 0 on 0, 1, ..., up to where
    its upper tail falls below 1e-20 (the library keeps its logarithms, so
    P(N = 0) = e^-lam survives however small).

    Example:
        >>> round(float(poisson(2.0).pmf(0)), 12)
        0.135335283237
    """
    return _count("poisson", lam, 0.0, runtime)


def binomial(n: int, p: float, *, runtime: Optional[Runtime] = None) -> Dist:
    """The number of successes in n trials of success probability p.

    Example:
        >>> binomial(2, 0.5).probabilities
        array([0.25, 0.5 , 0.25])
    """
    return _count("binomial", _int(n, "n"), p, runtime)


def negbin(r: float, p: float, *, runtime: Optional[Runtime] = None) -> Dist:
    """The number of failures before the r-th success (as scipy.stats.nbinom),
    up to where the upper tail falls below 1e-20.

    Example:
        >>> round(float(negbin(2, 0.5).pmf(1)), 12)
        0.25
    """
    return _count("negbin", r, p, runtime)


def geometric(p: float, *, runtime: Optional[Runtime] = None) -> Dist:
    """The number of failures before the first success (scipy.stats.geom
    shifted by one: geom.pmf(k + 1, p)).

    Example:
        >>> round(float(geometric(0.5).pmf(2)), 12)
        0.125
    """
    return _count("geometric", p, 0.0, runtime)


def compound(count: Dist, severity: Dist, *, method: str = "auto") -> Dist:
    """The distribution of X1 + ... + XN: N distributed as ``count`` (on
    values >= 0), independent of the X's, each X distributed as
    ``severity``. Computed in logarithms, so far tails are kept: with N
    Poisson of mean 1000, logpmf(0) is -1000.

    Example:
        >>> from clconv import dist
        >>> dist.compound(dist.Dist([0.5, 0.5]), dist.Dist([0.5, 0.5], offset=1)).probabilities
        array([0.5 , 0.25, 0.25])
    """
    for name, d in (("count", count), ("severity", severity)):
        if not isinstance(d, Dist):
            raise TypeError(f"{name} must be a Dist, not {type(d).__name__}")
    if count._rt is not severity._rt:
        raise ValueError("the distributions live on different runtimes")
    opts = _options(method)
    out = ctypes.c_void_p()
    status = lib.clconv_dist_compound(count._rt.handle, count._handle, severity._handle,
                                      ctypes.byref(opts), ctypes.byref(out))
    if status != 0:
        raise _lib.error(status, count._rt.handle)
    return Dist._wrap(count._rt, out.value, opts)


del math
