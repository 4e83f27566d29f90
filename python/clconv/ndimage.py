"""scipy.ndimage's convolution filters over clconv.

scipy.ndimage extends the input past its edges by a boundary mode
('reflect' by default), which libclconv does itself (clconv_conv_options'
boundary, cval and origin, whose semantics are ndimage's): every mode,
cval and origin goes to the library, and nothing is padded or sliced here.
convolve and correlate take arrays of 1 to 3 dimensions, each one library
call (clconv_conv1d, _conv2d or _conv3d); convolve1d and correlate1d run
along any axis of an array of any rank, as `clconv serve` does, and so do
gaussian_filter and uniform_filter: one separable library call for an
image or a volume filtered along every axis with one mode, else one axis
after another as scipy.ndimage runs them.

Dtypes are scipy.ndimage's: the result has the input's dtype (or
output='s). Integer and bool results are computed in float64 and then
truncated toward zero and wrapped at the dtype's range, as scipy.ndimage's
C cast of its double sums does (the library's own integer outputs round and
saturate instead), after every axis' pass of gaussian_filter and
uniform_filter as there; uint8, uint16 and int16 inputs reach the device as
they are. Complex inputs or weights give the input's dtype promoted with
complex64; correlate and correlate1d conjugate complex weights; a complex
cval is composed of two real ones.

Example:
    >>> from clconv import ndimage
    >>> ndimage.correlate1d(np.array([1.0, 2.0, 3.0]), [1.0, 1.0, 1.0])
    array([4., 6., 8.])
"""
from __future__ import annotations

import operator
import warnings
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


def _supported(dtype: np.dtype) -> None:
    """scipy.ndimage's dtypes: bool, integers, float32, float64, complex64
    and complex128 (it refuses float16 and object with a RuntimeError too)."""
    if not (dtype.kind in "biu" or (dtype.kind == "f" and dtype.itemsize in (4, 8))
            or (dtype.kind == "c" and dtype.itemsize in (8, 16))):
        raise RuntimeError(f"array type {dtype!r} not supported")


def _input(input) -> np.ndarray:
    a = np.asarray(input)
    _supported(a.dtype)
    return _signal.native(a)


def _output(output, a: np.ndarray, complex_output: bool = False):
    """(the precision to compute in, the result's dtype, the array to
    return into or None), as scipy.ndimage._ni_support._get_output: the
    input's dtype when output is None, and with complex weights or input
    (complex_output) a complex one (the input's promoted with complex64; a
    real output dtype promoted with a warning, a real output array a
    RuntimeError). A float or complex result is computed in its precision;
    an integer or bool one in float64, as scipy.ndimage computes in
    double."""
    out = None
    if output is None:
        odt = np.promote_types(a.dtype, np.complex64) if complex_output else a.dtype
    elif isinstance(output, np.ndarray):
        if output.shape != a.shape:
            raise RuntimeError("output shape not correct")
        if complex_output and output.dtype.kind != "c":
            raise RuntimeError("output must have complex dtype")
        odt, out = output.dtype, output
    else:
        odt = np.dtype(output)
        if complex_output and odt.kind != "c":
            warnings.warn("promoting specified output dtype to complex")
            odt = np.promote_types(odt, np.complex64)
    _supported(odt)
    odt = odt.newbyteorder("=")
    return (_signal.real_dtype(odt) if odt.kind in "fc" else np.dtype(np.float64)), odt, out


def _cval(cval, a: np.ndarray):
    """cval as a number: complex only for a complex input, as scipy.ndimage
    requires (the library's cval is real; _signal.with_cval composes a
    complex one)."""
    if np.iscomplexobj(cval):
        if a.dtype.kind != "c":
            raise ValueError("Cannot provide a complex-valued cval when the input is real.")
        c = complex(cval)
        return c if c.imag != 0 else c.real
    return float(cval)


def _as_output(result: np.ndarray, odt: np.dtype) -> np.ndarray:
    """A float result in the output's dtype as scipy.ndimage stores its
    double sums: a C cast, which for integers truncates toward zero and
    wraps at the dtype's range (the library's own integer outputs round
    half to even and saturate instead, so the package converts here); bool
    is whether that byte is nonzero."""
    if odt.kind in "fc" or result.dtype == odt:
        return result.astype(odt, copy=False)
    with np.errstate(invalid="ignore"):
        t = np.trunc(result).astype(np.int64)
    if odt.kind == "b":
        return (t & 0xFF) != 0
    return t.astype(odt)


def _finish(result: np.ndarray, odt: np.dtype, out: Optional[np.ndarray]) -> np.ndarray:
    result = _as_output(result, odt)
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


# --------------------------------------------------------------------------
# Implementations, shared by the in-process functions and clconv.Client
# --------------------------------------------------------------------------

def _weights(weights) -> np.ndarray:
    """Weights as scipy.ndimage takes them: complex ones as complex128,
    anything else as float64."""
    w = np.asarray(weights)
    return w.astype(np.complex128 if w.dtype.kind == "c" else np.float64, copy=False)


def _weights1d(weights) -> np.ndarray:
    w = _weights(weights)
    if w.ndim != 1 or w.shape[0] < 1:
        raise RuntimeError("no filter weights given")
    return w


def correlate1d_impl(input, weights, axis, output, mode, cval, origin, backend,
                     convolution=False):
    a = _input(input)
    w = _weights1d(weights)
    axis = _axis(axis, a.ndim)
    origin = operator.index(origin)
    _check_origin(len(w), origin)
    boundary = _boundary(mode)
    complex_weights = w.dtype.kind == "c"
    dt, odt, out = _output(output, a, complex_weights or a.dtype.kind == "c")
    cval = _cval(cval, a)
    # The library's convolution places the kernel as ndimage.convolve1d does
    # (origin and even lengths included), so convolution needs no flipping;
    # its correlation conjugates complex weights, as ndimage.correlate1d
    # does (and convolve1d does not).
    k = _signal.kernel_storage(w, dt)
    res = _signal.with_cval(
        lambda x, c: _along_axis(x, k, axis, not convolution, boundary, c, origin, backend),
        _signal.signal_storage(a, dt), cval)
    return _finish(res, odt, out)


def convolve1d_impl(input, weights, axis, output, mode, cval, origin, backend):
    return correlate1d_impl(input, weights, axis, output, mode, cval, origin, backend, True)


def correlate_impl(input, weights, output, mode, cval, origin, convolution, backend):
    a = _input(input)
    w = _weights(weights)
    origins = _origins(origin, max(a.ndim, 1))
    if w.ndim != a.ndim:
        raise RuntimeError("filter weights array has incorrect shape.")
    if w.size == 0:
        raise RuntimeError("no filter weights given")
    for k, o in zip(w.shape, origins):
        _check_origin(k, o)
    boundary = _boundary(mode)
    _signal.check_ndim(a.ndim)
    dt, odt, out = _output(output, a, w.dtype.kind == "c" or a.dtype.kind == "c")
    cval = _cval(cval, a)
    a, w = _signal.signal_storage(a, dt), _signal.kernel_storage(w, dt)

    def run(x, c):
        if x.ndim <= 1:
            return _along_axis(x, w.reshape(-1), 0, not convolution, boundary, c, origins[0],
                               backend)
        if x.size == 0:
            return x.copy()
        return _signal.conv_whole(x, w, "same", "auto", not convolution, backend, boundary, c,
                                  origins)
    return _finish(_signal.with_cval(run, a, cval), odt, out)


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


def _separable(a: np.ndarray, dt: np.dtype, odt: np.dtype, weights: list, boundaries: list,
               cval, origins: list, backend) -> np.ndarray:
    """Correlate a with one 1-D kernel per axis (None: that axis untouched)
    through each axis' boundary mode, computed in dt, the result in odt: one
    separable library call for an image or a volume filtered along every
    axis with one float result and one mode, else one pass per axis, in axis
    order, as scipy.ndimage runs them."""
    todo = [i for i, w in enumerate(weights) if w is not None]
    if not todo:
        return _as_output(a, odt)
    if odt.kind not in "fc":
        # scipy.ndimage stores each axis' pass in the output's dtype, so an
        # integer result is truncated (and wrapped) after every pass.
        for i in todo:
            a = _as_output(_along_axis(_signal.signal_storage(a, dt), weights[i].astype(dt), i,
                                       True, boundaries[i], cval, origins[i], backend), odt)
        return a
    a = _signal.signal_storage(a, dt)
    if isinstance(cval, complex) and cval.imag != 0:
        # The library's cval is real: a complex one runs pass by pass, each
        # composed of real cvals (_signal.with_cval), as scipy.ndimage runs
        # its passes.
        for i in todo:
            w = weights[i].astype(dt)
            a = _signal.with_cval(lambda x, c: _along_axis(x, w, i, True, boundaries[i], c,
                                                           origins[i], backend), a, cval)
        return a
    # A separable call reads cval outside the whole input, where each of
    # scipy's passes after the first reads it outside the previous pass's
    # result, which is cval times the product of the earlier kernels' sums
    # there: the same only for cval 0 or earlier kernels summing to 1
    # (Gaussians and boxes, not derivatives).
    sums_one = all(abs(float(np.sum(w)) - 1.0) <= 8 * np.finfo(np.float64).eps * len(w)
                   for w in weights[:-1] if w is not None)
    same_outside = boundaries[0] != "constant" or cval == 0 or sums_one
    if (2 <= a.ndim <= _signal.MAX_DIMS and len(todo) == a.ndim and len(set(boundaries)) == 1
            and same_outside and a.size):
        return _signal.conv_whole(a, [w.astype(dt) for w in weights], "same", "auto", True,
                                  backend, boundaries[0], cval, origins)
    for i in todo:
        a = _along_axis(a, weights[i].astype(dt), i, True, boundaries[i], cval, origins[i],
                        backend)
    return a


def _axes_filter(input, output, mode, cval, origin, kernels, backend) -> np.ndarray:
    """A filter that correlates each axis with a 1-D kernel of its own, as
    scipy.ndimage's gaussian_filter and uniform_filter: kernels(ndim) gives
    them, None for an axis left untouched."""
    a = _input(input)
    dt, odt, out = _output(output, a)
    cval = _cval(cval, a)
    nd = a.ndim
    modes = _per_axis(mode, nd, "mode")
    origins = _origins(origin, nd)
    weights = kernels(nd)
    boundaries: list = [None] * nd
    for i, w in enumerate(weights):
        if w is not None:
            _check_origin(len(w), origins[i])
            boundaries[i] = _boundary(modes[i])
    res = _separable(a, dt, odt, weights, boundaries, cval, origins, backend)
    return _finish(res, odt, out)


def gaussian_filter_impl(input, sigma, order, output, mode, cval, truncate, radius, backend):
    def kernels(nd):
        out = []
        for s, o, r in zip(_per_axis(sigma, nd, "sigma"), _per_axis(order, nd, "order"),
                           _per_axis(radius, nd, "radius")):
            s = float(s)
            if s <= 1e-15:
                out.append(None)
                continue
            r = int(float(truncate) * s + 0.5) if r is None else int(r)
            if r < 0:
                raise ValueError("Radius must be a nonnegative integer.")
            # As gaussian_filter1d: the reversed kernel, correlated.
            out.append(_gaussian_kernel1d(s, int(o), r)[::-1].copy())
        return out
    return _axes_filter(input, output, mode, cval, 0, kernels, backend)


def uniform_filter_impl(input, size, output, mode, cval, origin, backend):
    def kernels(nd):
        sizes = [int(n) for n in _per_axis(size, nd, "size")]
        if any(n < 1 for n in sizes):
            raise RuntimeError("incorrect filter size")
        return [np.full(n, 1.0 / n) if n > 1 else None for n in sizes]
    return _axes_filter(input, output, mode, cval, origin, kernels, backend)


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
    """Multidimensional correlation, as scipy.ndimage.correlate, of arrays of
    1 to 3 dimensions (more raise NotImplementedError), one library call.

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
    """Multidimensional convolution, as scipy.ndimage.convolve, of arrays of
    1 to 3 dimensions (more raise NotImplementedError), one library call.

    Modes as in :func:`correlate1d`; ``origin`` a number or one per axis.

    Example:
        >>> convolve(np.eye(2), np.ones((2, 2)), mode="constant")
        array([[2., 1.],
               [1., 1.]])
        >>> convolve(np.ones((2, 2, 2)), np.ones((1, 1, 2)), mode="wrap")[0]
        array([[2., 2.],
               [2., 2.]])
    """
    return correlate_impl(input, weights, output, mode, cval, origin, True,
                          _signal.local(runtime))


def gaussian_filter(input, sigma, order: Union[int, Sequence[int]] = 0, output=None,
                    mode: _Modes = "reflect", cval: float = 0.0, truncate: float = 4.0, *,
                    radius: Union[None, int, Sequence[int]] = None,
                    runtime: Optional[Runtime] = None) -> np.ndarray:
    """Gaussian filter, as scipy.ndimage.gaussian_filter: an image or a
    volume filtered along every axis with one mode in one separable library
    call, other arrays one axis after another (any rank).

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
