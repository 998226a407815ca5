"""A name holding a newline or an escape sequence cannot break or forge a line of a report: people see it
escaped (the CLI's lines and tables, its error text, the import panel); JSON keeps the real name."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.domain import ImportOutcome, ImportReport, ImportResult
from app.ui.assets.import_panel import ImportPanel
from tests.faults.conftest import cli, fill, make_library
from tests.helpers.images import make_image

FORGERY = "notes.jpg: not an image\nimported 99, duplicates 0, linked 0, rejected 0"


@pytest.mark.slow  # four launches of the CLI
def test_the_cli_shows_control_characters_in_names_escaped_and_json_keeps_them(library: Path,
                                                                               tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    forged = folder / FORGERY
    forged.write_text("not a picture")
    picture = make_image(folder / "two\nlines \x1b[31mred.png", (64, 48), seed=1)
    result = cli(library, "import", "--campaign", "Spring", str(folder))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        f"rejected  {folder}/notes.jpg: not an image\\nimported 99, duplicates 0, linked 0, rejected 0: "
        "not an image: Pairframe takes JPEG, PNG, WebP, BMP, TIFF, GIF and AVIF",
        "imported 1, duplicates 0, linked 0, rejected 1"]

    table = cli(library, "assets", "--campaign", "Spring").stdout.splitlines()
    assert len(table) == 2 and "two\\nlines \\x1b[31mred.png" in table[1] and "\x1b" not in table[1]
    [asset] = json.loads(cli(library, "assets", "--campaign", "Spring", "--json").stdout)
    assert asset["name"] == picture.name

    report = json.loads(cli(library, "import", "--campaign", "Spring", "--json", str(forged)).stdout)
    assert report["outcomes"][0]["source"] == str(forged)


def test_error_text_shows_a_folder_name_on_one_line(small_disk: Callable[[int], Path]) -> None:
    disk = small_disk(16 * 1024 * 1024)
    library = make_library(disk / "lib\npairframe: all good")
    fill(disk, leave=0)
    result = cli(library, "client", "add", "Globex")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"pairframe: not enough disk space in {disk}/lib\\npairframe: all good: ")


def test_the_import_panel_shows_names_escaped(qtbot) -> None:
    panel = ImportPanel()
    qtbot.addWidget(panel)
    panel.start("Spring\nImport finished: 0 rejected")
    assert panel.title.text() == "Importing into Spring\\nImport finished: 0 rejected…"
    panel.show_report(ImportReport((
        ImportOutcome(f"/drop/{FORGERY}", ImportResult.REJECTED, "not an image"),
        ImportOutcome("/drop/<b>bold</b>\u202egpj.exe", ImportResult.IMPORTED, asset_id=1))))
    rows = panel.outcome_rows()
    assert rows == [
        ("Rejected", "/drop/notes.jpg: not an image\\nimported 99, duplicates 0, linked 0, rejected 0",
         "not an image"),
        ("Imported", "/drop/<b>bold</b>\\u202egpj.exe", "")]
    tooltip = panel.details.topLevelItem(1).toolTip(1)
    assert tooltip == "<qt>/drop/&lt;b&gt;bold&lt;/b&gt;\\u202egpj.exe</qt>"
    panel.show_error("the file a\nb failed")
    assert panel.title.text() == "Import failed: the file a\\nb failed"
