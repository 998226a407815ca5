"""The campaign's asset grid."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.domain import CampaignInfo
from app.core.services import Services
from app.ui.bridge import TaskBridge


class AssetsPage(QWidget):
    def __init__(self, services: Services, bridge: TaskBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bridge = bridge
        self.campaign: CampaignInfo | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The campaign's asset grid"))

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        self.campaign = campaign
