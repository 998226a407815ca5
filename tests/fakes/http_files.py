"""A tiny loopback HTTP server for URL imports: real HTTP over 127.0.0.1 with the answers the web gives.

Routes are registered per test with ``add``; a route can also declare a length it never sends, stream a body of
unknown length in chunks, sleep before answering, or redirect. Use it as a context manager.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class Route:
    status: int = 200
    content_type: str = "application/octet-stream"
    body: bytes = b""
    declared_length: int | None = None  # a Content-Length header that claims this (nothing is sent)
    chunked_bytes: int = 0  # stream this many bytes with chunked encoding and no length
    delay_s: float = 0.0  # wait this long before answering
    location: str = ""  # for redirects


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def __init__(self, files: FileServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        files = self.server.files
        with files.arrived:
            files.requests.append(self.path)
            files.arrived.notify_all()
        route = files.routes.get(self.path.split("?")[0])
        if route is None:
            route = Route(404, "text/html; charset=utf-8", b"<html><body>Not found</body></html>")
        if route.delay_s and files.stopping.wait(route.delay_s):
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            self._answer(route)

    def _answer(self, route: Route) -> None:
        self.send_response(route.status)
        self.send_header("Content-Type", route.content_type)
        if route.location:
            self.send_header("Location", route.location)
        if route.declared_length is not None:
            self.send_header("Content-Length", str(route.declared_length))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        if route.chunked_bytes:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            block = b"\xff" * 65536
            sent = 0
            while sent < route.chunked_bytes and not self.server.files.stopping.is_set():
                part = block[:min(len(block), route.chunked_bytes - sent)]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                sent += len(part)
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        self.wfile.write(route.body)


class FileServer:
    """Serves registered routes on 127.0.0.1 from a background thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self.arrived = threading.Condition()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-http-files",
                                        daemon=True)

    def add(self, path: str, route: Route) -> str:
        """Serve ``route`` at ``path``; returns its full URL."""
        self.routes[path] = route
        return self.url(path)

    def wait_for_request(self, path: str, timeout: float = 5.0) -> bool:
        """Block until a request for ``path`` has arrived (True) or ``timeout`` passes (False)."""
        with self.arrived:
            return self.arrived.wait_for(lambda: any(r.split("?")[0] == path for r in self.requests), timeout)

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
