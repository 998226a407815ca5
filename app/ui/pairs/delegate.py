"""Paints one pair as a row: number, both thumbnails, names, score and source, reasoning, and the prompt.

The prompt is edited in place (double-click or F2): Enter keeps the text, Escape drops it, Shift+Enter is
ignored (prompts are one paragraph).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import QPlainTextEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from app.core.domain import AssetInfo, PairSource, PairSuggestion
from app.ui.pairs.model import FIRST_ASSET_ROLE, LAST_ASSET_ROLE, PAIR_ROLE, SOURCE_LABELS, asset_name
from app.ui.thumbnail_loader import ThumbnailLoader

THUMB_W, THUMB_H = 128, 80
PAD, NUMBER_W, ARROW_W, GAP = 8, 28, 24, 16
TEXT_LINES = 5  # header, reasoning, blank-ish gap, two lines of prompt

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class RowLayout:
    number: QRect
    first: QRect
    arrow: QRect
    last: QRect
    header: QRect
    reasoning: QRect
    prompt: QRect


def row_layout(rect: QRect, line: int) -> RowLayout:
    """Where each part of a row goes inside ``rect`` (``line``: the font's line spacing)."""
    top = rect.top() + PAD
    number = QRect(rect.left() + PAD, top, NUMBER_W, THUMB_H)
    first = QRect(number.right() + 1, top, THUMB_W, THUMB_H)
    arrow = QRect(first.right() + 1, top, ARROW_W, THUMB_H)
    last = QRect(arrow.right() + 1, top, THUMB_W, THUMB_H)
    left = last.right() + 1 + GAP
    width = max(40, rect.right() - PAD - left)
    header = QRect(left, top, width, line)
    reasoning = QRect(left, header.bottom() + 3, width, line)
    prompt = QRect(left, reasoning.bottom() + 5, width, max(2 * line, rect.bottom() - PAD - reasoning.bottom() - 5))
    return RowLayout(number, first, arrow, last, header, reasoning, prompt)


class PromptEditor(QPlainTextEdit):
    """The in-place prompt editor."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setAccessibleName("Motion prompt")
        self.setPlaceholderText("What the camera and the subject do between the two frames")


class PairDelegate(QStyledItemDelegate):
    """Draws pair rows with thumbnails from ``thumbnails`` and edits their prompt."""

    def __init__(self, thumbnails: ThumbnailLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        line = QFontMetrics(option.font).lineSpacing()
        return QSize(2 * THUMB_W + 400, max(THUMB_H, TEXT_LINES * line + 8) + 2 * PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        pair: PairSuggestion | None = index.data(PAIR_ROLE)
        if pair is None:
            return
        first: AssetInfo | None = index.data(FIRST_ASSET_ROLE)
        last: AssetInfo | None = index.data(LAST_ASSET_ROLE)
        widget = option.widget
        style = widget.style() if widget else None
        painter.save()
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = option.palette.color(role)
        dim = option.palette.color(QPalette.ColorRole.PlaceholderText) if not selected else text_color
        metrics = QFontMetrics(option.font)
        layout = row_layout(option.rect, metrics.lineSpacing())
        painter.setPen(text_color)
        painter.drawText(layout.number, Qt.AlignmentFlag.AlignCenter, str(index.row() + 1))
        self._thumbnail(painter, layout.first, first, option.palette)
        painter.setPen(text_color)
        painter.drawText(layout.arrow, Qt.AlignmentFlag.AlignCenter, "→")
        self._thumbnail(painter, layout.last, last, option.palette)

        bold = QFont(option.font)
        bold.setBold(True)
        badge = SOURCE_LABELS[pair.source] if pair.source is PairSource.MANUAL else \
            f"{pair.score:.2f} · {SOURCE_LABELS[pair.source]}"
        badge_w = metrics.horizontalAdvance(badge) + PAD
        painter.setPen(text_color)
        painter.setFont(bold)
        names = f"{asset_name(first, pair.first_asset_id)} → {asset_name(last, pair.last_asset_id)}"
        name_rect = layout.header.adjusted(0, 0, -badge_w, 0)
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(bold).elidedText(names, Qt.TextElideMode.ElideRight, name_rect.width()))
        painter.setFont(option.font)
        painter.drawText(layout.header, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, badge)
        painter.setPen(dim)
        reasoning = pair.reasoning or "No reasoning given."
        painter.drawText(layout.reasoning, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(reasoning, Qt.TextElideMode.ElideRight, layout.reasoning.width()))
        italic = QFont(option.font)
        italic.setItalic(True)
        painter.setFont(italic)
        painter.setPen(text_color if pair.prompt else dim)
        painter.setClipRect(layout.prompt)
        painter.drawText(layout.prompt, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                         | Qt.TextFlag.TextWordWrap, pair.prompt or "No prompt yet: double-click to write one.")
        painter.restore()

    def _thumbnail(self, painter: QPainter, rect: QRect, asset: AssetInfo | None, palette: QPalette) -> None:
        pixmap = self.thumbnails.pixmap(asset) if asset else None
        if pixmap is None or pixmap.isNull():
            painter.fillRect(rect, palette.color(QPalette.ColorRole.Mid))
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "…" if asset else "missing")
            return
        scaled = pixmap.scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        painter.drawPixmap(rect.left() + (rect.width() - scaled.width()) // 2,
                           rect.top() + (rect.height() - scaled.height()) // 2, scaled)

    # ---- editing the prompt ------------------------------------------------------------------------
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = PromptEditor(parent)
        editor.installEventFilter(self)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, PromptEditor):
            editor.setPlainText(index.data(Qt.ItemDataRole.EditRole) or "")
            editor.selectAll()

    def setModelData(self, editor: QWidget, model: object, index: Index) -> None:
        if isinstance(editor, PromptEditor):
            index.model().setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: Index) -> None:
        layout = row_layout(option.rect, QFontMetrics(option.font).lineSpacing())
        editor.setGeometry(layout.prompt.adjusted(-3, -3, 3, 3))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, PromptEditor) and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.commitData.emit(watched)
                    self.closeEditor.emit(watched, QStyledItemDelegate.EndEditHint.NoHint)
                return True
        return super().eventFilter(watched, event)
