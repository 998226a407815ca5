"""The quality presets in the Settings dialog: the built-in ones shown read-only, the user's added, edited and
removed here and saved with the other settings (``Settings.quality_presets``)."""

from __future__ import annotations

import dataclasses

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.core.domain import Transition
from app.core.generation.catalog import catalog
from app.core.generation.errors import GenerationError
from app.core.generation.presets import BUILTIN_PRESETS, MAX_NAME_LENGTH, Preset, user_presets, validate_preset

MODEL_DEFAULT = "the model's default"


class PresetsEditor(QWidget):
    """A list of every preset and a form for the selected one; ``stored()`` is what the settings keep."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.models = [m for m in catalog(settings) if m.pairs]
        self.user: list[Preset] = user_presets(settings)
        self._filling = False
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(MAX_NAME_LENGTH)
        self.model_combo = QComboBox()
        for model in self.models:
            self.model_combo.addItem(f"{model.label} ({model.id})", model.id)
        self.resolution_combo = QComboBox()
        self.duration_combo = QComboBox()
        self.transition_combo = QComboBox()
        for transition in Transition:
            self.transition_combo.addItem(transition.value, transition.value)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.add_button = QPushButton("&Add preset")
        self.add_button.clicked.connect(self.add)
        self.delete_button = QPushButton("&Delete")
        self.delete_button.clicked.connect(self.delete_current)
        self.name_edit.textEdited.connect(self._edited)
        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.resolution_combo.currentIndexChanged.connect(self._resolution_changed)
        self.duration_combo.currentIndexChanged.connect(self._edited)
        self.transition_combo.currentIndexChanged.connect(self._edited)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("M&odel", self.model_combo)
        form.addRow("&Resolution", self.resolution_combo)
        form.addRow("&Clip length", self.duration_combo)
        form.addRow("&Transition", self.transition_combo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        note = QLabel("A preset chooses the model, resolution, clip length and transition in the Generate dialog "
                      "and for `generate --preset`. Economy, Balanced and Premium are built in and cannot be changed.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        layout.addWidget(self.description)
        layout.addLayout(buttons)
        self._fill_list(0)

    # ---- what is kept --------------------------------------------------------------------------------------
    def stored(self) -> dict[str, dict[str, object]]:
        """The user's presets as ``Settings.quality_presets`` keeps them."""
        return {p.name: p.stored() for p in self.user}

    def problem(self) -> str | None:
        """Why the presets cannot be saved (the first bad one), or None; selects the preset at fault."""
        seen: set[str] = set()
        for index, preset in enumerate(self.user):
            try:
                clean = validate_preset(preset, self.settings)
                if clean.name.lower() in seen:
                    raise GenerationError(f"two presets are called {clean.name}: rename one")
                seen.add(clean.name.lower())
            except GenerationError as exc:
                self.list.setCurrentRow(len(BUILTIN_PRESETS) + index)
                return f"preset {preset.name or '(no name)'}: {exc}"
        return None

    # ---- actions ------------------------------------------------------------------------------------------
    def add(self) -> None:
        """A new preset of the user's, starting from Balanced, selected for editing."""
        base = BUILTIN_PRESETS[1]
        names = {p.name.lower() for p in (*BUILTIN_PRESETS, *self.user)}
        number = 1
        while f"my preset {number}" in names:
            number += 1
        self.user.append(dataclasses.replace(base, name=f"My preset {number}", builtin=False, description=""))
        self._fill_list(len(BUILTIN_PRESETS) + len(self.user) - 1)
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def delete_current(self) -> None:
        index = self.list.currentRow() - len(BUILTIN_PRESETS)
        if 0 <= index < len(self.user):
            del self.user[index]
            self._fill_list(min(self.list.count() - 2, len(BUILTIN_PRESETS) + index))

    # ---- the list and the form ----------------------------------------------------------------------------
    def _fill_list(self, row: int) -> None:
        self._filling = True
        self.list.clear()
        for preset in BUILTIN_PRESETS:
            item = QListWidgetItem(f"{preset.name}  (built in)")
            item.setForeground(self.palette().placeholderText())
            self.list.addItem(item)
        for preset in self.user:
            self.list.addItem(preset.name)
        self._filling = False
        self.list.setCurrentRow(max(0, row))
        self._show(self.list.currentRow())

    def _current(self) -> tuple[Preset, bool]:
        row = self.list.currentRow()
        if row < len(BUILTIN_PRESETS):
            return BUILTIN_PRESETS[max(0, row)], False
        return self.user[row - len(BUILTIN_PRESETS)], True

    def _show(self, _row: int) -> None:
        if self._filling or self.list.currentRow() < 0:
            return
        preset, editable = self._current()
        self._filling = True
        self.name_edit.setText(preset.name)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(preset.model_id)))
        self._fill_choices(preset)
        self.transition_combo.setCurrentIndex(max(0, self.transition_combo.findData(preset.transition)))
        self._filling = False
        for widget in (self.name_edit, self.model_combo, self.resolution_combo, self.duration_combo,
                       self.transition_combo, self.delete_button):
            widget.setEnabled(editable)
        self.description.setText(preset.description)

    def _fill_choices(self, preset: Preset) -> None:
        """The resolutions and clip lengths the preset's model makes (its own values selected)."""
        model = next((m for m in self.models if m.id == preset.model_id), None)
        self.resolution_combo.clear()
        self.duration_combo.clear()
        self.resolution_combo.addItem(MODEL_DEFAULT, None)
        self.duration_combo.addItem(MODEL_DEFAULT, None)
        if model is None:
            return
        for resolution in model.resolutions:
            self.resolution_combo.addItem(resolution, resolution)
        self.resolution_combo.setCurrentIndex(max(0, self.resolution_combo.findData(preset.resolution)))
        resolution = preset.resolution if preset.resolution in model.resolutions else model.default_resolution
        for seconds in model.durations_at(resolution):
            self.duration_combo.addItem(f"{seconds:g} s", seconds)
        self.duration_combo.setCurrentIndex(max(0, self.duration_combo.findData(preset.duration_s)))

    def _model_changed(self) -> None:
        if self._filling:
            return
        self._edited()
        self._filling = True
        self._fill_choices(self._current()[0])
        self._filling = False
        self._edited()

    def _resolution_changed(self) -> None:
        if self._filling:
            return
        self._edited()
        preset = self._current()[0]
        self._filling = True
        self._fill_choices(preset)
        self._filling = False
        self._edited()

    def _edited(self) -> None:
        """Keep the form's values in the selected preset of the user's."""
        if self._filling:
            return
        if not self._current()[1]:
            return
        updated = Preset(self.name_edit.text(), self.model_combo.currentData(), self.resolution_combo.currentData(),
                         self.duration_combo.currentData(), self.transition_combo.currentData())
        row = self.list.currentRow()
        self.user[row - len(BUILTIN_PRESETS)] = updated
        item = self.list.item(row)
        if item is not None:
            item.setText(updated.name)
