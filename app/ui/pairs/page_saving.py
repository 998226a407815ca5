"""The pairs page's saves: each edit stored as one transaction in the history's queue, one undoable step, with a
prompt someone else saved first opened to merge."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt

from app.core.changes import Op
from app.core.domain import CampaignInfo, PairListEdit, PairListSnapshot, PairSource
from app.core.domain import PairSuggestion as Pair
from app.core.pairing.errors import PromptConflict
from app.core.pairing.service import PairingService
from app.ui.history import History
from app.ui.pairs.model import PairListModel
from app.ui.widgets.merge_dialog import MergeDialog

PairKey = tuple[int, int, str, PairSource]


def _key(pair: Pair) -> PairKey:
    return (pair.first_asset_id, pair.last_asset_id, pair.prompt.strip(), pair.source)


class PairSavingMixin:
    """Part of ``PairsPage``: Undo and Redo put back the stored list from before and after each save."""

    pairing: PairingService
    history: History
    model: PairListModel
    campaign: CampaignInfo | None
    prompt_merge: MergeDialog | None
    _pending_saves: int
    _saved_ids: dict[PairKey, int]
    _saves: int

    def save(self, description: str = "Edit pairs") -> None:
        """Store the list as shown (one transaction, queued behind earlier saves), as one undoable step."""
        if self.campaign is None:
            return
        campaign_id = self.campaign.id
        self._saves += 1
        self._pending_saves += 1
        self._update_actions()
        shown = self.model.pairs()
        snapshots: dict[str, PairListSnapshot] = {}

        async def save_or_redo() -> None:
            if "after" in snapshots:  # Redo
                snapshots["before"] = self._put_back(campaign_id, await self.pairing.restore_pairs(snapshots["after"]))
                return
            try:
                pairs = [p if p.id is not None or _key(p) not in self._saved_ids
                         else dataclasses.replace(p, id=self._saved_ids[_key(p)]) for p in shown]
                edit = (await self.pairing.edit_pairs(campaign_id, pairs)).value
            finally:
                self._pending_saves -= 1
            for mine, stored in zip(pairs, edit.saved, strict=True):
                if mine.id is None and stored.id is not None:
                    self._saved_ids[_key(mine)] = stored.id
            snapshots["before"], snapshots["after"] = edit.before, edit.after
            self._saved(campaign_id, list(edit.saved))

        async def undo() -> None:
            snapshots["after"] = self._put_back(campaign_id, await self.pairing.restore_pairs(snapshots["before"]))

        self.history.push(description, save_or_redo, undo, "Could not save the pairs",
                          on_error=lambda exc: self._save_failed(campaign_id, exc))

    def _record_list_change(self, description: str, replaced: PairListSnapshot) -> None:
        """Record a change of the stored list already made (a suggestion run) whose old list is ``replaced``."""
        snapshots = {"before": replaced}
        campaign_id = replaced.campaign_id

        async def undo() -> None:
            snapshots["after"] = self._put_back(campaign_id, await self.pairing.restore_pairs(snapshots["before"]))

        async def redo() -> None:
            snapshots["before"] = self._put_back(campaign_id, await self.pairing.restore_pairs(snapshots["after"]))
        self.history.record(description, undo, redo)

    def _put_back(self, campaign_id: int, op: Op[PairListEdit]) -> PairListSnapshot:
        """Show the list an Undo or Redo stored (ids and prompt versions included) at once, so the next edit is
        based on it; returns the list it replaced."""
        if self._is_current(campaign_id):
            self.model.set_pairs(list(op.value.saved), self.assets)
        return op.value.before

    def _saved(self, campaign_id: int, saved: list[Pair]) -> None:
        if not self._is_current(campaign_id):
            return
        if not self.model.apply_saved(saved) and not self._pending_saves:
            self.reload()  # a reload overtook this save: show what is stored now
        self._update_actions()

    def _save_failed(self, campaign_id: int, exc: BaseException) -> None:
        """A save refused because someone else saved the same prompt first opens both prompts to merge."""
        if not isinstance(exc, PromptConflict) or not self._is_current(campaign_id):
            self._failed(campaign_id, "Could not save the pairs", exc)
            return
        dialog = MergeDialog("prompt", exc.by, exc.theirs, exc.mine, self)
        dialog.merged.connect(lambda text: self._merge_prompt(campaign_id, exc, text))
        dialog.rejected.connect(lambda: self._merge_prompt(campaign_id, exc, exc.theirs))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.prompt_merge = dialog
        dialog.open()

    def _merge_prompt(self, campaign_id: int, conflict: PromptConflict, text: str) -> None:
        """Show ``text`` as the pair's prompt, based on the version that was saved first, and save the list."""
        if not self._is_current(campaign_id):
            return
        for pair in self.model.pairs():
            if pair.id == conflict.pair_id:
                self.model.replace_pair(dataclasses.replace(pair, prompt=text, prompt_version=conflict.version,
                                                            prompt_by=conflict.by))
                self.save()
                return

