"""The line above a campaign's workspace: which campaign, its status and budget, and its details button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.domain import CampaignInfo
from app.ui.widgets.forms import format_budget

STATUS_TEXT = {"draft": "Draft", "active": "Active", "archived": "Archived"}


def campaign_summary(campaign: CampaignInfo) -> str:
    """Status and budget in a few words, e.g. "Active · budget $1,500"."""
    budget = (f"budget ${format_budget(campaign.budget_usd)}" if campaign.budget_usd is not None
              else "no budget limit")
    return f"{STATUS_TEXT.get(campaign.status.value, campaign.status.value)} · {budget}"


class CampaignHeader(QWidget):
    """Shows "Client › Campaign" with a summary; ``details_requested`` when its button is pressed."""

    details_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.details_button = QPushButton("Campaign details…")
        self.details_button.setToolTip("Goal, audience, key messages, product URL, budget and status")
        self.details_button.clicked.connect(self.details_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.details_button)

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        if campaign is None:
            self.title.clear()
            self.summary.clear()
            return
        owner = f"{campaign.client_name} › " if campaign.client_name else ""
        self.title.setText(owner + campaign.name)
        self.summary.setText(campaign_summary(campaign))
