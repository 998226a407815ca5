"""Logging to a rotating file in the library folder, with every known API key redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

LOG_FILE = "pairframe.log"
_KEY_ENV_VARS = ("REPLICATE_API_TOKEN", "XAI_API_KEY")
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Make sure ``value`` never appears in a log record (keys read from the keyring register here)."""
    if value and len(value) >= 6:
        _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    for secret in _secrets | {os.environ.get(v, "") for v in _KEY_ENV_VARS} - {""}:
        if len(secret) >= 6 and secret in text:
            text = text.replace(secret, "[redacted]")
    return text


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
