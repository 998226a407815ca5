"""The video models' prices as the user sets them: the shipped price beside an editable one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.core.generation.catalog import catalog

UNIT_LABELS = {"second": "per second of video", "run": "per clip", "compute_second": "per second of compute"}


class PricesEditor(QWidget):
    """One row per paid model; ``overrides()`` returns the prices that differ from the shipped ones."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.defaults = [m for m in catalog(Settings()) if m.provider != "local"]
        current = {m.id: m.price_usd for m in catalog(settings)}
        self.table = QTableWidget(len(self.defaults), 4)
        self.table.setHorizontalHeaderLabels(["Model", "Unit", "Shipped price", "Your price (USD)"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for row, model in enumerate(self.defaults):
            self.table.setItem(row, 0, QTableWidgetItem(f"{model.label}  ({model.id})"))
            self.table.setItem(row, 1, QTableWidgetItem(UNIT_LABELS.get(model.price_unit, model.price_unit)))
            self.table.setItem(row, 2, QTableWidgetItem(f"${model.price_usd:.3f}"))
            self.spins[model.id] = spin = _price_spin(current.get(model.id, model.price_usd))
            self.table.setCellWidget(row, 3, spin)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.reset_button = QPushButton("Use the shipped prices")
        self.reset_button.clicked.connect(self.reset)
        note = QLabel("Prices change: the estimate shown before each launch uses these. The local model is free.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.reset_button)

    def overrides(self) -> dict[str, float]:
        """The user's prices that differ from the shipped ones (what ``Settings.model_prices`` keeps)."""
        return {m.id: round(self.spins[m.id].value(), 4) for m in self.defaults
                if abs(self.spins[m.id].value() - m.price_usd) > 1e-9}

    def reset(self) -> None:
        for model in self.defaults:
            self.spins[model.id].setValue(model.price_usd)


def _price_spin(value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, 100.0)
    spin.setDecimals(3)
    spin.setSingleStep(0.01)
    spin.setPrefix("$")
    spin.setValue(value)
    return spin


