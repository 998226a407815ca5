"""The line above a campaign's workspace: which campaign, its status and budget, what it spent, what work in
flight has committed and what is left, and its details button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.core.domain import CampaignInfo
from app.core.money.budget import CampaignMoney
from app.ui.jobs.format import usd
from app.ui.widgets.forms import format_budget

STATUS_TEXT = {"draft": "Draft", "active": "Active", "archived": "Archived"}


def campaign_summary(campaign: CampaignInfo) -> str:
    """Status and budget in a few words, e.g. "Active · budget $1,500"."""
    budget = (f"budget ${format_budget(campaign.budget_usd)}" if campaign.budget_usd is not None
              else "no budget limit")
    return f"{STATUS_TEXT.get(campaign.status.value, campaign.status.value)} · {budget}"


def money_summary(money: CampaignMoney) -> str:
    """Spent, committed and left in a few words, e.g. "spent $12.40 · committed $3.20 · left $84.40"."""
    parts = [f"spent {usd(money.spent_usd)}", f"committed {usd(money.committed_usd)}"]
    if money.left_usd is not None:
        parts.append(f"left {usd(money.left_usd)}")
    return " · ".join(parts)


class CampaignHeader(QWidget):
    """Shows "Client › Campaign" with a summary and the campaign's money; ``details_requested`` when its button is
    pressed. Whoever shows a campaign here also hands it the campaign's money (``set_money``) as it changes."""

    details_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.campaign_id: int | None = None
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.summary = QLabel()
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.money = QLabel()
        self.money.setToolTip("Spent: what the campaign's calls cost (the ledger). Committed: what jobs still in "
                              "flight hold of the budget. Left: budget − spent − committed.")
        self.details_button = QPushButton("Campaign details…")
        self.details_button.setToolTip("Goal, audience, key messages, product URL, budget and status")
        self.details_button.clicked.connect(self.details_requested.emit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.money)
        layout.addStretch(1)
        layout.addWidget(self.details_button)

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        if campaign is None:
            self.campaign_id = None
            self.title.clear()
            self.summary.clear()
            self.money.clear()
            return
        if self.campaign_id != campaign.id:
            self.money.clear()
        self.campaign_id = campaign.id
        owner = f"{campaign.client_name} › " if campaign.client_name else ""
        self.title.setText(owner + campaign.name)
        self.summary.setText(campaign_summary(campaign))

    def set_money(self, money: CampaignMoney) -> None:
        """Show the money of the campaign on display (money of another campaign is ignored)."""
        if money.campaign_id == self.campaign_id:
            self.money.setText(money_summary(money))
