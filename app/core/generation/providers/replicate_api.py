"""Replicate's HTTP API as the provider needs it, with every failure sorted by what it means for payment.

Creates, uploads and cancels go through the ``replicate`` client. Reads (one prediction, the prediction list,
a model's schema) go through a plain ``httpx`` client and are parsed here: replicate 1.0.7's ``Prediction`` model
rejects the status ``aborted`` (its ``Literal`` lacks it), and a poll needs the ``Retry-After`` header of a
throttled answer. Output files are fetched without the API key: they live on another host.

Every request has a bounded time (``ReplicateTimeouts``, from the settings): the transport under all three
clients applies the limits of the request's kind whatever the caller passed, since replicate 1.0.7 sends creates
and uploads with ``timeout=None``, which switches the client's own limits off; a create or a read also has a
deadline for the whole exchange, so an answer that trickles in cannot hold it either.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import enum
import logging
import mimetypes
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio.lowlevel  # noqa: F401  (httpcore imports it on the first request: see _CONNECTIONS)
import httpx
import replicate
from anyio._backends import _asyncio as _anyio_asyncio  # noqa: F401
from replicate.exceptions import ReplicateError

from app.config import Settings
from app.core import faultpoints
from app.core.off_loop_file import OffLoopFile
from app.logging_setup import redact

log = logging.getLogger(__name__)

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
CREATE_LIMIT_PER_MINUTE = 600
CHUNK = 256 * 1024


class Throttled(Exception):
    """429: nothing was done; try again after ``retry_after_s`` (None: the server did not say)."""

    def __init__(self, retry_after_s: float | None, detail: str = "") -> None:
        super().__init__(detail or "Replicate is limiting requests")
        self.retry_after_s = retry_after_s


class NotSent(Exception):
    """The request certainly never reached Replicate (connection refused, connect timeout, no free connection)."""


class Ambiguous(Exception):
    """The request may have been acted on (timeout after sending, 5xx, unreadable answer)."""


class Rejected(Exception):
    """A 4xx answer other than 429: Replicate refused the request and did nothing."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Transient(Exception):
    """A read failed for a reason that may pass (5xx, 429, network); retry after ``retry_after_s`` if given."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class OutputGone(Exception):
    """The output URL answered 404/410."""


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None when absent or unreadable."""
    raw = (headers.get("retry-after") or "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def parse_time(value: Any) -> datetime | None:
    """An API timestamp as naive UTC (the database's convention)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


@dataclass(frozen=True, slots=True)
class RemotePrediction:
    id: str
    model: str
    status: str
    input: Mapping[str, Any] = field(default_factory=dict)
    output: Any = None
    logs: str = ""
    error: str = ""
    created_at: datetime | None = None
    started_at: datetime | None = None
    predict_time_s: float | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def output_url(self) -> str | None:
        """The video's URL: output is one URL, a list of them, or an object holding one."""
        return _first_url(self.output)


def _first_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value if value.startswith(("http://", "https://", "data:")) else None
    if isinstance(value, list | tuple):
        for item in value:
            if url := _first_url(item):
                return url
    if isinstance(value, Mapping):
        for item in value.values():
            if url := _first_url(item):
                return url
    url = getattr(value, "url", None)  # the client's FileOutput
    return url if isinstance(url, str) else None


def parse_prediction(data: Mapping[str, Any]) -> RemotePrediction:
    """A prediction object of the API; raises ``ValueError`` when it is not one."""
    if not isinstance(data, Mapping) or not data.get("id") or not data.get("status"):
        raise ValueError("not a prediction object")
    metrics = data.get("metrics") or {}
    predict_time = metrics.get("predict_time") if isinstance(metrics, Mapping) else None
    return RemotePrediction(
        id=str(data["id"]), model=str(data.get("model") or ""), status=str(data["status"]),
        input=dict(data.get("input") or {}), output=data.get("output"), logs=str(data.get("logs") or ""),
        error=redact(str(data.get("error") or "")), created_at=parse_time(data.get("created_at")),
        started_at=parse_time(data.get("started_at")),
        predict_time_s=float(predict_time) if isinstance(predict_time, int | float) else None)


def _problem(response: httpx.Response) -> str:
    """The detail of an RFC 7807 answer, with any known key removed (some gateways echo the request)."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    if isinstance(data, Mapping):
        text = data.get("detail") or data.get("title")
        if text:
            return redact(str(text))
    return f"HTTP {response.status_code}"


def _replicate_problem(exc: ReplicateError) -> str:
    return redact(str(exc.detail or exc.title or f"HTTP {exc.status}"))


class CreateRateLimiter:
    """At most ``limit`` creates in any 60 s window (Replicate's create limit); waits instead of being refused."""

    def __init__(self, limit: int = CREATE_LIMIT_PER_MINUTE, period_s: float = 60.0) -> None:
        self.limit = limit
        self.period_s = period_s
        self._sent: list[float] = []
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._sent = [t for t in self._sent if now - t < self.period_s]
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                await asyncio.sleep(self.period_s - (now - self._sent[0]))


class RequestKind(enum.Enum):
    CREATE = "create"  # a create or a file upload: Replicate may act on it
    POLL = "poll"  # a status, list, model-info or cancel request
    DOWNLOAD = "download"  # an output file: the limit is the longest silence, not the whole transfer


@dataclass(frozen=True, slots=True)
class ReplicateTimeouts:
    """How long each kind of request may wait, in seconds."""

    connect_s: float
    create_s: float
    poll_s: float
    download_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ReplicateTimeouts:
        return cls(settings.connect_timeout_s, settings.replicate_create_timeout_s,
                   settings.replicate_poll_timeout_s, settings.replicate_download_timeout_s)

    def answer_s(self, kind: RequestKind) -> float:
        """How long an answer (or, for a download, the next piece of one) may take."""
        return {RequestKind.CREATE: self.create_s, RequestKind.POLL: self.poll_s,
                RequestKind.DOWNLOAD: self.download_s}[kind]

    def for_request(self, kind: RequestKind) -> httpx.Timeout:
        answer = self.answer_s(kind)
        return httpx.Timeout(answer, connect=self.connect_s, pool=answer)


# Connections each client keeps. httpcore checks every pooled connection each time a request starts or ends, and
# closes idle ones above its keep-alive count only to open them again: with 50 clips polling at once, the default
# pool (100 connections, 20 kept) cost the event loop tens of milliseconds a burst. Sixteen kept connections carry
# the polls and creates of any job without that churn; requests beyond them wait for a free one (the pool limit).
# anyio's asyncio backend is imported above for the same reason: httpcore would import it on the loop, at the first
# request, through PySide's import hook, which reads each module's source.
_CONNECTIONS = httpx.Limits(max_connections=16, max_keepalive_connections=16, keepalive_expiry=30.0)

# The limits of the request being sent from the current task (set by ``ReplicateAPI._bounded``).
_request_limits: ContextVar[httpx.Timeout | None] = ContextVar("replicate_request_limits", default=None)


class _BoundedTransport(httpx.AsyncBaseTransport):
    """Gives every request the limits of its kind, replacing whatever the caller passed (even ``None``)."""

    def __init__(self, wrapped: httpx.AsyncBaseTransport, fallback: Callable[[], httpx.Timeout]) -> None:
        self._wrapped = wrapped
        self._fallback = fallback

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        limits = _request_limits.get() or self._fallback()
        request.extensions["timeout"] = limits.as_dict()
        return await self._wrapped.handle_async_request(request)

    async def aclose(self) -> None:
        await self._wrapped.aclose()


def no_answer(exc: BaseException, timeouts: ReplicateTimeouts, kind: RequestKind) -> str:
    """A network failure in plain words (``exc`` is an ``httpx`` error or the deadline's ``TimeoutError``)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not reach Replicate: no connection within {timeouts.connect_s:g} s"
    if isinstance(exc, httpx.PoolTimeout):
        return f"could not reach Replicate: no free connection within {timeouts.answer_s(kind):g} s"
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return f"Replicate did not answer within {timeouts.answer_s(kind):g} s"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection to Replicate broke before its answer was complete"
    return f"could not reach Replicate ({type(exc).__name__})"


class ReplicateAPI:
    """One authenticated connection set to Replicate (``base_url`` may be a gateway or a test server).

    ``timeouts`` gives the limits in force when a request starts (the settings can change while the app runs).
    """

    def __init__(self, token: str, base_url: str, *,
                 timeouts: Callable[[], ReplicateTimeouts] | None = None) -> None:
        """Blocking (it loads the TLS certificates, 0.1 s or more): build it off the event loop."""
        self.base_url = base_url.rstrip("/")
        defaults = ReplicateTimeouts.from_settings(Settings())
        self.timeouts: Callable[[], ReplicateTimeouts] = timeouts or (lambda: defaults)
        tls = httpx.create_ssl_context()
        mimetypes.init()  # the Files API upload guesses content types; the first guess reads the system tables

        def bounded() -> _BoundedTransport:
            return _BoundedTransport(httpx.AsyncHTTPTransport(verify=tls, limits=_CONNECTIONS),
                                     lambda: self.timeouts().for_request(RequestKind.POLL))

        timeout = defaults.for_request(RequestKind.POLL)  # replaced per request by the transport
        self._client = replicate.Client(api_token=token, base_url=self.base_url, timeout=timeout,
                                        transport=bounded(), event_hooks={"response": [self._raise_if_throttled]})
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, transport=bounded(),
                                       headers={"Authorization": f"Bearer {token}"})
        self._downloads = httpx.AsyncClient(timeout=timeout, transport=bounded(), follow_redirects=True)
        self.create_limiter = CreateRateLimiter()

    @staticmethod
    @contextlib.asynccontextmanager
    async def _bounded(kind: RequestKind, timeouts: ReplicateTimeouts, *, whole: bool = True) -> AsyncIterator[None]:
        """Send this block's requests with ``kind``'s limits; ``whole`` also bounds the whole exchange."""
        token = _request_limits.set(timeouts.for_request(kind))
        try:
            if whole:
                async with asyncio.timeout(timeouts.connect_s + timeouts.answer_s(kind)):
                    yield
            else:
                yield
        finally:
            _request_limits.reset(token)

    @staticmethod
    async def _raise_if_throttled(response: httpx.Response) -> None:
        # The client turns a 429 into a ReplicateError without its headers; Retry-After is needed to wait right.
        if response.status_code == 429 and response.request.method == "POST":
            await response.aread()
            raise Throttled(retry_after(response.headers), _problem(response))

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._downloads.aclose()
        client = self._client._async_client  # created lazily by the first create or upload
        await client.aclose()

    # ---- writes through the replicate client ----------------------------------------------------------------
    async def upload(self, path: Path) -> str:
        """Upload a file through the Files API; returns the URL to pass as an input.

        The body may take long on a slow line, so only each step is bounded (connect, each write, the answer).
        """
        timeouts = self.timeouts()
        try:
            async with self._bounded(RequestKind.CREATE, timeouts, whole=False):
                uploaded = await self._client.files.async_create(path)
        except ReplicateError as exc:
            raise Rejected(exc.status or 0, _replicate_problem(exc)) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotSent(no_answer(exc, timeouts, RequestKind.CREATE)) from None
        except httpx.HTTPError as exc:
            raise Transient(f"uploading {path.name} failed: {no_answer(exc, timeouts, RequestKind.CREATE)}") \
                from None
        return str(uploaded.urls["get"])

    async def create(self, model_id: str, inputs: Mapping[str, Any]) -> RemotePrediction:
        """Create a prediction; raises Throttled / NotSent / Rejected (nothing created) or Ambiguous (no answer
        in time, a broken or unreadable answer, a 5xx: the prediction may exist)."""
        await self.create_limiter.acquire()
        timeouts = self.timeouts()
        try:
            async with self._bounded(RequestKind.CREATE, timeouts):
                prediction = await self._client.predictions.async_create(model=model_id, input=dict(inputs))
        except (Throttled, NotSent):
            raise
        except ReplicateError as exc:
            status = exc.status or 0
            if 400 <= status < 500:
                raise Rejected(status, _replicate_problem(exc)) from None
            raise Ambiguous(f"Replicate answered HTTP {status}") from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotSent(no_answer(exc, timeouts, RequestKind.CREATE)) from None
        except (httpx.HTTPError, TimeoutError) as exc:
            raise Ambiguous(no_answer(exc, timeouts, RequestKind.CREATE)) from None
        except Exception as exc:  # an answer the client could not read: the prediction may exist
            raise Ambiguous(f"Replicate's answer could not be read ({type(exc).__name__})") from None
        return RemotePrediction(id=prediction.id, model=prediction.model or model_id, status=prediction.status,
                                input=dict(prediction.input or {}), created_at=parse_time(prediction.created_at))

    async def cancel(self, prediction_id: str) -> None:
        """Ask Replicate to cancel (harmless on a finished prediction)."""
        timeouts = self.timeouts()
        try:
            async with self._bounded(RequestKind.POLL, timeouts):
                await self._client.predictions.async_cancel(prediction_id)
        except ReplicateError as exc:
            raise Transient(f"cancel refused: {_replicate_problem(exc)}") from None
        except (httpx.HTTPError, TimeoutError) as exc:
            raise Transient(f"cancel failed: {no_answer(exc, timeouts, RequestKind.POLL)}") from None
        except ValueError:
            pass  # the canceled prediction came back in a shape the client cannot read (e.g. "aborted")

    # ---- reads ----------------------------------------------------------------------------------------------
    async def _get_json(self, url: str) -> Any:
        timeouts = self.timeouts()
        try:
            async with self._bounded(RequestKind.POLL, timeouts):
                response = await self._http.get(url)
        except (httpx.HTTPError, TimeoutError) as exc:
            raise Transient(no_answer(exc, timeouts, RequestKind.POLL)) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise Transient(f"Replicate answered HTTP {response.status_code}", retry_after(response.headers))
        if response.status_code >= 400:
            raise Rejected(response.status_code, _problem(response))
        try:
            return response.json()
        except ValueError:
            raise Transient("Replicate sent an unreadable answer") from None

    async def get(self, prediction_id: str) -> RemotePrediction:
        data = await self._get_json(f"/v1/predictions/{prediction_id}")
        try:
            return parse_prediction(data)
        except ValueError:
            raise Transient("Replicate sent an unreadable prediction") from None

    async def find(self, model_id: str, expected: Mapping[str, Any], since: datetime,
                   max_pages: int = 20) -> RemotePrediction | None:
        """The newest prediction of ``model_id`` created after ``since`` whose input has ``expected``'s values."""
        url: str | None = "/v1/predictions"
        own_host = urlsplit(self.base_url).netloc
        for _ in range(max_pages):
            if url is None:
                return None
            page = await self._get_json(url)
            older_seen = False
            for item in page.get("results") or () if isinstance(page, Mapping) else ():
                try:
                    prediction = parse_prediction(item)
                except ValueError:
                    continue
                if prediction.created_at is not None and prediction.created_at < since:
                    older_seen = True
                    continue
                if prediction.model and prediction.model != model_id:
                    continue
                if all(prediction.input.get(key) == value for key, value in expected.items()):
                    return prediction
            next_url = page.get("next") if isinstance(page, Mapping) else None
            if older_seen or not next_url:
                return None
            if urlsplit(next_url).netloc not in ("", own_host):
                log.warning("not following a prediction list page on another host")
                return None
            url = next_url
        return None

    async def model_schema(self, model_id: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
        """The latest version's schema components and its ``Input`` properties; None when none is published."""
        data = await self._get_json(f"/v1/models/{model_id}")
        try:
            schemas = data["latest_version"]["openapi_schema"]["components"]["schemas"]
            properties = schemas["Input"]["properties"]
        except (KeyError, TypeError):
            return None
        if not isinstance(schemas, Mapping) or not isinstance(properties, Mapping):
            return None
        return schemas, properties

    async def download(self, url: str, target: Path, cancel: asyncio.Event) -> None:
        """Stream ``url`` into ``target`` (written by the caller's rules: a temp name beside the final one).

        A big file on a slow line may take long: the limit is on each silence, not on the whole download.
        """
        timeouts = self.timeouts()
        try:
            async with self._bounded(RequestKind.DOWNLOAD, timeouts, whole=False), \
                    self._downloads.stream("GET", url) as response:
                if response.status_code in (404, 410):
                    raise OutputGone(url)
                if response.status_code >= 400:
                    raise Transient(f"the output answered HTTP {response.status_code}",
                                    retry_after(response.headers))
                async with OffLoopFile(lambda: target.open("wb")) as sink:
                    async for chunk in response.aiter_bytes(CHUNK):
                        if cancel.is_set():
                            return
                        await sink.write(chunk)
                        faultpoints.reached("mid-download")
        except httpx.TimeoutException as exc:
            what = "nothing arrived" if isinstance(exc, httpx.ReadTimeout) else "no connection"
            limit = timeouts.download_s if isinstance(exc, httpx.ReadTimeout) else timeouts.connect_s
            raise Transient(f"downloading the output stalled: {what} for {limit:g} s") from None
        except httpx.HTTPError as exc:
            raise Transient(f"downloading the output failed ({type(exc).__name__})") from None
