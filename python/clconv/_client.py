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
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _signal
from . import dist as _dist
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


class RemoteDist(_dist._Queries):
    """A distribution of a sum that a `clconv serve` computes (POST /v1/dist)
    when it is first asked a question; made by ``client.dist``'s functions,
    it answers as :class:`clconv.dist.Dist`. The service sums a list of
    variables and then takes copies of the total, so a sum of distributions
    of which some are already copies (``a.times(3) + b``) raises
    NotImplementedError.

    Example:
        >>> d = clconv.Client().dist.dice(3, 6)
        >>> d.support
        (3, 18)
    """

    __slots__ = ("_client", "_specs", "_times", "_normalize", "_count", "_result")

    def __init__(self, client: "Client", specs: List[str], times: int = 1,
                 normalize: bool = False, count: Optional[str] = None):
        self._client = client
        self._specs = specs
        self._times = times
        self._normalize = normalize
        self._count = count
        self._result = None

    def _answer(self) -> dict:
        if self._result is None:
            request = {"specs": self._specs, "times": self._times,
                       "normalize": self._normalize}
            if self._count is not None:
                request["count"] = self._count
            try:
                r = json.loads(self._client._request("/v1/dist",
                                                     body=json.dumps(request).encode()))
            except _RemoteInvalid as e:
                # A service older than compound sums names "count" unknown.
                if self._count is not None and 'unknown field "count"' in str(e):
                    raise NotImplementedError(
                        f"the service at {self._client.url} does not make compound sums "
                        "(its /v1/dist takes no \"count\"); update it") from e
                raise
            # null stands for a non-finite number: in the logs, the log of 0.
            for key, none in (("probabilities", np.nan), ("cdf", np.nan), ("sf", np.nan),
                              ("logpmf", -np.inf), ("logsf", -np.inf)):
                r[key] = np.array([none if v is None else v for v in r[key]], np.float64)
            self._result = r
        return self._result

    @property
    def _offset(self) -> int:
        return int(self._answer()["offset"])

    def _probs(self) -> np.ndarray:
        return self._answer()["probabilities"]

    def _cdf_array(self) -> np.ndarray:
        return self._answer()["cdf"]

    def _sf_array(self) -> np.ndarray:
        return self._answer()["sf"]

    def _logp_array(self) -> np.ndarray:
        return self._answer()["logpmf"]

    def _logsf_array(self) -> np.ndarray:
        return self._answer()["logsf"]

    def _quantiles(self, qs: np.ndarray) -> np.ndarray:
        cdf = self._cdf_array()
        idx = np.minimum(np.searchsorted(cdf, qs, side="left"), len(cdf) - 1)
        return (idx + self._offset).astype(np.float64)

    def _moments(self) -> Tuple[float, float, float]:
        r = self._answer()
        return float(r["mean"]), float(r["variance"]), float(r["sd"])

    def __add__(self, other: "RemoteDist") -> "RemoteDist":
        if not isinstance(other, RemoteDist):
            return NotImplemented
        return _remote_sum([self, other])

    def _plain(self, what: str) -> None:
        if self._count is not None:
            raise NotImplementedError(
                f"{what} of a compound sum: the service makes the compound sum last")

    def times(self, n: int) -> "RemoteDist":
        """The distribution of the sum of n independent copies.

        Example:
            >>> clconv.Client().dist.Dist([0.5, 0.5]).times(3).probabilities
            array([0.125, 0.375, 0.375, 0.125])
        """
        n = _dist._int(n, "n")
        if n < 1:
            raise ValueError("n must be at least 1")
        self._plain("copies")
        return RemoteDist(self._client, self._specs, self._times * n, self._normalize)


class RemoteCount:
    """A count distribution for ``client.dist.compound``, sent to the service
    as its count spec (poisson:LAMBDA, binomial:N,P, negbin:R,P, geometric:P).

    Example:
        >>> c = clconv.Client()
        >>> c.dist.compound(c.dist.poisson(3.0), c.dist.dice(1, 6)).mean()
        10.5
    """

    __slots__ = ("spec",)

    def __init__(self, spec: str):
        self.spec = spec

    def __repr__(self) -> str:
        return f"<clconv.RemoteCount {self.spec}>"


def _remote_compound(count, severity: RemoteDist) -> RemoteDist:
    if not isinstance(severity, RemoteDist):
        raise TypeError(f"severity must be the client's distribution, not "
                        f"{type(severity).__name__}")
    severity._plain("a compound sum")
    if isinstance(count, RemoteCount):
        spec = count.spec
    elif isinstance(count, RemoteDist) and len(count._specs) == 1 and count._times == 1 \
            and count._count is None:
        spec = count._specs[0]
    else:
        raise TypeError("count must be client.dist.poisson(...), binomial, negbin, geometric, "
                        "or one client.dist.Dist")
    return RemoteDist(severity._client, severity._specs, severity._times, severity._normalize,
                      spec)


def _remote_sum(dists: List[RemoteDist]) -> RemoteDist:
    if not dists:
        raise ValueError("sum of no distributions")
    for d in dists:
        if not isinstance(d, RemoteDist):
            raise TypeError(f"sums take the client's distributions, not {type(d).__name__}")
        d._plain("a sum")
    if len(dists) > 1 and any(d._times != 1 for d in dists):
        raise NotImplementedError(
            "a sum of which some terms are copies (d.times(n) + e): the service sums a list "
            "of variables, then takes copies of the total")
    client = dists[0]._client
    specs = [s for d in dists for s in d._specs]
    return RemoteDist(client, specs, dists[0]._times, any(d._normalize for d in dists))


def _spec(p, offset: int) -> str:
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("p must be a non-empty 1-D sequence")
    # repr gives the shortest text that reads back as the same double.
    return f"{_dist._int(offset, 'offset')}:" + ",".join(repr(float(x)) for x in arr)


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


class Client:
    """The package's functions, computed by a `clconv serve` service.

    ``url`` is the service's base address; ``token`` the bearer token of a
    service started with ``--token-file``; ``timeout`` seconds per request.
    Each method takes the arguments of the function of the same name
    (``client.ndimage`` those of :mod:`clconv.ndimage`, ``client.dist``'s
    ``Dist``, ``dice``, ``poisson_binomial``, ``sum``, ``compound``,
    ``poisson``, ``binomial``, ``negbin`` and ``geometric`` those of
    :mod:`clconv.dist`) and returns what it returns; failures the service
    reports raise :class:`RemoteError`.

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
        self.dist = types.SimpleNamespace(
            Dist=lambda p, offset=0, *, normalize=False: RemoteDist(
                self, [_spec(p, offset)], 1, bool(normalize)),
            dice=self._dice,
            poisson_binomial=self._poisson_binomial,
            sum=lambda dists: _remote_sum(list(dists)),
            compound=_remote_compound,
            poisson=lambda lam: RemoteCount(f"poisson:{float(lam)!r}"),
            binomial=lambda n, p: RemoteCount(f"binomial:{_dist._int(n, 'n')},{float(p)!r}"),
            negbin=lambda r, p: RemoteCount(f"negbin:{float(r)!r},{float(p)!r}"),
            geometric=lambda p: RemoteCount(f"geometric:{float(p)!r}"))

    def _dice(self, n: int, sides: int) -> RemoteDist:
        n, sides = _dist._int(n, "n"), _dist._int(sides, "sides")
        if n < 1 or sides < 1:
            raise ValueError("dice needs n >= 1 and sides >= 1")
        return RemoteDist(self, [f"{n}d{sides}"])

    def _poisson_binomial(self, p) -> RemoteDist:
        q = np.asarray(p, dtype=np.float64)
        if q.ndim != 1 or q.size == 0:
            raise ValueError("p must be a non-empty 1-D sequence of probabilities")
        if not np.all((q >= 0) & (q <= 1)):
            raise ValueError("p holds a value that is not a probability in [0, 1]")
        return RemoteDist(self, [f"{1.0 - x!r},{x!r}" for x in q.tolist()])

    def _nd(self, impl, convolution: bool):
        def f(input, weights, output=None, mode="reflect", cval=0.0, origin=0):
            return impl(input, weights, output, mode, cval, origin, convolution, self)
        return f

    # -- HTTP --------------------------------------------------------------
    def _request(self, path: str, params: Optional[dict] = None, parts=None,
                 body: Optional[bytes] = None):
        url = self.url + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        headers = {}
        data = None
        if body is not None:
            data = body
            headers["Content-Type"] = "application/json"
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
    # Each job is one request to the endpoint of its rank (/v1/conv1d,
    # /v1/conv2d, /v1/conv3d), which runs the library call _Local makes.
    @staticmethod
    def _params(mode: str, method: str, correlate: bool, h: np.ndarray, boundary: str,
                cval: float, origin: Sequence[int]) -> dict:
        # The kernel's dtype is the precision, as in _Local._call.
        params = {"mode": mode, "method": method, "correlate": int(correlate),
                  "precision": "f64" if _signal.real_dtype(h.dtype) == np.float64 else "f32"}
        if boundary != "none":
            # repr: the shortest text that reads back as the same double.
            params.update(boundary=boundary, cval=repr(float(cval)),
                          origin=",".join(str(int(v)) for v in origin))
        return params

    def _post_conv(self, dims: int, params: dict, parts) -> np.ndarray:
        # An integer signal (uint8, uint16, int16) goes as it is, with
        # out_dtype naming the result's dtype, which keeps the service's job
        # integer on every path, as _Local hands it to the library.
        x, k = parts[0][1], parts[1][1].dtype
        if x.dtype.kind in "iu":
            params["out_dtype"] = _signal.result_dtype(x.dtype, k).name
        body = self._request(f"/v1/conv{dims}d", params, [(n, _npy(a)) for n, a in parts])
        return np.load(io.BytesIO(body), allow_pickle=False)

    def _conv(self, x: np.ndarray, h: np.ndarray, mode: str, method: str, correlate: bool,
             dims: int, boundary: str = "none", cval: float = 0.0,
             origin: Sequence[int] = (0, 0)) -> np.ndarray:
        params = self._params(mode, method, correlate, h, boundary, cval, origin)
        params["batch"] = 1
        return self._post_conv(dims, params, [("input", x), ("kernel", h)])

    def _conv_separable(self, x: np.ndarray, kernels: Sequence[np.ndarray], mode: str,
                       method: str, correlate: bool, boundary: str = "none", cval: float = 0.0,
                       origin: Sequence[int] = (0, 0)) -> np.ndarray:
        # The factors, outermost axis first: conv2d's kcol and krow, conv3d's
        # kdepth before them.
        dims = len(kernels)
        params = self._params(mode, method, correlate, kernels[0], boundary, cval, origin)
        params["batch"] = 1
        names = ("kdepth", "kcol", "krow")[3 - dims:]
        return self._post_conv(dims, params, [("input", x), *zip(names, kernels)])

    def _conv_axis(self, x: np.ndarray, h: np.ndarray, correlate: bool, boundary: str,
                   cval: float, origin: int) -> np.ndarray:
        # The service runs conv1d along an axis as _Local._conv_axis does
        # (clconv_conv1d for the last axis, else clconv_conv2d with a column
        # kernel), so the answer is the same bytes.
        params = self._params("same", "auto", correlate, h, boundary, cval, (origin,))
        params["axis"] = 1
        return self._post_conv(1, params, [("input", x), ("kernel", h)])

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
