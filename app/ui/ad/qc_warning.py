"""The question asked before combining clips that failed quality control."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.domain import ClipState


def ask_to_combine_failed_qc(parent: QWidget, failed: list[ClipState], combine: Callable[[], None]) -> QMessageBox:
    """Warn (without blocking the loop) that ``failed`` clips would go into the ad; "Combine anyway" calls
    ``combine``. Returns the open box, which deletes itself when closed."""
    names = ", ".join(f"clip {c.position}" for c in failed)
    box = QMessageBox(QMessageBox.Icon.Warning, "Clips failed quality control",
                      f"{names[:1].upper()}{names[1:]} failed quality control. Combine anyway?",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setInformativeText("\n".join(f"Clip {c.position}: {'; '.join(c.qc.lines())}" for c in failed if c.qc)
                           + "\n\nRegenerate them from the Jobs page, or combine them as they are.")
    accept = box.addButton("Combine anyway", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.buttonClicked.connect(lambda button: button is accept and combine())
    box.open()
    return box
