"""Logging to a rotating file in the library folder, with every known API key redacted."""

from __future__ import annotations

import functools
import json
import logging
import logging.handlers
import os
import re
import sys
import urllib.parse
from pathlib import Path

LOG_FILE = "pairframe.log"
REDACTED = "[redacted]"
MIN_SECRET_CHARS = 6  # shorter values are not keys, and replacing them would mangle ordinary text
MIN_PIECE_CHARS = 12  # any piece of a key this long is removed too (a key cut by a message or a line break)
_KEY_ENV_VARS = ("REPLICATE_API_TOKEN", "XAI_API_KEY", "PAIRFRAME_VISION_API_KEY", "PGPASSWORD")
# The password part of any URL (a team library's postgresql://user:password@host/db), whatever its length
_URL_PASSWORD = re.compile(r"(\w[\w+.-]*://[^:/@\s]*:)\S*@")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Make sure ``value`` never appears in a log record (keys read from the keyring register here)."""
    if value and len(value.strip()) >= MIN_SECRET_CHARS:
        _secrets.add(value)


def _lower_hex(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), text)


def written_forms(secret: str) -> set[str]:
    """The ways ``secret`` shows up in text: as it is, trimmed, escaped the way ``repr``, ``ascii``, JSON and
    ``unicode_escape`` write it (``\\r``, ``\\n``, ``\\xe9``, ``\\u00e9``), as the ``repr`` of its UTF-8 bytes,
    and percent-encoded (upper- and lower-case hex, ``%20`` or ``+`` for a space)."""
    forms: set[str] = set()
    for value in {secret, secret.strip()}:
        if len(value) < MIN_SECRET_CHARS:
            continue
        raw = value.encode("utf-8", "surrogateescape")  # an environment value may hold undecodable bytes
        quoted = [urllib.parse.quote(raw, safe=""), urllib.parse.quote_plus(raw, safe="")]
        forms.update({value, repr(value)[1:-1], ascii(value)[1:-1], json.dumps(value)[1:-1],
                      json.dumps(value, ensure_ascii=False)[1:-1],
                      value.encode("unicode_escape", "backslashreplace").decode("ascii"),
                      repr(raw)[2:-1], *quoted, *map(_lower_hex, quoted)})
    return forms


class _Matcher:
    """Finds every written form of some secrets, and every ``MIN_PIECE_CHARS``-long piece of one, in a text."""

    def __init__(self, secrets: frozenset[str]) -> None:
        forms = set().union(*(written_forms(s) for s in secrets)) if secrets else set()
        self.whole = sorted(forms, key=len, reverse=True)
        self.pieces = frozenset(form[i:i + MIN_PIECE_CHARS] for form in forms
                                for i in range(len(form) - MIN_PIECE_CHARS + 1))

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for form in self.whole:
            start = text.find(form)
            while start >= 0:
                found.append((start, start + len(form)))
                start = text.find(form, start + 1)
        if self.pieces:
            found.extend((i, i + MIN_PIECE_CHARS) for i in range(len(text) - MIN_PIECE_CHARS + 1)
                         if text[i:i + MIN_PIECE_CHARS] in self.pieces)
        return found

    def redact(self, text: str) -> str:
        merged: list[list[int]] = []
        for start, end in sorted(self.spans(text)):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        if not merged:
            return text
        parts, position = [], 0
        for start, end in merged:
            parts += [text[position:start], REDACTED]
            position = end
        parts.append(text[position:])
        return "".join(parts)


@functools.lru_cache(maxsize=8)
def _matcher(secrets: frozenset[str]) -> _Matcher:
    return _Matcher(secrets)


def redact(text: str) -> str:
    """``text`` without any registered or environment key: in any written form (escaped, as bytes,
    percent-encoded) and without any piece of one of ``MIN_PIECE_CHARS`` characters or more."""
    environment = {os.environ.get(v, "") for v in _KEY_ENV_VARS}
    secrets = frozenset(s for s in _secrets | environment if len(s.strip()) >= MIN_SECRET_CHARS)
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    return _matcher(secrets).redact(text) if secrets else text


class RedactingFormatter(logging.Formatter):
    """Formats as usual (traceback included), then removes secrets from the whole text."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(log_dir: Path, *, verbose: bool = False, console: bool = False) -> Path | None:
    """Log to ``log_dir/pairframe.log`` (rotated at 2 MB, 5 kept); returns the file, or None if unwritable."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_pairframe", False):
            root.removeHandler(handler)
            handler.close()
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    path: Path | None = log_dir / LOG_FILE
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5,
                                                            encoding="utf-8", delay=True)
        file_handler.setFormatter(formatter)
        file_handler._pairframe = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
    except OSError:
        path = None
    if verbose or not console:
        stream = logging.StreamHandler(sys.stderr)
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(formatter)
        stream._pairframe = True  # type: ignore[attr-defined]
        root.addHandler(stream)
    for noisy in ("httpx", "httpcore", "httpx2", "openai", "replicate", "asyncio", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
