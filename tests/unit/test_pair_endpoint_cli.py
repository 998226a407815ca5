"""``pair --endpoint URL --vision-model NAME`` through the real launcher against the fake vision servers: the mode
of the reply (strict JSON schema or JSON object) is reported, and bad combinations are usage errors."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from app.core.services import Services
from tests.fakes.xai_server import VISION_MODEL, FakeXai, good, json_object_server, vision_server  # noqa: F401
from tests.helpers.pairing_data import make_campaign

ROOT = Path(__file__).resolve().parents[2]


async def _pair(library: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.helpers.keyring_memory.MemoryKeyring"}
    command = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), "pair", "--campaign",
               "Summer Launch", *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=90, env=env,
                                   cwd=ROOT)


async def test_pair_on_a_server_with_schemas_reports_the_strict_mode(
        services: Services, library_dir: Path, tmp_path: Path, vision_server: FakeXai) -> None:  # noqa: F811
    await make_campaign(services, tmp_path / "sources", 4)
    vision_server.script(good(count=2))
    result = await _pair(library_dir, "--endpoint", vision_server.base_url, "--vision-model", VISION_MODEL,
                         "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["endpoint"] == {"provider": "openai-compatible", "base_url": vision_server.base_url,
                                    "model": VISION_MODEL}
    assert len(document["suggestions"]) == 2 and document["cost_usd"] == 0
    assert any(note.endswith("answered with a strict JSON schema") for note in document["notes"])
    assert vision_server.chat_requests[0].format == "json_schema" and vision_server.problems == []


async def test_pair_on_a_server_without_schemas_says_it_fell_back_to_a_json_object(
        services: Services, library_dir: Path, tmp_path: Path, json_object_server: FakeXai) -> None:  # noqa: F811
    await make_campaign(services, tmp_path / "sources", 4)
    address = json_object_server.base_url.removesuffix("/v1")  # the /v1 is added when no path is given
    result = await _pair(library_dir, "--endpoint", address, "--vision-model", VISION_MODEL, "--count", "1")
    assert result.returncode == 0, result.stderr
    assert "note: " in result.stdout and "answered as a JSON object" in result.stdout
    assert "1 pair by grok" in result.stdout
    assert json_object_server.refusals == 1 and json_object_server.chat_requests[-1].format == "json_object"


async def test_bad_endpoint_combinations_are_usage_errors_or_plain_failures(
        services: Services, library_dir: Path, tmp_path: Path) -> None:
    await make_campaign(services, tmp_path / "sources", 3)
    local = await _pair(library_dir, "--endpoint", "http://127.0.0.1:9/v1", "--pairer", "local")
    assert local.returncode == 2 and "do not go with --pairer local" in local.stderr
    not_web = await _pair(library_dir, "--endpoint", "ftp://files.example", "--vision-model", "llava")
    assert not_web.returncode == 1 and "is not a web address of a vision server" in not_web.stderr
