"""Devices and runtimes: the device list, clconv.Runtime (one device with its
context, queue and compiled programs) and the default runtime that calls use
when they are given none."""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import List, Optional

from . import _lib
from ._lib import lib


@dataclass(frozen=True)
class Device:
    """One OpenCL device as the library lists it (``clconv devices``).

    Example:
        >>> d = clconv.devices()[0]
        >>> d.index, d.float64
        (0, True)
    """

    index: int
    type: str
    name: str
    vendor: str
    platform: str
    driver: str
    opencl: str
    compute_units: int
    clock_mhz: int
    global_memory: int
    local_memory: int
    max_allocation: int
    work_group_max: int
    float64: bool
    vector_width_float: int
    vector_width_double: int

    @classmethod
    def _from_info(cls, i: "_lib.DeviceInfo") -> "Device":
        s = lambda b: b.decode("utf-8", "replace")  # noqa: E731
        return cls(i.index, _lib.DEVICE_TYPES.get(i.type, "other"), s(i.name), s(i.vendor),
                   s(i.platform), s(i.driver_version), s(i.opencl_version), i.compute_units,
                   i.max_clock_mhz, i.global_mem_bytes, i.local_mem_bytes, i.max_alloc_bytes,
                   i.max_work_group_size, bool(i.fp64), i.pref_vector_float,
                   i.pref_vector_double)


def devices() -> List[Device]:
    """The OpenCL devices of every platform, in the library's stable order.

    Returns an empty list when there is no OpenCL platform or device.

    Example:
        >>> [d.type for d in clconv.devices()]
        ['CPU']
    """
    count = _lib.c_size_t(0)
    status = lib.clconv_device_count(_lib.byref(count))
    if status != 0:
        return []
    out = []
    for i in range(count.value):
        info = _lib.DeviceInfo()
        _lib.check(lib.clconv_device_info_get(i, _lib.byref(info)))
        out.append(Device._from_info(info))
    return out


class Runtime:
    """A device with its OpenCL context, queue and compiled programs.

    ``device`` is a specification as ``clconv --device`` takes it: ``"gpu"``,
    ``"cpu"``, ``"gpu:1"``, an index, or a substring of the device's name;
    None means $CLCONV_DEVICE, else the first GPU, else the first CPU. Pass
    the runtime as ``runtime=`` to any call; one runtime may serve several
    threads at once. Close it (or leave a ``with`` block) to free the device's
    resources; distributions made on it keep it alive until they are freed.

    Example:
        >>> with clconv.Runtime(device="cpu") as rt:
        ...     clconv.convolve([1.0, 2.0], [1.0, 1.0], runtime=rt)
        array([1., 3., 2.])
    """

    def __init__(self, device: Optional[str] = None, *, cache_dir: Optional[str] = None,
                 disk_cache: Optional[bool] = None, max_alloc: int = 0, verbose: bool = False):
        if device is not None and not isinstance(device, (str, int)):
            raise TypeError(f"device must be a str or int, not {type(device).__name__}")
        opts = _lib.RuntimeOptions()
        opts.device = None if device is None else str(device).encode()
        opts.cache_dir = None if cache_dir is None else str(cache_dir).encode()
        opts.disk_cache = 0 if disk_cache is None else (1 if disk_cache else -1)
        opts.max_alloc = int(max_alloc)
        opts.verbose = int(bool(verbose))
        handle = _lib.c_void_p()
        self._handle: Optional[int] = None
        self._closed = False
        self._dists: "weakref.WeakSet" = weakref.WeakSet()
        self._lock = threading.Lock()
        status = lib.clconv_runtime_create_ex(_lib.byref(handle), _lib.byref(opts))
        if status != 0:
            raise _lib.error(status, None)
        self._handle = handle.value

    @property
    def handle(self) -> int:
        """The C handle (``clconv_runtime *``), for calls through ctypes."""
        if self._closed or self._handle is None:
            raise ValueError("the runtime is closed")
        return self._handle

    @property
    def device(self) -> Device:
        """The runtime's device."""
        info = _lib.DeviceInfo()
        _lib.check(lib.clconv_runtime_device(self.handle, _lib.byref(info)), self.handle)
        return Device._from_info(info)

    def cache_stats(self) -> dict:
        """Program and FFT plan cache counts since the runtime was created."""
        st = _lib.CacheStats()
        _lib.check(lib.clconv_runtime_cache_stats(self.handle, _lib.byref(st)), self.handle)
        return {name: getattr(st, name) for name, _ in st._fields_}

    def close(self) -> None:
        """Frees the device's resources once no distribution made on the
        runtime remains; later calls on it raise ValueError."""
        with self._lock:
            self._closed = True
            self._release_if_unused()

    def _release_if_unused(self) -> None:
        if self._handle is not None and not len(self._dists):
            lib.clconv_runtime_destroy(self._handle)
            self._handle = None

    def _dist_freed(self) -> None:
        with self._lock:
            if self._closed:
                self._release_if_unused()

    def __enter__(self) -> "Runtime":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is not None:
            lib.clconv_runtime_destroy(self._handle)
            self._handle = None

    def __repr__(self) -> str:
        if self._closed:
            return "<clconv.Runtime closed>"
        return f"<clconv.Runtime on {self.device.name!r}>"


_default: Optional[Runtime] = None
_default_lock = threading.Lock()


def default_runtime() -> Runtime:
    """The runtime calls use when given none, created at first use on
    $CLCONV_DEVICE's device (else the first GPU, else the first CPU).

    Example:
        >>> clconv.default_runtime().device.type
        'CPU'
    """
    global _default
    rt = _default
    if rt is None:
        with _default_lock:
            if _default is None:
                _default = Runtime()
            rt = _default
    return rt


def resolve(runtime: Optional[Runtime]) -> Runtime:
    if runtime is None:
        return default_runtime()
    if not isinstance(runtime, Runtime):
        raise TypeError(f"runtime must be a clconv.Runtime, not {type(runtime).__name__}")
    return runtime
