"""A full disk told apart from a bad input: detection, a check before writing, and the one message people see.

A write that fails for lack of space is never the fault of the file being written: imports stop at the first one
instead of rejecting input after input, and every command says which folder is full and how much space it needs.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

RESERVE_BYTES = 8 * 1024 * 1024  # kept free for the database, its journal and thumbnails
_NO_SPACE_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SQLITE_FULL = "database or disk is full"
_SQLITE_IO = "disk I/O error"  # what SQLite says when it cannot even grow its shared-memory file


class NoSpaceError(Exception):
    """The disk holding ``folder`` is full, or would be after writing ``needed`` more bytes."""

    def __init__(self, folder: Path, needed: int = 0) -> None:
        self.folder = folder
        self.needed = needed
        super().__init__(no_space_message(folder, needed))


def human_bytes(count: float) -> str:
    """``52428800`` → ``50 MB`` (binary units, as file managers show them)."""
    units = ("bytes", "KB", "MB", "GB", "TB")
    value, unit = float(count), 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.0f} {units[unit]}" if unit == 0 or value == int(value) else f"{value:.1f} {units[unit]}"


def free_bytes(folder: Path) -> int | None:
    """Free space for an unprivileged writer on the disk holding ``folder`` (or its nearest existing parent)."""
    for candidate in (folder, *folder.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def ensure_room(folder: Path, size: int) -> None:
    """Raise NoSpaceError unless ``size`` bytes fit in ``folder`` with RESERVE_BYTES left over."""
    free = free_bytes(folder)
    if free is not None and free < size + RESERVE_BYTES:
        raise NoSpaceError(folder, size + RESERVE_BYTES)


def is_no_space(exc: BaseException, folder: Path | None = None) -> bool:
    """Whether ``exc`` (or what caused it) is a write that failed for lack of space: ENOSPC or EDQUOT, or SQLite's
    "database or disk is full" (also through SQLAlchemy). With ``folder``, SQLite's "disk I/O error" counts too
    when that folder's disk is indeed nearly full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NoSpaceError):
            return True
        if isinstance(current, OSError) and current.errno in _NO_SPACE_ERRNOS:
            return True
        if isinstance(current, sqlite3.Error):
            text = str(current)
            if _SQLITE_FULL in text:
                return True
            if _SQLITE_IO in text and folder is not None:
                free = free_bytes(folder)
                return free is not None and free < RESERVE_BYTES
        original = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
        current = original if isinstance(original, BaseException) else (current.__cause__ or current.__context__)
    return False


def space_needed(folder: Path, needed: int) -> str:
    """``about 40 MB of free space there (3 MB free)``: what a folder's disk lacks (at least RESERVE_BYTES)."""
    free = free_bytes(folder)
    shown_free = "" if free is None else f" ({human_bytes(free)} free)"
    return f"about {human_bytes(max(needed, RESERVE_BYTES))} of free space there{shown_free}"


def no_space_message(folder: Path, needed: int = 0) -> str:
    """The plain message for a full disk: which folder, how much space is needed, what to do."""
    return f"not enough disk space in {folder}: this needs {space_needed(folder, needed)}. Free up space and try again."


@contextlib.contextmanager
def space_checked(folder: Path, needed: int = 0) -> Iterator[None]:
    """Turn a write's ENOSPC/EDQUOT inside the block into NoSpaceError naming ``folder``."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _NO_SPACE_ERRNOS:
            raise NoSpaceError(folder, needed + RESERVE_BYTES) from exc
        raise
