"""Atomic file writes: every file is written to a temporary name beside its target, then renamed."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


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
        os.replace(tmp, target)
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


def temp_path_for(target: Path) -> Path:
    """A fresh temporary path beside ``target`` (for tools such as ffmpeg that write a path themselves)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent)
    os.close(fd)
    return Path(tmp_name)


STALE_AFTER_S = 600.0


def remove_stale_temp_files(folder: Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Delete ``.*.part*`` leftovers of writes a crash interrupted; returns how many were removed.

    Only files untouched for ``older_than_s`` go: a write in progress in another process of the same library
    (a CLI run beside the GUI) keeps its temporary file fresh.
    """
    removed = 0
    if not folder.exists():
        return 0
    cutoff = time.time() - older_than_s
    for path in folder.rglob(".*.part*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                removed += 1
        except OSError:
            continue
    return removed
