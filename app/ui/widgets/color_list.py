"""An editable list of brand colours shown as swatches; colours are picked with QColorDialog (opened, not exec'd)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPalette, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QColorDialog,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.ui.widgets.forms import lay_out_list_with_buttons

SWATCH_PX = 18


def swatch_icon(color: str, border: QColor, size: int = SWATCH_PX) -> QIcon:
    """A square of ``color`` with a thin ``border`` (visible on light and dark backgrounds)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(border)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(0, 0, size - 1, size - 1, 3, 3)
    painter.end()
    return QIcon(pixmap)


class ColorSwatchList(QWidget):
    """Swatches with Add, Change and Remove; ``colors()`` are ``#rrggbb`` strings in the user's order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color_dialog: QColorDialog | None = None
        self.list = QListWidget()
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setIconSize(QSize(SWATCH_PX, SWATCH_PX))
        self.list.setSpacing(2)
        self.list.setAccessibleName("Brand colours")
        self.list.itemDoubleClicked.connect(lambda _item: self.change_current())
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list, self.remove_current)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.setWhatsThis("Remove the selected brand colour")
        self.add_button = QPushButton("Add colour…")
        self.change_button = QPushButton("Change…")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(self.add_color)
        self.change_button.clicked.connect(self.change_current)
        self.remove_button.clicked.connect(self.remove_current)
        lay_out_list_with_buttons(self, self.list, (self.add_button, self.change_button, self.remove_button))
        self._update_buttons()

    def colors(self) -> list[str]:
        return [self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())]

    def set_colors(self, colors: Sequence[str]) -> None:
        """Replace the swatches (does not emit ``changed``: this is loading, not editing)."""
        self.list.clear()
        for color in colors:
            self._append(color)
        self._update_buttons()

    def add_color(self) -> None:
        """Pick a new colour; it is appended when the dialog is accepted."""
        self._pick(self.palette().color(QPalette.ColorRole.Mid), lambda color: self._add_and_select(color))

    def change_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._pick(QColor(item.data(Qt.ItemDataRole.UserRole)), lambda color: self._replace(item, color))

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self._update_buttons()
            self.changed.emit()

    def _pick(self, initial: QColor, on_color: Callable[[str], None]) -> None:
        if self.color_dialog is not None:
            self.color_dialog.close()
        dialog = QColorDialog(initial, self)
        dialog.setWindowTitle("Brand colour")

        def selected(color: QColor) -> None:
            if color.isValid():
                on_color(color.name())

        dialog.colorSelected.connect(selected)
        dialog.finished.connect(lambda _result: self._dialog_finished(dialog))
        self.color_dialog = dialog
        dialog.open()

    def _dialog_finished(self, dialog: QColorDialog) -> None:
        if self.color_dialog is dialog:
            self.color_dialog = None
        dialog.deleteLater()

    def _add_and_select(self, color: str) -> None:
        self.list.setCurrentItem(self._append(color))
        self._update_buttons()
        self.changed.emit()

    def _replace(self, item: QListWidgetItem, color: str) -> None:
        if self.list.row(item) < 0:
            return
        self._decorate(item, color)
        self.changed.emit()

    def _append(self, color: str) -> QListWidgetItem:
        item = QListWidgetItem()
        self._decorate(item, QColor(color).name() if QColor(color).isValid() else color)
        self.list.addItem(item)
        return item

    def _decorate(self, item: QListWidgetItem, color: str) -> None:
        item.setData(Qt.ItemDataRole.UserRole, color)
        item.setText(color)
        item.setIcon(swatch_icon(color, self.palette().mid().color()))
        item.setToolTip(f"{color} — double-click to change")

    def _update_buttons(self) -> None:
        has_current = self.list.currentRow() >= 0
        self.change_button.setEnabled(has_current)
        self.remove_button.setEnabled(has_current)
