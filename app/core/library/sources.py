"""What an import is asked to read: files, folders (walked recursively) and http(s) URLs, as a flat list.

Folder walks follow symbolic links but visit each real folder once (a link loop cannot hang), go in name
order, and skip hidden entries (names starting with a dot) and operating-system litter silently. A file named
explicitly is always examined, hidden or not: the user asked for it. Every other entry gets an item, with the
true reason when it cannot be imported (a named pipe, a device, a broken link...): nothing is opened here, so a
named pipe cannot block the walk. A malformed address is an item with its reason, never an error of the import.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from app.core.library.validate import not_regular_reason, os_reason

# Folder entries that are never pictures and never worth a line in the report.
SYSTEM_LITTER = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db", "__macosx", "$recycle.bin",
                           "system volume information"})
_WIN_HIDDEN = getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0)
WEB_SCHEMES = ("http", "https")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


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


def url_problem(url: str) -> str:
    """Why ``url`` cannot be downloaded as an image, in plain words; "" when it is a well-formed http(s) address.

    Every address the importer connects to passes here first (redirect targets too), so a malformed one is
    rejected on its own instead of failing deep inside the network stack.
    """
    invalid = "not a valid web address"
    scheme, sep, _ = url.partition("://")
    if not sep:
        return "not a web address: it must start with http:// or https://"
    if scheme.lower() not in WEB_SCHEMES:
        return f"not a web address Pairframe can download ({scheme.lower()}:): use an http:// or https:// address"
    if _SPACE_OR_CONTROL.search(url):
        return f"{invalid}: it contains spaces or control characters (write a space as %20)"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{invalid}: the host name is malformed (check the [ ] around an IPv6 address)"
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raw = parts.netloc.rpartition(":")[2]
        return f"{invalid}: the port {raw} is not a number from 1 to 65535"
    host = parts.hostname
    if not host:
        return f"{invalid}: there is no host name"
    try:
        raw_host = httpx.URL(url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return f"{invalid}: the host name {host} is malformed"
    if ":" not in raw_host and not _valid_host_name(raw_host):  # an IPv6 address was checked by urlsplit
        return f"{invalid}: the host name {host} is malformed"
    return ""


def _valid_host_name(host: str) -> bool:
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)


def url_file_name(url: str) -> str:
    """A file name for a URL: the last segment of its path, decoded, or the host name."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "download"
    last = unquote(parts.path.rstrip("/").rpartition("/")[2])
    return last or host or "download"


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
    """Every input as items in order: folders expanded, URLs kept, problems (missing, unreadable, not a file,
    a malformed address) noted on their item.

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
            problem = url_problem(text)
            items.append(ImportItem(text, url_file_name(text), url=None if problem else text, problem=problem))
            continue
        path = Path(text).expanduser()
        info, problem = _look_at(path)
        if info is not None and stat.S_ISDIR(info.st_mode):
            items.extend(_walk(path, info, visited, stop))
        else:
            items.append(ImportItem(text, path.name, path, problem=problem))
    return items


def _look_at(path: Path) -> tuple[os.stat_result | None, str]:
    """What ``path`` leads to (links followed) and, unless it is a folder or a regular file, why it cannot be
    imported. Only ``stat``: nothing is opened."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ENOENT and path.is_symlink():
            return None, "broken symbolic link"
        return None, os_reason(exc)
    if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
        return info, ""
    return info, not_regular_reason(info.st_mode)


def _walk(folder: Path, info: os.stat_result, visited: set[tuple[int, int]],
          stop: threading.Event | None) -> Iterator[ImportItem]:
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
        found, problem = _look_at(path)
        if found is not None and stat.S_ISDIR(found.st_mode):
            yield from _walk(path, found, visited, stop)
        else:
            yield ImportItem(str(path), entry.name, path, problem=problem)
