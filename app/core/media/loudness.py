"""Loudness: two-pass ``loudnorm`` to a platform target, and measuring a finished file with ``ebur128``.

Pass one runs only the ad's audio graph through ``loudnorm`` in its measuring mode; pass two applies the
measured values with ``linear=true``, one gain for the whole ad (``loudnorm`` itself falls back to its dynamic
mode when one gain would push the true peak over the limit). The file is measured again afterwards: that is
what the manifest records.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.media.ffmpeg import FFmpegError, run_ffmpeg

# -14 LUFS: the level the big streaming platforms normalise to; -23: EBU R 128; -24: ATSC A/85 (US TV).
LOUDNESS_TARGETS: dict[str, float | None] = {"-14": -14.0, "-23": -23.0, "-24": -24.0, "off": None}
TRUE_PEAK_LIMIT_DBTP = -1.0
# loudnorm aims this far under the limit: the AAC encoder's rounding can lift true peaks by a few tenths.
TRUE_PEAK_HEADROOM_DB = 0.5
DEFAULT_LRA = 11.0
MAX_LRA = 50.0
SAMPLE_RATE = 48000
MEASURE_TAIL_LINES = 60
_EBUR_I = re.compile(r"^\s*I:\s*(-?[\d.]+|-inf) LUFS")
_EBUR_PEAK = re.compile(r"^\s*Peak:\s*(-?[\d.]+|-inf) dBFS")


class LoudnessError(ValueError):
    """A loudness target that is not offered, or a measurement FFmpeg did not print."""


@dataclass(frozen=True, slots=True)
class LoudnormMeasure:
    """What loudnorm's measuring pass found (the values its second pass takes)."""

    input_i: float
    input_tp: float
    input_lra: float
    input_thresh: float
    target_offset: float


@dataclass(frozen=True, slots=True)
class Loudness:
    """A file's measured integrated loudness and true peak (``None`` when it has no audio or is silent)."""

    lufs: float | None
    true_peak_dbtp: float | None


def parse_loudness(value: str | float | None) -> float | None:
    """``-14``, ``-23``, ``-24`` or ``off`` (``None``) as a target in LUFS; raises ``LoudnessError`` otherwise."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{float(value):g}"
    name = str(value).strip().lower().removesuffix("lufs").strip()
    if name not in LOUDNESS_TARGETS:
        raise LoudnessError(f"loudness must be -14, -23, -24 or off (got {value!r})")
    return LOUDNESS_TARGETS[name]


def measure_filter(target: float) -> str:
    """Pass one: loudnorm measuring the ad's audio and printing its findings as JSON."""
    return f"loudnorm=I={target:g}:TP={_peak_target():g}:LRA={DEFAULT_LRA:g}:print_format=json"


def apply_filter(target: float, measured: LoudnormMeasure) -> str:
    """Pass two: one linear gain from the measured values (loudnorm limits the true peak if it must)."""
    base = f"loudnorm=I={target:g}:TP={_peak_target():g}"
    lra = min(MAX_LRA, max(DEFAULT_LRA, measured.input_lra + 1))  # a target range below the ad's forces dynamic
    return (f"{base}:LRA={lra:g}:measured_I={measured.input_i:.2f}:measured_TP={measured.input_tp:.2f}"
            f":measured_LRA={measured.input_lra:.2f}:measured_thresh={measured.input_thresh:.2f}"
            f":offset={measured.target_offset:.2f}:linear=true:print_format=summary,aresample={SAMPLE_RATE}")


# A draft measures with ebur128 (no 192 kHz resampling, unlike loudnorm) and applies one plain gain, kept low
# enough that the sample peak stays under the limit: close to the final's level at a fraction of the cost.
DRAFT_MEASURE_FILTER = "ebur128=peak=sample:framelog=quiet"


def draft_gain_filter(target: float, measured: Loudness) -> str | None:
    """A draft's linear gain to ``target`` from a quick ebur128 pass (``None`` for silence)."""
    if measured.lufs is None or measured.lufs <= -69:
        return None
    gain = target - measured.lufs
    if measured.true_peak_dbtp is not None:
        gain = min(gain, _peak_target() - measured.true_peak_dbtp)
    return f"volume={gain:.2f}dB"


def parse_loudnorm_json(lines: list[str]) -> LoudnormMeasure:
    """The JSON block loudnorm prints at the end of its measuring pass."""
    text = "\n".join(lines)
    start, end = text.rfind("{"), text.rfind("}")
    if start < 0 or end < start:
        raise LoudnessError("FFmpeg printed no loudness measurement")
    try:
        data = json.loads(text[start:end + 1])
        values = [_number(data[key]) for key in ("input_i", "input_tp", "input_lra", "input_thresh",
                                                 "target_offset")]
    except (KeyError, ValueError) as exc:
        raise LoudnessError(f"FFmpeg's loudness measurement could not be read ({exc})") from None
    return LoudnormMeasure(*values)


def parse_ebur128_summary(lines: list[str]) -> Loudness:
    """Integrated loudness and true peak from ebur128's closing summary."""
    lufs = peak = None
    for line in lines:
        if match := _EBUR_I.match(line):
            lufs = None if match.group(1) == "-inf" else float(match.group(1))
        elif match := _EBUR_PEAK.match(line):
            peak = None if match.group(1) == "-inf" else float(match.group(1))
    return Loudness(lufs, peak)


async def measure_file(path: Path, *, cancel: asyncio.Event | None = None) -> Loudness:
    """Measure the first audio stream of ``path`` (EBU R 128 integrated loudness, 4× oversampled true peak)."""
    try:
        lines = await run_ffmpeg(["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet",
                                  "-f", "null", "-"], cancel=cancel, what=f"measuring {path.name}",
                                 tail_lines=MEASURE_TAIL_LINES)
    except FFmpegError as exc:
        raise LoudnessError(f"the loudness of {path.name} could not be measured: {exc}") from None
    return parse_ebur128_summary(lines)


def _peak_target() -> float:
    return TRUE_PEAK_LIMIT_DBTP - TRUE_PEAK_HEADROOM_DB


def _number(value: object) -> float:
    number = float(str(value))
    if number != number or number in (float("inf"), float("-inf")):  # silence measures as -inf
        raise ValueError("the audio is silent")
    return number
