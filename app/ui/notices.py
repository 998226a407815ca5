"""The one way a page tells the user something: a notice (information or error), shown by the main window.

A page asks ``Notices`` to show or clear a notice; it never draws its own banner. A notice may carry one action
(a button) and a ``key``: a newer notice with the same key replaces it, and ``clear(key)`` withdraws it once it
no longer holds (a "job finished" notice when the next job starts). A passing remark about something just done
("Removed 3 images from the campaign · Undo") goes to the status bar instead, through ``status``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from app.ui.bridge import describe_error


class Level(enum.StrEnum):
    INFO = "info"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notice:
    text: str
    level: Level = Level.INFO
    key: str = ""
    action_text: str = ""
    action: Callable[[], None] | None = None


class Notices(QObject):
    """Posts notices for the window to show; ``shown(Notice)`` and ``cleared(key)`` carry them."""

    shown = Signal(object)  # Notice
    cleared = Signal(str)  # key
    status_shown = Signal(object)  # Notice: a passing message for the status bar, its action as a link

    def info(self, text: str, *, key: str = "", action_text: str = "",
             action: Callable[[], None] | None = None) -> None:
        self.shown.emit(Notice(text, Level.INFO, key, action_text, action))

    def error(self, what: str, problem: BaseException | str = "", *, key: str = "", action_text: str = "",
              action: Callable[[], None] | None = None) -> None:
        """Show "what: why" (``problem`` is an exception, described without keys, or a sentence)."""
        detail = describe_error(problem) if isinstance(problem, BaseException) else problem
        text = f"{what}: {detail}" if what and detail else what or detail
        self.shown.emit(Notice(text[:1].upper() + text[1:], Level.ERROR, key, action_text, action))

    def status(self, text: str, *, action_text: str = "", action: Callable[[], None] | None = None) -> None:
        """Say in the status bar what was just done, with an optional link (Undo) that runs ``action``."""
        self.status_shown.emit(Notice(text, Level.INFO, "", action_text, action))

    def clear(self, key: str) -> None:
        """Withdraw the notice with ``key`` if it is still shown."""
        self.cleared.emit(key)
