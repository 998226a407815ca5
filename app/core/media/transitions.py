"""Joins between clips: a cut, a crossfade, a fade through black, or any transition of FFmpeg's ``xfade``.

``cut`` and ``fade`` keep every second of both clips; ``crossfade`` and the ``xfade`` family overlap the two
clips by the join's length (so the ad gets shorter by that much per join).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# The transitions of the bundled FFmpeg's xfade filter (``ffmpeg -h filter=xfade``; ``custom`` needs an
# expression and ``fade`` is offered as ``crossfade``, since ``fade`` here means a fade through black).
XFADE_TRANSITIONS = (
    "wipeleft", "wiperight", "wipeup", "wipedown", "slideleft", "slideright", "slideup", "slidedown",
    "circlecrop", "rectcrop", "distance", "fadeblack", "fadewhite", "radial", "smoothleft", "smoothright",
    "smoothup", "smoothdown", "circleopen", "circleclose", "vertopen", "vertclose", "horzopen", "horzclose",
    "dissolve", "pixelize", "diagtl", "diagtr", "diagbl", "diagbr", "hlslice", "hrslice", "vuslice", "vdslice",
    "hblur", "fadegrays", "wipetl", "wipetr", "wipebl", "wipebr", "squeezeh", "squeezev", "zoomin", "fadefast",
    "fadeslow", "hlwind", "hrwind", "vuwind", "vdwind", "coverleft", "coverright", "coverup", "coverdown",
    "revealleft", "revealright", "revealup", "revealdown",
)
TRANSITION_CHOICES = ("cut", "crossfade", "fade", *XFADE_TRANSITIONS)


class TransitionError(ValueError):
    """A transition name or count that does not fit; the message says which."""


@dataclass(frozen=True, slots=True)
class Join:
    """The join between clip ``n`` and clip ``n + 1``."""

    name: str  # one of TRANSITION_CHOICES
    length_s: float  # 0 for a cut

    @property
    def overlaps(self) -> bool:
        """True when the two clips play at once during the join (crossfade and the xfade family)."""
        return self.name not in ("cut", "fade")

    @property
    def overlap_s(self) -> float:
        return self.length_s if self.overlaps else 0.0

    @property
    def xfade_name(self) -> str:
        """The ``xfade`` filter's name for this join (only for overlapping joins)."""
        return "fade" if self.name == "crossfade" else self.name

    def eats(self) -> float:
        """How much of each neighbouring clip the join takes: the overlap, or half a fade through black."""
        if self.name == "fade":
            return self.length_s / 2
        return self.overlap_s


def parse_transitions(value: str | Sequence[str]) -> tuple[str, ...]:
    """``"crossfade"``, ``"cut,wipeleft,fade"`` or a list, checked against the known names."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = tuple(item.strip().lower() for item in items if item.strip())
    if not names:
        raise TransitionError("name a transition, e.g. cut or crossfade")
    for name in names:
        if name not in TRANSITION_CHOICES:
            raise TransitionError(f"unknown transition {name!r}: use cut, crossfade, fade or an xfade transition "
                                  f"such as wipeleft, slideup, dissolve, circleopen or smoothleft")
    return names


def plan_joins(names: Sequence[str], clip_count: int, length_s: float) -> tuple[Join, ...]:
    """One join per pair of neighbouring clips: one name for all joins, or exactly one name per join."""
    joins = max(0, clip_count - 1)
    if len(names) == 1:
        names = list(names) * joins
    elif len(names) != joins:
        raise TransitionError(f"{len(names)} transitions given for {joins} join(s) between {clip_count} clips: "
                              "give one for all joins or one per join")
    return tuple(Join(name, 0.0 if name == "cut" else length_s) for name in names)
