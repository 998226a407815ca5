"""The frames sent to a model: oriented per EXIF, fitted to the output size, written once per job and size.

Frames are named by their source file (the store names originals by hash) and size, so a storyline chain
(A→B, B→C) prepares and uploads B once; concurrent requests for the same frame share one preparation.
"""

from __future__ import annotations

import asyncio
import io
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from app.core.atomic import atomic_write_bytes
from app.core.library.images import fit_within, open_oriented

_SWAPPED_ORIENTATIONS = {5, 6, 7, 8}
JPEG_QUALITY = 92
_preparing: dict[Path, asyncio.Future[Path]] = {}
# Decoding and resizing saturate a core each: leave one core free for the event loop and FFmpeg.
_workers = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="pairframe-frames")


def frame_path(inputs_dir: Path, source: Path, width: int, height: int) -> Path:
    """Where the frame made from ``source`` at ``width``×``height`` lives in a job's inputs folder."""
    return inputs_dir / f"{source.stem[:24]}-{width}x{height}.jpg"


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
    img = fit_within(open_oriented(source, _decode_px(source, width, height)), width, height)
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    atomic_write_bytes(target, buffer.getvalue())
    return target


async def ensure_frame(source: Path, inputs_dir: Path, width: int, height: int) -> Path:
    """The prepared frame for ``source`` at this size, made in a worker thread at most once at a time."""
    target = frame_path(inputs_dir, source, width, height)
    if target.is_file():
        return target
    loop = asyncio.get_running_loop()
    pending = _preparing.get(target)
    if pending is None or pending.get_loop() is not loop:
        pending = asyncio.ensure_future(loop.run_in_executor(_workers, prepare_frame, source, target, width, height))
        _preparing[target] = pending
        pending.add_done_callback(lambda _f: _preparing.pop(target, None))
    return await asyncio.shield(pending)
