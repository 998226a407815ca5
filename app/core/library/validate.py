"""Checking one candidate file and proving it is a whole, acceptable image: decoded once, at reduced scale.

Every check fails with ``ImportRejected`` whose message is the reason shown to the user. Limits are checked
from the file size and the image header before any pixel is decoded, so a decompression bomb costs nothing.
"""

from __future__ import annotations

import errno
import io
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

# Pillow format name → the store's file extension. MPO is the JPEG variant many phone cameras write.
ACCEPTED_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "BMP": "bmp", "TIFF": "tiff",
                    "GIF": "gif"}
# Image types people will try that Pillow cannot read (or that this app does not accept), by file suffix.
_KNOWN_UNSUPPORTED = {".heic": "HEIC", ".heif": "HEIF", ".avif": "AVIF", ".svg": "SVG", ".psd": "PSD",
                      ".cr2": "Canon raw", ".cr3": "Canon raw", ".nef": "Nikon raw", ".arw": "Sony raw",
                      ".dng": "DNG raw", ".raf": "Fujifilm raw", ".orf": "Olympus raw", ".rw2": "Panasonic raw"}
_ROTATING_ORIENTATIONS = {5, 6, 7, 8}
# EXIF orientation → the transpose that shows the picture upright (as ``ImageOps.exif_transpose`` does).
_ORIENTATION_FIX = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                    7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
_EXIF_ORIENTATION = 0x0112
_PILLOW_BOMB = re.compile(r"\((\d+) pixels\)")


class ImportRejected(Exception):
    """An input that cannot become an asset; the message is the reason shown to the user."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A validated image: its store format, its size as people see it (EXIF orientation applied), and a
    downscaled, oriented RGB copy for the thumbnail and the visual features."""

    fmt: str
    width: int
    height: int
    image: Image.Image


def human_bytes(count: float) -> str:
    """``52428800`` → ``50 MB`` (binary units, as file managers show them)."""
    units = ("bytes", "KB", "MB", "GB")
    value, unit = float(count), 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    return f"{value:.0f} {units[unit]}" if unit == 0 or value == int(value) else f"{value:.1f} {units[unit]}"


def check_candidate(path: Path, max_bytes: int) -> int:
    """The size of the regular file at ``path`` after the size checks; raises ImportRejected."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ImportRejected(os_reason(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise ImportRejected("not a regular file")
    check_size(info.st_size, max_bytes)
    return info.st_size


def check_size(size: int, max_bytes: int) -> None:
    """Reject an empty file or one over ``max_bytes``."""
    if size == 0:
        raise ImportRejected("empty file (0 bytes)")
    if size > max_bytes:
        raise ImportRejected(f"larger than the {human_bytes(max_bytes)} limit ({human_bytes(size)})")


def os_reason(exc: OSError) -> str:
    """A short reason for a file that cannot be read."""
    if isinstance(exc, PermissionError):
        return "unreadable: permission denied"
    if isinstance(exc, FileNotFoundError):
        return "not found"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    return f"unreadable: {exc.strerror or exc}"


def decode(data: bytes, name: str, max_pixels: int, scaled_px: int) -> Decoded:
    """Check the header (format, pixel count), decode the first frame fully, orient it, and shrink it so its
    long side is at most ``scaled_px``. JPEGs decode at a reduced scale (draft), which still reads every byte,
    so truncation is caught. Raises ImportRejected with the reason."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False: truncated files would pass")
    try:
        img = Image.open(io.BytesIO(data))
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
        kind = _KNOWN_UNSUPPORTED.get(Path(name).suffix.lower())
        raise ImportRejected(f"unsupported image format ({kind})" if kind else "not an image") from None
    except Exception as exc:  # Pillow's plugins raise many types on malformed headers
        raise ImportRejected(f"corrupt image header ({_describe(exc)})") from None
    with img:
        fmt = ACCEPTED_FORMATS.get(img.format or "")
        if fmt is None:
            raise ImportRejected(f"unsupported image format ({img.format})")
        width, height = img.size
        if width <= 0 or height <= 0:
            raise ImportRejected("corrupt image header (no pixels)")
        if width * height > max_pixels:
            raise ImportRejected(f"over the pixel limit of {max_pixels / 1e6:,.0f} MP "
                                 f"({width} × {height} = {width * height / 1e6:,.0f} MP)")
        try:
            if img.format in ("JPEG", "MPO"):
                img.draft("RGB", (scaled_px, scaled_px))
            img.load()  # decodes every byte of the first frame: truncated or corrupt data fails here
            orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
            small = _rgb(img)
            small.thumbnail((scaled_px, scaled_px))
            if small is img:  # closing ``img`` below would release these pixels
                small = img.copy()
        except MemoryError:
            raise ImportRejected("not enough memory to decode it") from None
        except Exception as exc:  # OSError for truncation; plugins raise other types on corrupt data
            raise ImportRejected(f"truncated or corrupt image ({_describe(exc)})") from None
    if method := _ORIENTATION_FIX.get(orientation):
        small = small.transpose(method)
    if orientation in _ROTATING_ORIENTATIONS:
        width, height = height, width
    return Decoded(fmt, width, height, small)


def _rgb(img: Image.Image) -> Image.Image:
    """RGB pixels; transparent areas become white, as a viewer shows them on a light background."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return text if text else type(exc).__name__
