"""``spend``, ``spend reconcile`` and the money in ``campaigns`` through the real launcher: reports as a table,
JSON and CSV; a ``generate`` refused with a 401 leaves the budget as it was; a ``generate`` killed between a
prediction's success and its recording is put right by ``reconcile`` (one row, the right amount); ``generate``
and ``resume`` at once pay for each prediction once."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.core.money.report import SpendQuery
from app.core.secrets import SecretStore
from app.core.services import open_services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.ledger_data import seed_ledger

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def _env(fake: FakeReplicate | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    if fake is not None:
        env.update(REPLICATE_API_TOKEN=TOKEN, REPLICATE_BASE_URL=fake.url)
    return env


def _command(data: Path, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args]


def _cli(data: Path, *args: str, fake: FakeReplicate | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(data, *args), capture_output=True, text=True, timeout=120, env=_env(fake),
                          cwd=ROOT, stdin=subprocess.DEVNULL)


def _json(data: Path, *args: str, fake: FakeReplicate | None = None) -> Any:
    result = _cli(data, *args, "--json", fake=fake)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _in_library(data: Path, work: Any) -> Any:
    """Run ``work(services)`` in-process on the library (set-up and checks; the commands under test run apart)."""
    async def run() -> Any:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            return await work(services)
        finally:
            await services.aclose()
    return asyncio.run(run())


def _generation_library(tmp_path: Path, *, pairs: int, budget: float | None = None, **settings: float) -> Path:
    data = tmp_path / "library"

    async def seed(services: Any) -> None:
        await seed_campaign(services, tmp_path / "images", pairs=pairs, budget=budget)
        services.settings.update(**{"poll_interval_s": 0.05, "poll_interval_max_s": 0.2, **settings})
    _in_library(data, seed)
    return data


async def _entries(services: Any) -> list[Any]:
    return await services.money.entries(SpendQuery())


@pytest.mark.slow  # nine launches of the CLI
def test_spend_reports_as_table_json_and_csv_with_filters(tmp_path: Path) -> None:
    data = tmp_path / "library"
    _in_library(data, seed_ledger)
    document = _json(data, "spend", "--by", "client")
    assert document == {"rows": [{"key": "Acme", "spent_usd": 2.88026, "calls": 7},
                                 {"key": "Cora", "spent_usd": 2.80013, "calls": 4}], "total_usd": 5.68039}
    march = _json(data, "spend", "--by", "campaign", "--client", "Acme", "--since", "2025-02-01",
                  "--until", "2025-03-31")
    assert march["rows"] == [{"key": "Autumn", "spent_usd": 1.28, "calls": 2, "client": "Acme"},
                             {"key": "Spring", "spent_usd": 0.40026, "calls": 3, "client": "Acme"}]
    assert march["total_usd"] == 1.68026
    as_csv = _cli(data, "spend", "--by", "model", "--campaign", "Launch", "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [
        ["key", "spent_usd", "calls"], ["google/veo-3.1", "2.400000000", "2"],
        ["google/veo-3.1-fast", "0.400000000", "1"], ["grok-4-1-fast-non-reasoning", "0.000130000", "1"]]
    table = _cli(data, "spend")
    assert table.returncode == 0 and "2025-02  $2.08  4" in table.stdout and "total    $5.68  11" in table.stdout
    assert _cli(data, "spend", "--json", "--csv").returncode == 2
    wrong = _cli(data, "spend", "--since", "2025-02-30")
    assert wrong.returncode == 2 and "not a date: use YYYY-MM-DD" in wrong.stderr
    upside_down = _cli(data, "spend", "--since", "2025-03-01", "--until", "2025-02-01")
    assert upside_down.returncode == 1 and "starts (2025-03-01) after it ends (2025-02-01)" in upside_down.stderr
    campaigns = {c["name"]: c for c in _json(data, "campaigns")}
    assert {k: campaigns["Spring"][k] for k in ("budget_usd", "spent_usd", "committed_usd", "left_usd")} == {
        "budget_usd": 10.0, "spent_usd": 1.60026, "committed_usd": 0.0, "left_usd": 8.39974}
    assert campaigns["Autumn"]["left_usd"] is None  # no budget


def test_a_generate_refused_with_401_leaves_the_budget_as_it_was(tmp_path: Path,
                                                                 fake_replicate: FakeReplicate) -> None:  # noqa: F811
    data = _generation_library(tmp_path, pairs=2, budget=5.0)
    fake_replicate.scenario.accepted_token = "r8_some-other-token"
    result = _cli(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast", "--duration", "4",
                  "--yes", fake=fake_replicate)
    assert result.returncode == 1 and "refused the API token (HTTP 401)" in result.stderr
    [campaign] = _json(data, "campaigns")
    assert (campaign["spent_usd"], campaign["committed_usd"], campaign["left_usd"]) == (0.0, 0.0, 5.0)
    [job] = _json(data, "jobs")
    assert job["status"] == "failed" and {c["status"] for c in job["clips"]} == {"failed"}
    assert fake_replicate.create_requests == 0


@pytest.mark.slow
def test_reconcile_records_a_prediction_that_succeeded_after_the_app_was_killed(
        tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    scenario = fake_replicate.scenario
    scenario.processing_s = 0.3
    data = _generation_library(tmp_path, pairs=1, poll_interval_s=4.0, poll_interval_max_s=4.0)
    process = subprocess.Popen(_command(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast",
                                        "--duration", "4", "--yes"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=_env(fake_replicate), cwd=ROOT)
    try:
        fake_replicate.wait_for_creates(1, timeout_s=60)
        [prediction] = list(fake_replicate.predictions)
        deadline = time.monotonic() + 10
        while fake_replicate.status_of(prediction) != "succeeded":  # succeeded; the app polls again in ~4 s
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert _clip_status(data) == "running"  # the app has not seen it yet
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
    [row] = _in_library(data, _entries)
    assert (row.external_id, row.status, row.amount_nanos) == (prediction, "starting", 0)

    reconciled = _cli(data, "spend", "reconcile", fake=fake_replicate)
    assert reconciled.returncode == 0, reconciled.stderr
    assert (f"corrected prediction {prediction} (google/veo-3.1-fast): starting → succeeded, $0.0000 → $0.4000"
            in reconciled.stdout)
    assert "checked 1 prediction: 1 corrected, 0 already right" in reconciled.stdout
    [row] = _in_library(data, _entries)
    assert (row.external_id, row.status, row.amount_usd) == (prediction, "succeeded", 0.4)
    assert _json(data, "spend")["total_usd"] == 0.4
    again = _cli(data, "spend", "reconcile", fake=fake_replicate)  # safe to run twice: nothing to change
    assert again.returncode == 0 and "checked 1 prediction: 0 corrected, 1 already right" in again.stdout

    resumed = _json(data, "resume", "1", fake=fake_replicate)  # the clip finishes; its call is not counted again
    assert [c["status"] for c in resumed["clips"]] == ["succeeded"] and resumed["actual_cost_usd"] == 0.4
    assert [(r.external_id, r.amount_usd) for r in _in_library(data, _entries)] == [(prediction, 0.4)]
    assert fake_replicate.create_count == 1


def _clip_status(data: Path) -> str:
    with sqlite3.connect(data / "library.sqlite3") as connection:
        return connection.execute("SELECT status FROM clips").fetchone()[0]


@pytest.mark.slow
def test_generate_and_resume_at_once_pay_for_each_prediction_once(tmp_path: Path,
                                                                  fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 5.0  # the resume starts while the generate still works the job
    data = _generation_library(tmp_path, pairs=3)
    generate = subprocess.Popen(_command(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast",
                                         "--duration", "4", "--yes", "--json"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, env=_env(fake_replicate),
                                cwd=ROOT)
    try:
        fake_replicate.wait_for_creates(1, timeout_s=60)
        resume = _cli(data, "resume", "1", "--json", fake=fake_replicate)  # watches the process that works it
        out, errors = generate.communicate(timeout=120)
    finally:
        if generate.poll() is None:
            generate.kill()
    assert generate.returncode == 0, errors
    assert resume.returncode == 0, resume.stderr
    assert "being worked by another Pairframe" in resume.stderr
    assert fake_replicate.create_count == 3 and not fake_replicate.duplicates()
    rows = _in_library(data, _entries)
    assert sorted(r.external_id for r in rows) == sorted(fake_replicate.predictions)
    total = _json(data, "spend", "--by", "campaign")["total_usd"]
    assert total == pytest.approx(3 * 0.4) == json.loads(out)["actual_cost_usd"]
