"""The pairs page's row actions (move, swap, remove, edit, add by hand), their keys, buttons' state and context
menu."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QListView, QMenu, QPushButton

from app.core.domain import AssetInfo, CampaignInfo, ClientInfo, Flag, PairSource
from app.core.domain import PairSuggestion as Pair
from app.core.pairing.templates import motion_prompt
from app.ui.bridge import TaskBridge
from app.ui.pairs.model import PairListModel
from app.ui.pairs.picker import AssetPairPicker
from app.ui.thumbnail_loader import ThumbnailLoader


class RowActionsMixin:
    """Part of ``PairsPage``: the edits of the selected row; the model emits each as an edit to save."""

    bridge: TaskBridge
    thumbnails: ThumbnailLoader
    model: PairListModel
    view: QListView
    empty_label: QLabel
    suggest_button: QPushButton
    rewrite_button: QPushButton
    campaign: CampaignInfo | None
    client: ClientInfo | None
    assets: list[AssetInfo]
    picker: AssetPairPicker | None
    context_menu: QMenu
    up_action: QAction
    down_action: QAction
    swap_action: QAction
    remove_action: QAction
    edit_action: QAction
    add_action: QAction

    def _action(self, text: str, shortcut: Any, slot: Any) -> QAction:
        """An action of the page (its key works anywhere on it) that calls ``slot``."""
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def current_row(self) -> int | None:
        """The selected row, or None."""
        index = self.view.currentIndex()
        return index.row() if index.isValid() else None

    def select_row(self, row: int) -> None:
        """Make ``row`` the current and only selected row."""
        self.view.selectionModel().setCurrentIndex(self.model.index(row),
                                                   QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _move(self, offset: int) -> None:
        row = self.current_row()
        if row is not None and self.model.move(row, offset):
            self.select_row(row + offset)

    def swap_current(self) -> None:
        """Swap the selected pair's first and last frames."""
        if (row := self.current_row()) is not None:
            self.model.swap(row)

    def remove_current(self) -> None:
        """Remove the selected pair; the next one (or the last) is selected."""
        if (row := self.current_row()) is None:
            return
        self.model.remove(row)
        if self.model.rowCount():
            self.select_row(min(row, self.model.rowCount() - 1))

    def edit_current(self) -> None:
        """Open the selected pair's prompt for editing."""
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

    def _update_actions(self, *_args: object) -> None:
        """Enable what applies to the current row and campaign; show the list, or the hint when it is empty."""
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

