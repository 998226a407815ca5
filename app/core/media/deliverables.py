"""The values a deliverables render takes in and gives back (plain data, no FFmpeg, no database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.media.brand_kit import BrandKit
from app.core.media.captions import Cue
from app.core.media.deliver_options import DeliverOptions
from app.core.media.loudness import Loudness
from app.core.media.probe import MediaInfo
from app.core.media.timeline import Timeline


@dataclass(frozen=True)
class DeliverClip:
    """One clip, in the ad's order: its file, what probing found (``None`` if it failed), and its focus."""

    path: Path
    info: MediaInfo | None
    label: str = ""
    focus: tuple[float, float] = (0.5, 0.5)  # the point a crop keeps in view, as fractions of the frame
    meta: Mapping[str, Any] = field(default_factory=dict)  # copied into the manifest's entry for this clip
    error: str = ""  # why ``info`` is missing, for the manifest's skipped list


@dataclass(frozen=True)
class SkippedClip:
    """A clip left out of the ad, and why (listed in every manifest)."""

    label: str
    reason: str


@dataclass(frozen=True)
class DeliverableResult:
    """One finished format: its three files, what probing and measuring found, and any warnings."""

    aspect: str
    video_path: Path
    manifest_path: Path
    srt_path: Path
    width: int
    height: int
    duration_s: float
    has_audio: bool
    loudness_lufs: float | None
    true_peak_dbtp: float | None
    stream_copy: bool
    draft: bool
    cached: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class OutputTarget:
    """One file to write: its format, size and path (the .json and .srt go beside it)."""

    aspect: str
    width: int
    height: int
    video: Path

    @property
    def manifest(self) -> Path:
        return self.video.with_suffix(".json")

    @property
    def srt(self) -> Path:
        return self.video.with_suffix(".srt")


@dataclass(frozen=True)
class RenderContext:
    """Everything one render decided before drawing or running anything."""

    clips: list[DeliverClip]
    skipped: list[SkippedClip]
    options: DeliverOptions
    brand: BrandKit
    timeline: Timeline
    cues: list[Cue]
    music: MediaInfo | None
    targets: list[OutputTarget]
    warnings: list[str]


def result_for(target: OutputTarget, width: int, height: int, duration_s: float, has_audio: bool,
               loudness: Loudness, stream_copy: bool, context: RenderContext, *, cached: bool) -> DeliverableResult:
    """What the caller gets back for one written (or cached) format."""
    return DeliverableResult(aspect=target.aspect, video_path=target.video, manifest_path=target.manifest,
                             srt_path=target.srt, width=width, height=height, duration_s=duration_s,
                             has_audio=has_audio, loudness_lufs=loudness.lufs,
                             true_peak_dbtp=loudness.true_peak_dbtp, stream_copy=stream_copy,
                             draft=context.options.draft, cached=cached, warnings=tuple(context.warnings))
