"""The Spend page's table: one row per group of a spend report (what it is, what it cost, how many calls, its
share of the total)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.core.money.report import SpendRow
from app.ui.jobs.format import usd

Index = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the SpendRow
COLUMNS = ("Name", "Spent", "Calls", "Share")
NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SpendTableModel(QAbstractTableModel):
    """The rows of one spend report, in the report's order; ``set_rows`` replaces them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SpendRow] = []
        self._total_nanos = 0

    def set_rows(self, rows: Sequence[SpendRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._total_nanos = sum(r.spent_nanos for r in self._rows)
        self.endResetModel()

    def rows(self) -> list[SpendRow]:
        return list(self._rows)

    @property
    def total_nanos(self) -> int:
        return self._total_nanos

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section > 0:
                return NUMBER_ALIGNMENT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractTableModel.CheckIndexOption.IndexIsValid):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return NUMBER_ALIGNMENT
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{self.name(row)}: {usd(row.spent_usd)} in {row.calls} call{'s' if row.calls != 1 else ''}"
        return None

    @staticmethod
    def name(row: SpendRow) -> str:
        return f"{row.client} › {row.key}" if row.client else row.key

    def _text(self, row: SpendRow, column: int) -> str:
        if column == 0:
            return self.name(row)
        if column == 1:
            return usd(row.spent_usd)
        if column == 2:
            return f"{row.calls:,}"
        share = row.spent_nanos / self._total_nanos if self._total_nanos else 0.0
        return f"{share:.0%}"
