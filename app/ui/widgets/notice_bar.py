"""A dismissible bar across the top of the window: the one place notices (information and errors) appear."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QWidget


class NoticeBar(QFrame):
    """One message with an optional action button and a close button; hidden until ``show_notice``.

    An error is marked by the style's warning icon and the palette's highlighted colours (never a hard-coded
    colour, so it reads in light and dark themes alike).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.close_button = QToolButton()
        self.close_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.close_button)
        self._action: Callable[[], None] | None = None
        self.key = ""
        self.error = False
        self.action_button.clicked.connect(self._run_action)
        self.hide()

    def show_notice(self, text: str, action_text: str = "", action: Callable[[], None] | None = None, *,
                    error: bool = False, key: str = "") -> None:
        """Show ``text`` (replacing what is shown); with ``action_text`` a button runs ``action`` and dismisses."""
        self.label.setText(text)
        self._action = action
        self.key = key
        self.error = error
        self.action_button.setText(action_text)
        self.action_button.setVisible(bool(action_text and action))
        icon = QStyle.StandardPixmap.SP_MessageBoxWarning if error else QStyle.StandardPixmap.SP_MessageBoxInformation
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        self.setBackgroundRole(QPalette.ColorRole.ToolTipBase if error else QPalette.ColorRole.AlternateBase)
        self.label.setForegroundRole(QPalette.ColorRole.ToolTipText if error else QPalette.ColorRole.WindowText)
        self.show()

    def withdraw(self, key: str) -> None:
        """Hide the notice if it is the one with ``key``."""
        if key and self.key == key:
            self.hide()

    def text(self) -> str:
        """The notice shown, or "" when hidden."""
        return "" if self.isHidden() else self.label.text()

    def _run_action(self) -> None:
        action = self._action
        self.hide()
        if action is not None:
            action()
