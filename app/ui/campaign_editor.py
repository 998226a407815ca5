"""A campaign's details in a dialog (opened from the sidebar or the workspace's "Campaign details…" button).

The workspace's tabs keep the campaign's work (assets, pairs, clips, the ad); the brief lives here. Creating and
editing share the form; saving is one ``LibraryService`` call through the bridge, refusals show under the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from app.core.domain import CampaignInfo, CampaignStatus, ClientInfo
from app.core.library.service import LibraryService
from app.ui.bridge import TaskBridge
from app.ui.widgets.forms import (
    SANE_BUDGET_USD,
    format_budget,
    normalize_web_address,
    parse_budget,
    text_box,
    web_address_problem,
)
from app.ui.widgets.saving_dialog import SavingDialog
from app.ui.widgets.string_list import StringListEditor

STATUS_LABELS = {CampaignStatus.DRAFT: "Draft", CampaignStatus.ACTIVE: "Active", CampaignStatus.ARCHIVED: "Archived"}


class CampaignForm(QWidget):
    """The fields of a campaign; ``values()`` are the keyword arguments of ``update_campaign``."""

    changed = Signal()

    def __init__(self, clients: Sequence[ClientInfo] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client_combo = QComboBox()
        for client in clients:
            self.client_combo.addItem(client.name, client.id)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Spring launch")
        self.status_combo = QComboBox()
        for status, label in STATUS_LABELS.items():
            self.status_combo.addItem(label, status.value)
        self.goal_edit = text_box(3, "What the ad should achieve")
        self.audience_edit = text_box(3, "Who it speaks to")
        self.messages = StringListEditor("One message the ad should carry")
        self.product_url_edit = QLineEdit()
        self.product_url_edit.setPlaceholderText("https://")
        self.budget_edit = QLineEdit()
        self.budget_edit.setPlaceholderText("no budget limit")
        self.budget_edit.setToolTip("The most this campaign may spend on video generation, in US dollars")
        self.brand_check_box = QCheckBox("Check every clip against the brand (paid)")
        self.brand_check_box.setToolTip("Quality control also shows a few frames of each clip to the vision model of "
                                        "the Pairing settings with the client's colours, tone and restrictions; "
                                        "each answer is recorded as spend")
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if clients:
            layout.addRow("C&lient:", self.client_combo)
        layout.addRow("&Name:", self.name_edit)
        layout.addRow("&Status:", self.status_combo)
        layout.addRow("&Goal:", self.goal_edit)
        layout.addRow("&Audience:", self.audience_edit)
        layout.addRow("&Key messages:", self.messages)
        layout.labelForField(self.messages).setBuddy(self.messages.list)
        layout.addRow("&Product URL:", self.product_url_edit)
        layout.addRow("&Budget (USD):", self.budget_edit)
        layout.addRow("Brand check:", self.brand_check_box)
        self.brand_check_box.toggled.connect(lambda _on: self.changed.emit())
        for edit in (self.name_edit, self.product_url_edit, self.budget_edit):
            edit.textEdited.connect(lambda _text: self.changed.emit())
        self.product_url_edit.editingFinished.connect(
            lambda: self.product_url_edit.setText(normalize_web_address(self.product_url_edit.text())))
        for box in (self.goal_edit, self.audience_edit):
            box.textChanged.connect(self.changed.emit)
        self.status_combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.messages.changed.connect(self.changed.emit)

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s values (a new draft for None) without emitting ``changed``."""
        self.blockSignals(True)
        self.name_edit.setText(campaign.name if campaign else "")
        status = campaign.status if campaign else CampaignStatus.DRAFT
        self.status_combo.setCurrentIndex(self.status_combo.findData(status.value))
        self.goal_edit.setPlainText(campaign.goal if campaign else "")
        self.audience_edit.setPlainText(campaign.audience if campaign else "")
        self.messages.set_items(campaign.key_messages if campaign else ())
        self.product_url_edit.setText(campaign.product_url if campaign else "")
        self.budget_edit.setText(format_budget(campaign.budget_usd) if campaign else "")
        self.brand_check_box.blockSignals(True)
        self.brand_check_box.setChecked(bool(campaign and campaign.brand_check))
        self.brand_check_box.blockSignals(False)
        self.blockSignals(False)

    def select_client(self, client_id: int | None) -> None:
        index = self.client_combo.findData(client_id)
        if index >= 0:
            self.client_combo.setCurrentIndex(index)

    def client_id(self) -> int | None:
        return self.client_combo.currentData()

    def problem(self) -> str | None:
        """What must be fixed before saving (the service checks the rest)."""
        if not self.name_edit.text().strip():
            self.name_edit.setFocus()
            return "the campaign needs a name"
        if problem := web_address_problem(self.product_url_edit.text(), "product URL"):
            self.product_url_edit.setFocus()
            return problem
        try:
            parse_budget(self.budget_edit.text())
        except ValueError as exc:
            self.budget_edit.setFocus()
            return str(exc)
        return None

    def values(self) -> dict[str, Any]:
        """The fields as service arguments; call ``problem()`` first (an unreadable budget raises ValueError)."""
        return {
            "name": self.name_edit.text().strip(),
            "status": CampaignStatus(self.status_combo.currentData()),
            "goal": self.goal_edit.toPlainText().strip(),
            "audience": self.audience_edit.toPlainText().strip(),
            "key_messages": self.messages.items(),
            "product_url": normalize_web_address(self.product_url_edit.text()),
            "budget_usd": parse_budget(self.budget_edit.text()),
            "brand_check": self.brand_check_box.isChecked(),
        }


class CampaignEditorDialog(SavingDialog):
    """Edits ``campaign``, or creates one when it is None (then ``clients`` fill the client chooser)."""

    saved = Signal(object)  # CampaignInfo

    def __init__(self, library: LibraryService, bridge: TaskBridge, campaign: CampaignInfo | None = None, *,
                 clients: Sequence[ClientInfo] = (), client_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.library = library
        self.campaign = campaign
        creating = campaign is None
        self.setWindowTitle("New campaign" if creating else f"Campaign details — {campaign.name}")
        self.form = CampaignForm(clients if creating else ())
        self.form.set_campaign(campaign)
        if creating:
            self.form.select_client(client_id)
        self.save_button = self.lay_out(self.form, "Create campaign" if creating else "Save", 600)
        self.budget_question: QMessageBox | None = None
        self._budget_confirmed: float | None = None  # a large budget the user said is right

    @property
    def task_name(self) -> str:
        return "create-campaign" if self.campaign is None else f"save-campaign-{self.campaign.id}"

    def submit(self) -> None:
        """Validate, then create or update in one transaction; the dialog closes only when it worked."""
        if self.is_saving():
            return
        if problem := self.form.problem():
            self.error.show_message(problem)
            return
        values = self.form.values()
        budget = values["budget_usd"]
        if budget is not None and budget > SANE_BUDGET_USD and budget != self._budget_confirmed:
            self._ask_about_budget(budget)
            return
        if self.campaign is None:
            client_id = self.form.client_id()
            if client_id is None:
                self.error.show_message("create a client first: every campaign belongs to one")
                return
            work = self.library.create_campaign(client_id, values.pop("name"), **values)
        else:
            work = self.library.update_campaign(self.campaign.id, **values)
        self.run_save(work, self.save_button, self._saved)

    def _ask_about_budget(self, budget: float) -> None:
        """A budget far above what clips cost is often a slip of the keyboard: ask before saving it."""
        amount = f"${format_budget(budget)}"
        box = QMessageBox(QMessageBox.Icon.Question, "A large budget",
                          f"Set this campaign's budget to {amount}?", QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(f"That is more than ${format_budget(SANE_BUDGET_USD)}; a campaign's clips usually "
                               "cost a few dollars each.")
        keep = box.addButton(f"Keep {amount}", QMessageBox.ButtonRole.AcceptRole)
        change = box.addButton("Change it", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(change)

        def answered(button: object) -> None:
            if button is keep:
                self._budget_confirmed = budget
                self.submit()
            else:
                self.form.budget_edit.setFocus()
                self.form.budget_edit.selectAll()
        box.buttonClicked.connect(answered)
        box.finished.connect(box.deleteLater)
        self.budget_question = box
        box.open()

    def _saved(self, campaign: CampaignInfo) -> None:
        self.campaign = campaign
        self.saved.emit(campaign)
