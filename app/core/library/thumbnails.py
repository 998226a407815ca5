"""The thumbnail disk cache: one small JPEG per asset hash under ``cache/thumbs``."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from app.core.atomic import atomic_write_bytes
from app.core.disk_space import space_checked
from app.core.library.images import open_oriented

THUMB_QUALITY = 82


def thumbnail_path(thumbs_dir: Path, sha256: str) -> Path:
    """Where the thumbnail of the asset with this hash lives."""
    return thumbs_dir / sha256[:2] / f"{sha256}.jpg"


def write_thumbnail(img: Image.Image, target: Path, size: int) -> Path:
    """Write a copy of ``img`` (already oriented) shrunk to at most ``size`` px as a JPEG, atomically.

    Raises NoSpaceError when the disk is full."""
    thumb = img.convert("RGB") if img.mode != "RGB" else img.copy()
    thumb.thumbnail((size, size), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    thumb.save(buffer, format="JPEG", quality=THUMB_QUALITY)
    with space_checked(target.parent, buffer.tell()):
        atomic_write_bytes(target, buffer.getvalue())
    return target


def ensure_thumbnail(source: Path, target: Path, size: int) -> Path:
    """The thumbnail at ``target``, made from ``source`` first if it is missing. Thread-safe; blocking."""
    if target.is_file():
        return target
    return write_thumbnail(open_oriented(source, size), target, size)
