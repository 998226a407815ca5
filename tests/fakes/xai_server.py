"""A fake xAI API on 127.0.0.1 that the real ``openai`` client reaches through its base URL, and the same fake
as another OpenAI-compatible vision server (Ollama, LM Studio, vLLM, llama.cpp's server).

``POST /v1/chat/completions`` checks what it receives the way the product needs it: a Bearer key, a strict
``json_schema`` response format, the campaign/brand context, and every image as a base64 JPEG data URI that
decodes, right after a text part naming its asset id. A request that fails a check gets a 400 whose message
lists the problems (and ``problems`` keeps them for assertions). Replies are scripted per test: good pairs,
any bad reply, 429 with ``Retry-After``, 5xx, or a hang past the client's timeout. ``GET /v1/models`` answers
the key check and the Settings dialog's probe.

``formats`` says which response formats the server takes: xAI's fake takes only strict ``json_schema``
(``XAI_FORMATS``); ``SCHEMA_AND_OBJECT`` is a server with schema support; ``OBJECT_ONLY`` refuses a
``json_schema`` with a 400 naming ``response_format`` (OpenAI's error shape, as such servers answer) and takes a
``json_object`` whose messages ask for JSON. ``api_key=None`` is a server that needs no key.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any

import pytest
from PIL import Image

API_KEY = "xai-fake-key-0123456789abcdef"
MODEL = "grok-4-1-fast-non-reasoning"
VISION_MODEL = "llava:13b"
XAI_FORMATS = ("json_schema",)
SCHEMA_AND_OBJECT = ("json_schema", "json_object")
OBJECT_ONLY = ("json_object",)
_LABEL = re.compile(r"asset id\s*[:#]?\s*(\d+)", re.IGNORECASE)
_DATA_URI = "data:image/jpeg;base64,"


@dataclass
class ReceivedRequest:
    """One request as the fake understood it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    at: float = 0.0  # time.monotonic() on arrival
    image_ids: list[int] = field(default_factory=list)  # the asset id labelled before each image, in order
    images: list[bytes] = field(default_factory=list)  # the decoded JPEG bytes
    text: str = ""  # every text part and system message, joined
    schema_name: str = ""
    format: str = ""  # the response_format type asked for
    problems: list[str] = field(default_factory=list)

    @property
    def is_rewrite(self) -> bool:
        return self.schema_name == "motion_prompt"


@dataclass
class Reply:
    """What the fake answers: a status, a JSON body (or raw text), headers, and an optional hang first."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0


Script = Callable[[ReceivedRequest], Reply]


def completion(content: str, request: ReceivedRequest, *, prompt_tokens: int | None = None,
               completion_tokens: int | None = None) -> Reply:
    """A chat.completion answer whose message is ``content``, with token usage."""
    prompt = prompt_tokens if prompt_tokens is not None else 200 + 100 * len(request.images)
    done = completion_tokens if completion_tokens is not None else max(1, len(content) // 4)
    return Reply(200, {
        "id": f"chatcmpl-{uuid.uuid4()}", "object": "chat.completion", "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done},
    })


def pairs(make: Callable[[list[int]], list[dict[str, Any]]]) -> Script:
    """A reply whose pairs ``make(image_ids)`` builds from the ids the request labelled."""
    return lambda request: completion(json.dumps({"pairs": make(request.image_ids)}), request)


def pair(first: int, last: int, score: Any = 0.8, reasoning: str = "Matching light and palette.",
         prompt: Any = "Slow push-in as the scene turns from one frame to the next.") -> dict[str, Any]:
    return {"first_asset_id": first, "last_asset_id": last, "score": score, "reasoning": reasoning,
            "prompt": prompt}


def good(count: int = 3, chain: bool = False) -> Script:
    """Valid pairs over the images sent: (1,2), (3,4), … or a chain 1→2→3…"""
    def make(ids: list[int]) -> list[dict[str, Any]]:
        if chain:
            return [pair(a, b, 0.9 - 0.05 * i) for i, (a, b) in enumerate(pairwise(ids[:count + 1]))]
        return [pair(ids[2 * i], ids[2 * i + 1], 0.9 - 0.05 * i) for i in range(min(count, len(ids) // 2))]
    return pairs(make)


def text_reply(content: str) -> Script:
    """A completion whose content is ``content`` as is (for replies that are not JSON)."""
    return lambda request: completion(content, request)


def rewrite(prompt: str) -> Script:
    return lambda request: completion(json.dumps({"prompt": prompt}), request)


def status(code: int, headers: dict[str, str] | None = None, message: str = "") -> Script:
    """An error status with xAI's error body."""
    body = {"code": "error", "error": message or f"fake status {code}"}
    return lambda _request: Reply(code, body, dict(headers or {}))


def fenced(script: Script) -> Script:
    """``script``'s reply wrapped in prose and a code fence, as a small local model answers a ``json_object``."""
    def wrapped(request: ReceivedRequest) -> Reply:
        reply = script(request)
        message = reply.body["choices"][0]["message"]
        message["content"] = f"Sure! Here is the JSON you asked for:\n```json\n{message['content']}\n```"
        return reply
    return wrapped


def hang(seconds: float, then: Script | None = None) -> Script:
    """Say nothing for ``seconds`` (past the client's timeout), then answer ``then`` (default: good pairs)."""
    def script(request: ReceivedRequest) -> Reply:
        reply = (then or good())(request)
        reply.hang_s = seconds
        return reply
    return script


class _Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True
    fake: FakeXai


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *_args: object) -> None:
        pass

    def do_GET(self) -> None:
        request = self._received()
        if not self._authorised(request):
            return
        if self.path.rstrip("/") == "/v1/models":
            self._send(Reply(200, {"object": "list", "data": [
                {"id": model, "object": "model", "created": 0, "owned_by": "fake"}
                for model in self.server.fake.models]}))
        else:
            self._send(Reply(404, {"code": "not_found", "error": f"no route {self.path}"}))

    def do_POST(self) -> None:
        request = self._received()
        if not self._authorised(request):
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(Reply(404, {"code": "not_found", "error": f"no route {self.path}"}))
            return
        fake = self.server.fake
        if fake.refuses_format(request):
            fake.refusals += 1
            self._send(Reply(400, {"error": {
                "message": "response_format type 'json_schema' is not supported by this server; use "
                           "'json_object' or 'text'", "type": "invalid_request_error", "param": "response_format",
                "code": None}}))
            return
        fake.inspect(request)
        if request.problems:
            self._send(Reply(400, {"code": "invalid_request", "error": "; ".join(request.problems)}))
            return
        reply = fake.next_script()(request)
        if reply.hang_s and fake.stopping.wait(reply.hang_s):
            return
        self._send(reply)

    def _received(self) -> ReceivedRequest:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = ReceivedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                  at=time.monotonic())
        if raw:
            try:
                request.body = json.loads(raw)
            except ValueError:
                request.problems.append("the body is not JSON")
        self.server.fake.record(request)
        return request

    def _authorised(self, request: ReceivedRequest) -> bool:
        key = self.server.fake.api_key
        if key is None or request.headers.get("authorization") == f"Bearer {key}":
            return True
        self._send(Reply(401, {"code": "unauthenticated", "error": "Incorrect API key provided"}))
        return False

    def _send(self, reply: Reply) -> None:
        data = reply.body.encode() if isinstance(reply.body, str) else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


class FakeXai:
    """The fake server: ``script(...)`` queues replies; ``requests`` records everything received."""

    def __init__(self, api_key: str | None = API_KEY, expect_text: tuple[str, ...] = (), *, model: str = MODEL,
                 formats: tuple[str, ...] = XAI_FORMATS) -> None:
        self.api_key = api_key
        self.expect_text = expect_text  # strings every chat request must contain (campaign/brand context)
        self.model = model
        self.models: tuple[str, ...] = (model,)  # what GET /v1/models lists
        self.formats = formats
        self.refusals = 0  # json_schema requests refused with a 400
        self.default: Script = good()
        self.requests: list[ReceivedRequest] = []
        self.stopping = threading.Event()
        self._scripts: deque[Script] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeXai:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def script(self, *scripts: Script) -> None:
        """Queue replies for the next chat requests (after them, ``default`` answers)."""
        with self._lock:
            self._scripts.extend(scripts)

    def next_script(self) -> Script:
        with self._lock:
            return self._scripts.popleft() if self._scripts else self.default

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def chat_requests(self) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path.rstrip("/") == "/v1/chat/completions"]

    @property
    def problems(self) -> list[str]:
        return [p for r in self.requests for p in r.problems]

    def refuses_format(self, request: ReceivedRequest) -> bool:
        """True for a ``json_schema`` request to a server that does not take one."""
        body = request.body if isinstance(request.body, dict) else {}
        kind = (body.get("response_format") or {}).get("type")
        return kind == "json_schema" and "json_schema" not in self.formats

    def inspect(self, request: ReceivedRequest) -> None:
        """Check a chat request; every finding goes into ``request.problems``."""
        body = request.body if isinstance(request.body, dict) else {}
        problems = request.problems
        if body.get("model") != self.model:
            problems.append(f"unexpected model {body.get('model')!r}")
        fmt = body.get("response_format") or {}
        schema = fmt.get("json_schema") or {}
        request.format = str(fmt.get("type", ""))
        strict = request.format == "json_schema" and schema.get("strict") is True and \
            (schema.get("schema") or {}).get("type") == "object"
        if not strict and not (request.format == "json_object" and "json_object" in self.formats):
            problems.append("no strict json_schema response_format")
        request.schema_name = str(schema.get("name", ""))
        texts: list[str] = []
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append("no messages")
            messages = []
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                self._inspect_parts(content, request, texts)
        request.text = "\n".join(texts)
        if request.format == "json_object" and "json" not in request.text.lower():
            problems.append("a json_object request must ask for JSON in its messages")
        wanted_images = 2 if request.is_rewrite else None
        if wanted_images is not None and len(request.images) != wanted_images:
            problems.append(f"a rewrite sends both frames, got {len(request.images)} images")
        if wanted_images is None and len(request.images) < 2:
            problems.append(f"pairing needs at least two images, got {len(request.images)}")
        problems.extend(f"context missing: {t!r}" for t in self.expect_text if t not in request.text)

    @staticmethod
    def _inspect_parts(parts: list[Any], request: ReceivedRequest, texts: list[str]) -> None:
        previous_text: str | None = None
        for part in parts:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                previous_text = str(part.get("text", ""))
                texts.append(previous_text)
                continue
            if kind != "image_url":
                request.problems.append(f"unexpected content part {kind!r}")
                continue
            url = str((part.get("image_url") or {}).get("url", ""))
            label = _LABEL.search(previous_text or "")
            previous_text = None
            if label is None:
                request.problems.append("an image without a text label naming its asset id right before it")
                continue
            if not url.startswith(_DATA_URI):
                request.problems.append(f"image of asset {label.group(1)} is not a JPEG data URI")
                continue
            try:
                data = base64.b64decode(url[len(_DATA_URI):], validate=True)
                with Image.open(io.BytesIO(data)) as img:
                    fmt = img.format
                    img.load()
            except (binascii.Error, OSError, ValueError):
                request.problems.append(f"image of asset {label.group(1)} does not decode")
                continue
            if fmt != "JPEG":
                request.problems.append(f"image of asset {label.group(1)} is {fmt}, not JPEG")
                continue
            request.image_ids.append(int(label.group(1)))
            request.images.append(data)


@pytest.fixture
def xai_server() -> Iterator[FakeXai]:
    """A running fake xAI server (stopped after the test)."""
    with FakeXai() as server:
        yield server


@pytest.fixture
def vision_server() -> Iterator[FakeXai]:
    """An OpenAI-compatible vision server that takes strict JSON schemas and needs no key."""
    with FakeXai(api_key=None, model=VISION_MODEL, formats=SCHEMA_AND_OBJECT) as server:
        yield server


@pytest.fixture
def json_object_server() -> Iterator[FakeXai]:
    """An OpenAI-compatible vision server that refuses strict JSON schemas (400) and takes ``json_object``."""
    with FakeXai(api_key=None, model=VISION_MODEL, formats=OBJECT_ONLY) as server:
        yield server


# ------------------------------------------------------------------------------------------------------------------
# Brand checks (quality control of clips): frames labelled with their time, a strict "brand_check" schema.
# Everything below is used by the QC tests only; the pairing fake above is unchanged.
# ------------------------------------------------------------------------------------------------------------------

BRAND_SCHEMA_NAME = "brand_check"
_FRAME_LABEL = re.compile(r"^frame at\s*(\d+(?:\.\d+)?)\s*s$", re.IGNORECASE)


def frame_times(request: ReceivedRequest) -> list[float]:
    """The times of the frames a brand-check request labelled, in order."""
    body = request.body if isinstance(request.body, dict) else {}
    times = []
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "text" and \
                    (label := _FRAME_LABEL.match(str(part.get("text", "")).strip())):
                times.append(float(label.group(1)))
    return times


def brand_issue(time_s: Any, kind: Any = "text_on_screen", severity: Any = "fail",
                detail: Any = "A caption reads SALE in large letters.") -> dict[str, Any]:
    return {"time_s": time_s, "kind": kind, "severity": severity, "detail": detail}


def brand_reply(verdict: Any = "pass", issues: Callable[[list[float]], list[Any]] | None = None,
                summary: str = "On brand throughout.", **extra: Any) -> Script:
    """A brand-check answer; ``issues(times)`` builds the issue list from the frame times the request labelled."""
    def script(request: ReceivedRequest) -> Reply:
        content = {"verdict": verdict, "summary": summary, "issues": issues(frame_times(request)) if issues else [],
                   **extra}
        return completion(json.dumps(content), request)
    return script


class FakeBrandXai(FakeXai):
    """The fake xAI server checking brand-check requests instead of pairing ones.

    Each request must carry frames as JPEG data URIs of at most ``max_frame_px`` pixels on the long side, each
    right after a text part "Frame at <t> s", a strict ``json_schema`` response format named "brand_check" (or
    a ``json_object`` one when ``plain_json_ok``), and every string of ``expect_text``.
    """

    def __init__(self, api_key: str = API_KEY, expect_text: tuple[str, ...] = (), max_frame_px: int = 512) -> None:
        super().__init__(api_key, expect_text)
        self.default = brand_reply("pass")
        self.max_frame_px = max_frame_px
        self.plain_json_ok = False

    def inspect(self, request: ReceivedRequest) -> None:
        body = request.body if isinstance(request.body, dict) else {}
        problems = request.problems
        if body.get("model") != MODEL:
            problems.append(f"unexpected model {body.get('model')!r}")
        fmt = body.get("response_format") or {}
        schema = fmt.get("json_schema") or {}
        request.schema_name = str(schema.get("name", ""))
        strict = fmt.get("type") == "json_schema" and schema.get("strict") is True and \
            request.schema_name == BRAND_SCHEMA_NAME and (schema.get("schema") or {}).get("type") == "object"
        if not strict and not (self.plain_json_ok and fmt.get("type") == "json_object"):
            problems.append("no strict json_schema response_format named brand_check")
        texts: list[str] = []
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            problems.append("no messages")
            messages = []
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                self._inspect_frames(content, request, texts)
        request.text = "\n".join(texts)
        if not request.images:
            problems.append("a brand check needs at least one frame")
        problems.extend(f"context missing: {t!r}" for t in self.expect_text if t not in request.text)

    def _inspect_frames(self, parts: list[Any], request: ReceivedRequest, texts: list[str]) -> None:
        previous: str | None = None
        for part in parts:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                previous = str(part.get("text", ""))
                texts.append(previous)
                continue
            if kind != "image_url":
                request.problems.append(f"unexpected content part {kind!r}")
                continue
            url = str((part.get("image_url") or {}).get("url", ""))
            labelled = previous is not None and _FRAME_LABEL.match(previous.strip())
            previous = None
            if not labelled:
                request.problems.append("a frame without a text label 'Frame at <t> s' right before it")
                continue
            try:
                data = base64.b64decode(url.removeprefix(_DATA_URI), validate=True)
                with Image.open(io.BytesIO(data)) as img:
                    fmt, size = img.format, img.size
                    img.load()
            except (binascii.Error, OSError, ValueError):
                request.problems.append("a frame does not decode")
                continue
            if not url.startswith(_DATA_URI) or fmt != "JPEG":
                request.problems.append(f"a frame is {fmt}, not a JPEG data URI")
            elif max(size) > self.max_frame_px:
                request.problems.append(f"a frame of {size[0]}×{size[1]} is larger than {self.max_frame_px} px")
            else:
                request.images.append(data)


@pytest.fixture
def brand_xai_server() -> Iterator[FakeBrandXai]:
    """A running fake xAI server for brand checks (stopped after the test)."""
    with FakeBrandXai() as server:
        yield server
