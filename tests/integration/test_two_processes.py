"""Two (or three) real Pairframe processes on one library: one worker per job, takeover of a killed worker's job,
and concurrent imports of the same files. Each process is the real launcher; Replicate is the fake on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.secrets import SecretStore
from app.core.services import open_services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign
from tests.helpers.images import make_image
from tests.helpers.keyring_memory import MemoryKeyring

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
MODEL = ("--model", "google/veo-3.1-fast", "--duration", "4")  # $0.10 per second of video: $0.40 a clip


def _env(fake: FakeReplicate | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    if fake is not None:
        env.update(REPLICATE_API_TOKEN=TOKEN, REPLICATE_BASE_URL=fake.url)
    return env


def _command(data: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args]


def _start(data: Path, *args: str, fake: FakeReplicate | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(_command(data, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, env=_env(fake), cwd=ROOT)


def _run(data: Path, *args: str, fake: FakeReplicate | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(data, *args), capture_output=True, text=True, timeout=90, env=_env(fake), cwd=ROOT,
                          stdin=subprocess.DEVNULL)


def _library(tmp_path: Path, pairs: int) -> Path:
    """A library with a seeded campaign "Spring", fast polling and fast watching."""
    data = tmp_path / "library"

    async def seed() -> None:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            await seed_campaign(services, tmp_path / "images", pairs=pairs)
            services.settings.update(poll_interval_s=0.05, poll_interval_max_s=0.2, watch_interval_s=0.2)
        finally:
            await services.aclose()
    asyncio.run(seed())
    return data


def _query(data: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(data / "library.sqlite3")
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate(timeout=30)


def test_resume_started_while_generate_works_the_job_watches_and_nothing_is_made_or_paid_twice(
        tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 6.0  # long enough for a second process to start meanwhile
    data = _library(tmp_path, pairs=3)
    generate = _start(data, "generate", "--campaign", "Spring", *MODEL, "--yes", "--json", fake=fake_replicate)
    try:
        fake_replicate.wait_for_creates(3, timeout_s=60)
        resumed = _run(data, "resume", "1", "--json", fake=fake_replicate)
        out, err = generate.communicate(timeout=60)
    finally:
        _stop(generate)
    assert generate.returncode == 0, err
    assert resumed.returncode == 0, resumed.stderr
    assert f"Job 1 is being worked by another Pairframe (pid {generate.pid}) — watching." in resumed.stderr
    assert "Traceback" not in resumed.stderr + err

    watched, made = json.loads(resumed.stdout), json.loads(out)
    assert [c["status"] for c in watched["clips"]] == ["succeeded"] * 3
    assert [c["attempts"] for c in watched["clips"]] == [1, 1, 1]
    assert watched["output"] and Path(made["output"]).is_file()
    assert fake_replicate.create_requests == fake_replicate.create_count == 3 and not fake_replicate.duplicates()
    assert fake_replicate.output_requests == 3  # one download per clip, by the worker alone
    assert [c["cost_usd"] for c in watched["clips"]] == [0.4, 0.4, 0.4]
    assert watched["actual_cost_usd"] == pytest.approx(1.2)
    attempts = _query(data, "SELECT clip_id, count(*) FROM clip_attempts GROUP BY clip_id")
    assert [n for _clip, n in attempts] == [1] * 3
    calls = _query(data, "SELECT clip_id, count(*), sum(amount_nanos) FROM ledger_entries GROUP BY clip_id")
    assert [(n, nanos / 1e9) for _clip, n, nanos in calls] == [(1, 0.4)] * 3  # one ledger row per prediction
    assert _query(data, "SELECT count(*) FROM job_leases") == [(0,)]


def test_a_killed_workers_lease_is_taken_over_at_once_and_its_predictions_are_polled_not_made_again(
        tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 3.0
    data = _library(tmp_path, pairs=2)
    generate = _start(data, "generate", "--campaign", "Spring", *MODEL, "--yes", "--json", fake=fake_replicate)
    try:
        deadline = time.monotonic() + 60
        while _query(data, "SELECT count(*) FROM clips WHERE prediction_id IS NOT NULL") != [(2,)]:
            assert time.monotonic() < deadline and generate.poll() is None, "no predictions were recorded"
            time.sleep(0.05)
        os.kill(generate.pid, signal.SIGKILL)
        generate.communicate(timeout=30)
    finally:
        _stop(generate)
    assert generate.returncode == -signal.SIGKILL
    [(pid, expires)] = _query(data, "SELECT pid, expires_at FROM job_leases WHERE job_id = 1")
    assert pid == generate.pid and expires > _query(data, "SELECT datetime('now')")[0][0]  # it would hold for long

    resumed = _run(data, "resume", "1", "--json", fake=fake_replicate)
    assert resumed.returncode == 0, resumed.stderr
    assert "watching" not in resumed.stderr  # its process is gone: no waiting for the lease to expire
    document = json.loads(resumed.stdout)
    assert [(c["status"], c["attempts"]) for c in document["clips"]] == [("succeeded", 1)] * 2
    assert all(Path(c["file"]).is_file() for c in document["clips"])
    assert fake_replicate.create_requests == fake_replicate.create_count == 2 and not fake_replicate.duplicates()
    assert sorted(c["prediction_id"] for c in document["clips"]) == sorted(fake_replicate.predictions)
    assert _query(data, "SELECT count(*) FROM job_leases") == [(0,)]


def test_three_imports_of_one_folder_into_three_campaigns_at_once_all_succeed(tmp_path: Path) -> None:
    data = tmp_path / "library"
    names = ("Spring", "Summer", "Autumn")

    async def make() -> None:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            client = (await services.library.create_client("Acme")).value
            for name in names:
                await services.library.create_campaign(client.id, name)
        finally:
            await services.aclose()
    asyncio.run(make())
    folder = tmp_path / "shoot"
    files = [make_image(folder / f"shot {i:02d}.jpg", (320, 180), seed=i) for i in range(8)]

    processes = [_start(data, "import", "--campaign", name, "--json", str(folder)) for name in names]
    finished = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=90)
            finished.append((process.returncode, out, err))
    finally:
        for process in processes:
            _stop(process)
    for code, _out, err in finished:
        assert code == 0 and "Traceback" not in err, err
    reports = [json.loads(out) for _code, out, _err in finished]
    assert [r["campaign"]["name"] for r in reports] == list(names)
    assert sum(r["imported"] for r in reports) == len(files)
    assert sum(r["linked"] for r in reports) == 2 * len(files)
    assert all(r["duplicates"] == r["rejected"] == 0 and not r["canceled"] for r in reports)
    by_file: dict[str, list[tuple[str, int]]] = {}
    for report in reports:
        for outcome in report["outcomes"]:
            by_file.setdefault(Path(outcome["source"]).name, []).append((outcome["result"], outcome["asset_id"]))
    assert set(by_file) == {f.name for f in files}
    for name, outcomes in by_file.items():
        assert sorted(result for result, _ in outcomes) == ["imported", "linked", "linked"], name
        assert len({asset_id for _, asset_id in outcomes}) == 1, name  # one asset, in three campaigns
    assert _query(data, "SELECT count(*) FROM assets") == [(len(files),)]
    assert _query(data, "SELECT campaign_id, count(*) FROM campaign_assets GROUP BY campaign_id") == [
        (1, 8), (2, 8), (3, 8)]
