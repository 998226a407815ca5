"""Two people edited the same text: theirs was saved first. Show it beside mine, let me merge, save the merge."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class MergeDialog(QDialog):
    """Their saved text (read-only) above mine (editable, to merge); ``merged`` carries the text to save."""

    merged = Signal(str)

    def __init__(self, what: str, who: str, theirs: str, mine: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Merge the {what}")
        intro = QLabel(f"{who or 'Someone else'} saved these {what} while you were editing them, so yours were not "
                       "saved. Merge the two below and save, or keep theirs.")
        intro.setWordWrap(True)
        self.theirs = QPlainTextEdit(theirs)
        self.theirs.setReadOnly(True)
        self.theirs.setAccessibleName(f"Their {what}")
        self.mine = QPlainTextEdit(mine)
        self.mine.setAccessibleName(f"Your {what}, to merge")
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save the merged text", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button = buttons.addButton("&Keep theirs", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel(f"Their {what}:"))
        layout.addWidget(self.theirs)
        layout.addWidget(QLabel(f"Your {what} (edit them into the merged text):"))
        layout.addWidget(self.mine)
        layout.addWidget(buttons)
        self.resize(560, 480)

    def _save(self) -> None:
        self.merged.emit(self.mine.toPlainText())
        self.accept()
