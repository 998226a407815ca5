"""The campaign's asset grid: import (drop, files, folder, URLs), curation, filters, detail panel and preview.

The grid follows the change feed: rows an operation (of this window or another process) changed are read again,
rows that left the campaign or no longer pass the filter go, and new ones arrive. The detail panel always shows
the grid's current asset, and nothing when the grid has none.

Curation is done by this page's actions (keys 0–5, P/X/U, 6–9, Space, Delete; also in the grid's context menu);
every edit is a command of the window's undo history. The tool bar wraps on a narrow window. The thumbnail size,
the splitter and each campaign's filter are remembered.

The page is made of parts beside it in ``app.ui.assets``: ``page_actions`` (keys and context menu),
``page_selection`` (selection and curation commands), ``page_preview`` (full screen), ``page_imports`` (import
dialogs) and ``page_loading`` (reading the rows and following the change feed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
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

from app.core.domain import AssetFilter, CampaignInfo
from app.core.library.service import LibraryService
from app.ui.assets.asset_delegate import AssetDelegate
from app.ui.assets.asset_grid import AssetGrid
from app.ui.assets.asset_model import AssetModel
from app.ui.assets.curation import Curator
from app.ui.assets.detail_panel import DetailPanel
from app.ui.assets.filter_bar import FilterBar
from app.ui.assets.import_panel import ImportPanel
from app.ui.assets.import_runner import ImportRunner
from app.ui.assets.page_actions import CurationActionsMixin
from app.ui.assets.page_imports import ImportDialogsMixin
from app.ui.assets.page_loading import CampaignLoadingMixin
from app.ui.assets.page_preview import PreviewMixin
from app.ui.assets.page_selection import SelectionCommandsMixin
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.history import History
from app.ui.notices import Notices
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.widgets.flow_layout import FlowLayout
from app.ui.widgets.merge_dialog import MergeDialog

MIN_ZOOM = 64  # px; the largest zoom is the thumbnails' own size (never blown up)
SCROLL_SETTLE_MS = 150
ZOOM_STEP = 32
ZOOM_KEY = "assets/thumbnail_px"
SPLITTER_KEY = "assets/splitter"


class AssetsPage(CurationActionsMixin, SelectionCommandsMixin, PreviewMixin, ImportDialogsMixin, CampaignLoadingMixin,
                 QWidget):
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

        self.loader = loader
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

    # ---- detail panel and counts -------------------------------------------------------------------
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

    # ---- tags --------------------------------------------------------------------------------------
    def _known_tags_changed(self) -> None:
        self.detail.tag_editor.set_known_tags(self.curator.known_tags)
        self.filter_bar.set_known_tags(self.curator.known_tags)

