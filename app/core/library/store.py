"""The content-addressed store: originals named by their sha256 inside the library folder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from app.core.atomic import atomic_writer

CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class AssetStore:
    """Files under ``root/ab/abcdef….ext``; a file is written once and never modified."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str, fmt: str) -> Path:
        """Where the original with this hash and format (``jpeg``, ``png``…) lives."""
        return self.root / sha256[:2] / f"{sha256}.{fmt.lower()}"

    def contains(self, sha256: str, fmt: str) -> bool:
        return self.path_for(sha256, fmt).is_file()

    def put_file(self, source: Path, sha256: str, fmt: str) -> Path:
        """Copy ``source`` into the store atomically (a no-op when it is already there)."""
        target = self.path_for(sha256, fmt)
        if target.is_file():
            return target
        with source.open("rb") as src, atomic_writer(target) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        return target

    def put_bytes(self, data: bytes, sha256: str, fmt: str) -> Path:
        target = self.path_for(sha256, fmt)
        if target.is_file():
            return target
        with atomic_writer(target) as dst:
            dst.write(data)
        return target

    def remove(self, sha256: str, fmt: str) -> None:
        self.path_for(sha256, fmt).unlink(missing_ok=True)
