"""Media facts without ffprobe (imageio-ffmpeg ships none): parsed from ``ffmpeg -i``'s stream summary.

A file's facts are remembered by its path, size and modification time, so a clip probed when it lands, checked
by QC, given a proxy and read by every draft preview costs one FFmpeg start, not one each time.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from app.core.media.ffmpeg import FFmpegError, child_options, ffmpeg_for, run_ffmpeg

_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)[^,]*,\s*(\w+)?.*?(\d{2,5})x(\d{2,5})")
_PROFILE = re.compile(r": Video: \w+ \(([^)/]+)\)")
_FPS = re.compile(r"(\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: (\w+).*?(\d+) Hz, ([\w.()]+)")
PROBES_KEPT = 1024  # files whose facts are remembered; the least recently used are forgotten first

FileKey = tuple[str, int, int]
_known: OrderedDict[FileKey, MediaInfo] = OrderedDict()
_known_lock = threading.Lock()  # downloads are verified on worker threads, each with its own loop


@dataclass(frozen=True, slots=True)
class MediaInfo:
    path: Path
    duration_s: float
    width: int = 0
    height: int = 0
    fps: float = 0.0
    video_codec: str = ""
    pix_fmt: str = ""
    audio_codec: str = ""
    audio_rate: int = 0
    audio_channels: str = ""
    video_profile: str = ""  # e.g. "High" for H.264; streams of different profiles cannot be joined by copying

    @property
    def has_video(self) -> bool:
        return bool(self.video_codec)

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_codec)


def parse_probe(path: Path, text: str) -> MediaInfo:
    """Parse FFmpeg's input summary; raises ``FFmpegError`` when it names no stream."""
    if "Invalid data found" in text or "No such file" in text or "Stream #" not in text:
        last = [line for line in text.splitlines() if line.strip()][-1:] or ["no streams"]
        raise FFmpegError(f"{path.name} is not a readable media file ({last[0].strip()})")
    duration = 0.0
    if match := _DURATION.search(text):
        hours, minutes, seconds = match.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    width = height = 0
    fps = 0.0
    codec = pix_fmt = profile = ""
    for line in text.splitlines():
        if ": Video:" in line and not codec:
            if video := _VIDEO.search(line):
                codec, pix_fmt, width, height = video.group(1), video.group(2) or "", int(video.group(3)), \
                    int(video.group(4))
            if rate := _FPS.search(line):
                fps = float(rate.group(1))
            if named := _PROFILE.search(line):
                profile = named.group(1)
    audio_codec, audio_rate, channels = "", 0, ""
    if audio := _AUDIO.search(text):
        audio_codec, audio_rate, channels = audio.group(1), int(audio.group(2)), audio.group(3).rstrip(",")
    return MediaInfo(path, duration, width, height, fps, codec, pix_fmt, audio_codec, audio_rate, channels, profile)


async def probe(path: Path, *, background: bool = False) -> MediaInfo:
    """Duration, size, frame rate, codecs and audio presence of a media file (about 50 ms the first time, then
    remembered until the file changes); ``background`` as in ``run_ffmpeg``."""
    key = file_key(path)
    if key is None or not path.is_file():
        raise FFmpegError(f"{path} does not exist")
    with _known_lock:
        if (known := _known.get(key)) is not None:
            _known.move_to_end(key)
            return known
    process = await asyncio.create_subprocess_exec(
        *ffmpeg_for(background), "-hide_banner", "-nostdin", "-i", str(path), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, **child_options())
    _, stderr = await process.communicate()
    info = parse_probe(path, stderr.decode("utf-8", "replace"))
    remember(key, info)
    return info


def file_key(path: Path) -> FileKey | None:
    """What identifies the file at ``path`` as it is now (``None`` when it cannot be read)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return str(path), stat.st_size, stat.st_mtime_ns


def remember(key: FileKey | None, info: MediaInfo) -> None:
    """Keep ``info``, read from the file ``key`` identified, for ``probe``: a decoding pass that parsed the
    same stream summary (QC's scan) spares the next probe. Kept only while the file is still as it was."""
    if key is None or file_key(Path(key[0])) != key:
        return
    with _known_lock:
        _known[key] = info
        _known.move_to_end(key)
        while len(_known) > PROBES_KEPT:
            _known.popitem(last=False)


async def verify_video(path: Path) -> MediaInfo:
    """Probe ``path`` and decode it; raises ``FFmpegError`` if it is not a playable video. A background check:
    its FFmpeg only uses cores the app leaves free."""
    info = await probe(path, background=True)
    if not info.has_video or info.duration_s <= 0:
        raise FFmpegError(f"{path.name} holds no video stream")
    await run_ffmpeg(["-v", "error", "-xerror", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
                     what=f"checking {path.name}", background=True)
    return info
