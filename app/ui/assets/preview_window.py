"""Full-screen preview of the grid's assets: arrows move, Escape leaves, rating and flag keys work here too."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QGuiApplication, QImage, QKeyEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QWidget

from app.core.domain import AssetInfo, Flag
from app.core.library.images import open_oriented
from app.core.library.service import LibraryService
from app.ui.assets.asset_delegate import STAR_COLOR, stars_text
from app.ui.assets.asset_model import AssetModel
from app.ui.bridge import TaskBridge, describe_error
from app.ui.thumbnail_loader import ThumbnailLoader

_KEPT_IMAGES = 4
_RATING_KEYS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(6)}
_FLAG_KEYS = {Qt.Key.Key_P: Flag.PICK, Qt.Key.Key_X: Flag.REJECT, Qt.Key.Key_U: Flag.NONE}
_FLAG_TEXT = {Flag.PICK: "Picked", Flag.REJECT: "Rejected", Flag.NONE: ""}


def decode_for_screen(path: Path, max_px: int) -> QImage:
    """The original at ``path``, oriented, at most ``max_px`` on its long side, as a QImage (any thread)."""
    img = open_oriented(path, max_px)
    data = img.tobytes("raw", "RGB")
    return QImage(data, img.width, img.height, img.width * 3, QImage.Format.Format_RGB888).copy()


def fit(size: QSize, area: QRect) -> QRect:
    """The largest rectangle of ``size``'s aspect centred in ``area``."""
    scaled = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    return QRect(area.x() + (area.width() - scaled.width()) // 2,
                 area.y() + (area.height() - scaled.height()) // 2, scaled.width(), scaled.height())


class PreviewWindow(QWidget):
    """Shows the model's row ``row`` full screen; the thumbnail stands in until the original is decoded."""

    row_changed = Signal(int)
    rating_pressed = Signal(int)
    flag_pressed = Signal(object)  # Flag
    closed = Signal()

    def __init__(self, model: AssetModel, loader: ThumbnailLoader, library: LibraryService, bridge: TaskBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Preview")
        self.model = model
        self.loader = loader
        self.library = library
        self.bridge = bridge
        self.row = -1
        self.error = ""
        self._images: OrderedDict[int, QPixmap] = OrderedDict()
        self._wanted: int | None = None
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        model.dataChanged.connect(self.update)
        model.modelReset.connect(self.close)
        model.rowsRemoved.connect(self._rows_removed)

    @property
    def asset(self) -> AssetInfo | None:
        return self.model.asset(self.row)

    def show_row(self, row: int) -> None:
        """Open (or move) the preview on ``row``."""
        if self.model.asset(row) is None:
            return
        self.row = row
        self._load()
        if not self.isVisible():
            self.showFullScreen()
        self.raise_()
        self.activateWindow()
        self.setFocus()

    def current_pixmap(self) -> QPixmap | None:
        """The decoded original of the shown asset, once it is there."""
        asset = self.asset
        return self._images.get(asset.id) if asset else None

    def shutdown(self) -> None:
        self._wanted = None
        self._decoder.shutdown(wait=False, cancel_futures=True)

    def step(self, delta: int) -> None:
        """Move by ``delta`` rows, staying within the model."""
        row = max(0, min(self.model.rowCount() - 1, self.row + delta))
        if row != self.row:
            self.row = row
            self.row_changed.emit(row)
            self._load()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.step(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.step(-1)
        elif key == Qt.Key.Key_Home:
            self.step(-self.row)
        elif key == Qt.Key.Key_End:
            self.step(self.model.rowCount())
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Space):
            self.close()
        elif key in _RATING_KEYS:
            self.rating_pressed.emit(_RATING_KEYS[key])
        elif key in _FLAG_KEYS:
            self.flag_pressed.emit(_FLAG_KEYS[key])
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._wanted = None
        super().closeEvent(event)
        self.closed.emit()

    # ---- loading -------------------------------------------------------------------------------------
    def _load(self) -> None:
        asset = self.asset
        self.error = ""
        self.update()
        if asset is None or asset.id in self._images:
            return
        self._wanted = asset.id
        self.bridge.run("assets-preview", self._decode(asset), on_error=self._failed)

    async def _decode(self, asset: AssetInfo) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        size = screen.geometry().size() * screen.devicePixelRatio()
        max_px = max(size.width(), size.height(), 640)
        path = self.library.asset_path(asset)
        image = await asyncio.get_running_loop().run_in_executor(self._decoder, self._decode_if_wanted,
                                                                 asset.id, path, max_px)
        if image is None:
            return
        self._images[asset.id] = QPixmap.fromImage(image)
        while len(self._images) > _KEPT_IMAGES:
            self._images.popitem(last=False)
        if self.asset is not None and self.asset.id == asset.id:
            self.update()

    def _decode_if_wanted(self, asset_id: int, path: Path, max_px: int) -> QImage | None:
        if self._wanted != asset_id:  # the user moved on before this one started
            return None
        return decode_for_screen(path, max_px)

    def _failed(self, exc: BaseException) -> None:
        self.error = f"The original cannot be shown: {describe_error(exc)}"
        self.update()

    def _rows_removed(self) -> None:
        if self.model.rowCount() == 0:
            self.close()
        else:
            self.row = min(self.row, self.model.rowCount() - 1)
            self._load()

    # ---- painting ------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("black"))
        asset = self.asset
        if asset is None:
            return
        pixmap = self._images.get(asset.id) or self.loader.pixmap(asset)
        if pixmap is not None and not pixmap.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(fit(pixmap.size(), self.rect()), pixmap)
        band = QRect(0, self.height() - 44, self.width(), 44)
        painter.fillRect(band, QColor(0, 0, 0, 150))
        painter.setPen(QColor("white"))
        text = f"{asset.original_name}    {self.row + 1} / {self.model.rowCount()}    {_FLAG_TEXT[asset.flag]}"
        painter.drawText(band.adjusted(16, 0, -16, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         text)
        painter.setPen(STAR_COLOR)
        painter.drawText(band.adjusted(16, 0, -16, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         stars_text(asset.rating))
        if self.error:
            painter.setPen(QColor("#ff8a80"))
            painter.drawText(self.rect().adjusted(40, 40, -40, -80),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.error)
