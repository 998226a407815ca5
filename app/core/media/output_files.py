"""Putting finished files in place: renamed over their target, with the mode the user's umask gives."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

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
    """Give ``temp`` the mode a new file gets under the user's umask, then rename it onto ``target``."""
    chmod_to_umask(temp)
    try:
        os.replace(temp, target)
    except OSError as exc:  # e.g. the old file is open in a player on Windows
        raise DeliverError(f"cannot replace {target}: {exc.strerror or exc}") from None


def chmod_to_umask(path: Path) -> None:
    """Give ``path`` the mode a new file gets under the user's umask (temporary files are created 0600)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~current_umask())


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
