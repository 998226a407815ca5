"""Clips crafted for the QC tests with the bundled FFmpeg: faithful, black, frozen, off-picture, off-order.

A faithful clip is what the offline model renders (``transition_args``: a slow zoom on the first picture
crossfading onto the last, which holds for the final tenth), from frames prepared the way every model gets them.
Everything is small (320×180 by default) so a scan takes a few tens of milliseconds.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from PIL import Image

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


def crafted_outputs(folder: Path, *, duration_s: float = 4.0):  # type: ignore[no-untyped-def]
    """A fake Replicate ``Scenario.output_for``: the clip a prediction serves follows a word in its prompt, until a
    retry folds QC's requirements in ("Requirements: …"), which always gets a faithful clip.

    BLACK: all black; FROZEN: a short transition, then its last frame held; WRONG: starts on another picture
    (one of its own) and moves to the last; anything else: a faithful transition from the first frame to the last.
    Clips are made at the size of the uploaded frames and cached by prompt.
    """
    made: dict[str, bytes] = {}
    lock = threading.Lock()  # the fake serves downloads on several threads

    def output(values: dict, first: bytes | None, last: bytes | None) -> bytes | None:
        prompt = str(values.get("prompt", ""))
        if first is None or last is None:
            return None
        with lock:
            if prompt not in made:
                made[prompt] = _craft(folder / f"case-{len(made)}", prompt, first, last, duration_s)
            return made[prompt]
    return output


def _craft(case: Path, prompt: str, first: bytes, last: bytes, duration_s: float) -> bytes:
    """The MP4 ``crafted_outputs`` serves for ``prompt``, made in the folder ``case``."""
    case.mkdir(parents=True, exist_ok=True)
    (case / "first.jpg").write_bytes(first)
    (case / "last.jpg").write_bytes(last)
    with Image.open(case / "first.jpg") as image:
        size = image.size
    fixed = "Requirements:" in prompt
    out = case / "clip.mp4"
    if "BLACK" in prompt and not fixed:
        black_clip(out, size=size, duration_s=duration_s)
    elif "FROZEN" in prompt and not fixed:
        frozen_clip(case / "first.jpg", case / "last.jpg", out, moving_s=1.0, frozen_s=duration_s - 1.0,
                    size=size)
    elif "WRONG" in prompt and not fixed:
        other = make_image(case / "other.jpg", size, seed=999, fmt="JPEG")
        transition_clip(other, case / "last.jpg", out, size=size, duration_s=duration_s)
    else:
        transition_clip(case / "first.jpg", case / "last.jpg", out, size=size, duration_s=duration_s)
    return out.read_bytes()
