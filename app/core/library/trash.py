"""The library's trash: originals of deleted assets wait here, so Undo can bring them back, until it is emptied.

Every deletion that frees files moves them into one folder ``trash/<UTC time>-<token>/``; the folder's name says
when, so emptying what is older than 30 days needs no index. Moves are renames inside the library folder (one file
system), so a file is never half in the trash.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

KEEP_DAYS = 30
_STAMP = "%Y%m%dT%H%M%S"


class Trash:
    """Moves files into the trash folder ``root`` and back; empties it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def bin_for_now(self, now: datetime | None = None) -> Path:
        """A new, not yet created folder for one deletion's files."""
        stamp = (now or datetime.now(UTC)).strftime(_STAMP)
        return self.root / f"{stamp}-{secrets.token_hex(4)}"

    @staticmethod
    def move_in(source: Path, folder: Path) -> Path | None:
        """Move ``source`` into ``folder``; returns where it went (None when there was nothing to move)."""
        if not source.is_file():
            return None
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / source.name
        os.replace(source, target)
        return target

    @staticmethod
    def move_out(trashed: Path, target: Path) -> bool:
        """Put a trashed file back at ``target``; False when it is no longer in the trash."""
        if not trashed.is_file():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(trashed, target)
        with_nothing_left = trashed.parent
        if with_nothing_left.is_dir() and not any(with_nothing_left.iterdir()):
            with_nothing_left.rmdir()
        return True

    def empty(self, older_than: timedelta | None = None, now: datetime | None = None) -> int:
        """Delete what the trash holds (only folders older than ``older_than``, when given); returns the number of
        files deleted. Blocking: call it off the event loop."""
        if not self.root.is_dir():
            return 0
        limit = (now or datetime.now(UTC)) - older_than if older_than is not None else None
        removed = 0
        for folder in self._folders():
            if limit is not None and _folder_time(folder) > limit:
                continue
            files = sum(1 for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed += files
        return removed

    def file_count(self) -> int:
        return sum(1 for folder in self._folders() for p in folder.rglob("*") if p.is_file())

    def _folders(self) -> Iterable[Path]:
        return sorted(p for p in self.root.iterdir() if p.is_dir()) if self.root.is_dir() else []


def _folder_time(folder: Path) -> datetime:
    """When a trash folder was made: from its name, else from its modification time."""
    try:
        return datetime.strptime(folder.name.split("-", 1)[0], _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return datetime.fromtimestamp(folder.stat().st_mtime, UTC)


__all__ = ["KEEP_DAYS", "Trash"]
