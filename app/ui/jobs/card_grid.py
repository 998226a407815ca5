"""The selected job's clip cards in a grid that reflows to the available width."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QScrollArea, QWidget

from app.core.domain import ClipState
from app.ui.jobs.clip_card import CARD_WIDTH, ClipCard

SPACING = 8


class CardGrid(QScrollArea):
    """Holds one ``ClipCard`` per clip, ordered by position; the caller wires the cards it gets back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._inner = QWidget()
        self._grid = QGridLayout(self._inner)
        self._grid.setSpacing(SPACING)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setWidget(self._inner)
        self._cards: dict[int, ClipCard] = {}
        self._columns = 0

    def cards(self) -> Iterator[ClipCard]:
        return iter(self._cards.values())

    def card(self, clip_id: int) -> ClipCard | None:
        return self._cards.get(clip_id)

    def __len__(self) -> int:
        return len(self._cards)

    def clear(self) -> None:
        """Remove every card."""
        for card in self._cards.values():
            self._grid.removeWidget(card)
            card.deleteLater()
        self._cards.clear()

    def set_clips(self, clips: Iterable[ClipState]) -> list[ClipCard]:
        """Replace the cards with one per clip; returns the new cards."""
        self.clear()
        created = [self._add(clip) for clip in sorted(clips, key=lambda c: c.position)]
        self._reflow(force=True)
        return created

    def add_clip(self, clip: ClipState) -> ClipCard:
        """A card for a clip not shown yet."""
        card = self._add(clip)
        self._reflow(force=True)
        return card

    def _add(self, clip: ClipState) -> ClipCard:
        card = ClipCard(clip)
        self._cards[clip.id] = card
        return card

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self, force: bool = False) -> None:
        width = self.viewport().width() - 2 * SPACING
        columns = max(1, (width + SPACING) // (CARD_WIDTH + SPACING))
        if columns == self._columns and not force:
            return
        self._columns = columns
        ordered = sorted(self._cards.values(), key=lambda c: c.state.position if c.state else 0)
        for card in ordered:
            self._grid.removeWidget(card)
        for index, card in enumerate(ordered):
            self._grid.addWidget(card, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
