"""What every sub-command shares: errors that become exit status 1, JSON output, confirmation.

Text for people escapes control characters in names (``printable``): a name holding a newline cannot break a
table or an error line, nor forge one. JSON keeps every name as it is.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.core.disk_space import NoSpaceError, is_no_space, no_space_message
from app.core.printable import printable


class CommandError(Exception):
    """The work failed; the message says why (exit status 1)."""


class UsageError(Exception):
    """The command line is wrong (exit status 2)."""


def to_jsonable(value: Any) -> Any:
    """Dataclasses, enums, paths and datetimes as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """Print one JSON document on standard output."""
    json.dump(to_jsonable(value), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(rows: list[list[str]], headers: list[str]) -> None:
    """A plain aligned table for people."""
    table = [headers, *([printable(str(cell)) for cell in row] for row in rows)]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(headers))]
    for row in table:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def confirm(question: str) -> bool:
    """Ask on the terminal; without one (scripts, CI) the answer is no."""
    if not sys.stdin or not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in {"y", "yes"}
    except EOFError:
        return False


def err(message: str) -> None:
    """Print one line for people on standard error."""
    print(printable(message), file=sys.stderr)


def disk_full_message(exc: BaseException, data_dir: Path) -> str | None:
    """The plain message for a command that failed because the disk holding the library is full (SQLite's
    "database or disk is full", ENOSPC, ...), or None when ``exc`` is about something else."""
    if not is_no_space(exc, data_dir):
        return None
    if isinstance(exc, NoSpaceError):
        return str(exc)
    return no_space_message(data_dir)
