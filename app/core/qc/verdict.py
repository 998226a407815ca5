"""The verdict on one clip: pass, warn or fail, with one plain sentence per reason, as a JSON-ready value.

``judge_clip`` turns what a scan measured into reasons using ``QcThresholds``; ``ClipQc`` is the result (the
``qc`` object of a clip in ``job --json`` and in the ad's manifest). A seam or a brand check found later is added
with ``ClipQc.with_reasons`` / ``ClipQc.with_brand``, which keep the verdict the worst of all reasons.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.qc.brand_reply import BrandCheck
from app.core.qc.detect import EDGE_S, Interval, subtract
from app.core.qc.levels import Verdict
from app.core.qc.thresholds import QcThresholds

QC_VERSION = 1


class Check(enum.StrEnum):
    """What a reason is about."""

    READABLE = "readable"
    FIRST_FRAME = "first_frame"
    LAST_FRAME = "last_frame"
    SEAM = "seam"
    BLACK = "black"
    FROZEN = "frozen"
    DURATION = "duration"
    RESOLUTION = "resolution"
    ASPECT = "aspect"
    FPS = "fps"
    AUDIO = "audio"
    BRAND = "brand"


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding: which check, how bad, a sentence about the clip, and where in it (seconds) if somewhere."""

    check: Check
    verdict: Verdict
    text: str
    at_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check.value, "verdict": self.verdict.value, "text": self.text, "at_s": self.at_s}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        return cls(Check(data["check"]), Verdict(data["verdict"]), str(data["text"]), data.get("at_s"))


@dataclass(frozen=True, slots=True)
class FrameRef:
    """A picture a clip must start or end on, and the name messages call it by (default: the file name)."""

    path: Path
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.path.name


@dataclass(frozen=True, slots=True)
class ClipOrder:
    """What was ordered for a clip; None leaves that check out."""

    first: FrameRef | None = None
    last: FrameRef | None = None
    duration_s: float | None = None
    resolution: str | None = None  # "1080p": the short side
    aspect: str | None = None  # "16:9"
    fps: float | None = None
    audio: bool | None = None  # True: sound wanted; False: no sound wanted
    label: str = ""  # how seams name the clip ("clip 3")
    prompt: str = ""  # the motion prompt (the brand check is told what the clip was asked to show)


@dataclass(frozen=True, slots=True)
class Measures:
    """What was measured of a clip (the input of ``judge_clip``)."""

    duration_s: float
    width: int
    height: int
    fps: float
    has_audio: bool
    black: tuple[Interval, ...] = ()
    frozen: tuple[Interval, ...] = ()
    first_similarity: float | None = None
    last_similarity: float | None = None
    problems: tuple[Reason, ...] = ()  # what could not be measured (an unreadable picture), already phrased


@dataclass(frozen=True, slots=True)
class ClipQc:
    """The QC result of one clip (frozen; ``to_json`` / ``from_json`` round-trip it)."""

    verdict: Verdict
    reasons: tuple[Reason, ...]
    duration_s: float = 0.0
    width: int = 0
    height: int = 0
    fps: float = 0.0
    has_audio: bool = False
    first_similarity: float | None = None
    last_similarity: float | None = None
    seam_similarity: float | None = None  # against the previous clip's last frame (storyline chain)
    black: tuple[Interval, ...] = ()
    frozen: tuple[Interval, ...] = ()  # still stretches that are not black
    brand: BrandCheck | None = None

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    @property
    def failed(self) -> bool:
        return self.verdict is Verdict.FAIL

    def lines(self) -> list[str]:
        """One line per reason, worst first: "fail: ends on a different picture than …"."""
        order = {Verdict.FAIL: 0, Verdict.WARN: 1, Verdict.PASS: 2}
        return [f"{r.verdict.value}: {r.text}" for r in sorted(self.reasons, key=lambda r: order[r.verdict])]

    def with_reasons(self, reasons: Iterable[Reason], **changes: Any) -> ClipQc:
        """A copy with ``reasons`` added (and fields in ``changes`` set), its verdict recomputed."""
        merged = (*self.reasons, *reasons)
        return replace(self, reasons=merged, verdict=Verdict.worst(r.verdict for r in merged), **changes)

    def with_brand(self, brand: BrandCheck) -> ClipQc:
        """A copy with a brand check's findings among the reasons (replacing an earlier brand check's)."""
        kept = tuple(r for r in self.reasons if r.check is not Check.BRAND)
        base = replace(self, reasons=kept, verdict=Verdict.worst(r.verdict for r in kept))
        return base.with_reasons(brand_reasons(brand), brand=brand)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": QC_VERSION,
            "verdict": self.verdict.value,
            "reasons": [r.to_json() for r in self.reasons],
            "media": {"duration_s": self.duration_s, "width": self.width, "height": self.height, "fps": self.fps,
                      "has_audio": self.has_audio},
            "first_similarity": self.first_similarity,
            "last_similarity": self.last_similarity,
            "seam_similarity": self.seam_similarity,
            "black": [i.to_json() for i in self.black],
            "frozen": [i.to_json() for i in self.frozen],
            "brand": self.brand.to_json() if self.brand else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClipQc:
        media = data.get("media") or {}
        return cls(
            verdict=Verdict(data["verdict"]),
            reasons=tuple(Reason.from_json(r) for r in data.get("reasons", ())),
            duration_s=float(media.get("duration_s", 0.0)), width=int(media.get("width", 0)),
            height=int(media.get("height", 0)), fps=float(media.get("fps", 0.0)),
            has_audio=bool(media.get("has_audio", False)),
            first_similarity=data.get("first_similarity"), last_similarity=data.get("last_similarity"),
            seam_similarity=data.get("seam_similarity"),
            black=tuple(Interval(i["start_s"], i["end_s"]) for i in data.get("black", ())),
            frozen=tuple(Interval(i["start_s"], i["end_s"]) for i in data.get("frozen", ())),
            brand=BrandCheck.from_json(data["brand"]) if data.get("brand") else None)


def unreadable(message: str) -> ClipQc:
    """The result for a clip that cannot be decoded at all."""
    return ClipQc(Verdict.FAIL, (Reason(Check.READABLE, Verdict.FAIL, f"the clip cannot be read: {message}"),))


def _grade(value: float, warn: float, fail: float) -> Verdict:
    """PASS below ``warn``, WARN from it, FAIL from ``fail`` (for lengths: more is worse)."""
    return Verdict.FAIL if value >= fail else Verdict.WARN if value >= warn else Verdict.PASS


def _frame_reason(check: Check, similarity: float, ref: FrameRef, starts_black: bool,
                  limits: QcThresholds, at_s: float) -> Reason | None:
    verb = "starts" if check is Check.FIRST_FRAME else "ends"
    if similarity >= limits.similarity_pass:
        return None
    if starts_black:
        return Reason(check, Verdict.FAIL, f"{verb} on black instead of {ref.name}", at_s)
    if similarity < limits.similarity_fail:
        return Reason(check, Verdict.FAIL, f"{verb} on a different picture than {ref.name} "
                                           f"(similarity {similarity:.2f})", at_s)
    return Reason(check, Verdict.WARN, f"{verb} close to, but not exactly on, {ref.name} "
                                       f"(similarity {similarity:.2f})", at_s)


def _black_reasons(black: tuple[Interval, ...], duration: float, limits: QcThresholds) -> list[Reason]:
    reasons = []
    for interval in black:
        verdict = _grade(interval.duration_s, limits.black_warn_s, limits.black_fail_s)
        where = interval.where(duration)
        if where == "the whole clip":
            reasons.append(Reason(Check.BLACK, Verdict.FAIL, f"the whole clip is black ({interval.duration_s:.1f} s)",
                                  0.0))
        elif verdict is not Verdict.PASS:
            reasons.append(Reason(Check.BLACK, verdict, f"{interval.duration_s:.1f} s of black {where}",
                                  interval.start_s))
    return reasons


def _frozen_reasons(frozen: tuple[Interval, ...], duration: float, limits: QcThresholds) -> list[Reason]:
    reasons = []
    for interval in frozen:
        verdict = _grade(interval.duration_s, limits.frozen_warn_s, limits.frozen_fail_s)
        if verdict is Verdict.PASS:
            continue
        where = interval.where(duration)
        text = ("the whole clip is a still picture" if where == "the whole clip"
                else f"the picture freezes for {interval.duration_s:.1f} s {where}")
        reasons.append(Reason(Check.FROZEN, verdict, text, interval.start_s))
    return reasons


def _ratio_name(width: int, height: int) -> str:
    for name in ("16:9", "9:16", "1:1", "4:5", "4:3", "3:4", "21:9", "2:3", "3:2"):
        across, down = (int(p) for p in name.split(":"))
        if abs(width / height - across / down) <= 0.01 * across / down:
            return name
    divisor = math.gcd(width, height)
    return f"{width // divisor}:{height // divisor}"


def _short_side(resolution: str) -> int | None:
    digits = resolution.strip().lower().rstrip("p")
    return int(digits) if digits.isdigit() else None


def _order_reasons(m: Measures, order: ClipOrder, limits: QcThresholds) -> list[Reason]:
    reasons = []
    if order.duration_s and abs(m.duration_s - order.duration_s) > limits.duration_tolerance_s:
        reasons.append(Reason(Check.DURATION, Verdict.WARN,
                              f"lasts {m.duration_s:.1f} s; {order.duration_s:g} s was ordered"))
    short = min(m.width, m.height)
    wanted = _short_side(order.resolution) if order.resolution else None
    if wanted and abs(short - wanted) > limits.size_tolerance * wanted:
        reasons.append(Reason(Check.RESOLUTION, Verdict.WARN,
                              f"is {m.width}×{m.height} ({short}p); {order.resolution} was ordered"))
    if order.aspect and m.height:
        across, down = (float(p) for p in order.aspect.split(":"))
        if abs(m.width / m.height - across / down) > limits.aspect_tolerance * across / down:
            reasons.append(Reason(Check.ASPECT, Verdict.WARN, f"is {_ratio_name(m.width, m.height)} "
                                                              f"({m.width}×{m.height}); {order.aspect} was ordered"))
    if order.fps and abs(m.fps - order.fps) > limits.fps_tolerance:
        reasons.append(Reason(Check.FPS, Verdict.WARN, f"plays at {m.fps:g} fps; {order.fps:g} fps was ordered"))
    if order.audio is True and not m.has_audio:
        reasons.append(Reason(Check.AUDIO, Verdict.WARN, "has no sound; sound was ordered"))
    elif order.audio is False and m.has_audio:
        reasons.append(Reason(Check.AUDIO, Verdict.WARN, "has a sound track although none was ordered"))
    return reasons


def judge_clip(m: Measures, order: ClipOrder, limits: QcThresholds) -> ClipQc:
    """The verdict on a clip from what was measured and what was ordered."""
    duration = m.duration_s
    reasons: list[Reason] = list(m.problems)
    starts_black = any(i.start_s <= 0.05 for i in m.black)
    ends_black = any(i.end_s >= duration - 0.1 for i in m.black)
    if order.first and m.first_similarity is not None:
        reason = _frame_reason(Check.FIRST_FRAME, m.first_similarity, order.first, starts_black, limits, 0.0)
        reasons += [reason] if reason else []
    if order.last and m.last_similarity is not None:
        reason = _frame_reason(Check.LAST_FRAME, m.last_similarity, order.last, ends_black, limits, duration)
        reasons += [reason] if reason else []
    # Black is still too: it is reported once, as black (a detector's end may differ by a frame: no slivers).
    still = subtract(m.frozen, m.black, min_s=EDGE_S)
    reasons += _black_reasons(m.black, duration, limits)
    reasons += _frozen_reasons(still, duration, limits)
    reasons += _order_reasons(m, order, limits)
    return ClipQc(Verdict.worst(r.verdict for r in reasons), tuple(reasons), round(duration, 3), m.width, m.height,
                  m.fps, m.has_audio, m.first_similarity, m.last_similarity, None, m.black, still)


def seam_reason(similarity: float, previous_label: str, limits: QcThresholds) -> Reason | None:
    """The reason (on the later clip) when it does not start where the previous clip of a chain ends."""
    if similarity >= limits.similarity_pass:
        return None
    if similarity < limits.similarity_fail:
        return Reason(Check.SEAM, Verdict.FAIL, f"does not start where {previous_label} ends "
                                                f"(similarity {similarity:.2f})", 0.0)
    return Reason(Check.SEAM, Verdict.WARN, f"starts close to, but not exactly where, {previous_label} ends "
                                            f"(similarity {similarity:.2f})", 0.0)


def brand_reasons(brand: BrandCheck) -> list[Reason]:
    """The brand check's findings as reasons: one per issue, or one saying why it could not be done."""
    if brand.error:
        return [Reason(Check.BRAND, Verdict.WARN, f"the brand check could not be done: {brand.error}")]
    reasons = [Reason(Check.BRAND, Verdict(issue.severity), issue.text(), issue.time_s) for issue in brand.issues]
    if brand.verdict and brand.verdict != "pass" and not reasons:
        reasons.append(Reason(Check.BRAND, Verdict(brand.verdict), brand.summary or "the brand check found a "
                                                                                   "problem"))
    return reasons
