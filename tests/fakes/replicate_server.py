"""A fake Replicate API on 127.0.0.1 that the real ``replicate`` client and ``httpx`` talk to through the base URL.

It follows the real API: ``POST /v1/models/{owner}/{name}/predictions`` (201), ``POST /v1/predictions``,
``GET /v1/predictions/{id}`` (``starting → processing → succeeded|failed|canceled|aborted`` by time since
creation, growing tqdm ``logs``, ``metrics.predict_time``, an ``output`` URL serving a real MP4), the cursor-paged
list, cancel, ``POST /v1/files`` (multipart ``content``), ``GET /v1/models/{owner}/{name}`` with the input schema,
RFC 7807 problems (401, 404, 422), 429 + ``Retry-After`` and 5xx, and outputs that are damaged (a real MP4 whose
frames do not decode), once or every time. ``Scenario`` switches failures on per test;
``creates_by_frames`` counts creates per (model, prompt, first frame bytes, last frame bytes) to prove that no
clip is ever created twice.

Every model it knows has the input schema of the app's stored snapshot (``app/core/generation/schemas``): it
serves that schema and, like Replicate, refuses with 422 an input the schema does not allow (an unknown field, a
missing required one, a value outside an enum or range, a file it cannot fetch) and the few cross-field rules the
models document. ``alter_schema`` changes one model's schema for a test (its version id changes with it).
"""

from __future__ import annotations

import collections
import copy
import hashlib
import json
import secrets
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from app.core.generation.schema_snapshots import packaged_snapshots
from app.core.media.ffmpeg import ffmpeg_exe

MODEL_SCHEMAS: dict[str, dict[str, Any]] = {model_id: dict(snapshot.schemas)
                                            for model_id, snapshot in packaged_snapshots().items()}


def _cross_field_rules(model: str, values: dict[str, Any]) -> str | None:
    """What the models document beyond their schemas (a 422 description), or None."""
    if model == "minimax/hailuo-02" and values.get("duration") == 10 and values.get("resolution") != "768p":
        return "10 second videos are only available at 768p"
    if model == "kwaivgi/kling-v2.1" and values.get("end_image") and values.get("mode") != "pro":
        return "end_image requires mode pro"
    if model == "pixverse/pixverse-v4" and values.get("duration") == 8 and values.get("quality") == "1080p":
        return "8 second videos are not available at 1080p"
    if model.startswith("bytedance/seedance-2.0") and values.get("reference_images") \
            and (values.get("image") or values.get("last_frame_image")):
        return "reference_images cannot be combined with image or last_frame_image"
    return None


def _rule(schemas: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """A property with the component schema it refers to merged in (cog publishes enums of numbers that way)."""
    merged: dict[str, Any] = {}
    for part in [prop, *prop.get("allOf", [])]:
        ref = part.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            merged.update(schemas.get(ref.rsplit("/", 1)[-1], {}))
    merged.update({k: v for k, v in prop.items() if k not in ("allOf", "$ref")})
    return merged


_JSON_TYPES = {"integer": int, "number": (int, float), "string": str, "boolean": bool, "array": list, "object": dict}


def _field_problem(name: str, rule: dict[str, Any], value: Any) -> tuple[str, str] | None:
    """(kind, description) of what is wrong with one value, as Replicate's validator words it."""
    kind = rule.get("type")
    expected = _JSON_TYPES.get(kind or "")
    if expected is not None and (not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean")
                                 or (kind == "integer" and isinstance(value, float))):
        return "invalid_type", f"Invalid type. Expected: {kind}, given: {type(value).__name__}"
    if "enum" in rule and not any(value == e and isinstance(value, bool) == isinstance(e, bool)
                                  for e in rule["enum"]):
        return "enum", f"{name} must be one of the following: {', '.join(map(str, rule['enum']))}"
    if "minimum" in rule and isinstance(value, int | float) and value < rule["minimum"]:
        return "number_gte", f"Must be greater than or equal to {rule['minimum']}"
    if "maximum" in rule and isinstance(value, int | float) and value > rule["maximum"]:
        return "number_lte", f"Must be less than or equal to {rule['maximum']}"
    return None


TOKEN = "r8_fake-test-token-0000"


@cache
def sample_mp4() -> bytes:
    """A real 1 s 320x180 H.264 MP4, made once per process with the bundled FFmpeg."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sample.mp4"
        subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=30",
                        "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(target)], check=True)
        return target.read_bytes()


@cache
def damaged_mp4() -> bytes:
    """``sample_mp4()`` with its coded frames scrambled: it probes as a video, and decoding it fails (NAL errors)."""
    data = bytearray(sample_mp4())
    frames, index = data.find(b"mdat"), data.find(b"moov")
    for i in range(frames + 600, index - 600, 3):
        data[i] ^= 0x5A
    return bytes(data)


@dataclass
class Scenario:
    """What the fake does; tests change fields before (or while) the client runs."""

    starting_s: float = 0.05
    processing_s: float = 0.3
    outcome: Callable[[dict[str, Any]], str] = lambda _input: "succeeded"  # or failed / aborted
    create_429: int = 0  # the next N create requests are throttled
    create_401: int = 0  # the next N create requests are refused as unauthenticated (the key was revoked)
    retry_after: str = "0.1"
    create_500_after_creating: int = 0  # the next N creates are made, then answered 500 (ambiguous)
    create_delay_s: float = 0.0  # hold the create's answer after the prediction exists
    create_delay_when: Callable[[dict[str, Any]], bool] = lambda _input: True
    poll_errors_every: int = 0  # every Nth prediction GET answers 500/502/503 in turn
    output_mode: str = "video"  # video | expired (404) | text (not a video) | damaged (frames do not decode)
    output_modes: list[str] = field(default_factory=list)  # modes for the next output requests, then output_mode
    page_size: int = 100
    renamed_inputs: dict[str, dict[str, str]] = field(default_factory=dict)  # model → {catalog name: new name}
    schema_durations: dict[str, list[int]] = field(default_factory=dict)  # model → durations its schema lists
    reject_when: Callable[[dict[str, Any]], str | None] = lambda _input: None  # a 422 detail for some inputs
    accepted_token: str | None = None  # None: any bearer token is accepted
    # A crafted video for some predictions: given the input and the bytes of its first and last frames, the MP4 to
    # serve (None: the usual sample).
    output_for: Callable[[dict[str, Any], bytes | None, bytes | None], bytes | None] = \
        lambda _input, _first, _last: None


@dataclass
class FakePrediction:
    id: str
    model: str
    input: dict[str, Any]
    created: float
    outcome: str
    starting_s: float
    processing_s: float
    canceled_at: float | None = None


class FakeReplicate:
    """The server and its counters; use as a context manager or through the ``fake_replicate`` fixture."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self.scenario = scenario or Scenario()
        self.lock = threading.Lock()
        self.predictions: dict[str, FakePrediction] = {}
        self.order: list[str] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.creates_by_frames: collections.Counter[tuple[str, str, str, str]] = collections.Counter()
        self.create_requests = 0
        self.throttled = 0
        self.prediction_gets = 0
        self.list_requests = 0
        self.cancels: list[str] = []
        self.output_requests = 0
        self.unauthorized = 0
        self.creates_in_flight = 0
        self.create_times: list[float] = []  # time.monotonic() of every prediction made (system-wide on Linux)
        self.max_creates_in_flight = 0
        self.schemas: dict[str, dict[str, Any]] = copy.deepcopy(MODEL_SCHEMAS)  # model → components.schemas
        self.versions = {model: hashlib.sha256(model.encode()).hexdigest() for model in self.schemas}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self), bind_and_activate=False)
        self._server.request_queue_size = 128
        self._server.daemon_threads = True
        self._server.server_bind()
        self._server.server_activate()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-replicate", daemon=True)

    def __enter__(self) -> FakeReplicate:
        sample_mp4()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---- what tests read -----------------------------------------------------------------------------------
    @property
    def create_count(self) -> int:
        with self.lock:
            return sum(self.creates_by_frames.values())

    def duplicates(self) -> dict[tuple[str, str, str, str], int]:
        with self.lock:
            return {key: n for key, n in self.creates_by_frames.items() if n > 1}

    def wait_for_creates(self, count: int, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.create_count < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.create_count} of {count} creates arrived")
            time.sleep(0.01)

    def status_of(self, prediction_id: str) -> str:
        with self.lock:
            return self._view(self.predictions[prediction_id])["status"]

    # ---- the model of a prediction's life ------------------------------------------------------------------
    def _status(self, p: FakePrediction, now: float) -> tuple[str, float]:
        """(status, fraction of processing done) at ``now``."""
        end = p.created + p.starting_s + p.processing_s
        if p.canceled_at is not None and p.canceled_at < end:
            return "canceled", 0.0
        elapsed = now - p.created
        if elapsed < p.starting_s:
            return "starting", 0.0
        if p.outcome == "aborted":
            return "aborted", 0.0
        if elapsed < p.starting_s + p.processing_s:
            return "processing", (elapsed - p.starting_s) / p.processing_s
        return p.outcome, 1.0

    def _view(self, p: FakePrediction) -> dict[str, Any]:
        now = time.time()
        status, fraction = self._status(p, now)
        started = p.created + p.starting_s if status not in ("starting", "aborted") else None
        logs = ""
        if started is not None:
            steps = int(fraction * 10) if status == "processing" else 10
            lines = [f"{s * 10:3d}%|{'#' * s}{' ' * (10 - s)}| {s * 5}/50 [00:0{s}<00:10, 1.2it/s]"
                     for s in range(0, steps + 1)]
            logs = "Starting generation\n" + "\n".join(lines)
        terminal = status in ("succeeded", "failed", "canceled", "aborted")
        completed = None
        metrics: dict[str, Any] = {}
        if terminal:
            completed = p.canceled_at if status == "canceled" else p.created + p.starting_s + p.processing_s
            if started is not None and completed is not None:
                metrics = {"predict_time": round(max(0.0, completed - started), 3),
                           "total_time": round(completed - p.created, 3)}
        return {
            "id": p.id, "model": p.model, "version": "hidden", "input": copy.deepcopy(p.input),
            "output": f"{self.url}/output/{p.id}.mp4" if status == "succeeded" else None,
            "logs": logs, "error": "the model crashed (fake)" if status == "failed" else None,
            "status": status, "source": "api", "data_removed": False,
            "created_at": _iso(p.created), "started_at": _iso(started), "completed_at": _iso(completed),
            "metrics": metrics,
            "urls": {"get": f"{self.url}/v1/predictions/{p.id}", "cancel": f"{self.url}/v1/predictions/{p.id}/cancel",
                     "web": f"https://replicate.com/p/{p.id}"},
        }

    # ---- the models' input schemas --------------------------------------------------------------------------
    def alter_schema(self, model: str, change: Callable[[dict[str, Any]], None]) -> None:
        """Change ``model``'s schema in place (``change`` gets its ``components.schemas``); a new version id."""
        with self.lock:
            change(self.schemas[model])
            self.versions[model] = hashlib.sha256(f"{model}:{len(self.versions)}:{time.time()}".encode()).hexdigest()

    def model_schemas(self, model: str) -> dict[str, Any]:
        """``model``'s schema as served and enforced now: its own, with the scenario's renames and durations."""
        schemas = copy.deepcopy(self.schemas[model])
        properties = schemas["Input"]["properties"]
        for old, new in self.scenario.renamed_inputs.get(model, {}).items():
            properties[new] = properties.pop(old)
        if durations := self.scenario.schema_durations.get(model):
            refs = [p["$ref"] for p in properties["duration"].get("allOf", []) if "$ref" in p]
            target = schemas[refs[0].rsplit("/", 1)[-1]] if refs else properties["duration"]
            target["enum"] = list(durations)
            for bound in ("minimum", "maximum"):
                target.pop(bound, None)
        return schemas

    def model_inputs(self, model: str) -> dict[str, Any]:
        return self.model_schemas(model)["Input"]["properties"]

    def validate(self, model: str, values: dict[str, Any]) -> tuple[str, str, str] | None:
        """(kind, field, description) of Replicate's 422 for a bad input, or None."""
        schemas = self.model_schemas(model)
        inputs = schemas["Input"]
        properties = inputs["properties"]
        for name in values:
            if name not in properties:
                return "additional_property_not_allowed", "input", f"Additional property {name} is not allowed"
        for name in inputs.get("required", []):
            if name not in values or (isinstance(values[name], str) and not values[name].strip()):
                return "required", "input", f"{name} is required"
        for name, value in values.items():
            rule = _rule(schemas, properties[name])
            if problem := _field_problem(name, rule, value):
                return problem[0], f"input.{name}", problem[1]
            if rule.get("format") == "uri" and self._file_bytes(value) is None:
                return "E006", f"input.{name}", f"E006 invalid input: {name} could not be fetched"
        if rule_broken := _cross_field_rules(model, values):
            return "invalid_input", "input", rule_broken
        return None

    def _file_bytes(self, url: Any) -> bytes | None:
        if not isinstance(url, str):
            return None
        prefix = f"{self.url}/v1/files/"
        if url.startswith(prefix) and url[len(prefix):] in self.files:
            return self.files[url[len(prefix):]][1]
        return None

    def frame_files(self, model: str, values: dict[str, Any]) -> tuple[bytes | None, bytes | None]:
        """The uploaded first and last frames of a prediction's input."""
        files = {name for name, prop in self.model_inputs(model).items() if prop.get("format") == "uri"}
        found = [self._file_bytes(values[k]) for k in values if k in files]
        first, last = (*found, None, None)[:2]
        return first, last

    def frames_key(self, model: str, values: dict[str, Any]) -> tuple[str, str, str, str]:
        files = {name for name, prop in self.model_inputs(model).items() if prop.get("format") == "uri"}
        digests = [hashlib.sha256(self._file_bytes(values[k]) or b"").hexdigest()[:16]
                   for k in values if k in files]
        first, last = (*digests, "", "")[:2]
        return model, str(values.get("prompt", "")), first, last


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _new_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(26))


def _handler_for(fake: FakeReplicate) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:
            """Quiet."""

        # ---- plumbing --------------------------------------------------------------------------------------
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, payload: Any = None, *, raw: bytes | None = None,
                  content_type: str = "application/json", headers: dict[str, str] | None = None) -> None:
            data = raw if raw is not None else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _problem(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None,
                     extra: dict[str, Any] | None = None) -> None:
            self._send(status, {"type": "https://replicate.com/docs/errors", "title": title, "status": status,
                                "detail": detail, "instance": self.path, **(extra or {})},
                       content_type="application/problem+json", headers=headers)

        def _authorized(self) -> bool:
            scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
            wanted = fake.scenario.accepted_token
            if scheme in ("Bearer", "Token") and token.strip() and wanted in (None, token.strip()):
                return True
            with fake.lock:
                fake.unauthorized += 1
            self._problem(401, "Unauthenticated", "You did not pass a valid authentication token")
            return False

        # ---- routes ----------------------------------------------------------------------------------------
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/")
            if path.startswith("/output/"):
                self._output(path.removeprefix("/output/").removesuffix(".mp4"))
                return
            if not self._authorized():
                return
            segments = path.split("/")[1:]
            if path == "/v1/predictions":
                self._list(parse_qs(parts.query))
            elif len(segments) == 3 and segments[:2] == ["v1", "predictions"]:
                self._get(segments[2])
            elif len(segments) == 4 and segments[:2] == ["v1", "models"]:
                self._model(f"{segments[2]}/{segments[3]}")
            elif len(segments) == 3 and segments[:2] == ["v1", "files"] and segments[2] in fake.files:
                self._send(200, raw=fake.files[segments[2]][1], content_type="image/jpeg")
            else:
                self._problem(404, "Not found", f"{path} does not exist")

        def do_POST(self) -> None:
            body = self._body()
            if not self._authorized():
                return
            segments = urlsplit(self.path).path.rstrip("/").split("/")[1:]
            if segments == ["v1", "files"]:
                self._upload(body)
            elif len(segments) == 5 and segments[:2] == ["v1", "models"] and segments[4] == "predictions":
                self._create(f"{segments[2]}/{segments[3]}", body)
            elif segments == ["v1", "predictions"]:
                version = str(json.loads(body or b"{}").get("version", "")).split(":")[0]
                self._create(version, body)
            elif len(segments) == 4 and segments[:2] == ["v1", "predictions"] and segments[3] == "cancel":
                self._cancel(segments[2])
            else:
                self._problem(404, "Not found", f"{self.path} does not exist")

        def _create(self, model: str, body: bytes) -> None:
            with fake.lock:
                fake.creates_in_flight += 1
                fake.max_creates_in_flight = max(fake.max_creates_in_flight, fake.creates_in_flight)
            try:
                self._create_prediction(model, body)
            finally:
                with fake.lock:
                    fake.creates_in_flight -= 1

        def _create_prediction(self, model: str, body: bytes) -> None:
            scenario = fake.scenario
            with fake.lock:
                fake.create_requests += 1
                if scenario.create_429 > 0:
                    scenario.create_429 -= 1
                    fake.throttled += 1
                    throttle = True
                else:
                    throttle = False
                refuse = not throttle and scenario.create_401 > 0
                if refuse:
                    scenario.create_401 -= 1
                    fake.unauthorized += 1
            if refuse:
                self._problem(401, "Unauthenticated", "You did not pass a valid authentication token")
                return
            if throttle:
                self._problem(429, "Request was throttled", "Request was throttled. Your rate limit resets in ~30s.",
                              headers={"Retry-After": scenario.retry_after})
                return
            if model not in fake.schemas:
                self._problem(404, "Model not found", f"model {model} does not exist")
                return
            try:
                values = json.loads(body)["input"]
            except (ValueError, KeyError, TypeError):
                self._problem(400, "Bad request", "the body must be JSON with an input object")
                return
            with fake.lock:
                detail = scenario.reject_when(values)
                problem = None if detail else fake.validate(model, values)
                if problem is None and detail is None:
                    prediction = FakePrediction(_new_id(), model, values, time.time(), scenario.outcome(values),
                                                scenario.starting_s, scenario.processing_s)
                    fake.predictions[prediction.id] = prediction
                    fake.order.append(prediction.id)
                    fake.creates_by_frames[fake.frames_key(model, values)] += 1
                    fake.create_times.append(time.monotonic())
                    ambiguous = scenario.create_500_after_creating > 0
                    if ambiguous:
                        scenario.create_500_after_creating -= 1
                    view = fake._view(prediction)
            if detail is not None:
                self._problem(422, "Invalid input", detail)
                return
            if problem is not None:
                kind, name, description = problem
                self._problem(422, "Input validation failed", f"{name}: {description}",
                              extra={"invalid_fields": [{"type": kind, "field": name, "description": description}]})
                return
            if scenario.create_delay_s and scenario.create_delay_when(values):
                time.sleep(scenario.create_delay_s)
            if ambiguous:
                self._problem(500, "Internal server error", "something went wrong")
                return
            self._send(201, view)

        def _get(self, prediction_id: str) -> None:
            with fake.lock:
                fake.prediction_gets += 1
                every = fake.scenario.poll_errors_every
                failing = bool(every) and fake.prediction_gets % every == 0
                prediction = fake.predictions.get(prediction_id)
                view = fake._view(prediction) if prediction else None
            if failing:
                status = (500, 502, 503)[(fake.prediction_gets // every) % 3]
                self._problem(status, "Server error", "temporarily unavailable", headers={"Retry-After": "0"})
            elif view is None:
                self._problem(404, "Not found", f"prediction {prediction_id} does not exist")
            else:
                self._send(200, view)

        def _list(self, query: dict[str, list[str]]) -> None:
            offset = int((query.get("cursor") or ["0"])[0])
            size = fake.scenario.page_size
            with fake.lock:
                fake.list_requests += 1
                newest_first = list(reversed(fake.order))
                page = [fake._view(fake.predictions[i]) for i in newest_first[offset:offset + size]]
                more = offset + size < len(newest_first)
            self._send(200, {"previous": None, "results": page,
                             "next": f"{fake.url}/v1/predictions?cursor={offset + size}" if more else None})

        def _cancel(self, prediction_id: str) -> None:
            with fake.lock:
                prediction = fake.predictions.get(prediction_id)
                if prediction is not None:
                    fake.cancels.append(prediction_id)
                    status, _ = fake._status(prediction, time.time())
                    if status in ("starting", "processing"):
                        prediction.canceled_at = time.time()
                    view = fake._view(prediction)
            if prediction is None:
                self._problem(404, "Not found", f"prediction {prediction_id} does not exist")
            else:
                self._send(200, view)

        def _model(self, model: str) -> None:
            with fake.lock:
                known = model in fake.schemas
                schemas = fake.model_schemas(model) if known else {}
                version_id = fake.versions.get(model, "")
            if not known:
                self._problem(404, "Not found", f"model {model} does not exist")
                return
            owner, name = model.split("/")
            schemas["Output"] = {"type": "string", "format": "uri"}
            version = {"id": version_id, "created_at": _iso(time.time()), "cog_version": "0.14.0",
                       "openapi_schema": {"components": {"schemas": schemas}}}
            self._send(200, {"url": f"https://replicate.com/{model}", "owner": owner, "name": name,
                             "description": "fake", "visibility": "public", "github_url": None, "paper_url": None,
                             "license_url": None, "run_count": 1, "cover_image_url": None, "default_example": None,
                             "latest_version": version})

        def _upload(self, body: bytes) -> None:
            content_type = self.headers.get("Content-Type", "")
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            for part in message.iter_parts():
                if part.get_param("name", header="content-disposition") == "content":
                    data = part.get_payload(decode=True) or b""
                    file_id = _new_id()
                    name = part.get_filename() or "file"
                    with fake.lock:
                        fake.files[file_id] = (name, data)
                    now = time.time()
                    self._send(201, {"id": file_id, "name": name, "content_type": part.get_content_type(),
                                     "size": len(data), "etag": hashlib.md5(data).hexdigest(),
                                     "checksums": {"sha256": hashlib.sha256(data).hexdigest()}, "metadata": {},
                                     "created_at": _iso(now), "expires_at": _iso(now + 86400),
                                     "urls": {"get": f"{fake.url}/v1/files/{file_id}"}})
                    return
            self._problem(422, "Invalid input", "the multipart field content is missing")

        def _output(self, prediction_id: str) -> None:
            with fake.lock:
                fake.output_requests += 1
                queued = fake.scenario.output_modes
                mode = queued.pop(0) if queued else fake.scenario.output_mode
            if mode == "expired" or prediction_id not in fake.predictions:
                self._send(404, raw=b"Not Found", content_type="text/plain")
            elif mode == "text":
                self._send(200, raw=b"<html>this is not a video</html>" * 50, content_type="video/mp4")
            elif mode == "damaged":
                self._send(200, raw=damaged_mp4(), content_type="video/mp4")
            else:
                with fake.lock:
                    p = fake.predictions[prediction_id]
                    frames = fake.frame_files(p.model, p.input)
                crafted = fake.scenario.output_for(p.input, *frames)
                self._send(200, raw=crafted or sample_mp4(), content_type="video/mp4")

    return Handler


@pytest.fixture
def fake_replicate() -> Iterator[FakeReplicate]:
    """A running fake Replicate server with the default (all succeed, fast) scenario."""
    with FakeReplicate() as fake:
        yield fake


__all__ = ["MODEL_SCHEMAS", "TOKEN", "FakeReplicate", "Scenario", "damaged_mp4", "fake_replicate", "sample_mp4"]
