"""The Generate dialog's checklist of a campaign's pairs, each shown with both frames' thumbnails."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QListWidget, QListWidgetItem, QWidget

from app.core.domain import AssetInfo, PairSuggestion
from app.ui.thumbnail_loader import ThumbnailLoader

ICON_W, ICON_H, GAP = 72, 48, 16
PAIR_ROLE = Qt.ItemDataRole.UserRole + 1


def pair_icon(first: QPixmap | None, last: QPixmap | None) -> QIcon:
    """Both frames side by side with an arrow between them (boxes of the palette's mid tone while a thumbnail is
    missing)."""
    palette = QApplication.palette()
    canvas = QPixmap(2 * ICON_W + GAP, ICON_H)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.setPen(palette.color(QPalette.ColorRole.Text))
    for x, pixmap in ((0, first), (ICON_W + GAP, last)):
        if pixmap is None or pixmap.isNull():
            painter.fillRect(x, 0, ICON_W, ICON_H, palette.color(QPalette.ColorRole.Mid))
            continue
        scaled = pixmap.scaled(ICON_W, ICON_H, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        painter.drawPixmap(x + (ICON_W - scaled.width()) // 2, (ICON_H - scaled.height()) // 2, scaled)
    painter.drawText(ICON_W, 0, GAP, ICON_H, Qt.AlignmentFlag.AlignCenter, "→")
    painter.end()
    return QIcon(canvas)


class PairChecklist(QListWidget):
    """Checkable pairs; ``selection_changed`` fires when a box is ticked or cleared."""

    selection_changed = Signal()

    def __init__(self, thumbnails: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.assets: dict[int, AssetInfo] = {}
        self.setIconSize(QSize(2 * ICON_W + GAP, ICON_H))
        self.setUniformItemSizes(True)
        self.itemChanged.connect(lambda _item: self.selection_changed.emit())
        thumbnails.loaded.connect(self._thumbnail_loaded)

    def set_pairs(self, pairs: Sequence[PairSuggestion]) -> None:
        """Show ``pairs``, all ticked (names and thumbnails follow with ``set_assets``)."""
        self.blockSignals(True)
        self.clear()
        for number, pair in enumerate(pairs, 1):
            item = QListWidgetItem()
            item.setData(PAIR_ROLE, pair)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.addItem(item)
            self._describe(item, number)
        self.blockSignals(False)
        self.selection_changed.emit()

    def set_assets(self, assets: Sequence[AssetInfo]) -> None:
        """Name the frames and ask for their thumbnails."""
        self.assets.update((a.id, a) for a in assets)
        self.blockSignals(True)
        for row in range(self.count()):
            self._describe(self.item(row), row + 1)
        self.blockSignals(False)

    def set_all(self, checked: bool) -> None:
        self.blockSignals(True)
        state = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        for row in range(self.count()):
            self.item(row).setCheckState(state)
        self.blockSignals(False)
        self.selection_changed.emit()

    def checked_pairs(self) -> tuple[PairSuggestion, ...]:
        return tuple(self.item(r).data(PAIR_ROLE) for r in range(self.count())
                     if self.item(r).checkState() == Qt.CheckState.Checked)

    def _describe(self, item: QListWidgetItem, number: int) -> None:
        pair: PairSuggestion = item.data(PAIR_ROLE)
        first, last = self.assets.get(pair.first_asset_id), self.assets.get(pair.last_asset_id)
        names = f"{first.original_name if first else pair.first_asset_id} → " \
                f"{last.original_name if last else pair.last_asset_id}"
        prompt = " ".join(pair.prompt.split())
        item.setText(f"{number}. {names}\n{prompt[:90] + '…' if len(prompt) > 90 else prompt}")
        item.setToolTip(f"{names}\n\n{pair.prompt}" + (f"\n\n{pair.reasoning}" if pair.reasoning else ""))
        pixmaps = [self.thumbnails.pixmap(a) if a else None for a in (first, last)]
        item.setIcon(pair_icon(*pixmaps))

    def _thumbnail_loaded(self, asset_id: int) -> None:
        self.blockSignals(True)
        for row in range(self.count()):
            pair: PairSuggestion = self.item(row).data(PAIR_ROLE)
            if asset_id in (pair.first_asset_id, pair.last_asset_id):
                self._describe(self.item(row), row + 1)
        self.blockSignals(False)
