"""Atomic file writes: every file is written to a temporary name beside its target, then renamed.

Temporary files are private (``0600``); the renamed file gets the mode any new file gets under the user's umask.
A tool that writes a path itself (FFmpeg, a download) writes a *partial* (``.<stem>.<random>.part<suffix>``) that
this process holds locked while it exists: a partial nobody holds was left by a process that died, and is removed
at start-up or before the next write to the same target.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

if sys.platform != "win32":
    import fcntl

STALE_AFTER_S = 600.0


def _umask_now() -> int:
    """The process's umask, without changing it (Linux reports it); elsewhere the one read at start."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return _UMASK_AT_START


def _read_umask_once() -> int:
    mask = os.umask(0o022)  # at import: one thread, and the old value goes straight back
    os.umask(mask)
    return mask


_UMASK_AT_START = _read_umask_once()


def publish(temp: Path, target: Path) -> None:
    """Rename the finished ``temp`` onto ``target``, with the mode a new file gets under the user's umask."""
    os.chmod(temp, 0o666 & ~_umask_now())
    os.replace(temp, target)


@contextlib.contextmanager
def atomic_writer(target: Path) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``target`` only if the block finishes without an exception."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        publish(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_writer(target) as handle:
        handle.write(data)


def atomic_write_text(target: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    atomic_write_bytes(target, text.encode("utf-8"))


# ---- partials: files a tool writes under a temporary name ---------------------------------------------------
def _partial_pattern(target: Path) -> str:
    return f".{glob.escape(target.stem)}.*.part{glob.escape(target.suffix)}"


def _is_partial_name(name: str) -> bool:
    """A partial's name has a suffix after ``.part``; other temporaries end in ``.part``."""
    head, mark, tail = name.rpartition(".part")
    return bool(mark) and name.startswith(".") and tail.startswith(".") and len(tail) > 1 and bool(head)


@contextlib.contextmanager
def partial_file(target: Path) -> Iterator[Path]:
    """A fresh, private temporary path beside ``target`` for a tool to write, held for the block.

    While the block runs no sweep (of any process) removes it; it is removed at the end unless it was renamed
    (``publish``). If this process dies, the hold ends with it and the next sweep removes the file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent)
        path = Path(name)
        if _hold(fd, path):
            break
        os.close(fd)  # a sweep removed it between its creation and the hold: make another
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
        if sys.platform != "win32":
            os.close(fd)


def _hold(fd: int, path: Path) -> bool:
    """Lock the new partial for as long as ``fd`` is open; False when it was removed before the lock was taken.

    Windows keeps nothing open (an open file cannot be renamed there); a file a tool has open cannot be deleted
    there either, which is what a sweep relies on."""
    if sys.platform == "win32":
        os.close(fd)
        return True
    fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a sweep holds it to remove it
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _remove_if_abandoned(path: Path) -> bool:
    """Remove a partial that no live process holds; True when it was removed."""
    if sys.platform == "win32":
        try:
            path.unlink()
        except OSError:  # open in a tool that is still writing it
            return False
        return True
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: being written right now
            return False
        try:
            path.unlink()
        except OSError:
            return False
        return True
    finally:
        os.close(fd)


def remove_abandoned_partials(target: Path) -> int:
    """Remove the partials of ``target`` (beside it) that processes which died left behind; returns how many."""
    folder = target.parent
    if not folder.is_dir():
        return 0
    return sum(_remove_if_abandoned(path) for path in folder.glob(_partial_pattern(target)) if path.is_file())


def remove_stale_temp_files(folder: Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Delete ``.*.part*`` leftovers of writes a crash interrupted; returns how many were removed.

    A partial (``.<stem>.<random>.part<suffix>``) goes as soon as no process holds it. Other temporary files go
    only when untouched for ``older_than_s``: a write in progress in another process of the same library (a CLI
    run beside the GUI) keeps its temporary file fresh.
    """
    removed = 0
    if not folder.exists():
        return 0
    cutoff = time.time() - older_than_s
    for path in folder.rglob(".*.part*"):
        try:
            if not path.is_file():
                continue
            if _is_partial_name(path.name):
                removed += _remove_if_abandoned(path)
            elif path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed
