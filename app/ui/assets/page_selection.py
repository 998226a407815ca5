"""The assets page's selection (read and set by id) and the curation commands that act on it."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app.core.domain import AssetInfo, CampaignInfo, ColorLabel, Flag
from app.core.library.service import LibraryService, NotesConflict
from app.ui.assets.asset_grid import AssetGrid
from app.ui.assets.asset_model import AssetModel
from app.ui.assets.curation import Curator
from app.ui.assets.detail_panel import DetailPanel
from app.ui.history import Command, History
from app.ui.notices import Notices
from app.ui.widgets.merge_dialog import MergeDialog
from app.ui.wording import plural


class SelectionCommandsMixin:
    """Part of ``AssetsPage``: which images the keys act on, and the rating, flag, label, copy, removal, deletion
    and notes-merge commands; every edit goes through the page's ``Curator`` as an undoable command."""

    grid: AssetGrid
    model: AssetModel
    library: LibraryService
    curator: Curator
    detail: DetailPanel
    notices: Notices
    history: History
    campaign: CampaignInfo | None
    confirm_box: QMessageBox | None
    notes_merge: MergeDialog | None
    _pending_selection: list[int]

    # ---- selection ---------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        """Selected rows in order (read from the selection's ranges: cheap with 50,000 selected)."""
        rows: list[int] = []
        for selection_range in self.grid.selectionModel().selection():
            rows.extend(range(selection_range.top(), selection_range.bottom() + 1))
        return sorted(set(rows))

    def selected_ids(self) -> list[int]:
        """The ids the curation keys act on: the selection, else the current asset."""
        ids = self.model.ids_at(self.selected_rows())
        if not ids and (current := self.current_asset()) is not None:
            ids = [current.id]
        return ids

    def current_asset(self) -> AssetInfo | None:
        """The grid's current asset, or None."""
        index = self.grid.currentIndex()
        return self.model.asset(index.row()) if index.isValid() else None

    def select_ids(self, ids: list[int]) -> None:
        """Select the assets ``ids`` (those loaded), make the first current and scroll to it."""
        rows = sorted(r for i in ids if (r := self.model.row_of(i)) is not None)
        if not rows:
            return
        selection = QItemSelection()
        start = previous = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == previous + 1:
                previous = row
                continue
            selection.select(self.model.index(start), self.model.index(previous))
            if row is not None:
                start = previous = row
        first = self.model.index(rows[0])
        selection_model = self.grid.selectionModel()
        selection_model.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        selection_model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.grid.scrollTo(first)

    def _apply_pending_selection(self) -> None:
        if not self._pending_selection:
            return
        found = [i for i in self._pending_selection if self.model.row_of(i) is not None]
        if found:
            already = set(self.selected_ids()) if self.grid.currentIndex().isValid() else set()
            self.select_ids(list(dict.fromkeys([*already, *found])))
            self._pending_selection = [i for i in self._pending_selection if i not in set(found)]

    # ---- curation ----------------------------------------------------------------------------------
    def rate_selected(self, rating: int) -> Command | None:
        """Give the selection ``rating`` stars (0 clears the rating)."""
        return self.curator.set_rating(self.selected_ids(), rating)

    def flag_selected(self, flag: Flag) -> Command | None:
        """Flag the selection as a pick, rejected, or neither."""
        return self.curator.set_flag(self.selected_ids(), flag)

    def label_selected(self, label: ColorLabel) -> Command | None:
        """Give the selection ``label``; when every selected image shown has it already, take it off (as Lightroom's
        keys do)."""
        ids = self.selected_ids()
        if label is not ColorLabel.NONE and ids:
            shown = [a for r in self.selected_rows() if (a := self.model.asset(r)) is not None] or \
                [a for a in (self.current_asset(),) if a is not None]
            if shown and all(a.label is label for a in shown):
                label = ColorLabel.NONE
        return self.curator.set_label(ids, label)

    def selected_paths(self) -> list[str]:
        """The original files of the selected images."""
        rows = self.selected_rows() or ([self.grid.currentIndex().row()] if self.grid.currentIndex().isValid()
                                        else [])
        return [str(self.library.asset_path(a)) for a in self.model.assets_at(rows)]

    def copy_paths(self) -> None:
        """Put the selected images' file paths on the clipboard, one per line."""
        if paths := self.selected_paths():
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.notices.status(f"Copied the path{'s' * (len(paths) != 1)} of {plural(len(paths), 'image')}.")

    def _notes_conflict(self, conflict: NotesConflict, mine: str) -> None:
        """Someone else saved the notes first: show theirs beside mine to merge (nothing of either is lost)."""
        if self.detail.asset is not None and self.detail.asset.id == conflict.asset_id:
            self.detail.set_notes_text(conflict.theirs, conflict.version)
        dialog = MergeDialog("notes", conflict.by, conflict.theirs, mine, self)
        dialog.merged.connect(lambda text: self.curator.set_notes(conflict.asset_id, text, conflict.version))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.notes_merge = dialog
        dialog.open()

    # ---- removal -----------------------------------------------------------------------------------
    def remove_selected(self) -> Command | None:
        """Take the selected images out of the campaign (Delete); the status bar offers Undo."""
        ids = self.selected_ids()
        if self.campaign is None or not ids:
            return None
        command = self.curator.remove_from_campaign(self.campaign.id, ids)
        if command is not None:
            self.notices.status(f"Removed {plural(len(ids), 'image')} from “{self.campaign.name}”.",
                                action_text="Undo", action=lambda: self.history.undo_if_last(command))
        return command

    def confirm_delete_selected(self) -> None:
        """Ask (without blocking) before deleting the selected assets from the library (Shift+Delete)."""
        ids = self.selected_ids()
        if not ids:
            return
        count = len(ids)
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete from the library",
                          f"Delete {plural(count, 'image')} from the library?",
                          QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("They leave every campaign of this client, with their pairs. Their files wait in "
                               "the library's trash for 30 days: Edit › Undo brings them back.")
        delete = box.addButton(f"Delete {plural(count, 'image')}", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda button: button is delete and self._delete(ids))
        self.confirm_box = box
        box.open()

    def _delete(self, ids: list[int]) -> None:
        command = self.curator.delete_from_library(ids)
        if command is not None:
            self.notices.status(f"Deleted {plural(len(ids), 'image')} from the library.", action_text="Undo",
                                action=lambda: self.history.undo_if_last(command))

    def _removed(self, _campaign_id: int, _ids: list[int]) -> None:
        index = self.grid.currentIndex()
        if index.isValid():
            self.grid.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.grid.setFocus()
