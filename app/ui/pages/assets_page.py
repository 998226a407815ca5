"""The campaign's asset grid: import (drop, files, folder, URLs), curation, filters, detail panel and preview.

The grid follows the change feed: rows an operation (of this window or another process) changed are read again,
rows that left the campaign or no longer pass the filter go, and new ones arrive. The detail panel always shows
the grid's current asset, and nothing when the grid has none.

Curation is done by this page's actions (keys 0–5, P/X/U, 6–9, Space, Delete; also in the grid's context menu);
every edit is a command of the window's undo history. The tool bar wraps on a narrow window. The thumbnail size,
the splitter and each campaign's filter are remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSlider,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes
from app.core.domain import AssetFilter, AssetInfo, AssetSort, CampaignInfo, ColorLabel, Flag
from app.core.library.service import LibraryService, NotesConflict
from app.ui.assets.asset_delegate import AssetDelegate
from app.ui.assets.asset_grid import EMPTY_CAMPAIGN_TEXT, NO_MATCH_TEXT, AssetGrid
from app.ui.assets.asset_model import AssetModel
from app.ui.assets.curation import Curator
from app.ui.assets.detail_panel import DetailPanel
from app.ui.assets.filter_bar import FilterBar, filter_from_json, filter_to_json, is_narrowing
from app.ui.assets.import_panel import ImportPanel
from app.ui.assets.import_runner import ImportRunner
from app.ui.assets.preview_window import PreviewWindow
from app.ui.assets.url_dialog import UrlDialog
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.history import Command, History
from app.ui.notices import Notices
from app.ui.preferences import Preferences
from app.ui.theme import LABEL_NAMES
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.widgets.flow_layout import FlowLayout
from app.ui.widgets.merge_dialog import MergeDialog
from app.ui.wording import plural

FIRST_PAGE = 1500  # rows asked first: more than one screen at the smallest zoom
PAGE = 50_000  # then the rest, in as few pages as possible: each append re-lays out every row
IMAGE_FILTER = "Images (*.jpg *.jpeg *.jpe *.png *.webp *.bmp *.tif *.tiff *.gif *.avif)"
MIN_ZOOM = 64  # px; the largest zoom is the thumbnails' own size (never blown up)
SCROLL_SETTLE_MS = 150
RELOAD_ABOVE = 2000  # a change naming more assets than this reloads the grid instead of reading them one by one
ZOOM_STEP = 32
ZOOM_KEY = "assets/thumbnail_px"
SPLITTER_KEY = "assets/splitter"
LABEL_KEYS = {ColorLabel.RED: "6", ColorLabel.YELLOW: "7", ColorLabel.GREEN: "8", ColorLabel.BLUE: "9"}


def _stop_preview(preview: list[PreviewWindow], *_: object) -> None:
    for window in preview:
        window.shutdown()


class AssetsPage(QWidget):
    """Shows one campaign's assets; ``load_finished`` after each (re)load."""

    load_finished = Signal()

    def __init__(self, library: LibraryService, loader: ThumbnailLoader, bridge: TaskBridge, feed: ChangeFeed,
                 notices: Notices, parent: QWidget | None = None, *, history: History | None = None,
                 preferences: Preferences | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.notices = notices
        self.history = history if history is not None else History(bridge, notices, self)
        self.preferences = preferences if preferences is not None else Preferences()
        self.campaign: CampaignInfo | None = None
        self.filter = AssetFilter()
        self.loading = False
        self._generation = 0
        self._pending_selection: list[int] = []
        self._dialog: QWidget | None = None
        self.confirm_box: QMessageBox | None = None
        self._preview: list[PreviewWindow] = []

        self.loader = loader
        self.destroyed.connect(partial(_stop_preview, self._preview))
        self.model = AssetModel(self)
        self.delegate = AssetDelegate(self.loader, self)
        self.grid = AssetGrid(self.delegate)
        self.grid.setModel(self.model)
        self.curator = Curator(library, bridge, notices, self.history, self)
        self.notes_merge: MergeDialog | None = None  # open while notes saved by someone else wait to be merged
        self.detail = DetailPanel()
        self.import_panel = ImportPanel()
        self.imports = ImportRunner(library, bridge, self.import_panel, self)
        self.filter_bar = FilterBar()
        self.zoom = QSlider(Qt.Orientation.Horizontal, toolTip="Thumbnail size")
        self.zoom.setRange(MIN_ZOOM, max(MIN_ZOOM * 2, self.loader.size))
        self.zoom.setSingleStep(16)
        self.zoom.setPageStep(ZOOM_STEP)
        self.zoom.setValue(self.preferences.integer(ZOOM_KEY, self.delegate.icon_px))
        self.zoom.setMaximumWidth(140)
        self.zoom.setMinimumWidth(80)
        self.count_label = QLabel()
        self._scroll_settle = QTimer(self, singleShot=True, interval=SCROLL_SETTLE_MS)
        self._scroll_settle.timeout.connect(self._scroll_settled)
        self._make_actions()
        self._build_layout()
        self._connect()
        self.grid.set_icon_px(self.zoom.value())
        self._make_preview()
        feed.changed.connect(self.apply_changes)

    # ---- actions -----------------------------------------------------------------------------------
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
        self.curation_actions = [*self.rating_actions, *self.flag_actions.values(), *self.label_actions.values(),
                                 self.preview_action, self.remove_action, self.delete_action, self.copy_path_action]

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

    # ---- curation ----------------------------------------------------------------------------------
    def rate_selected(self, rating: int) -> Command | None:
        return self.curator.set_rating(self.selected_ids(), rating)

    def flag_selected(self, flag: Flag) -> Command | None:
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

    # ---- zoom ----------------------------------------------------------------------------------------
    def zoom_by(self, steps: int) -> None:
        """Bigger (positive) or smaller thumbnails."""
        self.zoom.setValue(self.zoom.value() + steps * ZOOM_STEP)

    def reset_zoom(self) -> None:
        self.zoom.setValue(160)

    def set_details_visible(self, visible: bool) -> None:
        self.detail.setVisible(visible)

    # ---- layout and wiring -------------------------------------------------------------------------
    def _build_layout(self) -> None:
        import_files = QPushButton("Import files…")
        import_files.clicked.connect(self.import_files_dialog)
        import_more = QToolButton(text="More", popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(import_more)
        menu.addAction("Import a folder…", self.import_folder_dialog)
        menu.addAction("Import from URLs…", self.import_urls_dialog)
        import_more.setMenu(menu)
        self.toolbar = QWidget()
        self.toolbar.setAccessibleName("Image tools")
        tools = FlowLayout(self.toolbar, spacing=6)
        for widget in (import_files, import_more, *self.filter_bar.controls, QLabel("Zoom"), self.zoom):
            tools.addWidget(widget)
        self.splitter = splitter = QSplitter()
        splitter.addWidget(self.grid)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([900, 300])
        if (state := self.preferences.state(SPLITTER_KEY)) is not None:
            splitter.restoreState(state)
        splitter.splitterMoved.connect(lambda *_: self.preferences.set_value(SPLITTER_KEY, splitter.saveState()))
        status = QHBoxLayout()
        status.addWidget(self.count_label, 1)
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.toolbar)
        content_layout.addWidget(self.filter_bar)
        content_layout.addWidget(splitter, 1)
        content_layout.addWidget(self.import_panel)
        content_layout.addLayout(status)
        self.no_campaign = QLabel("Choose a campaign on the left to see its images.",
                                  alignment=Qt.AlignmentFlag.AlignCenter)
        self.no_campaign.setEnabled(False)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.no_campaign)
        self.stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack)

    def _connect(self) -> None:
        grid, detail, curator = self.grid, self.detail, self.curator
        grid.sources_dropped.connect(self.import_sources)
        grid.preview_requested.connect(self.open_preview)
        grid.customContextMenuRequested.connect(self._context_menu)
        grid.verticalScrollBar().valueChanged.connect(self._scroll_settle.start)
        grid.selectionModel().selectionChanged.connect(self._selection_changed)
        grid.selectionModel().currentChanged.connect(self._selection_changed)
        detail.rating_clicked.connect(lambda n: curator.set_rating(self.selected_ids(), n))
        detail.flag_clicked.connect(lambda f: curator.set_flag(self.selected_ids(), f))
        detail.label_clicked.connect(lambda label: curator.set_label(self.selected_ids(), label))
        detail.tag_added.connect(lambda name: curator.add_tag(self.selected_ids(), name))
        detail.tag_removed.connect(lambda name: curator.remove_tag(self.selected_ids(), name))
        detail.notes_edited.connect(curator.set_notes)
        curator.notes_saved.connect(detail.notes_saved)
        curator.notes_conflict.connect(self._notes_conflict)
        curator.tags_changed.connect(self._known_tags_changed)
        curator.removed.connect(self._removed)
        curator.notes_undone.connect(self._selection_changed)
        for signal in (self.model.dataChanged, self.model.rowsRemoved, self.model.modelReset,
                       self.model.rowsInserted, self.model.layoutChanged):
            signal.connect(self._selection_changed)  # the panel shows what the grid holds, never a stale asset
        self.loader.loaded.connect(self._thumbnail_ready)
        self.loader.failed.connect(self._thumbnail_failed)
        self.filter_bar.changed.connect(self._filter_changed)
        self.zoom.valueChanged.connect(grid.set_icon_px)
        self.zoom.valueChanged.connect(lambda px: self.preferences.set_value(ZOOM_KEY, px))
        self.imports.imported.connect(self._imported)

    # ---- campaign and loading ----------------------------------------------------------------------
    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s assets (None: a quiet placeholder)."""
        if campaign is not None and self.campaign is not None and campaign.id == self.campaign.id:
            self.campaign = campaign  # renamed or edited: same assets
            return
        self.detail.flush_notes()
        self._close_preview()
        self.campaign = campaign
        self._generation += 1
        self._pending_selection = []
        self.bridge.cancel("assets-load")
        self.loader.forget_pending()
        saved = self.preferences.document(self._filter_key()) if campaign is not None else {}
        self.filter_bar.set_filter(filter_from_json(saved))
        self.filter = self.filter_bar.current()
        self.model.clear()
        if campaign is None:
            self.stack.setCurrentWidget(self.no_campaign)
            self.loading = False
            return
        self.stack.setCurrentIndex(1)
        self.reload()
        self.curator.refresh_known_tags()

    def reload(self, select_ids: list[int] | None = None) -> None:
        """Query the campaign's assets again (first screen first); keep or set the selection by id."""
        if self.campaign is None:
            return
        keep = select_ids if select_ids is not None else self.selected_ids()
        self._pending_selection = list(dict.fromkeys(keep))
        self._generation += 1
        self.loading = True
        self._update_counts()
        self.bridge.run("assets-load", self._load(self.campaign.id, self.filter, self._generation),
                        on_error=self._load_failed)

    async def _load(self, campaign_id: int, filt: AssetFilter, generation: int) -> None:
        library = self.library
        offset, limit, after = 0, FIRST_PAGE, None
        while True:  # each page starts after the last row of the one before (keyset: deep pages cost no more)
            page = await library.list_asset_rows(campaign_id, filt, offset=offset, limit=limit, after=after)
            if generation != self._generation:
                return
            if offset == 0:
                self.loader.forget_pending()
                self.grid.set_placeholder(NO_MATCH_TEXT if is_narrowing(filt) else EMPTY_CAMPAIGN_TEXT)
                self.model.set_rows(page)
            else:
                self.model.append_rows(page)
            self._apply_pending_selection()
            offset += len(page)
            after = page[-1][0] if page else None
            if len(page) < limit:
                break
            limit = PAGE
        self.loading = False
        self._update_counts()
        self.load_finished.emit()

    def _notes_conflict(self, conflict: NotesConflict, mine: str) -> None:
        """Someone else saved the notes first: show theirs beside mine to merge (nothing of either is lost)."""
        if self.detail.asset is not None and self.detail.asset.id == conflict.asset_id:
            self.detail.set_notes_text(conflict.theirs, conflict.version)
        dialog = MergeDialog("notes", conflict.by, conflict.theirs, mine, self)
        dialog.merged.connect(lambda text: self.curator.set_notes(conflict.asset_id, text, conflict.version))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.notes_merge = dialog
        dialog.open()

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self._update_counts()
        self.notices.error("The images could not be listed", exc, key="assets-load")

    # ---- changes ------------------------------------------------------------------------------------
    def apply_changes(self, changes: Changes) -> None:
        """Refresh what ``changes`` touched of the shown campaign: its rows, its members, the tag list."""
        if self.campaign is None:
            return
        campaign_id = self.campaign.id
        if changes.tags or changes.everything:
            self.curator.refresh_known_tags()
        members_changed = changes.campaign_assets_of(campaign_id)
        if changes.everything or (members_changed and (not changes.assets or len(changes.assets) > RELOAD_ABOVE)):
            self.reload()
            return
        shown = self.model.ids()
        may_enter = members_changed or is_narrowing(self.filter)  # a new member, or an edit that now passes
        touched = [i for i in changes.assets if i in shown or may_enter][:RELOAD_ABOVE + 1]
        if len(touched) > RELOAD_ABOVE:
            self.reload()
            return
        if touched:
            self._refresh_rows(campaign_id, touched)

    def _refresh_rows(self, campaign_id: int, ids: list[int]) -> None:
        """Read ``ids`` again: shown rows update or go (deleted, removed, filtered out); new members arrive."""
        filt, generation = self.filter, self._generation

        def arrived(rows: list[tuple]) -> None:
            if generation != self._generation or self.campaign is None or self.campaign.id != campaign_id:
                return
            found = {row[0] for row in rows}
            self.model.remove_ids(i for i in ids if i not in found)
            self.model.replace_rows(rows)
            fresh = [row for row in rows if self.model.row_of(row[0]) is None]
            if fresh and filt.sort is AssetSort.IMPORTED and not filt.descending:
                self.model.append_rows(fresh)  # the newest imports sort last: their place is the end
            elif fresh:
                self.reload()
        self.bridge.run(f"assets-refresh-{campaign_id}",
                        self.library.list_asset_rows(campaign_id, filt, limit=len(ids), only_ids=ids),
                        on_done=arrived, on_error=self._load_failed, replace=False)

    def _filter_changed(self, filt: AssetFilter) -> None:
        self.filter = filt
        if self.campaign is not None:
            self.preferences.set_document(self._filter_key(), filter_to_json(filt))
        self.reload()

    def _filter_key(self) -> str:
        return self.preferences.library_key(f"campaigns/{self.campaign.id if self.campaign else 0}/asset_filter")

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

    def _selection_changed(self, *_: object) -> None:
        self.detail.show_asset(self.current_asset(), max(1, len(self.selected_rows())))
        self._update_counts()

    def _update_counts(self, *_: object) -> None:
        shown = self.model.rowCount()
        text = f"{shown:,} image{'s' if shown != 1 else ''}"
        if selected := len(self.selected_rows()):
            text += f" · {selected:,} selected"
        if self.loading:
            text += " · loading…"
        self.count_label.setText(text)

    # ---- thumbnails --------------------------------------------------------------------------------
    def _thumbnail_ready(self, asset_id: int) -> None:
        row = self.model.row_of(asset_id)
        if row is not None:
            self.grid.update(self.model.index(row))

    def _thumbnail_failed(self, asset_id: int, _message: str) -> None:
        self.delegate.failed.add(asset_id)
        self._thumbnail_ready(asset_id)

    def _scroll_settled(self) -> None:
        """Drop thumbnails queued for rows scrolled past; repainting asks again for the ones on screen."""
        self.loader.forget_pending()
        self.grid.viewport().update()

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

    # ---- preview -----------------------------------------------------------------------------------
    def _make_preview(self) -> None:
        """Made now (hidden), so its keys are listed in Help › Keyboard shortcuts before it first opens."""
        window = PreviewWindow(self.model, self.loader, self.library, self.bridge, self)
        window.row_changed.connect(self._preview_moved)
        window.rating_pressed.connect(lambda n: self._curate_previewed(lambda ids: self.curator.set_rating(ids, n)))
        window.flag_pressed.connect(lambda f: self._curate_previewed(lambda ids: self.curator.set_flag(ids, f)))
        window.label_pressed.connect(lambda label: self._curate_previewed(
            lambda ids: self.curator.set_label(ids, ColorLabel.NONE if self.preview.asset is not None
                                               and self.preview.asset.label is label else label)))
        window.closed.connect(self._preview_closed)
        self._preview.append(window)

    @property
    def preview(self) -> PreviewWindow:
        return self._preview[0]

    def open_preview(self) -> None:
        """Full screen on the current asset (Space, Return or double-click)."""
        index = self.grid.currentIndex()
        if index.isValid():
            self.preview.show_row(index.row())

    def _preview_moved(self, row: int) -> None:
        self.grid.setCurrentIndex(self.model.index(row))

    def _curate_previewed(self, edit: Callable[[list[int]], object]) -> None:
        asset = self.preview.asset
        if asset is not None:
            edit([asset.id])

    def _preview_closed(self) -> None:
        self.grid.setFocus()
        if self.grid.currentIndex().isValid():
            self.grid.scrollTo(self.grid.currentIndex())

    def _close_preview(self) -> None:
        if self._preview and self._preview[0].isVisible():
            self._preview[0].close()

    # ---- import ------------------------------------------------------------------------------------
    def import_sources(self, sources: list[str]) -> None:
        """Import files, folders and http(s) URLs into the shown campaign (queued behind a running import)."""
        if self._needs_campaign():
            self.imports.start(self.campaign, list(sources))  # type: ignore[arg-type]

    def import_files_dialog(self) -> None:
        """File → Import…: choose image files (non-modal)."""
        if not self._needs_campaign():
            return
        dialog = QFileDialog(self, "Import images")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters([IMAGE_FILTER, "All files (*)"])
        dialog.filesSelected.connect(self.import_sources)
        self._open_dialog(dialog)

    def import_folder_dialog(self) -> None:
        """Choose a folder; its images are imported recursively (non-modal)."""
        if not self._needs_campaign():
            return
        dialog = QFileDialog(self, "Import a folder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda path: self.import_sources([path]))
        self._open_dialog(dialog)

    def import_urls_dialog(self) -> None:
        """Paste or type http(s) image URLs, one per line (non-modal)."""
        if not self._needs_campaign():
            return
        dialog = UrlDialog(self)
        dialog.urls_chosen.connect(self.import_sources)
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: QFileDialog | UrlDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.open()

    def _needs_campaign(self) -> bool:
        if self.campaign is None:
            self.notices.info("Choose a campaign first: images are imported into a campaign.")
            return False
        return True

    def _imported(self, campaign_id: int, ids: list[int]) -> None:
        if self.campaign is not None and self.campaign.id == campaign_id and ids:
            self.reload(select_ids=ids)

    # ---- misc --------------------------------------------------------------------------------------
    def _known_tags_changed(self) -> None:
        self.detail.tag_editor.set_known_tags(self.curator.known_tags)
        self.filter_bar.set_known_tags(self.curator.known_tags)

    def shutdown(self) -> None:
        """Stop the preview decoder (the page is going away)."""
        _stop_preview(self._preview)
