"""Real image files made by the tests."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw


def make_image(path: Path, size: tuple[int, int] = (640, 480), color: tuple[int, int, int] | None = None,
               fmt: str | None = None, seed: int = 0, exif_orientation: int | None = None) -> Path:
    """Write a distinct picture (gradient + shapes) so every seed gives different bytes and features."""
    rng = random.Random(seed)
    base = color or (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    img = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(20, size[0] // 2 + 21), y0 + rng.randrange(20, size[1] // 2 + 21)
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=fill)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    img.save(path, format=fmt or None, **kwargs)
    return path
