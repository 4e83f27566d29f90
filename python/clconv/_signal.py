"""scipy.signal's convolution functions over clconv: argument checks, dtype
rules, the shape of each mode, batches over axes, and the layout of arrays
handed to the library. The work itself goes to a backend: _Local calls
libclconv in this process, clconv.Client sends the same jobs to `clconv
serve`, so both faces run one set of SciPy rules."""
from __future__ import annotations

import operator
import threading
import warnings
from typing import Optional, Sequence, Union

import numpy as np

from . import _lib, _outputs
from ._lib import lib
from ._runtime import Runtime, resolve

ArrayLike = Union[np.ndarray, Sequence, float]
_VALID_MODES = ("full", "same", "valid")


# --------------------------------------------------------------------------
# Backends: one job is a 1-D, 2-D or 3-D (batched) convolution of
# C-contiguous arrays of one float dtype.
# --------------------------------------------------------------------------

def out_len(n: int, k: int, mode: str) -> int:
    """Output length of one dimension, as clconv_conv_output_size."""
    if mode == "full":
        return n + k - 1
    if mode == "same":
        return n
    return max(n, k) - min(n, k) + 1


def conv_options(mode: str, method: str, correlate: bool, boundary: str = "none",
                 cval: float = 0.0, origin: Sequence[int] = (0, 0)) -> "_lib.ConvOptions":
    """clconv_conv_options for a job; boundary is a library name ("none":
    zeros with the mode's extent, scipy.signal's; else an ndimage mode, whose
    output has the input's shape); origin has one entry per axis of the job,
    outermost first (the library's unused entries stay 0)."""
    o = _lib.ConvOptions(_lib.MODES[mode], _lib.METHODS[method], int(correlate), 0,
                         _lib.BOUNDARIES[boundary], float(cval))
    # The origin only where one is given: ctypes zeroes the array, and
    # building it costs a call that follows a large convolution (caches
    # swept) about 0.01 ms.
    if any(origin):
        o.origin[:len(origin)] = [int(v) for v in origin]
    return o


# The host forms by the rank of a job. Their arguments come in one order:
# input, its extents outermost first, the batch, then each kernel with its
# length (a dense kernel: its extents), then the output.
_CONV_HOST = {1: "clconv_conv1d_host", 2: "clconv_conv2d_host", 3: "clconv_conv3d_host"}
_SEPARABLE_HOST = {2: "clconv_conv2d_separable_host", 3: "clconv_conv3d_separable_host"}


class _Local:
    """Runs jobs through libclconv on a runtime, in this process. Every job
    takes the library's boundary (a name of _lib.BOUNDARIES), cval and
    origin (one per axis, outermost first), as clconv_conv_options does."""

    __slots__ = ("rt",)

    def __init__(self, rt: Runtime):
        self.rt = rt

    def _call(self, dims: int, x: np.ndarray, kernels: Sequence[np.ndarray], out_shape,
              mode: str, method: str, correlate: bool, boundary: str, cval: float,
              origin: Sequence[int], axis: bool = False) -> np.ndarray:
        """One host-form call: kernels are the dense kernel or the separable
        factors, each passed with its extents, of one dtype (float32,
        float64 or their complex types) whose real precision is the job's;
        x is (batch, *extents) of that precision, its complex type or an
        integer storage dtype. The result is complex when x or the kernel
        is, else in the precision (see result_dtype)."""
        rt = self.rt.handle
        kdt = kernels[0].dtype
        odt = result_dtype(x.dtype, kdt)
        real = real_dtype(kdt)
        separable = len(kernels) > 1
        opts = conv_options(mode, method, correlate, boundary, cval, origin)
        out = _outputs.empty((x.shape[0],) + tuple(out_shape), odt)
        if x.dtype.kind in "iu" and not _lib.takes_integer(dims, separable, method, axis):
            x = x.astype(real)
        if x.dtype == kdt == odt:
            fn = (_SEPARABLE_HOST if separable else _CONV_HOST)[dims]
            args = [rt, _lib.DTYPES[kdt], x.ctypes.data, *x.shape[1:], x.shape[0]]
        else:
            fn = _lib.TYPED_FORMS[(dims, separable)]
            args = [rt, _lib.DTYPES[x.dtype], x.ctypes.data, *x.shape[1:], x.shape[0],
                    _lib.DTYPES[kdt]]
        for h in kernels:
            args += [h.ctypes.data, *h.shape]
        if fn not in _CONV_HOST.values() and fn not in _SEPARABLE_HOST.values():
            args.append(_lib.DTYPES[odt])
        status = getattr(lib, fn)(*args, out.ctypes.data, _lib.byref(opts))
        if status != 0:
            raise _lib.error(status, rt)
        calls = getattr(_trace, "calls", None)
        if calls is not None:
            calls.append((x, kernels, out, (dims, out_shape, mode, method, correlate, boundary,
                                            cval, origin, axis)))
        return out

    def _conv(self, x: np.ndarray, h: np.ndarray, mode: str, method: str, correlate: bool,
             dims: int, boundary: str = "none", cval: float = 0.0,
             origin: Sequence[int] = (0, 0)) -> np.ndarray:
        """x: (batch, *extents) of dims extents; h: a kernel of dims extents;
        both C-contiguous of one dtype. Returns (batch, *out) in a new
        array."""
        return self._call(dims, x, [h],
                          [out_len(n, k, mode) for n, k in zip(x.shape[1:], h.shape)], mode,
                          method, correlate, boundary, cval, origin)

    def _conv_separable(self, x: np.ndarray, kernels: Sequence[np.ndarray], mode: str,
                       method: str, correlate: bool, boundary: str = "none", cval: float = 0.0,
                       origin: Sequence[int] = (0, 0)) -> np.ndarray:
        """x: (batch, *extents) of 2 or 3 extents; the kernel is the outer
        product of one vector per axis (kernels, outermost axis first)."""
        return self._call(len(kernels), x, kernels,
                          [out_len(n, k.size, mode) for n, k in zip(x.shape[1:], kernels)],
                          mode, method, correlate, boundary, cval, origin)

    def _conv_axis(self, x: np.ndarray, h: np.ndarray, correlate: bool, boundary: str,
                   cval: float, origin: int) -> np.ndarray:
        """x: (outer, n, inner) C-contiguous, convolved along its middle axis
        with the 1-D kernel h in mode 'same' with a boundary mode, as `clconv
        serve` runs conv1d with an axis: rows of samples when inner is 1, else
        outer images of n x inner with an n-tap column kernel, so nothing is
        transposed. Returns a new array of x's shape."""
        outer, n, inner = x.shape
        if inner == 1:
            return self._conv(x.reshape(outer, n), h, "same", "auto", correlate, 1, boundary,
                              cval, (origin,)).reshape(x.shape)
        return self._call(2, x, [h.reshape(-1, 1)], (n, inner), "same", "auto", correlate,
                          boundary, cval, (origin, 0), axis=True)


def local(runtime: Optional[Runtime]) -> _Local:
    return _Local(resolve(runtime))


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_C64, _C128 = np.dtype(np.complex64), np.dtype(np.complex128)


def real_dtype(dtype: np.dtype) -> np.dtype:
    """The real precision of a float or complex dtype: float32 for float32
    and complex64, float64 for float64 and complex128. (By the type code:
    comparing dtypes with scalar types converts them on every call, which a
    call right after a large convolution pays in cache misses.)"""
    return _F32 if np.dtype(dtype).char in "fF" else _F64


def complex_dtype(dtype: np.dtype) -> np.dtype:
    """The complex type of a precision (float32 -> complex64)."""
    return _C64 if real_dtype(dtype) is _F32 else _C128


def result_dtype(x: np.dtype, k: np.dtype) -> np.dtype:
    """The dtype of the library's result for a signal of dtype x and a
    kernel of dtype k (whose real precision is the job's): complex when
    either is, else the precision."""
    return complex_dtype(k) if "c" in (x.kind, k.kind) else real_dtype(k)


def native(a: np.ndarray) -> np.ndarray:
    """a in the machine's byte order (a big-endian array converted, as
    SciPy converts it), its dtype checked: bool, integers, float32,
    float64, complex64 and complex128 are convolved; float16, complex256,
    object and other dtypes are refused with a TypeError naming them."""
    kind = a.dtype.kind
    if not (kind in "biu" or (kind in "fc" and a.dtype.itemsize in ((4, 8) if kind == "f"
                                                                     else (8, 16)))):
        raise TypeError(f"unsupported dtype {a.dtype}: clconv takes bool, integer, float32, "
                        "float64, complex64 and complex128 arrays")
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a


def signal_storage(a: np.ndarray, prec: np.dtype) -> np.ndarray:
    """a as the library takes a signal computed in precision prec (or its
    complex type): uint8, uint16 and int16 as they are (a backend converts
    them on the host only where the library's call cannot: see
    _lib.takes_integer), a complex array as prec's complex type, anything
    else converted to prec."""
    prec = real_dtype(prec)
    if a.dtype.kind == "c":
        return a.astype(complex_dtype(prec), copy=False)
    if a.dtype == prec or a.dtype.char in "BHh":  # uint8, uint16, int16
        return a
    return a.astype(prec)


def kernel_storage(b: np.ndarray, prec: np.dtype) -> np.ndarray:
    """b as the library takes a kernel in precision prec: prec, or its
    complex type for a complex kernel."""
    return b.astype(complex_dtype(prec) if b.dtype.kind == "c" else real_dtype(prec),
                    copy=False)


def fft_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype of scipy.signal.fftconvolve's and oaconvolve's result:
    scipy.fft computes integers and bools in float64 and keeps float32 and
    complex64, so the result is single precision only when every input is
    float32 or complex64, and complex when one is."""
    return np.result_type(*[a.dtype if a.dtype.kind in "fc" else np.float64 for a in arrays])


# The largest sum an integer result is computed to exactly: clconv sums in
# float64, whose rounding error stays far below 1/2 (so np.rint recovers the
# integer) while the sum of |products| stays below 2^40, by the bound the
# tests use (64 eps log2(taps) times that sum) for every method, FFT included.
_EXACT_INTEGER_SUM = 2.0 ** 40


def integer_result(a: np.ndarray, b: np.ndarray, res: np.dtype, axes=None) -> None:
    """Refuses integer inputs whose convolution clconv cannot give exactly
    (SciPy returns integers, wrapping at the dtype's range): the bound is
    max|a| * max|b| * the taps that overlap at most."""
    axes = range(a.ndim) if axes is None else axes
    taps = float(np.prod([min(a.shape[i], b.shape[i]) for i in axes]))
    bound = (float(np.max(np.abs(a.astype(np.float64)))) *
             float(np.max(np.abs(b.astype(np.float64)))) * taps) if a.size and b.size else 0.0
    if bound >= _EXACT_INTEGER_SUM:
        raise NotImplementedError(
            f"{a.dtype} with {b.dtype}: SciPy returns exact {res} sums (wrapping at its range); "
            f"clconv computes integer inputs in float64, exact while the sums stay below 2^40, "
            f"and these may reach {bound:.3g}; convert to float64 for a float result")


def to_integer(out: np.ndarray, res: np.dtype) -> np.ndarray:
    """A float64 result of integer inputs as SciPy's integer (or bool) dtype
    res: rounded to the integer it holds (it is exact, see integer_result),
    wrapped at the dtype's range as NumPy's integer sums wrap; bool is
    whether any product was true."""
    r = np.rint(out)
    if res.kind == "b":
        return r != 0
    return r.astype(np.int64).astype(res)


def check_mode(mode: str) -> str:
    if mode not in _VALID_MODES:
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'.")
    return mode


def check_method(method: str) -> str:
    if method not in _lib.METHODS:
        raise ValueError("acceptable method flags are 'auto', 'direct', or 'fft'.")
    return method


# The largest rank of one job, in-process and on `clconv serve` alike.
MAX_DIMS = 3


def check_ndim(ndim: int) -> None:
    """Refuses a convolution over more axes than the library's calls take."""
    if ndim > MAX_DIMS:
        raise NotImplementedError(
            f"{ndim}-D convolutions: libclconv convolves arrays of 1 to 3 dimensions (and "
            "batches of them)")


def _swap_needed(mode: str, s1: Sequence[int], s2: Sequence[int]) -> bool:
    """scipy.signal._signaltools._inputs_swap_needed."""
    if mode != "valid":
        return False
    if not s1:
        return False
    ok1 = all(a >= b for a, b in zip(s1, s2))
    ok2 = all(b >= a for a, b in zip(s1, s2))
    if not (ok1 or ok2):
        raise ValueError("For 'valid' mode, one must be at least as large as the other in "
                         "every dimension")
    return not ok1


# --------------------------------------------------------------------------
# The convolution of whole arrays (1-D to 3-D), in the layout the library takes
# --------------------------------------------------------------------------

def conv_whole(a: np.ndarray, b, mode: str, method: str, correlate: bool, backend,
               boundary: str = "none", cval: float = 0.0,
               origin: Optional[Sequence[int]] = None) -> np.ndarray:
    """a (rank 1 to 3, in the precision or an integer storage dtype, see
    signal_storage) convolved over every axis in one library call with b: a
    dense kernel of a's rank in the precision, or a list of
    one vector per axis (a separable kernel, rank 2 or 3). SciPy's modes
    with boundary "none", else the library's boundary mode with cval and
    origin (one per axis)."""
    separable = isinstance(b, list)
    origin = [0] * a.ndim if origin is None else list(origin)
    # A Fortran-ordered array is the C-ordered transpose, with every axis
    # reversed: convolve that with the transposed kernel and hand back the
    # transposed result, no copy.
    flip = a.ndim > 1 and a.flags.f_contiguous and not a.flags.c_contiguous
    if flip:
        x, origin = a.T[None], origin[::-1]
        k = b[::-1] if separable else np.ascontiguousarray(b.T)
    else:
        x = np.ascontiguousarray(a)[None]
        k = b if separable else np.ascontiguousarray(b)
    if separable:
        out = backend._conv_separable(x, k, mode, method, correlate, boundary, cval, origin)
    else:
        out = backend._conv(x, k, mode, method, correlate, a.ndim, boundary, cval, origin)
    return out[0].T if flip else out[0]


def conv_full_rank(a: np.ndarray, b: np.ndarray, mode: str, method: str, correlate: bool,
                   backend) -> np.ndarray:
    """N-D convolution (N = 1 to 3) of two float arrays of one dtype over all
    axes, SciPy's modes; 'valid' checks sizes as SciPy does."""
    _swap_needed(mode, a.shape, b.shape)
    return conv_whole(a, b, mode, method, correlate, backend)


def _prepare(in1: ArrayLike, in2: ArrayLike):
    return native(np.asarray(in1)), native(np.asarray(in2))


def _operands(a: np.ndarray, b: np.ndarray, res: np.dtype):
    """(signal, kernel) for a result of dtype res (SciPy's): a float or
    complex result is computed in its real precision, an integer one in
    float64; the signal keeps an integer storage dtype, a complex operand
    stays complex (in the precision), the kernel is converted."""
    prec = real_dtype(res) if res.kind in "fc" else np.dtype(np.float64)
    if res.kind not in "fc":
        integer_result(a, b, res)
    return signal_storage(a, prec), kernel_storage(b, prec)


def _result(out: np.ndarray, res: np.dtype) -> np.ndarray:
    return out if res.kind in "fc" else to_integer(out, res)


# --------------------------------------------------------------------------
# Repeated calls
# --------------------------------------------------------------------------
# A public call whose checks, dtype rules and layout came down to one library
# call on the caller's two arrays as they are (native float32 or float64 of
# one dtype, C-ordered) is remembered by its arguments' signature, and the
# next call with that signature makes that library call directly. After a
# large convolution has swept the caches every line of Python between a
# call's entry and the library comes from memory: a 4096^2 3x3 convolve2d
# spent 0.10 ms there against 0.05 this way (a 64 MiB sweep before each
# call, the library call stubbed, medians of 300). Only a first call that
# went through is remembered, so every error, and every other path, still
# runs the whole chain.

_PLAIN: dict = {}
_PLAIN_MAX = 256
_trace = threading.local()


def _plain_key(backend, in1, in2, *rest):
    """The signature a call on in1 and in2 with the arguments rest is
    remembered by, or None for one that is not remembered."""
    if type(backend) is not _Local or type(in1) is not np.ndarray or \
            type(in2) is not np.ndarray:
        return None
    dtype = in1.dtype
    if dtype not in (_F32, _F64) or in2.dtype != dtype:
        return None
    key = (dtype, in1.shape, in1.strides, in2.shape, in2.strides) + rest
    try:
        hash(key)
    except TypeError:  # an unhashable argument, which the whole chain judges
        return None
    return key


def _plain(key, backend, in1, in2, slow) -> np.ndarray:
    """slow() (the whole chain), or with key remembered, its one library
    call; a first call that came down to one call on in1 and in2 as they
    are is remembered under key. A key of None is never remembered."""
    if key is None:
        return slow()
    layout = _PLAIN.get(key)
    if layout is not None:
        return backend._call(layout[0], in1[None], [in2], *layout[1:])[0]
    if getattr(_trace, "calls", None) is not None:
        # Inside another remembered call's first run: its trace must see
        # every library call.
        return slow()
    _trace.calls = []
    try:
        result = slow()
        calls = _trace.calls
    finally:
        _trace.calls = None
    if len(calls) == 1:
        x, kernels, out, layout = calls[0]
        if (len(kernels) == 1 and _same(x, in1, (1,) + in1.shape) and
                _same(kernels[0], in2, in2.shape) and _same(result, out, out.shape[1:])):
            if len(_PLAIN) >= _PLAIN_MAX:
                _PLAIN.clear()
            _PLAIN[key] = layout
    return result


def _same(a: np.ndarray, b: np.ndarray, shape) -> bool:
    """Whether a is b's memory, C-ordered in shape, of b's dtype."""
    return (a.ctypes.data == b.ctypes.data and a.shape == tuple(shape) and
            a.dtype == b.dtype and a.flags.c_contiguous)


def convolve_impl(in1, in2, mode, method, correlate, backend) -> np.ndarray:
    key = _plain_key(backend, in1, in2, "convolve", mode, method, bool(correlate))
    return _plain(key, backend, in1, in2,
                  lambda: _convolve_impl(in1, in2, mode, method, correlate, backend))


def _convolve_impl(in1, in2, mode, method, correlate, backend) -> np.ndarray:
    a, b = _prepare(in1, in2)
    check_mode(mode)
    check_method(method)
    if a.ndim == b.ndim == 0:
        return a * b
    if a.ndim != b.ndim:
        raise ValueError("in1 and in2 should have the same dimensionality")
    check_ndim(a.ndim)
    if a.size == 0 or b.size == 0:
        raise ValueError("inputs must not be empty (as in scipy.signal, which raises here)")
    # SciPy's dtype: np.result_type of the inputs, integers included.
    res = np.result_type(a, b)
    if res.kind == "b" and a.ndim > 1:
        # SciPy's N-D direct convolution has no boolean type (1-D runs
        # through np.convolve, where True + True is True).
        raise ValueError(f"boolean {'correlation' if correlate else 'convolution'} of "
                         f"{a.ndim}-D arrays: scipy.signal raises 'Unsupported type' here; "
                         "convert to an integer dtype")
    x, h = _operands(a, b, res)
    return _result(conv_full_rank(x, h, mode, method, correlate, backend), res)


# scipy.signal's boundary names and the library's boundary for each: 'symm'
# (d c b a | a b c d) is ndimage's 'reflect', 'wrap' its 'wrap', 'fill' its
# 'constant' with cval = fillvalue.
_BOUNDARIES = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
               "symm": "reflect", "symmetric": "reflect"}


def _fillvalue(fillvalue, res: np.dtype) -> complex:
    """The fill value as scipy.signal takes it: converted to the result's
    dtype (an integer result truncates it); a complex one for a real result
    is a ValueError, as there."""
    if type(fillvalue) in (int, float) and fillvalue == 0:
        # The default, 0 in every dtype: without the warning filters below,
        # about 0.02 ms of the 0.065 this layer added to a small call.
        return 0j
    v = np.asarray(fillvalue)
    if res.kind != "c" and complex(v.item()).imag != 0:
        # As scipy.signal, which refuses it.
        raise ValueError("could not cast `fillvalue` directly to the output type (it was first "
                         "converted to complex).")
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", np.ComplexWarning)
        return complex(v.astype(res).item())


def with_cval(run, x: np.ndarray, cval: complex) -> np.ndarray:
    """run(x, c) for a complex cval, where the library's cval is real:
    convolution is linear, so x read with cval outside is x read with its
    real part plus i times zeros read with its imaginary part (one more
    call, only when that part is not 0)."""
    cval = complex(cval)
    out = run(x, cval.real)
    if cval.imag != 0:
        zeros = np.zeros(x.shape, real_dtype(x.dtype) if x.dtype.kind in "fc"
                         else np.float64)
        out = out + 1j * run(zeros, cval.imag)
    return out


def convolve2d_impl(in1, in2, mode, boundary, fillvalue, correlate, backend) -> np.ndarray:
    key = (_plain_key(backend, in1, in2, "convolve2d", mode, boundary, fillvalue,
                      bool(correlate)) if type(fillvalue) in (int, float) else None)
    return _plain(key, backend, in1, in2,
                  lambda: _convolve2d_impl(in1, in2, mode, boundary, fillvalue, correlate,
                                           backend))


def _convolve2d_impl(in1, in2, mode, boundary, fillvalue, correlate, backend) -> np.ndarray:
    a, b = _prepare(in1, in2)
    res = np.result_type(a, b)
    if res.kind == "b":
        # As scipy.signal, whose 2-D convolution has no boolean type.
        raise ValueError(f"{'correlate2d' if correlate else 'convolve2d'} not available for this "
                         "type.")
    if not a.ndim == b.ndim == 2:
        raise ValueError(f"{'correlate2d' if correlate else 'convolve2d'} inputs must both be "
                         "2-D arrays")
    check_mode(mode)
    if boundary not in _BOUNDARIES:
        raise ValueError("Acceptable boundary flags are 'fill', 'circular' (or 'wrap'), and "
                         "'symmetric' (or 'symm').")
    if type(fillvalue) not in (int, float, complex) and np.ndim(fillvalue) != 0:
        raise ValueError("fillvalue must be scalar or an array with one element")
    if a.size == 0 or b.size == 0:
        raise ValueError("inputs must not be empty")
    a, b = _operands(a, b, res)
    return _result(_convolve2d(a, b, mode, boundary, fillvalue, correlate, res, backend), res)


def _convolve2d(a, b, mode, boundary, fillvalue, correlate, res, backend) -> np.ndarray:
    lib_boundary = _BOUNDARIES[boundary]
    fill = _fillvalue(fillvalue, res) if lib_boundary == "constant" else 0j
    if fill.imag != 0 and mode == "same":
        return with_cval(lambda x, c: _convolve2d(x, b, mode, boundary, c, correlate, res,
                                                  backend), a, fill)
    # 'valid' outputs never reach past the input, so the boundary is moot
    # there; 'full' with zeros outside is the library's own mode.
    if mode == "valid" or (mode == "full" and lib_boundary == "constant" and fill == 0):
        return conv_full_rank(a, b, mode, "auto", correlate, backend)
    if mode == "full":
        what = (f"fillvalue={fillvalue!r}" if lib_boundary == "constant"
                else f"boundary={boundary!r}")
        raise NotImplementedError(
            f"{what} with mode='full': the library's boundary modes give outputs of the "
            "input's shape ('same'); use mode='same', or boundary='fill' with fillvalue=0")
    cval = fill.real
    if lib_boundary == "constant" and cval == 0 and not correlate:
        return conv_full_rank(a, b, "same", "auto", False, backend)
    # 'same' through the library's boundary mode: scipy.signal centres an
    # even kernel one sample before ndimage does, in convolve2d and
    # correlate2d alike, which origin -1 on that axis reproduces.
    origin = [-1 if k % 2 == 0 else 0 for k in b.shape]
    return conv_whole(a, b, "same", "auto", correlate, backend, lib_boundary, cval, origin)


# --------------------------------------------------------------------------
# fftconvolve / oaconvolve: convolution over some axes, broadcast over others
# --------------------------------------------------------------------------

def _norm_axes(axes, ndim: int):
    if axes is None:
        return list(range(ndim))
    axes = np.atleast_1d(axes)
    if axes.ndim != 1 or axes.size == 0:
        raise ValueError("when provided, axes cannot be empty")
    out = []
    for ax in axes.tolist():
        ax = operator.index(ax)
        if ax < -ndim or ax >= ndim:
            raise ValueError("axes exceeds dimensionality of input")
        out.append(ax % ndim)
    if len(set(out)) != len(out):
        raise ValueError("all axes must be unique")
    return sorted(out)


def fftconvolve_impl(in1, in2, mode, axes, backend) -> np.ndarray:
    a, b = _prepare(in1, in2)
    if a.ndim == b.ndim == 0:
        return a * b
    if a.ndim != b.ndim:
        raise ValueError("in1 and in2 should have the same dimensionality")
    if a.size == 0 or b.size == 0:
        return np.array([])
    check_mode(mode)
    ax = _norm_axes(axes, a.ndim)
    # As SciPy: an axis where either input has size 1 is broadcast, not
    # convolved (which changes only 'valid' shapes).
    ax = [i for i in ax if a.shape[i] != 1 and b.shape[i] != 1]
    for i in range(a.ndim):
        if i not in ax and not (a.shape[i] == b.shape[i] or a.shape[i] == 1
                                or b.shape[i] == 1):
            raise ValueError(f"incompatible shapes for in1 and in2: {a.shape} and {b.shape}")
    check_ndim(len(ax))
    if not ax:
        # As SciPy, which multiplies when no axis is left to convolve.
        out = a * b
    else:
        # scipy.fft's dtype: float32 stays, integers are computed in float64.
        prec = real_dtype(fft_dtype(a, b))
        a, b = signal_storage(a, prec), kernel_storage(b, prec)
        if len(ax) == a.ndim:
            return conv_full_rank(a, b, mode, "auto", False, backend)
        out = _conv_some_axes(a, b, ax, mode, prec, backend)
    if mode == "same":
        # SciPy crops every axis to in1's extent in 'same' mode, broadcast
        # ones included (_centered(ret, s1)).
        out = out[tuple(slice((o - n) // 2, (o - n) // 2 + n)
                        for o, n in zip(out.shape, a.shape))]
    return out


def _conv_some_axes(a: np.ndarray, b: np.ndarray, ax: list, mode: str, prec: np.dtype,
                    backend) -> np.ndarray:
    """a and b convolved along the axes ax and broadcast along the others:
    one batched library call when one side is the same along every broadcast
    axis, else a call per pair. 'same' outputs come full here along ax where
    the inputs trade places; the caller crops them to in1's extent."""
    _swap_needed(mode, [a.shape[i] for i in ax], [b.shape[i] for i in ax])
    bx = [i for i in range(a.ndim) if i not in ax]
    order = bx + ax
    x, h = a.transpose(order), b.transpose(order)
    nb, dims = len(bx), len(ax)
    xb, hb = x.shape[:nb], h.shape[:nb]
    n, k = x.shape[nb:], h.shape[nb:]
    if all(s == 1 for s in hb) and (mode != "valid" or all(p >= q for p, q in zip(n, k))):
        # One kernel for a batch of signals.
        out = backend._conv(np.ascontiguousarray(x).reshape((-1,) + n),
                            np.ascontiguousarray(h).reshape(k), mode, "auto", False, dims)
        out = out.reshape(xb + out.shape[1:])
    elif all(s == 1 for s in xb):
        # Convolution commutes: h's slices are the signals, x the kernel.
        m = "full" if mode == "same" else mode
        out = backend._conv(np.ascontiguousarray(h).reshape((-1,) + k),
                            np.ascontiguousarray(kernel_storage(x, prec)).reshape(n), m, "auto",
                            False, dims)
        out = out.reshape(hb + out.shape[1:])
    else:
        shape = np.broadcast_shapes(xb, hb)
        parts = [conv_full_rank(x[tuple(min(i, s - 1) for i, s in zip(idx, xb))],
                                h[tuple(min(i, s - 1) for i, s in zip(idx, hb))], mode, "auto",
                                False, backend) for idx in np.ndindex(shape)]
        out = np.stack(parts).reshape(shape + parts[0].shape)
    return out.transpose(np.argsort(order))


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------

def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto", *,
             runtime: Optional[Runtime] = None) -> np.ndarray:
    """Convolve two arrays of 1 to 3 dimensions, as scipy.signal.convolve.

    ``mode`` is ``"full"`` (the whole convolution), ``"same"`` (the size of
    in1, centred on the full output) or ``"valid"`` (where the inputs overlap
    completely; one must be at least as large as the other in every
    dimension). ``method`` is ``"auto"`` (the library's cost model chooses),
    ``"direct"`` or ``"fft"``. The result's dtype is SciPy's,
    ``np.result_type(in1, in2)``: float32 inputs give float32, any float64
    input float64, complex64 with float32 complex64, integers with integers
    SciPy's exact integer sums; uint8, uint16 and int16 signals go to the
    device as they are. ``runtime`` selects a device (default:
    :func:`default_runtime`).

    Example:
        >>> clconv.convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
        array([0. , 1. , 2.5, 4. , 1.5])
        >>> clconv.convolve(np.array([200, 100], np.uint8), np.array([0.5], np.float32))
        array([100.,  50.], dtype=float32)
        >>> clconv.convolve(np.array([1j, 2.0]), np.array([1.0, 1j]))
        array([0.+1.j, 1.+0.j, 0.+2.j])
    """
    return convolve_impl(in1, in2, mode, method, False, local(runtime))


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto", *,
              runtime: Optional[Runtime] = None) -> np.ndarray:
    """Cross-correlate two arrays of 1 to 3 dimensions, as
    scipy.signal.correlate.

    The same as :func:`convolve` with in2 reversed along every axis and,
    when complex, conjugated, as scipy.signal.correlate.

    Example:
        >>> clconv.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "same")
        array([2. , 3.5, 3. ])
    """
    return convolve_impl(in1, in2, mode, method, True, local(runtime))


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
                axes: Union[int, Sequence[int], None] = None, *,
                runtime: Optional[Runtime] = None) -> np.ndarray:
    """Convolve two arrays over ``axes``, as scipy.signal.fftconvolve.

    Axes not in ``axes`` must have equal sizes or size 1 (broadcast): a 2-D
    array convolved along one axis is a batch of 1-D convolutions, a 3-D
    array along two a batch of 2-D ones; at most 3 axes convolved. The
    library chooses FFT or direct convolution by its cost model; the results
    agree up to rounding. Empty inputs give an empty array, as in SciPy.

    Example:
        >>> x = np.ones((2, 4), np.float32)
        >>> clconv.fftconvolve(x, np.array([[1.0, -1.0]], np.float32), axes=1)
        array([[ 1.,  0.,  0.,  0., -1.],
               [ 1.,  0.,  0.,  0., -1.]], dtype=float32)
    """
    return fftconvolve_impl(in1, in2, mode, axes, local(runtime))


def oaconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full",
               axes: Union[int, Sequence[int], None] = None, *,
               runtime: Optional[Runtime] = None) -> np.ndarray:
    """Convolve two arrays over ``axes``, as scipy.signal.oaconvolve.

    The library cuts long signals into overlap-save blocks itself when it
    uses the FFT, so this is :func:`fftconvolve` under SciPy's other name.

    Example:
        >>> clconv.oaconvolve(np.arange(5.0), np.array([1.0, 1.0]), mode="same")
        array([0., 1., 3., 5., 7.])
    """
    return fftconvolve_impl(in1, in2, mode, axes, local(runtime))


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue: float = 0, *, runtime: Optional[Runtime] = None) -> np.ndarray:
    """Convolve two 2-D arrays, as scipy.signal.convolve2d.

    ``boundary`` is ``"fill"`` (``fillvalue`` outside), ``"wrap"`` or
    ``"symm"`` (d c b a | a b c d), read by the library itself in ``"same"``
    mode (as ndimage's constant, wrap and reflect modes, centred as
    scipy.signal centres). In ``"valid"`` mode the boundary plays no part;
    ``"full"`` runs with zeros outside and raises NotImplementedError for
    another boundary or fill value, since the library's boundary modes give
    outputs of the input's shape.

    Example:
        >>> clconv.convolve2d(np.eye(3), np.ones((2, 2)), mode="valid")
        array([[2., 1.],
               [1., 2.]])
    """
    return convolve2d_impl(in1, in2, mode, boundary, fillvalue, False, local(runtime))


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue: float = 0, *, runtime: Optional[Runtime] = None) -> np.ndarray:
    """Cross-correlate two 2-D arrays, as scipy.signal.correlate2d.

    Boundaries as in :func:`convolve2d`.

    Example:
        >>> clconv.correlate2d(np.eye(3), np.array([[1.0, 0.0], [0.0, 2.0]]), mode="valid")
        array([[3., 0.],
               [0., 3.]])
        >>> clconv.correlate2d(np.eye(2), np.ones((1, 2)), "same", boundary="wrap")
        array([[1., 1.],
               [1., 1.]])
    """
    return convolve2d_impl(in1, in2, mode, boundary, fillvalue, True, local(runtime))
