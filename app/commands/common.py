"""What every sub-command shares: errors that become exit status 1, JSON output, confirmation."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any


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
    table = [headers, *rows]
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
    print(message, file=sys.stderr)
