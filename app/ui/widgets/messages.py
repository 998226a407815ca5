"""Confirmation and information boxes opened without a nested event loop (``open()``, never ``exec()``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget


def confirm(parent: QWidget, title: str, text: str, informative: str, confirm_label: str,
            on_confirm: Callable[[], None], *, destructive: bool = True) -> QMessageBox:
    """Open a window-modal question; ``on_confirm`` runs only if the user presses ``confirm_label``."""
    box = QMessageBox(QMessageBox.Icon.Warning if destructive else QMessageBox.Icon.Question, title, text,
                      parent=parent)
    box.setInformativeText(informative)
    role = QMessageBox.ButtonRole.DestructiveRole if destructive else QMessageBox.ButtonRole.AcceptRole
    yes = box.addButton(confirm_label, role)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)

    def finished() -> None:
        if box.clickedButton() is yes:
            on_confirm()
        box.deleteLater()

    box.finished.connect(finished)
    box.open()
    return box


def inform(parent: QWidget, title: str, text: str, informative: str = "", *,
           warning: bool = False) -> QMessageBox:
    """Open a window-modal message with an OK button."""
    box = QMessageBox(QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information, title, text,
                      QMessageBox.StandardButton.Ok, parent)
    if informative:
        box.setInformativeText(informative)
    box.finished.connect(box.deleteLater)
    box.open()
    return box
