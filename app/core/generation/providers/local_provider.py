"""The offline model: an FFmpeg transition between the two frames (slow zoom on the first, crossfade to the last).

No key, no network, no cost. Progress comes from FFmpeg's own ``-progress`` output; cancel stops FFmpeg.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from app.core import faultpoints
from app.core.atomic import partial_file, publish
from app.core.generation.catalog import ModelSpec, frame_size
from app.core.generation.errors import ClipCanceled, ClipFailed
from app.core.generation.frames import ensure_frame
from app.core.generation.providers.base import ClipHooks, ClipRequest, ClipResult
from app.core.media.ffmpeg import FFmpegError, run_ffmpeg
from app.core.media.probe import probe

FPS = 30
ZOOM = 0.12  # how far the first frame zooms in over the clip


def transition_args(first: Path, last: Path, output: Path, width: int, height: int, duration_s: float) -> list[str]:
    """FFmpeg arguments: ``first`` zooms slowly, crossfading onto ``last``, which holds for the final tenth."""
    frames = max(2, round(duration_s * FPS))
    fade = round(max(0.5, duration_s * 0.4), 3)
    offset = round(max(0.0, duration_s * 0.5), 3)
    tail = round(duration_s - offset, 3)
    zoom = (f"zoompan=z='1+{ZOOM}*on/{frames}':x='(iw-iw/zoom)*(0.4+0.2*on/{frames})'"
            f":y='(ih-ih/zoom)/2':d={frames}:s={width}x{height}:fps={FPS}")
    graph = (f"[0:v]scale={width * 2}:{height * 2}:out_range=tv,{zoom},setsar=1,format=yuv420p,settb=AVTB[a];"
             f"[1:v]scale={width}:{height}:out_range=tv,setsar=1,fps={FPS},format=yuv420p,settb=AVTB[b];"
             f"[a][b]xfade=transition=fade:duration={fade}:offset={offset}[v]")
    return ["-i", str(first), "-loop", "1", "-framerate", str(FPS), "-t", f"{tail}", "-i", str(last),
            "-filter_complex", graph, "-map", "[v]", "-t", f"{duration_s}", "-r", str(FPS),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", str(output)]


async def _acquire_unless_canceled(slots: asyncio.Semaphore, cancel: asyncio.Event) -> bool:
    """Take a slot; False (holding none) when ``cancel`` is set first."""
    acquire = asyncio.ensure_future(slots.acquire())
    stop = asyncio.ensure_future(cancel.wait())
    try:
        await asyncio.wait({acquire, stop}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        if acquire.done() and not acquire.cancelled():
            slots.release()
        acquire.cancel()
        raise
    finally:
        stop.cancel()
    if not acquire.done():
        acquire.cancel()
        return False
    if cancel.is_set():
        slots.release()
        return False
    return True


class LocalProvider:
    """Renders clips on this computer, a few at a time (FFmpeg already uses every core); the rest wait pending."""

    def __init__(self) -> None:
        self._slots = asyncio.Semaphore(max(1, (os.cpu_count() or 2) // 2))

    async def check_model(self, model: ModelSpec) -> None:
        """Nothing to check: the local model has no published schema."""

    async def run(self, request: ClipRequest, hooks: ClipHooks, cancel: asyncio.Event) -> ClipResult:
        width, height = frame_size(request.resolution, request.aspect)
        first, last = await asyncio.gather(*(ensure_frame(source, request.inputs_dir, width, height)
                                             for source in (request.first_image, request.last_image)))
        if not await _acquire_unless_canceled(self._slots, cancel):
            raise ClipCanceled()
        try:
            await hooks.created(None)
            return await self._render(request, first, last, width, height, hooks, cancel)
        finally:
            self._slots.release()

    async def _render(self, request: ClipRequest, first: Path, last: Path, width: int, height: int,
                      hooks: ClipHooks, cancel: asyncio.Event) -> ClipResult:
        def progressed(fraction: float) -> None:
            if fraction > 0:
                faultpoints.reached("mid-render")
            hooks.progressed(fraction)
        try:
            with partial_file(request.output_path) as temp:
                await run_ffmpeg(transition_args(first, last, temp, width, height, request.duration_s),
                                 duration_s=request.duration_s, on_progress=progressed, cancel=cancel,
                                 what=f"rendering clip {request.position}")
                info = await probe(temp)
                publish(temp, request.output_path)
        except asyncio.CancelledError:
            if cancel.is_set():
                raise ClipCanceled() from None
            raise
        except FFmpegError as exc:
            raise ClipFailed(f"the local render failed: {exc}") from None
        return ClipResult(request.output_path, info.duration_s)

    async def cancel(self, prediction_id: str) -> None:
        """Local clips stop through the cancel event; there is nothing remote to cancel."""

    async def aclose(self) -> None:
        """No connections to close: FFmpeg runs stop with their clips."""
