"""Point the app's logging at a test folder and put the root logger back afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.logging_setup import configure_logging


@contextmanager
def app_logging(log_dir: Path, **options: bool) -> Iterator[Path]:
    """``configure_logging(log_dir)`` for the duration; yields the log file."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    path = configure_logging(log_dir, **options)
    assert path is not None
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level)


def read_logs(log_dir: Path) -> str:
    """Every log file in ``log_dir`` (rotated ones included), flushed and concatenated."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(log_dir.glob("*.log*")))
