"""Drives clips: every unfinished clip of a job at once, each to a terminal state, with events for every change.

One task per clip (``_clip_tasks``), so a second ``run_job`` for the same job joins the clips already running
and a retry reuses the same machinery. A user cancel sets the clip's event (the provider cancels remotely);
cancelling the tasks (``aclose``) only stops tracking: the clips stay resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.core.domain import ClipState, ClipStatus, JobState
from app.core.generation import repository as repo
from app.core.generation.catalog import ModelSpec, frame_size, get_model, snap
from app.core.generation.cost import clip_charge
from app.core.generation.errors import ClipCanceled, ClipFailed, ClipInterrupted, GenerationError
from app.core.generation.frames import ensure_frame
from app.core.generation.progress_saving import ProgressSaver
from app.core.generation.providers.base import ClipRequest, Provider, Submission
from app.core.media.ffmpeg import ffmpeg_command
from app.core.money.charges import Charge

if TYPE_CHECKING:
    from app.core.generation.service import GenerationService

log = logging.getLogger(__name__)
Listener = Callable[[ClipState | JobState], None]
PROGRESS_STEP = 0.02  # save progress to the database when it moved at least this much


class _Hooks:
    """A provider's reports for one clip, committed and announced; a prediction enters the ledger the moment its
    id is known, and its amount the moment it ended."""

    def __init__(self, orchestrator: Orchestrator, request: ClipRequest) -> None:
        self.o = orchestrator
        self.request = request
        self.clip_id = request.clip_id
        self.saved_progress = 0.0

    async def submitting(self, submission: Submission) -> None:
        await self.o.commit(repo.mark_submitting, self.clip_id, submission)

    async def created(self, prediction_id: str | None) -> None:
        model = self.request.model
        opened = None if model.is_local or not prediction_id else \
            clip_charge(model, prediction_id, "starting", duration_s=self.request.duration_s)
        state = await self.o.commit(repo.mark_created, self.clip_id, prediction_id, opened)
        if state.status is ClipStatus.CANCELED:  # canceled elsewhere while the create was on its way
            if prediction_id:
                await self.o.cancel_remote(state.model_id, prediction_id)
            raise ClipCanceled()

    async def not_created(self) -> None:
        await self.o.commit(repo.mark_not_created, self.clip_id)

    def progressed(self, fraction: float) -> None:
        self.o.progressed(self.clip_id, fraction, self)

    async def downloading(self, output_url: str, charge: Charge) -> None:
        await self.o.commit(repo.mark_downloading, self.clip_id, output_url, charge)


class Orchestrator:
    def __init__(self, service: GenerationService) -> None:
        self.service = service
        self.db = service.db
        self._listeners: list[Listener] = []
        self._clip_tasks: dict[int, asyncio.Task[ClipState]] = {}
        self._cancels: dict[int, asyncio.Event] = {}
        self._job_runs: dict[int, asyncio.Task[JobState]] = {}
        self._clip_jobs: dict[int, int] = {}  # clip id → job id, for clips driven here
        self._latest: dict[int, ClipState] = {}
        self._progress = ProgressSaver(self.db)

    # ---- events ----------------------------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)
        return unsubscribe

    def emit(self, event: ClipState | JobState) -> None:
        if isinstance(event, ClipState):
            self._latest[event.id] = event
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a generation listener failed")

    async def commit(self, work: Callable[..., ClipState], *args: object, **kwargs: object) -> ClipState:
        """Run one clip transition in its own transaction (shielded: a stop never loses it) and announce it."""
        state = await asyncio.shield(self.db.run(lambda s: work(s, *args, **kwargs)))
        self.emit(state)
        return state

    async def refresh_job(self, job_id: int) -> JobState:
        """Recompute and announce the job's status and cost."""
        active = self.active_clip_ids()
        state = await self.db.run(lambda s: repo.refresh_job(s, job_id, active))
        self.emit(state)
        return state

    def progressed(self, clip_id: int, fraction: float, hooks: _Hooks) -> None:
        latest = self._latest.get(clip_id)
        fraction = max(0.0, min(1.0, fraction))
        if latest is None or abs(latest.progress - fraction) < 1e-4:
            return
        self.emit(dataclasses.replace(latest, progress=fraction))
        if abs(fraction - hooks.saved_progress) >= PROGRESS_STEP:
            hooks.saved_progress = fraction
            self._progress.save(clip_id, fraction)

    # ---- running ---------------------------------------------------------------------------------------------
    def is_running(self, clip_id: int) -> bool:
        task = self._clip_tasks.get(clip_id)
        return task is not None and not task.done()

    def active_clip_ids(self) -> set[int]:
        return {cid for cid, task in self._clip_tasks.items() if not task.done()}

    async def run_job(self, job_id: int) -> JobState:
        run = self._job_runs.get(job_id)
        if run is None or run.done():
            run = asyncio.create_task(self._run_job(job_id), name=f"generation-job-{job_id}")
            self._job_runs[job_id] = run
        return await asyncio.shield(run)

    async def _run_job(self, job_id: int) -> JobState:
        clips = await self.db.read(lambda s: repo.unfinished_clips(s, job_id))
        self._clip_jobs.update((clip_id, job_id) for clip_id, _ in clips)
        try:
            for model_id in sorted({model_id for _, model_id in clips}):
                model = get_model(model_id, self.service.settings.current)
                provider = await self.service.provider_for(model)
                await provider.check_model(model)
        except GenerationError as exc:
            message = str(exc)
            failed = await self.db.run(lambda s: repo.fail_unsent(s, job_id, message))
            for clip in failed.clips:
                self.emit(clip)
            self.emit(failed)
            raise
        await asyncio.to_thread(ffmpeg_command)  # its first call runs commands: never on the loop
        await self._prepare_frames([clip_id for clip_id, _ in clips])
        tasks = [self.start_clip(clip_id) for clip_id, _ in clips]
        if tasks:
            await self.refresh_job(job_id)
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.service.quality.after_job(job_id)  # clips a stop left unchecked, then a chain's seams
        return await self.refresh_job(job_id)

    async def _prepare_frames(self, clip_ids: list[int]) -> None:
        """Make the frames of clips that will be created, before any upload or create: the CPU-bound resizing then
        does not compete with the burst of requests that follows (each request's socket calls wait for the GIL)."""
        work = []
        for clip_id in clip_ids:
            run = await self.load_run(clip_id)
            if run.first_image is None or run.last_image is None or run.state.prediction_id or run.submission:
                continue
            model = get_model(run.state.model_id, self.service.settings.current)
            request = self._request(run, model, fresh=True)
            width, height = frame_size(request.resolution, request.aspect)
            work += [ensure_frame(path, request.inputs_dir, width, height) for path in (run.first_image,
                                                                                       run.last_image)]
        await asyncio.gather(*work, return_exceptions=True)  # a frame that fails fails its clip later

    async def wait_job(self, job_id: int) -> None:
        """Wait until a run of ``job_id`` (if any) has ended, whatever its outcome."""
        run = self._job_runs.get(job_id)
        if run is not None and not run.done():
            await asyncio.gather(asyncio.shield(run), return_exceptions=True)

    async def load_run(self, clip_id: int) -> repo.ClipRun:
        store = self.service.library.store
        run = await self.db.read(lambda s: repo.load_run(s, clip_id, store))
        self._latest[clip_id] = run.state
        self._clip_jobs[clip_id] = run.state.job_id
        return run

    def start_clip(self, clip_id: int) -> asyncio.Task[ClipState]:
        """The task driving ``clip_id`` (a running one is reused)."""
        task = self._clip_tasks.get(clip_id)
        if task is None or task.done():
            self._cancels[clip_id] = asyncio.Event()
            task = asyncio.create_task(self._drive(clip_id), name=f"generation-clip-{clip_id}")
            self._clip_tasks[clip_id] = task
        return task

    async def _drive(self, clip_id: int) -> ClipState:
        try:
            state = await self._drive_to_end(clip_id)
            if state.status is ClipStatus.SUCCEEDED and state.qc is None:
                state = await self.service.quality.after_download(state)
            await self.service.clip_landed(state)
        finally:
            self._latest.pop(clip_id, None)
            self._progress.discard(clip_id)  # a report of this attempt must not reach a retry's row
        if not self._drives_another_clip_of(state.job_id, clip_id):
            await self.refresh_job(state.job_id)  # the last clip driven here (a job run refreshes at its end too)
        return state

    def _drives_another_clip_of(self, job_id: int, clip_id: int) -> bool:
        """Whether a task here still drives another clip of ``job_id``: its end refreshes the job. Refreshing after
        every clip would rebuild the whole job (all its clips' states) once per clip, a burst of database work
        as a large job's clips land together; the clips' own events already carry their status and cost."""
        return any(self._clip_jobs.get(other) == job_id for other in self.active_clip_ids() if other != clip_id)

    async def _drive_to_end(self, clip_id: int) -> ClipState:
        run = await self.load_run(clip_id)
        cancel = self._cancels[clip_id]
        state = run.state
        if state.status.is_terminal:
            return state
        try:
            model = get_model(state.model_id, self.service.settings.current)
            provider = await self.service.provider_for(model)
            if run.first_image is None or run.last_image is None:
                raise ClipFailed("one of the clip's images is no longer in the library")
            fresh = model.is_local or (state.prediction_id is None and run.submission is None)
            if state.status is ClipStatus.PENDING:
                await self.commit(repo.begin_attempt, clip_id)
            else:
                await self.commit(repo.start_working, clip_id)
            request = self._request(run, model, fresh)
            result = await provider.run(request, _Hooks(self, request), cancel)
        except ClipCanceled as exc:
            return await self.commit(repo.mark_finished, clip_id, ClipStatus.CANCELED, charge=exc.charge)
        except ClipFailed as exc:
            return await self.commit(repo.mark_finished, clip_id, ClipStatus.FAILED, charge=exc.charge,
                                     error=str(exc))
        except (ClipInterrupted, GenerationError) as exc:
            status = ClipStatus.INTERRUPTED if isinstance(exc, ClipInterrupted) else ClipStatus.FAILED
            return await self.commit(repo.mark_finished, clip_id, status, error=str(exc))
        except asyncio.CancelledError:  # tracking stops (the app closes): the clip stays resumable, its time stops
            with contextlib.suppress(Exception):
                await self.commit(repo.stop_working, clip_id)
            raise
        except Exception as exc:
            log.exception("clip %s failed unexpectedly", clip_id)
            return await self.commit(repo.mark_finished, clip_id, ClipStatus.FAILED,
                                     error=f"unexpected error: {type(exc).__name__}: {exc}")
        return await self.commit(repo.mark_finished, clip_id, ClipStatus.SUCCEEDED, charge=result.charge,
                                 file_path=self.service.paths.stored(result.file_path),
                                 duration_s=result.duration_s)

    def _request(self, run: repo.ClipRun, model: ModelSpec, fresh: bool) -> ClipRequest:
        state = run.state
        snapped = snap(model, run.job_duration_s, run.job_resolution or None, run.job_aspect)
        job_dir = self.service.paths.job_dir(state.job_id)
        assert run.first_image is not None and run.last_image is not None
        return ClipRequest(
            clip_id=state.id, job_id=state.job_id, position=state.position, model=model, prompt=state.prompt,
            first_image=run.first_image, last_image=run.last_image, duration_s=snapped.duration_s,
            resolution=snapped.resolution, aspect=snapped.aspect, inputs_dir=job_dir / "inputs",
            output_path=job_dir / "clips" / f"clip-{state.position}.mp4",
            prediction_id=None if fresh else state.prediction_id, submission=None if fresh else run.submission)

    # ---- cancel ----------------------------------------------------------------------------------------------
    async def cancel_remote(self, model_id: str, prediction_id: str) -> None:
        model = get_model(model_id, self.service.settings.current)
        if model.is_local:
            return
        provider: Provider = await self.service.provider_for(model)
        await provider.cancel(prediction_id)

    async def cancel_clip(self, clip_id: int) -> None:
        task = self._clip_tasks.get(clip_id)
        if task is not None and not task.done():
            self._cancels[clip_id].set()
            await asyncio.shield(task)
            return
        run = await self.load_run(clip_id)
        if run.state.status.is_terminal:
            return
        if run.state.prediction_id:
            await self.cancel_remote(run.state.model_id, run.state.prediction_id)
        states = await self.db.run(lambda s: repo.mark_canceled_idle(s, [clip_id]))
        for state in states:
            self.emit(state)

    def stop_job(self, job_id: int) -> None:
        """Stop tracking job ``job_id`` here (another process took it over): its clips stay as they are."""
        for clip_id, owner in list(self._clip_jobs.items()):
            task = self._clip_tasks.get(clip_id)
            if owner == job_id and task is not None and not task.done():
                task.cancel()
        if (run := self._job_runs.get(job_id)) is not None and not run.done():
            run.cancel()

    async def aclose(self) -> None:
        """Stop tracking: clip tasks end without touching their clips (they stay resumable)."""
        tasks = [t for t in (*self._clip_tasks.values(), *self._job_runs.values()) if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._progress.aclose()
