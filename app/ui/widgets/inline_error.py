"""A warning line under a form: hidden while there is nothing to say."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QWidget


class InlineError(QWidget):
    """Shows one message with the style's warning icon; ``clear()`` hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        self.setVisible(False)

    def show_message(self, message: str) -> None:
        self.label.setText(message[:1].upper() + message[1:] if message else "")
        self.setVisible(bool(message))

    def clear(self) -> None:
        self.show_message("")

    def message(self) -> str:
        """The message shown, or "" when hidden."""
        return "" if self.isHidden() else self.label.text()
