"""Output formats: the aspect presets, their pixel sizes, crop windows around a focus point, length targets."""

from __future__ import annotations

import math
from collections.abc import Iterable

ASPECTS: dict[str, tuple[int, int]] = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:5": (4, 5)}
FORMAT_CHOICES = (*ASPECTS, "source")
FITS = ("crop", "pad")
# Length targets: a bumper may not run past 6 s (YouTube bumper ads are "up to 6 seconds"); spots of 15 s and
# 30 s are booked by length, so an ad more than LENGTH_TOLERANCE_S off is flagged.
LENGTH_TARGETS: dict[str, float | None] = {"6": 6.0, "15": 15.0, "30": 30.0, "free": None}
LENGTH_TOLERANCE_S = 0.5


class FormatError(ValueError):
    """An aspect, fit or length the engine does not know; the message names it and the choices."""


def even(value: float) -> int:
    """The nearest even whole number, at least 2 (H.264 with 4:2:0 chroma needs even sizes)."""
    return max(2, 2 * round(value / 2))


def format_size(aspect: str, short_side: int) -> tuple[int, int]:
    """Width and height of ``aspect`` with ``short_side`` as its shorter side (even numbers)."""
    across, down = ASPECTS[aspect]
    if across >= down:
        return even(short_side * across / down), even(short_side)
    return even(short_side), even(short_side * down / across)


def aspect_slug(aspect: str) -> str:
    """The aspect as it may appear in a file name (``9:16`` → ``9x16``)."""
    return aspect.replace(":", "x")


def parse_formats(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"16:9,9:16"`` (or a list) as a tuple of known aspects without repeats; raises ``FormatError``."""
    items = value.split(",") if isinstance(value, str) else list(value)
    result: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if item not in FORMAT_CHOICES:
            raise FormatError(f"unknown format {item!r}: choose from {', '.join(FORMAT_CHOICES)}")
        if item not in result:
            result.append(item)
    if not result:
        raise FormatError("name at least one format, e.g. 16:9,9:16")
    return tuple(result)


def crop_window(width: int, height: int, ratio: float, focus: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest window of ``ratio`` (width / height) inside ``width`` × ``height``, centred on ``focus``.

    ``focus`` is the point to keep in view as fractions of the frame (0.5, 0.5 is the centre); the window
    slides as close to it as the frame's edges allow. Returns ``(w, h, x, y)``, all even.
    """
    if width / height > ratio:
        crop_h = height - height % 2
        crop_w = min(width, even(crop_h * ratio))
    else:
        crop_w = width - width % 2
        crop_h = min(height, even(crop_w / ratio))
    fx = min(1.0, max(0.0, focus[0]))
    fy = min(1.0, max(0.0, focus[1]))
    x = min(width - crop_w, max(0, round(fx * width - crop_w / 2)))
    y = min(height - crop_h, max(0, round(fy * height - crop_h / 2)))
    return crop_w, crop_h, x - x % 2, y - y % 2


def parse_length(value: str | float | None) -> str:
    """A length target's name (``6``, ``15``, ``30``, ``free``); raises ``FormatError`` for anything else."""
    if value is None:
        return "free"
    name = str(value).strip().removesuffix("s").strip()
    if isinstance(value, float | int) and not isinstance(value, bool) and float(value).is_integer():
        name = str(int(value))
    if name not in LENGTH_TARGETS:
        raise FormatError(f"the length target must be 6, 15, 30 or free (got {value!r})")
    return name


def length_warning(target: str, duration_s: float) -> str | None:
    """A plain warning when the ad's length does not suit ``target``, else ``None``."""
    seconds = LENGTH_TARGETS[target]
    if seconds is None:
        return None
    if target == "6":
        if duration_s > seconds + 1e-3:
            return f"the ad lasts {duration_s:.2f} s: a bumper may last at most 6 s"
        return None
    if not math.isclose(duration_s, seconds, abs_tol=LENGTH_TOLERANCE_S):
        return f"the ad lasts {duration_s:.2f} s instead of {seconds:g} s for a {target} s spot"
    return None
