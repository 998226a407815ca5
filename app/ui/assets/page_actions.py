"""The assets page's curation keys as actions of its grid, and the grid's context menu that lists them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from app.core.domain import ColorLabel, Flag
from app.ui.assets.asset_grid import AssetGrid
from app.ui.assets.detail_panel import LABEL_KEYS
from app.ui.theme import LABEL_NAMES


class CurationActionsMixin:
    """Part of ``AssetsPage``: keys 0–5, P/X/U, 6–9, Space, Delete and Ctrl+Shift+C, and the menu that offers them."""

    grid: AssetGrid
    context_menu: QMenu

    def _make_actions(self) -> None:
        """The curation keys as actions of the grid (its context menu lists them with their keys)."""
        def action(text: str, keys: Sequence[str | QKeySequence.StandardKey], slot: Callable[[], object],
                   tip: str = "") -> QAction:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.setToolTip(tip or text)
            act.triggered.connect(lambda _checked=False: slot())
            self.grid.addAction(act)
            return act
        self.rating_actions = [action("Clear the rating" if n == 0 else f"Rate {n} star{'s' * (n != 1)}",
                                      [str(n)], lambda n=n: self.rate_selected(n)) for n in range(6)]
        self.flag_actions = {
            Flag.PICK: action("Pick", ["P"], lambda: self.flag_selected(Flag.PICK), "Flag as a pick"),
            Flag.REJECT: action("Reject", ["X"], lambda: self.flag_selected(Flag.REJECT), "Flag as rejected"),
            Flag.NONE: action("Unflag", ["U"], lambda: self.flag_selected(Flag.NONE), "Take the flag off"),
        }
        self.label_actions = {
            label: action(f"{LABEL_NAMES[label]} label", [LABEL_KEYS[label]] if label in LABEL_KEYS else [],
                          lambda chosen=label: self.label_selected(chosen))
            for label in (ColorLabel.RED, ColorLabel.YELLOW, ColorLabel.GREEN, ColorLabel.BLUE, ColorLabel.PURPLE)}
        self.label_actions[ColorLabel.NONE] = action("No label", [], lambda: self.label_selected(ColorLabel.NONE))
        self.preview_action = action("Preview", ["Space", "Return", "Enter"], self.open_preview,
                                     "Show the image full screen")
        self.remove_action = action("Remove from campaign", [QKeySequence.StandardKey.Delete, "Backspace"],
                                    self.remove_selected, "Take the images out of this campaign (they stay in the "
                                    "client's library)")
        self.delete_action = action("Delete from library…", ["Shift+Del", "Shift+Backspace"],
                                    self.confirm_delete_selected, "Delete the images from the client's library")
        self.copy_path_action = QAction("&Copy path", self)
        self.copy_path_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.copy_path_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_path_action.setToolTip("Copy the selected images' file paths")
        self.copy_path_action.triggered.connect(lambda _checked=False: self.copy_paths())
        self.addAction(self.copy_path_action)

    def _context_menu(self, pos: QPoint) -> None:
        """The grid's actions for the image under the pointer (added to the selection if it was not in it)."""
        index = self.grid.indexAt(pos)
        if index.isValid() and not self.grid.selectionModel().isSelected(index):
            self.grid.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if not self.selected_ids():
            return
        menu = QMenu(self)
        menu.addAction(self.preview_action)
        menu.addSeparator()
        rating = menu.addMenu("Rating")
        rating.addActions(self.rating_actions)
        menu.addActions(list(self.flag_actions.values()))
        labels = menu.addMenu("Colour label")
        labels.addActions([self.label_actions[label] for label in (
            ColorLabel.RED, ColorLabel.YELLOW, ColorLabel.GREEN, ColorLabel.BLUE, ColorLabel.PURPLE)])
        labels.addSeparator()
        labels.addAction(self.label_actions[ColorLabel.NONE])
        menu.addSeparator()
        menu.addAction(self.copy_path_action)
        menu.addSeparator()
        menu.addActions([self.remove_action, self.delete_action])
        menu.aboutToHide.connect(menu.deleteLater)
        self.context_menu = menu
        menu.popup(self.grid.viewport().mapToGlobal(pos))  # popup, not exec: no nested event loop
