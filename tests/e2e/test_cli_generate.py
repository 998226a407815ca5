"""``generate``, ``resume``, ``job(s)``, ``cancel`` and ``models`` through the real launcher, against the fake
Replicate server; the big one kills ``generate`` with SIGKILL mid-job and proves ``resume`` pays for nothing twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.secrets import SecretStore
from app.core.services import open_services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def _env(fake: FakeReplicate | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    if fake is not None:
        env.update(REPLICATE_API_TOKEN=TOKEN, REPLICATE_BASE_URL=fake.url)
    return env


def _cli(data: Path, *args: str, fake: FakeReplicate | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env=_env(fake), cwd=ROOT,
                          stdin=subprocess.DEVNULL)


def _library(tmp_path: Path, *, pairs: int = 3, budget: float | None = None,
             prompts: list[str] | None = None) -> Path:
    """A library folder with a seeded campaign "Spring" and fast polling."""
    data = tmp_path / "library"

    async def seed() -> None:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            await seed_campaign(services, tmp_path / "images", pairs=pairs, budget=budget, prompts=prompts)
            services.settings.update(poll_interval_s=0.05, poll_interval_max_s=0.2)
        finally:
            await services.aclose()
    asyncio.run(seed())
    return data


def test_models_lists_the_catalog() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "models", "--json"], capture_output=True,
                            text=True, timeout=60, env=_env(), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    models = {m["id"]: m for m in json.loads(result.stdout)}
    assert {"google/veo-3.1", "google/veo-3.1-fast", "minimax/hailuo-02", "kwaivgi/kling-v2.1", "local"} <= set(models)
    assert models["minimax/hailuo-02"]["durations_by_resolution"]["1080p"] == [6.0]
    table = subprocess.run([sys.executable, str(ROOT / "main.py"), "models"], capture_output=True, text=True,
                           timeout=60, env=_env(), cwd=ROOT)
    assert "Hailuo 02" in table.stdout and "$0.2/s of video" in table.stdout


def test_generate_runs_offline_with_the_local_model(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=2)
    result = _cli(data, "generate", "--campaign", "Spring", "--duration", "2", "--resolution", "480p", "--yes",
                  "--json")
    document = json.loads(result.stdout)
    assert document["model"] == "local" and document["status"] == "succeeded"
    assert [c["status"] for c in document["clips"]] == ["succeeded", "succeeded"]
    assert all(Path(c["file"]).is_file() and c["cost_usd"] == 0 for c in document["clips"])
    assert "clip 1/2: succeeded" in result.stderr and "Estimate: $0.00" in result.stderr
    assert result.returncode == 0, result.stderr
    assert Path(document["output"]).is_file()


def test_generate_without_a_terminal_asks_for_yes_and_pays_nothing(tmp_path: Path,
                                                                       fake_replicate: FakeReplicate) -> None:  # noqa: F811
    data = _library(tmp_path)
    result = _cli(data, "generate", "--campaign", "Spring", fake=fake_replicate)
    assert result.returncode == 1 and "add --yes" in result.stderr
    assert "Model: Veo 3.1 (google/veo-3.1)" in result.stderr  # a key is set: the first Replicate model
    assert json.loads(_cli(data, "jobs", "--json").stdout) == []
    assert fake_replicate.create_requests == 0 and fake_replicate.files == {}


def test_generate_over_budget_is_refused(tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    data = _library(tmp_path, budget=1.0)
    result = _cli(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1", "--duration", "5",
                  "--yes", fake=fake_replicate)
    assert result.returncode == 1
    assert "Veo 3.1 takes 4, 6 or 8 s: 5 s → 6 s" in result.stderr and "over budget" in result.stderr
    assert fake_replicate.create_requests == 0


def test_a_failed_clip_makes_generate_exit_1_saying_which_and_why(tmp_path: Path,
                                                                       fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.outcome = lambda values: "failed" if "FAIL" in values["prompt"] else "succeeded"
    data = _library(tmp_path, prompts=["one", "FAIL two", "three"])
    result = _cli(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast", "--yes", "--json",
                  fake=fake_replicate)
    assert result.returncode == 1
    assert "1 of 3 clips did not succeed (clip 2 failed: the model failed: the model crashed (fake))" in result.stderr
    document = json.loads(result.stdout)
    assert [c["status"] for c in document["clips"]] == ["succeeded", "failed", "succeeded"]
    assert all(c["prediction_id"] for c in document["clips"]) and document["output"] is None
    shown = _cli(data, "job", str(document["id"]))
    assert shown.returncode == 0 and "the model crashed (fake)" in shown.stdout
    listed = _cli(data, "jobs")
    assert "google/veo-3.1-fast" in listed.stdout and "2/3" in listed.stdout


def test_cancel_marks_a_jobs_unfinished_clips(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=2)

    async def pending_job() -> int:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            campaign = (await services.library.list_campaigns())[0]
            plan = await services.generation.plan(campaign.id, "local")
            return (await services.generation.create_job(plan)).value.id
        finally:
            await services.aclose()
    job_id = asyncio.run(pending_job())
    result = _cli(data, "cancel", str(job_id))
    assert result.returncode == 0, result.stderr
    assert f"Job {job_id}: canceled; 2 of 2 clips canceled" in result.stdout
    document = json.loads(_cli(data, "job", str(job_id), "--json").stdout)
    assert [c["status"] for c in document["clips"]] == ["canceled", "canceled"]
    assert _cli(data, "job", "99").returncode == 1


@pytest.mark.slow
def test_generate_killed_mid_job_then_resume_creates_nothing_twice(tmp_path: Path,
                                                                          fake_replicate: FakeReplicate) -> None:  # noqa: F811
    scenario = fake_replicate.scenario
    scenario.processing_s = 1.0
    scenario.create_delay_s = 1.5  # two creates are made but their answers are still on the way at the kill
    scenario.create_delay_when = lambda values: "held" in values["prompt"]
    data = _library(tmp_path, pairs=4, prompts=["one", "two held", "three", "four held"])
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), "generate", "--campaign", "Spring",
         "--model", "google/veo-3.1-fast", "--duration", "4", "--yes", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_env(fake_replicate),
        cwd=ROOT)
    try:
        fake_replicate.wait_for_creates(4, timeout_s=60)
        time.sleep(0.2)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    stopped = json.loads(_cli(data, "job", "1", "--json").stdout)
    assert {c["status"] for c in stopped["clips"]} <= {"submitting", "running", "downloading"}
    assert sum(c["prediction_id"] is None for c in stopped["clips"]) >= 2
    time.sleep(scenario.create_delay_s)
    resumed = _cli(data, "resume", "1", "--json", fake=fake_replicate)
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    assert [c["status"] for c in document["clips"]] == ["succeeded"] * 4
    assert all(c["attempts"] == 1 and Path(c["file"]).is_file() for c in document["clips"])
    assert fake_replicate.create_count == 4 and not fake_replicate.duplicates()
    assert fake_replicate.create_requests == 4
    assert sorted(c["prediction_id"] for c in document["clips"]) == sorted(fake_replicate.predictions)
