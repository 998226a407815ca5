"""The library's refusals, and the checks of typed-in fields every part of the service shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError


class LibraryError(Exception):
    """A library action the user asked for cannot be done; the message says why."""


class NotesConflict(LibraryError):
    """Someone else saved the asset's notes since they were read: nothing was saved; merge and save again."""

    def __init__(self, asset_id: int, theirs: str, version: int, by: str) -> None:
        who = by or "someone else"
        super().__init__(f"{who} changed these notes while you were editing them: your text was not saved. "
                         "Merge the two and save again.")
        self.asset_id, self.theirs, self.version, self.by = asset_id, theirs, version, by


def required(value: str, what: str) -> str:
    """``value`` without surrounding whitespace; refused when that leaves nothing."""
    value = (value or "").strip()
    if not value:
        raise LibraryError(f"the {what} is empty")
    return value


def check_fields(fields: dict[str, object], allowed: set[str]) -> None:
    """Refuse an update that names a field outside ``allowed``."""
    unknown = set(fields) - allowed
    if unknown:
        raise LibraryError(f"unknown field(s): {', '.join(sorted(unknown))}")


@contextmanager
def name_taken_meanwhile(table: str, message: str) -> Iterator[None]:
    """Turn the database's refusal of a name in ``table`` into ``LibraryError(message)``: on a team library another
    process can take the name between the service's check and its write (the unique indexes hold the line)."""
    try:
        yield
    except IntegrityError as exc:
        detail = str(exc.orig)
        # PostgreSQL names the index; SQLite names the column, or the index when it is on an expression
        if f"uq_{table}_" not in detail and f"{table}.name" not in detail:
            raise
        raise LibraryError(message) from None


__all__ = ["LibraryError", "NotesConflict", "check_fields", "name_taken_meanwhile", "required"]
