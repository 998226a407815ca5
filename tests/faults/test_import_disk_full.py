"""A full disk is not the photos' fault: the import stops at the first write that finds no space, keeps what was
done and says which folder is full and how much space the rest needs; every command says so for SQLite too.

The disk is a real small file system (tmpfs) mounted by the test; without the right to mount, the tests skip.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from tests.faults.conftest import cli, cli_import_json, fill, make_library

MB = 1024 * 1024


def noise_pngs(folder: Path, count: int) -> list[Path]:
    """``count`` distinct, incompressible PNGs of about 1.5 MB each."""
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = folder / f"photo {i:02d}.png"
        Image.effect_noise((700, 700), 60 + i).convert("RGB").save(path, compress_level=0)
        paths.append(path)
    return paths


def rows_and_files(library: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    with sqlite3.connect(library / "library.sqlite3") as db:
        rows = {(sha, fmt) for sha, fmt in db.execute("SELECT sha256, format FROM assets")}
    files = {(p.stem, p.suffix[1:]) for p in (library / "store").rglob("*") if p.is_file()}
    return rows, files


@pytest.mark.slow  # two launches of the CLI over 30 images
def test_an_import_onto_a_full_disk_stops_with_one_message_and_keeps_what_was_done(
        small_disk: Callable[[int], Path], tmp_path: Path) -> None:
    disk = small_disk(40 * MB)
    library = make_library(disk / "library")
    photos = noise_pngs(tmp_path / "photos", 30)
    result, report = cli_import_json(library, str(tmp_path / "photos"))

    assert result.returncode == 1
    store = library / "store"
    [line] = result.stderr.splitlines()
    assert line.startswith(f"pairframe: not enough disk space in {store}: the import stopped with ")
    assert "of free space there (" in line and line.endswith("already imported stay.")
    assert report["error"] == line.removeprefix("pairframe: ")
    done = report["imported"]
    assert 0 < done < len(photos)
    assert report["rejected"] == 0 and "unreadable" not in result.stdout
    assert [o["result"] for o in report["outcomes"]] == ["imported"] * done
    rows, files = rows_and_files(library)
    assert len(rows) == done and rows == files  # what was done is kept, and no file lacks its row
    assert not [p for p in library.rglob("*") if ".part" in p.name]

    small_disk(120 * MB)  # space freed: the same import finishes the rest
    result, report = cli_import_json(library, str(tmp_path / "photos"))
    assert result.returncode == 0, result.stderr
    assert (report["imported"], report["duplicates"], report["error"]) == (len(photos) - done, done, None)
    rows, files = rows_and_files(library)
    assert len(rows) == len(photos) and rows == files


def test_a_command_on_a_full_disk_says_which_folder_is_full(small_disk: Callable[[int], Path]) -> None:
    disk = small_disk(16 * MB)
    library = make_library(disk / "library")
    fill(disk, leave=0)
    result = cli(library, "client", "add", "Globex")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"pairframe: not enough disk space in {library}: this needs about 8 MB of free space "
                           f"there (")
    assert line.endswith("Free up space and try again.")


def test_sqlite_finding_the_disk_full_is_the_same_plain_message(small_disk: Callable[[int], Path]) -> None:
    disk = small_disk(16 * MB)
    library = make_library(disk / "library")
    fill(disk, leave=256 * 1024)  # room to open the database, not to write a megabyte into it
    messages = [arg for _ in range(10) for arg in ("--key-message", "fresh " * 17_000)]
    result = cli(library, "campaign", "add", "--client", "Acme", "Autumn", *messages)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"pairframe: not enough disk space in {library}: ")
