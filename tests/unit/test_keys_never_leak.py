"""No API key ever reaches the library folder: database, settings, logs, job files (DESIGN.md §4).

Keys come from the keyring (``keys set``) and from the environment; CLI commands run, and operations fail against
a local server that echoes the Authorization header and URL back in its error bodies (as some gateways do). Then
every file of the library folder, every text value of every table, and everything printed is searched for them.
"""

from __future__ import annotations

import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from app.cli import main
from tests.helpers.images import make_image
from tests.helpers.logs import read_logs

REPLICATE_KEY = "r8_NeverLeakReplicate0123456789abcdef"
XAI_KEY = "xai-NeverLeakXai0123456789abcdefghij"
KEYS = (REPLICATE_KEY, XAI_KEY)


class EchoingServer(ThreadingHTTPServer):
    """Answers requests with HTTP 500 and a body that repeats the request's Authorization header and path."""

    daemon_threads = True
    request_queue_size = 128


class EchoHandler(BaseHTTPRequestHandler):
    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.command == "GET" and self.path.startswith("/v1/models/"):
            # a model without a published schema, so that generation goes on to upload and create, and fails there
            self._send(200, {"latest_version": None})
            return
        self._send(500, {"detail": f"internal error for {self.command} {self.path} "
                                   f"(auth: {self.headers.get('Authorization')})"})

    def _send(self, status: int, payload: dict[str, object]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _echo

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = EchoingServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, echo_url: str) -> Path:
    monkeypatch.setenv("XAI_API_KEY", XAI_KEY)
    monkeypatch.setenv("XAI_BASE_URL", f"{echo_url}/v1?key={XAI_KEY}")
    monkeypatch.setenv("REPLICATE_BASE_URL", echo_url)
    return tmp_path / "library"


def _run(library: Path, capsys: pytest.CaptureFixture[str], *args: str, stdin: str | None = None,
         monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str]:
    if stdin is not None and monkeypatch is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(["--data-dir", str(library), *args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _database_values(path: Path) -> list[tuple[str, str]]:
    """Every non-empty value of every table as (table.column, text)."""
    connection = sqlite3.connect(path)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        values = []
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                values.extend((f"{table}.{c}", str(v)) for c, v in zip(columns, row, strict=True) if v is not None)
        return values
    finally:
        connection.close()


def _assert_no_key_in_library(library: Path) -> None:
    values = _database_values(library / "library.sqlite3")
    assert any(where == "clients.name" for where, _ in values), "the test's client should be in the database"
    logs = read_logs(library / "logs")
    assert logs, "the commands above should have logged something"
    for key in KEYS:
        leaks = [where for where, text in values if key in text]
        assert not leaks, f"a key is stored in {', '.join(leaks)}"
        assert key not in logs, "a key is in the log"
        for path in library.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), f"a key is in {path.relative_to(library)}"


@pytest.mark.slow
def test_keys_stay_out_of_the_library_through_commands_and_failures(
        library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    printed: list[str] = []

    def run(*args: str, stdin: str | None = None) -> int:
        status, output = _run(library, capsys, *args, stdin=stdin, monkeypatch=monkeypatch)
        printed.append(output)
        return status

    assert run("keys", "set", "replicate", stdin=REPLICATE_KEY + "\n") == 0
    assert run("keys", "status") == 0
    assert run("client", "add", "Leak Check Ltd", "--colors", "#102030") == 0
    assert run("campaign", "add", "--client", "Leak Check Ltd", "Spring") == 0
    photos = tmp_path / "photos"
    for i in range(3):
        make_image(photos / f"photo-{i}.jpg", size=(320, 180), seed=i)
    assert run("import", "--campaign", "Spring", str(photos)) == 0
    assert run("import", "--campaign", "Spring", str(tmp_path / "does-not-exist.jpg")) == 1
    assert run("clients") == 0
    assert run("models", "--json") == 0
    # Grok answers 500 with the key in its body (and the key sits in the base URL's query).
    assert run("pair", "--campaign", "Spring", "--pairer", "grok") == 1
    # Replicate answers 500 with the Authorization header in its body: the clip fails with that error.
    models = json.loads(printed[-2])
    remote = next(m["id"] for m in models if m["id"] != "local")
    assert run("pair", "--campaign", "Spring", "--pairer", "local") == 0
    assert run("generate", "--campaign", "Spring", "--model", remote, "--yes") == 1
    assert run("jobs") == 0

    _assert_no_key_in_library(library)
    for output in printed:
        for key in KEYS:
            assert key not in output
