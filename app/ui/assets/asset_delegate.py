"""Paints one grid cell: the thumbnail, the flag badge, the stars and the name."""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.core.domain import AssetInfo, Flag
from app.ui.assets.asset_model import ASSET_ROLE
from app.ui.thumbnail_loader import ThumbnailLoader

PAD = 6
BADGE_PX = 20
STAR_COLOR = QColor("#f2b01e")
PICK_COLOR = QColor("#2e9d4f")
REJECT_COLOR = QColor("#d0413a")
_SCALED_CACHE_ITEMS = 1500
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER_WRAP = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap


def stars_text(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating)


class AssetDelegate(QStyledItemDelegate):
    """Cells of ``icon_px`` thumbnails; pixmaps come from the loader (queued when missing, never decoded here)."""

    def __init__(self, loader: ThumbnailLoader, parent=None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.icon_px = 160
        self.failed: set[int] = set()
        self._scaled: OrderedDict[tuple[int, int], QPixmap] = OrderedDict()
        self._badges: dict[Flag, QPixmap] = {}
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
        if asset.flag is Flag.REJECT:
            painter.setOpacity(0.45)
        self._paint_thumbnail(painter, thumb, asset, palette)
        painter.setOpacity(1.0)
        self._paint_flag(painter, thumb, asset.flag)
        line = self._metrics.height()
        text_color = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        stars_rect = QRect(rect.x() + PAD, thumb.bottom() + 3, self.icon_px, line)
        painter.setFont(self._font)
        painter.setPen(STAR_COLOR if asset.rating else palette.color(QPalette.ColorRole.Mid))
        painter.drawText(stars_rect, _LEFT, stars_text(asset.rating))
        name_rect = QRect(rect.x() + PAD, stars_rect.bottom() + 1, self.icon_px, line)
        painter.setPen(text_color)
        name = self._metrics.elidedText(asset.original_name, Qt.TextElideMode.ElideMiddle, self.icon_px)
        painter.drawText(name_rect, _LEFT, name)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.restore()

    def _paint_thumbnail(self, painter: QPainter, thumb: QRect, asset: AssetInfo, palette: QPalette) -> None:
        pixmap = self._scaled_pixmap(asset)
        if pixmap is None:
            painter.fillRect(thumb, palette.color(QPalette.ColorRole.AlternateBase))
            if asset.id in self.failed:
                painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(thumb, _CENTER_WRAP, "No preview")
            return
        x = thumb.x() + (thumb.width() - pixmap.width()) // 2
        y = thumb.y() + (thumb.height() - pixmap.height()) // 2
        painter.drawPixmap(x, y, pixmap)

    def _scaled_pixmap(self, asset: AssetInfo) -> QPixmap | None:
        key = (asset.id, self.icon_px)
        cached = self._scaled.get(key)
        if cached is not None:
            self._scaled.move_to_end(key)
            return cached
        source = self.loader.pixmap(asset)
        if source is None:
            return None
        if source.width() <= self.icon_px and source.height() <= self.icon_px:
            scaled = source
        else:
            scaled = source.scaled(self.icon_px, self.icon_px, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self._scaled[key] = scaled
        if len(self._scaled) > _SCALED_CACHE_ITEMS:
            self._scaled.popitem(last=False)
        return scaled

    def _paint_flag(self, painter: QPainter, thumb: QRect, flag: Flag) -> None:
        if flag is Flag.NONE:
            return
        badge = self._badges.get(flag)
        if badge is None:
            badge = self._badges[flag] = flag_badge(flag, painter.device().devicePixelRatioF())
        painter.drawPixmap(thumb.right() - BADGE_PX - 3, thumb.y() + 3, badge)


def flag_badge(flag: Flag, ratio: float = 1.0) -> QPixmap:
    """The round pick (tick) or reject (cross) badge, drawn once and reused for every cell."""
    pixmap = QPixmap(round(BADGE_PX * ratio), round(BADGE_PX * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("white"), 1.5))
    painter.setBrush(PICK_COLOR if flag is Flag.PICK else REJECT_COLOR)
    painter.drawEllipse(QRectF(1, 1, BADGE_PX - 2, BADGE_PX - 2))
    painter.setPen(QPen(QColor("white"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    c = BADGE_PX / 2
    if flag is Flag.PICK:
        painter.drawPolyline([QPointF(c - 5, c), QPointF(c - 1.5, c + 4), QPointF(c + 5, c - 4)])
    else:
        painter.drawLine(QPointF(c - 4, c - 4), QPointF(c + 4, c + 4))
        painter.drawLine(QPointF(c + 4, c - 4), QPointF(c - 4, c + 4))
    painter.end()
    return pixmap
