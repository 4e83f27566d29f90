"""scipy.ndimage's convolution filters over clconv.

scipy.ndimage extends the input past its edges by a boundary mode
('reflect' by default), which libclconv does itself (clconv_conv_options'
boundary, cval and origin, whose semantics are ndimage's): every mode,
cval and origin goes to the library, and nothing is padded or sliced here.
convolve and correlate take 1-D and 2-D arrays (3-D raises
NotImplementedError until the library convolves 3-D arrays); convolve1d and
correlate1d run along any axis of an array of any rank, as `clconv serve`
does, and so do gaussian_filter and uniform_filter, one axis after another
as scipy.ndimage runs them, or as one separable 2-D call where an image
has one mode on both axes.

Example:
    >>> from clconv import ndimage
    >>> ndimage.correlate1d(np.array([1.0, 2.0, 3.0]), [1.0, 1.0, 1.0])
    array([4., 6., 8.])
"""
from __future__ import annotations

import operator
from typing import Optional, Sequence, Union

import numpy as np

from . import _signal
from ._runtime import Runtime

__all__ = ["convolve", "correlate", "convolve1d", "correlate1d", "gaussian_filter",
           "uniform_filter"]

# scipy.ndimage's mode names (scipy 1.10) and the library's boundary for
# each. The grid- names differ from their plain ones only in interpolation
# (scipy.ndimage.map_coordinates and friends); its filters treat
# 'grid-constant' as 'constant', 'grid-mirror' as 'reflect' and 'grid-wrap'
# as 'wrap'.
_MODES = {"reflect": "reflect", "grid-mirror": "reflect", "constant": "constant",
          "grid-constant": "constant", "nearest": "nearest", "mirror": "mirror",
          "wrap": "wrap", "grid-wrap": "wrap"}
_Modes = Union[str, Sequence[str]]


def _boundary(mode) -> str:
    """The library's boundary for an ndimage mode; RuntimeError for others,
    as scipy.ndimage raises."""
    if not isinstance(mode, str) or mode not in _MODES:
        raise RuntimeError("boundary mode not supported")
    return _MODES[mode]


def _input(input, any_rank: bool = False):
    a = np.asarray(input)
    dt = _signal.float_dtype(a)
    if a.ndim > 2 and not any_rank:
        raise NotImplementedError(
            f"{a.ndim}-D arrays: libclconv convolves 1-D and 2-D arrays with a 1-D or 2-D "
            "kernel (3-D convolution is not in the library yet); convolve1d, correlate1d, "
            "gaussian_filter and uniform_filter take any rank")
    return a, dt


def _output(output, a: np.ndarray, dt: np.dtype):
    """(the dtype to compute in, the array to return into or None), as
    scipy.ndimage._ni_support._get_output."""
    if output is None:
        return dt, None
    if isinstance(output, np.ndarray):
        if output.shape != a.shape:
            raise RuntimeError("output shape not correct")
        odt = output.dtype
        return (odt if odt.kind == "f" and odt.itemsize in (4, 8) else dt), output
    odt = np.dtype(output)
    if odt.kind != "f" or odt.itemsize not in (4, 8):
        raise TypeError(f"output dtype {odt}: clconv computes float32 or float64")
    return odt, None


def _finish(result: np.ndarray, out: Optional[np.ndarray]) -> np.ndarray:
    if out is None:
        return result
    np.copyto(out, result, casting="unsafe")
    return out


def _origins(origin, ndim: int):
    o = np.atleast_1d(np.asarray(origin, dtype=np.int64)).tolist()
    if len(o) == 1:
        o = o * ndim
    if len(o) != ndim:
        raise RuntimeError("sequence argument must have length equal to input rank")
    return [int(v) for v in o]


def _per_axis(value, ndim: int, name: str) -> list:
    if isinstance(value, str) or np.ndim(value) == 0:
        return [value] * ndim
    value = list(value)
    if len(value) != ndim:
        raise RuntimeError("sequence argument must have length equal to input rank")
    return value


def _check_origin(k: int, origin: int) -> None:
    """ndimage's rule, which is also the library's: the kernel's centre k//2
    + origin must be one of its taps."""
    if k // 2 + origin < 0 or k // 2 + origin >= k:
        raise ValueError("invalid origin")


def _along_axis(a: np.ndarray, w: np.ndarray, axis: int, correlate: bool, boundary: str,
                cval: float, origin: int, backend) -> np.ndarray:
    """a (any rank, w's dtype) convolved along axis with the 1-D kernel w
    through the library's boundary mode; a new array of a's shape."""
    if a.size == 0:
        return a.copy()
    if a.ndim == 0:
        return _along_axis(a.reshape(1), w, 0, correlate, boundary, cval, origin,
                           backend).reshape(())
    # A Fortran-ordered array is the C-ordered transpose, with the axis
    # counted from the other end: no copy either way.
    if a.flags.f_contiguous and not a.flags.c_contiguous:
        return _along_axis(a.T, w, a.ndim - 1 - axis, correlate, boundary, cval, origin,
                           backend).T
    x = np.ascontiguousarray(a)
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    res = backend._conv_axis(x.reshape(outer, x.shape[axis], inner), np.ascontiguousarray(w),
                             correlate, boundary, cval, origin)
    return res.reshape(a.shape)


def _conv2d(a: np.ndarray, w: np.ndarray, correlate: bool, boundary: str, cval: float,
            origins, backend) -> np.ndarray:
    """An image a convolved with a 2-D kernel w of its dtype through the
    library's boundary mode; a Fortran image as its C-ordered transpose."""
    if a.size == 0:
        return a.copy()
    if a.flags.f_contiguous and not a.flags.c_contiguous:
        return backend._conv(a.T[None], np.ascontiguousarray(w.T), "same", "auto", correlate,
                             2, boundary, cval, origins[::-1])[0].T
    return backend._conv(np.ascontiguousarray(a)[None], np.ascontiguousarray(w), "same", "auto",
                         correlate, 2, boundary, cval, origins)[0]


# --------------------------------------------------------------------------
# Implementations, shared by the in-process functions and clconv.Client
# --------------------------------------------------------------------------

def _weights1d(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] < 1:
        raise RuntimeError("no filter weights given")
    return w


def correlate1d_impl(input, weights, axis, output, mode, cval, origin, backend,
                     convolution=False):
    a, dt = _input(input, any_rank=True)
    w = _weights1d(weights)
    axis = _axis(axis, a.ndim)
    origin = operator.index(origin)
    _check_origin(len(w), origin)
    boundary = _boundary(mode)
    dt, out = _output(output, a, dt)
    # The library's convolution places the kernel as ndimage.convolve1d does
    # (origin and even lengths included), so convolution needs no flipping.
    res = _along_axis(a.astype(dt, copy=False), w.astype(dt), axis, not convolution, boundary,
                      float(cval), origin, backend)
    return _finish(res, out)


def convolve1d_impl(input, weights, axis, output, mode, cval, origin, backend):
    return correlate1d_impl(input, weights, axis, output, mode, cval, origin, backend, True)


def correlate_impl(input, weights, output, mode, cval, origin, convolution, backend):
    a, dt = _input(input)
    w = np.asarray(weights, dtype=np.float64)
    origins = _origins(origin, max(a.ndim, 1))
    if w.ndim != a.ndim:
        raise RuntimeError("filter weights array has incorrect shape.")
    if w.size == 0:
        raise RuntimeError("no filter weights given")
    for k, o in zip(w.shape, origins):
        _check_origin(k, o)
    boundary = _boundary(mode)
    dt, out = _output(output, a, dt)
    a, w = a.astype(dt, copy=False), w.astype(dt)
    if a.ndim <= 1:
        res = _along_axis(a, w.reshape(-1), 0, not convolution, boundary, float(cval),
                          origins[0], backend)
    else:
        res = _conv2d(a, w, not convolution, boundary, float(cval), origins, backend)
    return _finish(res, out)


def _axis(axis: int, ndim: int) -> int:
    axis = operator.index(axis)
    if axis < -ndim or axis >= ndim:
        raise ValueError(f"invalid axis {axis} for a {ndim}-D input")
    return axis % ndim


def _gaussian_kernel1d(sigma: float, order: int, radius: int) -> np.ndarray:
    """scipy.ndimage._filters._gaussian_kernel1d: a normalised Gaussian of
    the given radius, or its order-th derivative."""
    if order < 0:
        raise ValueError("order must be non-negative")
    exponent_range = np.arange(order + 1)
    sigma2 = sigma * sigma
    x = np.arange(-radius, radius + 1)
    phi_x = np.exp(-0.5 / sigma2 * x ** 2)
    phi_x = phi_x / phi_x.sum()
    if order == 0:
        return phi_x
    q = np.zeros(order + 1)
    q[0] = 1
    D = np.diag(exponent_range[1:], 1)
    P = np.diag(np.ones(order) / -sigma2, -1)
    Q_deriv = D + P
    for _ in range(order):
        q = Q_deriv.dot(q)
    q = (x[:, None] ** exponent_range).dot(q)
    return q * phi_x


def _separable(a: np.ndarray, dt: np.dtype, weights: list, boundaries: list, cval: float,
               origins: list, backend) -> np.ndarray:
    """Correlate a with one 1-D kernel per axis (None: that axis untouched)
    through each axis' boundary mode: one separable 2-D call for an image
    filtered on both axes with one mode, else one pass per axis, in axis
    order, as scipy.ndimage runs them."""
    a = a.astype(dt, copy=False)
    todo = [i for i, w in enumerate(weights) if w is not None]
    if not todo:
        return a.copy()
    # A separable call reads cval outside the image in 2-D, where the second
    # of scipy's passes reads it outside the first pass's result, which is
    # cval * sum(kcol) there: the same only for cval 0 or a column kernel
    # summing to 1 (Gaussians and boxes, not derivatives).
    kcol_sum = float(np.sum(weights[0])) if weights[0] is not None else 0.0
    same_outside = (boundaries[0] != "constant" or cval == 0
                    or abs(kcol_sum - 1.0) <= 8 * np.finfo(np.float64).eps * len(weights[0]))
    if (a.ndim == 2 and len(todo) == 2 and boundaries[0] == boundaries[1] and same_outside
            and a.size):
        kcol, krow = weights[0].astype(dt), weights[1].astype(dt)
        if a.flags.f_contiguous and not a.flags.c_contiguous:
            return backend._conv_separable(a.T[None], krow, kcol, "same", "auto", True,
                                           boundaries[0], cval, origins[::-1])[0].T
        return backend._conv_separable(np.ascontiguousarray(a)[None], kcol, krow, "same",
                                       "auto", True, boundaries[0], cval, origins)[0]
    for i in todo:
        a = _along_axis(a, weights[i].astype(dt), i, True, boundaries[i], cval, origins[i],
                        backend)
    return a


def gaussian_filter_impl(input, sigma, order, output, mode, cval, truncate, radius, backend):
    a, dt = _input(input, any_rank=True)
    dt, out = _output(output, a, dt)
    nd = a.ndim
    sigmas = _per_axis(sigma, nd, "sigma")
    orders = _per_axis(order, nd, "order")
    modes = _per_axis(mode, nd, "mode")
    radii = _per_axis(radius, nd, "radius")
    weights: list = [None] * nd
    boundaries: list = [None] * nd
    for i in range(nd):
        s = float(sigmas[i])
        if s <= 1e-15:
            continue
        boundaries[i] = _boundary(modes[i])
        r = int(float(truncate) * s + 0.5) if radii[i] is None else int(radii[i])
        if radii[i] is not None and r < 0:
            raise ValueError("Radius must be a nonnegative integer.")
        # As gaussian_filter1d: the reversed kernel, correlated.
        weights[i] = _gaussian_kernel1d(s, int(orders[i]), r)[::-1].copy()
    res = _separable(a, dt, weights, boundaries, float(cval), [0] * nd, backend)
    return _finish(res, out)


def uniform_filter_impl(input, size, output, mode, cval, origin, backend):
    a, dt = _input(input, any_rank=True)
    dt, out = _output(output, a, dt)
    nd = a.ndim
    sizes = [int(s) for s in _per_axis(size, nd, "size")]
    modes = _per_axis(mode, nd, "mode")
    origins = _origins(origin, nd)
    weights: list = [None] * nd
    boundaries: list = [None] * nd
    for i in range(nd):
        if sizes[i] < 1:
            raise RuntimeError("incorrect filter size")
        if sizes[i] <= 1:
            continue
        _check_origin(sizes[i], origins[i])
        boundaries[i] = _boundary(modes[i])
        weights[i] = np.full(sizes[i], 1.0 / sizes[i])
    res = _separable(a, dt, weights, boundaries, float(cval), origins, backend)
    return _finish(res, out)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------

def correlate1d(input, weights, axis: int = -1, output=None, mode: str = "reflect",
                cval: float = 0.0, origin: int = 0, *,
                runtime: Optional[Runtime] = None) -> np.ndarray:
    """Correlate along one axis with 1-D weights, as scipy.ndimage.correlate1d.

    ``mode`` is one of scipy.ndimage's: ``"reflect"`` (d c b a | a b c d),
    ``"constant"`` (``cval`` outside), ``"nearest"``, ``"mirror"`` (d c b |
    a b c d), ``"wrap"``, or ``"grid-mirror"``, ``"grid-constant"``,
    ``"grid-wrap"`` (for filters the same as reflect, constant, wrap).
    ``origin`` shifts the kernel as in SciPy. The library reads the input
    through the mode itself, for kernels longer than the input too. Any
    rank; float32 stays float32. ``output`` is an array to write into (of
    the input's shape) or a dtype.

    Example:
        >>> correlate1d(np.array([1.0, 2.0, 3.0]), [1.0, 0.0, -1.0], mode="constant")
        array([-2., -2.,  2.])
        >>> correlate1d(np.array([1.0, 2.0, 3.0]), [1.0, 0.0, -1.0])
        array([-1., -2., -1.])
    """
    return correlate1d_impl(input, weights, axis, output, mode, cval, origin,
                            _signal.local(runtime))


def convolve1d(input, weights, axis: int = -1, output=None, mode: str = "reflect",
               cval: float = 0.0, origin: int = 0, *,
               runtime: Optional[Runtime] = None) -> np.ndarray:
    """Convolve along one axis with 1-D weights, as scipy.ndimage.convolve1d.

    Modes as in :func:`correlate1d`.

    Example:
        >>> convolve1d(np.array([1.0, 2.0, 3.0]), [1.0, 0.0, -1.0], mode="constant")
        array([ 2.,  2., -2.])
    """
    return convolve1d_impl(input, weights, axis, output, mode, cval, origin,
                           _signal.local(runtime))


def correlate(input, weights, output=None, mode: str = "reflect", cval: float = 0.0,
              origin: Union[int, Sequence[int]] = 0, *,
              runtime: Optional[Runtime] = None) -> np.ndarray:
    """Multidimensional correlation, as scipy.ndimage.correlate (1-D and 2-D;
    3-D raises NotImplementedError until the library convolves 3-D arrays).

    Modes as in :func:`correlate1d`; ``origin`` a number or one per axis.

    Example:
        >>> correlate(np.eye(2), np.ones((2, 2)), mode="constant")
        array([[1., 1.],
               [1., 2.]])
    """
    return correlate_impl(input, weights, output, mode, cval, origin, False,
                          _signal.local(runtime))


def convolve(input, weights, output=None, mode: str = "reflect", cval: float = 0.0,
             origin: Union[int, Sequence[int]] = 0, *,
             runtime: Optional[Runtime] = None) -> np.ndarray:
    """Multidimensional convolution, as scipy.ndimage.convolve (1-D and 2-D;
    3-D raises NotImplementedError until the library convolves 3-D arrays).

    Modes as in :func:`correlate1d`; ``origin`` a number or one per axis.

    Example:
        >>> convolve(np.eye(2), np.ones((2, 2)), mode="constant")
        array([[2., 1.],
               [1., 1.]])
    """
    return correlate_impl(input, weights, output, mode, cval, origin, True,
                          _signal.local(runtime))


def gaussian_filter(input, sigma, order: Union[int, Sequence[int]] = 0, output=None,
                    mode: _Modes = "reflect", cval: float = 0.0, truncate: float = 4.0, *,
                    radius: Union[None, int, Sequence[int]] = None,
                    runtime: Optional[Runtime] = None) -> np.ndarray:
    """Gaussian filter, as scipy.ndimage.gaussian_filter: an image with one
    mode on both axes in one separable library call, other arrays one axis
    after another (any rank).

    Modes as in :func:`correlate1d` (``mode`` may be one per axis); ``order``
    (derivatives), ``truncate`` and ``radius`` as in SciPy.

    Example:
        >>> gaussian_filter(np.array([0.0, 0.0, 1.0, 0.0, 0.0]), 1.0, mode="constant").round(3)
        array([0.054, 0.242, 0.399, 0.242, 0.054])
        >>> gaussian_filter(np.array([1.0, 0.0, 0.0, 0.0, 0.0]), 1.0).round(3)
        array([0.641, 0.296, 0.058, 0.005, 0.   ])
    """
    return gaussian_filter_impl(input, sigma, order, output, mode, cval, truncate, radius,
                                _signal.local(runtime))


def uniform_filter(input, size: Union[int, Sequence[int]] = 3, output=None,
                   mode: _Modes = "reflect", cval: float = 0.0,
                   origin: Union[int, Sequence[int]] = 0, *,
                   runtime: Optional[Runtime] = None) -> np.ndarray:
    """Uniform (box) filter, as scipy.ndimage.uniform_filter (any rank, as
    :func:`gaussian_filter`).

    Modes as in :func:`correlate1d` (one per axis or one for all).

    Example:
        >>> uniform_filter(np.array([0.0, 3.0, 0.0]), 3, mode="constant")
        array([1., 1., 1.])
    """
    return uniform_filter_impl(input, size, output, mode, cval, origin,
                               _signal.local(runtime))
