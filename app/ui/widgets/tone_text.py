"""One line of text in a tone, painted at a fixed size: a new text, tone or weight repaints it and nothing else.

A ``QLabel`` asks its layout for room on every new text, and a new palette or font re-polishes it; in a grid of
dozens of live cards that relays every card out several times a second. ``ToneText`` is sized once, for the widest
text it will show, and draws the rest with the palette in force (so a theme change needs no re-tinting).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from app.ui.theme import Tone, tone_color


class ToneText(QWidget):
    """Shows ``text()`` in ``tone()`` (None: the palette's text colour), bold when asked, elided to its width."""

    def __init__(self, widest: str, alignment: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._widest = widest
        self._alignment = alignment | Qt.AlignmentFlag.AlignVCenter
        self._text = ""
        self._tone: Tone | None = None
        self._bold = False
        self._fit()

    def text(self) -> str:
        return self._text

    def tone(self) -> Tone | None:
        return self._tone

    def is_bold(self) -> bool:
        return self._bold

    def setText(self, text: str) -> None:
        """Show ``text`` (repaints only when it differs)."""
        if text != self._text:
            self._text = text
            self.setAccessibleName(text)
            self.update()

    def set_tone(self, tone: Tone | None, bold: bool = False) -> None:
        """Draw the text in ``tone``, bold or not."""
        if (tone, bold) != (self._tone, self._bold):
            self._tone, self._bold = tone, bold
            self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._fit()
        super().changeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        if not self._text:
            return
        painter = QPainter(self)
        font = self._font(self._bold)
        painter.setFont(font)
        palette = self.palette()
        painter.setPen(tone_color(self._tone, palette) if self._tone
                       else palette.color(QPalette.ColorRole.WindowText))
        shown = QFontMetrics(font).elidedText(self._text, Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(self._alignment), shown)
        painter.end()

    def _font(self, bold: bool) -> QFont:
        font = QFont(self.font())
        font.setBold(bold)
        return font

    def _fit(self) -> None:
        metrics = QFontMetrics(self._font(True))  # bold is the widest the text gets
        self.setFixedSize(metrics.horizontalAdvance(self._widest) + 2, metrics.height())


__all__ = ["ToneText"]
