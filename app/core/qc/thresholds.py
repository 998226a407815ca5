"""Every limit quality control judges by, in one dataclass, each with a label and a description for Settings.

How the defaults were found (``benchmarks/qc_bench.py --calibrate`` repeats the measurement): the twelve shipped
sample pictures (flat illustrations and night scenes, the hard cases for SSIM and for black detection) were fitted
to 1280×720, encoded with libx264 the way a video model delivers them, and scanned exactly as QC scans a clip.

* Frame match (SSIM on luma at 64 px, see ``similarity``). A clip starting exactly on its picture scores 0.998 or
  more; the same picture softened, grained and encoded at CRF 32 at least 0.99, colour-graded at least 0.99.
  Reframed by a 3 % zoom the median is 0.95 (the finest texture, a coffee-bean pattern, 0.74); by a 6 % zoom 0.89
  (0.36); shifted by 3 % of the width 0.72 (0.34). A different picture scores 0.08 at the median, 0.28 at the 90th
  percentile and 0.39 at worst. So from 0.80 the clip starts (or ends) on the picture; below 0.45 it shows another
  one; in between it is reframed enough to show as a jump at a cut.
* Frozen stretches (``freezedetect`` on the 160 px luma frames: a stretch is still while every frame stays within
  the noise level of its first one). The longest still stretch found at −60 / −55 / −50 dB: in a 3 % push-in over
  6 s 0.25 / 0.71 / 1.33 s, in an 8 % push-in 0.12 / 0.29 / 0.58 s, in a pan of 2 % of the width a second
  0.12 / 0.21 / 0.38 s; in a still picture with moving film grain 1.58 / 3.71 / 6 s (the whole clip). −55 dB
  keeps slow camera moves far from the warning and catches most of a grainy still; repeated frames (a model that
  stalls) are caught at any level. The offline model holds its last picture for the final tenth of a clip (0.6 s
  of 6 s, 1 s of 10 s). Hence a warning from 1.5 s of still picture and a failure from 2.5 s.
* Black (``blackdetect``: 98 % of the pixels below 10 % luma). No sample was taken for black, not even the night
  scenes darkened by a quarter with their contrast cut to 70 %. A fade through black of a fifth of a second is
  already visible in an ad; a second of black is a failure.
* As ordered: models round durations to whole frames (5 s at 24 fps is 121 frames, 5.04 s), so a duration is off
  only beyond half a second; a size beyond 5 % of the short side ordered; an aspect beyond 2 %; a frame rate
  beyond half a frame per second.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _limit(default: float, label: str, description: str, unit: str, low: float, high: float) -> Any:
    return field(default=default, metadata={"label": label, "description": description, "unit": unit,
                                            "min": low, "max": high})


@dataclass(frozen=True, slots=True)
class QcThresholds:
    """The limits of every check; ``describe()`` gives each one's label, description, unit and range."""

    similarity_pass: float = _limit(
        0.80, "Frame match: passes from",
        "How alike (0–1) a clip's first or last frame and its picture must be to count as the same picture. "
        "Also used for the seam between two clips of a storyline chain.", "", 0.0, 1.0)
    similarity_fail: float = _limit(
        0.45, "Frame match: fails below",
        "Below this likeness (0–1) the clip starts or ends on another picture; between this and the pass mark it "
        "is only reframed, and QC warns.", "", 0.0, 1.0)
    black_warn_s: float = _limit(
        0.2, "Black: warn from", "A black stretch at least this long is reported as a warning.", "s", 0.04, 60.0)
    black_fail_s: float = _limit(
        1.0, "Black: fail from", "A black stretch at least this long fails the clip.", "s", 0.04, 60.0)
    black_pixel: float = _limit(
        0.10, "Black: pixel darkness",
        "How dark (0–1 of full brightness) a pixel must be to count as black; 98 % of a frame must be that dark.",
        "", 0.01, 0.5)
    frozen_warn_s: float = _limit(
        1.5, "Frozen: warn from", "A still picture held at least this long is reported as a warning.", "s",
        0.2, 60.0)
    frozen_fail_s: float = _limit(
        2.5, "Frozen: fail from", "A still picture held at least this long fails the clip.", "s", 0.2, 60.0)
    freeze_noise_db: float = _limit(
        -55.0, "Frozen: change below",
        "How little two frames may differ (in dB of full scale) and still count as the same picture; higher "
        "values also catch very slow movement.", "dB", -90.0, -20.0)
    duration_tolerance_s: float = _limit(
        0.5, "Duration: tolerance", "How far a clip's length may be from the length ordered.", "s", 0.0, 10.0)
    size_tolerance: float = _limit(
        0.05, "Size: tolerance", "How far (a fraction) the clip's short side may be from the resolution ordered.",
        "", 0.0, 1.0)
    aspect_tolerance: float = _limit(
        0.02, "Aspect: tolerance", "How far (a fraction) the clip's width-to-height ratio may be from the one "
        "ordered.", "", 0.0, 1.0)
    fps_tolerance: float = _limit(
        0.5, "Frame rate: tolerance", "How far the clip's frame rate may be from the one ordered.", "fps",
        0.0, 60.0)

    @staticmethod
    def describe() -> list[dict[str, Any]]:
        """Name, label, description, unit, default, min and max of every threshold, in order (for Settings)."""
        return [{"name": f.name, "default": f.default, **f.metadata} for f in dataclasses.fields(QcThresholds)]

    def to_json(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> tuple[QcThresholds, list[str]]:
        """Thresholds with ``values`` applied (e.g. ``Settings.qc_thresholds``), and what was ignored and why.

        Unknown names, values that are not numbers and values outside a threshold's range are left at their
        defaults; a warn limit above its fail limit is raised to meet it.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        changes: dict[str, float] = {}
        problems: list[str] = []
        for name, value in values.items():
            spec = known.get(name)
            if spec is None:
                problems.append(f"unknown QC threshold {name!r} ignored")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"QC threshold {name} must be a number, not {value!r}: default kept")
            elif not spec.metadata["min"] <= value <= spec.metadata["max"]:
                problems.append(f"QC threshold {name}={value:g} is outside {spec.metadata['min']:g}–"
                                f"{spec.metadata['max']:g}: default kept")
            else:
                changes[name] = float(value)
        result = dataclasses.replace(cls(), **changes)
        for weaker, stronger, higher_is_worse in (("similarity_pass", "similarity_fail", False),
                                                  ("black_warn_s", "black_fail_s", True),
                                                  ("frozen_warn_s", "frozen_fail_s", True)):
            warn, fail = getattr(result, weaker), getattr(result, stronger)
            if (warn > fail) if higher_is_worse else (warn < fail):
                problems.append(f"QC threshold {weaker}={warn:g} is beyond {stronger}={fail:g}: set to {fail:g}")
                result = dataclasses.replace(result, **{weaker: fail})
        return result, problems
