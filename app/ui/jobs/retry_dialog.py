"""A small non-modal dialog to retry a clip, optionally with another model and/or an edited prompt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import ClipState
from app.ui.jobs.format import price_rule
from app.ui.theme import Tone, set_tone

if TYPE_CHECKING:
    from app.core.generation.catalog import ModelSpec


class RetryDialog(QDialog):
    """Emits ``retry_chosen(clip_id, model_id or None, prompt or None)``; None means "keep the clip's"."""

    retry_chosen = Signal(int, object, object)

    def __init__(self, clip: ClipState, models: Sequence[ModelSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clip = clip
        self.models = {m.id: m for m in models}
        self.setWindowTitle(f"Retry clip {clip.position}")
        self.model_combo = QComboBox()
        for spec in models:
            suffix = " (same model)" if spec.id == clip.model_id else ""
            self.model_combo.addItem(f"{spec.label} — {price_rule(spec.price_usd, spec.price_unit)}{suffix}", spec.id)
        if clip.model_id not in self.models:
            self.model_combo.insertItem(0, f"{clip.model_id} (same model)", clip.model_id)
        self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(clip.model_id)))
        self.prompt_edit = QPlainTextEdit(clip.prompt)
        self.prompt_edit.setPlaceholderText("Describe the motion from the first frame to the last")
        self.prompt_edit.setMinimumHeight(90)
        self.message = QLabel()
        self.message.setWordWrap(True)
        set_tone(self.message, Tone.ERROR)
        self.message.hide()
        self.last_error = QLabel(f"Last error: {clip.error}")
        self.last_error.setWordWrap(True)
        self.last_error.setVisible(bool(clip.error))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.retry_button = self.buttons.addButton("Retry", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._choose)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Model:", self.model_combo)
        form.addRow("Prompt:", self.prompt_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.last_error)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _choose(self) -> None:
        model_id: str = self.model_combo.currentData()
        prompt = self.prompt_edit.toPlainText().strip()
        spec = self.models.get(model_id)
        if spec is not None and spec.prompt_required and not prompt:
            self.message.setText(f"{spec.label} needs a prompt.")
            self.message.show()
            return
        self.retry_chosen.emit(self.clip.id, None if model_id == self.clip.model_id else model_id,
                               None if prompt == self.clip.prompt.strip() else prompt)
        self.accept()
