"""The real launcher opens the main window offscreen and closes it cleanly; ``--version`` answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app import __version__

ROOT = Path(__file__).resolve().parents[2]
# The offscreen platform plugin says this once per window; it is Qt's notice, not an error of the app.
HARMLESS_STDERR = ("This plugin does not support propagateSizeHints()",)


def _launch(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT)


def _unexpected_stderr(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and line.strip() not in HARMLESS_STDERR]


def test_the_gui_starts_and_quits_cleanly_on_a_new_library(tmp_path: Path) -> None:
    library = tmp_path / "library"
    result = _launch("--data-dir", str(library), "--quit-after", "1")
    assert result.returncode == 0, result.stderr
    assert _unexpected_stderr(result.stderr) == []
    assert (library / "library.sqlite3").is_file()


def test_the_gui_reopens_an_existing_library(tmp_path: Path) -> None:
    library = tmp_path / "library"
    assert _launch("--data-dir", str(library), "--quit-after", "0.3").returncode == 0
    result = _launch("--quit-after", "0.3", env_extra={"PAIRFRAME_DATA_DIR": str(library)})
    assert result.returncode == 0, result.stderr
    assert _unexpected_stderr(result.stderr) == []


def test_version() -> None:
    result = _launch("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"Pairframe {__version__}"
