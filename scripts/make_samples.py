"""Draw the sample campaign's images (a fictional coffee brand, Saltbloom) into ``resources/samples/``.

Every scene is drawn with Pillow from shapes and gradients in one brand palette, so the project owns them and
may ship them. The output is deterministic; run again after changing a scene and commit the JPEGs:

    .venv/bin/python scripts/make_samples.py [OUT_DIR]
"""

from __future__ import annotations

import itertools
import math
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

W, H = 1280, 720
SS = 2  # supersampling factor: scenes are drawn at 2x and scaled down for smooth edges
OUT = Path(__file__).resolve().parents[1] / "resources" / "samples"

RGB = tuple[int, int, int]
TEAL: RGB = (15, 76, 92)
DEEP: RGB = (9, 38, 52)
AMBER: RGB = (227, 100, 20)
GOLD: RGB = (246, 174, 45)
CREAM: RGB = (246, 231, 203)
ESPRESSO: RGB = (59, 36, 24)
SEAGLASS: RGB = (154, 209, 212)
CORAL: RGB = (232, 125, 98)
DUSK: RGB = (74, 52, 98)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def gradient(size: tuple[int, int], stops: Sequence[tuple[float, RGB]], horizontal: bool = False) -> Image.Image:
    """A linear gradient through colour stops (position 0..1)."""
    length = size[0] if horizontal else size[1]
    strip = Image.new("RGB", (length, 1) if horizontal else (1, length))
    pixels = strip.load()
    for i in range(length):
        t = i / max(1, length - 1)
        for (p0, c0), (p1, c1) in itertools.pairwise(stops):
            if p0 <= t <= p1:
                colour = mix(c0, c1, (t - p0) / max(1e-9, p1 - p0))
                break
        else:
            colour = stops[-1][1] if t > stops[-1][0] else stops[0][1]
        pixels[(i, 0) if horizontal else (0, i)] = colour
    return strip.resize(size, Image.Resampling.BILINEAR)


def glow(img: Image.Image, centre: tuple[float, float], radius: float, colour: RGB, strength: float) -> None:
    """Add a soft radial light."""
    # radial_gradient is 0 at the centre and 181 at the middle of an edge (255 in the corners)
    falloff = Image.radial_gradient("L").point(lambda v: int(255 * strength * max(0.0, 1 - v / 181) ** 2))
    mask = falloff.resize((int(radius * 2), int(radius * 2)), Image.Resampling.BILINEAR)
    layer = Image.new("RGB", img.size, colour)
    full = Image.new("L", img.size, 0)
    full.paste(mask, (int(centre[0] - radius), int(centre[1] - radius)))
    img.paste(layer, (0, 0), full)


def grain(img: Image.Image, amount: float, seed: int) -> Image.Image:
    """Fine film grain, so gradients do not band and the pictures look photographic."""
    tile = Image.frombytes("L", (512, 512), random.Random(seed).randbytes(512 * 512))
    tile = tile.point(lambda v: 128 + (v - 128) // 3)
    noise = Image.new("L", img.size)
    for x in range(0, img.width, 512):
        for y in range(0, img.height, 512):
            noise.paste(tile, (x, y))
    return Image.blend(img, ImageChops.overlay(img, noise.convert("RGB")), amount)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def sea(draw: ImageDraw.ImageDraw, top: int, colours: Sequence[RGB], rng: random.Random, sparkle: RGB,
        sparkle_x: float | None = None) -> None:
    """Bands of water from the horizon down, with glints under the light source."""
    width, height = draw.im.size
    bands = 60
    for i in range(bands):
        y0 = top + (height - top) * (i / bands) ** 1.6
        y1 = top + (height - top) * ((i + 1) / bands) ** 1.6
        colour = mix(colours[0], colours[1], i / bands)
        draw.rectangle((0, y0, width, y1 + 1), fill=colour)
    if sparkle_x is None:
        return
    for _ in range(420):
        depth = rng.random() ** 1.8
        y = top + 4 + depth * (height - top)
        spread = 30 + depth * 420
        x = sparkle_x + rng.gauss(0, spread / 2.2)
        length = 6 + depth * 60 * rng.random()
        draw.line((x - length, y, x + length, y), fill=mix(sparkle, colours[0], rng.random() * 0.4),
                  width=max(2, int(2 + depth * 5)))


def can(draw: ImageDraw.ImageDraw, x: float, base: float, scale: float,
        body: RGB = TEAL) -> tuple[float, float, float, float]:
    """The Saltbloom cold-brew can: a cylinder with a cream band and the wordmark; returns its box."""
    w, h = 220 * scale, 420 * scale
    left, top = x - w / 2, base - h
    draw.rounded_rectangle((left, top, left + w, base), radius=26 * scale, fill=body)
    draw.rectangle((left + w * 0.62, top + 20 * scale, left + w * 0.74, base - 20 * scale),
                   fill=mix(body, (255, 255, 255), 0.18))
    draw.rectangle((left + w * 0.08, top + 20 * scale, left + w * 0.14, base - 20 * scale),
                   fill=mix(body, (0, 0, 0), 0.25))
    draw.rounded_rectangle((left + 8 * scale, top - 14 * scale, left + w - 8 * scale, top + 24 * scale),
                           radius=14 * scale, fill=(200, 205, 208))
    band_top, band_bottom = top + h * 0.38, top + h * 0.66
    draw.rectangle((left, band_top, left + w, band_bottom), fill=CREAM)
    draw.ellipse((x - 34 * scale, band_top + 16 * scale, x + 34 * scale, band_top + 84 * scale), fill=AMBER)
    draw.text((x, band_bottom - 26 * scale), "SALTBLOOM", fill=ESPRESSO, anchor="mm", font=font(int(30 * scale)))
    draw.text((x, top + h * 0.8), "COLD BREW", fill=CREAM, anchor="mm", font=font(int(24 * scale)))
    return left, top, left + w, base


def skyline(draw: ImageDraw.ImageDraw, base: float, colour: RGB, rng: random.Random, windows: RGB | None,
            min_h: float, max_h: float) -> None:
    width = draw.im.size[0]
    x = -20.0
    while x < width:
        bw = rng.uniform(70, 190)
        bh = rng.uniform(min_h, max_h)
        draw.rectangle((x, base - bh, x + bw, base), fill=colour)
        if rng.random() < 0.3:
            draw.rectangle((x + bw * 0.4, base - bh - 50, x + bw * 0.46, base - bh), fill=colour)
        if windows:
            for wy in range(int(base - bh + 24), int(base - 20), 36):
                for wx in range(int(x + 14), int(x + bw - 20), 30):
                    if rng.random() < 0.45:
                        draw.rectangle((wx, wy, wx + 12, wy + 18), fill=mix(windows, colour, rng.random() * 0.5))
        x += bw + rng.uniform(4, 26)


# ---- the twelve scenes (each draws at W*SS x H*SS) --------------------------------------------------------
def harbour_sunrise(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, DUSK), (0.35, CORAL), (0.55, GOLD), (1, GOLD)])
    glow(img, (w * 0.62, h * 0.55), 700, GOLD, 0.9)
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.62 - 150, h * 0.55 - 150, w * 0.62 + 150, h * 0.55 + 150), fill=(255, 226, 150))
    sea(d, int(h * 0.55), [CORAL, DEEP], rng, (255, 230, 170), sparkle_x=w * 0.62)
    d.polygon([(0, h * 0.55), (0, h * 0.45), (w * 0.12, h * 0.5), (w * 0.3, h * 0.55)], fill=DEEP)
    d.rectangle((w * 0.05, h * 0.72, w * 0.42, h * 0.76), fill=ESPRESSO)
    for px in range(int(w * 0.07), int(w * 0.42), 90):
        d.rectangle((px, h * 0.74, px + 16, h), fill=ESPRESSO)
    return img


def beach_midday(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, (70, 150, 190)), (0.5, SEAGLASS), (1, SEAGLASS)])
    glow(img, (w * 0.85, h * 0.12), 500, (255, 250, 230), 0.8)
    d = ImageDraw.Draw(img)
    sea(d, int(h * 0.48), [TEAL, SEAGLASS], rng, (240, 250, 250), sparkle_x=w * 0.8)
    d.polygon([(0, h * 0.7), (w * 0.4, h * 0.62), (w, h * 0.66), (w, h), (0, h)], fill=(236, 210, 160))
    d.polygon([(0, h * 0.7), (w * 0.4, h * 0.62), (w, h * 0.66), (w, h * 0.68), (w * 0.4, h * 0.645),
               (0, h * 0.72)], fill=(250, 246, 236))
    cx, top = w * 0.3, h * 0.38
    for i, colour in enumerate((AMBER, CREAM, AMBER, CREAM, AMBER)):
        a0, a1 = 180 + i * 36, 180 + (i + 1) * 36
        d.pieslice((cx - 330, top, cx + 330, top + 300), a0, a1, fill=colour)
    d.line((cx, top + 150, cx + 40, h * 0.82), fill=ESPRESSO, width=12)
    d.ellipse((cx - 360, h * 0.86, cx + 220, h * 0.94), fill=(214, 186, 136))
    can(d, w * 0.62, h * 0.86, 0.9)
    return img


def sunset_headland(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, DEEP), (0.3, DUSK), (0.55, CORAL), (0.68, AMBER), (1, ESPRESSO)])
    glow(img, (w * 0.38, h * 0.6), 800, AMBER, 0.8)
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.38 - 190, h * 0.6 - 190, w * 0.38 + 190, h * 0.6 + 190), fill=(255, 190, 110))
    sea(d, int(h * 0.62), [AMBER, DEEP], rng, (255, 210, 140), sparkle_x=w * 0.38)
    d.polygon([(w * 0.55, h * 0.62), (w * 0.7, h * 0.42), (w * 0.82, h * 0.36), (w, h * 0.4), (w, h * 0.62)],
              fill=(34, 22, 32))
    d.rectangle((w * 0.78, h * 0.28, w * 0.8, h * 0.37), fill=(34, 22, 32))
    d.polygon([(w * 0.77, h * 0.28), (w * 0.79, h * 0.24), (w * 0.81, h * 0.28)], fill=(34, 22, 32))
    glow(img, (w * 0.79, h * 0.26), 60, (255, 240, 200), 0.9)
    return img


def skyline_dusk(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, DEEP), (0.45, DUSK), (0.75, CORAL), (1, GOLD)])
    d = ImageDraw.Draw(img)
    skyline(d, h * 0.86, mix(DUSK, DEEP, 0.5), rng, None, 300, 760)
    skyline(d, h * 0.9, DEEP, rng, GOLD, 160, 620)
    d.rectangle((0, h * 0.9, w, h), fill=(6, 24, 34))
    for i in range(14):
        x = rng.uniform(0, w)
        d.line((x, h * 0.92 + i * 6, x + rng.uniform(40, 160), h * 0.92 + i * 6), fill=GOLD, width=3)
    return img


def cafe_street(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, (120, 180, 200)), (1, CREAM)])
    d = ImageDraw.Draw(img)
    d.rectangle((0, h * 0.1, w * 0.28, h * 0.8), fill=(196, 170, 140))
    d.rectangle((w * 0.72, h * 0.05, w, h * 0.8), fill=(170, 140, 120))
    d.rectangle((w * 0.28, h * 0.2, w * 0.72, h * 0.8), fill=(230, 214, 190))
    for row in range(3):
        for col in range(4):
            x0, y0 = w * 0.31 + col * w * 0.105, h * 0.25 + row * h * 0.09
            d.rectangle((x0, y0, x0 + w * 0.06, y0 + h * 0.06), fill=(92, 120, 136))
    d.rectangle((w * 0.3, h * 0.56, w * 0.7, h * 0.8), fill=(60, 44, 36))
    d.rectangle((w * 0.33, h * 0.6, w * 0.67, h * 0.78), fill=(250, 214, 150))
    glow(img, (w * 0.5, h * 0.7), 360, GOLD, 0.5)
    d = ImageDraw.Draw(img)
    stripes = 12
    for i in range(stripes):
        x0 = w * 0.28 + i * (w * 0.44 / stripes)
        d.polygon([(x0, h * 0.46), (x0 + w * 0.44 / stripes, h * 0.46),
                   (x0 + w * 0.44 / stripes + 12, h * 0.55), (x0 + 12, h * 0.55)],
                  fill=TEAL if i % 2 else CREAM)
    d.text((w * 0.5, h * 0.43), "SALTBLOOM  COFFEE", fill=TEAL, anchor="mm", font=font(64))
    d.rectangle((0, h * 0.8, w, h), fill=(150, 150, 150))
    d.rectangle((0, h * 0.8, w, h * 0.82), fill=(200, 200, 200))
    for x in (w * 0.36, w * 0.6):
        d.ellipse((x - 80, h * 0.84, x + 80, h * 0.87), fill=(90, 90, 90))
        d.line((x, h * 0.855, x, h * 0.96), fill=ESPRESSO, width=10)
        d.ellipse((x - 120, h * 0.83, x + 120, h * 0.86), fill=TEAL)
    return img


def can_hero(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, SEAGLASS), (0.7, TEAL), (1, DEEP)])
    glow(img, (w * 0.5, h * 0.4), 900, (220, 245, 240), 0.7)
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.5 - 420, h * 0.82, w * 0.5 + 420, h * 0.92), fill=mix(TEAL, DEEP, 0.6))
    d.rounded_rectangle((w * 0.5 - 420, h * 0.87, w * 0.5 + 420, h), radius=30, fill=CREAM)
    d.ellipse((w * 0.5 - 420, h * 0.82, w * 0.5 + 420, h * 0.92), fill=(252, 242, 222))
    can(d, w * 0.5, h * 0.87, 2.1, body=DEEP)
    return img


def can_on_ice(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, CREAM), (1, (236, 206, 170))], horizontal=True)
    d = ImageDraw.Draw(img)
    d.rectangle((0, h * 0.74, w, h), fill=(228, 226, 222))
    for _ in range(36):
        x, y = rng.uniform(w * 0.15, w * 0.85), rng.uniform(h * 0.72, h * 0.98)
        s = rng.uniform(60, 120)
        angle = rng.uniform(0, math.pi / 2)
        pts = [(x + s * math.cos(angle + k * math.pi / 2), y + s * 0.55 * math.sin(angle + k * math.pi / 2))
               for k in range(4)]
        d.polygon(pts, fill=mix((220, 240, 245), (255, 255, 255), rng.random()), outline=(190, 220, 228))
    for box in (can(d, w * 0.38, h * 0.84, 1.6), can(d, w * 0.64, h * 0.86, 1.45, body=ESPRESSO)):
        left, top, right, bottom = box
        for _ in range(70):  # condensation on the cold cans
            x, y = rng.uniform(left + 14, right - 14), rng.uniform(top + 30, bottom - 20)
            r = rng.uniform(3, 9)
            d.ellipse((x - r, y - r * 1.4, x + r, y + r * 1.4), fill=(225, 238, 242))
    return img


def latte_top(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, (138, 96, 66)), (1, (110, 74, 50))], horizontal=True)
    d = ImageDraw.Draw(img)
    for y in range(0, h, 46):
        d.line((0, y + rng.uniform(-6, 6), w, y + rng.uniform(-6, 6)), fill=(120, 82, 56), width=5)
    cx, cy = w * 0.52, h * 0.5
    d.ellipse((cx - 560, cy - 560, cx + 560, cy + 560), fill=(90, 60, 44))
    d.ellipse((cx - 540, cy - 540, cx + 540, cy + 540), fill=CREAM)
    d.ellipse((cx - 400, cy - 400, cx + 400, cy + 400), fill=(250, 240, 224))
    d.ellipse((cx - 340, cy - 340, cx + 340, cy + 340), fill=ESPRESSO)
    d.ellipse((cx - 300, cy - 300, cx + 300, cy + 300), fill=(150, 96, 56))
    for i in range(5):
        r = 220 - i * 40
        d.ellipse((cx - r * 0.9, cy - r + i * 30, cx + r * 0.9, cy + r * 0.6 + i * 30), fill=(244, 228, 200))
        d.ellipse((cx - r * 0.8, cy - r + 28 + i * 30, cx + r * 0.8, cy + r * 0.5 + i * 30), fill=(150, 96, 56))
    d.rounded_rectangle((cx + 560, cy - 60, cx + 820, cy + 60), radius=60, fill=CREAM)
    d.ellipse((cx - 980, cy + 120, cx - 700, cy + 400), fill=TEAL)
    d.text((cx - 840, cy + 260), "SB", fill=CREAM, anchor="mm", font=font(90))
    return img


def coffee_bag(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, (250, 238, 214)), (1, (232, 204, 160))])
    glow(img, (w * 0.3, h * 0.2), 800, (255, 250, 240), 0.6)
    d = ImageDraw.Draw(img)
    d.rectangle((0, h * 0.8, w, h), fill=(200, 160, 118))
    for _ in range(140):
        x, y = rng.uniform(0, w), rng.uniform(h * 0.82, h)
        d.ellipse((x - 18, y - 12, x + 18, y + 12), fill=ESPRESSO)
        d.line((x - 12, y, x + 12, y), fill=(30, 18, 12), width=3)
    bx, top = w * 0.5, h * 0.12
    d.polygon([(bx - 340, top + 60), (bx + 340, top + 60), (bx + 380, h * 0.86), (bx - 380, h * 0.86)], fill=TEAL)
    d.rectangle((bx - 340, top, bx + 340, top + 70), fill=mix(TEAL, DEEP, 0.4))
    d.rounded_rectangle((bx - 250, h * 0.32, bx + 250, h * 0.7), radius=24, fill=CREAM)
    d.ellipse((bx - 70, h * 0.35, bx + 70, h * 0.35 + 140), fill=AMBER)
    d.text((bx, h * 0.56), "SALTBLOOM", fill=ESPRESSO, anchor="mm", font=font(70))
    d.text((bx, h * 0.64), "HARBOUR ROAST", fill=TEAL, anchor="mm", font=font(40))
    return img


def beans_pattern(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, AMBER), (1, CORAL)], horizontal=True)
    d = ImageDraw.Draw(img)
    for row in range(-1, 12):
        for col in range(-1, 20):
            x = col * 150 + (75 if row % 2 else 0) + rng.uniform(-12, 12)
            y = row * 140 + rng.uniform(-12, 12)
            tile = Image.new("RGBA", (140, 100), (0, 0, 0, 0))
            td = ImageDraw.Draw(tile)
            td.ellipse((6, 6, 134, 94), fill=(*mix(ESPRESSO, AMBER, rng.random() * 0.25), 255))
            td.arc((20, 30, 120, 70), 200, 340, fill=(28, 16, 10, 255), width=8)
            tile = tile.rotate(rng.uniform(0, 180), expand=True, resample=Image.Resampling.BICUBIC)
            img.paste(tile, (int(x), int(y)), tile)
    d.rounded_rectangle((w * 0.3, h * 0.38, w * 0.7, h * 0.62), radius=40, fill=CREAM)
    d.text((w * 0.5, h * 0.5), "slow-steeped 18 hours", fill=ESPRESSO, anchor="mm", font=font(84))
    return img


def rooftop_night(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = gradient((w, h), [(0, (8, 14, 30)), (0.7, DEEP), (1, TEAL)])
    d = ImageDraw.Draw(img)
    for _ in range(260):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h * 0.55), rng.uniform(1, 3.5)
        d.ellipse((x - r, y - r, x + r, y + r), fill=(230, 236, 255))
    glow(img, (w * 0.8, h * 0.2), 260, SEAGLASS, 0.5)
    d = ImageDraw.Draw(img)
    d.ellipse((w * 0.8 - 90, h * 0.2 - 90, w * 0.8 + 90, h * 0.2 + 90), fill=(240, 240, 226))
    skyline(d, h * 0.78, (12, 26, 40), rng, GOLD, 200, 700)
    d.rectangle((0, h * 0.78, w, h), fill=(20, 16, 20))
    for i in range(9):
        x = w * 0.05 + i * w * 0.11
        d.line((x, h * 0.7, x + w * 0.11, h * 0.7), fill=(60, 60, 60), width=4)
        d.ellipse((x - 14, h * 0.71 - 14, x + 14, h * 0.71 + 14), fill=GOLD)
    glow(img, (w * 0.5, h * 0.72), 900, GOLD, 0.25)
    d = ImageDraw.Draw(img)
    can(d, w * 0.3, h * 0.94, 0.9)
    return img


def wave_bands(rng: random.Random) -> Image.Image:
    w, h = W * SS, H * SS
    img = Image.new("RGB", (w, h), CREAM)
    d = ImageDraw.Draw(img)
    colours = [SEAGLASS, TEAL, DEEP, AMBER, GOLD, CREAM, SEAGLASS, TEAL]
    for i, colour in enumerate(colours):
        base = h * (0.15 + i * 0.12)
        phase, amp, freq = rng.uniform(0, math.tau), rng.uniform(30, 70), rng.uniform(1.2, 2.2)
        pts = [(x, base + amp * math.sin(phase + freq * math.tau * x / w)) for x in range(0, w + 20, 20)]
        d.polygon([*pts, (w, h), (0, h)], fill=colour)
    glow(img, (w * 0.2, h * 0.15), 500, (255, 255, 255), 0.4)
    return img


SCENES: list[tuple[str, Callable[[random.Random], Image.Image]]] = [
    ("01-harbour-sunrise", harbour_sunrise),
    ("02-beach-midday", beach_midday),
    ("03-sunset-headland", sunset_headland),
    ("04-skyline-dusk", skyline_dusk),
    ("05-cafe-street", cafe_street),
    ("06-can-hero", can_hero),
    ("07-cans-on-ice", can_on_ice),
    ("08-latte-from-above", latte_top),
    ("09-harbour-roast-bag", coffee_bag),
    ("10-beans-pattern", beans_pattern),
    ("11-rooftop-night", rooftop_night),
    ("12-wave-bands", wave_bands),
]


def render(draw: Callable[[random.Random], Image.Image], seed: int) -> Image.Image:
    big = draw(random.Random(seed))
    img = big.resize((W, H), Image.Resampling.LANCZOS).filter(ImageFilter.UnsharpMask(1.2, 40, 2))
    return grain(img, 0.12, seed)


def main(argv: Sequence[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for seed, (name, draw) in enumerate(SCENES, start=1):
        path = out / f"{name}.jpg"
        busy = name == "10-beans-pattern"  # the most detailed scene: a lower quality keeps it near the others
        render(draw, seed).save(path, "JPEG", quality=72 if busy else 82, optimize=True, progressive=True)
        print(f"{path.name}: {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
