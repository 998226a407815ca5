"""The Quality tab of Settings: whether each clip is checked as it arrives, and every QC limit with its meaning."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.core.qc.thresholds import QcThresholds


def _decimals(step: float) -> int:
    return 2 if step < 0.1 else 1


class QcSettingsPage(QWidget):
    """One spin box per ``QcThresholds`` field (label, range, unit and description from ``describe()``)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        limits, _problems = QcThresholds.from_values(settings.qc_thresholds)
        self.after_download = QCheckBox("Check each clip as soon as its video arrives")
        self.after_download.setChecked(settings.qc_after_download)
        self.after_download.setToolTip("First and last frames against the pair's images, black or frozen "
                                       "stretches, length, size, frame rate and sound as ordered")
        self.spins: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        for spec in QcThresholds.describe():
            spin = QDoubleSpinBox()
            low, high = float(spec["min"]), float(spec["max"])
            step = 0.01 if high <= 1.0 else 0.1 if high <= 10 else 0.5
            spin.setRange(low, high)
            spin.setSingleStep(step)
            spin.setDecimals(_decimals(step) if spec["name"] != "freeze_noise_db" else 1)
            if spec["unit"]:
                spin.setSuffix(f" {spec['unit']}")
            spin.setValue(getattr(limits, spec["name"]))
            unit = f" {spec['unit']}" if spec["unit"] else ""
            spin.setToolTip(f"{spec['description']} Default: {spec['default']:g}{unit}.")
            self.spins[spec["name"]] = spin
            form.addRow(f"{spec['label']}:", spin)
        self.defaults_button = QPushButton("Restore defaults")
        self.defaults_button.setAutoDefault(False)
        self.defaults_button.clicked.connect(self.restore_defaults)
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        note = QLabel("A campaign can also ask for a brand check of every clip (in its editor): frames are shown to "
                      "the vision model of the Pairing settings, and each answer is recorded as spend.")
        note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.defaults_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.after_download)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        layout.addWidget(note)

    def restore_defaults(self) -> None:
        defaults = QcThresholds()
        for name, spin in self.spins.items():
            spin.setValue(getattr(defaults, name))

    def thresholds(self) -> dict[str, float]:
        """The limits that differ from their defaults (the rest follow the defaults of later versions)."""
        defaults = QcThresholds()
        return {name: round(spin.value(), 4) for name, spin in self.spins.items()
                if abs(spin.value() - getattr(defaults, name)) > 1e-9}

    def problem(self) -> str | None:
        """Why the limits cannot be saved (a warning limit beyond its failing one), or None."""
        _limits, problems = QcThresholds.from_values(self.thresholds())
        return problems[0][:1].upper() + problems[0][1:] if problems else None

    def values(self) -> dict[str, Any]:
        """``SettingsStore.update`` arguments."""
        return {"qc_after_download": self.after_download.isChecked(), "qc_thresholds": self.thresholds()}
