"""A form dialog whose Save runs one service call through the bridge."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget

from app.core.changes import Op
from app.ui.bridge import TaskBridge, describe_error
from app.ui.widgets.inline_error import InlineError


class SavingDialog(QDialog):
    """Closes only when the save worked, shows the service's refusal inline, and cannot be cancelled half way.

    Subclasses name their bridge task (``task_name``), lay themselves out with ``lay_out`` and call ``run_save``
    from ``submit``.
    """

    def __init__(self, bridge: TaskBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.error = InlineError()
        self._save_button: QPushButton | None = None

    @property
    def task_name(self) -> str:
        raise NotImplementedError

    def submit(self) -> None:
        raise NotImplementedError

    def lay_out(self, form: QWidget, accept_text: str, width: int) -> QPushButton:
        """``form`` above the inline error and Cancel / ``accept_text`` buttons; returns the accept button."""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        accept = self.buttons.addButton(accept_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if (changed := getattr(form, "changed", None)) is not None:
            changed.connect(lambda *_: self.error.clear())  # a message about what was typed goes with the typing
        self.resize(width, self.sizeHint().height())
        return accept

    def is_saving(self) -> bool:
        return self.bridge.is_running(self.task_name)

    def run_save(self, work: Coroutine[Any, Any, Any], button: QPushButton, on_saved: Callable[[Any], None]) -> None:
        """Run ``work``; on success call ``on_saved(result)`` and close, on failure show why and stay open."""
        self.error.clear()
        self._save_button = button
        button.setEnabled(False)

        def saved(result: Any) -> None:
            on_saved(result.value if isinstance(result, Op) else result)
            self.accept()

        self.bridge.run(self.task_name, work, on_done=saved, on_error=self._save_failed)

    def reject(self) -> None:
        """Cancel closes the dialog, except while saving (the save would happen anyway)."""
        if not self.is_saving():
            super().reject()

    def _save_failed(self, exc: BaseException) -> None:
        if self._save_button is not None:
            self._save_button.setEnabled(True)
        self.error.show_message(describe_error(exc))
