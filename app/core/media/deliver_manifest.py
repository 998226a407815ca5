"""The manifest written beside each deliverable: what it is made of, when everything shows, how loud it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app import __version__
from app.core.media.captions import Cue
from app.core.media.safe_area import Rect
from app.core.media.timeline import Timeline

DELIVERABLE_MANIFEST_VERSION = 2


@dataclass(frozen=True)
class ManifestClip:
    label: str
    file: str
    duration_s: float
    focus: tuple[float, float]
    meta: Mapping[str, Any]


@dataclass(frozen=True)
class ManifestSuper:
    cue: Cue
    box: Rect | None  # None when not drawn on the picture (sidecar only)


def build_deliverable_manifest(
        *, campaign: str, video: Mapping[str, Any], clips: Sequence[ManifestClip], skipped: Sequence[Mapping[str, str]],
        timeline: Timeline, end_card: Mapping[str, Any] | None, supers: Sequence[ManifestSuper],
        supers_style: str | None, srt_file: str, logo_bug: Mapping[str, Any] | None,
        music: Mapping[str, Any] | None, loudness: Mapping[str, Any], length: Mapping[str, Any],
        warnings: Sequence[str], draft: bool, extra: Mapping[str, Any] | None = None,
        exported_at: datetime | None = None) -> dict[str, Any]:
    """The manifest of one deliverable (plain JSON values only)."""
    entries = []
    for index, clip in enumerate(clips):
        start, end = timeline.clip_span(index)
        entry = {"order": index + 1, "label": clip.label, "file": clip.file, "duration_s": round(clip.duration_s, 3),
                 "start_s": round(start, 3), "end_s": round(end, 3), "focus": list(clip.focus)}
        entry.update({k: v for k, v in clip.meta.items() if k not in entry})
        entries.append(entry)
    manifest: dict[str, Any] = {
        "manifest_version": DELIVERABLE_MANIFEST_VERSION,
        "kind": "deliverable",
        "generator": f"Pairframe {__version__}",
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "campaign": campaign,
        "draft": draft,
        "video": dict(video),
        "clips": entries,
        "skipped_clips": [dict(s) for s in skipped],
        "joins": [{"after_clip": i + 1, "transition": j.name, "length_s": round(j.length_s, 3),
                   "overlap_s": round(j.overlap_s, 3)} for i, j in enumerate(timeline.joins)],
        "end_card": dict(end_card) if end_card else None,
        "supers": [{"index": i + 1, "start_s": round(s.cue.start_s, 3), "end_s": round(s.cue.end_s, 3),
                    "text": s.cue.text, "box": s.box.as_list() if s.box else None} for i, s in enumerate(supers)],
        "supers_style": supers_style,
        "captions": {"srt": srt_file, "burned_in": supers_style == "caption"},
        "logo_bug": dict(logo_bug) if logo_bug else None,
        "music": dict(music) if music else None,
        "loudness": dict(loudness),
        "length": dict(length),
        "warnings": list(warnings),
    }
    for key, value in (extra or {}).items():
        manifest.setdefault(key, value)
    return manifest
