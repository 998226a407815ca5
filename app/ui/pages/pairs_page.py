"""The pair editor: the campaign's first→last frame pairs, suggested by Grok or the local pairer, edited by hand.

Every edit (reorder by drag or Move up/down, remove, add, swap, prompt) is saved at once as one transaction and is
one step of the window's undo history: the save returns the stored list before and after it, and Undo / Redo put
those back. Saves run one after another in the history's queue, in the order made. "Suggest pairs" is the bridge
task ``suggest-<campaign>``: clicking it again cancels the run in progress and starts a new one. When the list holds
a person's work (pairs added by hand, or edited), it first asks whether to replace the list or add to it; either
way Undo brings the old list back. Progress and results appear in the page itself, errors as notices; nothing here
opens an application-modal dialog. The list follows the change feed: pairs, images or names changed elsewhere
(another window or process, an undo, a deletion on the Assets tab, an import) are read again.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes, Op
from app.core.domain import (
    AssetInfo,
    CampaignInfo,
    ClientInfo,
    Flag,
    PairingProgress,
    PairingResult,
    PairListEdit,
    PairListSnapshot,
    PairSource,
)
from app.core.domain import PairSuggestion as Pair
from app.core.library.service import LibraryService
from app.core.pairing.errors import PromptConflict
from app.core.pairing.prompt import MAX_PAIRS
from app.core.pairing.service import PairingService
from app.core.pairing.templates import motion_prompt
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.history import History
from app.ui.notices import Notices
from app.ui.pairs.delegate import PairDelegate
from app.ui.pairs.model import PairListModel
from app.ui.pairs.picker import AssetPairPicker
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.widgets.merge_dialog import MergeDialog

PAIRER_LABELS = {"grok": "Grok (sees the images)", "local": "Local (offline)"}
CHAIN_KEY = "pairs/storyline_chain"
PairKey = tuple[int, int, str, PairSource]


def _key(pair: Pair) -> PairKey:
    return (pair.first_asset_id, pair.last_asset_id, pair.prompt.strip(), pair.source)


class PairsPage(QWidget):
    """The pair list of one campaign with its suggest bar, row actions and prompt rewriting."""

    generate_requested = Signal()
    progress_changed = Signal(object)  # PairingProgress of the current suggest run

    def __init__(self, pairing: PairingService, library: LibraryService, thumbnails: ThumbnailLoader,
                 bridge: TaskBridge, feed: ChangeFeed, notices: Notices, parent: QWidget | None = None, *,
                 history: History | None = None, preferences: Preferences | None = None) -> None:
        super().__init__(parent)
        self.pairing = pairing
        self.library = library
        self.bridge = bridge
        self.notices = notices
        self.history = history if history is not None else History(bridge, notices, self)
        self.preferences = preferences if preferences is not None else Preferences()
        self.replace_box: QMessageBox | None = None
        self._pending_saves = 0  # saves queued or running: a reload meanwhile would show an older list
        self._saved_ids: dict[PairKey, int] = {}  # the ids new pairs got, for saves queued before they had one
        self._suggest_mode = "replace"
        self.campaign: CampaignInfo | None = None
        self.client: ClientInfo | None = None
        self.assets: list[AssetInfo] = []
        self.picker: AssetPairPicker | None = None
        self._run = 0  # the current suggest run; progress of an older one is ignored
        self._saves = 0  # saves started, so a rewrite can tell whether the list was saved meanwhile
        self.thumbnails = thumbnails
        self.model = PairListModel(self)
        self.prompt_merge: MergeDialog | None = None  # open while a prompt saved by someone else waits to be merged
        self.model.edited.connect(self.save)
        self.thumbnails.loaded.connect(self.model.asset_loaded)
        self.progress_changed.connect(self._show_progress)
        self.bridge.task_finished.connect(self._task_finished)
        feed.changed.connect(self.apply_changes)
        self._build()

    # ---- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.pairer_combo = QComboBox()
        for key, label in PAIRER_LABELS.items():
            self.pairer_combo.addItem(label, key)
        self.pairer_combo.setAccessibleName("Pairer")
        self.count_spin = QSpinBox()
        self.count_spin.setRange(0, MAX_PAIRS)
        self.count_spin.setSpecialValueText("Automatic")
        self.count_spin.setAccessibleName("Number of pairs")
        self.chain_check = QCheckBox("Storyline chain (A→B, B→C…)")
        self.chain_check.setToolTip("Each clip ends on the frame the next one starts with")
        self.chain_check.setChecked(self.preferences.boolean(CHAIN_KEY, False))
        self.chain_check.toggled.connect(lambda on: self.preferences.set_value(CHAIN_KEY, on))
        self.suggest_button = QPushButton("Suggest pairs")
        self.suggest_button.setToolTip("New suggestions; when the list holds your edits, you choose to replace it "
                                       "or add to it (Undo brings the old list back)")
        self.suggest_button.clicked.connect(self.suggest)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.generate_button = QPushButton("Generate clips…")
        self.generate_button.clicked.connect(self.generate_requested.emit)
        bar = QHBoxLayout()
        for widget in (QLabel("Pairer:"), self.pairer_combo, QLabel("Pairs:"), self.count_spin, self.chain_check,
                       self.suggest_button, self.stop_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.generate_button)

        self.status = QLabel()
        self.status.setAccessibleName("Pairing status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QLabel()
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report.hide()

        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(PairDelegate(self.thumbnails, self.view))
        self.view.setAccessibleName("Pairs")
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragDropOverwriteMode(False)
        self.view.setDropIndicatorShown(True)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.model.modelReset.connect(self._update_actions)
        self.model.rowsInserted.connect(self._update_actions)
        self.model.rowsRemoved.connect(self._update_actions)
        self.model.rowsMoved.connect(self._update_actions)
        self.empty_label = QLabel("No pairs yet: choose Suggest pairs, or add one by hand.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.up_action = self._action("Move up", "Ctrl+Up", lambda: self._move(-1))
        self.down_action = self._action("Move down", "Ctrl+Down", lambda: self._move(1))
        self.swap_action = self._action("Swap first and last", "Ctrl+Shift+S", self.swap_current)
        self.remove_action = self._action("Remove", QKeySequence.StandardKey.Delete, self.remove_current)
        self.edit_action = self._action("Edit prompt", "F2", self.edit_current)
        self.add_action = self._action("Add pair…", "Ctrl+Shift+N", self.open_picker)
        actions = QHBoxLayout()
        for action in (self.add_action, self.up_action, self.down_action, self.swap_action, self.edit_action,
                       self.remove_action):
            button = QPushButton(action.text())
            button.setToolTip(f"{action.text()} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            actions.addWidget(button)
        actions.addStretch(1)
        self.feedback = QLineEdit()
        self.feedback.setPlaceholderText("Feedback for Grok, e.g. more energetic, no people")
        self.feedback.setAccessibleName("Prompt feedback")
        self.feedback.returnPressed.connect(self.rewrite_current)
        self.rewrite_button = QPushButton("Rewrite prompt")
        self.rewrite_button.setToolTip("Grok writes a new prompt for the selected pair only")
        self.rewrite_button.clicked.connect(self.rewrite_current)
        actions.addWidget(self.feedback, 2)
        actions.addWidget(self.rewrite_button)

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.report)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addLayout(actions)
        self._set_running(False)
        self._update_actions()

    def _action(self, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # ---- campaign ----------------------------------------------------------------------------------
    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s pairs (None: nothing)."""
        changed = (campaign.id if campaign else None) != (self.campaign.id if self.campaign else None)
        self.campaign = campaign
        if not changed:
            return
        self.model.set_pairs([], [])
        self.assets, self.client = [], None
        self._show_report(None)
        self.status.clear()
        self._run += 1
        if self.picker is not None:
            self.picker.close()
        self.pairer_combo.setCurrentIndex(0 if self.pairing.grok_available() else 1)
        self._set_running(campaign is not None and self.bridge.is_running(self._suggest_name()))
        self._update_actions()
        if campaign is not None:
            self.reload()

    def _suggest_name(self) -> str:
        return f"suggest-{self.campaign.id}" if self.campaign else ""

    def reload(self) -> None:
        """Read the campaign's pairs, assets and client again."""
        if self.campaign is None:
            return
        campaign = self.campaign

        async def load() -> tuple[list[Pair], list[AssetInfo], ClientInfo]:
            pairs = await self.pairing.list_pairs(campaign.id)
            assets = await self.library.list_assets(campaign.id)
            return pairs, assets, await self.library.get_client(campaign.client_id)

        saves = self._saves

        def loaded(result: tuple[list[Pair], list[AssetInfo], ClientInfo]) -> None:
            if saves == self._saves:  # an edit saved since the read began makes it stale: that save's change follows
                self._loaded(campaign.id, *result)
        self.bridge.run(f"pairs-load-{campaign.id}-{id(self)}", load(), on_done=loaded,
                        on_error=lambda exc: self._failed(campaign.id, "Could not read the pairs", exc))

    def _loaded(self, campaign_id: int, pairs: list[Pair], assets: list[AssetInfo], client: ClientInfo) -> None:
        if not self._is_current(campaign_id):
            return
        self.assets, self.client = assets, client
        self.model.set_pairs(pairs, assets)
        if self.picker is not None:
            self.picker.set_assets(self._pickable())

    def _is_current(self, campaign_id: int) -> bool:
        return self.campaign is not None and self.campaign.id == campaign_id

    def apply_changes(self, changes: Changes) -> None:
        """Read the list again when its pairs, the campaign's images or their names and flags changed elsewhere."""
        campaign = self.campaign
        if campaign is None:
            return
        shown = {a.id for a in self.assets}
        if not (changes.pairs_of(campaign.id) or changes.campaign_assets_of(campaign.id)
                or changes.any_assets(shown) or campaign.client_id in changes.clients):
            return
        if self._pending_saves:
            return  # the last save's own result follows, and reloads if the list differs
        self.reload()

    # ---- suggesting --------------------------------------------------------------------------------
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

    def _notice_key(self) -> str:
        return f"pairs-{self.campaign.id}" if self.campaign else "pairs"

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

    # ---- editing -----------------------------------------------------------------------------------
    def current_row(self) -> int | None:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else None

    def select_row(self, row: int) -> None:
        self.view.selectionModel().setCurrentIndex(self.model.index(row),
                                                   QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _move(self, offset: int) -> None:
        row = self.current_row()
        if row is not None and self.model.move(row, offset):
            self.select_row(row + offset)

    def swap_current(self) -> None:
        if (row := self.current_row()) is not None:
            self.model.swap(row)

    def remove_current(self) -> None:
        if (row := self.current_row()) is None:
            return
        self.model.remove(row)
        if self.model.rowCount():
            self.select_row(min(row, self.model.rowCount() - 1))

    def edit_current(self) -> None:
        if self.view.currentIndex().isValid():
            self.view.edit(self.view.currentIndex())

    def open_picker(self) -> None:
        """Show the non-modal picker to add a pair by hand."""
        if self.campaign is None:
            return
        if self.picker is None:
            self.picker = AssetPairPicker(self.thumbnails, self)
            self.picker.pair_chosen.connect(self.add_pair)
        self.picker.set_assets(self._pickable())
        self.picker.show()
        self.picker.raise_()
        self.picker.activateWindow()

    def _pickable(self) -> list[AssetInfo]:
        return [a for a in self.assets if a.flag is not Flag.REJECT]

    def add_pair(self, first_id: int, last_id: int) -> None:
        """Append a manual pair with a prompt written from the campaign's tone."""
        if self.campaign is None:
            return
        prompt = motion_prompt(self.campaign, self.client, self.model.rowCount())
        row = self.model.add(Pair(first_id, last_id, 1.0, "Added by hand.", prompt, PairSource.MANUAL))
        self.select_row(row)

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

    def _context_menu(self, pos: QPoint) -> None:
        """The list's actions, for the pair under the pointer."""
        index = self.view.indexAt(pos)
        if index.isValid():
            self.select_row(index.row())
        menu = QMenu(self)
        menu.addActions([self.edit_action, self.swap_action, self.up_action, self.down_action])
        menu.addSeparator()
        menu.addAction(self.add_action)
        menu.addSeparator()
        menu.addAction(self.remove_action)
        menu.aboutToHide.connect(menu.deleteLater)
        self.context_menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))

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

    def _failed(self, campaign_id: int, what: str, exc: BaseException) -> None:
        if self._is_current(campaign_id):
            self.notices.error(what, exc, key=self._notice_key(), action_text="Reload", action=self.reload)

    # ---- rewriting a prompt ------------------------------------------------------------------------
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

    def _update_actions(self, *_args: object) -> None:
        row = self.current_row()
        rows = self.model.rowCount()
        has_row = row is not None
        self.up_action.setEnabled(has_row and row > 0)  # type: ignore[operator]
        self.down_action.setEnabled(has_row and row < rows - 1)  # type: ignore[operator]
        for action in (self.swap_action, self.remove_action, self.edit_action):
            action.setEnabled(has_row)
        self.add_action.setEnabled(self.campaign is not None)
        self.suggest_button.setEnabled(self.campaign is not None)
        pair = self.model.pair(row) if has_row else None  # type: ignore[arg-type]
        busy = pair is not None and pair.id is not None and self.bridge.is_running(f"rewrite-{pair.id}")
        self.rewrite_button.setEnabled(pair is not None and not busy)
        self.view.setVisible(rows > 0)
        self.empty_label.setVisible(rows == 0)

    def shutdown(self) -> None:
        """Close the picker (the window is closing)."""
        if self.picker is not None:
            self.picker.close()
