"""scipy.ndimage's convolution filters over clconv.

scipy.ndimage extends the input past its edges by a boundary mode
('reflect' by default). libclconv pads with zeros only until its boundary
modes (fields of clconv_conv_options) land, so for now mode='constant' with
cval=0 runs, and every other mode raises NotImplementedError naming what is
missing. All modes go through one place, :func:`_boundary`, so wiring the
library's modes is a change there and in the backend call.

Example:
    >>> from clconv import ndimage
    >>> ndimage.correlate1d(np.array([1.0, 2.0, 3.0]), [1.0, 1.0, 1.0], mode="constant")
    array([3., 6., 5.])
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from . import _signal
from ._runtime import Runtime

__all__ = ["convolve", "correlate", "convolve1d", "correlate1d", "gaussian_filter",
           "uniform_filter"]

_MODES = ("reflect", "constant", "nearest", "mirror", "wrap", "grid-constant", "grid-mirror",
          "grid-wrap", "grid-reflect")
_Modes = Union[str, Sequence[str]]


def _boundary(mode: str, cval: float) -> str:
    """The library's boundary for an ndimage mode, or NotImplementedError."""
    if mode not in _MODES:
        raise RuntimeError("boundary mode not supported")
    if mode in ("constant", "grid-constant") and cval == 0:
        return "zero"
    what = f"mode={mode!r}" if mode not in ("constant", "grid-constant") else f"cval={cval!r}"
    raise NotImplementedError(
        f"{what}: needs the boundary modes being added to libclconv's clconv_conv_options; "
        "until then only mode='constant' with cval=0.0 runs")


def _input(input) -> np.ndarray:
    a = np.asarray(input)
    dt = _signal.float_dtype(a)
    if a.ndim > 2:
        raise NotImplementedError(
            f"{a.ndim}-D arrays: libclconv filters 1-D and 2-D arrays")
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


def _correlate_zero(a: np.ndarray, w: np.ndarray, origins, backend) -> np.ndarray:
    """ndimage.correlate with zeros outside a (N = 1 or 2 dimensions), as a
    signal correlation: 'same' when every origin is 0, else a window of the
    full output. Output entry i sums w[j] * a[i + j - (k//2 + origin)]."""
    for k, o in zip(w.shape, origins):
        if k // 2 + o < 0 or k // 2 + o >= k:
            raise ValueError("invalid origin")
    if not any(origins):
        return _signal.conv_full_rank(a, w, "same", "auto", True, backend)
    full = _signal.conv_full_rank(a, w, "full", "auto", True, backend)
    sl = tuple(slice(k - 1 - (k // 2 + o), k - 1 - (k // 2 + o) + n)
               for n, k, o in zip(a.shape, w.shape, origins))
    return np.ascontiguousarray(full[sl])


def _correlate_axis(a: np.ndarray, w: np.ndarray, axis: int, origin: int,
                    backend) -> np.ndarray:
    """correlate1d with zeros outside: a 1-D kernel shaped along axis."""
    shape = [1] * a.ndim
    shape[axis] = w.size
    origins = [0] * a.ndim
    origins[axis] = origin
    return _correlate_zero(a, w.reshape(shape), origins, backend)


# --------------------------------------------------------------------------
# Implementations, shared by the in-process functions and clconv.Client
# --------------------------------------------------------------------------

def correlate1d_impl(input, weights, axis, output, mode, cval, origin, backend):
    a, dt = _input(input)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] < 1:
        raise RuntimeError("no filter weights given")
    axis = _axis(axis, a.ndim)
    if (len(w) // 2 + origin < 0) or (len(w) // 2 + origin >= len(w)):
        raise ValueError("invalid origin")
    _boundary(mode, cval)
    dt, out = _output(output, a, dt)
    res = _correlate_axis(a.astype(dt, copy=False), w.astype(dt), axis, origin, backend)
    return _finish(res, out)


def convolve1d_impl(input, weights, axis, output, mode, cval, origin, backend):
    w = np.asarray(weights, dtype=np.float64)[::-1]
    origin = -origin
    if not len(w) & 1:
        origin -= 1
    return correlate1d_impl(input, w, axis, output, mode, cval, origin, backend)


def correlate_impl(input, weights, output, mode, cval, origin, convolution, backend):
    a, dt = _input(input)
    w = np.asarray(weights, dtype=np.float64)
    origins = _origins(origin, a.ndim)
    if w.ndim != a.ndim:
        raise RuntimeError("filter weights array has incorrect shape.")
    if w.size == 0:
        raise RuntimeError("no filter weights given")
    if convolution:
        w = w[tuple(slice(None, None, -1) for _ in range(w.ndim))]
        for i in range(len(origins)):
            origins[i] = -origins[i]
            if not w.shape[i] & 1:
                origins[i] -= 1
    for k, o in zip(w.shape, origins):
        if k // 2 + o < 0 or k // 2 + o >= k:
            raise ValueError("invalid origin")
    _boundary(mode, cval)
    dt, out = _output(output, a, dt)
    res = _correlate_zero(a.astype(dt, copy=False), w.astype(dt), origins, backend)
    return _finish(res, out)


def _axis(axis: int, ndim: int) -> int:
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


def _separable(a: np.ndarray, dt: np.dtype, weights: list, origins: list, backend):
    """Correlate a with one 1-D kernel per axis (None: that axis untouched),
    zeros outside: one separable pass for 2-D, else one 1-D pass per axis."""
    a = a.astype(dt, copy=False)
    todo = [i for i, w in enumerate(weights) if w is not None]
    if not todo:
        return a.copy()
    if a.ndim == 2 and len(todo) == 2 and not any(origins):
        x = np.ascontiguousarray(a)
        res = backend._conv_separable(x[None], weights[0].astype(dt), weights[1].astype(dt),
                                     "same", "auto", True)
        return res[0]
    for i in todo:
        a = _correlate_axis(a, weights[i].astype(dt), i, origins[i], backend)
    return a


def gaussian_filter_impl(input, sigma, order, output, mode, cval, truncate, radius, backend):
    a, dt = _input(input)
    dt, out = _output(output, a, dt)
    sigmas = _per_axis(sigma, a.ndim, "sigma")
    orders = _per_axis(order, a.ndim, "order")
    modes = _per_axis(mode, a.ndim, "mode")
    radii = _per_axis(radius, a.ndim, "radius")
    weights: list = [None] * a.ndim
    for i in range(a.ndim):
        s = float(sigmas[i])
        if s <= 1e-15:
            continue
        _boundary(modes[i], cval)
        r = int(float(truncate) * s + 0.5) if radii[i] is None else int(radii[i])
        if radii[i] is not None and r < 0:
            raise ValueError("Radius must be a nonnegative integer.")
        weights[i] = _gaussian_kernel1d(s, int(orders[i]), r)[::-1].copy()
    res = _separable(a, dt, weights, [0] * a.ndim, backend)
    return _finish(res, out)


def uniform_filter_impl(input, size, output, mode, cval, origin, backend):
    a, dt = _input(input)
    dt, out = _output(output, a, dt)
    sizes = [int(s) for s in _per_axis(size, a.ndim, "size")]
    modes = _per_axis(mode, a.ndim, "mode")
    origins = _origins(origin, a.ndim)
    weights: list = [None] * a.ndim
    for i in range(a.ndim):
        if sizes[i] < 1:
            raise RuntimeError("incorrect filter size")
        if sizes[i] <= 1:
            continue
        if (sizes[i] // 2 + origins[i] < 0) or (sizes[i] // 2 + origins[i] >= sizes[i]):
            raise ValueError("invalid origin")
        _boundary(modes[i], cval)
        weights[i] = np.full(sizes[i], 1.0 / sizes[i])
    res = _separable(a, dt, weights, origins, backend)
    return _finish(res, out)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------

def correlate1d(input, weights, axis: int = -1, output=None, mode: str = "reflect",
                cval: float = 0.0, origin: int = 0, *,
                runtime: Optional[Runtime] = None) -> np.ndarray:
    """Correlate along one axis with 1-D weights, as scipy.ndimage.correlate1d.

    Runs with ``mode="constant", cval=0.0``; other modes raise
    NotImplementedError until libclconv has boundary modes.

    Example:
        >>> correlate1d(np.array([1.0, 2.0, 3.0]), [1.0, 0.0, -1.0], mode="constant")
        array([-2., -2.,  2.])
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
    """Multidimensional correlation, as scipy.ndimage.correlate (1-D and 2-D).

    Modes as in :func:`correlate1d`.

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
    """Multidimensional convolution, as scipy.ndimage.convolve (1-D and 2-D).

    Modes as in :func:`correlate1d`.

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
    """Gaussian filter, as scipy.ndimage.gaussian_filter (1-D and 2-D), run as
    one separable pass.

    Modes as in :func:`correlate1d`.

    Example:
        >>> gaussian_filter(np.array([0.0, 0.0, 1.0, 0.0, 0.0]), 1.0, mode="constant").round(3)
        array([0.054, 0.242, 0.399, 0.242, 0.054])
    """
    return gaussian_filter_impl(input, sigma, order, output, mode, cval, truncate, radius,
                                _signal.local(runtime))


def uniform_filter(input, size: Union[int, Sequence[int]] = 3, output=None,
                   mode: _Modes = "reflect", cval: float = 0.0,
                   origin: Union[int, Sequence[int]] = 0, *,
                   runtime: Optional[Runtime] = None) -> np.ndarray:
    """Uniform (box) filter, as scipy.ndimage.uniform_filter (1-D and 2-D).

    Modes as in :func:`correlate1d`.

    Example:
        >>> uniform_filter(np.array([0.0, 3.0, 0.0]), 3, mode="constant")
        array([1., 1., 1.])
    """
    return uniform_filter_impl(input, size, output, mode, cval, origin,
                               _signal.local(runtime))
