"""What an import is asked to read: files, folders (walked recursively) and http(s) URLs, as a flat list.

Folder walks follow symbolic links but visit each real folder once (a link loop cannot hang), go in name
order, and skip hidden entries (names starting with a dot) and operating-system litter silently. A file named
explicitly is always examined, hidden or not: the user asked for it.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from app.core.library.validate import os_reason

# Folder entries that are never pictures and never worth a line in the report.
SYSTEM_LITTER = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", "__macosx", "$recycle.bin",
                           "system volume information"})
_WIN_HIDDEN = getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0)


@dataclass(frozen=True, slots=True)
class ImportItem:
    """One input of an import: a local file or a URL, or a problem found before reading anything."""

    source: str  # what the report names: the path as found, or the URL
    name: str  # the original file name recorded with the asset
    path: Path | None = None
    url: str | None = None
    problem: str = ""


def is_url(text: str) -> bool:
    """Whether ``text`` looks like a URL rather than a path (``scheme://``)."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isascii() and scheme.isalpha() and len(scheme) > 1


def url_file_name(url: str) -> str:
    """A file name for a URL: the last segment of its path, decoded, or the host name."""
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rpartition("/")[2])
    return last or parts.hostname or "download"


def is_hidden(entry: os.DirEntry[str]) -> bool:
    """Dot-files, Windows hidden files and system litter such as ``Thumbs.db`` or ``__MACOSX``."""
    if entry.name.startswith(".") or entry.name.lower() in SYSTEM_LITTER:
        return True
    if os.name == "nt":
        try:
            return bool(getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0) & _WIN_HIDDEN)
        except OSError:
            return False
    return False


def expand_sources(sources: Sequence[str], stop: threading.Event | None = None) -> list[ImportItem]:
    """Every input as items in order: folders expanded, URLs kept, problems (missing, unreadable) noted.

    Blocking (it walks the file system); returns what was found so far once ``stop`` is set.
    """
    items: list[ImportItem] = []
    visited: set[tuple[int, int]] = set()
    for raw in sources:
        if stop is not None and stop.is_set():
            break
        text = str(raw).strip()
        if not text:
            continue
        if is_url(text):
            scheme = text.partition("://")[0].lower()
            if scheme in ("http", "https"):
                items.append(ImportItem(text, url_file_name(text), url=text))
            else:
                items.append(ImportItem(text, url_file_name(text), problem=f"unsupported URL scheme ({scheme}:)"))
            continue
        path = Path(text).expanduser()
        if path.is_dir():
            items.extend(_walk(path, visited, stop))
        elif path.is_symlink() and not path.exists():
            items.append(ImportItem(text, path.name, path, problem="broken symbolic link"))
        elif not path.exists():
            items.append(ImportItem(text, path.name, path, problem="not found"))
        else:
            items.append(ImportItem(text, path.name, path))
    return items


def _walk(folder: Path, visited: set[tuple[int, int]], stop: threading.Event | None) -> Iterator[ImportItem]:
    try:
        info = folder.stat()
    except OSError as exc:
        yield ImportItem(str(folder), folder.name, folder, problem=os_reason(exc))
        return
    key = (info.st_dev, info.st_ino)
    if key in visited:  # a link back to a folder already walked
        return
    visited.add(key)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: (e.name.casefold(), e.name))
    except OSError as exc:
        yield ImportItem(str(folder), folder.name, folder, problem=f"folder {os_reason(exc)}")
        return
    for entry in entries:
        if stop is not None and stop.is_set():
            return
        if is_hidden(entry):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
            is_file = entry.is_file(follow_symlinks=True)
        except OSError as exc:
            yield ImportItem(str(path), entry.name, path, problem=os_reason(exc))
            continue
        if is_dir:
            yield from _walk(path, visited, stop)
        elif is_file:
            yield ImportItem(str(path), entry.name, path)
        elif entry.is_symlink():
            yield ImportItem(str(path), entry.name, path, problem="broken symbolic link")
        # sockets, pipes and devices are not files a user means to import
