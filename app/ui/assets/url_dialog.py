"""A non-modal dialog to paste or type image URLs, one per line."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget


def parse_urls(text: str) -> tuple[list[str], list[str]]:
    """The http(s) URLs of ``text`` (one per line, blanks skipped, duplicates once) and the lines that are not."""
    urls: list[str] = []
    bad: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            parts = urlsplit(line)
            ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and " " not in line
        except ValueError:
            ok = False
        if not ok:
            bad.append(line)
        elif line not in urls:
            urls.append(line)
    return urls, bad


class UrlDialog(QDialog):
    """Emits ``urls_chosen(list[str])`` when the user imports a valid list; bad lines are named, nothing is lost."""

    urls_chosen = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import from URLs")
        self.resize(560, 320)
        self.editor = QPlainTextEdit(placeholderText="https://example.com/photo.jpg\nhttps://…  (one per line)")
        self.message = QLabel(wordWrap=True)
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
        urls, bad = parse_urls(self.editor.toPlainText())
        if bad:
            shown = "\n".join(bad[:5]) + ("\n…" if len(bad) > 5 else "")
            self.message.setText(f"These lines are not http(s) addresses; fix or remove them:\n{shown}")
            self.message.show()
            return
        if not urls:
            self.message.setText("Enter at least one address.")
            self.message.show()
            return
        self.accept()
        self.urls_chosen.emit(urls)
