"""Frames, pixels and loudness of rendered deliverables, measured independently of the engine."""

from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageStat

from app.core.media.ffmpeg import ffmpeg_exe

LOGO_SIZE = (240, 120)


def make_logo(path: Path) -> Path:
    """A logo with alpha: a yellow disc and a green bar on transparency (distinct from any test pattern)."""
    image = Image.new("RGBA", LOGO_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, 119, 119), fill=(255, 204, 0, 255))
    draw.rectangle((132, 24, 239, 96), fill=(0, 160, 80, 255))
    image.save(path)
    return path


def frame(path: Path, at: float) -> Image.Image:
    """The RGB frame shown at ``at`` seconds."""
    result = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1",
                             "-f", "image2pipe", "-c:v", "png", "-"], capture_output=True, check=True)
    return Image.open(io.BytesIO(result.stdout)).convert("RGB")


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of the first audio stream."""
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a:0",
                             "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                            capture_output=True, check=True)
    text = result.stderr.decode()
    summary = text[text.rindex("Summary:"):]
    loudness = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert loudness and peak, summary
    return float(loudness.group(1)), float(peak.group(1))


def changed_box(a: Image.Image, b: Image.Image, threshold: int = 48) -> tuple[int, int, int, int] | None:
    """The bounding box of the pixels where ``a`` and ``b`` differ by more than ``threshold`` (any channel)."""
    diff = ImageChops.difference(a, b)
    red, green, blue = diff.split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    return strongest.point(lambda v: 255 if v > threshold else 0).getbbox()


def mean_difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int] | None = None) -> float:
    if box:
        a, b = a.crop(box), b.crop(box)
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def dominant_color(image: Image.Image) -> tuple[int, int, int]:
    """The most common colour, counted in steps of 8 per channel (the centre of that step)."""
    data = image.convert("RGB").tobytes()
    counts = Counter((data[i] // 8, data[i + 1] // 8, data[i + 2] // 8) for i in range(0, len(data), 3))
    r, g, b = counts.most_common(1)[0][0]
    return r * 8 + 4, g * 8 + 4, b * 8 + 4


def best_match(image: Image.Image, template: Image.Image, x: int, y: int, radius: int = 4) -> tuple[int, int, float]:
    """Slide ``template`` within ``radius`` of (x, y): the offset with the smallest mean difference, and it."""
    best = (0, 0, float("inf"))
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            box = (x + dx, y + dy, x + dx + template.width, y + dy + template.height)
            if box[0] < 0 or box[1] < 0 or box[2] > image.width or box[3] > image.height:
                continue
            score = mean_difference(image.crop(box), template)
            if score < best[2]:
                best = (dx, dy, score)
    return best
