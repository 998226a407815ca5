"""Key checks against a loopback server that answers like Replicate's account and xAI's model list."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.config import Settings
from app.core.keycheck import check_key, check_url
from app.core.secrets import KeyName

GOOD = "r8_good-key-0123456789"
_seen_auth: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        _seen_auth.append(auth)
        if self.path == "/busy/v1/account":
            return self._answer(429, {"detail": "slow down"})
        if self.path == "/broken/v1/account":
            return self._answer(500, {"detail": "oops"})
        if auth != f"Bearer {GOOD}":
            return self._answer(401, {"detail": "Invalid token"})
        if self.path == "/v1/account":
            return self._answer(200, {"type": "organization", "username": "acme-agency"})
        if self.path == "/v1/models":
            return self._answer(200, {"object": "list", "data": [{"id": "grok-4-1-fast-non-reasoning"}]})
        return self._answer(404, {"detail": "not found"})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server_url() -> Iterator[str]:
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _settings(base: str) -> Settings:
    return Settings(replicate_base_url=base, xai_base_url=base + "/v1", vision_base_url=base + "/v1")


async def test_an_accepted_replicate_token_is_ok_and_names_the_account(server_url: str) -> None:
    _seen_auth.clear()
    result = await check_key(KeyName.REPLICATE, f"  {GOOD}\n", _settings(server_url))
    assert result.ok
    assert "acme-agency" in result.message
    assert _seen_auth == [f"Bearer {GOOD}"]
    assert GOOD not in result.message


async def test_a_refused_key_says_so_without_showing_the_key(server_url: str) -> None:
    bad = "r8_wrong-key-9876543210"
    for name in KeyName:
        result = await check_key(name, bad, _settings(server_url))
        assert not result.ok
        assert "refused the key (HTTP 401)" in result.message
        assert bad not in result.message


async def test_an_accepted_xai_key_reports_whether_the_configured_model_is_offered(server_url: str) -> None:
    result = await check_key(KeyName.XAI, GOOD, _settings(server_url))
    assert result.ok and "grok-4-1-fast-non-reasoning is available" in result.message
    other = Settings(xai_base_url=server_url + "/v1", xai_model="grok-9")
    result = await check_key(KeyName.XAI, GOOD, other)
    assert result.ok and "grok-9 is not offered" in result.message


async def test_rate_limits_and_server_errors_are_not_mistaken_for_a_verdict(server_url: str) -> None:
    busy = await check_key(KeyName.REPLICATE, GOOD, _settings(server_url + "/busy"))
    assert not busy.ok and "HTTP 429" in busy.message
    broken = await check_key(KeyName.REPLICATE, GOOD, _settings(server_url + "/broken"))
    assert not broken.ok and "HTTP 500" in broken.message and "could not be checked" in broken.message


async def test_an_unreachable_service_says_it_could_not_be_reached() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await check_key(KeyName.XAI, GOOD, _settings(f"http://127.0.0.1:{port}"))
    assert not result.ok
    assert result.message.startswith(f"could not reach 127.0.0.1:{port}")
    assert GOOD not in result.message


async def test_empty_or_malformed_keys_are_rejected_before_any_request(server_url: str) -> None:
    _seen_auth.clear()
    empty = await check_key(KeyName.XAI, "   ", _settings(server_url))
    assert not empty.ok and "no xAI API key" in empty.message
    spaced = await check_key(KeyName.XAI, "two words", _settings(server_url))
    assert not spaced.ok and "has a space inside it" in spaced.message
    assert _seen_auth == []


def test_check_urls_follow_the_base_url_settings() -> None:
    settings = Settings()
    assert check_url(KeyName.REPLICATE, settings) == "https://api.replicate.com/v1/account"
    assert check_url(KeyName.XAI, settings) == "https://api.x.ai/v1/models"
