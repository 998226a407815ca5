"""A passing message in the status bar with one link ("Removed 3 images from “Spring”. Undo")."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

SHOWN_MS = 12_000


class StatusNote(QLabel):
    """Shows ``text`` and, with ``link_text``, a link that runs ``action`` once; hides after a while."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self._action: Callable[[], None] | None = None
        self._plain = ""
        self._timer = QTimer(self, singleShot=True, interval=SHOWN_MS)
        self._timer.timeout.connect(self.clear_note)
        self.linkActivated.connect(lambda _link: self.activate())
        self.hide()

    def show_note(self, text: str, link_text: str = "", action: Callable[[], None] | None = None) -> None:
        self._plain = f"{text} {link_text}".strip() if action else text
        self._action = action if link_text else None
        link = f' <a href="action">{html.escape(link_text)}</a>' if self._action else ""
        self.setText(html.escape(text) + link)
        self.show()
        self._timer.start()

    def plain_text(self) -> str:
        """What the note says (its link's text included), or "" when hidden."""
        return "" if self.isHidden() else self._plain

    def activate(self) -> None:
        """Run the link's action (once) and take the note away."""
        action, self._action = self._action, None
        self.clear_note()
        if action is not None:
            action()

    def clear_note(self) -> None:
        self._timer.stop()
        self._action = None
        self.setText("")
        self.hide()


__all__ = ["StatusNote"]
