"""Clips crafted for the QC tests with the bundled FFmpeg: faithful, black, frozen, off-picture, off-order.

A faithful clip is what the offline model renders (``transition_args``: a slow zoom on the first picture
crossfading onto the last, which holds for the final tenth), from frames prepared the way every model gets them.
Everything is small (320×180 by default) so a scan takes a few tens of milliseconds.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from app.core.generation.frames import prepare_frame
from app.core.generation.providers.local_provider import transition_args
from app.core.media.ffmpeg import ffmpeg_exe
from tests.helpers.images import make_image

SIZE = (320, 180)


def ffmpeg(*args: str) -> None:
    result = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
                            capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()[-800:]


def pictures(folder: Path, count: int, size: tuple[int, int] = (640, 360)) -> list[Path]:
    """``count`` distinct pictures (gradient and shapes, one seed each) named ``01-picture.jpg`` …"""
    return [make_image(folder / f"{i + 1:02d}-picture.jpg", size, seed=100 + i, fmt="JPEG") for i in range(count)]


def transition_clip(first: Path, last: Path, out: Path, *, size: tuple[int, int] = SIZE,
                    duration_s: float = 2.0) -> Path:
    """The offline model's clip from ``first`` to ``last`` (frames prepared as for any model)."""
    width, height = size
    inputs = out.parent / "inputs"
    frames = [prepare_frame(source, inputs / f"{out.stem}-{n}.jpg", width, height)
              for n, source in enumerate((first, last))]
    out.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(*transition_args(frames[0], frames[1], out, width, height, duration_s))
    return out


def black_clip(out: Path, *, size: tuple[int, int] = SIZE, duration_s: float = 2.0) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", f"color=c=black:s={size[0]}x{size[1]}:r=30:d={duration_s}",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out))
    return out


def frozen_clip(first: Path, last: Path, out: Path, *, moving_s: float = 2.0, frozen_s: float = 3.0,
                size: tuple[int, int] = SIZE) -> Path:
    """A faithful transition of ``moving_s`` whose last frame is then held still for ``frozen_s`` more."""
    moving = transition_clip(first, last, out.with_name(f"{out.stem}-moving.mp4"), size=size, duration_s=moving_s)
    ffmpeg("-i", str(moving), "-vf", f"tpad=stop_mode=clone:stop_duration={frozen_s}",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out))
    return out


def with_audio(clip: Path, out: Path) -> Path:
    """``clip`` with a sine tone as its sound track."""
    ffmpeg("-i", str(clip), "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000", "-shortest",
           "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", str(out))
    return out
