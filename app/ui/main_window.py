"""The main window: clients and campaigns on the left, the selected campaign's workspace on the right."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QWidget

from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.campaign_workspace import CampaignWorkspace


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, services: Services, bridge: TaskBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bridge = bridge
        self.setWindowTitle("Pairframe")
        self.resize(1280, 800)
        self.workspace = CampaignWorkspace(services, bridge)
        self.setCentralWidget(self.workspace)
        bridge.task_failed.connect(lambda _name, message: self.statusBar().showMessage(message, 10_000))

    def start(self) -> None:
        """Work that begins once the window shows (resuming interrupted jobs, loading the sidebar...)."""

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()
