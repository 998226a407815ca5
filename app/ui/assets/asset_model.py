"""The asset grid's list model: rows held in memory as the plain tuples SQLite returns, updated in place.

A row is what ``LibraryService.list_asset_rows`` returns: tuples of atoms are not tracked by Python's garbage
collector, so 50,000 of them add nothing to its pauses, where 50,000 dataclass instances made each full collection
take a quarter of a second longer. ``AssetInfo`` objects are made on demand for the few rows a view or an action
asks about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.core.domain import AssetInfo
from app.core.library.service import LibraryService

ASSET_ROLE = Qt.ItemDataRole.UserRole + 1
ASSET_ID_ROLE = Qt.ItemDataRole.UserRole + 2
_RESET_ABOVE_RUNS = 64  # removing more scattered runs than this is cheaper as one reset

Index = QModelIndex | QPersistentModelIndex
AssetRow = tuple
asset_from_row = LibraryService.asset_from_row
row_from_asset = LibraryService.row_from_asset


def human_bytes(size: int) -> str:
    """``2.4 MB``-style size for people."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"



def imported_order(row: AssetRow) -> tuple[str, int]:
    """Where a row stands in the "imported, oldest first" order: its import time (the stored text), then its id."""
    return str(row[13] or ""), int(row[0])

class AssetModel(QAbstractListModel):
    """One row per asset; ``data()`` answers from memory (no query, no decoding)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._data: list[AssetRow] = []
        self._rows: dict[int, int] = {}

    # ---- Qt model interface --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._data)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._data):
            return None
        row = self._data[index.row()]
        if role == ASSET_ROLE:
            return asset_from_row(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return row[3]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row[3]}\n{row[6]} × {row[7]} · {row[5].upper()} · {human_bytes(row[8])}"
        if role == ASSET_ID_ROLE:
            return row[0]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    # ---- content ---------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[AssetRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._data = list(rows)
        self._reindex()
        self.endResetModel()

    def set_assets(self, assets: Iterable[AssetInfo]) -> None:
        self.set_rows([row_from_asset(a) for a in assets])

    def append_rows(self, rows: Iterable[AssetRow]) -> int:
        """Add rows at the end (ids already shown are skipped); returns how many were added."""
        fresh = [r for r in rows if r[0] not in self._rows]
        if not fresh:
            return 0
        first = len(self._data)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._data.extend(fresh)
        for offset, row in enumerate(fresh):
            self._rows[row[0]] = first + offset
        self.endInsertRows()
        return len(fresh)

    def clear(self) -> None:
        self.set_rows([])

    def last_row(self) -> AssetRow | None:
        """The row shown last, if any."""
        return self._data[-1] if self._data else None

    def asset(self, row: int) -> AssetInfo | None:
        return asset_from_row(self._data[row]) if 0 <= row < len(self._data) else None

    def assets(self) -> list[AssetInfo]:
        return [asset_from_row(r) for r in self._data]

    def assets_at(self, rows: Iterable[int]) -> list[AssetInfo]:
        return [asset_from_row(self._data[r]) for r in rows if 0 <= r < len(self._data)]

    def ids_at(self, rows: Iterable[int]) -> list[int]:
        return [self._data[r][0] for r in rows if 0 <= r < len(self._data)]

    def row_of(self, asset_id: int) -> int | None:
        return self._rows.get(asset_id)

    def update_assets(self, asset_ids: Iterable[int], change: Callable[[AssetInfo], AssetInfo]) -> int:
        """Replace the rows of ``asset_ids`` with ``change(asset)`` and announce it; returns rows changed."""
        rows = sorted(r for i in set(asset_ids) if (r := self._rows.get(i)) is not None)
        for row in rows:
            self._data[row] = row_from_asset(change(asset_from_row(self._data[row])))
        if rows:  # one signal over the span: views repaint only what they show of it
            self.dataChanged.emit(self.index(rows[0]), self.index(rows[-1]))
        return len(rows)

    def replace_rows(self, rows: Iterable[AssetRow]) -> int:
        """Put fresh copies of rows already shown in place (matched by id); returns how many were replaced."""
        changed = []
        for row in rows:
            if (at := self._rows.get(row[0])) is not None and self._data[at] != row:
                self._data[at] = row
                changed.append(at)
        if changed:
            self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))
        return len(changed)

    def ids(self) -> set[int]:
        """The ids of every row shown."""
        return set(self._rows)

    def remove_ids(self, asset_ids: Iterable[int]) -> int:
        """Take the rows of ``asset_ids`` out; returns how many went."""
        rows = sorted({r for i in asset_ids if (r := self._rows.get(i)) is not None})
        if not rows:
            return 0
        runs = _runs(rows)
        if len(runs) > _RESET_ABOVE_RUNS:
            gone = set(rows)
            self.set_rows([d for r, d in enumerate(self._data) if r not in gone])
            return len(rows)
        for first, last in reversed(runs):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._data[first:last + 1]
            self.endRemoveRows()
        self._reindex()
        return len(rows)

    def _reindex(self) -> None:
        self._rows = {row[0]: n for n, row in enumerate(self._data)}


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
