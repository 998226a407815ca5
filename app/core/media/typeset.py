"""Setting text with Pillow: wrap to a width, shrink until it fits a box, draw it centred.

Text is drawn into images (not by FFmpeg's drawtext) so the layout, and so the exact box every line takes, is
known before anything is rendered: the manifest records it and tests check it against the safe area.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageDraw, ImageFont

from app.core.media.brand_kit import BrandKitError

LINE_SPACING = 1.18  # line pitch as a multiple of the font's size


@dataclass(frozen=True, slots=True)
class TextBlock:
    """Lines set in one font size, and the size of the block they make."""

    lines: tuple[str, ...]
    font_size: int
    width: int
    height: int
    line_height: int


@functools.lru_cache(maxsize=64)
def font_at(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """The font at ``path`` in ``size`` pixels; raises ``BrandKitError`` when it cannot be read."""
    try:
        return ImageFont.truetype(str(path), size)
    except OSError as exc:
        raise BrandKitError(f"the font {path.name} cannot be read: {exc}") from None


def text_width(font: ImageFont.FreeTypeFont, text: str) -> int:
    left, _, right, _ = font.getbbox(text)
    return int(right - left)


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels; a word wider than that is broken between characters."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}".strip()
            if text_width(font, candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while text_width(font, current) > max_width and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and text_width(font, current[:cut]) > max_width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        if current:
            lines.append(current)
    return lines


def fit_text(text: str, font_path: Path, *, max_width: int, max_height: int, size: int, min_size: int,
             max_lines: int) -> TextBlock:
    """The largest size from ``size`` down to ``min_size`` at which ``text`` fits the box in ``max_lines``.

    At ``min_size`` the text is set anyway with its lines capped at ``max_lines`` (the last one ends in "…").
    """
    size = max(size, min_size)
    while True:
        font = font_at(font_path, size)
        lines = wrap(text, font, max_width)
        block = _block(lines, font, size)
        if (len(lines) <= max_lines and block.height <= max_height) or size <= min_size:
            break
        size = max(min_size, int(size * 0.92))
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and text_width(font, last + "…") > max_width:
            last = last[:-1]
        kept[-1] = last.rstrip() + "…"
        block = _block(kept, font, size)
    return block


def draw_block(draw: ImageDraw.ImageDraw, block: TextBlock, font_path: Path, left: int, top: int,
               fill: tuple[int, ...]) -> None:
    """Draw ``block`` with its top-left corner at (``left``, ``top``), every line centred in its width."""
    font = font_at(font_path, block.font_size)
    _, ink_top, _, ink_bottom = font.getbbox("ÉHgjy", anchor="ls")  # ink above (negative) and below the baseline
    baseline = (block.line_height - (ink_bottom - ink_top)) / 2 - ink_top
    for index, line in enumerate(block.lines):
        x = left + (block.width - text_width(font, line)) / 2 - font.getbbox(line)[0]
        draw.text((x, top + index * block.line_height + baseline), line, font=font, fill=fill, anchor="ls")


def _block(lines: list[str], font: ImageFont.FreeTypeFont, size: int) -> TextBlock:
    line_height = round(size * LINE_SPACING)
    width = max((text_width(font, line) for line in lines), default=0)
    return TextBlock(tuple(lines), size, width, line_height * len(lines), line_height)
