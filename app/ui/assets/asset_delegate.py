"""Paints one grid cell: the thumbnail (sharp at the screen's pixel ratio), the flag badge, the colour label, the
stars and the name, in the colours of the view's palette."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.core.domain import AssetInfo, ColorLabel, Flag
from app.ui.assets.asset_model import ASSET_ROLE
from app.ui.assets.stars import stars_pixmap
from app.ui.theme import Tone, label_color, tone_color
from app.ui.thumbnail_loader import ThumbnailLoader

PAD = 6
BADGE_PX = 20
LABEL_BAR_PX = 4
_SCALED_CACHE_ITEMS = 1500
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER_WRAP = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap

__all__ = ["AssetDelegate", "flag_badge"]


class AssetDelegate(QStyledItemDelegate):
    """Cells of ``icon_px`` thumbnails; pixmaps come from the loader (queued when missing, never decoded here)."""

    def __init__(self, loader: ThumbnailLoader, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.icon_px = 160
        self.failed: set[int] = set()
        self._scaled: OrderedDict[tuple[int, int, float], QPixmap] = OrderedDict()
        self._badges: dict[tuple[Flag, float, int], QPixmap] = {}
        self._stars: dict[tuple[int, int, float, bool, int], QPixmap] = {}
        self._font = QFont()
        self._metrics = QFontMetrics(self._font)

    def set_icon_px(self, px: int) -> None:
        if px != self.icon_px:
            self.icon_px = px
            self._scaled.clear()

    def forget(self, asset_id: int) -> None:
        """Drop the scaled copies of one asset (its thumbnail changed or failed)."""
        for key in [k for k in self._scaled if k[0] == asset_id]:
            del self._scaled[key]

    def cell_size(self) -> QSize:
        line = self._metrics.height()
        return QSize(self.icon_px + 2 * PAD, self.icon_px + 2 * PAD + 2 * line + 2)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return self.cell_size()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        asset: AssetInfo | None = index.data(ASSET_ROLE)
        if asset is None:
            return
        painter.save()
        rect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(rect).adjusted(1, 1, -1, -1), 6, 6)
        thumb = QRect(rect.x() + PAD, rect.y() + PAD, self.icon_px, self.icon_px)
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        if asset.flag is Flag.REJECT:
            painter.setOpacity(0.45)
        self._paint_thumbnail(painter, thumb, asset, palette, ratio)
        painter.setOpacity(1.0)
        self._paint_label(painter, thumb, asset.label, palette)
        self._paint_flag(painter, thumb, asset.flag, palette, ratio)
        line = self._metrics.height()
        stars_top = thumb.bottom() + 3
        star = max(8, line - 4)
        painter.drawPixmap(QPointF(rect.x() + PAD, stars_top + (line - star) / 2),
                           self._stars_pixmap(asset.rating, star, palette, ratio, selected))
        name_rect = QRect(rect.x() + PAD, stars_top + line + 1, self.icon_px, line)
        painter.setFont(self._font)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        name = self._metrics.elidedText(asset.original_name, Qt.TextElideMode.ElideMiddle, self.icon_px)
        painter.drawText(name_rect, _LEFT, name)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()

    def _paint_thumbnail(self, painter: QPainter, thumb: QRect, asset: AssetInfo, palette: QPalette,
                         ratio: float) -> None:
        pixmap = self._scaled_pixmap(asset, ratio)
        if pixmap is None:
            painter.fillRect(thumb, palette.color(QPalette.ColorRole.AlternateBase))
            if asset.id in self.failed:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(thumb, _CENTER_WRAP, "No preview")
            return
        size = pixmap.deviceIndependentSize()
        x = thumb.x() + (thumb.width() - size.width()) / 2
        y = thumb.y() + (thumb.height() - size.height()) / 2
        painter.drawPixmap(QPointF(x, y), pixmap)

    def _scaled_pixmap(self, asset: AssetInfo, ratio: float) -> QPixmap | None:
        """The thumbnail at ``icon_px`` logical pixels, with as many device pixels as the screen shows (never
        more than the thumbnail has)."""
        key = (asset.id, self.icon_px, ratio)
        cached = self._scaled.get(key)
        if cached is not None:
            self._scaled.move_to_end(key)
            return cached
        source = self.loader.pixmap(asset)
        if source is None:
            return None
        target = round(self.icon_px * ratio)
        if source.width() > target or source.height() > target:
            scaled = source.scaled(target, target, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        else:
            scaled = QPixmap(source)
        longest = max(scaled.width(), scaled.height(), 1)
        scaled.setDevicePixelRatio(max(ratio, longest / self.icon_px))  # fits icon_px, uses every device pixel
        self._scaled[key] = scaled
        if len(self._scaled) > _SCALED_CACHE_ITEMS:
            self._scaled.popitem(last=False)
        return scaled

    def _stars_pixmap(self, rating: int, size: int, palette: QPalette, ratio: float, selected: bool) -> QPixmap:
        key = (rating, size, ratio, selected, palette.cacheKey())
        pixmap = self._stars.get(key)
        if pixmap is None:
            if len(self._stars) > 64:  # palettes come and go with themes
                self._stars.clear()
            pixmap = self._stars[key] = stars_pixmap(rating, size, palette, ratio, selected=selected)
        return pixmap

    @staticmethod
    def _paint_label(painter: QPainter, thumb: QRect, label: ColorLabel, palette: QPalette) -> None:
        if label is ColorLabel.NONE:
            return
        color = label_color(label, palette)
        painter.fillRect(QRect(thumb.x(), thumb.bottom() - LABEL_BAR_PX + 1, thumb.width(), LABEL_BAR_PX), color)
        painter.setPen(QPen(color, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(thumb).adjusted(1, 1, -1, -1))

    def _paint_flag(self, painter: QPainter, thumb: QRect, flag: Flag, palette: QPalette, ratio: float) -> None:
        if flag is Flag.NONE:
            return
        key = (flag, ratio, palette.cacheKey())
        badge = self._badges.get(key)
        if badge is None:
            if len(self._badges) > 32:  # palettes come and go with themes
                self._badges.clear()
            badge = self._badges[key] = flag_badge(flag, ratio, palette)
        painter.drawPixmap(thumb.right() - BADGE_PX - 3, thumb.y() + 3, badge)


def flag_badge(flag: Flag, ratio: float = 1.0, palette: QPalette | None = None) -> QPixmap:
    """The round pick (tick) or reject (cross) badge, drawn once per theme and reused for every cell."""
    pixmap = QPixmap(round(BADGE_PX * ratio), round(BADGE_PX * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    fill = tone_color(Tone.SUCCESS if flag is Flag.PICK else Tone.ERROR, palette)
    mark = QColor(Qt.GlobalColor.white) if fill.lightness() < 150 else QColor(Qt.GlobalColor.black)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(mark, 1.5))
    painter.setBrush(fill)
    painter.drawEllipse(QRectF(1, 1, BADGE_PX - 2, BADGE_PX - 2))
    painter.setPen(QPen(mark, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    c = BADGE_PX / 2
    if flag is Flag.PICK:
        painter.drawPolyline([QPointF(c - 5, c), QPointF(c - 1.5, c + 4), QPointF(c + 5, c - 4)])
    else:
        painter.drawLine(QPointF(c - 4, c - 4), QPointF(c + 4, c + 4))
        painter.drawLine(QPointF(c + 4, c - 4), QPointF(c - 4, c + 4))
    painter.end()
    return pixmap
