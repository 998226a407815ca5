"""Rating stars, drawn the same way in the grid, the details panel and the preview: gold when given, a clear
outline when not, in the colours of the palette they are drawn on."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

from app.ui.theme import Tone, is_dark, tone_color

STAR_GAP = 2


def star_path(rect: QRectF) -> QPainterPath:
    """A five-pointed star filling ``rect`` (a square)."""
    centre = rect.center()
    outer = rect.width() / 2
    inner = outer * 0.45
    path = QPainterPath()
    for point in range(10):
        radius = outer if point % 2 == 0 else inner
        angle = math.radians(-90 + point * 36)
        spot = QPointF(centre.x() + radius * math.cos(angle), centre.y() + radius * math.sin(angle) + outer * 0.06)
        if point == 0:
            path.moveTo(spot)
        else:
            path.lineTo(spot)
    path.closeSubpath()
    return path


def empty_star_color(palette: QPalette, *, selected: bool = False) -> QColor:
    """The outline of a star not given: the text colour, softened, so it is clearly there but not a rating."""
    color = QColor(palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
    color.setAlpha(170)
    return color


def star_colors(palette: QPalette) -> tuple[QColor, QColor]:
    """The fill and the outline of a given star."""
    fill = tone_color(Tone.STAR, palette)
    return fill, fill.lighter(125) if is_dark(palette) else fill.darker(135)


def paint_star(painter: QPainter, rect: QRectF, filled: bool, palette: QPalette, *, selected: bool = False) -> None:
    """One star in ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = star_path(rect.adjusted(0.5, 0.5, -0.5, -0.5))
    if filled:
        fill, outline = star_colors(palette)
        painter.setPen(QPen(outline, 1.0))
        painter.setBrush(fill)
    else:
        painter.setPen(QPen(empty_star_color(palette, selected=selected), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.restore()


def paint_stars(painter: QPainter, left: float, top: float, size: float, rating: int, palette: QPalette, *,
                selected: bool = False) -> float:
    """Five stars of ``size`` from (``left``, ``top``); returns the width they took."""
    for star in range(5):
        rect = QRectF(left + star * (size + STAR_GAP), top, size, size)
        paint_star(painter, rect, star < rating, palette, selected=selected)
    return 5 * size + 4 * STAR_GAP


def stars_pixmap(rating: int, size: int, palette: QPalette, ratio: float = 1.0, *, selected: bool = False) -> QPixmap:
    """Five stars drawn once into a pixmap (a grid paints the same few rows of stars thousands of times)."""
    width = 5 * size + 4 * STAR_GAP
    pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(size * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_stars(painter, 0, 0, size, rating, palette, selected=selected)
    painter.end()
    return pixmap


def star_icon(filled: bool, palette: QPalette, size: int, ratio: float = 1.0) -> QIcon:
    """One star as an icon (the details panel's buttons), drawn at the screen's pixel ratio."""
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    paint_star(painter, QRectF(0, 0, size, size), filled, palette)
    painter.end()
    return QIcon(pixmap)


def stars_text(rating: int) -> str:
    """The rating as text, for tooltips and screen readers."""
    return "★" * rating + "☆" * (5 - rating)


__all__ = ["empty_star_color", "paint_stars", "star_colors", "star_icon", "stars_pixmap", "stars_text"]
