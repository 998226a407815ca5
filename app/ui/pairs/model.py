"""The pair editor's list model: the campaign's pairs in order, with the assets they show.

Every change a user makes through the model (a drag that moves rows, an edited prompt, the editor's actions)
ends with ``edited(description)``; the page saves the whole list then, as one undoable step named by it. Changes
that come from the service (loading, the ids of newly saved pairs, a rewritten prompt) do not emit it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from app.core.domain import AssetInfo, PairSource, PairSuggestion

PAIR_ROLE = Qt.ItemDataRole.UserRole + 1  # the PairSuggestion
FIRST_ASSET_ROLE = Qt.ItemDataRole.UserRole + 2  # AssetInfo of the first frame, or None
LAST_ASSET_ROLE = Qt.ItemDataRole.UserRole + 3  # AssetInfo of the last frame, or None
SOURCE_LABELS = {PairSource.GROK: "Grok", PairSource.LOCAL: "local", PairSource.MANUAL: "manual"}

Index = QModelIndex | QPersistentModelIndex


def asset_name(asset: AssetInfo | None, asset_id: int) -> str:
    return asset.original_name if asset else f"asset {asset_id} (missing)"


class PairListModel(QAbstractListModel):
    """Ordered ``PairSuggestion`` rows; drag-and-drop moves rows through ``moveRows``."""

    edited = Signal(str)  # what was done, as the Edit menu names it: "Move pair 2", "Remove pair 3"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pairs: list[PairSuggestion] = []
        self._assets: dict[int, AssetInfo] = {}

    # ---- reading -----------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._pairs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not self.checkIndex(index, QAbstractListModel.CheckIndexOption.IndexIsValid):
            return None
        pair = self._pairs[index.row()]
        if role == PAIR_ROLE:
            return pair
        if role == FIRST_ASSET_ROLE:
            return self._assets.get(pair.first_asset_id)
        if role == LAST_ASSET_ROLE:
            return self._assets.get(pair.last_asset_id)
        if role == Qt.ItemDataRole.EditRole:
            return pair.prompt
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.describe(pair)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [self.describe(pair), pair.reasoning, f"Prompt: {pair.prompt}"]
            return "\n\n".join(p for p in parts if p)
        return None

    def describe(self, pair: PairSuggestion) -> str:
        """One line for screen readers and tooltips: "beach.jpg → sunset.jpg · 0.82 · Grok"."""
        first = asset_name(self._assets.get(pair.first_asset_id), pair.first_asset_id)
        last = asset_name(self._assets.get(pair.last_asset_id), pair.last_asset_id)
        score = "" if pair.source is PairSource.MANUAL else f" · {pair.score:.2f}"
        return f"{first} → {last}{score} · {SOURCE_LABELS[pair.source]}"

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled  # drops land between rows, never on one
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
                | Qt.ItemFlag.ItemIsDragEnabled)

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def pairs(self) -> list[PairSuggestion]:
        """The pairs in the order shown, their positions renumbered."""
        return [dataclasses.replace(p, position=i) for i, p in enumerate(self._pairs)]

    def pair(self, row: int) -> PairSuggestion:
        return self._pairs[row]

    def asset(self, asset_id: int) -> AssetInfo | None:
        return self._assets.get(asset_id)

    # ---- changes from the service (no ``edited``) --------------------------------------------------
    def set_pairs(self, pairs: Sequence[PairSuggestion], assets: Iterable[AssetInfo] | None = None) -> None:
        """Show ``pairs`` (and the ``assets`` they use); a list equal to the shown one only repaints the assets, so
        a view's selection survives a reload that found nothing new."""
        pairs = list(pairs)
        new_assets = {a.id: a for a in assets} if assets is not None else self._assets
        if pairs == self._pairs:
            self._pairs = pairs  # the same pairs; their prompt versions may be newer
            if new_assets != self._assets:
                self._assets = new_assets
                if self._pairs:
                    self.dataChanged.emit(self.index(0), self.index(len(self._pairs) - 1))
            return
        self.beginResetModel()
        self._pairs = pairs
        self._assets = new_assets
        self.endResetModel()

    def apply_saved(self, saved: Sequence[PairSuggestion]) -> bool:
        """Hold the pairs as stored (ids, positions, prompt versions), if the list shown is still the one saved: the
        change the save announces then finds nothing new, and the view keeps its place."""
        def key(p: PairSuggestion) -> tuple[Any, ...]:
            return (p.first_asset_id, p.last_asset_id, p.prompt.strip(), p.source)

        if [key(p) for p in saved] != [key(p) for p in self._pairs]:
            return False
        self._pairs = list(saved)
        return True

    def replace_pair(self, updated: PairSuggestion) -> int | None:
        """Show the stored version of the pair with ``updated.id`` (a rewritten prompt); returns its row."""
        for row, pair in enumerate(self._pairs):
            if pair.id is not None and pair.id == updated.id:
                self._pairs[row] = dataclasses.replace(pair, prompt=updated.prompt,
                                                       prompt_version=updated.prompt_version,
                                                       prompt_by=updated.prompt_by)
                self.dataChanged.emit(self.index(row), self.index(row))
                return row
        return None

    def asset_loaded(self, asset_id: int) -> None:
        """Repaint the rows showing ``asset_id`` (its thumbnail arrived)."""
        for row, pair in enumerate(self._pairs):
            if asset_id in (pair.first_asset_id, pair.last_asset_id):
                self.dataChanged.emit(self.index(row), self.index(row), [Qt.ItemDataRole.DecorationRole])

    # ---- user edits (each ends with ``edited``) ----------------------------------------------------
    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not isinstance(value, str):
            return False
        row = index.row()
        prompt = " ".join(value.split())
        if prompt == self._pairs[row].prompt:
            return False
        self._pairs[row] = dataclasses.replace(self._pairs[row], prompt=prompt)
        self.dataChanged.emit(index, index)
        self.edited.emit(f"Edit the prompt of pair {row + 1}")
        return True

    def moveRows(self, sourceParent: Index, sourceRow: int, count: int, destinationParent: Index,
                 destinationChild: int) -> bool:
        """Move ``count`` rows before ``destinationChild`` (what a drag, and Move up/down, do)."""
        size = len(self._pairs)
        if (sourceParent.isValid() or destinationParent.isValid() or count < 1 or sourceRow < 0
                or sourceRow + count > size or not 0 <= destinationChild <= size
                or sourceRow <= destinationChild <= sourceRow + count):
            return False
        if not self.beginMoveRows(QModelIndex(), sourceRow, sourceRow + count - 1, QModelIndex(), destinationChild):
            return False
        block = self._pairs[sourceRow:sourceRow + count]
        del self._pairs[sourceRow:sourceRow + count]
        at = destinationChild if destinationChild < sourceRow else destinationChild - count
        self._pairs[at:at] = block
        self.endMoveRows()
        self.edited.emit(f"Move pair {sourceRow + 1}" if count == 1 else f"Move {count} pairs")
        return True

    def move(self, row: int, offset: int) -> bool:
        """Move one row up (-1) or down (+1)."""
        target = row + offset
        if not 0 <= target < len(self._pairs):
            return False
        return self.moveRow(QModelIndex(), row, QModelIndex(), target + 1 if offset > 0 else target)

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._pairs[row]
        self.endRemoveRows()
        self.edited.emit(f"Remove pair {row + 1}")

    def add(self, pair: PairSuggestion) -> int:
        """Append ``pair`` (a manual pair, without id); returns its row."""
        row = len(self._pairs)
        self.beginInsertRows(QModelIndex(), row, row)
        self._pairs.append(pair)
        self.endInsertRows()
        self.edited.emit("Add a pair")
        return row

    def swap(self, row: int) -> None:
        """Make the first frame the last and the last the first."""
        pair = self._pairs[row]
        self._pairs[row] = dataclasses.replace(pair, first_asset_id=pair.last_asset_id,
                                               last_asset_id=pair.first_asset_id)
        self.dataChanged.emit(self.index(row), self.index(row))
        self.edited.emit(f"Swap the frames of pair {row + 1}")
