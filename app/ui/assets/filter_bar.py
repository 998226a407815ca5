"""The grid's filter and sort controls, and the strip that names the active filters with a one-click reset.

The controls (``controls``) go into the page's tool bar, which wraps them on a narrow window; this widget itself
is the strip of active filters shown under it. Typing is debounced so a 50,000-asset list is not re-queried per key.
A filter can be written to and read from a JSON document (``filter_to_json``), so each campaign's is remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.core.domain import AssetFilter, AssetSort, ColorLabel, Flag
from app.ui.theme import LABEL_NAMES
from app.ui.widgets.flow_layout import FlowLayout

DEBOUNCE_MS = 200
UNRATED = -1  # the rating combo's "Unrated" entry
FLAG_CHOICES: tuple[tuple[str, frozenset[Flag]], ...] = (
    ("Any flag", frozenset()),
    ("Picked", frozenset({Flag.PICK})),
    ("Unflagged", frozenset({Flag.NONE})),
    ("Rejected", frozenset({Flag.REJECT})),
    ("Not rejected", frozenset({Flag.PICK, Flag.NONE})),
)
LABEL_CHOICES: tuple[tuple[str, frozenset[ColorLabel]], ...] = (
    ("Any label", frozenset()),
    *((f"{LABEL_NAMES[label]} label", frozenset({label})) for label in
      (ColorLabel.RED, ColorLabel.YELLOW, ColorLabel.GREEN, ColorLabel.BLUE, ColorLabel.PURPLE)),
    ("No label", frozenset({ColorLabel.NONE})),
)
SORT_CHOICES: tuple[tuple[str, AssetSort], ...] = (
    ("Import time", AssetSort.IMPORTED),
    ("Name", AssetSort.NAME),
    ("Rating", AssetSort.RATING),
)
COMBINABLE_TEXT = "Usable in pairs"


def is_narrowing(filt: AssetFilter) -> bool:
    """True when ``filt`` hides some assets (the sort alone hides none)."""
    return filt.is_narrowing()


def filter_to_json(filt: AssetFilter) -> dict[str, Any]:
    """``filt`` as a JSON-ready document."""
    return {"min_rating": filt.min_rating, "unrated": filt.unrated, "flags": sorted(f.value for f in filt.flags),
            "labels": sorted(label.value for label in filt.labels), "tag": filt.tag, "text": filt.text,
            "combinable": filt.combinable, "sort": filt.sort.value, "descending": filt.descending}


def filter_from_json(doc: dict[str, Any]) -> AssetFilter:
    """The filter a document of ``filter_to_json`` describes (what cannot be read is left at its default)."""
    def read(key: str, convert: Callable[[Any], Any], default: Any) -> Any:
        try:
            return convert(doc[key]) if key in doc else default
        except (TypeError, ValueError):
            return default
    return AssetFilter(
        min_rating=read("min_rating", lambda v: max(0, min(5, int(v))), 0),
        unrated=read("unrated", bool, False),
        flags=read("flags", lambda v: frozenset(Flag(f) for f in v), frozenset()),
        labels=read("labels", lambda v: frozenset(ColorLabel(x) for x in v), frozenset()),
        tag=read("tag", str, ""), text=read("text", str, ""), combinable=read("combinable", bool, False),
        sort=read("sort", AssetSort, AssetSort.IMPORTED), descending=read("descending", bool, False))


def _rating_text(filt: AssetFilter) -> str:
    return "Unrated" if filt.unrated else "★" * filt.min_rating + ("" if filt.min_rating == 5 else " or more")


class FilterBar(QWidget):
    """Emits ``changed(AssetFilter)``: at once for choices, 200 ms after the last key for typed text."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search names, notes, tags…", clearButtonEnabled=True)
        self.search.setMinimumWidth(160)
        self.search.setAccessibleName("Search")
        self.rating = QComboBox(toolTip="Rating")
        self.rating.addItem("Any rating", 0)
        self.rating.addItem("Unrated", UNRATED)
        for stars in range(1, 6):
            self.rating.addItem("★" * stars + ("" if stars == 5 else " or more"), stars)
        self.flag = QComboBox(toolTip="Flag")
        for label, flags in FLAG_CHOICES:
            self.flag.addItem(label, flags)
        self.label = QComboBox(toolTip="Colour label")
        for label, labels in LABEL_CHOICES:
            self.label.addItem(label, labels)
        self.tag = QLineEdit(placeholderText="Tag", clearButtonEnabled=True)
        self.tag.setMaximumWidth(140)
        self.tag.setAccessibleName("Tag")
        self._tags = QStringListModel(self)
        completer = QCompleter(self._tags, self.tag)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.tag.setCompleter(completer)
        self.combinable = QCheckBox(COMBINABLE_TEXT)
        self.combinable.setToolTip("Only images the pairer may use: not rejected, and rated at least the minimum "
                                   "set in the settings")
        self.sort = QComboBox(toolTip="Sort order")
        for label, sort in SORT_CHOICES:
            self.sort.addItem(f"Sort: {label}", sort)
        self.descending = QToolButton(checkable=True, toolTip="Reverse the order")
        self.descending.setText("↑")
        self.descending.toggled.connect(lambda on: self.descending.setText("↓" if on else "↑"))
        self.controls: list[QWidget] = [self.search, self.rating, self.flag, self.label, self.tag, self.combinable,
                                        self.sort, self.descending]

        self.summary = QLabel("Filtered by:")
        self.reset_button = QPushButton("Reset filters")
        self.reset_button.setToolTip("Show every image again")
        self.reset_button.clicked.connect(self.clear_filters)
        self.chips: list[QToolButton] = []
        self._strip = FlowLayout(self, spacing=4)
        self._strip.setContentsMargins(0, 2, 0, 2)

        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        self.tag.textChanged.connect(self._debounce.start)
        for combo in (self.rating, self.flag, self.label, self.sort):
            combo.currentIndexChanged.connect(self._emit)
        self.descending.toggled.connect(self._emit)
        self.combinable.toggled.connect(self._emit)
        self._show_active(self.current())

    def current(self) -> AssetFilter:
        """The filter the controls describe."""
        rating = int(self.rating.currentData() or 0)
        return AssetFilter(min_rating=max(0, rating), unrated=rating == UNRATED, flags=self.flag.currentData(),
                           labels=self.label.currentData(), tag=self.tag.text().strip(),
                           text=self.search.text().strip(), combinable=self.combinable.isChecked(),
                           sort=AssetSort(self.sort.currentData()), descending=self.descending.isChecked())

    def set_known_tags(self, tags: Sequence[str]) -> None:
        self._tags.setStringList(list(tags))

    def set_filter(self, filt: AssetFilter) -> None:
        """Show ``filt`` in the controls, without emitting (a campaign switch)."""
        widgets = [*self.controls]
        for widget in widgets:
            widget.blockSignals(True)
        self.search.setText(filt.text)
        self.tag.setText(filt.tag)
        self.rating.setCurrentIndex(_index_of(self.rating, UNRATED if filt.unrated else filt.min_rating))
        self.flag.setCurrentIndex(_index_of(self.flag, filt.flags))
        self.label.setCurrentIndex(_index_of(self.label, filt.labels))
        self.combinable.setChecked(filt.combinable)
        self.sort.setCurrentIndex(_index_of(self.sort, filt.sort))
        self.descending.setChecked(filt.descending)
        self.descending.setText("↓" if filt.descending else "↑")
        for widget in widgets:
            widget.blockSignals(False)
        self._debounce.stop()
        self._show_active(self.current())

    def reset(self) -> None:
        """Back to showing everything in import order, without emitting."""
        self.set_filter(AssetFilter())

    def clear_filters(self) -> None:
        """Drop every narrowing filter (the sort stays) and show everything."""
        current = self.current()
        self.set_filter(AssetFilter(sort=current.sort, descending=current.descending))
        self._emit()

    def active_filters(self) -> list[str]:
        """The chips' texts: one per active filter."""
        return [chip.text().removesuffix("  ✕") for chip in self.chips]

    def _emit(self) -> None:
        self._debounce.stop()
        filt = self.current()
        self._show_active(filt)
        self.changed.emit(filt)

    def _show_active(self, filt: AssetFilter) -> None:
        """One chip per active filter (a click drops it) and Reset; hidden when nothing narrows."""
        parts: list[tuple[str, Callable[[], None]]] = []
        if filt.text:
            parts.append((f"“{filt.text}”", self.search.clear))
        if filt.unrated or filt.min_rating:
            parts.append((_rating_text(filt), lambda: self.rating.setCurrentIndex(0)))
        if filt.flags:
            parts.append((self.flag.currentText(), lambda: self.flag.setCurrentIndex(0)))
        if filt.labels:
            parts.append((self.label.currentText(), lambda: self.label.setCurrentIndex(0)))
        if filt.tag:
            parts.append((f"Tag: {filt.tag}", self.tag.clear))
        if filt.combinable:
            parts.append((COMBINABLE_TEXT, lambda: self.combinable.setChecked(False)))
        while self._strip.count():
            item = self._strip.takeAt(0)
            if item is not None and (widget := item.widget()) is not None and widget in self.chips:
                widget.deleteLater()
        self.chips = []
        if not parts:
            self.hide()
            return
        self._strip.addWidget(self.summary)
        for text, drop in parts:
            chip = QToolButton(text=f"{text}  ✕", toolTip=f"Stop filtering by {text}", autoRaise=False)
            chip.clicked.connect(lambda _=False, d=drop: self._drop(d))
            self._strip.addWidget(chip)
            self.chips.append(chip)
        self._strip.addWidget(self.reset_button)
        self.show()
        self.updateGeometry()

    def _drop(self, drop: Callable[[], None]) -> None:
        for widget in self.controls:
            widget.blockSignals(True)
        drop()
        for widget in self.controls:
            widget.blockSignals(False)
        self._emit()


def _index_of(combo: QComboBox, value: object) -> int:
    """The row of ``combo`` whose data equals ``value`` (0 when none does)."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == value), 0)


__all__ = ["DEBOUNCE_MS", "FilterBar", "filter_from_json", "filter_to_json", "is_narrowing"]
