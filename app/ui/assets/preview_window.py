"""Full-screen preview of the grid's assets: arrows move, Escape leaves, rating, flag and label keys work here too.

The keys are actions of this window (listed in Help › Keyboard shortcuts under "Preview"). It opens over the whole
screen the main window is on, also where no window manager honours "full screen".
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import QWidget

from app.core.domain import AssetInfo, ColorLabel, Flag
from app.core.library.images import open_oriented
from app.core.library.service import LibraryService
from app.ui.assets.asset_model import AssetModel
from app.ui.assets.stars import paint_stars
from app.ui.bridge import TaskBridge, describe_error
from app.ui.shortcuts_dialog import AREA_PROPERTY
from app.ui.theme import LABEL_NAMES, Tone, dark_palette, label_color, tone_color
from app.ui.thumbnail_loader import ThumbnailLoader

_KEPT_IMAGES = 4
_FLAG_TEXT = {Flag.PICK: "Picked", Flag.REJECT: "Rejected", Flag.NONE: ""}
_LABEL_KEYS = {ColorLabel.RED: "6", ColorLabel.YELLOW: "7", ColorLabel.GREEN: "8", ColorLabel.BLUE: "9"}


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
    label_pressed = Signal(object)  # ColorLabel
    closed = Signal()

    def __init__(self, model: AssetModel, loader: ThumbnailLoader, library: LibraryService, bridge: TaskBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Preview")
        self.setProperty(AREA_PROPERTY, "Preview")
        self.setMinimumSize(480, 320)
        self._make_actions()
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

    def _make_actions(self) -> None:
        def action(text: str, keys: Sequence[str | QKeySequence], slot: Callable[[], None]) -> None:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(lambda _checked=False: slot())
            self.addAction(act)
        action("Next image", ["Right", "Down", "PgDown"], lambda: self.step(1))
        action("Previous image", ["Left", "Up", "PgUp"], lambda: self.step(-1))
        action("First image", ["Home"], lambda: self.step(-self.row))
        action("Last image", ["End"], lambda: self.step(self.model.rowCount()))
        action("Close the preview", ["Esc", "Space"], self.close)
        for stars in range(6):
            text = f"Rate {stars} star{'s' * (stars != 1)}" if stars else "Clear the rating"
            action(text, [str(stars)], lambda n=stars: self.rating_pressed.emit(n))
        for flag, text, key in ((Flag.PICK, "Pick", "P"), (Flag.REJECT, "Reject", "X"), (Flag.NONE, "Unflag", "U")):
            action(text, [key], lambda f=flag: self.flag_pressed.emit(f))
        for label, key in _LABEL_KEYS.items():
            action(f"{LABEL_NAMES[label]} label", [key], lambda chosen=label: self.label_pressed.emit(chosen))

    def show_row(self, row: int) -> None:
        """Open (or move) the preview on ``row``, over the screen the main window is on."""
        if self.model.asset(row) is None:
            return
        self.row = row
        self._load()
        if not self.isVisible():
            owner = self.parentWidget().window() if self.parentWidget() is not None else None
            screen = (owner.screen() if owner is not None else None) or QGuiApplication.primaryScreen()
            self.setGeometry(screen.geometry())  # without a window manager, full screen is only asked for
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
        palette = dark_palette()  # the preview is dark in both themes, like a light box
        painter.setPen(palette.color(palette.ColorRole.WindowText))
        label = f"    {LABEL_NAMES[asset.label]} label" if asset.label is not ColorLabel.NONE else ""
        text = (f"{asset.original_name}    {self.row + 1} / {self.model.rowCount()}    {_FLAG_TEXT[asset.flag]}"
                f"{label}")
        painter.drawText(band.adjusted(16, 0, -16, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         text)
        if asset.label is not ColorLabel.NONE:
            painter.fillRect(QRect(0, band.y() - 4, self.width(), 4), label_color(asset.label, palette))
        star = 18
        paint_stars(painter, band.right() - 16 - 5 * star - 8, band.center().y() - star / 2, star, asset.rating,
                    palette)
        if self.error:
            painter.setPen(tone_color(Tone.ERROR, palette))
            painter.drawText(self.rect().adjusted(40, 40, -40, -80),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.error)
