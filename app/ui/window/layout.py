"""The main window's remembered layout: its geometry, docks and splitter, kept in ``QSettings``."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QSplitter


class LayoutMemoryMixin:
    """Part of ``MainWindow``: the layout saved at close and restored on the first show (else a default size)."""

    ui_settings: QSettings
    splitter: QSplitter

    def _restore_layout(self) -> None:
        geometry = self.ui_settings.value("window/geometry")
        if not geometry or not self.restoreGeometry(geometry):
            self._default_size()
        if state := self.ui_settings.value("window/state"):
            self.restoreState(state)
        if splitter := self.ui_settings.value("window/splitter"):
            self.splitter.restoreState(splitter)

    def _default_size(self) -> None:
        """1280×800, or less on a small screen."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1280, 800
        if screen is not None:
            width, height = min(width, int(screen.width() * 0.9)), min(height, int(screen.height() * 0.9))
        self.resize(width, height)

    def _save_layout(self) -> None:
        self.ui_settings.setValue("window/geometry", self.saveGeometry())
        self.ui_settings.setValue("window/state", self.saveState())
        self.ui_settings.setValue("window/splitter", self.splitter.saveState())
        self.ui_settings.sync()
