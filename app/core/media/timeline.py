"""Where every clip, join and the end card sit on the finished ad's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.core.media.transitions import Join

SUPER_INSET_S = 0.25  # a super appears this long after its clip is alone on screen, and leaves as long before


class TimelineError(ValueError):
    """The clips are too short for their joins; the message names the clip."""


@dataclass(frozen=True, slots=True)
class Timeline:
    durations: tuple[float, ...]
    joins: tuple[Join, ...]
    starts: tuple[float, ...]  # when each clip begins on the ad's timeline
    clips_end: float  # when the last clip ends (the end card, if any, starts here)
    end_card_s: float

    @property
    def total_s(self) -> float:
        return self.clips_end + self.end_card_s

    def solo_window(self, index: int) -> tuple[float, float]:
        """The stretch where clip ``index`` is on screen alone, at full brightness (no join touches it)."""
        before = self.joins[index - 1].eats() if index > 0 else 0.0
        after = self.joins[index].eats() if index < len(self.joins) else 0.0
        start = self.starts[index]
        return start + before, start + self.durations[index] - after

    def clip_span(self, index: int) -> tuple[float, float]:
        start = self.starts[index]
        return start, start + self.durations[index]


def build_timeline(durations: Sequence[float], joins: Sequence[Join], end_card_s: float = 0.0) -> Timeline:
    """Start times from the clips' lengths, less the overlap of each crossfade-like join."""
    starts = [0.0]
    for index in range(1, len(durations)):
        starts.append(starts[-1] + durations[index - 1] - joins[index - 1].overlap_s)
    clips_end = starts[-1] + durations[-1] if durations else 0.0
    return Timeline(tuple(durations), tuple(joins), tuple(starts), clips_end, end_card_s)


def check_joins_fit(labels: Sequence[str], durations: Sequence[float], joins: Sequence[Join]) -> None:
    """Every clip must be long enough for what the joins on its two sides take from it."""
    for index, (label, duration) in enumerate(zip(labels, durations, strict=True)):
        before = joins[index - 1].eats() if index > 0 else 0.0
        after = joins[index].eats() if index < len(joins) else 0.0
        if before + after > duration + 1e-6:
            names = " and ".join(j.name for j in (joins[index - 1] if index else None,
                                                 joins[index] if index < len(joins) else None) if j)
            raise TimelineError(f"{label} lasts {duration:.2f} s, too short for its {names} "
                                f"({before + after:.2f} s): shorten the transition or drop the clip")


def auto_cue_windows(timeline: Timeline) -> list[tuple[float, float]]:
    """For each clip, when its super shows: its solo stretch, inset at both ends when there is room."""
    windows = []
    for index in range(len(timeline.durations)):
        start, end = timeline.solo_window(index)
        inset = min(SUPER_INSET_S, max(0.0, (end - start) / 6))
        windows.append((round(start + inset, 3), round(end - inset, 3)))
    return windows
