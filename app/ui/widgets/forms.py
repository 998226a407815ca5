"""What the forms share: multi-line fields, lists beside their buttons, and checks made before asking the service."""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget


def text_box(lines: int, placeholder: str = "", parent: QWidget | None = None) -> QPlainTextEdit:
    """A plain-text field about ``lines`` tall, where Tab moves on to the next field."""
    box = QPlainTextEdit(parent)
    box.setTabChangesFocus(True)
    box.setPlaceholderText(placeholder)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 2 * box.frameWidth() + 8)
    return box


def normalize_web_address(text: str) -> str:
    """A web address as typed, with ``https://`` added when only a host was typed ("acme.example")."""
    text = text.strip()
    if text and "://" not in text and " " not in text and "." in text.split("/", 1)[0] \
            and not text.startswith((".", "/")):
        return f"https://{text}"
    return text


def web_address_problem(text: str, what: str) -> str | None:
    """Why ``text`` is not an http(s) address (None when it is, or when it is empty); a bare host counts, as
    ``normalize_web_address`` completes it."""
    text = normalize_web_address(text)
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        return f"the {what} should be a web address such as https://example.com"
    return None


def parse_budget(text: str) -> float | None:
    """A budget typed by a person ("1500", "$1,500.50", "") as US dollars; None means no budget."""
    cleaned = text.strip().replace(",", "").replace("$", "").replace("USD", "").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"the budget {text.strip()!r} is not a number of US dollars (e.g. 1500)") from None
    if not math.isfinite(value):
        raise ValueError("the budget is not a number of US dollars")
    return value


SANE_BUDGET_USD = 100_000.0  # above this, a budget is asked about before it is saved (a typo of zeros?)


def format_budget(value: float | None) -> str:
    """The budget as the form shows it ("" for no budget)."""
    if value is None:
        return ""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def lay_out_list_with_buttons(owner: QWidget, view: QWidget, buttons: Sequence[QPushButton]) -> None:
    """Give ``owner`` a layout: ``view`` beside a column of ``buttons``, exactly as tall as that column."""
    column = QWidget()
    column_layout = QVBoxLayout(column)
    column_layout.setContentsMargins(0, 0, 0, 0)
    for button in buttons:
        column_layout.addWidget(button)
    view.setFixedHeight(column.sizeHint().height())  # as tall as its buttons, whatever the font
    layout = QHBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(view, 1)
    layout.addWidget(column, 0, Qt.AlignmentFlag.AlignTop)
    owner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
