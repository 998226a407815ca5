"""Timed text cues and the SubRip (.srt) files that carry them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_SRT_BYTES = 2 * 1024 * 1024
_TIMING = re.compile(r"^\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})")


class CaptionError(ValueError):
    """An .srt file that cannot be read; the message names the file and the cue."""


@dataclass(frozen=True, slots=True)
class Cue:
    """Text shown from ``start_s`` to ``end_s`` on the ad's timeline."""

    start_s: float
    end_s: float
    text: str


def parse_srt(text: str, name: str = "the subtitles") -> list[Cue]:
    """The cues of SubRip ``text`` (tolerates a BOM, CRLF line ends, ``.`` for ``,`` and missing numbers)."""
    cues: list[Cue] = []
    blocks = re.split(r"\n\s*\n", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").strip())
    for number, block in enumerate((b for b in blocks if b.strip()), start=1):
        lines = block.split("\n")
        if lines and lines[0].strip().isdigit() and len(lines) > 1:
            lines = lines[1:]
        match = _TIMING.match(lines[0]) if lines else None
        if not match:
            raise CaptionError(f"{name}: cue {number} has no timing line like 00:00:01,000 --> 00:00:02,500")
        parts = match.groups()
        start, end = _seconds(parts[:4]), _seconds(parts[4:])
        if end <= start:
            raise CaptionError(f"{name}: cue {number} ends before it starts")
        body = "\n".join(line.strip() for line in lines[1:] if line.strip())
        cues.append(Cue(start, end, re.sub(r"</?[a-zA-Z][^>]*>", "", body)))  # drop <i>, <font …> tags
    return cues


def read_srt(path: Path) -> list[Cue]:
    """The cues of the .srt file at ``path``; raises ``CaptionError`` for a missing, huge or malformed file."""
    if not path.is_file():
        raise CaptionError(f"the subtitle file {path} does not exist")
    if path.stat().st_size > MAX_SRT_BYTES:
        raise CaptionError(f"the subtitle file {path.name} is larger than {MAX_SRT_BYTES // 1024 // 1024} MB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", "replace")
    return parse_srt(text, path.name)


def format_srt(cues: Sequence[Cue]) -> str:
    """SubRip text for ``cues`` (numbered from 1, ``HH:MM:SS,mmm`` times); empty for no cues."""
    blocks = [f"{i}\n{srt_time(c.start_s)} --> {srt_time(c.end_s)}\n{c.text}\n" for i, c in enumerate(cues, 1)]
    return "\n".join(blocks)


def srt_time(seconds: float) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d},{millis:03d}"


def _seconds(parts: Sequence[str]) -> float:
    hours, minutes, seconds, millis = parts
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(millis.ljust(3, "0")) / 1000
