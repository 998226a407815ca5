"""A folder of real images in every accepted format mixed with damaged copies of them: every file gets an
outcome, the damaged ones a reason in plain words, and the terminal stays quiet."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from tests.faults.conftest import cli_import_json
from tests.helpers.images import make_image

FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "tif": "TIFF", "gif": "GIF", "avif": "AVIF"}
PLAIN_REASONS = ("damaged image", "not an image: ", "unsupported image format (", "empty file (0 bytes)")


def damaged_copies(original: Path, folder: Path, rng: random.Random) -> list[Path]:
    """Copies of ``original`` cut short, with bytes flipped, with a zeroed middle, reduced to their header."""
    data = original.read_bytes()
    middle = len(data) // 2
    variants = {
        "cut-25": data[:len(data) // 4],
        "cut-90": data[:len(data) * 9 // 10],
        "header": data[:64],
        "zeroed": data[:middle] + bytes(min(4096, len(data) - middle)) + data[middle + 4096:],
        "flipped": bytes(b ^ 0xFF if rng.random() < 0.01 and i > 32 else b for i, b in enumerate(data)),
        "noise": rng.randbytes(len(data)),
    }
    paths = []
    for label, content in variants.items():
        path = folder / f"{original.stem} {label}{original.suffix}"
        path.write_bytes(content)
        paths.append(path)
    return paths


@pytest.mark.slow  # 52 files of every kind through the CLI
def test_every_file_of_a_mixed_folder_gets_an_outcome(library: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    rng = random.Random(7)
    files: list[Path] = []
    for index, (suffix, fmt) in enumerate(FORMATS.items()):
        original = make_image(folder / f"real {index}.{suffix}", (240, 180), fmt=fmt, seed=index)
        files += [original, *damaged_copies(original, folder, rng)]
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("a list of shots\n")
    Image.new("RGB", (16, 16)).save(folder / "icon.ico")
    files += [folder / "empty.png", folder / "notes.txt", folder / "icon.ico"]

    result, report = cli_import_json(library, str(folder))
    assert result.returncode == 0
    assert result.stderr == ""
    outcomes = {Path(o["source"]).name: o for o in report["outcomes"]}
    assert sorted(outcomes) == sorted(p.name for p in files)
    for name in (f"real {i}.{suffix}" for i, suffix in enumerate(FORMATS)):
        assert outcomes[name]["result"] == "imported", outcomes[name]
    for outcome in report["outcomes"]:
        assert outcome["result"] in ("imported", "rejected", "duplicate"), outcome
        if outcome["result"] == "rejected":
            assert outcome["reason"].startswith(PLAIN_REASONS), outcome
    with sqlite3.connect(library / "library.sqlite3") as db:
        stored = [library / "store" / sha[:2] / f"{sha}.{fmt}" for sha, fmt in
                  db.execute("SELECT sha256, format FROM assets")]
    assert len(stored) == report["imported"]
    for path in stored:  # whatever was accepted really is a whole image
        with Image.open(path) as img:
            img.load()
