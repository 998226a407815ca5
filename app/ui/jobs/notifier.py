"""Never-modal notices that a job finished: a desktop notification where the system offers one."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

TRAY_MESSAGE_MS = 8000


class JobNotifier(QObject):
    """``notify`` shows a tray message when a system tray exists; ``notified`` always fires (for a banner)."""

    notified = Signal(str, str)  # title, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tray: QSystemTrayIcon | None = None
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self._hide_tray)

    @staticmethod
    def desktop_available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages()

    def notify(self, title: str, message: str, *, failed: bool = False) -> None:
        """Tell the user, without interrupting."""
        if self.desktop_available():
            if self._tray is None:
                self._tray = QSystemTrayIcon(_app_icon(), self)
            self._tray.show()
            icon = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
            self._tray.showMessage(title, message, icon, TRAY_MESSAGE_MS)
            self._hide_timer.start(TRAY_MESSAGE_MS + 2000)
        self.notified.emit(title, message)

    def _hide_tray(self) -> None:
        if self._tray is not None:
            self._tray.hide()


def _app_icon() -> QIcon:
    app = QApplication.instance()
    icon = app.windowIcon() if isinstance(app, QApplication) else QIcon()
    if icon.isNull() and isinstance(app, QApplication):
        icon = app.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
    return icon
