"""Black and frozen stretches: FFmpeg's ``blackdetect`` and ``freezedetect`` log lines, parsed into intervals.

``blackdetect`` prints ``black_start:0 black_end:2.1 black_duration:2.1`` per stretch (also one that lasts to the
end). ``freezedetect`` prints ``lavfi.freezedetect.freeze_start: 3.96`` once a picture has held still long enough,
then ``freeze_end`` when it moves again; a freeze that lasts to the end of the clip has no end line. Times are
made relative to the clip's first frame and clamped to its duration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_BLACK = re.compile(r"black_start:\s*(-?[\d.]+)\s+black_end:\s*(-?[\d.]+)")
_FREEZE = re.compile(r"lavfi\.freezedetect\.freeze_(start|end):\s*(-?[\d.]+)")
EDGE_S = 0.1  # a stretch this close to the start or the end of a clip is "at the start" / "at the end"


@dataclass(frozen=True, slots=True)
class Interval:
    """A stretch of a clip, in seconds from its first frame."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return round(self.end_s - self.start_s, 3)

    def where(self, clip_duration_s: float) -> str:
        """Where the stretch lies in plain words: "the whole clip", "at the start", "at the end", "from 2.5 s"."""
        at_start = self.start_s <= EDGE_S
        at_end = self.end_s >= clip_duration_s - EDGE_S
        if at_start and at_end:
            return "the whole clip"
        if at_start:
            return "at the start"
        if at_end:
            return "at the end"
        return f"from {self.start_s:.1f} s to {self.end_s:.1f} s"

    def to_json(self) -> dict[str, float]:
        return {"start_s": self.start_s, "end_s": self.end_s}


def _interval(start: float, end: float, offset: float, duration: float) -> Interval | None:
    start, end = max(0.0, start - offset), end - offset
    if duration > 0:
        end = min(end, duration)
    return Interval(round(start, 3), round(end, 3)) if end > start else None


def parse_black(log: str, start_offset_s: float, duration_s: float) -> tuple[Interval, ...]:
    """The black stretches ``blackdetect`` reported in ``log``."""
    found = (_interval(float(a), float(b), start_offset_s, duration_s) for a, b in _BLACK.findall(log))
    return tuple(interval for interval in found if interval)


def parse_frozen(log: str, start_offset_s: float, duration_s: float) -> tuple[Interval, ...]:
    """The frozen stretches ``freezedetect`` reported in ``log``; an unfinished one lasts to the end."""
    intervals: list[Interval | None] = []
    started: float | None = None
    for kind, value in _FREEZE.findall(log):
        if kind == "start":
            started = float(value)
        elif started is not None:
            intervals.append(_interval(started, float(value), start_offset_s, duration_s))
            started = None
    if started is not None:
        intervals.append(_interval(started, duration_s + start_offset_s, start_offset_s, duration_s))
    return tuple(interval for interval in intervals if interval)


def subtract(intervals: Iterable[Interval], removed: Iterable[Interval], min_s: float = 0.0) -> tuple[Interval, ...]:
    """``intervals`` without the parts covered by ``removed``, keeping pieces of at least ``min_s``.

    A black stretch is also a still one: frozen stretches are reported without their black parts.
    """
    cuts = sorted((r.start_s, r.end_s) for r in removed)
    result: list[Interval] = []
    for interval in intervals:
        pieces = [(interval.start_s, interval.end_s)]
        for cut_start, cut_end in cuts:
            pieces = [part for start, end in pieces for part in
                      ((start, min(end, cut_start)), (max(start, cut_end), end)) if part[1] > part[0]]
        result += [Interval(start, end) for start, end in pieces if end - start >= min_s and end - start > 0]
    return tuple(result)


def total_s(intervals: Iterable[Interval]) -> float:
    return round(sum(interval.duration_s for interval in intervals), 3)
