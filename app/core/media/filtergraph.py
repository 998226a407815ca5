"""The ``-filter_complex`` graph of an encoded combine: normalise what differs, join, mix the music.

Every clip is brought to the output's size (scale + pad or crop, never stretch), frame rate and pixel format
only where it differs, then trimmed or padded to its probed length so audio and video stay in step across
the joins. A clip without audio gets silence when others have some, so concat, xfade and acrossfade line up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.core.domain import Transition
from app.core.media.probe import MediaInfo

SAMPLE_RATE = 48000
AUDIO_FORMAT = f"aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
CLIP_AUDIO_UNDER_MUSIC = 0.35  # the clips' own level when mixed under the music
VIDEO_TAIL_PAD_S = 0.5  # frames cloned at a clip's end before trimming it to its probed length
FPS_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class GraphSpec:
    width: int
    height: int
    fps: Fraction
    fit: str
    color: str
    transition: Transition
    join_s: float
    durations: tuple[float, ...]
    clip_audio: str
    music_volume: float
    music_fade_s: float
    total_s: float


def build_graph(clips: Sequence[MediaInfo], spec: GraphSpec, music: MediaInfo | None) -> tuple[str, str, str | None]:
    """The filter graph and the labels of its video and audio outputs (audio ``None`` when there is none).

    Inputs are numbered as on the command line: the clips first, then the music.
    """
    count = len(clips)
    use_clip_audio = spec.clip_audio != "drop" and any(c.has_audio for c in clips)
    fade_s = spec.join_s / 2 if spec.transition is Transition.FADE else 0.0
    chains: list[str] = []
    for index, (clip, duration) in enumerate(zip(clips, spec.durations, strict=True)):
        fade_in = fade_s if index > 0 else 0.0
        fade_out = fade_s if index < count - 1 else 0.0
        chains.append(f"[{index}:v:0]{_video_chain(clip, spec, duration, fade_in, fade_out)}[v{index}]")
        if use_clip_audio:
            chains.append(_audio_chain(index, clip, duration, fade_in, fade_out) + f"[a{index}]")
    if spec.transition is Transition.CROSSFADE and count > 1:
        video, audio = _crossfade(chains, spec, count, use_clip_audio)
    elif count > 1:
        streams = "".join(f"[v{i}]" + (f"[a{i}]" if use_clip_audio else "") for i in range(count))
        chains.append(f"{streams}concat=n={count}:v=1:a={int(use_clip_audio)}[vout]"
                      + ("[aout]" if use_clip_audio else ""))
        video, audio = "vout", "aout" if use_clip_audio else None
    else:
        video, audio = "v0", "a0" if use_clip_audio else None
    if music is not None:
        audio = _mix_music(chains, spec, count, audio)
    return ";".join(chains), video, audio


def _video_chain(clip: MediaInfo, spec: GraphSpec, duration: float, fade_in: float, fade_out: float) -> str:
    filters: list[str] = []
    if (clip.width, clip.height) != (spec.width, spec.height):
        if spec.fit == "crop":
            filters += [f"scale={spec.width}:{spec.height}:force_original_aspect_ratio=increase",
                        f"crop={spec.width}:{spec.height}"]
        else:
            filters += [f"scale={spec.width}:{spec.height}:force_original_aspect_ratio=decrease"
                        ":force_divisible_by=2",
                        f"pad={spec.width}:{spec.height}:(ow-iw)/2:(oh-ih)/2:color={spec.color}"]
    if clip.fps <= 0 or abs(clip.fps - float(spec.fps)) > FPS_TOLERANCE:
        filters.append(f"fps={spec.fps}")
    if clip.pix_fmt != "yuv420p":
        filters.append("format=yuv420p")
    filters += ["setsar=1", f"tpad=stop_mode=clone:stop_duration={VIDEO_TAIL_PAD_S}",
                f"trim=duration={duration:.6f}", "setpts=PTS-STARTPTS"]
    if fade_in:
        filters.append(f"fade=t=in:st=0:d={fade_in:.6f}")
    if fade_out:
        filters.append(f"fade=t=out:st={duration - fade_out:.6f}:d={fade_out:.6f}")
    filters.append("settb=AVTB")
    return ",".join(filters)


def _audio_chain(index: int, clip: MediaInfo, duration: float, fade_in: float, fade_out: float) -> str:
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


def _crossfade(chains: list[str], spec: GraphSpec, count: int, with_audio: bool) -> tuple[str, str | None]:
    """Chain xfade (and acrossfade) pairwise; each join overlaps the clips by ``join_s``."""
    video, audio = "v0", "a0"
    length = spec.durations[0]
    for index in range(1, count):
        offset = length - spec.join_s
        chains.append(f"[{video}][v{index}]xfade=transition=fade:duration={spec.join_s:.6f}:offset={offset:.6f}"
                      f"[vx{index}]")
        video = f"vx{index}"
        if with_audio:
            chains.append(f"[{audio}][a{index}]acrossfade=d={spec.join_s:.6f}[ax{index}]")
            audio = f"ax{index}"
        length += spec.durations[index] - spec.join_s
    return video, audio if with_audio else None


def _mix_music(chains: list[str], spec: GraphSpec, music_index: int, clip_audio: str | None) -> str:
    """The music trimmed to the video, faded in at the start and out ending at the end, under or over the clips."""
    total, fade = spec.total_s, spec.music_fade_s
    music = (f"[{music_index}:a:0]{AUDIO_FORMAT},atrim=duration={total:.6f},asetpts=PTS-STARTPTS,"
             f"volume={spec.music_volume:.4f}")
    if fade > 0:
        music += f",afade=t=in:st=0:d={fade:.6f},afade=t=out:st={total - fade:.6f}:d={fade:.6f}"
    chains.append(music + "[music]")
    if clip_audio is None:
        return "music"
    if spec.clip_audio == "mix":
        chains.append(f"[{clip_audio}]volume={CLIP_AUDIO_UNDER_MUSIC}[under]")
        clip_audio = "under"
    chains.append(f"[{clip_audio}][music]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[mixed]")
    return "mixed"
