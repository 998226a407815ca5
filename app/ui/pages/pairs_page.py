"""The pair editor: the campaign's first→last frame pairs, suggested by Grok or the local pairer, edited by hand.

Every edit (reorder by drag or Move up/down, remove, add, swap, prompt) is saved at once as one transaction and is
one step of the window's undo history: the save returns the stored list before and after it, and Undo / Redo put
those back. Saves run one after another in the history's queue, in the order made. "Suggest pairs" is the bridge
task ``suggest-<campaign>``: clicking it again cancels the run in progress and starts a new one. When the list holds
a person's work (pairs added by hand, or edited), it first asks whether to replace the list or add to it; either
way Undo brings the old list back. Progress and results appear in the page itself, errors as notices; nothing here
opens an application-modal dialog. The list follows the change feed: pairs, images or names changed elsewhere
(another window or process, an undo, a deletion on the Assets tab, an import) are read again.

The page is made of parts beside it in ``app.ui.pairs``: ``page_suggest`` (suggest runs), ``page_rows`` (row
actions and their keys), ``page_saving`` (saves, undo and prompt merges) and ``page_rewrite`` (prompt rewriting).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes
from app.core.domain import AssetInfo, CampaignInfo, ClientInfo
from app.core.domain import PairSuggestion as Pair
from app.core.library.service import LibraryService
from app.core.pairing.prompt import MAX_PAIRS
from app.core.pairing.service import PairingService
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.history import History
from app.ui.notices import Notices
from app.ui.pairs.delegate import PairDelegate
from app.ui.pairs.model import PairListModel
from app.ui.pairs.page_rewrite import PromptRewriteMixin
from app.ui.pairs.page_rows import RowActionsMixin
from app.ui.pairs.page_saving import PairKey, PairSavingMixin
from app.ui.pairs.page_suggest import SuggestMixin
from app.ui.pairs.picker import AssetPairPicker
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.widgets.merge_dialog import MergeDialog

PAIRER_LABELS = {"grok": "Grok (sees the images)", "local": "Local (offline)"}
CHAIN_KEY = "pairs/storyline_chain"


class PairsPage(SuggestMixin, RowActionsMixin, PairSavingMixin, PromptRewriteMixin, QWidget):
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

    # ---- notices -----------------------------------------------------------------------------------
    def _notice_key(self) -> str:
        return f"pairs-{self.campaign.id}" if self.campaign else "pairs"

    def _failed(self, campaign_id: int, what: str, exc: BaseException) -> None:
        if self._is_current(campaign_id):
            self.notices.error(what, exc, key=self._notice_key(), action_text="Reload", action=self.reload)

    def shutdown(self) -> None:
        """Close the picker (the window is closing)."""
        if self.picker is not None:
            self.picker.close()
