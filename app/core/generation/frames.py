"""The two frames of a clip, oriented per EXIF and fitted to the model's output size, written once per job."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image

from app.core.atomic import atomic_write_bytes
from app.core.library.images import fit_within, jpeg_bytes, open_oriented

_SWAPPED_ORIENTATIONS = {5, 6, 7, 8}
JPEG_QUALITY = 92


def frame_path(inputs_dir: Path, position: int, which: str, width: int, height: int) -> Path:
    """Where the ``which`` ("first" / "last") frame of the clip at ``position`` lives for this size."""
    return inputs_dir / f"clip-{position}-{which}-{width}x{height}.jpg"


def _decode_px(source: Path, width: int, height: int) -> int | None:
    """The long side to decode at so the image still covers ``width``×``height`` (None: decode it whole)."""
    with Image.open(source) as img:
        w, h = img.size
        orientation = img.getexif().get(0x0112, 1)
    if orientation in _SWAPPED_ORIENTATIONS:
        w, h = h, w
    scale = max(width / w, height / h)
    return None if scale >= 1 else math.ceil(max(w, h) * scale) + 2


def prepare_frame(source: Path, target: Path, width: int, height: int) -> Path:
    """Write ``source`` cropped and scaled to exactly ``width``×``height`` as a JPEG at ``target`` (blocking)."""
    if target.is_file():
        return target
    img = open_oriented(source, _decode_px(source, width, height))
    atomic_write_bytes(target, jpeg_bytes(fit_within(img, width, height), JPEG_QUALITY))
    return target
