"""FFmpeg's command for a deliverables render: decode every clip once, join, split to one encoder per format.

The graph, in order (cheapest work first, so nothing runs at a larger size than it must):

1. each clip brought to the shared *canvas* (the first clip's geometry, scaled down when no output needs it
   that large), its frame rate and length; a fade through black fades it out or in;
2. the joins (concat for cuts and fades through black, ``xfade`` for crossfades and the xfade family);
3. ``split`` into one branch per format: a crop that follows each clip's focus point (easing from one to the
   next across a crossfade) or a scale + pad, scaled to the format's size;
4. the supers and the logo bug overlaid at that size (each super only within its time), then the end card
   (its own ``color`` background, the logo and text sliding in) joined on;
5. one audio graph for all formats: the clips' audio joined like the pictures, the music under it, loudness
   normalisation, encoded once.

Several formats are one output through FFmpeg's ``tee`` muxer: every format's video stream and the one audio
stream go to it, and each file takes its own video and the shared audio (one AAC encode, not one per format).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from app.core.media.combine import container_for, fast_start
from app.core.media.end_card import ENTRANCE_S, ENTRANCE_SLIDE
from app.core.media.formats import crop_window, even, format_size
from app.core.media.probe import MediaInfo
from app.core.media.safe_area import Rect
from app.core.media.timeline import Timeline

SAMPLE_RATE = 48000
AUDIO_FORMAT = f"aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
CLIP_AUDIO_UNDER_MUSIC = 0.35
VIDEO_TAIL_PAD_S = 0.5
SUPER_FADE_S = 0.2
DRAFT_SHORT_SIDE = 360
RATIO_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class Encoding:
    """The encoder settings of one kind of render."""

    preset: str
    crf: int
    audio_bitrate: str
    scale_flags: str
    threads: int = 0  # x264 threads per encoder; 0: x264's own choice
    decode: tuple[str, ...] = ()  # decoder options put before each clip's input


FINAL = Encoding(preset="veryfast", crf=20, audio_bitrate="192k", scale_flags="bicubic")
# A draft is a small preview: the clips' deblocking filter is skipped (its blocks vanish in the scale-down to
# DRAFT_SHORT_SIDE), which makes decoding the full-size clips, most of a draft's work, about a tenth cheaper.
DRAFT = Encoding(preset="ultrafast", crf=28, audio_bitrate="128k", scale_flags="fast_bilinear",
                 decode=("-skip_loop_filter", "all"))


@dataclass(frozen=True, slots=True)
class GraphClip:
    path: Path
    info: MediaInfo
    focus: tuple[float, float] = (0.5, 0.5)


@dataclass(frozen=True, slots=True)
class ImageOverlay:
    """A prepared image drawn over a format's picture at ``box`` from ``start_s`` to ``end_s``."""

    path: Path
    box: Rect
    start_s: float
    end_s: float


@dataclass(frozen=True)
class FormatBranch:
    """One output: its aspect, size, file, and what is drawn on it."""

    aspect: str
    width: int
    height: int
    output: Path
    supers: tuple[ImageOverlay, ...] = ()
    logo_bug: ImageOverlay | None = None
    end_card: ImageOverlay | None = None  # the card's foreground; the background is ``end_card_color``
    end_card_color: str = "black"


@dataclass(frozen=True)
class RenderSpec:
    clips: tuple[GraphClip, ...]
    timeline: Timeline
    canvas: tuple[int, int]
    fps: Fraction
    fit: str
    pad_color: str
    branches: tuple[FormatBranch, ...]
    encoding: Encoding = FINAL
    music: MediaInfo | None = None
    music_volume: float = 0.8
    music_fade_s: float = 1.5
    clip_audio: str = "keep"
    loudness_filter: str | None = None
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    @property
    def uses_clip_audio(self) -> bool:
        return self.clip_audio != "drop" and any(c.info.has_audio for c in self.clips)

    @property
    def has_audio(self) -> bool:
        return self.uses_clip_audio or self.music is not None


def output_sizes(aspects: Sequence[str], reference: MediaInfo, short_side: int) -> list[tuple[int, int]]:
    """Each format's pixel size with ``short_side`` as its shorter side (``source`` keeps the clip's shape)."""
    sizes = []
    for aspect in aspects:
        if aspect == "source":
            ratio = reference.width / reference.height
            sizes.append((even(short_side * ratio), even(short_side)) if ratio >= 1
                         else (even(short_side), even(short_side / ratio)))
        else:
            sizes.append(format_size(aspect, short_side))
    return sizes


def canvas_size(reference: MediaInfo, sizes: Sequence[tuple[int, int]], fit: str) -> tuple[int, int]:
    """The size clips are joined at: the first clip's, scaled down to what the largest output needs of it."""
    width, height = reference.width, reference.height
    needed = 0.0
    for out_w, out_h in sizes:
        if _same_ratio(out_w / out_h, width / height):
            needed = max(needed, out_w / width)
        elif fit == "crop":
            crop_w, _, _, _ = crop_window(width, height, out_w / out_h, (0.5, 0.5))
            needed = max(needed, out_w / crop_w)
        else:
            needed = max(needed, min(out_w / width, out_h / height))
    scale = min(1.0, needed)
    return even(width * scale), even(height * scale)


def build_render_args(spec: RenderSpec) -> tuple[str, ...]:
    """The whole command line (after ``ffmpeg``) that writes every branch's file."""
    inputs = _Inputs()
    for clip in spec.clips:
        inputs.add((*spec.encoding.decode, "-i", str(clip.path)))
    music_index = inputs.add(("-stream_loop", "-1", "-i", str(spec.music.path))) if spec.music else None
    chains: list[str] = []
    joined = _video_join(chains, spec)
    count = len(spec.branches)
    if count > 1:
        chains.append(f"[{joined}]split={count}" + "".join(f"[s{k}]" for k in range(count)))
    sources = [f"s{k}" for k in range(count)] if count > 1 else [joined]
    audio = _audio(chains, spec, music_index, spec.loudness_filter)
    videos = [_branch(chains, spec, branch, k, sources[k], inputs) for k, branch in enumerate(spec.branches)]
    maps = [arg for label in (*videos, *((audio,) if audio else ())) for arg in ("-map", f"[{label}]")]
    encoding = spec.encoding
    codecs = ["-c:v", "libx264", "-preset", encoding.preset, "-crf", str(encoding.crf), "-pix_fmt", "yuv420p"]
    if encoding.threads:
        codecs += ["-threads", str(encoding.threads)]
    codecs += ["-c:a", "aac", "-b:a", encoding.audio_bitrate] if audio else ["-an"]
    if count == 1:
        muxer = container_for(spec.branches[0].output)
        target = [*(("-movflags", "+faststart") if fast_start(muxer) else ()), "-f", muxer,
                  str(spec.branches[0].output)]
    else:  # the tee muxer cannot tell the encoders that MP4 wants their headers up front: say it for it
        target = ["-flags", "+global_header", "-f", "tee", _tee_files(spec.branches, with_audio=audio is not None)]
    return (*spec.extra_args, *inputs.args, "-filter_complex", ";".join(chains), *maps, *codecs, *target)


def _tee_files(branches: Sequence[FormatBranch], *, with_audio: bool) -> str:
    """The tee muxer's list of files: the k-th takes the k-th video stream (and the audio), in its container.

    The list is unescaped twice: the whole of it (``\\``, quotes and ``|`` are special), then each file's
    ``[options]`` (a quoted value keeps its ``:`` and ``,``). Any path survives both."""
    files = []
    for k, branch in enumerate(branches):
        muxer = container_for(branch.output)
        streams = f"v:{k},a" if with_audio else f"v:{k}"
        options = [f"f={muxer}", f"select=\\'{streams}\\'", "onfail=abort"]
        if fast_start(muxer):
            options.append("movflags=+faststart")
        files.append(f"[{':'.join(options)}]{_tee_escape(str(branch.output))}")
    return "|".join(files)


def _tee_escape(text: str) -> str:
    return "".join("\\" + char if char in "\\'|" else char for char in text)


def build_measure_args(spec: RenderSpec, measure_filter: str) -> tuple[str, ...]:
    """An audio-only run of the same audio graph through ``measure_filter`` (loudness pass one)."""
    inputs = _Inputs()
    for clip in spec.clips:
        inputs.add(("-i", str(clip.path)))
    music_index = inputs.add(("-stream_loop", "-1", "-i", str(spec.music.path))) if spec.music else None
    chains: list[str] = []
    label = _audio(chains, spec, music_index, measure_filter)
    return (*inputs.args, "-filter_complex", ";".join(chains), "-map", f"[{label}]", "-f", "null", "-")


class _Inputs:
    def __init__(self) -> None:
        self.args: list[str] = []
        self.count = 0

    def add(self, args: Sequence[str]) -> int:
        self.args += args
        self.count += 1
        return self.count - 1


def _same_ratio(a: float, b: float) -> bool:
    return abs(a / b - 1) <= RATIO_TOLERANCE


def _video_join(chains: list[str], spec: RenderSpec) -> str:
    timeline = spec.timeline
    count = len(spec.clips)
    for index, clip in enumerate(spec.clips):
        fade_in = timeline.joins[index - 1].eats() if index and timeline.joins[index - 1].name == "fade" else 0.0
        fade_out = (timeline.joins[index].eats() if index < count - 1 and timeline.joins[index].name == "fade"
                    else 0.0)
        chains.append(f"[{index}:v:0]{_clip_video(clip, spec, timeline.durations[index], fade_in, fade_out)}"
                      f"[v{index}]")
    current, length = "v0", timeline.durations[0]
    for index in range(1, count):
        join = timeline.joins[index - 1]
        if join.overlaps:
            chains.append(f"[{current}][v{index}]xfade=transition={join.xfade_name}:duration={join.length_s:.6f}"
                          f":offset={length - join.length_s:.6f}[j{index}]")
        else:
            chains.append(f"[{current}][v{index}]concat=n=2:v=1:a=0[j{index}]")
        current = f"j{index}"
        length += timeline.durations[index] - join.overlap_s
    return current


def _clip_video(clip: GraphClip, spec: RenderSpec, duration: float, fade_in: float, fade_out: float) -> str:
    width, height = spec.canvas
    info = clip.info
    flags = spec.encoding.scale_flags
    filters: list[str] = []
    if (info.width, info.height) != (width, height):
        if _same_ratio(info.width / info.height, width / height):
            filters.append(f"scale={width}:{height}:flags={flags}")
        elif spec.fit == "crop":
            fx, fy = clip.focus
            filters += [f"scale={width}:{height}:force_original_aspect_ratio=increase:flags={flags}",
                        f"crop={width}:{height}:(iw-{width})*{fx:.4f}:(ih-{height})*{fy:.4f}"]
        else:
            filters += [f"scale={width}:{height}:force_original_aspect_ratio=decrease:flags={flags}",
                        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color={spec.pad_color}"]
    if info.pix_fmt != "yuv420p":
        filters.append("format=yuv420p")
    if abs(info.fps - float(spec.fps)) > 0.01:
        filters.append(f"fps={spec.fps}")
    filters += ["setsar=1", f"tpad=stop_mode=clone:stop_duration={VIDEO_TAIL_PAD_S}",
                f"trim=duration={duration:.6f}", "setpts=PTS-STARTPTS"]
    if fade_in:
        filters.append(f"fade=t=in:st=0:d={fade_in:.6f}")
    if fade_out:
        filters.append(f"fade=t=out:st={duration - fade_out:.6f}:d={fade_out:.6f}")
    filters.append("settb=AVTB")
    return ",".join(filters)


def _branch(chains: list[str], spec: RenderSpec, branch: FormatBranch, k: int, source: str,
            inputs: _Inputs) -> str:
    width, height = spec.canvas
    flags = spec.encoding.scale_flags
    filters: list[str] = []
    ratio = branch.width / branch.height
    if _same_ratio(ratio, width / height):
        if (branch.width, branch.height) != (width, height):
            filters.append(f"scale={branch.width}:{branch.height}:flags={flags}")
    elif spec.fit == "crop":
        filters += [_focus_crop(spec, ratio), f"scale={branch.width}:{branch.height}:flags={flags}"]
    else:
        filters += [f"scale={branch.width}:{branch.height}:force_original_aspect_ratio=decrease:flags={flags}",
                    f"pad={branch.width}:{branch.height}:(ow-iw)/2:(oh-ih)/2:color={spec.pad_color}"]
    filters.append("setsar=1")
    current = f"b{k}"
    chains.append(f"[{source}]{','.join(filters)}[{current}]")
    fps = spec.fps
    for j, super_ in enumerate(branch.supers):
        index = inputs.add(("-framerate", str(fps), "-i", str(super_.path)))
        length = super_.end_s - super_.start_s
        frames = max(1, math.ceil(length * fps))
        fade = min(SUPER_FADE_S, length / 3)
        chains.append(f"[{index}:v]format=yuva420p,loop=loop={frames - 1}:size=1:start=0,"
                      f"setpts=N/({fps}*TB)+{super_.start_s:.6f}/TB,"
                      f"fade=t=in:st={super_.start_s:.6f}:d={fade:.6f}:alpha=1,"
                      f"fade=t=out:st={super_.end_s - fade:.6f}:d={fade:.6f}:alpha=1[t{k}_{j}]")
        chains.append(f"[{current}][t{k}_{j}]overlay=x={super_.box.x}:y={super_.box.y}:eof_action=pass"
                      f"[o{k}_{j}]")
        current = f"o{k}_{j}"
    if branch.logo_bug:
        bug = branch.logo_bug
        index = inputs.add(("-i", str(bug.path)))
        chains.append(f"[{index}:v]format=yuva420p[g{k}]")
        chains.append(f"[{current}][g{k}]overlay=x={bug.box.x}:y={bug.box.y}:"
                      f"enable='lt(t,{bug.end_s:.6f})'[lb{k}]")
        current = f"lb{k}"
    if branch.end_card:
        card = branch.end_card
        seconds = spec.timeline.end_card_s
        frames = max(1, round(seconds * fps))
        index = inputs.add(("-framerate", str(fps), "-i", str(card.path)))
        chains.append(f"color=c={branch.end_card_color}:s={branch.width}x{branch.height}:r={fps}:d={seconds:.6f},"
                      f"format=yuv420p[cb{k}]")
        chains.append(f"[{index}:v]format=yuva420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/({fps}*TB),"
                      f"fade=t=in:st=0:d={ENTRANCE_S}:alpha=1[cf{k}]")
        slide = round(branch.height * ENTRANCE_SLIDE)
        chains.append(f"[cb{k}][cf{k}]overlay=x={card.box.x}:"
                      f"y='{card.box.y}+{slide}*pow(max(0,1-t/{ENTRANCE_S}),2)':eof_action=repeat,"
                      f"setsar=1,settb=AVTB[c{k}]")
        chains.append(f"[{current}]settb=AVTB[m{k}]")
        chains.append(f"[m{k}][c{k}]concat=n=2:v=1:a=0[e{k}]")
        current = f"e{k}"
    return current


def _focus_crop(spec: RenderSpec, ratio: float) -> str:
    """A crop of ``ratio`` whose window follows each clip's focus point, easing across overlapping joins."""
    width, height = spec.canvas
    windows = [crop_window(width, height, ratio, clip.focus) for clip in spec.clips]
    crop_w, crop_h = windows[0][0], windows[0][1]
    xs = [w[2] for w in windows]
    ys = [w[3] for w in windows]
    return f"crop={crop_w}:{crop_h}:x='{_piecewise(spec.timeline, xs)}':y='{_piecewise(spec.timeline, ys)}'"


def _piecewise(timeline: Timeline, values: Sequence[int]) -> str:
    """An expression in ``t``: each clip's value while it plays, a linear ease from one to the next in joins."""
    if len(set(values)) == 1:
        return str(values[0])
    expression = str(values[-1])
    for index in range(len(values) - 2, -1, -1):
        join = timeline.joins[index]
        end = timeline.starts[index] + timeline.durations[index]
        ease_from, ease_to = end - join.overlap_s, end
        here, nxt = values[index], values[index + 1]
        if join.overlap_s > 0 and here != nxt:
            ramp = f"{here}+({nxt - here})*(t-{ease_from:.4f})/{join.overlap_s:.4f}"
            expression = f"if(lt(t,{ease_from:.4f}),{here},if(lt(t,{ease_to:.4f}),{ramp},{expression}))"
        else:
            expression = f"if(lt(t,{end - join.overlap_s:.4f}),{here},{expression})"
    return expression


def _audio(chains: list[str], spec: RenderSpec, music_index: int | None, final_filter: str | None) -> str | None:
    """The shared audio graph; returns its output label (none without audio)."""
    if not spec.has_audio:
        return None
    timeline = spec.timeline
    total = timeline.total_s
    clip_audio: str | None = None
    if spec.uses_clip_audio:
        count = len(spec.clips)
        for index, clip in enumerate(spec.clips):
            joins = timeline.joins
            fade_in = joins[index - 1].eats() if index and joins[index - 1].name == "fade" else 0.0
            fade_out = joins[index].eats() if index < count - 1 and joins[index].name == "fade" else 0.0
            chains.append(_clip_audio(index, clip.info, timeline.durations[index], fade_in, fade_out) + f"[a{index}]")
        current = "a0"
        for index in range(1, count):
            join = timeline.joins[index - 1]
            if join.overlaps:
                chains.append(f"[{current}][a{index}]acrossfade=d={join.length_s:.6f}[aj{index}]")
            else:
                chains.append(f"[{current}][a{index}]concat=n=2:v=0:a=1[aj{index}]")
            current = f"aj{index}"
        chains.append(f"[{current}]apad=whole_dur={total:.6f},atrim=duration={total:.6f}[clipaudio]")
        clip_audio = "clipaudio"
    mixed = clip_audio
    if spec.music is not None and music_index is not None:
        fade = max(0.0, min(spec.music_fade_s, total / 2))
        music = (f"[{music_index}:a:0]{AUDIO_FORMAT},atrim=duration={total:.6f},asetpts=PTS-STARTPTS,"
                 f"volume={spec.music_volume:.4f}")
        if fade > 0:
            music += f",afade=t=in:st=0:d={fade:.6f},afade=t=out:st={total - fade:.6f}:d={fade:.6f}"
        chains.append(music + "[music]")
        if clip_audio is None:
            mixed = "music"
        else:
            under = clip_audio
            if spec.clip_audio == "mix":
                chains.append(f"[{clip_audio}]volume={CLIP_AUDIO_UNDER_MUSIC}[under]")
                under = "under"
            chains.append(f"[{under}][music]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mixed]")
            mixed = "mixed"
    chains.append(f"[{mixed}]{final_filter or 'anull'}[aout]")
    return "aout"


def _clip_audio(index: int, clip: MediaInfo, duration: float, fade_in: float, fade_out: float) -> str:
    if clip.has_audio:
        chain = (f"[{index}:a:0]{AUDIO_FORMAT},apad=whole_dur={duration:.6f},atrim=duration={duration:.6f},"
                 "asetpts=PTS-STARTPTS")
    else:
        chain = f"anullsrc=r={SAMPLE_RATE}:cl=stereo:d={duration:.6f},aformat=sample_fmts=fltp"
    if fade_in:
        chain += f",afade=t=in:st=0:d={fade_in:.6f}"
    if fade_out:
        chain += f",afade=t=out:st={duration - fade_out:.6f}:d={fade_out:.6f}"
    return chain

