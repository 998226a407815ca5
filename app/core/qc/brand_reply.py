"""The brand check's reply: its strict JSON schema, the checks and repairs every reply goes through, the result.

Like the pairing replies (``app.core.pairing.validate``), a reply is used as far as it can be and every change is
reported: a verdict or a severity outside its enum is mapped from its synonyms (or derived from the issues), a kind
outside the enum from its keywords (else "other"), a time that is not one of the sampled frames is snapped to the
nearest one, a verdict that contradicts its own issues is raised to match them. A reply that is not a JSON object
raises ``MalformedReply`` (the caller asks once more).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.pairing.validate import MalformedReply, parse_json
from app.core.qc.levels import Verdict

SCHEMA_NAME = "brand_check"
MAX_ISSUES = 20
_SAME_TIME_S = 0.05


class IssueKind(enum.StrEnum):
    TEXT_ON_SCREEN = "text_on_screen"
    LOGO_DISTORTED = "logo_distorted"
    COMPETITOR_PRODUCT = "competitor_product"
    OFF_BRAND_COLOURS = "off_brand_colours"
    RESTRICTION_BROKEN = "restriction_broken"
    OFF_TONE = "off_tone"
    VISUAL_GLITCH = "visual_glitch"
    OTHER = "other"

    @property
    def phrase(self) -> str:
        """The issue in a few plain words, as a reason line starts."""
        return _PHRASES[self]


_PHRASES = {
    IssueKind.TEXT_ON_SCREEN: "text appeared",
    IssueKind.LOGO_DISTORTED: "logo distorted",
    IssueKind.COMPETITOR_PRODUCT: "shows a competitor's product",
    IssueKind.OFF_BRAND_COLOURS: "off-brand colours",
    IssueKind.RESTRICTION_BROKEN: "breaks a brand restriction",
    IssueKind.OFF_TONE: "off the brand's tone",
    IssueKind.VISUAL_GLITCH: "visual glitch",
    IssueKind.OTHER: "brand problem",
}
# Words in a kind outside the enum that say which kind was meant (first match wins).
_KIND_WORDS: tuple[tuple[str, IssueKind], ...] = (
    ("competitor", IssueKind.COMPETITOR_PRODUCT), ("rival", IssueKind.COMPETITOR_PRODUCT),
    ("logo", IssueKind.LOGO_DISTORTED), ("label", IssueKind.LOGO_DISTORTED),
    ("text", IssueKind.TEXT_ON_SCREEN), ("caption", IssueKind.TEXT_ON_SCREEN),
    ("letter", IssueKind.TEXT_ON_SCREEN), ("word", IssueKind.TEXT_ON_SCREEN),
    ("colour", IssueKind.OFF_BRAND_COLOURS), ("color", IssueKind.OFF_BRAND_COLOURS),
    ("palette", IssueKind.OFF_BRAND_COLOURS), ("restrict", IssueKind.RESTRICTION_BROKEN),
    ("rule", IssueKind.RESTRICTION_BROKEN), ("tone", IssueKind.OFF_TONE), ("mood", IssueKind.OFF_TONE),
    ("glitch", IssueKind.VISUAL_GLITCH), ("artifact", IssueKind.VISUAL_GLITCH),
    ("artefact", IssueKind.VISUAL_GLITCH), ("distort", IssueKind.VISUAL_GLITCH), ("warp", IssueKind.VISUAL_GLITCH),
)
_KINDS = frozenset(kind.value for kind in IssueKind)
_VERDICT_WORDS = {"pass": Verdict.PASS, "passed": Verdict.PASS, "ok": Verdict.PASS, "approved": Verdict.PASS,
                  "good": Verdict.PASS, "warn": Verdict.WARN, "warning": Verdict.WARN, "minor": Verdict.WARN,
                  "low": Verdict.WARN, "medium": Verdict.WARN, "fail": Verdict.FAIL, "failed": Verdict.FAIL,
                  "reject": Verdict.FAIL, "rejected": Verdict.FAIL, "major": Verdict.FAIL, "high": Verdict.FAIL,
                  "critical": Verdict.FAIL, "severe": Verdict.FAIL, "error": Verdict.FAIL}
_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds)?\s*", re.IGNORECASE)

_ISSUE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["time_s", "kind", "severity", "detail"],
    "properties": {
        "time_s": {"type": "number", "description": "the time of the frame showing the issue, as labelled"},
        "kind": {"type": "string", "enum": [k.value for k in IssueKind]},
        "severity": {"type": "string", "enum": [Verdict.WARN.value, Verdict.FAIL.value]},
        "detail": {"type": "string", "description": "one sentence: what is wrong, as a viewer would notice it"},
    },
}
BRAND_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["verdict", "summary", "issues"],
    "properties": {
        "verdict": {"type": "string", "enum": [v.value for v in Verdict]},
        "summary": {"type": "string", "description": "one sentence on the clip as a whole"},
        "issues": {"type": "array", "items": _ISSUE},
    },
}


@dataclass(frozen=True, slots=True)
class BrandIssue:
    """One problem the vision model saw, at the time of the frame that shows it (None: the whole clip)."""

    time_s: float | None
    kind: IssueKind
    severity: Verdict  # WARN or FAIL
    detail: str = ""

    def text(self) -> str:
        """A reason line: "text appeared at 2.3 s: a price tag reads 50 % OFF"."""
        where = f" at {self.time_s:.1f} s" if self.time_s is not None else ""
        return f"{self.kind.phrase}{where}" + (f": {self.detail}" if self.detail else "")

    def to_json(self) -> dict[str, Any]:
        return {"time_s": self.time_s, "kind": self.kind.value, "severity": self.severity.value,
                "detail": self.detail}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BrandIssue:
        return cls(data.get("time_s"), IssueKind(data["kind"]), Verdict(data["severity"]), str(data.get("detail", "")))


@dataclass(frozen=True, slots=True)
class BrandReply:
    """A validated reply and what was repaired in it."""

    verdict: Verdict
    summary: str
    issues: tuple[BrandIssue, ...]
    repairs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BrandCheck:
    """The outcome of one brand check (``verdict`` None and ``error`` set when it could not be done)."""

    verdict: Verdict | None
    summary: str = ""
    issues: tuple[BrandIssue, ...] = ()
    repairs: tuple[str, ...] = ()
    frame_times: tuple[float, ...] = ()
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    error: str = ""
    response_ids: tuple[str, ...] = ()  # the provider's id of every paid answer (for the ledger)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value if self.verdict else None, "summary": self.summary,
                "issues": [i.to_json() for i in self.issues], "repairs": list(self.repairs),
                "frame_times": list(self.frame_times), "model": self.model, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cost_usd": self.cost_usd, "error": self.error,
                "response_ids": list(self.response_ids)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BrandCheck:
        return cls(Verdict(data["verdict"]) if data.get("verdict") else None, str(data.get("summary", "")),
                   tuple(BrandIssue.from_json(i) for i in data.get("issues", ())), tuple(data.get("repairs", ())),
                   tuple(data.get("frame_times", ())), str(data.get("model", "")),
                   int(data.get("prompt_tokens", 0)), int(data.get("completion_tokens", 0)),
                   float(data.get("cost_usd", 0.0)), str(data.get("error", "")),
                   tuple(str(i) for i in data.get("response_ids", ())))


def response_format() -> dict[str, Any]:
    """The strict ``json_schema`` response format of the brand check."""
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": BRAND_SCHEMA}}


def _verdict_word(value: Any) -> Verdict | None:
    return _VERDICT_WORDS.get(value.strip().lower()) if isinstance(value, str) else None


def _time(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and (match := _NUMBER.fullmatch(value)):
        number = float(match.group(1))
    else:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _kind(value: Any, label: str, repairs: list[str]) -> IssueKind:
    text = value.strip().lower() if isinstance(value, str) else ""
    if text in _KINDS:
        return IssueKind(text)
    for word, kind in _KIND_WORDS:
        if word in text:
            repairs.append(f"{label}: kind {value!r} is not one of the kinds — read as {kind.value}")
            return kind
    repairs.append(f"{label}: kind {value!r} is not one of the kinds — set to other")
    return IssueKind.OTHER


def _snap(time_s: float, frame_times: Sequence[float]) -> float:
    return min(frame_times, key=lambda t: (abs(t - time_s), t))


def _frame_time(value: Any, label: str, frame_times: Sequence[float], repairs: list[str]) -> float | None:
    """The sampled frame an issue's time names (snapped to the nearest one), or None for the whole clip."""
    time_s = _time(value)
    if time_s is None:
        repairs.append(f"{label}: no frame time — taken as the whole clip")
        return None
    if isinstance(value, str):
        repairs.append(f"{label}: time {value!r} is not a number — read as {time_s:g} s")
    if not frame_times:
        return time_s
    nearest = _snap(time_s, frame_times)
    if abs(nearest - time_s) > _SAME_TIME_S:
        repairs.append(f"{label}: {time_s:g} s is not one of the frames sent — moved to the nearest, {nearest:g} s")
    return nearest


def _issue(entry: Any, number: int, frame_times: Sequence[float], fallback: Verdict,
           repairs: list[str]) -> BrandIssue | None:
    label = f"issue {number}"
    if not isinstance(entry, dict):
        repairs.append(f"{label}: not an object — dropped")
        return None
    kind = _kind(entry.get("kind"), label, repairs)
    raw_severity = entry.get("severity")
    severity = _verdict_word(raw_severity)
    if severity is None or severity is Verdict.PASS:
        repairs.append(f"{label}: severity {raw_severity!r} is neither warn nor fail — set to {fallback.value}")
        severity = fallback
    elif raw_severity != severity.value:
        repairs.append(f"{label}: severity {raw_severity!r} is neither warn nor fail — read as {severity.value}")
    time_s = _frame_time(entry.get("time_s"), label, frame_times, repairs)
    detail = entry.get("detail")
    return BrandIssue(time_s, kind, severity, " ".join(detail.split()) if isinstance(detail, str) else "")


def validate_brand_reply(text: str | None, frame_times: Sequence[float]) -> BrandReply:
    """The usable content of a brand-check reply for frames sampled at ``frame_times``, and what was repaired."""
    data, notes = parse_json(text)
    repairs = list(notes)
    if not isinstance(data, dict):
        raise MalformedReply("the reply is not a JSON object")
    raw_verdict = data.get("verdict")
    stated = _verdict_word(raw_verdict)
    if stated is not None and raw_verdict != stated.value:
        repairs.append(f"verdict {raw_verdict!r} is not pass, warn or fail — read as {stated.value}")
    raw_issues = data.get("issues")
    if raw_issues is None:
        raw_issues = []
        if stated is not Verdict.PASS:
            repairs.append("the reply has no list of issues — taken as none")
    elif not isinstance(raw_issues, list):
        raise MalformedReply("the reply's issues are not a list")
    if len(raw_issues) > MAX_ISSUES:
        repairs.append(f"{len(raw_issues)} issues listed: kept the first {MAX_ISSUES}")
        raw_issues = raw_issues[:MAX_ISSUES]
    fallback = Verdict.FAIL if stated is Verdict.FAIL else Verdict.WARN
    found = (_issue(entry, number, frame_times, fallback, repairs) for number, entry in enumerate(raw_issues, 1))
    issues = tuple(issue for issue in found if issue)
    worst = Verdict.worst(issue.severity for issue in issues)
    if stated is None:
        repairs.append(f"verdict {raw_verdict!r} is not pass, warn or fail — set to {worst.value} from the issues")
        verdict = worst
    elif Verdict.worst((stated, worst)) is not stated:
        repairs.append(f"verdict {stated.value} contradicts an issue of severity {worst.value} — set to "
                       f"{worst.value}")
        verdict = worst
    else:
        verdict = stated
    summary = data.get("summary")
    return BrandReply(verdict, " ".join(summary.split()) if isinstance(summary, str) else "", issues, tuple(repairs))
