"""Opening images the way people see them (EXIF orientation applied) and making downscaled JPEG previews."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps


def open_oriented(path: Path, max_px: int | None = None) -> Image.Image:
    """Decode ``path`` (first frame), rotated per EXIF, RGB, at most ``max_px`` on the long side.

    Uses JPEG draft mode so a large photo is decoded at a reduced scale when only a small one is needed.
    """
    with Image.open(path) as img:
        if max_px and img.format == "JPEG":
            img.draft("RGB", (max_px, max_px))
        img.seek(0)
        oriented = ImageOps.exif_transpose(img)
        rgb = oriented.convert("RGB") if oriented.mode != "RGB" else oriented.copy()
    if max_px:
        rgb.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    return rgb


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
