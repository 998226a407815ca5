"""How much memory decoding an image takes, and one budget for it shared by every decoding thread.

Decoding a 150-MP PNG holds 600 MB of pixels however it is done (PNG, TIFF, BMP and GIF cannot be decoded at
reduced scale). Several at once would multiply that, so each decode first reserves its estimated size from
``DECODE_BUDGET``: small images decode side by side, a huge one waits until it fits and then runs with the others
held back. An image whose decode alone would exceed the budget is refused from its header, before any pixel is
decoded. The estimates come from measurements of Pillow's decoders (peak RSS while loading one image).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import sys
import threading
from collections.abc import Callable, Iterator

from PIL import Image

DECODE_BUDGET_BYTES = 640 * 1024 * 1024
RETURN_FREED_ABOVE = 64 * 1024 * 1024  # reservations this big give their memory back to the system when done
STRIP_PIXELS = 2_000_000  # pixels converted at a time when shrinking a decoded image (see ``images.shrink_rgb``)
_STRIP_BYTES_PER_PIXEL = 12  # the strip, its RGB conversion and the blend of its transparency
# Decoders that hold several full-size copies while decoding (bytes per pixel of the whole image, measured):
# libwebp's animation decoder keeps two canvases and hands Pillow a third; libavif keeps YUV planes and RGB.
_WHOLE_DECODE_BYTES_PER_PIXEL = {"WEBP": 16, "AVIF": 10}
_UNCOMPRESSED_TIFF = {"raw", "packbits"}


class MemoryBudget:
    """A number of bytes that threads reserve from and give back; a reservation waits until it fits.

    A big reservation, once given back, also hands the freed memory back to the operating system: glibc keeps
    what a thread freed in that thread's arena, so without this each decoding thread would go on holding the
    largest image it ever decoded.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self._used = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def reserve(self, amount: int) -> Iterator[None]:
        """Hold ``amount`` bytes (at most the whole budget) for the duration of the block."""
        amount = max(0, min(amount, self.total))
        with self._changed:
            self._changed.wait_for(lambda: self._used + amount <= self.total)
            self._used += amount
        try:
            yield
        finally:
            if amount >= RETURN_FREED_ABOVE:
                return_freed_memory()
            with self._changed:
                self._used -= amount
                self._changed.notify_all()

    @property
    def used(self) -> int:
        return self._used


DECODE_BUDGET = MemoryBudget(DECODE_BUDGET_BYTES)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc
        return None


def return_freed_memory() -> None:
    """Give the memory the process has freed back to the operating system (glibc's ``malloc_trim``)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def pixel_bytes(mode: str) -> int:
    """Bytes Pillow stores per pixel of ``mode`` (three-band images take four)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def decode_bytes(img: Image.Image, full_size: tuple[int, int]) -> int:
    """The memory decoding ``img``'s first frame and shrinking it takes, estimated from its header.

    ``img.size`` is the size it will decode at (smaller than ``full_size`` after a JPEG ``draft``).
    """
    width, height = img.size
    pixels = width * height
    full_pixels = full_size[0] * full_size[1]
    fmt = img.format or ""
    per_pixel = _WHOLE_DECODE_BYTES_PER_PIXEL.get(fmt)
    total = full_pixels * per_pixel if per_pixel else pixels * pixel_bytes(img.mode)
    if fmt in ("JPEG", "MPO") and img.info.get("progressive"):
        total += _progressive_coefficients(img, full_pixels)
    elif fmt == "TIFF":
        total += _tiff_strip_buffer(img)
    return total + min(pixels, STRIP_PIXELS) * _STRIP_BYTES_PER_PIXEL


def _progressive_coefficients(img: Image.Image, full_pixels: int) -> int:
    """A progressive JPEG keeps every DCT coefficient (2 bytes each) of the whole image, whatever the scale."""
    layers = getattr(img, "layer", None) or [("", 1, 1, 0)] * 3
    h_max = max(layer[1] for layer in layers) or 1
    v_max = max(layer[2] for layer in layers) or 1
    share = sum(layer[1] * layer[2] for layer in layers) / (h_max * v_max)
    return int(full_pixels * 2 * share)


def _tiff_strip_buffer(img: Image.Image) -> int:
    """libtiff decodes a compressed strip or tile into a buffer of its own before Pillow copies it."""
    if not img.tile or img.tile[0][0] in _UNCOMPRESSED_TIFF:
        return 0
    tags = getattr(img, "tag_v2", {})
    width, height = img.size
    bits = tags.get(258, (8,))
    bits_per_pixel = sum(bits) if isinstance(bits, tuple) else int(bits) * int(tags.get(277, 1))
    if 322 in tags and 323 in tags:  # tiled
        rows, columns = int(tags[323]), int(tags[322])
    else:
        rows, columns = min(int(tags.get(278, height)), height), width
    counts = tags.get(325) or tags.get(279) or (0,)
    compressed = max(counts) if isinstance(counts, tuple) else int(counts)
    return rows * columns * bits_per_pixel // 8 + compressed
