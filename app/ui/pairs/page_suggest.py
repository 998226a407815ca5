"""The pairs page's suggest runs: started from the bar, replacing or adding to a list that holds a person's work
only when asked, stopped, and reported in the page."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QMessageBox, QPushButton, QSpinBox

from app.core.domain import CampaignInfo, PairingProgress, PairingResult
from app.core.pairing.service import PairingService
from app.ui.bridge import TaskBridge
from app.ui.notices import Notices


class SuggestMixin:
    """Part of ``PairsPage``: the bridge task ``suggest-<campaign>``; clicking again cancels it and starts anew."""

    progress_changed: Signal | SignalInstance
    pairing: PairingService
    bridge: TaskBridge
    notices: Notices
    campaign: CampaignInfo | None
    pairer_combo: QComboBox
    count_spin: QSpinBox
    chain_check: QCheckBox
    suggest_button: QPushButton
    stop_button: QPushButton
    status: QLabel
    report: QLabel
    replace_box: QMessageBox | None
    _suggest_mode: str
    _run: int

    def _suggest_name(self) -> str:
        """The bridge task of this campaign's suggest run."""
        return f"suggest-{self.campaign.id}" if self.campaign else ""

    def suggest(self) -> None:
        """Suggest pairs with the bar's choices. A run in progress is replaced; a list that holds a person's work
        is not replaced without asking (replace it, or add the new pairs after it)."""
        if self.campaign is None:
            return
        if self.bridge.is_running(self._suggest_name()):
            self._start_suggest(self._suggest_mode)
            return
        campaign_id = self.campaign.id
        self.bridge.run(f"suggest-check-{campaign_id}", self.pairing.has_manual_edits(campaign_id),
                        on_done=lambda edited: self._is_current(campaign_id) and self._ask_or_suggest(edited),
                        on_error=lambda exc: self._failed(campaign_id, "Could not read the pairs", exc))

    def _ask_or_suggest(self, edited: bool) -> None:
        if not edited:
            self._start_suggest("replace")
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Suggest pairs",
                          "The pair list holds your edits. Replace the list with the new suggestions, or add them "
                          "after it?", QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Either way, Edit › Undo brings the list back as it is now.")
        replace = box.addButton("Replace the list", QMessageBox.ButtonRole.DestructiveRole)
        append = box.addButton("Add to the list", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(append)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen(button: object) -> None:
            if button is replace:
                self._start_suggest("replace")
            elif button is append:
                self._start_suggest("append")
        box.buttonClicked.connect(chosen)
        box.finished.connect(lambda _result: setattr(self, "replace_box", None))
        self.replace_box = box
        box.open()

    def _start_suggest(self, mode: str) -> None:
        """Start a suggest run that stores its pairs as ``mode`` says (cancelling one in progress)."""
        if self.campaign is None:
            return
        self._suggest_mode = mode
        campaign_id = self.campaign.id
        pairer = self.pairer_combo.currentData()
        self._run += 1
        run = self._run
        self.notices.clear(self._notice_key())
        self._show_report(None)
        self.status.setText("Starting…")
        self._set_running(True)

        def progress(update: PairingProgress) -> None:
            if run == self._run:
                self.progress_changed.emit(update)

        work = self.pairing.suggest(campaign_id, pairer=pairer, count=self.count_spin.value() or None,
                                    chain=self.chain_check.isChecked(), on_progress=progress, existing=mode)
        self.bridge.run(f"suggest-{campaign_id}", work, on_done=lambda result: self._suggested(campaign_id, result),
                        on_error=lambda exc: self._suggest_failed(campaign_id, pairer, exc))

    def stop(self) -> None:
        """Cancel the suggest run in progress; the list stays as it was."""
        if self.campaign is not None and self.bridge.is_running(self._suggest_name()):
            self._run += 1
            self.bridge.cancel(self._suggest_name())
            self.status.setText("Stopped: the pairs were left as they were.")

    def use_local_pairer(self) -> None:
        """Switch to the local pairer and suggest with it (the offer after a Grok failure)."""
        self.pairer_combo.setCurrentIndex(self.pairer_combo.findData("local"))
        self.suggest()

    def _show_progress(self, progress: PairingProgress) -> None:
        self.status.setText(str(progress))

    def _suggested(self, campaign_id: int, result: PairingResult) -> None:
        if not self._is_current(campaign_id):
            return
        count = len(result.suggestions)
        summary = f"{count} pair{'s' if count != 1 else ''} suggested by "
        if result.pairer == "grok":
            tokens = result.prompt_tokens + result.completion_tokens
            summary += f"Grok · {tokens:,} tokens · ${result.cost_usd:.4f}"
        else:
            summary += "the local pairer"
        self.status.setText(summary + ".")
        self._show_report(result)
        if result.replaced is not None:
            self._record_list_change("Add suggested pairs" if self._suggest_mode == "append" else "Suggest pairs",
                                     result.replaced)
        self.reload()

    def _suggest_failed(self, campaign_id: int, pairer: str, exc: BaseException) -> None:
        if not self._is_current(campaign_id):
            return
        self.status.setText("No new pairs: the list was left as it was.")
        if pairer == "grok":
            self.notices.error("No pairs were suggested", exc, key=self._notice_key(),
                               action_text="Use local pairer", action=self.use_local_pairer)
        else:
            self.notices.error("No pairs were suggested", exc, key=self._notice_key())

    def _show_report(self, result: PairingResult | None) -> None:
        lines = [*result.notes, *(f"Repaired: {r}" for r in result.repairs)] if result else []
        self.report.setText("\n".join(f"• {line}" for line in lines))
        self.report.setVisible(bool(lines))

    def _task_finished(self, name: str) -> None:
        if name == self._suggest_name() and not self.bridge.is_running(name):
            self._set_running(False)
        elif self.campaign is not None and name.startswith("rewrite-"):
            self._update_actions()

    def _set_running(self, running: bool) -> None:
        self.stop_button.setVisible(running)
        self.suggest_button.setText("Suggest again" if running else "Suggest pairs")

