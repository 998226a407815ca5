"""How alike two pictures look: SSIM on luma at a reduced size, computed with Pillow alone (no numpy).

Pictures are compared at ``COMPARE_PX`` on the long side: small enough that the slight softening, grain and
reframing of a model's frame barely count, large enough that another picture never passes for the same one
(``thresholds`` has the measurements).

SSIM (Wang et al., 2004) compares local means, contrasts and structure. Local statistics come from 8×8 windows on
two grids, the second offset by half a window so an edge on a window border still counts; Pillow's ``reduce``
averages the windows in C, and the per-window terms are combined in Python over a few hundred windows (well under a
millisecond at 160×90). The result is the mean over the windows, clamped to 0..1: 1 for the same picture,
about 0.1–0.4 for two unrelated ones.
"""

from __future__ import annotations

from array import array

from PIL import Image, ImageMath

COMPARE_PX = 64
WINDOW = 8
_C1 = (0.01 * 255) ** 2  # stabilisers of the SSIM paper for 8-bit values
_C2 = (0.03 * 255) ** 2


def luma(img: Image.Image) -> Image.Image:
    """``img`` as 8-bit full-range luma with BT.601 weights (Pillow's "L").

    That is what FFmpeg's ``format=gray`` gives for any clip: it decodes to colour with the clip's own matrix
    (BT.709, BT.2020…) and weighs that colour as BT.601, so a picture and a clip's frame get the same luma.
    """
    return img if img.mode == "L" else img.convert("RGB").convert("L")


def _floats(img: Image.Image) -> array:
    return array("f", img.tobytes())


def _window_terms(x: Image.Image, y: Image.Image) -> list[float]:
    """SSIM of each 8×8 window of two same-sized float images."""
    squares = [ImageMath.lambda_eval(lambda v: v["a"] * v["b"], a=a, b=b) for a, b in ((x, x), (y, y), (x, y))]
    mean_x, mean_y, mean_xx, mean_yy, mean_xy = (_floats(img.reduce(WINDOW)) for img in (x, y, *squares))
    terms = []
    for mx, my, exx, eyy, exy in zip(mean_x, mean_y, mean_xx, mean_yy, mean_xy, strict=True):
        var_x, var_y, cov = exx - mx * mx, eyy - my * my, exy - mx * my
        terms.append((2 * mx * my + _C1) * (2 * cov + _C2) / ((mx * mx + my * my + _C1) * (var_x + var_y + _C2)))
    return terms


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM of two luma ("L") images of the same size, 0..1 (1: the same picture)."""
    if a.size != b.size:
        raise ValueError(f"cannot compare pictures of different sizes ({a.size} and {b.size})")
    width, height = a.size
    if width < WINDOW or height < WINDOW:
        raise ValueError(f"pictures of {width}×{height} are too small to compare")
    x, y = a.convert("F"), b.convert("F")
    terms: list[float] = []
    half = WINDOW // 2
    for offset in (0, half):
        right = offset + (width - offset) // WINDOW * WINDOW
        bottom = offset + (height - offset) // WINDOW * WINDOW
        if right - offset >= WINDOW and bottom - offset >= WINDOW:
            box = (offset, offset, right, bottom)
            terms += _window_terms(x.crop(box), y.crop(box))
    return round(min(1.0, max(0.0, sum(terms) / len(terms))), 4)


def compare_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size pictures of ``size`` are compared at: ``COMPARE_PX`` on the long side, the shape kept."""
    width, height = size
    scale = COMPARE_PX / max(width, height)
    return max(WINDOW, round(width * scale)), max(WINDOW, round(height * scale))


def picture_similarity(a: Image.Image, b: Image.Image) -> float:
    """How alike two luma pictures of the same size look, 0..1: SSIM at ``compare_size``."""
    if a.size != b.size:
        raise ValueError(f"cannot compare pictures of different sizes ({a.size} and {b.size})")
    size = compare_size(a.size)
    if size != a.size:
        a, b = (img.resize(size, Image.Resampling.BOX) for img in (a, b))
    return ssim(a, b)
