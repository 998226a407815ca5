"""library copy: a local library into a team library and back, verified, resumable, the source unchanged."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import app.core.library_copy as library_copy
from app.core.db.location import LibraryLocation
from app.core.domain import ImportResult
from app.core.library_copy import CopyError, copy_library, open_source, open_target
from app.core.media.brand_kit import default_font
from app.core.services import open_services
from tests.helpers import postgres
from tests.helpers.images import make_image

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]


async def _local_library(folder: Path, images: Path) -> None:
    """A local library with a client, a campaign, five tagged and rated images and a job's file."""
    services = open_services(folder)
    try:
        client = (await services.library.create_client("Acme")).value
        campaign = (await services.library.create_campaign(client.id, "Spring")).value
        paths = [str(make_image(images / f"{i}.png", (80, 60), seed=i)) for i in range(5)]
        report = await services.library.import_sources(campaign.id, paths)
        ids = [o.asset_id for o in report.outcomes if o.result is ImportResult.IMPORTED]
        await services.library.add_tags(ids[:3], ["sea", "Morning"])
        await services.library.set_rating(ids[:2], 4)
        font = await services.library.import_brand_file(default_font(), "font")
        await services.library.update_client(client.id, brand_fonts=[font], cta="Order today")
        job_dir = services.paths.job_dir(1) / "clips"
        job_dir.mkdir(parents=True)
        (job_dir / "clip-1.mp4").write_bytes(b"not really a video, but a file of the job")
    finally:
        await services.aclose()


def _pairframe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_local_library_goes_into_a_team_library_and_back_unchanged(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    local = tmp_path / "local"
    await _local_library(local, tmp_path / "images")
    before = _digest(local / "library.sqlite3")
    with postgres.fresh_database(migrated=False) as server:
        team = LibraryLocation(tmp_path / "ws", server, tmp_path / "share")
        source, target = open_source(LibraryLocation(local), None), open_target(team, postgres.password())
        real_copy_store = library_copy._copy_store

        def interrupted(*_args: object) -> None:
            raise KeyboardInterrupt  # the copy stops after the rows, before the files
        monkeypatch.setattr(library_copy, "_copy_store", interrupted)
        with pytest.raises(KeyboardInterrupt):
            copy_library(source, target)
        monkeypatch.setattr(library_copy, "_copy_store", real_copy_store)
        report = copy_library(source, target)  # run again: finishes the copy
        assert report.rows_added == 0 and report.problems == []
        assert report.rows["assets"] == 5 and report.rows["asset_tags"] == 6 and report.files_copied >= 5
        assert json.loads((tmp_path / "share" / library_copy.MARKER).read_text())["complete"] is True
        assert copy_library(source, target).files_present >= 6  # a third run changes nothing
        source.engine.dispose()
        target.engine.dispose()

        services = open_services(team, password=postgres.password())  # the team library is a working library
        try:
            campaign = (await services.library.list_campaigns())[0]
            assets = await services.library.list_assets(campaign.id)
            assert len(assets) == 5 and sum(a.rating == 4 for a in assets) == 2
            assert all(services.library.asset_path(a).is_file() for a in assets)
            kit = await services.library.brand_kit(campaign.id)  # the brand kit's files came along
            assert kit.cta == "Order today" and kit.font.is_file() and kit.font.is_relative_to(tmp_path / "share")
            await services.library.create_client("Made in the team library")  # ids continue past the copied
        finally:
            await services.aclose()

        back = LibraryLocation(tmp_path / "back")
        source, target = open_source(team, postgres.password()), open_target(back, None)
        report = copy_library(source, target)
        assert report.rows["clients"] == 2 and report.problems == []
        assert (tmp_path / "back" / "jobs" / "1" / "clips" / "clip-1.mp4").is_file()
        source.engine.dispose()
        target.engine.dispose()
    assert _digest(local / "library.sqlite3") == before  # the source never changed


async def test_a_target_holding_another_library_is_refused(tmp_path: Path) -> None:
    await _local_library(tmp_path / "one", tmp_path / "images")
    await _local_library(tmp_path / "two", tmp_path / "images")
    source, target = open_source(LibraryLocation(tmp_path / "one"), None), open_target(
        LibraryLocation(tmp_path / "two"), None)
    with pytest.raises(CopyError, match="already holds a library"):
        copy_library(source, target)
    source.engine.dispose()
    target.engine.dispose()


@pytest.mark.slow
async def test_the_command_copies_into_a_team_library_and_reports_it(tmp_path: Path) -> None:
    await _local_library(tmp_path / "local", tmp_path / "images")
    with postgres.fresh_database(migrated=False) as server:
        done = _pairframe("--data-dir", str(tmp_path / "local"), "library", "copy", "--to", server.display(),
                          "--store", str(tmp_path / "share"), "--json")
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["rows"]["assets"] == 5 and report["problems"] == []
        again = _pairframe("--data-dir", str(tmp_path / "local"), "library", "copy", "--to", str(tmp_path / "local"))
        assert again.returncode == 1 and "same library" in again.stderr
