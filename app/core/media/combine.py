"""Planning a combine: the output's geometry, which path runs (stream copy or one encode), FFmpeg's arguments.

Planning is pure (no I/O): it takes the probed clips and the options and returns the exact command, so tests
can check which path a set of clips takes without running anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

from app.config import Settings
from app.core.domain import Transition
from app.core.media.filtergraph import GraphSpec, build_graph
from app.core.media.formats import ASPECTS as FORMAT_ASPECTS
from app.core.media.probe import MediaInfo

ASPECTS: dict[str, tuple[int, int]] = FORMAT_ASPECTS  # 16:9, 9:16, 1:1, 4:5
ASPECT_CHOICES = (*ASPECTS, "source")
FITS = ("pad", "crop")
CLIP_AUDIO = ("keep", "mix", "drop")
CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
COPYABLE_VIDEO = frozenset({"h264", "hevc"})
COPYABLE_AUDIO = frozenset({"aac"})
VIDEO_ENCODE = ("-c:v", "libx264", "-preset", "fast", "-crf", "20", "-pix_fmt", "yuv420p")
AUDIO_ENCODE = ("-c:a", "aac", "-b:a", "192k")
FPS_TOLERANCE = 0.01
_HEX_COLOR = re.compile(r"^#?([0-9a-fA-F]{6})$")


class CombineError(Exception):
    """The clips cannot be combined as asked; the message says which clip or option and why."""


@dataclass(frozen=True)
class CombineOptions:
    """How to join the clips. ``None`` fields take their value from the settings (or from the clips)."""

    transition: Transition = Transition.CUT
    crossfade_s: float | None = None  # also the length of a fade through black
    aspect: str = "source"  # "16:9" | "9:16" | "1:1" | "4:5" | "source"
    fit: str = "pad"  # "pad" (letterbox in the brand colour) | "crop"; never stretch
    height: int | None = None  # the output's short side (720 → 1280x720, 720x1280 or 720x720); None: the clips'
    fps: int | None = None
    music_path: Path | None = None
    music_volume: float | None = None
    clip_audio: str | None = None  # "keep" | "mix" (under the music) | "drop"

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "transition", Transition(self.transition))
        except ValueError:
            raise CombineError(f"transition must be cut, crossfade or fade (got {self.transition!r})") from None


@dataclass(frozen=True)
class CombineResult:
    output_path: Path
    duration_s: float
    width: int
    height: int
    clip_count: int
    stream_copy: bool
    transition: Transition
    aspect: str
    has_audio: bool


@dataclass(frozen=True, slots=True)
class ClipInput:
    """One clip to join: its file, what probing found, and how messages name it."""

    path: Path
    info: MediaInfo
    label: str


@dataclass(frozen=True, slots=True)
class CombinePlan:
    """What will run: FFmpeg's arguments and what the output will be."""

    args: tuple[str, ...]
    duration_s: float
    width: int
    height: int
    fps: float
    stream_copy: bool
    has_audio: bool
    transition: Transition
    join_s: float  # the crossfade or fade length actually used (0 for cuts)
    aspect: str
    fit: str
    clip_audio: str
    music_volume: float
    music_fade_s: float
    concat_list: str = ""  # stream copy: the concat demuxer's list, to be written to the list path


def output_size(aspect: str, height: int | None, reference: MediaInfo) -> tuple[int, int]:
    """The output's width and height: the aspect preset with ``height`` as its short side (even numbers)."""
    if aspect == "source":
        if height is None:
            return _even(reference.width), _even(reference.height)
        ratio = reference.width / reference.height
        if reference.width >= reference.height:
            return _even(height * ratio), _even(height)
        return _even(height), _even(height / ratio)
    across, down = ASPECTS[aspect]
    short = height if height is not None else min(reference.width, reference.height)
    if across >= down:
        return _even(short * across / down), _even(short)
    return _even(short), _even(short * down / across)


def pad_color(brand_colors: Sequence[str]) -> str:
    """FFmpeg's spelling of the first valid brand colour (``0xRRGGBB``), else black."""
    for color in brand_colors:
        if match := _HEX_COLOR.match(color.strip()):
            return f"0x{match.group(1).lower()}"
    return "black"


def container_for(output: Path) -> str:
    """The muxer for the output's extension; raises ``CombineError`` for anything but a video container."""
    muxer = CONTAINERS.get(output.suffix.lower())
    if muxer is None:
        raise CombineError(f"the output must end in {', '.join(CONTAINERS)} (got {output.name!r})")
    return muxer


def fast_start(muxer: str) -> bool:
    """Whether ``muxer``'s file gets its index moved to the front (``+faststart``: it plays before it is all read);
    Matroska has no such option."""
    return muxer != "matroska"


def check_options(options: CombineOptions) -> None:
    """Raise ``CombineError`` naming the first option that makes no sense."""
    if options.aspect not in ASPECT_CHOICES:
        raise CombineError(f"aspect must be one of {', '.join(ASPECT_CHOICES)} (got {options.aspect!r})")
    if options.fit not in FITS:
        raise CombineError(f"fit must be pad or crop (got {options.fit!r})")
    if options.clip_audio is not None and options.clip_audio not in CLIP_AUDIO:
        raise CombineError(f"clip audio must be keep, mix or drop (got {options.clip_audio!r})")
    if options.height is not None and not 64 <= options.height <= 4320:
        raise CombineError(f"the output resolution must be between 64 and 4320 pixels (got {options.height})")
    if options.fps is not None and not 1 <= options.fps <= 120:
        raise CombineError(f"the frame rate must be between 1 and 120 (got {options.fps})")
    if options.crossfade_s is not None and not 0 < options.crossfade_s <= 10:
        raise CombineError(f"the transition length must be above 0 and at most 10 s (got {options.crossfade_s})")
    if options.music_volume is not None and not 0 <= options.music_volume <= 2:
        raise CombineError(f"the music volume must be between 0 and 2 (got {options.music_volume})")


def plan_combine(clips: Sequence[ClipInput], options: CombineOptions, settings: Settings, *, output: Path,
                 list_path: Path, music: MediaInfo | None = None, color: str = "black",
                 allow_copy: bool = True) -> CombinePlan:
    """The command that joins ``clips`` into ``output`` as ``options`` ask.

    Stream copy (the concat demuxer, ``-c copy``) when every clip shares codec, profile, size, pixel format,
    frame rate and audio layout, the join is a cut, the size and rate stay and there is no music; otherwise
    one encode whose filter graph converts only what differs. ``list_path`` is where the caller writes
    ``concat_list`` before running a stream-copy plan. ``allow_copy=False`` encodes even when copying could
    (to compare the two).
    """
    check_options(options)
    if not clips:
        raise CombineError("there are no clips to combine")
    muxer = container_for(output)
    reference = clips[0].info
    width, height = output_size(options.aspect, options.height, reference)
    fps = _target_fps(clips, options, settings)
    clip_audio = options.clip_audio or settings.clip_audio
    clip_audio = clip_audio if clip_audio in CLIP_AUDIO else "keep"
    join_s = 0.0 if options.transition is Transition.CUT else (options.crossfade_s or settings.crossfade_s)
    _check_join_fits(clips, options.transition, join_s)
    durations = [c.info.duration_s for c in clips]
    overlap = join_s if options.transition is Transition.CROSSFADE else 0.0
    total = sum(durations) - overlap * (len(clips) - 1)
    volume = settings.music_volume if options.music_volume is None else options.music_volume
    fade_s = max(0.0, min(settings.music_fade_s, total / 2)) if music else 0.0
    base = CombinePlan(args=(), duration_s=total, width=width, height=height, fps=float(fps), stream_copy=False,
                       has_audio=False, transition=options.transition, join_s=join_s, aspect=options.aspect,
                       fit=options.fit, clip_audio=clip_audio, music_volume=volume if music else 0.0,
                       music_fade_s=fade_s)
    tail = (*(("-movflags", "+faststart") if fast_start(muxer) else ()), "-f", muxer, str(output))
    if allow_copy and _can_copy(clips, options.transition, music, (width, height), fps):
        keep_audio = reference.has_audio and clip_audio != "drop"
        args = ("-f", "concat", "-safe", "0", "-i", str(list_path), "-map", "0:v:0",
                *(("-map", "0:a:0") if keep_audio else ("-an",)), "-c", "copy", *tail)
        return replace(base, args=args, stream_copy=True, has_audio=keep_audio,
                       concat_list=concat_list([c.path for c in clips]))
    spec = GraphSpec(width=width, height=height, fps=fps, fit=options.fit, color=color,
                     transition=options.transition, join_s=join_s, durations=tuple(durations),
                     clip_audio=clip_audio, music_volume=volume, music_fade_s=fade_s, total_s=total)
    graph, video_label, audio_label = build_graph([c.info for c in clips], spec, music)
    inputs: list[str] = []
    for clip in clips:
        inputs += ["-i", str(clip.path)]
    if music:
        inputs += ["-stream_loop", "-1", "-i", str(music.path)]
    audio = ("-map", f"[{audio_label}]", *AUDIO_ENCODE) if audio_label else ("-an",)
    args = (*inputs, "-filter_complex", graph, "-map", f"[{video_label}]", *VIDEO_ENCODE, *audio, *tail)
    return replace(base, args=args, has_audio=audio_label is not None)


def concat_list(paths: Sequence[Path]) -> str:
    """The concat demuxer's list file for ``paths`` (absolute, quoted)."""
    lines = []
    for path in paths:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _target_fps(clips: Sequence[ClipInput], options: CombineOptions, settings: Settings) -> Fraction:
    if options.fps is not None:
        return Fraction(options.fps)
    rates = [c.info.fps for c in clips]
    if all(r > 0 for r in rates) and max(rates) - min(rates) <= FPS_TOLERANCE:
        return Fraction(rates[0]).limit_denominator(1001)
    return Fraction(settings.output_fps)


def _check_join_fits(clips: Sequence[ClipInput], transition: Transition, join_s: float) -> None:
    """Every clip must be long enough for the transitions that eat into it (at its start and at its end)."""
    if transition is Transition.CUT:
        return
    per_side = join_s if transition is Transition.CROSSFADE else join_s / 2
    for index, clip in enumerate(clips):
        sides = (index > 0) + (index < len(clips) - 1)
        if sides and clip.info.duration_s < per_side * sides:
            raise CombineError(f"{clip.label} lasts {clip.info.duration_s:.2f} s, too short for a "
                               f"{join_s:g} s {transition.value} on {'both sides' if sides == 2 else 'one side'}")


def _can_copy(clips: Sequence[ClipInput], transition: Transition, music: MediaInfo | None,
              size: tuple[int, int], fps: Fraction) -> bool:
    if transition is not Transition.CUT or music is not None:
        return False
    first = clips[0].info
    if first.video_codec not in COPYABLE_VIDEO or (first.width, first.height) != size:
        return False
    if abs(first.fps - float(fps)) > FPS_TOLERANCE:
        return False
    if first.has_audio and first.audio_codec not in COPYABLE_AUDIO:
        return False
    video_key = (first.video_codec, first.video_profile, first.pix_fmt, first.width, first.height)
    audio_key = (first.audio_codec, first.audio_rate, first.audio_channels)
    for clip in clips[1:]:
        info = clip.info
        if (info.video_codec, info.video_profile, info.pix_fmt, info.width, info.height) != video_key:
            return False
        if abs(info.fps - first.fps) > FPS_TOLERANCE:
            return False
        if (info.audio_codec, info.audio_rate, info.audio_channels) != audio_key:
            return False
    return True
