"""Tags of the selection: add with autocomplete (every tag of the library), remove with a click."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def clean_tag(text: str) -> str:
    """A tag as the library stores it: inner whitespace collapsed, ends trimmed."""
    return " ".join(text.split())


class TagEditor(QWidget):
    """``tag_added(name)`` / ``tag_removed(name)``; the page applies them to every selected asset."""

    tag_added = Signal(str)
    tag_removed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = QLineEdit(placeholderText="Add a tag…", clearButtonEnabled=True)
        self._known = QStringListModel(self)
        self.completer = QCompleter(self._known, self.entry)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.entry.setCompleter(self.completer)
        self.add_button = QPushButton("Add")
        self.tags = QListWidget()
        self.tags.setFlow(QListWidget.Flow.LeftToRight)
        self.tags.setWrapping(True)
        self.tags.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.tags.setSpacing(2)
        self.tags.setMaximumHeight(84)
        self.tags.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tags.setToolTip("Select tags and press Delete (or the button) to remove them from the selection")
        self.remove_button = QPushButton("Remove tag")
        self.remove_button.setEnabled(False)

        self.entry.returnPressed.connect(self._add)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove_selected)
        self.tags.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.tags.selectedItems())))

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.tags)
        layout.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignRight)
        self.tags.installEventFilter(self)

    def set_known_tags(self, names: Sequence[str]) -> None:
        """The completion list."""
        self._known.setStringList(list(names))

    def known_tags(self) -> list[str]:
        return self._known.stringList()

    def set_tags(self, names: Sequence[str]) -> None:
        """The tags shown (the current asset's)."""
        self.tags.clear()
        self.tags.addItems(list(names))
        self.remove_button.setEnabled(False)

    def shown_tags(self) -> list[str]:
        return [self.tags.item(i).text() for i in range(self.tags.count())]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.tags and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)):
            self._remove_selected()
            return True
        return super().eventFilter(watched, event)

    def _add(self) -> None:
        name = clean_tag(self.entry.text())
        if name:
            self.entry.clear()
            self.tag_added.emit(name)

    def _remove_selected(self) -> None:
        for item in self.tags.selectedItems():
            self.tag_removed.emit(item.text())
