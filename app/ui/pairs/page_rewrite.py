"""The pairs page's prompt rewriting: Grok writes a new prompt for the selected pair, following the feedback line."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit

from app.core.changes import Op
from app.core.domain import CampaignInfo
from app.core.domain import PairSuggestion as Pair
from app.core.pairing.service import PairingService
from app.ui.bridge import TaskBridge
from app.ui.notices import Notices
from app.ui.pairs.model import PairListModel


class PromptRewriteMixin:
    """Part of ``PairsPage``: the bridge task ``rewrite-<pair>``; a list saved meanwhile is saved again."""

    pairing: PairingService
    bridge: TaskBridge
    notices: Notices
    model: PairListModel
    campaign: CampaignInfo | None
    status: QLabel
    feedback: QLineEdit
    _saves: int

    def rewrite_current(self) -> None:
        """Ask Grok for a new prompt for the selected pair, following the feedback line."""
        row = self.current_row()
        if row is None or self.campaign is None:
            return
        pair = self.model.pair(row)
        if pair.id is None:
            self.status.setText("That pair is being saved: try again in a moment.")
            return
        campaign_id, saves = self.campaign.id, self._saves
        self.status.setText(f"Asking Grok for a new prompt for pair {row + 1}…")
        self.notices.clear(self._notice_key())
        self.bridge.run(f"rewrite-{pair.id}", self.pairing.rewrite_prompt(pair.id, self.feedback.text()),
                        on_done=lambda op: self._rewritten(campaign_id, saves, op),
                        on_error=lambda exc: self._rewrite_failed(campaign_id, exc))
        self._update_actions()

    def _rewritten(self, campaign_id: int, saves: int, op: Op[Pair]) -> None:
        if not self._is_current(campaign_id):
            return
        row = self.model.replace_pair(op.value)
        self.status.setText(f"New prompt for pair {row + 1}." if row is not None else "New prompt saved.")
        self.feedback.clear()
        if saves != self._saves:  # the list was saved meanwhile with the old prompt: save it again
            self.save()

    def _rewrite_failed(self, campaign_id: int, exc: BaseException) -> None:
        if self._is_current(campaign_id):
            self.status.setText("The prompt was not changed.")
            self.notices.error("The prompt was not rewritten", exc, key=self._notice_key())

