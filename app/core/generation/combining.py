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
from app.core.atomic import partial_file, publish, remove_abandoned_partials
from app.core.db import Database
from app.core.domain import JobStatus
from app.core.generation import repository as repo
from app.core.media.brand_kit import BrandKit
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
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.deliverables import DeliverableResult, DeliverClip, SkippedClip
from app.core.media.ffmpeg import FFmpegError, ffmpeg_command, run_ffmpeg
from app.core.media.jobs import ClipMedia, JobMedia
from app.core.media.manifest import qc_section
from app.core.media.probe import MediaInfo, probe
from app.core.media.render import format_file_name, render_deliverables

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
        self._running: set[asyncio.Task[object]] = set()

    async def aclose(self) -> None:
        """Stop running combines (their FFmpeg processes are terminated and their temp files removed)."""
        running = [task for task in self._running if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=10)

    async def combine(self, job: JobMedia, options: CombineOptions, output: Path | None,
                      on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                      skipped: Sequence[repo.MissingClip] = ()) -> CombineResult:
        """Combine ``job`` (its clips as of now) into ``output`` (default ``jobs/<id>/ad.mp4``); ``skipped``: the
        clips left out, listed in the ad's metadata."""
        check_options(options)
        if not job.clips:
            raise CombineError(f"job {job.id} has no succeeded clips to combine")
        target = (output or self.job_dir(job.id) / DEFAULT_OUTPUT_NAME).expanduser().absolute()
        container_for(target)
        if any(_same_file(target, clip.path) for clip in job.clips):
            raise CombineError(f"the output {target.name} would overwrite one of the clips")
        await asyncio.to_thread(ffmpeg_command)  # its first call runs commands: never on the loop
        clips = await self._probe_clips(job.clips)
        music = await self._probe_music(options.music_path) if options.music_path else None
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            return await self._run(job, clips, music, options, target, on_progress, cancel, skipped)
        finally:
            self._running.discard(task)  # type: ignore[arg-type]

    async def _run(self, job: JobMedia, clips: list[ClipInput], music: MediaInfo | None, options: CombineOptions,
                   target: Path, on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                   skipped: Sequence[repo.MissingClip]) -> CombineResult:
        started = time.monotonic()
        with contextlib.suppress(OSError):
            await asyncio.to_thread(remove_abandoned_partials, target)
        previous = await self.db.run(lambda s: repo.begin_combine(s, job.id, str(target)))

        def progressed(fraction: float) -> None:
            if fraction > 0:
                faultpoints.reached("mid-combine")
            if on_progress:
                on_progress(fraction)
        try:
            with partial_file(target) as temp, partial_file(self.job_dir(job.id) / "concat.txt") as concat_list:
                plan = plan_combine(clips, options, self.settings(), output=temp, list_path=concat_list,
                                    music=music, color=pad_color(job.brand_colors))
                if plan.stream_copy:
                    concat_list.write_text(plan.concat_list, encoding="utf-8")
                progressed(0.0)
                args = plan.args if plan.stream_copy else ("-xerror", *plan.args)
                log.info("combining job %s: %d clip(s), %s, stream copy %s", job.id, len(clips),
                         plan.transition.value, plan.stream_copy)
                try:
                    await run_ffmpeg(args, duration_s=plan.duration_s, on_progress=progressed, cancel=cancel,
                                     what="combining the clips")
                except FFmpegError as exc:
                    raise CombineError(await _explain_failure(str(exc), clips)) from None
                info = await self._check_output(temp, plan, clips)
                try:
                    publish(temp, target)
                except OSError as exc:  # e.g. the old video is open in a player on Windows
                    raise CombineError(f"cannot replace {target}: {exc.strerror or exc}") from None
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.db.run(lambda s: repo.end_combine(s, job.id, previous)))
            raise
        meta = _output_meta(plan, info, job.clips, clips, target, music, time.monotonic() - started)
        meta["skipped"] = [clip.as_record() for clip in skipped]
        await asyncio.shield(self.db.run(lambda s: repo.record_combined(
            s, job.id, self.stored(target), meta, plan.transition.value, str(music.path) if music else None, previous)))
        return CombineResult(output_path=target, duration_s=info.duration_s, width=info.width, height=info.height,
                             clip_count=len(clips), stream_copy=plan.stream_copy, transition=plan.transition,
                             aspect=plan.aspect, has_audio=info.has_audio)

    async def deliver(self, job: JobMedia, options: DeliverOptions, brand: BrandKit, output: Path | None,
                      on_progress: Callable[[float], None] | None, cancel: asyncio.Event | None,
                      skipped: Sequence[repo.MissingClip] = (),
                      cache_dir: Path | None = None) -> list[DeliverableResult]:
        """Render ``job``'s deliverables (every format of ``options``, dressed in ``brand``) into ``output``: the
        video file of one format, else a folder (default ``jobs/<id>/ad.mp4`` or ``jobs/<id>/deliverables/``).

        A final render is the job's ad: the job is ``combining`` while it runs and records the first format's file
        and every deliverable's paths. A draft (``options.draft``) is a preview: cached in ``cache_dir``, and the
        job row is left alone. Raises ``DeliverError``/``CombineError`` with a plain message, or
        ``asyncio.CancelledError`` (the previous ad untouched)."""
        if not job.clips:
            raise CombineError(f"job {job.id} has no succeeded clips to combine")
        single = len(options.outputs) == 1
        default = DEFAULT_OUTPUT_NAME if single else DEFAULT_FOLDER_NAME
        target = (output or self.job_dir(job.id) / default).expanduser().absolute()
        await asyncio.to_thread(ffmpeg_command)  # its first call runs commands: never on the loop
        clips = await self._probe_for_delivery(job.clips)
        left_out = [SkippedClip(f"clip {m.position}", m.describe().split(" ", 2)[-1]) for m in skipped]
        options = replace(options, extra={**options.extra, "qc": qc_section(job.clips)})
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            if options.draft:
                return await render_deliverables(clips, options, brand, target, skipped=left_out,
                                                 cache_dir=cache_dir, on_progress=on_progress, cancel=cancel)
            return await self._deliver_final(job, clips, options, brand, target, on_progress, cancel, skipped,
                                             left_out)
        finally:
            self._running.discard(task)  # type: ignore[arg-type]

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

    @staticmethod
    async def _probe_music(path: Path) -> MediaInfo:
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

    @staticmethod
    async def _check_output(temp: Path, plan: CombinePlan, clips: Sequence[ClipInput]) -> MediaInfo:
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


def restore_status(previous: JobStatus) -> JobStatus:
    """The status a job returns to after a combine: the one before, unless that was a combine a crash left."""
    return JobStatus.SUCCEEDED if previous is JobStatus.COMBINING else previous


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


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


__all__ = ["DEFAULT_OUTPUT_NAME", "Combiner", "DeliverError", "MissingClips", "deliverable_record", "job_transition",
           "restore_status"]
