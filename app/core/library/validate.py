"""Checking one candidate file and proving it is a whole, acceptable image: decoded once, at reduced scale.

Every check fails with ``ImportRejected`` whose message is the reason shown to the user, in words a
non-technical reader can act on (the decoder's own words go to the log). Limits are checked from the file size
and the image header before any pixel is decoded, so a decompression bomb costs nothing; a full decode first
reserves its memory from the budget all decoding threads share (``memory``). Trailing data after the image
(``extent``) is not part of what is kept.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

from app.core.disk_space import human_bytes
from app.core.library import memory
from app.core.library.decoder_log import route_decoder_messages
from app.core.library.extent import image_length
from app.core.library.images import EXIF_ORIENTATION, ROTATING_ORIENTATIONS, shrink_rgb, upright
from app.core.library.memory import decode_bytes
from app.core.printable import printable

log = logging.getLogger(__name__)

# Pillow format name → the store's file extension. MPO is the JPEG variant many phone cameras write.
ACCEPTED_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "TIFF": "tiff",
                    "GIF": "gif", "AVIF": "avif"}
FORMAT_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "BMP": "BMP", "TIFF": "TIFF", "GIF": "GIF",
                "AVIF": "AVIF"}
ACCEPTED_TEXT = "Pairframe takes JPEG, PNG, WebP, BMP, TIFF, GIF and AVIF"
NOT_AN_IMAGE = f"not an image: {ACCEPTED_TEXT}"
DAMAGED = "damaged image"
INCOMPLETE = "damaged image: the file is incomplete"
# Image types people will try that Pillow cannot read (or that this app does not accept), by file suffix.
_KNOWN_UNSUPPORTED = {".heic": "HEIC", ".heif": "HEIF", ".svg": "SVG", ".psd": "PSD", ".pdf": "PDF",
                      ".jxl": "JPEG XL", ".cr2": "Canon raw", ".cr3": "Canon raw", ".nef": "Nikon raw",
                      ".arw": "Sony raw", ".dng": "DNG raw", ".raf": "Fujifilm raw", ".orf": "Olympus raw",
                      ".rw2": "Panasonic raw"}
_ISO_BRANDS = {b"avif": "", b"avis": "", b"heic": "HEIC", b"heix": "HEIC", b"hevc": "HEIC", b"hevx": "HEIC",
               b"heim": "HEIC", b"heis": "HEIC", b"mif1": "HEIF", b"msf1": "HEIF", b"jxl ": "JPEG XL"}
_ACCEPTED_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*")
_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_PILLOW_BOMB = re.compile(r"\((\d+) pixels\)")
TRAILING_SLACK = 1024 * 1024  # trailing data below this is left as it is (the file stays byte-identical)


class ImportRejected(Exception):
    """An input that cannot become an asset; the message is the reason shown to the user."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A validated image: its store format, its size as people see it (EXIF orientation applied), a downscaled,
    oriented RGB copy for the thumbnail and the visual features, and how many bytes from the start of the file
    make up the image (less than the file when trailing data is to be dropped)."""

    fmt: str
    width: int
    height: int
    image: Image.Image
    length: int


def check_regular(info: os.stat_result, max_bytes: int) -> int:
    """The size of the regular file described by ``info`` after the size checks; raises ImportRejected."""
    if not stat.S_ISREG(info.st_mode):
        raise ImportRejected(not_regular_reason(info.st_mode))
    check_size(info.st_size, max_bytes)
    return info.st_size


def check_size(size: int, max_bytes: int) -> None:
    """Reject an empty file or one over ``max_bytes``."""
    if size == 0:
        raise ImportRejected("empty file (0 bytes)")
    if size > max_bytes:
        raise ImportRejected(f"larger than the {human_bytes(max_bytes)} limit ({human_bytes(size)})")


def not_regular_reason(mode: int) -> str:
    """Why something that is not a regular file (a named pipe, a device, a socket) is not imported."""
    if stat.S_ISFIFO(mode):
        kind = "a named pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    else:
        return "not a regular file"
    return f"not a regular file: {kind}"


def os_reason(exc: OSError) -> str:
    """A short reason for a file that cannot be read."""
    if isinstance(exc, PermissionError):
        return "unreadable: permission denied"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return f"unreadable: {exc.strerror or exc}"


def decode(path: Path, name: str, max_pixels: int, scaled_px: int) -> Decoded:
    """Check the file's header (format, pixel count, memory), decode its first frame fully, orient it, and shrink
    it so its long side is at most ``scaled_px``. JPEGs decode at a reduced scale (draft), which still reads
    every byte, so truncation is caught. Raises ImportRejected with the reason."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False: truncated files would pass")
    route_decoder_messages()
    size = path.stat().st_size
    with path.open("rb") as handle:
        with _open(handle, name, max_pixels) as img:
            fmt = ACCEPTED_FORMATS[img.format or ""]
            length = image_length(handle, img, size)
        if size - length >= TRAILING_SLACK:
            try:
                with _open(_Window(handle, length), name, max_pixels) as img:
                    return _decode_open(img, fmt, name, scaled_px, length)
            except ImportRejected:  # the walk misread the file: judge the whole of it instead
                log.warning("%s: did not decode without its last %d bytes: the whole file is judged",
                            printable(name), size - length)
        handle.seek(0)
        with _open(handle, name, max_pixels) as img:
            return _decode_open(img, fmt, name, scaled_px, size)


def _open(handle: BinaryIO, name: str, max_pixels: int) -> Image.Image:
    """Pillow's lazy image on ``handle`` once its header passed the format and pixel checks."""
    try:
        img = Image.open(handle)
    except Image.DecompressionBombError as exc:  # Pillow's own limit (twice MAX_IMAGE_PIXELS) checks first
        found = _PILLOW_BOMB.search(str(exc))
        pixels = int(found.group(1)) if found else None
        if pixels is not None and pixels <= max_pixels:
            limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
            raise ImportRejected(f"over the image decoder's safety limit of {limit / 1e6:,.0f} MP "
                                 f"({pixels / 1e6:,.0f} MP)") from None
        shown = f" ({pixels / 1e6:,.0f} MP)" if pixels is not None else ""
        raise ImportRejected(f"over the pixel limit of {max_pixels / 1e6:,.0f} MP{shown}") from None
    except UnidentifiedImageError:
        raise ImportRejected(_unidentified_reason(handle, name)) from None
    except Exception as exc:  # Pillow's plugins raise many types on malformed headers
        log.info("%s: unreadable image header: %s", printable(name), _describe(exc))
        raise ImportRejected(DAMAGED) from None
    try:
        if (img.format or "") not in ACCEPTED_FORMATS:
            raise ImportRejected(f"unsupported image format ({img.format}): {ACCEPTED_TEXT}")
        width, height = img.size
        if width <= 0 or height <= 0:
            raise ImportRejected(DAMAGED)
        if width * height > max_pixels:
            raise ImportRejected(f"over the pixel limit of {max_pixels / 1e6:,.0f} MP "
                                 f"({width} × {height} = {width * height / 1e6:,.0f} MP)")
    except BaseException:
        img.close()
        raise
    return img


def _decode_open(img: Image.Image, fmt: str, name: str, scaled_px: int, length: int) -> Decoded:
    width, height = full_size = img.size
    if img.format in ("JPEG", "MPO"):
        img.draft("RGB", (scaled_px, scaled_px))
    needed = decode_bytes(img, full_size)
    if needed > memory.DECODE_BUDGET.total:
        kind = FORMAT_NAMES.get(img.format or "", img.format)
        raise ImportRejected(f"too large to open safely: this {width * height / 1e6:,.0f} MP {kind} image "
                             f"needs about {human_bytes(needed)} of memory to open, more than the "
                             f"{human_bytes(memory.DECODE_BUDGET.total)} Pairframe allows; save it as JPEG or PNG")
    try:
        with memory.DECODE_BUDGET.reserve(needed):
            try:
                img.load()  # decodes every byte of the first frame: truncated or corrupt data fails here
                orientation = img.getexif().get(EXIF_ORIENTATION, 1)
                small = shrink_rgb(img, scaled_px)
            finally:
                img.close()  # its pixels are freed before their share of the budget goes to the next decode
    except MemoryError:
        raise ImportRejected("not enough memory to open it") from None
    except Exception as exc:  # OSError for truncation; plugins raise other types on corrupt data
        text = _describe(exc)
        log.info("%s: damaged image data: %s", printable(name), text)
        raise ImportRejected(INCOMPLETE if "truncated" in text else DAMAGED) from None
    if orientation in ROTATING_ORIENTATIONS:
        width, height = height, width
    return Decoded(fmt, width, height, upright(small, orientation), length)


def _unidentified_reason(handle: BinaryIO, name: str) -> str:
    """What a file Pillow cannot identify is: a damaged image of an accepted format, an image of a format
    Pairframe does not take, or not an image at all."""
    handle.seek(0)
    head = handle.read(32)
    if head.startswith(_ACCEPTED_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or (
            head[:2] == b"BM" and len(head) > 14 and head[14] in _BMP_HEADER_SIZES):
        return DAMAGED
    kind = None
    if head[4:8] == b"ftyp":
        kind = _ISO_BRANDS.get(head[8:12])
        if kind == "":
            return DAMAGED
    elif head.startswith(b"8BPS"):
        kind = "PSD"
    elif head.startswith(b"%PDF"):
        kind = "PDF"
    elif head.startswith(b"\xff\x0a"):
        kind = "JPEG XL"
    kind = kind or _KNOWN_UNSUPPORTED.get(Path(name).suffix.lower())
    return f"unsupported image format ({kind}): {ACCEPTED_TEXT}" if kind else NOT_AN_IMAGE


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text if text else type(exc).__name__


class _Window(io.RawIOBase):
    """The first ``length`` bytes of an open file, as a file of its own (what is decoded when trailing data
    is dropped, so the decode proves the kept bytes are the whole image)."""

    def __init__(self, handle: BinaryIO, length: int) -> None:
        super().__init__()
        self._handle = handle
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = max(0, min(len(buffer), self._length - self._position))
        if count == 0:
            return 0
        self._handle.seek(self._position)
        data = self._handle.read(count)
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)
