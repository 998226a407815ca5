"""What a killed Pairframe may leave behind: processes still running, partial files beside their targets."""

from __future__ import annotations

import os
import time
from pathlib import Path


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """(pid, command line) of every process of this machine whose command line holds ``text`` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:  # it ended meanwhile
            continue
        if text in line:
            found.append((int(entry.name), line.strip()))
    return found


def orphans_after(text: str, grace_s: float = 1.0) -> list[tuple[int, str]]:
    """The processes mentioning ``text`` still running after ``grace_s`` (a child killed with its parent is gone
    within milliseconds; an orphan FFmpeg goes on encoding)."""
    deadline = time.monotonic() + grace_s
    while (left := processes_mentioning(text)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def partials(folder: Path) -> list[Path]:
    """Temporary files (``.*.part*``) anywhere under ``folder``."""
    return sorted(p for p in folder.rglob(".*.part*") if p.is_file())
