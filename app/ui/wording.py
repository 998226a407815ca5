"""Counts as people write them: "1 clip", "6 clips", "1,200 images"."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` with the noun in the right number ("1 image", "1,200 images")."""
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count:,} {noun}"


__all__ = ["plural"]
