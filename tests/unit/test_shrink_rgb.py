"""``shrink_rgb``: the thumbnail Pillow would make, for every mode, transparency on white, strip by strip."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from app.core.library.images import shrink_rgb, thumbnail_size


@pytest.mark.parametrize("size", [(4000, 3000), (3000, 4000), (257, 256), (256, 100), (40, 30), (5000, 7), (7, 5000)])
def test_the_size_is_the_one_pillow_thumbnail_gives(size: tuple[int, int]) -> None:
    expected = Image.new("L", size)
    expected.thumbnail((256, 256))
    assert thumbnail_size(size, 256) == expected.size


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "CMYK", "I;16", "1"])
def test_every_mode_becomes_rgb_of_the_thumbnail_size(mode: str) -> None:
    img = Image.linear_gradient("L").resize((1800, 1200)).convert(mode)
    small = shrink_rgb(img, 256)
    assert (small.mode, small.size) == ("RGB", (256, 171))


def test_strips_give_what_one_pass_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    img = Image.effect_noise((2400, 1600), 60).convert("RGB")
    whole = shrink_rgb(img, 256)
    monkeypatch.setattr("app.core.library.images.STRIP_PIXELS", 2400 * 37)  # many strips, not aligned
    strips = shrink_rgb(img, 256)
    difference = ImageStat.Stat(ImageChops.difference(whole, strips)).mean
    assert max(difference) < 1.0


def test_transparent_areas_become_white() -> None:
    img = Image.new("RGBA", (3000, 2000), (200, 10, 10, 0))
    img.paste((10, 10, 200, 255), (0, 0, 1500, 2000))
    small = shrink_rgb(img, 300)
    assert small.getpixel((10, 100)) == (10, 10, 200)
    assert small.getpixel((290, 100)) == (255, 255, 255)
