"""Draft proxies: small copies of large clips, quick to decode, that draft previews read instead of the clips.

A draft is at most ``DRAFT_SHORT_SIDE`` pixels on its short side, yet its clips may be 1080p or larger, and decoding
them is most of a draft's work. A clip's proxy is the clip scaled to what any draft can need of it (every aspect,
cropped, at ``DRAFT_SHORT_SIDE``), encoded to decode fast (x264 ``ultrafast``: no CABAC, no deblocking), with the
clip's audio copied untouched. Like the proxy media of a video editor, proxies are made ahead, at idle priority
(as each clip lands, and for clips still without one when the Ad page shows their job);
a draft reads the proxies it finds and the other clips themselves, and a final render never reads a proxy.

A proxy is named by a hash of its clip's path, size and modification time, so a changed clip gets a new one;
its size follows from the clip's (``proxy_size``). The least recently used proxies go when the folder outgrows
``PROXY_CACHE_BYTES``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from app.core.atomic import partial_file, publish
from app.core.media.deliver_graph import DRAFT_SHORT_SIDE, GraphClip, canvas_size, output_sizes
from app.core.media.ffmpeg import FFmpegError, run_ffmpeg
from app.core.media.formats import ASPECTS
from app.core.media.probe import MediaInfo, probe
from app.core.running import RunningTasks

log = logging.getLogger(__name__)
PROXY_VERSION = "1"  # part of each name: change it when proxies are made differently
PROXY_ASPECTS = (*ASPECTS, "source")
# A proxy with more than half its clip's pixels saves too little decoding to be worth its file: a 720p clip's
# proxy (1136×640) made a 10-clip draft only 10–20 % quicker, a 1080p clip's (35 % of the pixels) about 40 %.
PROXY_MAX_PIXEL_SHARE = 0.5
PROXY_CACHE_BYTES = 2 * 1024**3  # the proxies kept, least recently used go first (a 6 s 1080p clip's: ~5 MB)
PROXY_ENCODE = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p")


def proxy_size(info: MediaInfo) -> tuple[int, int] | None:
    """The size of the clip's proxy: what a draft of any aspect needs of it; ``None`` when no proxy is worth it."""
    if not info.has_video or info.width <= 0 or info.height <= 0:
        return None
    width, height = canvas_size(info, output_sizes(PROXY_ASPECTS, info, DRAFT_SHORT_SIDE), "crop")
    if width * height > PROXY_MAX_PIXEL_SHARE * info.width * info.height:
        return None
    return width, height


def proxy_path(folder: Path, clip: Path) -> Path | None:
    """Where the proxy of the clip at ``clip``, as it is now, lives in ``folder`` (``None``: it cannot be read)."""
    try:
        stat = clip.stat()
    except OSError:
        return None
    key = json.dumps([PROXY_VERSION, str(clip.resolve()), stat.st_size, stat.st_mtime_ns])
    return folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}.mkv"


async def make_proxy(folder: Path, clip: Path, info: MediaInfo, *,
                     cancel: asyncio.Event | None = None) -> Path | None:
    """The proxy of ``clip`` in ``folder``, made at idle priority when it is missing (``None``: it needs none).

    FFmpeg writes under a temporary name renamed at the end: a failure or a cancel leaves nothing behind.
    Raises ``FFmpegError`` when the clip cannot be read, or ``asyncio.CancelledError``."""
    size = proxy_size(info)
    path = proxy_path(folder, clip)
    if size is None or path is None:
        return None
    if _touch(path):
        return path
    width, height = size
    with partial_file(path) as temp:
        await run_ffmpeg(["-i", str(clip), "-map", "0:v:0", "-map", "0:a:0?",
                          "-vf", f"scale={width}:{height}:flags=bicubic,setsar=1", "-fps_mode", "passthrough",
                          *PROXY_ENCODE, "-c:a", "copy", "-f", "matroska", str(temp)],
                         duration_s=info.duration_s, cancel=cancel, what=f"making the draft proxy of {clip.name}",
                         background=True)
        await asyncio.to_thread(_flush_to_disk, temp)  # a crash never leaves a published, truncated proxy
        publish(temp, path)
    log.info("made the draft proxy of %s (%dx%d)", clip.name, width, height)
    return path


class ProxyMaker:
    """Makes the proxies clips lack in one folder, one at a time. A clip with its proxy costs a file check; a clip
    that needs none, or cannot be read, is remembered (as it is now), so asking again for a job whose clips keep
    landing probes only the new ones."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._without: set[Path] = set()  # the proxy names of clips that need none or cannot be read
        self._making: set[Path] = set()  # the proxy names being made or waiting their turn, by the ask that came first
        self._turn = asyncio.Lock()  # one FFmpeg at a time, however many clips land together
        self._running = RunningTasks()

    async def prepare(self, clips: Sequence[Path]) -> int:
        """Make the missing proxies of ``clips``, then trim the folder to its budget; returns how many were made.
        A clip that cannot be read is skipped (a draft of it says why), and so is one whose proxy another ask is
        making (a clip landing while the Ad page asks for its job)."""
        made = 0
        with self._running.holding():
            for clip in clips:
                path = proxy_path(self.folder, clip)
                if path is None or path in self._without or path in self._making or path.is_file():
                    continue
                self._making.add(path)
                try:
                    async with self._turn:
                        made_now = await make_proxy(self.folder, clip, await probe(clip)) is not None
                except FFmpegError as exc:
                    log.info("no draft proxy of %s: %s", clip.name, exc)
                    made_now = False
                finally:
                    self._making.discard(path)
                if made_now:
                    made += 1
                else:
                    self._without.add(path)
        if made:
            await asyncio.to_thread(prune_proxies, self.folder)
        return made

    async def aclose(self) -> None:
        """Stop making proxies (FFmpeg is stopped and its partial file removed)."""
        await self._running.stop_all()


def with_proxies(folder: Path, clips: Sequence[GraphClip], canvas: tuple[int, int], fit: str) -> tuple[GraphClip, ...]:
    """``clips`` with each one that has a proxy, large enough for a ``canvas`` joined by ``fit``, read from it."""
    return tuple(_proxied(folder, clip, canvas, fit) for clip in clips)


def _proxied(folder: Path, clip: GraphClip, canvas: tuple[int, int], fit: str) -> GraphClip:
    path = proxy_path(folder, clip.path)
    size = proxy_size(clip.info)
    if path is None or size is None or size[0] / clip.info.width < _scale_needed(clip.info, canvas, fit) - 0.01:
        return clip
    if not _touch(path):
        return clip
    info = replace(clip.info, path=path, width=size[0], height=size[1], video_codec="h264", pix_fmt="yuv420p",
                   video_profile="")
    return GraphClip(path, info, clip.focus)


def _scale_needed(info: MediaInfo, canvas: tuple[int, int], fit: str) -> float:
    """How much of its own size the clip is scaled by to fill (``crop``) or fit in (``pad``) the canvas."""
    across, down = canvas[0] / info.width, canvas[1] / info.height
    return max(across, down) if fit == "crop" else min(across, down)


def _flush_to_disk(path: Path) -> None:
    with path.open("r+b") as handle:  # writable: Windows flushes only a handle open for writing
        os.fsync(handle.fileno())


def _touch(path: Path) -> bool:
    """Mark a proxy as just used (for ``prune_proxies``); False when it does not exist."""
    try:
        os.utime(path)
    except OSError:
        return False
    return True


def prune_proxies(folder: Path, max_bytes: int = PROXY_CACHE_BYTES) -> int:
    """Remove the least recently used proxies beyond ``max_bytes`` in all (blocking); returns how many went."""
    entries = []
    for path in folder.glob("*.mkv"):
        if path.name.startswith("."):  # a proxy being written (``partial_file``)
            continue
        with contextlib.suppress(OSError):
            stat = path.stat()
            entries.append((stat.st_mtime_ns, stat.st_size, path))
    entries.sort(reverse=True)
    kept = removed = 0
    for _, size, path in entries:
        kept += size
        if kept > max_bytes:
            with contextlib.suppress(OSError):  # e.g. open in a running draft on Windows
                path.unlink()
                removed += 1
    return removed
