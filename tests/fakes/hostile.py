"""A loopback HTTP server that misbehaves the way networks and overloaded services do.

``HostileServer`` reads each request whole, then either never answers (the connection stays open, silent, until
the server stops) or answers with a body cut off in the middle and closes the connection. Given an ``upstream``
(one of the other fakes), it is a proxy: requests that ``targets`` does not pick are relayed unchanged, and a
picked request can be relayed first (``forward``: the upstream acts on it, so a create really creates) before its
answer is withheld or cut. ``picked`` records what was picked, so a test can count creates that were attempted.
"""

from __future__ import annotations

import enum
import http.client
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class Misbehaviour(enum.Enum):
    SILENT = "silent"  # accept the request and never answer
    CUT_MID_BODY = "cut"  # send the status, the headers and half of the body, then close


@dataclass(frozen=True, slots=True)
class Seen:
    method: str
    path: str


def every_request(_method: str, _path: str) -> bool:
    return True


def creates(method: str, path: str) -> bool:
    """Replicate's prediction creates (``POST .../predictions``)."""
    return method == "POST" and urlsplit(path).path.rstrip("/").endswith("/predictions")


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True
    hostile: HostileServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *_args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        hostile = self.server.hostile
        picked = hostile.targets(self.command, self.path)
        hostile.seen(Seen(self.command, self.path), picked)
        if not picked:
            self._reply(*hostile.relay(self.command, self.path, dict(self.headers), body))
            return
        answer = hostile.relay(self.command, self.path, dict(self.headers), body) if hostile.forward else None
        if hostile.misbehaviour is Misbehaviour.SILENT:
            hostile.stopping.wait()
        else:
            status, headers, payload = answer or (201, [("Content-Type", "application/json")],
                                                  b'{"id": "cut-off-answer", "status": "starting", "input": {}}')
            self._reply(status, headers, payload[:max(1, len(payload) // 2)], full_length=len(payload))
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes, *,
               full_length: int | None = None) -> None:
        try:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(full_length if full_length is not None else len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


class HostileServer:
    """The server; use it as a context manager or through the fixtures below."""

    def __init__(self, misbehaviour: Misbehaviour, *, upstream: str | None = None,
                 targets: Callable[[str, str], bool] = every_request, forward: bool = False) -> None:
        if forward and upstream is None:
            raise ValueError("forward needs an upstream")
        self.misbehaviour = misbehaviour
        self.upstream = upstream
        self.targets = targets
        self.forward = forward
        self.requests: list[Seen] = []
        self.picked: list[Seen] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hostile = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="hostile",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def seen(self, request: Seen, picked: bool) -> None:
        with self._lock:
            self.requests.append(request)
            if picked:
                self.picked.append(request)

    def relay(self, method: str, path: str, headers: dict[str, str],
              body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send the request to the upstream and return its whole answer (502 without an upstream)."""
        if self.upstream is None:
            return 502, [("Content-Type", "text/plain")], b"no upstream"
        target = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request(method, path, body=body or None, headers=sent)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()


@pytest.fixture
def silent_server() -> Iterator[HostileServer]:
    """A server that accepts every request and never answers."""
    with HostileServer(Misbehaviour.SILENT) as server:
        yield server


@pytest.fixture
def cutting_server() -> Iterator[HostileServer]:
    """A server that answers every request with half a body, then closes the connection."""
    with HostileServer(Misbehaviour.CUT_MID_BODY) as server:
        yield server


__all__ = ["HostileServer", "Misbehaviour", "Seen", "creates", "cutting_server", "every_request", "silent_server"]
