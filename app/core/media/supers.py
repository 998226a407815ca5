"""Supers: timed text over the clips, in the brand's font and colour on a legible box, inside the safe area.

The same cues can be drawn in two looks: ``brand`` (the brand colour's box, larger, above the bottom of the
safe area) or ``caption`` (white on a dark box at the bottom of the safe area, like platform captions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from app.core.media.brand_kit import BrandKit
from app.core.media.captions import Cue, read_srt
from app.core.media.safe_area import Rect, safe_rect
from app.core.media.timeline import Timeline, auto_cue_windows
from app.core.media.typeset import TextBlock, draw_block, fit_text

SUPERS_MODES = ("auto", "none")
SupersSource = str | Path | tuple[Cue, ...]


@dataclass(frozen=True, slots=True)
class SuperStyle:
    name: str
    size: float  # font size as a fraction of the frame's shorter side
    min_size: float
    max_lines: int
    lift: float  # gap between the box and the safe area's bottom, as a fraction of the safe height
    box_alpha: int


BRAND = SuperStyle("brand", size=0.055, min_size=0.03, max_lines=3, lift=0.06, box_alpha=230)
CAPTION = SuperStyle("caption", size=0.042, min_size=0.026, max_lines=2, lift=0.0, box_alpha=180)
CAPTION_BOX = (0, 0, 0)
CAPTION_TEXT = (255, 255, 255)


@dataclass(frozen=True)
class SuperOverlay:
    """One cue drawn for one frame size: the image (box and text) and where it goes."""

    cue: Cue
    image: Image.Image
    box: Rect  # where ``image`` is placed on the frame
    text: Rect  # the text's own block inside it


def parse_supers(value: str | Path) -> str | Path:
    """``auto``, ``none`` or the path of an .srt file."""
    if isinstance(value, str) and value.strip().lower() in SUPERS_MODES:
        return value.strip().lower()
    return Path(value).expanduser()


def choose_cues(source: SupersSource, brand: BrandKit, timeline: Timeline) -> list[Cue]:
    """The supers' cues: key messages one per clip (``auto``), none, an .srt file's, or the given ones.

    Cues are kept to the clips (never over the end card); one that starts after the clips is dropped.
    """
    if isinstance(source, str) and source == "none":
        return []
    if isinstance(source, str) and source == "auto":
        messages = [m.strip() for m in brand.key_messages if m.strip()]
        windows = auto_cue_windows(timeline)
        cues = [Cue(start, end, text) for (start, end), text in zip(windows, messages, strict=False)]
    elif isinstance(source, Path | str):
        cues = read_srt(Path(source))
    else:
        cues = list(source)
    kept = []
    for cue in cues:
        end = min(cue.end_s, timeline.clips_end)
        if cue.text.strip() and end - cue.start_s >= 0.05:
            kept.append(Cue(round(max(0.0, cue.start_s), 3), round(end, 3), cue.text.strip()))
    return kept


def layout_supers(cues: Sequence[Cue], brand: BrandKit, style: SuperStyle, width: int, height: int,
                  aspect: str) -> list[SuperOverlay]:
    """Every cue set for a ``width`` × ``height`` frame: centred, its box wholly inside the safe area.

    Blocking (draws images): run it in an executor.
    """
    safe = safe_rect(aspect, width, height)
    short = min(width, height)
    if style is CAPTION:
        box_color, text_color = CAPTION_BOX, CAPTION_TEXT
    else:
        box_color = brand.primary
        text_color = brand.text_on(box_color)
    overlays = []
    for cue in cues:
        size = max(8, round(short * style.size))
        pad_x, pad_y = round(size * 0.5), round(size * 0.28)
        block = fit_text(cue.text, brand.font, max_width=safe.w - 2 * pad_x,
                         max_height=round(safe.h * 0.4) - 2 * pad_y, size=size,
                         min_size=max(8, round(short * style.min_size)), max_lines=style.max_lines)
        box_w, box_h = block.width + 2 * pad_x, block.height + 2 * pad_y
        x = safe.x + (safe.w - box_w) // 2
        y = safe.bottom - box_h - round(safe.h * style.lift)
        overlays.append(SuperOverlay(cue, _draw(block, brand.font, box_w, box_h, pad_x, pad_y, box_color,
                                                style.box_alpha, text_color),
                                     Rect(x, y, box_w, box_h), Rect(x + pad_x, y + pad_y, block.width, block.height)))
    return overlays


def _draw(block: TextBlock, font: Path, box_w: int, box_h: int, pad_x: int, pad_y: int,
          box_color: tuple[int, int, int], box_alpha: int, text_color: tuple[int, int, int]) -> Image.Image:
    image = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=max(2, block.font_size // 4),
                           fill=(*box_color, box_alpha))
    draw_block(draw, block, font, pad_x, pad_y, (*text_color, 255))
    return image
