"""Where an image file's own data ends: anything after it is trailing data no viewer reads.

Each format is walked from its structure (PNG chunks to IEND, JPEG markers to EOI, GIF blocks to the trailer,
the RIFF length of WebP, ISO boxes of AVIF, the pixel array of BMP, the directories and strips of TIFF) without
decoding a pixel. When the structure cannot be followed the whole file counts as the image: the answer is only
ever used to drop data, so it errs on the side of keeping it.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from typing import BinaryIO

from PIL import Image

_SCAN_CHUNK = 1024 * 1024
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # a marker after entropy-coded data (not a stuffed 0xFF)
_BOX_TYPE = re.compile(rb"[A-Za-z0-9 ]{4}")
_MAX_TIFF_DIRECTORIES = 512


class _Unknown(Exception):
    """The structure could not be followed."""


def image_length(handle: BinaryIO, img: Image.Image, size: int) -> int:
    """How many bytes from the start of ``handle`` (a file of ``size`` bytes) make up the image Pillow opened as
    ``img``; ``size`` when they all do or when it cannot be told."""
    walker = _WALKERS.get(img.format or "")
    if walker is None:
        return size
    position = handle.tell()
    try:
        end = walker(handle, img, size)
    except (_Unknown, struct.error, OSError, ValueError, KeyError, TypeError, IndexError):
        return size
    finally:
        handle.seek(position)
    return end if 0 < end <= size else size


def _read(handle: BinaryIO, offset: int, count: int) -> bytes:
    handle.seek(offset)
    data = handle.read(count)
    if len(data) != count:
        raise _Unknown
    return data


def _png(handle: BinaryIO, img: Image.Image, size: int) -> int:
    position = 8
    while position + 12 <= size:
        length, kind = struct.unpack(">I4s", _read(handle, position, 8))
        position += 12 + length
        if kind == b"IEND":
            return position
    raise _Unknown


def _jpeg(handle: BinaryIO, img: Image.Image, size: int) -> int:
    offsets = getattr(img, "_MpoImageFile__mpoffsets", None)
    entries = getattr(img, "mpinfo", {}).get(0xB002) if img.format == "MPO" else None
    if img.format == "MPO":
        if not offsets or not entries or len(offsets) != len(entries):
            raise _Unknown
        return max(offset + int(entry["Size"]) for offset, entry in zip(offsets, entries, strict=True))
    if _read(handle, size - 2, 2) == b"\xff\xd9":  # ends as a JPEG ends: what follows its EOI, if anything, is
        return size  # a JPEG as well (kept); skipping the walk saves scanning every photo's entropy-coded data
    return _jpeg_end(handle, 0, size)


def _jpeg_end(handle: BinaryIO, start: int, size: int) -> int:
    """The offset just past the EOI marker of the JPEG that starts at ``start``."""
    if _read(handle, start, 2) != b"\xff\xd8":
        raise _Unknown
    position = start + 2
    while position + 2 <= size:
        prefix, marker = _read(handle, position, 2)
        if prefix != 0xFF:
            raise _Unknown
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0xD9:  # EOI
            return position + 2
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # standalone markers
            position += 2
        else:
            (length,) = struct.unpack(">H", _read(handle, position + 2, 2))
            position += 2 + length
            if marker == 0xDA:  # SOS: entropy-coded data follows, up to the next marker
                position = _next_marker(handle, position, size)
    raise _Unknown


def _next_marker(handle: BinaryIO, position: int, size: int) -> int:
    handle.seek(position)
    while position < size:
        chunk = handle.read(_SCAN_CHUNK + 1)
        if not chunk:
            break
        found = _JPEG_MARKER.search(chunk)
        if found is not None:
            return position + found.start()
        position += max(len(chunk) - 1, 1)  # the last byte may be a 0xFF whose marker byte is in the next chunk
        handle.seek(position)
    raise _Unknown


def _gif(handle: BinaryIO, img: Image.Image, size: int) -> int:
    packed = _read(handle, 10, 1)[0]
    position = 13 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
    while position < size:
        kind = _read(handle, position, 1)[0]
        if kind == 0x3B:  # trailer
            return position + 1
        if kind == 0x21:  # extension: label, then data sub-blocks
            position = _skip_sub_blocks(handle, position + 2)
        elif kind == 0x2C:  # image: descriptor, local colour table, LZW code size, data sub-blocks
            packed = _read(handle, position + 9, 1)[0]
            position += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0)
            position = _skip_sub_blocks(handle, position + 1)
        else:
            raise _Unknown
    raise _Unknown


def _skip_sub_blocks(handle: BinaryIO, position: int) -> int:
    handle.seek(position)
    while True:
        length = handle.read(1)
        if not length:
            raise _Unknown
        position += 1 + length[0]
        if length[0] == 0:
            return position
        handle.seek(position)


def _webp(handle: BinaryIO, img: Image.Image, size: int) -> int:
    riff, length, webp = struct.unpack("<4sI4s", _read(handle, 0, 12))
    if riff != b"RIFF" or webp != b"WEBP":
        raise _Unknown
    return 8 + length + (length & 1)


def _avif(handle: BinaryIO, img: Image.Image, size: int) -> int:
    position = 0
    while position + 8 <= size:
        length, kind = struct.unpack(">I4s", _read(handle, position, 8))
        if position == 0 and kind != b"ftyp":
            raise _Unknown
        if not _BOX_TYPE.fullmatch(kind):  # not a box: trailing data starts here
            break
        if length == 1:
            (length,) = struct.unpack(">Q", _read(handle, position + 8, 8))
        elif length == 0:  # the last box runs to the end of the file
            return size
        if length < 8 or position + length > size:
            break
        position += length
    if position == 0:
        raise _Unknown
    return position


def _bmp(handle: BinaryIO, img: Image.Image, size: int) -> int:
    header = _read(handle, 0, 54 if size >= 54 else 26)
    (pixels_at,) = struct.unpack("<I", header[10:14])
    (header_size,) = struct.unpack("<I", header[14:18])
    if header_size == 12:  # OS/2 core header: always uncompressed
        width, height, _planes, bits = struct.unpack("<HHHH", header[18:26])
        compression, stored = 0, 0
    else:
        width, height, _planes, bits, compression, stored = struct.unpack("<iiHHII", header[18:38])
    stride = (abs(width) * bits + 31) // 32 * 4
    if compression in (0, 3, 6):  # uncompressed rows (bit fields only describe the channels)
        end = pixels_at + stride * abs(height)
    elif stored:
        end = pixels_at + stored
    else:
        raise _Unknown
    if header_size >= 124:  # BITMAPV5HEADER: an ICC profile may follow the pixels
        profile_at, profile_size = struct.unpack("<II", _read(handle, 14 + 112, 8))
        if profile_size:
            end = max(end, 14 + profile_at + profile_size)
    return end


_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_TIFF_SUB_DIRECTORIES = {330, 34665, 34853, 40965}  # SubIFDs, EXIF, GPS, interoperability
_TIFF_DATA_PAIRS = {273: 279, 324: 325, 513: 514}  # strips, tiles, an embedded JPEG: offsets → byte counts


def _tiff(handle: BinaryIO, img: Image.Image, size: int) -> int:
    order = {b"II": "<", b"MM": ">"}.get(_read(handle, 0, 2))
    if order is None:
        raise _Unknown
    magic, first = struct.unpack(order + "HI", _read(handle, 2, 6))
    if magic != 42:  # BigTIFF and variants: not followed
        raise _Unknown
    end = 8
    pending, seen = [first], set()
    while pending:
        directory = pending.pop()
        if directory == 0 or directory in seen:
            continue
        if len(seen) >= _MAX_TIFF_DIRECTORIES or directory + 2 > size:
            raise _Unknown
        seen.add(directory)
        end = max(end, _tiff_directory(handle, order, directory, size, pending))
    return end


def _tiff_directory(handle: BinaryIO, order: str, directory: int, size: int, pending: list[int]) -> int:
    (count,) = struct.unpack(order + "H", _read(handle, directory, 2))
    table = _read(handle, directory + 2, 12 * count + 4)
    end = directory + 2 + 12 * count + 4
    values: dict[int, tuple[int, ...]] = {}
    for index in range(count):
        tag, kind, number = struct.unpack(order + "HHI", table[12 * index:12 * index + 8])
        raw = table[12 * index + 8:12 * index + 12]
        item_size = _TIFF_TYPE_SIZES.get(kind, 1)
        length = number * item_size
        if length > 4:
            (offset,) = struct.unpack(order + "I", raw)
            if offset + length > size:
                raise _Unknown
            end = max(end, offset + length)
        if tag in _TIFF_SUB_DIRECTORIES or tag in _TIFF_DATA_PAIRS or tag in _TIFF_DATA_PAIRS.values():
            values[tag] = _tiff_numbers(handle, order, kind, number, raw)
    next_directory = struct.unpack(order + "I", table[-4:])[0]
    pending.append(next_directory)
    for tag in _TIFF_SUB_DIRECTORIES & values.keys():
        pending.extend(values[tag])
    for offsets_tag, counts_tag in _TIFF_DATA_PAIRS.items():
        offsets, counts = values.get(offsets_tag, ()), values.get(counts_tag, ())
        for offset, length in zip(offsets, counts, strict=False):
            if offset + length > size:
                raise _Unknown
            end = max(end, offset + length)
    return end


def _tiff_numbers(handle: BinaryIO, order: str, kind: int, number: int, raw: bytes) -> tuple[int, ...]:
    code = {3: "H", 4: "I", 13: "I", 16: "Q"}.get(kind)
    if code is None:
        raise _Unknown
    length = number * struct.calcsize(code)
    data = raw[:length] if length <= 4 else _read(handle, struct.unpack(order + "I", raw)[0], length)
    return struct.unpack(f"{order}{number}{code}", data)


_WALKERS: dict[str, Callable[[BinaryIO, Image.Image, int], int]] = {
    "PNG": _png, "JPEG": _jpeg, "MPO": _jpeg, "GIF": _gif, "WEBP": _webp, "AVIF": _avif, "BMP": _bmp,
    "TIFF": _tiff}
