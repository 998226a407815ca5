"""A small non-modal window to add a pair by hand: choose the first frame, the last frame, then Add pair."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.core.domain import AssetInfo
from app.ui.thumbnail_loader import ThumbnailLoader

ICON_PX = 96
ASSET_ROLE = Qt.ItemDataRole.UserRole + 1


def _placeholder() -> QIcon:
    pixmap = QPixmap(ICON_PX, ICON_PX * 2 // 3)
    pixmap.fill(QApplication.palette().color(QPalette.ColorRole.Mid))
    return QIcon(pixmap)


class AssetPairPicker(QWidget):
    """Two thumbnail lists over the campaign's usable assets; ``pair_chosen(first_id, last_id)`` on Add pair.

    It stays open for more pairs until closed, and never blocks the window behind it.
    """

    pair_chosen = Signal(int, int)

    def __init__(self, thumbnails: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Add a pair")
        self.thumbnails = thumbnails
        self.first_list = self._asset_list("First frame")
        self.last_list = self._asset_list("Last frame")
        self.add_button = QPushButton("Add pair")
        self.add_button.setDefault(True)
        self.add_button.clicked.connect(self._add)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        self.status = QLabel("Choose the clip's first frame on the left and its last frame on the right.")
        self.status.setWordWrap(True)
        grid = QGridLayout(self)
        grid.addWidget(QLabel("First frame"), 0, 0)
        grid.addWidget(QLabel("Last frame"), 0, 1)
        grid.addWidget(self.first_list, 1, 0)
        grid.addWidget(self.last_list, 1, 1)
        grid.addWidget(self.status, 2, 0, 1, 2)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.close_button)
        grid.addLayout(buttons, 3, 0, 1, 2)
        self.resize(760, 520)
        thumbnails.loaded.connect(self._thumbnail_loaded)
        self._update()

    def _asset_list(self, name: str) -> QListWidget:
        view = QListWidget()
        view.setAccessibleName(name)
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setIconSize(QSize(ICON_PX, ICON_PX))
        view.setGridSize(QSize(ICON_PX + 24, ICON_PX + 40))
        view.setWordWrap(True)
        view.currentItemChanged.connect(lambda *_: self._update())
        view.itemDoubleClicked.connect(lambda _item: self._add() if self.add_button.isEnabled() else None)
        return view

    def set_assets(self, assets: Sequence[AssetInfo]) -> None:
        """Offer ``assets`` (the campaign's usable ones) in both lists, keeping the current choices."""
        for view in (self.first_list, self.last_list):
            current = self._chosen(view)
            view.clear()
            for asset in assets:
                item = QListWidgetItem(asset.original_name)
                item.setData(ASSET_ROLE, asset)
                item.setToolTip(f"{asset.original_name} · {asset.width}×{asset.height} · {asset.rating}★")
                item.setIcon(self._icon(asset))
                view.addItem(item)
                if current is not None and asset.id == current:
                    view.setCurrentItem(item)
        self._update()

    def choose(self, first_id: int, last_id: int) -> None:
        """Select ``first_id`` and ``last_id`` (keyboard-free use and tests)."""
        for view, wanted in ((self.first_list, first_id), (self.last_list, last_id)):
            for row in range(view.count()):
                if view.item(row).data(ASSET_ROLE).id == wanted:
                    view.setCurrentRow(row)

    def _icon(self, asset: AssetInfo) -> QIcon:
        pixmap = self.thumbnails.pixmap(asset)
        return QIcon(pixmap) if pixmap is not None else _placeholder()

    @staticmethod
    def _chosen(view: QListWidget) -> int | None:
        item = view.currentItem()
        return item.data(ASSET_ROLE).id if item is not None else None

    def _update(self) -> None:
        first, last = self._chosen(self.first_list), self._chosen(self.last_list)
        self.add_button.setEnabled(first is not None and last is not None and first != last)
        if first is not None and first == last:
            self.status.setText("The first and last frame must be different images.")

    def _add(self) -> None:
        first, last = self._chosen(self.first_list), self._chosen(self.last_list)
        if first is None or last is None or first == last:
            return
        self.pair_chosen.emit(first, last)
        names = [v.currentItem().text() for v in (self.first_list, self.last_list)]
        self.status.setText(f"Added {names[0]} → {names[1]}. Choose another pair, or close.")

    def _thumbnail_loaded(self, asset_id: int) -> None:
        for view in (self.first_list, self.last_list):
            for row in range(view.count()):
                item = view.item(row)
                asset: AssetInfo = item.data(ASSET_ROLE)
                if asset.id == asset_id:
                    item.setIcon(self._icon(asset))
