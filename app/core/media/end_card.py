"""The end card: the logo, the call to action and the URL on the brand colour, laid out per aspect.

The card's background is FFmpeg's ``color`` source; everything on it is drawn here into one transparent
image that slides up and fades in over ``ENTRANCE_S`` (see ``deliver_graph``). Portrait and square frames
stack logo, call to action and URL; a landscape frame puts the logo left of the text. Every element lies in
the aspect's safe area, and the logo is scaled whole (never stretched).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from app.core.media.brand_kit import RGB, BrandKit
from app.core.media.safe_area import Rect, safe_rect
from app.core.media.typeset import TextBlock, draw_block, fit_text

ENTRANCE_S = 0.6  # how long the logo and text take to slide in and fade up
ENTRANCE_SLIDE = 0.04  # how far they rise meanwhile, as a fraction of the frame's height
DEFAULT_SECONDS = 3.0


class EndCardError(ValueError):
    """Nothing to put on the end card."""


@dataclass(frozen=True)
class EndCardLayout:
    width: int
    height: int
    aspect: str
    background: RGB
    text_color: RGB
    safe: Rect
    logo: Rect | None
    cta: Rect | None
    url: Rect | None
    cta_block: TextBlock | None
    url_block: TextBlock | None

    def boxes(self) -> dict[str, list[int] | None]:
        return {"safe_area": self.safe.as_list(), "logo": self.logo.as_list() if self.logo else None,
                "cta": self.cta.as_list() if self.cta else None, "url": self.url.as_list() if self.url else None}


def layout_end_card(brand: BrandKit, cta: str, width: int, height: int, aspect: str,
                    logo_size: tuple[int, int] | None) -> EndCardLayout:
    """Where the logo (of ``logo_size``), the call to action and the URL go on a ``width`` × ``height`` card."""
    url = brand.product_url.strip()
    cta = cta.strip()
    if not (cta or url or logo_size):
        raise EndCardError("the end card needs a logo, a call to action or a product URL")
    safe = safe_rect(aspect, width, height)
    short = min(width, height)
    background = brand.primary
    text_color = brand.text_on(background)
    landscape = width > height * 1.2
    text_w = round(safe.w * (0.55 if landscape and logo_size else 1.0))
    cta_block = fit_text(cta, brand.font, max_width=text_w, max_height=round(safe.h * 0.35),
                         size=round(short * 0.085), min_size=round(short * 0.04), max_lines=3) if cta else None
    url_block = fit_text(url, brand.font, max_width=text_w, max_height=round(safe.h * 0.12),
                         size=round(short * 0.045), min_size=round(short * 0.025), max_lines=1) if url else None
    gap = round(short * 0.04)
    text_h = sum(b.height for b in (cta_block, url_block) if b) + (gap // 2 if cta_block and url_block else 0)
    if landscape and logo_size:
        logo_w, logo_h = _fit(logo_size, round(safe.w * 0.38), round(safe.h * 0.6))
        row_w = logo_w + gap * 2 + max((b.width for b in (cta_block, url_block) if b), default=0)
        left = safe.x + (safe.w - row_w) // 2
        logo = Rect(left, safe.y + (safe.h - logo_h) // 2, logo_w, logo_h)
        column_x, column_w = logo.right + gap * 2, row_w - logo_w - gap * 2
        top = safe.y + (safe.h - text_h) // 2
    else:
        logo = None
        logo_h = 0
        if logo_size:
            logo_w, logo_h = _fit(logo_size, round(safe.w * 0.6), round(safe.h * (0.34 if text_h else 0.6)))
        stack_h = logo_h + (gap if logo_size and text_h else 0) + text_h
        top = safe.y + (safe.h - stack_h) // 2
        if logo_size:
            logo = Rect(safe.x + (safe.w - logo_w) // 2, top, logo_w, logo_h)
            top = logo.bottom + (gap if text_h else 0)
        column_x, column_w = safe.x, safe.w
    cta_rect = url_rect = None
    if cta_block:
        cta_rect = Rect(column_x + (column_w - cta_block.width) // 2, top, cta_block.width, cta_block.height)
        top = cta_rect.bottom + gap // 2
    if url_block:
        url_rect = Rect(column_x + (column_w - url_block.width) // 2, top, url_block.width, url_block.height)
    return EndCardLayout(width, height, aspect, background, text_color, safe, logo, cta_rect, url_rect,
                         cta_block, url_block)


def draw_end_card(layout: EndCardLayout, logo: Image.Image | None, font: Path) -> tuple[Image.Image, Rect]:
    """The card's foreground (logo and text, transparent elsewhere) cropped to what it holds, and its place.

    Blocking (resizes and draws): run it in an executor.
    """
    canvas = Image.new("RGBA", (layout.width, layout.height), (0, 0, 0, 0))
    if logo is not None and layout.logo is not None:
        scaled = logo.resize((layout.logo.w, layout.logo.h), Image.Resampling.LANCZOS)
        canvas.alpha_composite(scaled, (layout.logo.x, layout.logo.y))
    draw = ImageDraw.Draw(canvas)
    fill = (*layout.text_color, 255)
    if layout.cta_block and layout.cta:
        draw_block(draw, layout.cta_block, font, layout.cta.x, layout.cta.y, fill)
    if layout.url_block and layout.url:
        draw_block(draw, layout.url_block, font, layout.url.x, layout.url.y, fill)
    box = canvas.getchannel("A").getbbox() or (0, 0, 2, 2)
    left, top = box[0] - box[0] % 2, box[1] - box[1] % 2
    right, bottom = min(layout.width, box[2] + box[2] % 2), min(layout.height, box[3] + box[3] % 2)
    return canvas.crop((left, top, right, bottom)), Rect(left, top, right - left, bottom - top)


def _fit(size: tuple[int, int], max_w: int, max_h: int) -> tuple[int, int]:
    """``size`` scaled whole to fit ``max_w`` × ``max_h`` (its aspect kept)."""
    scale = min(max_w / size[0], max_h / size[1])
    return max(2, round(size[0] * scale)), max(2, round(size[1] * scale))
