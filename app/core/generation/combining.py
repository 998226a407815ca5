"""Combining a job's clips into its ad: a step of the job's life, run by the job's owner under its lease.

FFmpeg writes under a temporary name renamed at the end, so a failure or a cancel leaves no partial file and the
previous ad untouched; partial files a process that died left beside the same output are swept first. The job
row's status (``combining`` while it runs, with the path being written), output and metadata change only through
``repository`` functions called from here, inside the job's owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.config import Settings
from app.core import faultpoints
from app.core.atomic import remove_abandoned_partials
from app.core.db import Database
from app.core.domain import JobStatus
from app.core.generation import repository as repo
from app.core.media.brand_kit import BrandKit
from app.core.media.combine import (
    CONTAINERS,
    CombineError,
    CombineOptions,
    CombineResult,
    check_options,
    container_for,
)
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.deliverables import DeliverableResult, DeliverClip, SkippedClip
from app.core.media.ffmpeg import FFmpegError, ffmpeg_command
from app.core.media.jobs import ClipMedia, JobMedia
from app.core.media.manifest import qc_section
from app.core.media.probe import probe
from app.core.media.render import format_file_name, render_deliverables
from app.core.running import RunningTasks

log = logging.getLogger(__name__)
PROBE_CONCURRENCY = 4
DEFAULT_OUTPUT_NAME = "ad.mp4"
DEFAULT_FOLDER_NAME = "deliverables"


class MissingClips(CombineError):
    """Clips of the job have no video: combining the others would make a shorter ad without saying so."""

    def __init__(self, job_id: int, missing: Sequence[repo.MissingClip]) -> None:
        self.job_id = job_id
        self.missing = tuple(missing)
        super().__init__(f"job {job_id} has clips without a video: {', '.join(m.describe() for m in missing)}. "
                         "Retry them, or leave them out of the ad")


class Combiner:
    """Joins a job's succeeded clips (stream copy when possible, else one encode) and records the ad on the job."""

    def __init__(self, db: Database, root: Path, job_dir: Callable[[int], Path], settings: Callable[[], Settings],
                 stored: Callable[[Path], str] = str) -> None:
        self.db = db
        self.root = root
        self.stored = stored  # how the ad's path is recorded (``LibraryPaths.stored``)
        self.job_dir = job_dir
        self.settings = settings
        self._running = RunningTasks()

    async def aclose(self) -> None:
        """Stop running combines (their FFmpeg processes are terminated and their temp files removed)."""
        await self._running.stop_all()

    async def combine(self, job: JobMedia, options: CombineOptions, brand: BrandKit, output: Path | None,
                      on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                      skipped: Sequence[repo.MissingClip] = ()) -> CombineResult:
        """Join ``job``'s clips into its ad at ``output`` (default ``jobs/<id>/ad.mp4``): the plain deliverable
        (``plain_deliverable``) rendered by ``deliver``, so every ad is made one way. ``skipped``: the clips left
        out, listed in the ad's metadata and manifest."""
        check_options(options)
        if output is not None:
            container_for(output)  # one video file: a name without a video suffix is a mistake, not a folder
        try:
            [result] = await self.deliver(job, plain_deliverable(options, self.settings()), brand, output,
                                          on_progress, cancel, skipped)
        except DeliverError as exc:
            raise CombineError(str(exc)) from None
        return CombineResult(output_path=result.video_path, duration_s=result.duration_s, width=result.width,
                             height=result.height, clip_count=len(job.clips), stream_copy=result.stream_copy,
                             transition=options.transition, aspect=result.aspect, has_audio=result.has_audio)

    async def deliver(self, job: JobMedia, options: DeliverOptions, brand: BrandKit, output: Path | None,
                      on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                      skipped: Sequence[repo.MissingClip] = (), cache_dir: Path | None = None,
                      proxy_dir: Path | None = None) -> list[DeliverableResult]:
        """Render ``job``'s deliverables (every format of ``options``, dressed in ``brand``) into ``output``: the
        video file of one format, else a folder (default ``jobs/<id>/ad.mp4`` or ``jobs/<id>/deliverables/``).

        A final render is the job's ad: the job is ``combining`` while it runs and records the first format's file
        and every deliverable's paths. A draft (``options.draft``) is a preview: cached in ``cache_dir``, read from
        the clips' proxies in ``proxy_dir`` where they exist, and the job row is left alone. Raises
        ``DeliverError``/``CombineError`` with a plain message, or ``asyncio.CancelledError`` (the previous ad
        untouched)."""
        if not job.clips:
            raise CombineError(f"job {job.id} has no succeeded clips to combine")
        single = len(options.outputs) == 1
        default = DEFAULT_OUTPUT_NAME if single else DEFAULT_FOLDER_NAME
        target = (output or self.job_dir(job.id) / default).expanduser().absolute()
        await asyncio.to_thread(ffmpeg_command)  # its first call runs commands: never on the loop
        clips = await self._probe_for_delivery(job.clips)
        left_out = [SkippedClip(f"clip {m.position}", m.describe().split(" ", 2)[-1]) for m in skipped]
        options = replace(options, extra={**options.extra, "qc": qc_section(job.clips)})
        with self._running.holding():
            if options.draft:
                return await render_deliverables(clips, options, brand, target, skipped=left_out,
                                                 cache_dir=cache_dir, proxy_dir=proxy_dir, on_progress=on_progress,
                                                 cancel=cancel)
            return await self._deliver_final(job, clips, options, brand, target, on_progress, cancel, skipped,
                                             left_out)

    async def _deliver_final(self, job: JobMedia, clips: list[DeliverClip], options: DeliverOptions, brand: BrandKit,
                             target: Path, on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                             skipped: Sequence[repo.MissingClip], left_out: list[SkippedClip]
                             ) -> list[DeliverableResult]:
        started = time.monotonic()
        videos = [target] if target.suffix.lower() in CONTAINERS else [
            target / format_file_name(brand.campaign, aspect) for aspect in options.outputs]
        for video in videos:  # what a process that died while writing the same files left
            with contextlib.suppress(OSError):
                await asyncio.to_thread(remove_abandoned_partials, video)
        previous = await self.db.run(lambda s: repo.begin_combine(s, job.id, str(videos[0])))

        def progressed(fraction: float) -> None:
            if fraction > 0:
                faultpoints.reached("mid-combine")
            if on_progress:
                on_progress(fraction)
        try:
            results = await render_deliverables(clips, options, brand, target, skipped=left_out,
                                                on_progress=progressed, cancel=cancel)
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.db.run(lambda s: repo.end_combine(s, job.id, previous)))
            raise
        meta = _deliver_meta(results, options, job.clips, clips, time.monotonic() - started)
        meta["skipped"] = [clip.as_record() for clip in skipped]
        music = str(options.music) if options.music else None
        await asyncio.shield(self.db.run(lambda s: repo.record_combined(
            s, job.id, self.stored(results[0].video_path), meta, job_transition(options), music, previous)))
        return results

    async def _probe_for_delivery(self, clips: Sequence[ClipMedia]) -> list[DeliverClip]:
        """Every clip probed (at most ``PROBE_CONCURRENCY`` at once); one that fails keeps its reason, for the
        engine to refuse or (with ``skip_failed``) leave out."""
        gate = asyncio.Semaphore(PROBE_CONCURRENCY)

        async def one(clip: ClipMedia) -> DeliverClip:
            meta = {"clip_id": clip.id, "position": clip.position, "model_id": clip.model_id, "prompt": clip.prompt,
                    "first_asset": clip.first_asset.name if clip.first_asset else None,
                    "last_asset": clip.last_asset.name if clip.last_asset else None,
                    "qc": clip.qc.get("verdict") if clip.qc else None}
            base = DeliverClip(clip.path, None, clip.label, clip.focus or (0.5, 0.5), meta)
            if not clip.path.is_file():
                return base
            async with gate:
                try:
                    return DeliverClip(clip.path, await probe(clip.path), clip.label, base.focus, meta)
                except FFmpegError as exc:
                    return DeliverClip(clip.path, None, clip.label, base.focus, meta, str(exc))
        return list(await asyncio.gather(*(one(clip) for clip in clips)))


def restore_status(previous: JobStatus) -> JobStatus:
    """The status a job returns to after a combine: the one before, unless that was a combine a crash left."""
    return JobStatus.SUCCEEDED if previous is JobStatus.COMBINING else previous


def plain_deliverable(options: CombineOptions, settings: Settings) -> DeliverOptions:
    """What a plain combine makes: the clips joined as ``options`` say (unset values from ``settings``), with no
    supers, end card, logo bug or loudness change, so matching clips joined by cuts are still a stream copy."""
    return DeliverOptions(
        transition=options.transition.value, transition_s=options.crossfade_s or settings.crossfade_s,
        aspect=options.aspect, fit=options.fit, supers="none", loudness=None, music=options.music_path,
        music_volume=settings.music_volume if options.music_volume is None else options.music_volume,
        music_fade_s=settings.music_fade_s, clip_audio=options.clip_audio or settings.clip_audio,
        height=options.height, fps=options.fps)


def job_transition(options: DeliverOptions) -> str:
    """The job's one-word transition for a render's joins: cut, fade, or crossfade for any blend."""
    names = set(options.transition)  # type: ignore[arg-type]
    if names <= {"cut"}:
        return "cut"
    return "fade" if names <= {"fade", "cut"} else "crossfade"


def _deliver_meta(results: Sequence[DeliverableResult], options: DeliverOptions, rows: Sequence[ClipMedia],
                  clips: Sequence[DeliverClip], elapsed_s: float) -> dict[str, Any]:
    """The job's ``output_meta`` after a render: the first format's figures and every deliverable's files."""
    first = results[0]
    used = [c for c in clips if c.info is not None]
    return {
        "duration_s": round(first.duration_s, 3), "width": first.width, "height": first.height,
        "bytes": first.video_path.stat().st_size, "clip_count": len(used),
        "clip_ids": [row.id for row, clip in zip(rows, clips, strict=True) if clip.info is not None],
        "clip_files": [c.path.name for c in used], "clip_durations": [round(c.info.duration_s, 3) for c in used
                                                                      if c.info is not None],
        "transition": job_transition(options), "joins": max(0, len(used) - 1),
        "transitions": list(options.transition), "join_s": options.transition_s, "aspect": first.aspect,  # type: ignore[arg-type]
        "fit": options.fit, "stream_copy": first.stream_copy, "has_audio": first.has_audio,
        "clip_audio": options.clip_audio, "music": options.music.name if options.music else None,
        "music_volume": options.music_volume if options.music else None,
        "music_fade_s": options.music_fade_s if options.music else None,
        "loudness_target": options.loudness, "end_card": options.end_card, "draft": options.draft,
        "deliverables": [deliverable_record(r) for r in results],
        "combined_at": datetime.now(UTC).isoformat(timespec="seconds"), "elapsed_s": round(elapsed_s, 3),
    }


def deliverable_record(result: DeliverableResult) -> dict[str, Any]:
    """One deliverable as JSON: its format, files and measurements."""
    return {"aspect": result.aspect, "video_path": str(result.video_path),
            "manifest_path": str(result.manifest_path), "srt_path": str(result.srt_path), "width": result.width,
            "height": result.height, "duration_s": round(result.duration_s, 3), "has_audio": result.has_audio,
            "loudness_lufs": result.loudness_lufs, "true_peak_dbtp": result.true_peak_dbtp,
            "stream_copy": result.stream_copy, "draft": result.draft, "cached": result.cached,
            "warnings": list(result.warnings)}


__all__ = ["DEFAULT_OUTPUT_NAME", "Combiner", "DeliverError", "MissingClips", "deliverable_record", "job_transition",
           "plain_deliverable", "restore_status"]
