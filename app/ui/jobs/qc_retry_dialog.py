"""Regenerate the clips that failed QC: which, with what prompts, on which model, and the estimate — before paying."""

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

from app.ui.jobs.format import price_rule, usd
from app.ui.theme import Tone, set_tone

if TYPE_CHECKING:
    from app.core.generation.catalog import ModelSpec
    from app.core.generation.service import QcRetryPlan

KEEP = ""  # the model choice "each clip's own"


class QcRetryDialog(QDialog):
    """Shows a ``QcRetryPlan``; ``model_changed(model id or "")`` asks the page for the plan on another model
    (``show_plan`` shows it), ``confirmed(plan)`` starts the work."""

    model_changed = Signal(str)
    confirmed = Signal(object)

    def __init__(self, plan: QcRetryPlan, models: Sequence[ModelSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(f"Regenerate the clips of job {plan.job_id} that failed QC")
        self.model_combo = QComboBox()
        self.model_combo.addItem("Each clip's own model", KEEP)
        for spec in models:
            self.model_combo.addItem(f"{spec.label} — {price_rule(spec.price_usd, spec.price_unit)}", spec.id)
        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_chosen())
        self.clips_label = QLabel()
        self.prompts = QPlainTextEdit()
        self.prompts.setReadOnly(True)
        self.prompts.setMinimumHeight(120)
        self.estimate_label = QLabel()
        self.estimate_label.setStyleSheet("font-weight: 600")
        self.money_label = QLabel()
        self.message = QLabel()
        self.message.setWordWrap(True)
        set_tone(self.message, Tone.ERROR)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.regenerate_button = self.buttons.addButton("Regenerate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Clips:", self.clips_label)
        form.addRow("Model:", self.model_combo)
        form.addRow("Prompts:", self.prompts)
        form.addRow("Estimate:", self.estimate_label)
        form.addRow("Budget:", self.money_label)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.show_plan(plan)

    def show_plan(self, plan: QcRetryPlan) -> None:
        """Show ``plan`` (the first one, or the one for the model just chosen)."""
        self.plan = plan
        self.clips_label.setText(", ".join(f"clip {c.position}" for c in plan.clips))
        self.prompts.setPlainText("\n\n".join(f"Clip {c.position}: {p}" for c, p in zip(plan.clips, plan.prompts,
                                                                                        strict=True)))
        self.estimate_label.setText(usd(plan.estimate_usd))
        money = plan.money
        self.money_label.setText("none set" if money.budget_usd is None else
                                 f"{usd(money.left_usd or 0.0)} left of {usd(money.budget_usd)}")
        self.message.setText(money.refusal(plan.estimate_usd) if plan.over_budget else "")
        self.message.setVisible(plan.over_budget)
        self.regenerate_button.setEnabled(not plan.over_budget)

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.regenerate_button.setEnabled(False)

    def _model_chosen(self) -> None:
        self.regenerate_button.setEnabled(False)  # until the plan for that model is shown
        self.model_changed.emit(self.model_combo.currentData())

    def _confirm(self) -> None:
        self.confirmed.emit(self.plan)
        self.accept()
