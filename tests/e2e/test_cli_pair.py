"""``pair`` through the real launcher in a subprocess: the local pairer offline, Grok against the fake server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from app.core.domain import PairSource
from app.core.services import Services
from tests.fakes.xai_server import API_KEY, FakeXai, good
from tests.fakes.xai_server import xai_server as xai_server  # the fixture
from tests.helpers.pairing_data import make_campaign

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(library: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.helpers.keyring_memory.MemoryKeyring", **(env or {})}
    command = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=90,
                                   env=full_env, cwd=ROOT)


async def test_local_pairs_as_json_are_stored(services: Services, library_dir: Path, tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 8)
    result = await run_cli(library_dir, "pair", "--campaign", "Summer Launch", "--pairer", "local", "--count", "3",
                           "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["pairer"] == "local" and document["campaign"]["name"] == "Summer Launch"
    suggestions = document["suggestions"]
    assert len(suggestions) == 3 and all(s["source"] == "local" and s["prompt"] for s in suggestions)
    names = {a.id: a.original_name for a in data.assets}
    assert all(s["first_asset_name"] == names[s["first_asset_id"]] for s in suggestions)
    stored = await services.pairing.list_pairs(data.campaign.id)
    assert [(p.id, p.first_asset_id, p.last_asset_id) for p in stored] == [
        (s["id"], s["first_asset_id"], s["last_asset_id"]) for s in suggestions]

    again = await run_cli(library_dir, "pair", "--campaign", str(data.campaign.id), "--pairer", "local", "--chain")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].split() == ["#", "FIRST", "LAST", "SCORE", "PROMPT"]
    assert "pairs by local" in again.stdout.splitlines()[-1]


async def test_grok_pairs_through_the_environment_overrides(services: Services, library_dir: Path, tmp_path: Path,
                                                            xai_server: FakeXai) -> None:
    data = await make_campaign(services, tmp_path / "sources", 6)
    xai_server.expect_text = ("Summer Launch", "playful, sunny and warm")
    xai_server.script(good(count=2))
    result = await run_cli(library_dir, "pair", "--campaign", "Summer Launch", "--json",
                           env={"XAI_API_KEY": API_KEY, "XAI_BASE_URL": xai_server.base_url})
    assert result.returncode == 0, result.stderr
    assert xai_server.problems == []
    assert xai_server.chat_requests[0].image_ids == data.ids
    document = json.loads(result.stdout)
    assert document["pairer"] == "grok" and document["prompt_tokens"] == 800 and document["cost_usd"] > 0
    assert [s["source"] for s in document["suggestions"]] == [PairSource.GROK.value] * 2
    assert API_KEY not in result.stdout + result.stderr


async def test_failures_and_bad_usage_have_their_exit_status(services: Services, library_dir: Path,
                                                             tmp_path: Path) -> None:
    await make_campaign(services, tmp_path / "sources", 3)
    no_key = await run_cli(library_dir, "pair", "--campaign", "Summer Launch", "--pairer", "grok")
    assert no_key.returncode == 1
    assert "No xAI API key" in no_key.stderr and "local pairer" in no_key.stderr
    bad_count = await run_cli(library_dir, "pair", "--campaign", "Summer Launch", "--count", "20")
    assert bad_count.returncode == 2 and "--count is 1 to 12" in bad_count.stderr
