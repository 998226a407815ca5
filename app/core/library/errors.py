"""The library's refusals, and the checks of typed-in fields every part of the service shares."""

from __future__ import annotations


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


__all__ = ["LibraryError", "NotesConflict", "check_fields", "required"]
