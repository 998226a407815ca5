"""The logo bug: a small, partly transparent logo in a corner of the safe area, over the clips."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from app.core.media.safe_area import Rect, safe_rect

CORNERS = ("top-right", "top-left", "bottom-right", "bottom-left")
MAX_HEIGHT = 0.08  # of the frame's shorter side
MAX_WIDTH = 0.18  # of the frame's width


@dataclass(frozen=True)
class LogoBug:
    image: Image.Image  # the logo at its size, its alpha multiplied by the opacity
    box: Rect


def layout_logo_bug(logo: Image.Image, width: int, height: int, aspect: str, corner: str = "top-right",
                    opacity: float = 0.8, margin: float = 0.0) -> LogoBug:
    """The bug for a ``width`` × ``height`` frame in ``corner`` of its safe area, ``margin`` further in.

    ``margin`` is a fraction of the frame's shorter side added to the safe area's own margin.

    Blocking (resizes an image): run it in an executor.
    """
    safe = safe_rect(aspect, width, height)
    scale = min(MAX_HEIGHT * min(width, height) / logo.height, MAX_WIDTH * width / logo.width)
    w, h = max(2, round(logo.width * scale)), max(2, round(logo.height * scale))
    image = logo.resize((w, h), Image.Resampling.LANCZOS)
    alpha = image.getchannel("A").point(lambda v: round(v * max(0.0, min(1.0, opacity))))
    image.putalpha(alpha)
    inset = round(max(0.0, margin) * min(width, height))
    x = safe.x + inset if corner.endswith("left") else safe.right - inset - w
    y = safe.y + inset if corner.startswith("top") else safe.bottom - inset - h
    return LogoBug(image, Rect(x, y, w, h))
