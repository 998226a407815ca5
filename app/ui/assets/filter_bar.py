"""The grid's filter and sort controls; typing is debounced so a 50,000-asset list is not re-queried per key."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLineEdit, QToolButton, QWidget

from app.core.domain import AssetFilter, AssetSort, Flag

DEBOUNCE_MS = 200
FLAG_CHOICES: tuple[tuple[str, frozenset[Flag]], ...] = (
    ("Any flag", frozenset()),
    ("Picked", frozenset({Flag.PICK})),
    ("Unflagged", frozenset({Flag.NONE})),
    ("Rejected", frozenset({Flag.REJECT})),
    ("Not rejected", frozenset({Flag.PICK, Flag.NONE})),
)
SORT_CHOICES: tuple[tuple[str, AssetSort], ...] = (
    ("Import time", AssetSort.IMPORTED),
    ("Name", AssetSort.NAME),
    ("Rating", AssetSort.RATING),
)


def is_narrowing(filt: AssetFilter) -> bool:
    """True when ``filt`` hides some assets (the sort alone hides none)."""
    return bool(filt.min_rating or filt.flags or filt.tag or filt.text)


class FilterBar(QWidget):
    """Emits ``changed(AssetFilter)``: at once for choices, 200 ms after the last key for typed text."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search names, notes, tags…", clearButtonEnabled=True)
        self.search.setMinimumWidth(160)
        self.rating = QComboBox()
        self.rating.addItem("Any rating", 0)
        for stars in range(1, 6):
            self.rating.addItem("★" * stars + ("" if stars == 5 else " or more"), stars)
        self.flag = QComboBox()
        for label, flags in FLAG_CHOICES:
            self.flag.addItem(label, flags)
        self.tag = QLineEdit(placeholderText="Tag", clearButtonEnabled=True)
        self.tag.setMaximumWidth(140)
        self._tags = QStringListModel(self)
        completer = QCompleter(self._tags, self.tag)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tag.setCompleter(completer)
        self.sort = QComboBox()
        for label, sort in SORT_CHOICES:
            self.sort.addItem(f"Sort: {label}", sort)
        self.descending = QToolButton(checkable=True, toolTip="Reverse the order")
        self.descending.setText("↑")
        self.descending.toggled.connect(lambda on: self.descending.setText("↓" if on else "↑"))

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        self.tag.textChanged.connect(self._debounce.start)
        for combo in (self.rating, self.flag, self.sort):
            combo.currentIndexChanged.connect(self._emit)
        self.descending.toggled.connect(self._emit)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.search, self.rating, self.flag, self.tag, self.sort, self.descending):
            layout.addWidget(widget)

    def current(self) -> AssetFilter:
        """The filter the controls describe."""
        return AssetFilter(min_rating=int(self.rating.currentData() or 0), flags=self.flag.currentData(),
                           tag=self.tag.text().strip(), text=self.search.text().strip(),
                           sort=AssetSort(self.sort.currentData()),  # Qt hands a string enum back as a str
                           descending=self.descending.isChecked())

    def set_known_tags(self, tags: Sequence[str]) -> None:
        self._tags.setStringList(list(tags))

    def reset(self) -> None:
        """Back to showing everything (a campaign switch), without emitting."""
        for widget in (self.search, self.rating, self.flag, self.tag, self.sort, self.descending):
            widget.blockSignals(True)
        self.search.clear()
        self.tag.clear()
        self.rating.setCurrentIndex(0)
        self.flag.setCurrentIndex(0)
        self.sort.setCurrentIndex(0)
        self.descending.setChecked(False)
        self.descending.setText("↑")
        for widget in (self.search, self.rating, self.flag, self.tag, self.sort, self.descending):
            widget.blockSignals(False)
        self._debounce.stop()

    def _emit(self) -> None:
        self._debounce.stop()
        self.changed.emit(self.current())
