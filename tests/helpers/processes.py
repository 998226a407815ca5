"""What a killed Pairframe may leave behind: processes still running, partial files beside their targets."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.core.media.ffmpeg import background_ffmpeg_command


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


def ffmpeg_processes_mentioning(text: str) -> list[int]:
    """Pids of the FFmpeg processes whose command line holds ``text``: the executable itself, not a launcher
    (``chrt``, ``setpriv``) caught in the instant before it has set the process up and started FFmpeg."""
    pids = []
    for pid, _line in processes_mentioning(text):
        try:
            executable = Path(os.readlink(f"/proc/{pid}/exe")).name
        except OSError:  # it ended meanwhile
            continue
        if executable.startswith("ffmpeg"):
            pids.append(pid)
    return pids


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


def runs_in_background(pid: int) -> bool:
    """Whether every thread of ``pid`` only takes a core nobody else wants: the idle scheduling class where
    ``chrt`` can give it (a nice value merely shares the cores out by weight), else a niceness of 10 or more."""
    threads = [int(t.name) for t in Path(f"/proc/{pid}/task").iterdir()]
    if background_ffmpeg_command()[0].endswith("chrt"):
        return all(os.sched_getscheduler(t) == os.SCHED_IDLE for t in threads)
    return all(os.getpriority(os.PRIO_PROCESS, t) >= 10 for t in threads)
