"""The library commands through the real launcher: JSON on standard output, exit status 0, 1 or 2."""

from __future__ import annotations

import asyncio
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
from PIL import Image

from app.core.services import open_services
from tests.fakes.http_files import FileServer, Route
from tests.helpers.images import make_image

ROOT = Path(__file__).resolve().parents[2]


def cli(library: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def cli_json(library: Path, *args: str) -> Any:
    result = cli(library, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library with client Acme and its campaign Spring (made in-process: only the commands under test run
    as subprocesses)."""
    folder = tmp_path / "library"

    async def make() -> None:
        services = open_services(folder)
        try:
            client = (await services.library.create_client("Acme")).value
            await services.library.create_campaign(client.id, "Spring")
        finally:
            await services.aclose()

    asyncio.run(make())
    return folder


@pytest.mark.slow  # five launches of the CLI
def test_clients_and_campaigns_are_added_and_listed(tmp_path: Path) -> None:
    folder = tmp_path / "library"
    client = cli_json(folder, "client", "add", "Acme Foods", "--homepage", "https://acme.test",
                      "--colors", "#FF8800,#000", "--tone", "warm")
    assert (client["name"], client["brand_colors"], client["tone"]) == ("Acme Foods", ["#ff8800", "#000"], "warm")
    campaign = cli_json(folder, "campaign", "add", "--client", "acme foods", "Spring", "--budget", "500",
                        "--key-message", "fresh", "--key-message", "local", "--goal", "awareness")
    assert (campaign["client_name"], campaign["budget_usd"], campaign["key_messages"]) == (
        "Acme Foods", 500.0, ["fresh", "local"])
    assert [(c["name"], c["campaign_count"]) for c in cli_json(folder, "clients")] == [("Acme Foods", 1)]
    assert [c["name"] for c in cli_json(folder, "campaigns", "--client", "Acme Foods")] == ["Spring"]

    missing_client = cli(folder, "campaign", "add", "--client", "Nobody", "X")
    assert missing_client.returncode == 1 and "no client 'Nobody'" in missing_client.stderr
    assert cli(folder, "campaign", "add", "Spring").returncode == 2  # --client is required


def test_import_reports_each_input_and_assets_lists_them(library: Path, tmp_path: Path) -> None:
    folder = tmp_path / "shoot 1"
    make_image(folder / "hero shot.jpg", (320, 180), seed=1)
    make_image(folder / "nested" / "détail.png", (200, 200), seed=2)
    (folder / "readme.jpg").write_text("not a picture")
    again = tmp_path / "again.jpg"
    again.write_bytes((folder / "hero shot.jpg").read_bytes())
    result = cli(library, "import", "--campaign", "Spring", "--json", str(folder), str(again))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["imported"], report["duplicates"], report["linked"], report["rejected"]) == (2, 1, 0, 1)
    assert report["campaign"] == {"id": 1, "name": "Spring", "client": "Acme"}
    outcomes = {Path(o["source"]).name: o for o in report["outcomes"]}
    assert outcomes["readme.jpg"]["result"] == "rejected"
    assert outcomes["readme.jpg"]["reason"] == "not an image: Pairframe takes JPEG, PNG, WebP, BMP, TIFF, GIF and AVIF"
    assert outcomes["again.jpg"]["result"] == "duplicate"
    assert outcomes["again.jpg"]["asset_id"] == outcomes["hero shot.jpg"]["asset_id"]

    assets = cli_json(library, "assets", "--campaign", "Spring")
    assert [(a["name"], a["width"], a["height"], a["rating"], a["flag"], a["tags"]) for a in assets] == [
        ("hero shot.jpg", 320, 180, 0, "none", []), ("détail.png", 200, 200, 0, "none", [])]
    assert all(len(a["sha256"]) == 64 and a["bytes"] > 0 for a in assets)


def test_import_fails_with_1_when_nothing_could_be_imported(library: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    result = cli(library, "import", "--campaign", "Spring", str(empty), str(tmp_path / "missing.png"))
    assert result.returncode == 1
    assert f"rejected  {empty}: empty file (0 bytes)" in result.stdout
    assert "imported 0, duplicates 0, linked 0, rejected 2" in result.stdout
    unknown = cli(library, "import", "--campaign", "Winter", str(empty))
    assert unknown.returncode == 1 and "no campaign 'Winter'" in unknown.stderr
    assert cli(library, "import", str(empty)).returncode == 2  # --campaign is required
    assert cli(library, "import", "--campaign", "Spring").returncode == 2  # no source


def test_import_of_urls(library: Path) -> None:
    image = io.BytesIO()
    Image.new("RGB", (120, 80), "orange").save(image, format="JPEG")
    with FileServer() as server:
        good = server.add("/pics/orange.jpg", Route(content_type="image/jpeg", body=image.getvalue()))
        missing = server.url("/pics/gone.jpg")
        report = cli_json(library, "import", "--campaign", "Spring", good, missing)
    assert [(o["source"], o["result"], o["reason"]) for o in report["outcomes"]] == [
        (good, "imported", ""), (missing, "rejected", "HTTP 404 Not Found")]
    [asset] = cli_json(library, "assets", "--campaign", "Spring")
    assert (asset["name"], asset["source"], asset["format"]) == ("orange.jpg", good, "jpeg")


def _distinct_jpegs(folder: Path, count: int) -> None:
    """``count`` files with different bytes that decode alike: one photo, each with its own comment segment."""
    buffer = io.BytesIO()
    Image.effect_noise((2400, 1800), 40).save(buffer, format="JPEG", quality=90)
    base = buffer.getvalue()
    folder.mkdir(parents=True)
    for i in range(count):
        comment = f"copy {i}".encode()
        segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        (folder / f"{i:03d}.jpg").write_bytes(base[:2] + segment + base[2:])


def _asset_rows(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as connection:
        return connection.execute("SELECT sha256, format FROM assets").fetchall()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_import_leaves_no_row_without_its_file_and_the_next_import_finishes_it(
        library: Path, tmp_path: Path) -> None:
    count = 150
    _distinct_jpegs(tmp_path / "photos", count)
    database = library / "library.sqlite3"
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), "import",
                                "--campaign", "Spring", str(tmp_path / "photos")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not _asset_rows(database) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    rows = _asset_rows(database)
    assert 0 < len(rows) < count, "the import was not interrupted midway"
    store = library / "store"
    for sha, fmt in rows:
        assert (store / sha[:2] / f"{sha}.{fmt}").is_file()

    # What the killed run was writing is left hidden; once it is stale, the next run of the app removes it.
    hour_ago = time.time() - 3600
    for leftover in (p for p in library.rglob("*") if ".part" in p.name):
        os.utime(leftover, (hour_ago, hour_ago))
    result = cli(library, "import", "--campaign", "Spring", "--json", str(tmp_path / "photos"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["imported"], report["duplicates"], report["rejected"]) == (count - len(rows), len(rows), 0)
    assert len(_asset_rows(database)) == count
    assert [p for p in library.rglob("*") if ".part" in p.name] == []


def test_listing_a_current_library_loads_neither_the_openai_sdk_nor_alembic(library: Path) -> None:
    """Each takes a quarter to a third of a second to import: a command that asks nothing of a vision model and
    finds the schema current must not pay for them (they load when a client is made or a migration runs)."""
    probe = ("import sys; from app.cli import main; status = main(sys.argv[1:]); "
             "print([name for name in ('openai', 'alembic') if name in sys.modules], file=sys.stderr); "
             "sys.exit(status)")
    for command in (["clients"], ["campaigns"], ["jobs"]):
        result = subprocess.run([sys.executable, "-c", probe, "--data-dir", str(library), *command],
                                capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip().splitlines()[-1] == "[]", (command, result.stderr)
