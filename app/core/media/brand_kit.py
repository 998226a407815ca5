"""The brand kit a deliverable is dressed in: logo, font, colours, call to action, URL, key messages.

Plain values only (the caller reads them from the library); this module also prepares the logo (alpha kept,
a flat background keyed out only when asked) and picks legible text colours for a background.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from app.resources import resources_dir

DEFAULT_FONT_NAME = "Inter-SemiBold.otf"
DEFAULT_BACKGROUND = (17, 17, 17)
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
KEY_TOLERANCE = 40  # largest channel difference (0-255) under which a pixel counts as the keyed background
KEY_SOFTNESS = 40  # a ramp above the tolerance keeps the logo's anti-aliased edges smooth
MAX_LOGO_PIXELS = 40_000_000

RGB = tuple[int, int, int]


class BrandKitError(ValueError):
    """A logo, font or colour that cannot be used; the message names the file or value."""


def default_font() -> Path:
    """The bundled font (Inter SemiBold, SIL Open Font License; see ``resources/fonts/OFL.txt``)."""
    return resources_dir() / "fonts" / DEFAULT_FONT_NAME


@dataclass(frozen=True)
class BrandKit:
    """What the campaign's deliverables look like and say."""

    campaign: str = "ad"  # names the files of a multi-format export: <campaign>-<aspect>.mp4
    colors: tuple[str, ...] = ()  # hex colours; the first valid one is the primary (end card, supers' box)
    logo_path: Path | None = None  # PNG with alpha (or any image Pillow reads)
    logo_key_background: bool = False  # key out a flat background (e.g. a JPEG logo on white)
    font_path: Path | None = None  # None: the bundled font
    cta: str = ""  # call to action, e.g. "Order today"
    product_url: str = ""
    key_messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def font(self) -> Path:
        return self.font_path or default_font()

    @property
    def primary(self) -> RGB:
        colors = valid_colors(self.colors)
        return colors[0] if colors else DEFAULT_BACKGROUND

    def text_on(self, background: RGB) -> RGB:
        """The brand colour that reads best on ``background`` (WCAG contrast ≥ 4.5), else white or black."""
        for color in valid_colors(self.colors):
            if contrast_ratio(color, background) >= 4.5:
                return color
        return readable_on(background)


def check_brand(brand: BrandKit) -> None:
    """Raise ``BrandKitError`` when the font or logo file is missing (colours that do not parse are skipped)."""
    if not brand.font.is_file():
        raise BrandKitError(f"the font file {brand.font} does not exist")
    if brand.logo_path is not None and not brand.logo_path.is_file():
        raise BrandKitError(f"the logo file {brand.logo_path} does not exist")


def parse_color(value: str) -> RGB | None:
    """``#RRGGBB`` (or ``RRGGBB``) as an RGB triple; ``None`` when it is not one."""
    match = _HEX.match(value.strip())
    if not match:
        return None
    text = match.group(1)
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def valid_colors(values: Sequence[str]) -> list[RGB]:
    return [c for c in (parse_color(v) for v in values) if c is not None]


def ffmpeg_color(color: RGB) -> str:
    """FFmpeg's spelling of an RGB colour (``0xRRGGBB``)."""
    return "0x{:02x}{:02x}{:02x}".format(*color)


def hex_color(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def relative_luminance(color: RGB) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(background: RGB) -> RGB:
    """White or near-black, whichever contrasts more with ``background``."""
    white, black = (255, 255, 255), (17, 17, 17)
    return white if contrast_ratio(white, background) >= contrast_ratio(black, background) else black


def load_logo(brand: BrandKit) -> Image.Image | None:
    """The brand's logo as RGBA (``None`` without one); a flat background is keyed out only when asked.

    Blocking (decodes an image): run it in an executor. Raises ``BrandKitError`` for an unreadable file.
    """
    if brand.logo_path is None:
        return None
    try:
        with Image.open(brand.logo_path) as opened:
            if opened.width * opened.height > MAX_LOGO_PIXELS:
                raise BrandKitError(f"the logo {brand.logo_path.name} is too large "
                                    f"({opened.width}×{opened.height} pixels)")
            image = ImageOps.exif_transpose(opened).convert("RGBA")
    except (OSError, UnidentifiedImageError) as exc:
        raise BrandKitError(f"the logo {brand.logo_path.name} cannot be read: {exc}") from None
    if brand.logo_key_background:
        image = key_background(image)
    box = image.getchannel("A").getbbox()
    if box is None:
        raise BrandKitError(f"the logo {brand.logo_path.name} is fully transparent")
    return image.crop(box)


def key_background(image: Image.Image) -> Image.Image:
    """Make the colour of the image's corners transparent, with a soft edge (for logos saved without alpha)."""
    rgb = image.convert("RGB")
    corners = [rgb.getpixel((0, 0)), rgb.getpixel((rgb.width - 1, 0)), rgb.getpixel((0, rgb.height - 1)),
               rgb.getpixel((rgb.width - 1, rgb.height - 1))]
    key = tuple(sorted(c[i] for c in corners)[1] for i in range(3))  # a robust middle of the four corners
    red, green, blue = ImageChops.difference(rgb, Image.new("RGB", rgb.size, key)).split()
    distance = ImageChops.lighter(ImageChops.lighter(red, green), blue)  # the largest channel difference
    ramp = [0 if v <= KEY_TOLERANCE else 255 if v >= KEY_TOLERANCE + KEY_SOFTNESS
            else round(255 * (v - KEY_TOLERANCE) / KEY_SOFTNESS) for v in range(256)]
    result = image.copy()
    result.putalpha(ImageChops.darker(image.getchannel("A"), distance.point(ramp)))
    return result
