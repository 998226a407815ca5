"""An editable, reorderable list of short texts (a campaign's key messages)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.ui.widgets.forms import lay_out_list_with_buttons


class StringListEditor(QWidget):
    """Items are edited in place (double-click or F2); Add, Remove, Up and Down; drag to reorder."""

    changed = Signal()

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = placeholder
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        self.list.model().rowsMoved.connect(lambda *_: self.changed.emit())
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, self.remove_current)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.setWhatsThis("Remove the selected key message")
        self.add_button = QPushButton("Add")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.add_button.clicked.connect(lambda: self.add_item())
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button.clicked.connect(lambda: self.move_current(1))
        lay_out_list_with_buttons(self, self.list,
                                  (self.add_button, self.remove_button, self.up_button, self.down_button))
        self._update_buttons()

    def items(self) -> list[str]:
        """The non-empty texts, stripped, in order."""
        texts = (self.list.item(row).text().strip() for row in range(self.list.count()))
        return [text for text in texts if text]

    def set_items(self, texts: Sequence[str]) -> None:
        """Replace the list (does not emit ``changed``: this is loading, not editing)."""
        self.list.blockSignals(True)
        self.list.clear()
        for text in texts:
            self.list.addItem(self._new_item(text))
        self.list.blockSignals(False)
        self._update_buttons()

    def add_item(self, text: str = "") -> QListWidgetItem:
        """Append an item and, when it is empty, open its editor."""
        item = self._new_item(text)
        self.list.addItem(item)
        self.list.setCurrentItem(item)
        if not text:
            self.list.editItem(item)
        self._update_buttons()
        self.changed.emit()
        return item

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._update_buttons()
            self.changed.emit()

    def move_current(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self.changed.emit()

    def _new_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        if self._placeholder:
            item.setToolTip(self._placeholder)
        return item

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.list.count() - 1)
