"""Copying a finished video to where the user wants it: atomically, hashing it on the way."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.core.atomic import atomic_writer

CHUNK = 1024 * 1024


def copy_with_hash(source: Path, target: Path) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (temp name, then rename); returns the bytes copied and their sha256.

    Blocking: run it in an executor.
    """
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, atomic_writer(target) as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
    return size, digest.hexdigest()
