"""Staging an input inside the store: a private hidden copy that is read, hashed and validated, then renamed.

Copying first (a kernel-side copy, several times cheaper here than writing the bytes from Python) means the
bytes hashed and decoded are exactly the bytes kept, even if the original changes meanwhile. The source is
looked at before it is opened and opened without blocking, so a named pipe or a device is refused, never read.
A staged file is named ``.stage-*.part``: if the process dies, a later start removes it once it is stale
(``remove_stale_temp_files``). A full disk raises ``NoSpaceError``: it is not the input's fault.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from app.core.disk_space import ensure_room, space_checked
from app.core.library.validate import ImportRejected, check_regular, check_size, os_reason

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_CHUNK = 8 * 1024 * 1024


def new_stage_file(folder: Path, prefix: str = ".stage-") -> Path:
    """A fresh, empty, hidden ``.part`` file in ``folder``."""
    with space_checked(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=folder)
    os.close(fd)
    return Path(name)


def stage_copy(source: Path, folder: Path, max_bytes: int) -> Path:
    """Copy the candidate file ``source`` into a staged file in ``folder`` after the size checks.

    Raises ImportRejected (nothing is left behind) when the file is not a regular file, is empty, too large or
    unreadable, and NoSpaceError when ``folder``'s disk has no room for it.
    """
    try:
        check_regular(source.stat(), max_bytes)  # before opening: opening a device can have effects of its own
        fd = os.open(source, _OPEN_FLAGS)
    except OSError as exc:
        raise ImportRejected(os_reason(exc)) from None
    try:
        size = check_regular(os.fstat(fd), max_bytes)  # what was opened, in case the path changed meanwhile
        ensure_room(folder, size)
        staged = new_stage_file(folder)
        try:
            with staged.open("wb") as sink, space_checked(folder, size):
                copy_contents(fd, sink.fileno(), max_bytes + 1)
            check_size(staged.stat().st_size, max_bytes)  # it may have grown since it was checked
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
    except OSError as exc:  # a read error (a full disk raised NoSpaceError above)
        raise ImportRejected(os_reason(exc)) from None
    finally:
        os.close(fd)
    return staged


def copy_contents(source_fd: int, target_fd: int, limit: int) -> None:
    """Copy at most ``limit`` bytes from the start of ``source_fd`` to ``target_fd`` (in the kernel on Linux)."""
    copied = 0
    if sys.platform.startswith("linux"):
        while copied < limit:
            sent = os.sendfile(target_fd, source_fd, copied, min(_CHUNK, limit - copied))
            if sent == 0:
                return
            copied += sent
        return
    while copied < limit and (chunk := os.read(source_fd, min(_CHUNK, limit - copied))):
        view = memoryview(chunk)
        while view:
            view = view[os.write(target_fd, view):]
        copied += len(chunk)


def keep_staged(staged: Path, target: Path) -> bool:
    """Move the staged file to ``target`` durably and atomically (True); if ``target`` exists (same hash, same
    bytes) the staged copy is dropped instead (False). Raises NoSpaceError when the disk is full."""
    if target.is_file():
        staged.unlink(missing_ok=True)
        return False
    with space_checked(target.parent, staged.stat().st_size):
        with staged.open("rb+") as handle:
            os.fsync(handle.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    return True
