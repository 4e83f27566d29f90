"""clconv.Client: the same functions as the package, run by a `clconv serve`
service over HTTP (the standard library's urllib). Arrays travel as .npy
bodies in multipart/form-data requests (docs/openapi.yaml); every SciPy rule
(dtypes, modes, axes, layouts) is applied here by the code the in-process
functions use, so the service receives the jobs the library would, and the
results are the same bytes."""
from __future__ import annotations

import io
import json
import types
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import List, Optional, Sequence, Union

import numpy as np

from . import _signal
from . import ndimage as _ndimage
from ._lib import Error


class RemoteError(Error):
    """A failure the service answered with: ``http_status`` is the HTTP status,
    ``message`` the service's one-line error (400 and 413 are also ValueError).

    Example:
        >>> try:
        ...     clconv.Client().convolve([1.0, float("nan")], [1.0])
        ... except clconv.RemoteError as e:
        ...     print(e.http_status)
        400
    """

    def __init__(self, http_status: int, message: str):
        super().__init__(-http_status, f"HTTP {http_status}", message)
        self.http_status = http_status


class _RemoteInvalid(RemoteError, ValueError):
    """The service rejected the input (400, 413)."""


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


class Client:
    """The package's functions, computed by a `clconv serve` service.

    ``url`` is the service's base address; ``token`` the bearer token of a
    service started with ``--token-file``; ``timeout`` seconds per request.
    Each method takes the arguments of the function of the same name
    (``client.ndimage`` those of :mod:`clconv.ndimage`) and returns what it
    returns; failures the service reports raise :class:`RemoteError`.

    Example:
        >>> c = clconv.Client("http://127.0.0.1:8470")
        >>> c.convolve(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        array([1., 3., 2.])
    """

    def __init__(self, url: str = "http://127.0.0.1:8470", token: Optional[str] = None,
                 timeout: float = 300.0):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, not {url!r}")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.ndimage = types.SimpleNamespace(
            convolve=self._nd(_ndimage.correlate_impl, True),
            correlate=self._nd(_ndimage.correlate_impl, False),
            convolve1d=lambda input, weights, axis=-1, output=None, mode="reflect", cval=0.0,
            origin=0: _ndimage.convolve1d_impl(input, weights, axis, output, mode, cval, origin,
                                               self),
            correlate1d=lambda input, weights, axis=-1, output=None, mode="reflect", cval=0.0,
            origin=0: _ndimage.correlate1d_impl(input, weights, axis, output, mode, cval,
                                                origin, self),
            gaussian_filter=lambda input, sigma, order=0, output=None, mode="reflect",
            cval=0.0, truncate=4.0, *, radius=None: _ndimage.gaussian_filter_impl(
                input, sigma, order, output, mode, cval, truncate, radius, self),
            uniform_filter=lambda input, size=3, output=None, mode="reflect", cval=0.0,
            origin=0: _ndimage.uniform_filter_impl(input, size, output, mode, cval, origin,
                                                   self))

    def _nd(self, impl, convolution: bool):
        def f(input, weights, output=None, mode="reflect", cval=0.0, origin=0):
            return impl(input, weights, output, mode, cval, origin, convolution, self)
        return f

    # -- HTTP --------------------------------------------------------------
    def _request(self, path: str, params: Optional[dict] = None, parts=None):
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {}
        data = None
        if parts is not None:
            boundary = uuid.uuid4().hex
            chunks = []
            for name, body in parts:
                chunks.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{name}.npy"\r\nContent-Type: application/x-npy\r\n\r\n'.encode())
                chunks.append(body)
                chunks.append(b"\r\n")
            chunks.append(f"--{boundary}--\r\n".encode())
            data = b"".join(chunks)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(url, data=data, headers=headers,
                                     method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                message = json.loads(body)["error"]
            except (ValueError, KeyError, TypeError):
                message = body.decode("utf-8", "replace").strip() or e.reason
            cls = _RemoteInvalid if e.code in (400, 413) else RemoteError
            raise cls(e.code, message) from None

    # -- the backend interface of clconv._signal ---------------------------
    def _conv(self, x: np.ndarray, h: np.ndarray, mode: str, method: str, correlate: bool,
             dims: int) -> np.ndarray:
        params = {"mode": mode, "method": method, "correlate": int(correlate),
                  "precision": "f64" if x.dtype == np.float64 else "f32", "batch": 1}
        body = self._request(f"/v1/conv{dims}d", params,
                             [("input", _npy(x)), ("kernel", _npy(h))])
        return np.load(io.BytesIO(body), allow_pickle=False)

    def _conv_separable(self, x: np.ndarray, kcol: np.ndarray, krow: np.ndarray, mode: str,
                       method: str, correlate: bool) -> np.ndarray:
        params = {"mode": mode, "method": method, "correlate": int(correlate),
                  "precision": "f64" if x.dtype == np.float64 else "f32", "batch": 1}
        body = self._request("/v1/conv2d", params,
                             [("input", _npy(x)), ("kcol", _npy(kcol)), ("krow", _npy(krow))])
        return np.load(io.BytesIO(body), allow_pickle=False)

    # -- the package's functions -------------------------------------------
    def devices(self) -> List[dict]:
        """The service's devices with their queue depths (GET /v1/devices).

        Example:
            >>> [d["type"] for d in clconv.Client().devices()]
            ['CPU']
        """
        return json.loads(self._request("/v1/devices"))["devices"]

    def convolve(self, in1, in2, mode: str = "full", method: str = "auto") -> np.ndarray:
        """:func:`clconv.convolve` on the service.

        Example:
            >>> clconv.Client().convolve([1.0, 2.0], [1.0, 1.0], "same")
            array([1., 3.])
        """
        return _signal.convolve_impl(in1, in2, mode, method, False, self)

    def correlate(self, in1, in2, mode: str = "full", method: str = "auto") -> np.ndarray:
        """:func:`clconv.correlate` on the service.

        Example:
            >>> clconv.Client().correlate([1.0, 2.0], [1.0, 0.0])
            array([0., 1., 2.])
        """
        return _signal.convolve_impl(in1, in2, mode, method, True, self)

    def fftconvolve(self, in1, in2, mode: str = "full",
                    axes: Union[int, Sequence[int], None] = None) -> np.ndarray:
        """:func:`clconv.fftconvolve` on the service.

        Example:
            >>> clconv.Client().fftconvolve([1.0, 2.0], [1.0, 1.0])
            array([1., 3., 2.])
        """
        return _signal.fftconvolve_impl(in1, in2, mode, axes, self)

    def oaconvolve(self, in1, in2, mode: str = "full",
                   axes: Union[int, Sequence[int], None] = None) -> np.ndarray:
        """:func:`clconv.oaconvolve` on the service.

        Example:
            >>> clconv.Client().oaconvolve([1.0, 2.0], [1.0, 1.0])
            array([1., 3., 2.])
        """
        return _signal.fftconvolve_impl(in1, in2, mode, axes, self)

    def convolve2d(self, in1, in2, mode: str = "full", boundary: str = "fill",
                   fillvalue: float = 0) -> np.ndarray:
        """:func:`clconv.convolve2d` on the service.

        Example:
            >>> clconv.Client().convolve2d(np.eye(2), np.ones((1, 1)))
            array([[1., 0.],
                   [0., 1.]])
        """
        return _signal.convolve2d_impl(in1, in2, mode, boundary, fillvalue, False, self)

    def correlate2d(self, in1, in2, mode: str = "full", boundary: str = "fill",
                    fillvalue: float = 0) -> np.ndarray:
        """:func:`clconv.correlate2d` on the service.

        Example:
            >>> clconv.Client().correlate2d(np.eye(2), np.ones((1, 1)))
            array([[1., 0.],
                   [0., 1.]])
        """
        return _signal.convolve2d_impl(in1, in2, mode, boundary, fillvalue, True, self)

    def __repr__(self) -> str:
        return f"clconv.Client({self.url!r})"
