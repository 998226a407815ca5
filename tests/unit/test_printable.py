"""``printable``: control characters become visible escapes; every other character stays as it is."""

from __future__ import annotations

import pytest

from app.core.printable import printable


@pytest.mark.parametrize(("raw", "shown"), [
    ("a\nb", "a\\nb"), ("a\rb", "a\\rb"), ("a\tb", "a\\tb"), ("\x1b[2J", "\\x1b[2J"), ("\x00\x7f", "\\x00\\x7f"),
    ("c1\x85", "c1\\x85"), ("line\u2028sep\u2029", "line\\u2028sep\\u2029"), ("\u202egnp.exe", "\\u202egnp.exe"),
    ("\u2066x\u2069", "\\u2066x\\u2069"),
])
def test_control_characters_are_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown


@pytest.mark.parametrize("name", [
    "ça va 😀.png", "Фото 2024 — été.jpg", "👨\u200d👩\u200d👧 family.png", "Screenshot at 10.00.00\u202fAM.png",
    "non\u00a0breaking.jpg", r"C:\Users\me\photo.jpg", "",
])
def test_ordinary_names_are_unchanged(name: str) -> None:
    assert printable(name) == name
