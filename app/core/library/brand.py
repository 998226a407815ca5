"""Brand kit files: logos and fonts copied into the library's ``brand/`` folder, and a campaign's ``BrandKit``.

Files are named by a prefix of their sha256 and their own name (the same file added twice is stored once) and
recorded on the client as paths relative to the library's shared folder, so every workstation of a team library
finds them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageFont, UnidentifiedImageError

from app.config import LibraryPaths
from app.core.atomic import atomic_writer
from app.core.library.store import CHUNK, sha256_file
from app.core.media.brand_kit import MAX_LOGO_PIXELS, BrandKit

BRAND_FOLDER = "brand"
FONT_SUFFIXES = (".ttf", ".otf")
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_BRAND_FILE_BYTES = 50 * 1024 * 1024
HASH_CHARS = 16  # files are named <hash prefix>-<original name>: the same bytes under the same name are stored once


class BrandFileError(ValueError):
    """A logo or font file that cannot be used; the message names it and says why."""


def import_brand_file(paths: LibraryPaths, source: Path, kind: str) -> str:
    """Check ``source`` (a ``"logo"`` image or a ``"font"`` file) and copy it into ``brand/``; returns the path to
    record on the client. Blocking (reads and hashes the file): run it off the event loop."""
    source = source.expanduser()
    if not source.is_file():
        raise BrandFileError(f"{source} is not a file")
    if source.stat().st_size > MAX_BRAND_FILE_BYTES:
        raise BrandFileError(f"{source.name} is larger than {MAX_BRAND_FILE_BYTES // (1024 * 1024)} MB")
    suffix = source.suffix.lower()
    if kind == "font":
        _check_font(source, suffix)
    elif kind == "logo":
        suffix = _check_logo(source)
    else:
        raise ValueError(f"unknown brand file kind {kind!r}")
    safe = re.sub(r"[^\w.-]+", "-", source.stem, flags=re.UNICODE).strip("-.")[:60] or kind
    target = paths.share / BRAND_FOLDER / f"{sha256_file(source)[:HASH_CHARS]}-{safe}{suffix}"
    if not target.is_file():
        with source.open("rb") as src, atomic_writer(target) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
    return target.relative_to(paths.share).as_posix()


def _check_font(source: Path, suffix: str) -> None:
    if suffix not in FONT_SUFFIXES:
        raise BrandFileError(f"{source.name} is not a TrueType or OpenType font (.ttf or .otf)")
    try:
        ImageFont.truetype(str(source), 24)
    except OSError as exc:
        raise BrandFileError(f"the font {source.name} cannot be read: {exc}") from None


def _check_logo(source: Path) -> str:
    try:
        with Image.open(source) as image:
            if image.width * image.height > MAX_LOGO_PIXELS:
                raise BrandFileError(f"the logo {source.name} is too large ({image.width}×{image.height} pixels)")
            fmt = (image.format or "").lower()
            image.load()
    except (OSError, UnidentifiedImageError) as exc:
        raise BrandFileError(f"the logo {source.name} cannot be read as an image: {exc}") from None
    suffix = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}.get(fmt)
    if suffix is None:
        raise BrandFileError(f"the logo {source.name} is a {fmt.upper() or 'file'}: use a PNG (with transparency), "
                             "a JPEG or a WebP")
    return suffix


def display_name(stored: str) -> str:
    """The original file name of a stored brand file (without its hash prefix)."""
    name = Path(stored).name
    prefix, dash, rest = name.partition("-")
    return rest if dash and len(prefix) == HASH_CHARS else name


def brand_kit(paths: LibraryPaths, *, campaign: str, colors: Sequence[str], logo: Path | None,
              key_background: bool, fonts: Sequence[str], cta: str, product_url: str,
              key_messages: Sequence[str]) -> BrandKit:
    """The ``BrandKit`` of a campaign from its client's stored values (the first font sets the text)."""
    return BrandKit(campaign=campaign, colors=tuple(colors), logo_path=logo, logo_key_background=key_background,
                    font_path=paths.file(fonts[0]) if fonts else None, cta=cta, product_url=product_url,
                    key_messages=tuple(key_messages))
