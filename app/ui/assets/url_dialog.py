"""A non-modal dialog to paste or type image URLs, one per line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from app.core.library.sources import url_problem
from app.core.printable import printable

SHOWN_PROBLEMS = 5


def parse_urls(text: str) -> tuple[list[str], list[str]]:
    """The well-formed http(s) URLs of ``text`` (one per line, blanks skipped, duplicates once) and the lines that
    are not (``line_problems`` says why)."""
    urls: list[str] = []
    bad: list[str] = []
    for line, problem in _checked_lines(text):
        if problem:
            bad.append(line)
        elif line not in urls:
            urls.append(line)
    return urls, bad


def line_problems(text: str) -> list[tuple[str, str]]:
    """Each line of ``text`` that is not a usable image address, with the reason in plain words."""
    return [(line, problem) for line, problem in _checked_lines(text) if problem]


def _checked_lines(text: str) -> list[tuple[str, str]]:
    return [(line, url_problem(line)) for line in (raw.strip() for raw in text.splitlines()) if line]


class UrlDialog(QDialog):
    """Emits ``urls_chosen(list[str])`` when the user imports a valid list; bad lines are named, nothing is lost."""

    urls_chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import from URLs")
        self.resize(560, 320)
        self.editor = QPlainTextEdit(placeholderText="https://example.com/photo.jpg\nhttps://…  (one per line)")
        self.message = QLabel(wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Paste or type the addresses of images (http or https), one per line:"))
        layout.addWidget(self.editor)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _try_accept(self) -> None:
        text = self.editor.toPlainText()
        urls, _ = parse_urls(text)
        if problems := line_problems(text):
            shown = "\n".join(f"{printable(line)} — {problem}" for line, problem in problems[:SHOWN_PROBLEMS])
            more = f"\n… and {len(problems) - SHOWN_PROBLEMS} more" if len(problems) > SHOWN_PROBLEMS else ""
            self.message.setText(f"These lines cannot be used; fix or remove them:\n{shown}{more}")
            self.message.show()
            return
        if not urls:
            self.message.setText("Enter at least one address.")
            self.message.show()
            return
        self.accept()
        self.urls_chosen.emit(urls)
