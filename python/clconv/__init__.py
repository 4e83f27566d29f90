"""clconv: OpenCL convolution (libclconv) with SciPy's signatures.

Change ``from scipy import signal`` to ``import clconv as signal`` (and
``scipy.ndimage`` to ``clconv.ndimage``) and the same calls run on an OpenCL
device: a GPU where there is one, else the CPU through POCL. float32 stays
float32, float64 stays float64, mixed inputs give float64 as in SciPy.

Example:
    >>> import numpy as np, clconv
    >>> clconv.convolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0]), mode="same")
    array([1., 3., 5.])
"""
from ._lib import Error, InvalidArgumentError, OutOfMemoryError, lib as _cdll
from ._runtime import Device, Runtime, default_runtime, devices
from ._signal import (convolve, convolve2d, correlate, correlate2d, fftconvolve,
                      oaconvolve)
from ._client import Client, RemoteDist, RemoteError
from . import dist, ndimage
from ._outputs import clear as release_memory

__version__ = _cdll.clconv_version_string().decode()

__all__ = ["convolve", "correlate", "fftconvolve", "oaconvolve", "convolve2d", "correlate2d",
           "ndimage", "dist", "devices", "Device", "Runtime", "default_runtime", "Client",
           "RemoteDist", "release_memory", "Error", "InvalidArgumentError", "OutOfMemoryError",
           "RemoteError", "__version__"]
