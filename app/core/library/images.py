"""Opening images the way people see them (EXIF orientation applied) and making downscaled JPEG previews.

Huge images are shrunk strip by strip (``shrink_rgb``): converting a 150-MP picture to RGB, or flattening its
transparency, never copies it whole. Every full decode reserves its memory from ``memory.DECODE_BUDGET`` first.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps

from app.core.library import memory
from app.core.library.memory import STRIP_PIXELS, decode_bytes

EXIF_ORIENTATION = 0x0112
ROTATING_ORIENTATIONS = frozenset({5, 6, 7, 8})
# EXIF orientation → the transpose that shows the picture upright (as ``ImageOps.exif_transpose`` does).
_ORIENTATION_FIX = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                    7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
REDUCING_GAP = 2.0  # as Pillow's ``thumbnail``: reduce by an integer factor down to twice the size, then resample


def open_oriented(path: Path, max_px: int | None = None) -> Image.Image:
    """Decode ``path`` (first frame), rotated per EXIF, RGB, at most ``max_px`` on the long side.

    Uses JPEG draft mode so a large photo is decoded at a reduced scale when only a small one is needed.
    """
    with Image.open(path) as img:
        full_size = img.size
        if max_px and img.format in ("JPEG", "MPO"):
            img.draft("RGB", (max_px, max_px))
        with memory.DECODE_BUDGET.reserve(decode_bytes(img, full_size)):
            try:
                img.load()
                orientation = img.getexif().get(EXIF_ORIENTATION, 1)
                rgb = shrink_rgb(img, max_px or max(img.size), Image.Resampling.LANCZOS)
            finally:
                img.close()  # its pixels are freed before their share of the budget goes to another decode
    return upright(rgb, orientation)


def upright(img: Image.Image, orientation: int) -> Image.Image:
    """``img`` turned as its EXIF ``orientation`` says it should be shown."""
    method = _ORIENTATION_FIX.get(orientation)
    return img.transpose(method) if method is not None else img


def shrink_rgb(img: Image.Image, max_px: int,
               resample: Image.Resampling = Image.Resampling.BICUBIC) -> Image.Image:
    """A new RGB image of the loaded ``img`` (transparency flattened on white), long side at most ``max_px``.

    Works through horizontal strips of at most STRIP_PIXELS: each is converted and reduced by an integer factor,
    so no full-size copy is ever made; the reduced picture is then resampled to the final size.
    """
    width, height = img.size
    target = thumbnail_size(img.size, max_px)
    factor_x = max(1, int(width / target[0] / REDUCING_GAP))
    factor_y = max(1, int(height / target[1] / REDUCING_GAP))
    rows = max(factor_y, STRIP_PIXELS // max(width, 1) // factor_y * factor_y)
    if rows >= height and factor_x == factor_y == 1:
        reduced = flatten_rgb(img)
        reduced = reduced.copy() if reduced is img else reduced
    else:
        reduced = Image.new("RGB", (-(-width // factor_x), -(-height // factor_y)))
        for top in range(0, height, rows):
            strip = flatten_rgb(img.crop((0, top, width, min(top + rows, height))))
            if factor_x > 1 or factor_y > 1:
                strip = strip.reduce((factor_x, factor_y))
            reduced.paste(strip, (0, top // factor_y))
    return reduced if reduced.size == target else reduced.resize(target, resample)


def thumbnail_size(size: tuple[int, int], max_px: int) -> tuple[int, int]:
    """The size Pillow's ``thumbnail((max_px, max_px))`` gives an image of ``size`` (never larger)."""
    width, height = size
    if width <= max_px and height <= max_px:
        return size
    aspect = width / height
    if aspect >= 1:
        return max_px, _round_aspect(max_px / aspect, lambda n: 0 if n == 0 else abs(aspect - max_px / n))
    return _round_aspect(max_px * aspect, lambda n: abs(aspect - n / max_px)), max_px


def _round_aspect(number: float, key: Callable[[int], float]) -> int:
    return max(min(math.floor(number), math.ceil(number), key=key), 1)


def flatten_rgb(img: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white, as a viewer shows them on a light background. Returns
    ``img`` itself when it is RGB already."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def jpeg_bytes(img: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def preview_jpeg(path: Path, max_px: int = 768, quality: int = 85) -> bytes:
    """A downscaled, correctly oriented JPEG of the image at ``path``."""
    return jpeg_bytes(open_oriented(path, max_px), quality)


def fit_within(img: Image.Image, width: int, height: int) -> Image.Image:
    """Scale ``img`` to cover ``width``×``height`` and centre-crop it to exactly that size (no stretching)."""
    return ImageOps.fit(img, (width, height), Image.Resampling.LANCZOS)
