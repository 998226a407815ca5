"""Two workstations on one team library: separate processes with separate cache folders, one PostgreSQL database
and one shared store. A change reaches the other's open library within a second; a lease is taken over only once
its holder on another host stopped renewing it; overlapping imports at once lose no row and duplicate none; the
second of two saves of the same notes is refused with the first one's text."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.db.location import LibraryLocation, ServerAddress
from app.core.domain import ImportResult
from app.core.generation import lease
from app.core.services import Services, open_services
from tests.helpers import postgres
from tests.helpers.images import make_image

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


def _url(server: ServerAddress) -> str:
    return server.display()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[tuple[ServerAddress, Path]]:
    """A team library: a fresh database and a shared store folder."""
    with postgres.fresh_database() as server:
        yield server, tmp_path / "share"


@pytest.fixture
def here(team: tuple[ServerAddress, Path], tmp_path: Path) -> Iterator[Services]:
    """This process: one workstation, with its own cache folder."""
    server, share = team
    services = open_services(LibraryLocation(tmp_path / "ws-here", server, share), password=postgres.password())
    yield services
    services.db.close()


def _workstation(team: tuple[ServerAddress, Path], tmp_path: Path, name: str, *args: str,
                 host: str | None = None) -> subprocess.Popen[str]:
    """Another workstation: a process with its own cache folder (and host name) doing one thing."""
    server, share = team
    command = [sys.executable, "-m", "tests.helpers.workstation", "--library", _url(server), "--store", str(share),
               "--data-dir", str(tmp_path / f"ws-{name}"), *(["--host", host] if host else []), *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _importer(team: tuple[ServerAddress, Path], data_dir: Path, campaign_id: int,
              folder: Path) -> subprocess.Popen[str]:
    """A workstation's ``pairframe import`` of ``folder`` into the team library's campaign."""
    server, share = team
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir), "--library",
                             _url(server), "--store", str(share), "import", "--campaign", str(campaign_id), "--json",
                             str(folder)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _line(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """The next line the process prints (fails with its error output when it ends first)."""
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line:
            return line.strip()
        if process.poll() is not None:
            raise AssertionError(f"the workstation ended: {process.stderr.read() if process.stderr else ''}")
    raise AssertionError("the workstation said nothing in time")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


async def test_a_change_reaches_the_other_workstation_within_a_second(team: tuple[ServerAddress, Path],
                                                                      here: Services, tmp_path: Path) -> None:
    client = (await here.library.create_client("Acme")).value
    other = _workstation(team, tmp_path, "other", "watch", "20")
    try:
        assert _line(other) == "listening"
        await here.library.update_client(client.id, notes="call back on Monday")
        committed = time.time()
        heard = json.loads(_line(other))
        assert heard["changes"]["clients"] == [client.id]
        assert heard["t"] - committed < 1.0
    finally:
        _stop(other)


@pytest.mark.slow
async def test_a_lease_of_another_host_is_taken_over_only_after_it_expires(team: tuple[ServerAddress, Path],
                                                                          here: Services, tmp_path: Path) -> None:
    from tests.unit.test_team_library import _new_job

    job_id = here.db.run_sync(_new_job)
    holder = _workstation(team, tmp_path, "holder", "hold", str(job_id), "3", host="workstation-b")
    try:
        assert _line(holder) == "held"
        other = await here.db.run(lambda s: lease.acquire(s, job_id, here.db.origin, 30))
        assert other is not None and other.host == "workstation-b"
        assert "on workstation-b" in other.describe()
        holder.kill()  # the holder's machine goes away: no pid check can see it from here, only the expiry
        holder.wait(timeout=10)
        assert await here.db.run(lambda s: lease.acquire(s, job_id, here.db.origin, 30)) is not None
        deadline = time.monotonic() + 10
        while (other := await here.db.run(lambda s: lease.acquire(s, job_id, here.db.origin, 30))) is not None:
            assert time.monotonic() < deadline, "the expired lease was never taken over"
            await asyncio.sleep(0.2)
        row = await here.db.read(lambda s: s.get(lease.JobLease, job_id))
        assert row.owner == here.db.origin
    finally:
        _stop(holder)


@pytest.mark.slow
async def test_overlapping_imports_at_once_lose_no_row_and_duplicate_none(team: tuple[ServerAddress, Path],
                                                                         here: Services, tmp_path: Path) -> None:
    client = (await here.library.create_client("Acme")).value
    campaign = (await here.library.create_campaign(client.id, "Spring")).value
    shared = [make_image(tmp_path / "shared" / f"s{i}.png", (64, 48), seed=i) for i in range(30)]
    folders = []
    for name, seeds in (("a", range(100, 120)), ("b", range(200, 220))):
        folder = tmp_path / name
        for path in shared:
            (folder).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / path.name)
        for seed in seeds:
            make_image(folder / f"own{seed}.png", (64, 48), seed=seed)
        folders.append(folder)
    processes = [_importer(team, tmp_path / f"ws-{folder.name}", campaign.id, folder) for folder in folders]
    outputs = [await asyncio.to_thread(p.communicate, timeout=180) for p in processes]
    for process, (_out, error) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, error
    results = [o["result"] for out, _ in outputs for o in json.loads(out)["outcomes"]]
    assert len(results) == 100 and set(results) <= {r.value for r in (ImportResult.IMPORTED, ImportResult.LINKED,
                                                                      ImportResult.DUPLICATE)}
    assets = await here.library.list_assets(campaign.id)
    assert len(assets) == 70 and len({a.sha256 for a in assets}) == 70  # 30 shared + 20 + 20, each once
    assert results.count(ImportResult.IMPORTED.value) == 70
    assert all(here.library.store.path_for(a.sha256, a.format).is_file() for a in assets)


@pytest.mark.slow
async def test_the_second_save_of_the_same_notes_is_refused_with_the_first_text(
        team: tuple[ServerAddress, Path], here: Services, tmp_path: Path) -> None:
    client = (await here.library.create_client("Acme")).value
    campaign = (await here.library.create_campaign(client.id, "Spring")).value
    report = await here.library.import_sources(campaign.id, [str(make_image(tmp_path / "in" / "a.png", seed=1))])
    asset_id = report.outcomes[0].asset_id
    assert asset_id is not None
    read_at = (await here.library.get_assets([asset_id]))[0].notes_version  # both open the same notes
    first = _workstation(team, tmp_path, "first", "notes", str(asset_id), str(read_at), "retouch the sky")
    try:
        assert _line(first) == f"saved {read_at + 1}"
    finally:
        _stop(first)
    second = _workstation(team, tmp_path, "second", "notes", str(asset_id), str(read_at), "crop tighter")
    try:
        refused = json.loads(_line(second))
        assert refused["conflict"] == "retouch the sky" and refused["version"] == read_at + 1
        assert second.wait(timeout=30) == 3
    finally:
        _stop(second)
    assert (await here.library.get_assets([asset_id]))[0].notes == "retouch the sky"
