"""Combining a job's clips into one ad, and exporting it with its manifest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.config import LibraryPaths, SettingsStore
from app.core.atomic import temp_path_for
from app.core.db import Database
from app.core.db.models import Job
from app.core.domain import JobStatus
from app.core.library.service import LibraryService
from app.core.library.store import sha256_file
from app.core.media.combine import (
    CONTAINERS,
    ClipInput,
    CombineError,
    CombineOptions,
    CombinePlan,
    CombineResult,
    check_options,
    container_for,
    pad_color,
    plan_combine,
)
from app.core.media.export import copy_with_hash
from app.core.media.ffmpeg import FFmpegError, run_ffmpeg
from app.core.media.jobs import ClipMedia, JobMedia, JobSummary, load_campaign_jobs, load_job_media
from app.core.media.manifest import build_manifest, manifest_path_for, write_manifest
from app.core.media.probe import MediaInfo, probe

log = logging.getLogger(__name__)
PROBE_CONCURRENCY = 4
DEFAULT_OUTPUT_NAME = "ad.mp4"
GENERATING = frozenset({JobStatus.PENDING, JobStatus.RUNNING})


class MediaService:
    """Combine (stream copy when possible, else one encode), record the result on the job, export."""

    def __init__(self, db: Database, library: LibraryService, paths: LibraryPaths, settings: SettingsStore) -> None:
        self.db = db
        self.library = library
        self.paths = paths
        self.settings = settings
        self._locks: dict[int, asyncio.Lock] = {}
        self._running: set[asyncio.Task[Any]] = set()

    async def campaign_jobs(self, campaign_id: int) -> list[JobSummary]:
        """The campaign's jobs that have succeeded clips to combine, newest first."""
        return await self.db.run(lambda s: load_campaign_jobs(s, campaign_id, self.paths.root))

    async def job_media(self, job_id: int) -> JobMedia:
        """The job, its succeeded clips in order and its last combined video; ``CombineError`` if it is unknown."""
        job = await self.db.run(lambda s: load_job_media(s, job_id, self.paths.root))
        if job is None:
            raise CombineError(f"there is no job {job_id}")
        return job

    async def combine(self, job_id: int, options: CombineOptions, output: Path | None = None,
                      on_progress: Callable[[float], None] | None = None,
                      cancel: asyncio.Event | None = None) -> CombineResult:
        """Join the job's succeeded clips into one video at ``output`` (default ``jobs/<id>/ad.mp4``).

        The video is written under a temporary name and renamed at the end, so a failure or a cancel leaves
        no partial file (and the previous video, if any, untouched). While it runs the job's status is
        ``combining`` (unless its clips are still being generated: then the generation owns the status);
        afterwards the previous status returns. The output's path and metadata are recorded
        on the job. Raises ``CombineError`` (naming the clip when one is missing or damaged) or
        ``asyncio.CancelledError`` when ``cancel`` is set or the task is cancelled.
        """
        check_options(options)
        job = await self.job_media(job_id)
        if not job.clips:
            raise CombineError(f"job {job_id} has no succeeded clips to combine")
        target = (output or self.paths.job_dir(job_id) / DEFAULT_OUTPUT_NAME).expanduser().absolute()
        container_for(target)
        if any(_same_file(target, clip.path) for clip in job.clips):
            raise CombineError(f"the output {target.name} would overwrite one of the clips")
        clips = await self._probe_clips(job.clips)
        music = await self._probe_music(options.music_path) if options.music_path else None
        lock = self._locks.setdefault(job_id, asyncio.Lock())
        async with lock:
            task = asyncio.current_task()
            if task:
                self._running.add(task)
            try:
                return await self._combine_locked(job, clips, music, options, target, on_progress, cancel)
            finally:
                if task:
                    self._running.discard(task)

    async def export(self, job_id: int, target: Path) -> Path:
        """Copy the job's combined video to ``target`` (atomically) and write its manifest beside it.

        Returns the manifest's path (``target`` with ``.json``). Raises ``CombineError`` when the job has no
        combined video yet.
        """
        job = await self.job_media(job_id)
        video = job.output_path
        if video is None or not video.is_file():
            raise CombineError(f"job {job_id} has no combined video yet: combine it first")
        target = target.expanduser().absolute()
        if target.suffix.lower() not in CONTAINERS:
            target = target.with_name(target.name + video.suffix)
        loop = asyncio.get_running_loop()
        size, sha256 = await loop.run_in_executor(None, _copy_or_hash, video, target)
        manifest = build_manifest(job, target, size, sha256)
        return await loop.run_in_executor(None, write_manifest, manifest_path_for(target), manifest)

    async def aclose(self) -> None:
        """Stop running combines (their FFmpeg processes are terminated and their temp files removed)."""
        running = [task for task in self._running if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=10)

    async def _combine_locked(self, job: JobMedia, clips: Sequence[ClipInput], music: MediaInfo | None,
                              options: CombineOptions, target: Path, on_progress: Callable[[float], None] | None,
                              cancel: asyncio.Event | None) -> CombineResult:
        started = time.monotonic()
        previous = await self._mark_combining(job.id)
        temp = temp_path_for(target)
        concat_list = temp_path_for(self.paths.job_dir(job.id) / "concat.txt")
        try:
            plan = plan_combine(clips, options, self.settings.current, output=temp, list_path=concat_list,
                                music=music, color=pad_color(job.brand_colors))
            if plan.stream_copy:
                concat_list.write_text(plan.concat_list, encoding="utf-8")
            if on_progress:
                on_progress(0.0)
            args = plan.args if plan.stream_copy else ("-xerror", *plan.args)
            log.info("combining job %s: %d clip(s), %s, stream copy %s", job.id, len(clips),
                     plan.transition.value, plan.stream_copy)
            try:
                await run_ffmpeg(args, duration_s=plan.duration_s, on_progress=on_progress, cancel=cancel,
                                 what="combining the clips")
            except FFmpegError as exc:
                raise CombineError(await _explain_failure(str(exc), clips)) from None
            info = await self._check_output(temp, plan, clips)
            try:
                os.replace(temp, target)
            except OSError as exc:  # e.g. the old video is open in a player on Windows
                raise CombineError(f"cannot replace {target}: {exc.strerror or exc}") from None
        except BaseException:
            temp.unlink(missing_ok=True)
            with contextlib.suppress(Exception):
                await asyncio.shield(self._restore_status(job.id, previous))
            raise
        finally:
            concat_list.unlink(missing_ok=True)
        meta = _output_meta(plan, info, job.clips, clips, target, music, time.monotonic() - started)
        await asyncio.shield(self._record(job.id, target, meta, plan, music, _after(previous)))
        return CombineResult(output_path=target, duration_s=info.duration_s, width=info.width, height=info.height,
                             clip_count=len(clips), stream_copy=plan.stream_copy, transition=plan.transition,
                             aspect=plan.aspect, has_audio=info.has_audio)

    async def _probe_clips(self, clips: Sequence[ClipMedia]) -> list[ClipInput]:
        gate = asyncio.Semaphore(PROBE_CONCURRENCY)

        async def one(clip: ClipMedia) -> ClipInput:
            if not clip.path.is_file():
                raise CombineError(f"{clip.label} is missing: {clip.path} does not exist")
            async with gate:
                try:
                    info = await probe(clip.path)
                except FFmpegError as exc:
                    raise CombineError(f"{clip.label} cannot be read: {exc}") from None
            if not info.has_video or info.duration_s <= 0:
                raise CombineError(f"{clip.label} holds no playable video")
            return ClipInput(clip.path, info, clip.label)

        results = await asyncio.gather(*(one(clip) for clip in clips), return_exceptions=True)
        for result in results:  # every probe has ended; report the first clip (in order) that failed
            if isinstance(result, BaseException):
                raise result
        return [r for r in results if isinstance(r, ClipInput)]

    async def _probe_music(self, path: Path) -> MediaInfo:
        path = path.expanduser()
        if not path.is_file():
            raise CombineError(f"the music file {path} does not exist")
        try:
            info = await probe(path)
        except FFmpegError as exc:
            raise CombineError(f"the music file cannot be read: {exc}") from None
        if not info.has_audio:
            raise CombineError(f"the music file {path.name} holds no audio")
        return info

    async def _check_output(self, temp: Path, plan: CombinePlan, clips: Sequence[ClipInput]) -> MediaInfo:
        """The output must exist and last what the plan said; a short one means a clip was cut off."""
        try:
            info = await probe(temp)
        except FFmpegError as exc:
            raise CombineError(f"FFmpeg wrote no readable video: {exc}") from None
        tolerance = 0.25 + 0.03 * len(clips)
        if abs(info.duration_s - plan.duration_s) > tolerance:
            detail = await _explain_failure("", clips)
            raise CombineError(f"the combined video lasts {info.duration_s:.2f} s instead of "
                               f"{plan.duration_s:.2f} s" + (f": {detail}" if detail else ""))
        return info

    async def _mark_combining(self, job_id: int) -> JobStatus:
        """Set ``combining`` (not over a job whose clips are still being made); returns the status before."""
        def work(s: Session) -> JobStatus:
            row = s.get(Job, job_id)
            if row is None:
                raise CombineError(f"there is no job {job_id}")
            previous = JobStatus(row.status)
            if previous not in GENERATING:
                row.status = JobStatus.COMBINING.value
            return previous

        return await self.db.run(work)

    async def _restore_status(self, job_id: int, previous: JobStatus) -> None:
        def work(s: Session) -> None:
            row = s.get(Job, job_id)
            if row is not None and row.status == JobStatus.COMBINING.value:
                row.status = _after(previous).value

        await self.db.run(work)

    async def _record(self, job_id: int, target: Path, meta: dict[str, Any], plan: CombinePlan,
                      music: MediaInfo | None, status: JobStatus) -> None:
        def work(s: Session) -> None:
            row = s.get(Job, job_id)
            if row is None:
                return
            row.output_path = str(target)
            row.output_meta = meta
            row.transition = plan.transition.value
            row.music_path = str(music.path) if music else None
            if row.status == JobStatus.COMBINING.value:  # nobody else changed it meanwhile
                row.status = status.value
            if row.status == JobStatus.SUCCEEDED.value and row.finished_at is None:
                row.finished_at = datetime.now(UTC).replace(tzinfo=None)

        await self.db.run(work)


def _after(previous: JobStatus) -> JobStatus:
    """The status to return to: the one before, unless that was a combine a crash left behind."""
    return JobStatus.SUCCEEDED if previous is JobStatus.COMBINING else previous


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def _copy_or_hash(video: Path, target: Path) -> tuple[int, str]:
    if _same_file(video, target):
        return video.stat().st_size, sha256_file(video)
    return copy_with_hash(video, target)


def _output_meta(plan: CombinePlan, info: MediaInfo, rows: Sequence[ClipMedia], clips: Sequence[ClipInput],
                 target: Path, music: MediaInfo | None, elapsed_s: float) -> dict[str, Any]:
    return {
        "duration_s": round(info.duration_s, 3), "width": info.width, "height": info.height,
        "fps": round(plan.fps, 3), "bytes": target.stat().st_size, "clip_count": len(clips),
        "clip_ids": [row.id for row in rows], "clip_durations": [round(c.info.duration_s, 3) for c in clips],
        "clip_files": [c.path.name for c in clips], "transition": plan.transition.value,
        "joins": max(0, len(clips) - 1), "join_s": plan.join_s, "aspect": plan.aspect, "fit": plan.fit,
        "stream_copy": plan.stream_copy, "has_audio": info.has_audio, "clip_audio": plan.clip_audio,
        "music": music.path.name if music else None, "music_volume": plan.music_volume if music else None,
        "music_fade_s": plan.music_fade_s if music else None,
        "combined_at": datetime.now(UTC).isoformat(timespec="seconds"), "elapsed_s": round(elapsed_s, 3),
    }


async def _explain_failure(message: str, clips: Sequence[ClipInput]) -> str:
    """Name the clip behind a failure: one FFmpeg named, else the first that does not decode cleanly."""
    for clip in clips:
        if str(clip.path) in message:
            return f"{clip.label} is damaged: {message}"
    for clip in clips:
        try:
            errors = await run_ffmpeg(["-v", "error", "-xerror", "-i", str(clip.path), "-map", "0", "-f", "null",
                                       "-"], what=f"checking {clip.path.name}")
        except FFmpegError as exc:
            return f"{clip.label} is damaged: {exc}"
        if errors:
            return f"{clip.label} is damaged: {errors[-1]}"
    return message
