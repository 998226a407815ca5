"""Putting finished deliverables in place, and their checksums."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.core import atomic
from app.core.media.deliver_options import DeliverError


def sha256_of(path: Path) -> tuple[int, str]:
    """The size and sha256 of a file (blocking)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def publish(temp: Path, target: Path) -> None:
    """Rename the finished ``temp`` onto ``target`` with the mode the user's umask gives (``atomic.publish``)."""
    try:
        atomic.publish(temp, target)
    except OSError as exc:  # e.g. the old file is open in a player on Windows
        raise DeliverError(f"cannot replace {target}: {exc.strerror or exc}") from None
