"""Where text and logos may go: the platform safe area of each aspect, as margins of the frame.

Everything important (supers, captions, the end card's logo, call to action and URL) is laid out inside
``safe_rect``; only backgrounds and the picture itself reach the frame's edges.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Margins:
    """The frame's unsafe bands as fractions of its height (top, bottom) and width (left, right)."""

    top: float
    bottom: float
    left: float
    right: float
    source: str


# 16:9: EBU R 95 (2008), "Safe areas for 16:9 television production": the graphics-safe area is the central
# 90 % of width and height, i.e. 5 % on every side (action-safe is 93 %).
# 9:16: Meta Business Help Centre, Stories ad placement: keep the top 14 % (250 px of 1920) free of text and
# logos (profile and progress bar), and the bottom 20 % (the call-to-action button and reply bar; TikTok's
# caption and music line sit there too); Meta's Reels guidance keeps 6 % clear at each side.
# 4:5: Meta's feed guidance leaves about 64 px of 1080 (6 %) clear on every side of a 1080×1350 post.
# 1:1: a feed square has no interface drawn over it: the broadcast graphics-safe 5 % of EBU R 95.
SAFE_MARGINS: dict[str, Margins] = {
    "16:9": Margins(0.05, 0.05, 0.05, 0.05, "EBU R 95 graphics-safe area (90 %)"),
    "9:16": Margins(0.14, 0.20, 0.06, 0.06, "Meta Stories/Reels: top 14 %, bottom 20 %, sides 6 %"),
    "4:5": Margins(0.06, 0.06, 0.06, 0.06, "Meta feed 4:5: 64 px of 1080 on every side"),
    "1:1": Margins(0.05, 0.05, 0.05, 0.05, "EBU R 95 graphics-safe area (90 %)"),
}


@dataclass(frozen=True, slots=True)
class Rect:
    """A pixel rectangle: left, top, width, height."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Rect) -> bool:
        """True when ``other`` lies wholly inside this rectangle."""
        return (self.x <= other.x and self.y <= other.y and other.right <= self.right
                and other.bottom <= self.bottom)

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


def nearest_aspect(width: int, height: int) -> str:
    """The named aspect whose ratio is closest to ``width`` × ``height`` (for a ``source``-sized output)."""
    ratio = width / height
    return min(SAFE_MARGINS, key=lambda name: abs(_ratio(name) - ratio))


def safe_rect(aspect: str, width: int, height: int) -> Rect:
    """The safe area of a ``width`` × ``height`` frame of ``aspect`` (``source`` takes the nearest preset)."""
    margins = SAFE_MARGINS.get(aspect) or SAFE_MARGINS[nearest_aspect(width, height)]
    left = round(width * margins.left)
    top = round(height * margins.top)
    right = round(width * margins.right)
    bottom = round(height * margins.bottom)
    return Rect(left, top, width - left - right, height - top - bottom)


def _ratio(name: str) -> float:
    across, down = name.split(":")
    return int(across) / int(down)
