"""Cheap visual features stored with each asset for the offline pairer."""

from __future__ import annotations

from PIL import Image

HIST_BINS_PER_CHANNEL = 4


def perceptual_hash(img: Image.Image) -> str:
    """A 64-bit difference hash (dHash) as 16 hex digits: robust to scale and small edits."""
    small = img.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    pixels = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left = pixels[row * 9 + col]
            right = pixels[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:016x}"


def color_histogram(img: Image.Image) -> list[float]:
    """A normalised 4×4×4 RGB histogram (64 floats summing to 1)."""
    small = img.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR)
    step = 256 // HIST_BINS_PER_CHANNEL
    counts = [0] * HIST_BINS_PER_CHANNEL**3
    data = small.tobytes()
    for r, g, b in zip(data[0::3], data[1::3], data[2::3], strict=True):
        counts[(r // step) * 16 + (g // step) * 4 + (b // step)] += 1
    total = float(sum(counts)) or 1.0
    return [round(c / total, 5) for c in counts]


def hamming_distance(hash_a: str, hash_b: str) -> int:
    return (int(hash_a, 16) ^ int(hash_b, 16)).bit_count()


def histogram_similarity(a: list[float], b: list[float]) -> float:
    """Histogram intersection, 0 (nothing shared) to 1 (identical palettes)."""
    return sum(min(x, y) for x, y in zip(a, b, strict=True))
