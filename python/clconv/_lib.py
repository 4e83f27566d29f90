"""The ctypes binding of libclconv: loading the library, the C structs and
function signatures of include/clconv.h, and turning a failed call's status
into a Python exception. Nothing above this module touches ctypes.

ctypes (rather than a compiled extension) because the library already has a
plain C ABI: one pure-Python wheel per platform carries libclconv and works
with every Python 3 and NumPy version, as scikit-build-core's ctypes template
and pyvkfft do, and CDLL calls release the GIL, so threads run at once.
"""
from __future__ import annotations

import ctypes
import glob
import os
from ctypes import (POINTER, Structure, byref, c_char, c_char_p, c_double, c_int, c_int64,
                    c_size_t, c_uint, c_uint64, c_ulong, c_void_p)

import numpy as np

F32, F64, U8, U16, I16, C64, C128 = 0, 1, 2, 3, 4, 5, 6
# enum clconv_dtype by NumPy dtype (in the machine's byte order); the integer
# ones are storage types of a signal (and a result) that the device converts
# as it loads (see TYPED_FORMS for the calls that take them), the complex
# ones interleaved (real, imaginary) pairs of float32 or float64. Keyed by
# the dtype itself: dtype.name is worked out in Python on every access.
DTYPES = {np.dtype(t): code for t, code in (
    (np.float32, F32), (np.float64, F64), (np.uint8, U8), (np.uint16, U16), (np.int16, I16),
    (np.complex64, C64), (np.complex128, C128))}
MODES = {"full": 0, "same": 1, "valid": 2}
METHODS = {"auto": 0, "direct": 1, "fft": 2}
METHOD_NAMES = {v: k for k, v in METHODS.items()}
# enum clconv_boundary; "none" is scipy.signal's zeros with the mode's extent.
BOUNDARIES = {"none": 0, "constant": 1, "reflect": 2, "mirror": 3, "nearest": 4, "wrap": 5}
DEVICE_TYPES = {0: "other", 1: "CPU", 2: "GPU", 3: "accelerator"}


class Error(Exception):
    """A failure reported by libclconv (or by a clconv service).

    ``status`` is the library's code (negative int), ``name`` its symbolic
    name (``"CLCONV_ENODEV"``), ``message`` the detailed message.

    Example:
        >>> try:
        ...     clconv.Runtime(device="no such device")
        ... except clconv.Error as e:
        ...     print(e.name)
        CLCONV_ENODEV
    """

    def __init__(self, status: int, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.status = status
        self.name = name
        self.message = message


class InvalidArgumentError(Error, ValueError):
    """The library rejected an argument (CLCONV_EINVAL, ERANGE, EOVERFLOW);
    also a ValueError.

    Example:
        >>> try:
        ...     clconv.dist.Dist([0.5, 0.6])
        ... except ValueError as e:
        ...     print(e.name)
        CLCONV_EINVAL
    """


class OutOfMemoryError(Error, MemoryError):
    """Host or device memory ran out (CLCONV_ENOMEM, CLCONV_EDEVMEM); also a
    MemoryError.

    Example:
        >>> issubclass(clconv.OutOfMemoryError, MemoryError)
        True
    """


_ERROR_CLASSES = {-1: InvalidArgumentError, -2: OutOfMemoryError, -5: InvalidArgumentError,
                  -6: OutOfMemoryError, -12: InvalidArgumentError}


class ConvOptions(Structure):
    # struct clconv_conv_options field for field: four enums and an int, a
    # double, three int64; ctypes lays them out as the platform's C compiler
    # does (56 bytes on x86-64 and arm64, with 4 bytes of padding before
    # cval), which tests/test_lib.py checks against the compiler and the
    # header. No zeroed tail: the wheel carries the libclconv built from the
    # header this mirrors, and a tail would hide a mismatch with a library
    # named by CLCONV_LIBRARY rather than reveal it.
    _fields_ = [("mode", c_int), ("method", c_int), ("correlate", c_int), ("chosen", c_int),
                ("boundary", c_int), ("cval", c_double), ("origin", c_int64 * 3)]


class DeviceInfo(Structure):
    _fields_ = [("index", c_size_t), ("type", c_int), ("name", c_char * 256),
                ("vendor", c_char * 256), ("platform", c_char * 256),
                ("driver_version", c_char * 128), ("opencl_version", c_char * 128),
                ("compute_units", c_uint), ("max_clock_mhz", c_uint),
                ("global_mem_bytes", c_uint64), ("local_mem_bytes", c_uint64),
                ("max_alloc_bytes", c_uint64), ("max_work_group_size", c_size_t),
                ("fp64", c_int), ("pref_vector_float", c_uint), ("pref_vector_double", c_uint)]


class DistLayout(Structure):
    _fields_ = [("dims", c_int), ("len", c_size_t * 2), ("offset", c_int64 * 2),
                ("step", c_double)]


class DistOptions(Structure):
    _fields_ = [("method", c_int), ("chosen", c_int), ("clamped_mass", c_double),
                ("fft_passes", c_uint), ("fft_direct_entries", c_size_t)]


class DistStats(Structure):
    _fields_ = [("total", c_double), ("mean", c_double * 2), ("variance", c_double * 2),
                ("sd", c_double * 2), ("skewness", c_double * 2), ("min", c_double * 2),
                ("max", c_double * 2), ("covariance", c_double)]


class RuntimeOptions(Structure):
    _fields_ = [("device", c_char_p), ("cache_dir", c_char_p), ("disk_cache", c_int),
                ("max_alloc", c_uint64), ("verbose", c_int)]


class CacheStats(Structure):
    _fields_ = [("memory_hits", c_ulong), ("disk_hits", c_ulong), ("builds", c_ulong),
                ("disk_rejects", c_ulong), ("plan_hits", c_ulong), ("plans_created", c_ulong)]


def _find_library() -> str:
    """The path of libclconv: $CLCONV_LIBRARY, else the copy installed in this
    package by the wheel build."""
    env = os.environ.get("CLCONV_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for pattern in ("_lib/lib*/libclconv.so*", "_lib/lib*/libclconv*.dylib",
                    "_lib/bin/clconv.dll", "_lib/lib*/clconv.dll"):
        found = sorted(glob.glob(os.path.join(here, pattern)), key=len)
        if found:
            return found[0]
    raise ImportError("libclconv not found in the clconv package (install it with "
                      "`pip install ./python`) and CLCONV_LIBRARY is not set")


_P = c_void_p
_SIGNATURES = {
    "clconv_version_string": (c_char_p, []),
    "clconv_strerror": (c_char_p, [c_int]),
    "clconv_status_name": (c_char_p, [c_int]),
    "clconv_last_error": (c_char_p, [_P]),
    "clconv_device_count": (c_int, [POINTER(c_size_t)]),
    "clconv_device_info_get": (c_int, [c_size_t, POINTER(DeviceInfo)]),
    "clconv_device_find": (c_int, [c_char_p, POINTER(c_size_t)]),
    "clconv_runtime_create_ex": (c_int, [POINTER(_P), POINTER(RuntimeOptions)]),
    "clconv_runtime_destroy": (None, [_P]),
    "clconv_runtime_device": (c_int, [_P, POINTER(DeviceInfo)]),
    "clconv_runtime_cache_stats": (c_int, [_P, POINTER(CacheStats)]),
    "clconv_conv_output_size": (c_int, [c_size_t, c_size_t, c_int, POINTER(c_size_t)]),
    "clconv_boundary_name": (c_char_p, [c_int]),
    "clconv_boundary_parse": (c_int, [c_char_p, POINTER(c_int)]),
    "clconv_conv1d_host": (c_int, [_P, c_int, _P, c_size_t, c_size_t, _P, c_size_t, _P,
                                   POINTER(ConvOptions)]),
    "clconv_conv2d_host": (c_int, [_P, c_int, _P, c_size_t, c_size_t, c_size_t, _P, c_size_t,
                                   c_size_t, _P, POINTER(ConvOptions)]),
    "clconv_conv2d_host_typed": (c_int, [_P, c_int, _P, c_size_t, c_size_t, c_size_t, c_int,
                                         _P, c_size_t, c_size_t, c_int, _P,
                                         POINTER(ConvOptions)]),
    "clconv_dtype_name": (c_char_p, [c_int]),
    "clconv_dtype_parse": (c_int, [c_char_p, POINTER(c_int)]),
    "clconv_dtype_size": (c_size_t, [c_int]),
    "clconv_conv2d_separable_host": (c_int, [_P, c_int, _P, c_size_t, c_size_t, c_size_t, _P,
                                             c_size_t, _P, c_size_t, _P,
                                             POINTER(ConvOptions)]),
    "clconv_conv3d_host": (c_int, [_P, c_int, _P, c_size_t, c_size_t, c_size_t, c_size_t, _P,
                                   c_size_t, c_size_t, c_size_t, _P, POINTER(ConvOptions)]),
    "clconv_conv3d_separable_host": (c_int, [_P, c_int, _P, c_size_t, c_size_t, c_size_t,
                                             c_size_t, _P, c_size_t, _P, c_size_t, _P,
                                             c_size_t, _P, POINTER(ConvOptions)]),
    "clconv_dist_create_1d": (c_int, [_P, _P, c_size_t, c_int64, c_uint, POINTER(_P)]),
    "clconv_dist_destroy": (None, [_P]),
    "clconv_dist_layout_get": (c_int, [_P, POINTER(DistLayout)]),
    "clconv_dist_read": (c_int, [_P, _P]),
    "clconv_dist_sum": (c_int, [_P, _P, _P, POINTER(DistOptions), POINTER(_P)]),
    "clconv_dist_sum_many": (c_int, [_P, _P, c_size_t, POINTER(DistOptions), POINTER(_P)]),
    "clconv_dist_sum_rows": (c_int, [_P, _P, c_size_t, c_size_t, c_uint, POINTER(DistOptions),
                                     POINTER(_P)]),
    "clconv_dist_power": (c_int, [_P, _P, c_uint64, POINTER(DistOptions), POINTER(_P)]),
    "clconv_dist_stats_get": (c_int, [_P, POINTER(DistStats)]),
    "clconv_dist_cdf": (c_int, [_P, _P]),
    "clconv_dist_quantiles": (c_int, [_P, _P, c_size_t, _P]),
    "clconv_dist_read_log": (c_int, [_P, _P]),
    "clconv_dist_sf": (c_int, [_P, _P]),
    "clconv_dist_logsf": (c_int, [_P, _P]),
    "clconv_dist_logcdf": (c_int, [_P, _P]),
    "clconv_dist_compound": (c_int, [_P, _P, _P, POINTER(DistOptions), POINTER(_P)]),
    "clconv_dist_count": (c_int, [_P, c_int, c_double, c_double, c_double, POINTER(_P)]),
}

# The host forms with a dtype per operand, by (rank, separable), where the
# library has them: clconv_conv2d_host_typed in every libclconv, the others
# from the one that converts integer signals on every path.
_TYPED_SIGNATURES = {
    (1, False): ("clconv_conv1d_host_typed",
                 [_P, c_int, _P, c_size_t, c_size_t, c_int, _P, c_size_t, c_int, _P,
                  POINTER(ConvOptions)]),
    (2, False): ("clconv_conv2d_host_typed",
                 [_P, c_int, _P, c_size_t, c_size_t, c_size_t, c_int, _P, c_size_t, c_size_t,
                  c_int, _P, POINTER(ConvOptions)]),
    (3, False): ("clconv_conv3d_host_typed",
                 [_P, c_int, _P, c_size_t, c_size_t, c_size_t, c_size_t, c_int, _P, c_size_t,
                  c_size_t, c_size_t, c_int, _P, POINTER(ConvOptions)]),
    (2, True): ("clconv_conv2d_separable_host_typed",
                [_P, c_int, _P, c_size_t, c_size_t, c_size_t, c_int, _P, c_size_t, _P,
                 c_size_t, c_int, _P, POINTER(ConvOptions)]),
    (3, True): ("clconv_conv3d_separable_host_typed",
                [_P, c_int, _P, c_size_t, c_size_t, c_size_t, c_size_t, c_int, _P, c_size_t,
                 _P, c_size_t, _P, c_size_t, c_int, _P, POINTER(ConvOptions)]),
}

# clconv_count_family, in the header's order.
COUNT_FAMILIES = {"poisson": 0, "binomial": 1, "negbin": 2, "geometric": 3}

lib = ctypes.CDLL(_find_library())
for _name, (_res, _args) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args

# The typed host forms this library has, by (rank, separable).
TYPED_FORMS = {}
for _key, (_name, _args) in _TYPED_SIGNATURES.items():
    _fn = getattr(lib, _name, None)
    if _fn is not None:
        _fn.restype = c_int
        _fn.argtypes = _args
        TYPED_FORMS[_key] = _name


def integer_everywhere() -> bool:
    """Whether the library takes integer signals on every path (FFT,
    separable, streaming), as one with clconv_conv1d_host_typed does by its
    header's contract; an older one runs them through
    clconv_conv2d_host_typed's direct path alone."""
    return (1, False) in TYPED_FORMS


def takes_integer(dims: int, separable: bool, method: str, axis: bool = False) -> bool:
    """Whether a job of this rank hands an integer
    signal (uint8, uint16, int16) to the library as it is, rather than
    converted on the host: on every path where the library converts
    integers everywhere, else only for clconv_conv2d_host_typed's direct
    path. axis: a conv1d along an axis other than the last (a 2-D call with
    a column kernel)."""
    if integer_everywhere():
        return (dims, separable) in TYPED_FORMS
    return dims == 2 and not separable and not axis and method != "fft"


def error(status: int, rt: int | None = None) -> Error:
    """The exception for a failed call's status; rt is the runtime handle the
    call ran on (None for calls without one). Must be called on the thread
    that made the call, since the library keeps the message per thread."""
    message = (lib.clconv_last_error(rt) or b"").decode("utf-8", "replace")
    name = lib.clconv_status_name(status).decode()
    if not message:
        message = lib.clconv_strerror(status).decode()
    return _ERROR_CLASSES.get(status, Error)(status, name, message)


def check(status: int, rt: int | None = None) -> None:
    """Raises the exception for a nonzero status."""
    if status != 0:
        raise error(status, rt)


__all__ = ["lib", "check", "error", "Error", "byref", "c_size_t", "c_void_p", "TYPED_FORMS",
           "takes_integer", "integer_everywhere"]
