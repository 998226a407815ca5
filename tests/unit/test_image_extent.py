"""``image_length``: where each format's own data ends, so trailing data can be told apart; unsure means all."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from app.core.library.extent import image_length

CASES = [("PNG", {}), ("JPEG", {}), ("JPEG", {"progressive": True}), ("GIF", {}), ("WEBP", {}),
         ("WEBP", {"lossless": True}), ("AVIF", {}), ("BMP", {}), ("TIFF", {}), ("TIFF", {"compression": "tiff_lzw"}),
         ("TIFF", {"compression": "jpeg"})]


def picture(fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((160, 120), 50).convert("RGB").save(buffer, format=fmt, **options)
    return buffer.getvalue()


def measure(data: bytes) -> int:
    handle = io.BytesIO(data)
    with Image.open(handle) as img:
        return image_length(handle, img, len(data))


@pytest.mark.parametrize(("fmt", "options"), CASES)
@pytest.mark.parametrize("trailer", [b"", b"\x00" * 5000, os.urandom(70_000), b"\xff\xd9" * 300 + b"IEND"])
def test_the_image_ends_where_its_format_says(fmt: str, options: dict[str, object], trailer: bytes) -> None:
    image = picture(fmt, **options)
    assert measure(image + trailer) == len(image)


def test_an_mpo_ends_after_its_last_picture() -> None:
    first = Image.effect_noise((120, 90), 40).convert("RGB")
    buffer = io.BytesIO()
    first.save(buffer, format="MPO", save_all=True, append_images=[first.rotate(90)])
    image = buffer.getvalue()
    assert measure(image + os.urandom(50_000)) == len(image)


def test_an_animated_gif_ends_after_its_trailer() -> None:
    frames = [Image.new("RGB", (40, 30), color) for color in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=80)
    image = buffer.getvalue()
    assert measure(image + b"\x3b" * 1000) == len(image)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "TIFF", "BMP"])
def test_a_structure_that_cannot_be_followed_counts_as_all_of_the_file(fmt: str) -> None:
    image = picture(fmt)
    cut = image[:len(image) // 2]  # Pillow still opens the header; the walk runs out of data
    handle = io.BytesIO(cut)
    with Image.open(handle) as img:
        where = handle.tell()
        assert image_length(handle, img, len(cut)) == len(cut)
        assert handle.tell() == where  # the handle is left where it was
