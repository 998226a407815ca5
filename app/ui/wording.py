"""Counts and lists as people write them: "1 clip", "6 clips", "2–10 s", "5 or 10 s"."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` with the noun in the right number ("1 image", "1,200 images")."""
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {noun}"


def _number(value: float) -> str:
    return f"{value:g}"


def choices_text(values: Sequence[float], unit: str = "s") -> str:
    """Allowed values: "2–10 s" when they are every whole number from the first to the last (at least three),
    else "5 or 10 s" / "4, 6 or 8 s"."""
    ordered = sorted(dict.fromkeys(values))
    if not ordered:
        return ""
    if len(ordered) >= 3 and all(float(v).is_integer() for v in ordered) \
            and [int(v) for v in ordered] == list(range(int(ordered[0]), int(ordered[-1]) + 1)):
        return f"{_number(ordered[0])}–{_number(ordered[-1])} {unit}"
    texts = [_number(v) for v in ordered]
    listed = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
    return f"{listed} {unit}"


__all__ = ["choices_text", "plural"]
