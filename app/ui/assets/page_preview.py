"""The assets page's full-screen preview: opened on the grid's current image, moving the grid along with it, and
curating the image it shows."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Signal

from app.core.domain import ColorLabel
from app.core.library.service import LibraryService
from app.ui.assets.asset_grid import AssetGrid
from app.ui.assets.asset_model import AssetModel
from app.ui.assets.curation import Curator
from app.ui.assets.preview_window import PreviewWindow
from app.ui.bridge import TaskBridge
from app.ui.thumbnail_loader import ThumbnailLoader


def _stop_preview(preview: list[PreviewWindow], *_: object) -> None:
    for window in preview:
        window.shutdown()


class PreviewMixin:
    """Part of ``AssetsPage``: the preview window (made hidden with the page) and its link to the grid."""

    grid: AssetGrid
    model: AssetModel
    loader: ThumbnailLoader
    library: LibraryService
    bridge: TaskBridge
    curator: Curator
    destroyed: Signal
    _preview: list[PreviewWindow]

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
        self._preview = [window]  # a list the page's destroyed slot holds, so it never holds the page itself
        self.destroyed.connect(partial(_stop_preview, self._preview))

    @property
    def preview(self) -> PreviewWindow:
        """The full-screen preview window (hidden until opened)."""
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
        if self.preview.isVisible():
            self.preview.close()

    def shutdown(self) -> None:
        """Stop the preview decoder (the page is going away)."""
        _stop_preview(self._preview)
