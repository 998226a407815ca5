"""A few lines of wrapped text in a tone, painted at a fixed height: a new text repaints it and nothing else.

A word-wrapped ``QLabel`` asks its layout for the height of every new text. On a card in a grid of dozens of
live cards, an error or a check's reasons appearing grew the card and moved every card after it: one repaint
of the whole visible grid (10–14 ms on the jobs page). ``NoteLines`` keeps room for ``lines`` lines whatever it
shows; text that does not fit ends in "…", and the whole text is in its tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPaintEvent, QPalette, QTextLayout, QTextOption
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.theme import Tone, tone_color


def wrapped_lines(text: str, font: QFont, width: int, most: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` pixels (at word boundaries where it can), its own line
    breaks kept. The last of ``most`` lines carries the rest, its lines joined by spaces, ending in "…" where it
    does not fit."""
    if not text or most < 1:
        return []
    metrics = QFontMetrics(font)
    width = max(1, width)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    lines: list[str] = []
    paragraphs = text.split("\n")
    for index, paragraph in enumerate(paragraphs):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            start = line.textStart()
            if len(lines) == most - 1:  # the last line shown: the rest of the text, elided if it does not fit
                rest = " ".join([paragraph[start:], *paragraphs[index + 1:]]).strip()
                layout.endLayout()
                return [*lines, metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)]
            lines.append(paragraph[start:start + line.textLength()].rstrip())
        layout.endLayout()
    return lines


class NoteLines(QWidget):
    """Shows ``text()`` in ``tone()`` (None: the palette's text colour) in ``lines`` lines of fixed room."""

    def __init__(self, lines: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._most = lines
        self._text = ""
        self._tone: Tone | None = None
        self._shown: tuple[str, int, list[str]] | None = None  # (text, width, lines) last laid out
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit()

    def text(self) -> str:
        return self._text

    def tone(self) -> Tone | None:
        return self._tone

    def setText(self, text: str) -> None:
        """Show ``text`` (repaints only when it differs); the whole of it is the tooltip."""
        if text != self._text:
            self._text = text
            self.setToolTip(text)
            self.setAccessibleName(text)
            self.update()

    def set_tone(self, tone: Tone | None) -> None:
        """Draw the text in ``tone``."""
        if tone != self._tone:
            self._tone = tone
            self.update()

    def shown_lines(self) -> list[str]:
        """The lines as they are painted at the current width."""
        text, width = self._text, self.contentsRect().width()
        if self._shown is None or self._shown[:2] != (text, width):
            self._shown = (text, width, wrapped_lines(text, self.font(), width, self._most))
        return self._shown[2]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._shown = None
            self._fit()
        super().changeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        lines = self.shown_lines()
        if not lines:
            return
        painter = QPainter(self)
        palette = self.palette()
        painter.setPen(tone_color(self._tone, palette) if self._tone
                       else palette.color(QPalette.ColorRole.WindowText))
        metrics = self.fontMetrics()
        left, top = self.contentsRect().left(), self.contentsRect().top() + metrics.ascent()
        for row, line in enumerate(lines):
            painter.drawText(QPointF(left, top + row * metrics.lineSpacing()), line)
        painter.end()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        self.setFixedHeight(metrics.lineSpacing() * (self._most - 1) + metrics.height())


__all__ = ["NoteLines", "wrapped_lines"]
