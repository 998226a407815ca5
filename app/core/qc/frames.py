"""Pictures for quality control: one FFmpeg pass over a clip, and the pair's images fitted the way the model saw them.

``scan_clip`` decodes the clip once (the loop filter skipped: it only smooths block edges, which a reduced size
averages away), scales each frame to at most ``ANALYSIS_PX`` as luma right after decoding, runs ``blackdetect``
and ``freezedetect`` on the small frames and writes them to a temporary file, of which only the first and the last
are read. The stream summary FFmpeg prints gives duration, size, frame rate and audio, so no separate probe runs.
FFmpeg is started and waited for on worker threads, in the idle scheduling class where Linux has it (else at a lower
priority), so it only ever uses a core the app leaves free.

``reference_luma`` fits an image to the clip's shape the way ``app.core.generation.frames`` prepares frames for a
model (EXIF orientation, cover, centre crop: ``ImageOps.fit``), straight to the analysis size, as luma.
``sample_frames`` grabs a few colour frames at given times for the brand check.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from app.core.library.images import jpeg_bytes, open_oriented
from app.core.media.ffmpeg import FFmpegError, background_ffmpeg_command, child_options
from app.core.media.probe import MediaInfo, file_key, parse_probe, remember
from app.core.qc.detect import Interval, parse_black, parse_frozen
from app.core.qc.similarity import luma

ANALYSIS_PX = 160  # long side of the frames compared and searched for black and frozen stretches
_DECODE_PX = 4 * ANALYSIS_PX  # JPEG draft decode of the images: enough detail for an area-averaged reduction
FFMPEG_NICENESS = 10  # where the idle class is not to be had, QC's FFmpeg at least yields by weight
# Decoding an image and comparing pictures take a core each: leave one for the event loop and FFmpeg.
qc_workers = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="pairframe-qc")
# Each FFmpeg decodes on every core already: one run per core, each waited for on its own thread.
_ffmpeg_runs = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 2), thread_name_prefix="pairframe-qc-ffmpeg")
_LOG_LIMIT = 1 << 20  # the end of FFmpeg's log that is kept (the detectors' lines and the stream summary)
_START = re.compile(r"Duration: [^,]+, start: (-?\d+(?:\.\d+)?)")
_OUTPUT_SIZE = re.compile(r"Video: rawvideo[^\n]*?, (\d+)x(\d+)")
_SHOWN = re.compile(r"\[Parsed_showinfo[^\]]*\] n:\s*\d+ pts:\s*-?\d+\s+pts_time:(-?[\d.]+)")


@dataclass(frozen=True, slots=True)
class ClipScan:
    """What one decoding pass found in a clip."""

    info: MediaInfo
    analysis_size: tuple[int, int]
    first: Image.Image  # luma of the first and the last frame at ``analysis_size``
    last: Image.Image
    black: tuple[Interval, ...]
    frozen: tuple[Interval, ...]


@dataclass(frozen=True, slots=True)
class SampledFrame:
    """One colour frame of a clip as a small JPEG, with its time in seconds."""

    time_s: float
    jpeg: bytes


def analysis_filter(black_pixel: float, black_min_s: float, freeze_noise_db: float, freeze_min_s: float) -> str:
    """The filter chain of a scan: reduce to luma first, then detect on the small frames."""
    return (f"scale={ANALYSIS_PX}:{ANALYSIS_PX}:force_original_aspect_ratio=decrease:force_divisible_by=2"
            f":flags=area,format=gray,blackdetect=d={black_min_s:g}:pix_th={black_pixel:g}:pic_th=0.98,"
            f"freezedetect=n={freeze_noise_db:g}dB:d={freeze_min_s:g}")


def _below_normal() -> int:
    """Windows: start FFmpeg below normal priority (elsewhere ``_lower_priority`` does it after the start)."""
    return getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0)


def _lower_priority(pid: int) -> None:
    """Let FFmpeg yield the cores to the app: its threads, made after this, inherit the lower priority."""
    if hasattr(os, "setpriority"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, FFMPEG_NICENESS)


def _read_ends(file: BinaryIO, keep: int) -> tuple[bytes, bytes, int]:
    """The first and the last ``keep`` bytes of ``file``, and its length."""
    total = file.seek(0, os.SEEK_END)
    file.seek(0)
    head = file.read(keep)
    file.seek(max(0, total - keep))
    return head, file.read(), total


def _run_blocking(args: list[str], keep: int, timeout_s: float, what: str, started: list[subprocess.Popen[bytes]],
                  canceled: threading.Event) -> tuple[tuple[bytes, bytes, int], str, int]:
    """Run FFmpeg and wait for it (on a worker thread): its output goes to a temporary file, whose ends are read."""
    options = child_options()
    options["creationflags"] |= _below_normal()
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(tempfile.TemporaryFile()) if keep else None
        process = subprocess.Popen(
            [*background_ffmpeg_command(), "-hide_banner", "-nostdin", "-nostats", *args], stdin=subprocess.DEVNULL,
            stdout=out or subprocess.DEVNULL, stderr=subprocess.PIPE, **options)
        started.append(process)
        _lower_priority(process.pid)
        if canceled.is_set():
            process.kill()
        try:
            _, log = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise FFmpegError(f"{what} took longer than {timeout_s:g} s") from None
        ends = _read_ends(out, keep) if out else (b"", b"", 0)
    return ends, log[-_LOG_LIMIT:].decode("utf-8", "replace"), process.returncode


async def _run(args: list[str], *, keep: int, timeout_s: float, what: str
               ) -> tuple[tuple[bytes, bytes, int], str, int]:
    """Run FFmpeg at a lower priority: the ends of its standard output (``keep`` bytes each), its log, its status.

    Starting FFmpeg, waiting for it and reading what it writes all happen on a worker thread, never on the event
    loop; at most one FFmpeg per core runs for QC at a time, the rest wait their turn. A timeout raises
    ``FFmpegError`` ("<what> took longer than …"); cancelling the caller kills FFmpeg.
    """
    started: list[subprocess.Popen[bytes]] = []
    canceled = threading.Event()
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_ffmpeg_runs, _run_blocking, args, keep, timeout_s, what, started,
                                          canceled)
    except asyncio.CancelledError:
        canceled.set()
        for process in started:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        raise


def _last_line(log: str) -> str:
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


async def scan_clip(path: Path, *, black_pixel: float = 0.10, black_min_s: float = 0.1,
                    freeze_noise_db: float = -55.0, freeze_min_s: float = 0.5, timeout_s: float = 120.0) -> ClipScan:
    """Decode ``path`` once at a reduced size; raises ``FFmpegError`` when it is not a readable video."""
    key = file_key(path)
    if key is None:
        raise FFmpegError(f"{path.name} does not exist")
    args = ["-skip_loop_filter", "all", "-i", str(path), "-map", "0:v:0?", "-an", "-sn", "-dn",
            "-vf", analysis_filter(black_pixel, black_min_s, freeze_noise_db, freeze_min_s),
            "-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"]
    (head, tail, total), log, status = await _run(args, keep=ANALYSIS_PX * ANALYSIS_PX, timeout_s=timeout_s,
                                                  what=f"checking {path.name}")
    summary = log.split("Stream mapping:")[0]
    info = parse_probe(path, summary)
    if not info.has_video:
        raise FFmpegError(f"{path.name} holds no video stream")
    size_match = _OUTPUT_SIZE.search(log)
    size = (int(size_match.group(1)), int(size_match.group(2))) if size_match else (0, 0)
    frame_bytes = size[0] * size[1]
    if status != 0 or not frame_bytes or total < frame_bytes:
        raise FFmpegError(f"{path.name} could not be decoded ({_last_line(log)})")
    remember(key, info)
    start = float(match.group(1)) if (match := _START.search(summary)) else 0.0
    duration = info.duration_s
    return ClipScan(
        info=info, analysis_size=size,
        first=Image.frombytes("L", size, head[:frame_bytes]), last=Image.frombytes("L", size, tail[-frame_bytes:]),
        black=parse_black(log, start, duration), frozen=parse_frozen(log, start, duration))


def cover_box(source: tuple[int, int], target: tuple[int, int]) -> tuple[float, float, float, float]:
    """The centred region of an image of size ``source`` that covers ``target``'s shape (``ImageOps.fit``)."""
    width, height = source
    ratio = target[0] / target[1]
    if width / height >= ratio:
        crop_w, crop_h = ratio * height, float(height)
    else:
        crop_w, crop_h = float(width), width / ratio
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return left, top, left + crop_w, top + crop_h


def reference_luma(image: Path, clip_size: tuple[int, int], analysis_size: tuple[int, int]) -> Image.Image:
    """``image`` fitted to ``clip_size`` as the model got it, reduced to ``analysis_size`` as luma (blocking)."""
    img = open_oriented(image, _DECODE_PX)
    fitted = img.resize(analysis_size, Image.Resampling.BOX, box=cover_box(img.size, clip_size))
    return luma(fitted)


def sample_times(duration_s: float, count: int) -> tuple[float, ...]:
    """``count`` times spread evenly over a clip: the middle of each of ``count`` equal parts."""
    if count <= 0 or duration_s <= 0:
        return ()
    return tuple(round(duration_s * (index + 0.5) / count, 2) for index in range(count))


def _select_expression(times: Sequence[float]) -> str:
    """A ``select`` expression that keeps, for each time, the first frame at or after it."""
    return "+".join(f"gte(t\\,{t:.3f})*lt(prev_pts*TB\\,{t:.3f})" for t in times)


def _encode_samples(folder: Path, times: Sequence[float], quality: int) -> list[SampledFrame]:
    frames = []
    for index, time_s in enumerate(times):
        file = folder / f"{index}.ppm"
        if file.is_file():
            with Image.open(file) as img:
                frames.append(SampledFrame(time_s, jpeg_bytes(img.convert("RGB"), quality)))
    return frames


async def sample_frames(path: Path, times: Sequence[float], *, max_px: int = 512, quality: int = 80,
                        timeout_s: float = 60.0) -> list[SampledFrame]:
    """Colour frames of ``path`` at ``times`` (seconds), at most ``max_px`` on the long side, as JPEGs.

    One decoding pass keeps the first frame at or after each time (its own time is what is returned). Times past
    the end give no frame; raises ``FFmpegError`` when no frame at all could be taken.
    """
    wanted = sorted(t for t in times if t > 0)
    if not wanted:
        return []
    graph = (f"select='{_select_expression(wanted)}',showinfo,"
             f"scale='min({max_px},iw)':'min({max_px},ih)':force_original_aspect_ratio=decrease:flags=area")
    with tempfile.TemporaryDirectory(prefix="pairframe-qc-") as folder:
        args = ["-y", "-skip_loop_filter", "all", "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", graph,
                "-fps_mode", "passthrough", "-pix_fmt", "rgb24", "-f", "image2", "-start_number", "0",
                str(Path(folder) / "%d.ppm")]
        _, log, _status = await _run(args, keep=0, timeout_s=timeout_s, what=f"taking frames of {path.name}")
        shown = [round(float(t), 2) for t in _SHOWN.findall(log)]
        frames = await asyncio.get_running_loop().run_in_executor(
            qc_workers, _encode_samples, Path(folder), shown, quality) if shown else []
    if not frames:
        raise FFmpegError(f"no frame could be taken from {path.name} ({_last_line(log)})")
    return frames
