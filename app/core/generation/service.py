"""Jobs and clips, from launch to the combined ad: estimate, launch every clip at once, track, cancel, retry,
resume, combine, export.

This service is the one writer of jobs and clips. Work on a job runs only in the process that holds the job's
lease (``lease``); any other process watches the job through the database, cancels through a request the holder
honours, and takes the lease over when its holder has gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import LibraryPaths, SettingsStore, actor_name
from app.core.atomic import remove_abandoned_partials
from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.domain import ClipState, ClipStatus, JobState, JobStatus, JobWorker, PairSuggestion
from app.core.generation import ab, lease
from app.core.generation import repository as repo
from app.core.generation.ads import AdMaker
from app.core.generation.catalog import ModelSpec, catalog
from app.core.generation.errors import GenerationError
from app.core.generation.launching import JobLauncher
from app.core.generation.lease_holds import JobLeases, WorkedElsewhere
from app.core.generation.orchestrator import Orchestrator
from app.core.generation.plans import AbPlan, JobPlan, QcRetryPlan
from app.core.generation.presets import PresetEstimate, Suggestion, all_presets, estimate_presets, suggest_preset
from app.core.generation.provider_pool import ProviderPool
from app.core.generation.providers.base import Provider
from app.core.generation.quality import QualityControl
from app.core.generation.retries import ClipRetries
from app.core.generation.schema_snapshots import SnapshotStore
from app.core.library.service import LibraryService
from app.core.media.combine import CombineOptions, CombineResult
from app.core.media.deliver_options import DeliverOptions
from app.core.media.deliverables import DeliverableResult
from app.core.money.budget import CampaignMoney
from app.core.qc.check import JobQc
from app.core.qc.verdict import ClipQc
from app.core.secrets import KeyName, SecretStore

__all__ = ["AbPlan", "GenerationError", "GenerationService", "JobPlan", "QcRetryPlan", "WorkedElsewhere"]
log = logging.getLogger(__name__)


class GenerationService:
    """Every public coroutine runs on the event loop; database work goes through ``Database.run``."""

    def __init__(self, db: Database, library: LibraryService, paths: LibraryPaths, settings: SettingsStore,
                 secrets: SecretStore) -> None:
        self.db = db
        self.library = library
        self.paths = paths
        self.settings = settings
        self.secrets = secrets
        self._providers = ProviderPool(settings, secrets)
        self._orchestrator = Orchestrator(self)
        self.quality = QualityControl(self, self._orchestrator)
        self.me = db.origin
        self.snapshots = SnapshotStore.for_library(paths.root)  # the models' input schemas this library trusts
        self._leases = JobLeases(db, self.me, settings, self._orchestrator)
        self._launcher = JobLauncher(self, self._orchestrator)
        self._retries = ClipRetries(self, self._orchestrator)
        self._ads = AdMaker(db, library, paths, settings, self.lease)

    # ---- catalog and providers ---------------------------------------------------------------------------
    def models(self) -> list[ModelSpec]:
        """The model catalog with the user's prices."""
        return catalog(self.settings.current, self.snapshots)

    async def has_replicate_key(self) -> bool:
        return bool(await asyncio.to_thread(self.secrets.get, KeyName.REPLICATE))

    async def default_model(self) -> ModelSpec:
        """The first Replicate model when a Replicate key is set, else the local model."""
        models = self.models()
        if await self.has_replicate_key():
            return next(m for m in models if m.provider == "replicate")
        return next(m for m in models if m.is_local)

    async def provider_for(self, model: ModelSpec) -> Provider:
        """The provider that runs ``model``; raises ``GenerationError`` when Replicate has no key."""
        return await self._providers.provider_for(model)

    # ---- planning ----------------------------------------------------------------------------------------
    async def saved_pairs(self, campaign_id: int) -> list[PairSuggestion]:
        """The campaign's stored pair suggestions, in order."""
        return await self.db.read(lambda s: repo.saved_pairs(s, campaign_id))

    async def money(self, campaign_id: int) -> CampaignMoney:
        """The campaign's budget (None: none set), spent, committed by work in flight, and left."""
        return await self.db.read(lambda s: repo.campaign_money(s, campaign_id))

    async def plan(self, campaign_id: int, model_id: str, duration_s: float | None = None, aspect: str = "16:9",
                   resolution: str | None = None, pairs: Sequence[PairSuggestion] | None = None) -> JobPlan:
        """The job these choices make: values snapped to the model, the estimate and the budget left."""
        return await self._launcher.plan(campaign_id, model_id, duration_s, aspect, resolution, pairs)

    async def create_job(self, plan: JobPlan, *, allow_over_budget: bool = False, transition: str = "cut",
                         music_path: str | None = None, qc: bool = True) -> Op[JobState]:
        """Store the job and its clips (pending); refused over budget unless ``allow_over_budget``. ``qc``: check
        each clip as soon as its video is stored (when the settings also say so)."""
        return await self._launcher.create_job(plan, allow_over_budget, transition, music_path, qc)

    async def plan_ab(self, campaign_id: int, model_ids: Sequence[str], duration_s: float | None = None,
                      aspect: str = "16:9", resolution: str | None = None,
                      pairs: Sequence[PairSuggestion] | None = None) -> AbPlan:
        """The same pairs on two or three models: each model's plan exactly as ``plan`` makes it, the budget checked
        against their total."""
        return await self._launcher.plan_ab(campaign_id, model_ids, duration_s, aspect, resolution, pairs)

    async def create_ab_job(self, plan: AbPlan, *, allow_over_budget: bool = False, transition: str = "cut",
                            music_path: str | None = None, qc: bool = True) -> Op[JobState]:
        """Store an A/B job: one pending clip per pair and model; refused when the total is over budget unless
        ``allow_over_budget``. ``qc``: check each clip as its video arrives."""
        return await self._launcher.create_ab_job(plan, allow_over_budget, transition, music_path, qc)

    async def ab_state(self, job_id: int) -> ab.AbState:
        """An A/B job's variants, pairs and winners; ``GenerationError`` for an ordinary job."""
        return await self.db.read(lambda s: ab.ab_state(s, job_id, repo.clip_state))

    async def is_ab(self, job_id: int) -> bool:
        return await self.db.read(lambda s: ab.is_ab(s, job_id))

    async def pick_winner(self, job_id: int, pair: int, variant: str) -> Op[ab.AbState]:
        """Pick ``variant`` (A, B or C) as the winner of pair ``pair``; the ad made next uses it."""
        who = actor_name(self.settings.current)

        def work(s: Session) -> ab.AbState:
            ab.pick_winner(s, job_id, pair, variant, who)
            return ab.ab_state(s, job_id, repo.clip_state)
        return await self.db.op(work)

    async def win_stats(self, client_id: int) -> list[ab.ModelWins]:
        """Which model won the client's A/B pairs how often (most wins first)."""
        return await self.db.read(lambda s: ab.win_stats(s, client_id))

    async def preset_estimates(self, pair_count: int, aspect: str = "16:9") -> list[PresetEstimate]:
        """Every quality preset's cost for ``pair_count`` pairs: the estimate ``plan`` gives with its values."""
        settings = self.settings.current
        return await asyncio.to_thread(estimate_presets, settings, pair_count, aspect, self.snapshots)

    async def preset_suggestion(self, client_id: int) -> Suggestion | None:
        """The preset the client's A/B winners point to (None before any pick)."""
        settings = self.settings.current
        return suggest_preset(all_presets(settings), await self.win_stats(client_id), settings)

    # ---- the job's lease ---------------------------------------------------------------------------------
    def lease(self, job_id: int) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold job ``job_id``'s lease for the block (nested holds in this process share it; the last gives it
        back). Raises ``WorkedElsewhere`` when another live process holds it."""
        return self._leases.hold(job_id)

    # ---- running -----------------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[ClipState | JobState], None]) -> Callable[[], None]:
        """Call ``listener`` on the loop thread for every clip or job change; returns the unsubscribe function."""
        return self._orchestrator.subscribe(listener)

    async def run_job(self, job_id: int, *, on_watch: Callable[[JobWorker], None] | None = None) -> JobState:
        """Drive every unfinished clip of the job at once to a terminal state; returns the final job.

        Safe to call again: clips with a prediction id are polled, never re-created; a call while the job runs
        here joins the running one. When another process works the job, this one watches it (``on_watch`` is told
        who) until it ends, and takes the work over if that process goes away.
        """
        while True:
            try:
                async with self.lease(job_id):
                    try:
                        await self._orchestrator.run_job(job_id)
                    except asyncio.CancelledError:
                        current = asyncio.current_task()
                        if self._leases.is_lost(job_id) and not (current and current.cancelling()):
                            self._leases.raise_if_lost(job_id)
                        raise
                return await self.get_job(job_id)  # as stored with the lease given back: its working time closed
            except WorkedElsewhere as busy:
                if on_watch is not None:
                    on_watch(busy.worker)
                final = await self._watch(job_id)
                if final is not None:
                    return final

    async def _watch(self, job_id: int) -> JobState | None:
        """Follow a job another process works; its final state, or None once its lease is free to take over."""
        seen: dict[int, ClipState] = {}
        while True:
            state = await self.get_job(job_id)
            for clip in state.clips:
                if seen.get(clip.id) != clip:
                    seen[clip.id] = clip
                    self._orchestrator.emit(clip)
            self._orchestrator.emit(state)
            if state.worker is None:
                finished = all(c.status.is_terminal for c in state.clips)
                return state if finished and state.status is not JobStatus.COMBINING else None
            await asyncio.sleep(self.settings.current.watch_interval_s)

    async def cancel_clip(self, clip_id: int) -> None:
        """Cancel one clip (and its prediction on Replicate); a clip another process works is asked to stop."""
        if not self._orchestrator.is_running(clip_id):
            state = await self.db.read(lambda s: repo.clip_state(repo.get_clip_row(s, clip_id)))
            if state.status.is_terminal:
                return
            if await self.db.read(lambda s: lease.holder(s, state.job_id, self.me)) is not None:
                for requested in await self.db.run(lambda s: repo.request_cancel(s, [clip_id])):
                    self._orchestrator.emit(requested)
                return
        await self._orchestrator.cancel_clip(clip_id)

    async def cancel_job(self, job_id: int) -> None:
        """Cancel every unfinished clip of the job."""
        clips = await self.db.read(lambda s: repo.unfinished_clips(s, job_id))
        await asyncio.gather(*(self.cancel_clip(clip_id) for clip_id, _ in clips))
        if await self.db.read(lambda s: lease.holder(s, job_id, self.me)) is None:
            await self._orchestrator.refresh_job(job_id)

    async def retry_clip(self, clip_id: int, *, model_id: str | None = None, prompt: str | None = None,
                         failed_qc: bool = False) -> ClipState:
        """A new attempt for a failed, canceled or interrupted clip (optionally another model or prompt), run to
        its end. An interrupted clip retried as it is (same model and prompt) is re-attached instead: its prediction
        is polled or found again, never created twice. ``failed_qc``: the clip is one whose video failed QC (and
        only such a clip is made again)."""
        return await self._retries.retry_clip(clip_id, model_id, prompt, failed_qc)

    # ---- quality control ---------------------------------------------------------------------------------
    async def check_qc(self, job_id: int, *, brand: bool | None = None,
                       on_clip: Callable[[ClipState], None] | None = None) -> JobQc:
        """Check (or check again) the job's clips that have a video, under the job's lease, storing each result on
        its attempt. ``brand``: True/False asks for/leaves out the brand check; None follows the campaign."""
        await self.get_job(job_id)
        async with self.lease(job_id):
            return await self.quality.check_job(job_id, brand=brand, on_clip=on_clip)

    async def plan_qc_retry(self, job_id: int, model_id: str | None = None) -> QcRetryPlan:
        """What making the job's clips that failed QC again would cost, with the prompts each would be sent.

        Raises ``GenerationError`` when no clip failed QC."""
        return await self._retries.plan_qc_retry(job_id, model_id)

    async def retry_failed_qc(self, plan: QcRetryPlan) -> list[ClipState | BaseException]:
        """Make the plan's clips again, each with its prompt and the plan's model (or its own), all at once, each
        run to its end (and checked again). A clip no longer failing QC (retried meanwhile) is refused: nothing is
        paid twice. Returns each clip's outcome, or the error that refused it, in the plan's order."""
        return await self._retries.retry_failed_qc(plan)

    async def attempt_qcs(self, clip_id: int) -> list[tuple[int, ClipQc | None]]:
        """(attempt number, its QC) of every attempt of the clip, oldest first."""
        return await self.db.read(lambda s: repo.attempt_qcs(s, clip_id))

    # ---- the ad ------------------------------------------------------------------------------------------
    async def combine(self, job_id: int, options: CombineOptions, output: Path | None = None,
                      on_progress: Callable[[float], None] | None = None,
                      cancel: asyncio.Event | None = None, *, skip_failed: bool = False) -> CombineResult:
        """Join the job's succeeded clips into its ad at ``output`` (default ``jobs/<id>/ad.mp4``), under the job's
        lease, and record it on the job.

        A clip without a video (failed, canceled, interrupted, not finished) refuses the combine with
        ``MissingClips`` naming each, unless ``skip_failed``: then the ad is made of the others and its metadata
        (and exported manifest) lists the clips left out. Raises ``CombineError`` (naming the clip when one is
        missing or damaged), ``GenerationError`` (unknown job, worked elsewhere) or ``asyncio.CancelledError``.
        """
        return await self._ads.combine(job_id, options, output, on_progress, cancel, skip_failed)

    async def deliver(self, job_id: int, options: DeliverOptions, output: Path | None = None,
                      on_progress: Callable[[float], None] | None = None,
                      cancel: asyncio.Event | None = None) -> list[DeliverableResult]:
        """Render the job's deliverables (``options``: formats, joins, supers, end card, logo bug, music, loudness)
        in its campaign's brand kit into ``output`` (a file for one format, else a folder; default in the job's
        folder, or the preview cache for a draft).

        A final render runs under the job's lease and records the ad on the job (like ``combine``); a draft is a
        preview, cached by what shapes it, and leaves the job alone. Clips without a video refuse with
        ``MissingClips`` unless ``options.skip_failed``. Raises ``DeliverError``/``CombineError`` (plain message),
        ``GenerationError`` (unknown job, worked elsewhere) or ``asyncio.CancelledError``."""
        return await self._ads.deliver(job_id, options, output, on_progress, cancel)

    async def prepare_drafts(self, job_id: int) -> int:
        """Make, at idle priority, the draft proxies the job's large clips lack: small copies quick to decode that
        draft previews read instead (``media.proxies``). Returns how many were made; a clip that cannot be read
        is skipped (its draft says why)."""
        return await self._ads.prepare_drafts(job_id)

    async def clip_landed(self, state: ClipState) -> None:
        """Make the draft proxy of a clip whose video just landed (and was checked), as a video editor makes proxy
        media on ingest: the job's first draft then reads it. Never raises but for a cancel."""
        if state.status is ClipStatus.SUCCEEDED and state.file_path:
            await self._ads.clip_landed(self.paths.file(state.file_path))

    async def set_clip_focus(self, clip_id: int, focus: tuple[float, float] | None) -> Changes:
        """Keep ``focus`` (fractions of the frame) in view when the clip is cropped to another aspect; ``None``:
        the centre. Raises ``GenerationError`` for an unknown clip or a point outside the frame."""
        op = await self.db.op(lambda s: repo.set_clip_focus(s, clip_id, focus))
        return op.changes

    async def export(self, job_id: int, target: Path) -> Path:
        """Copy the job's ad to ``target`` (atomically) with its manifest beside it; returns the manifest's path.

        Raises ``CombineError`` when the job has no ad yet."""
        return await self._ads.export(job_id, target)

    # ---- jobs --------------------------------------------------------------------------------------------
    async def get_job(self, job_id: int) -> JobState:
        return await self.db.read(lambda s: repo.job_state(repo.get_job_row(s, job_id), self.me))

    async def list_jobs(self, campaign_id: int | None = None) -> list[JobState]:
        """Jobs, newest first (of one campaign, or all)."""
        return await self.db.read(lambda s: repo.list_jobs(s, campaign_id, self.me))

    async def delete_job(self, job_id: int) -> None:
        """Cancel what still runs, then remove the job, its clips and its ``jobs/<id>/`` folder."""
        await self.get_job(job_id)
        try:
            async with self.lease(job_id):
                await self.cancel_job(job_id)
                await self._orchestrator.wait_job(job_id)
                await self.db.run(lambda s: repo.delete_job(s, job_id))
        except WorkedElsewhere as busy:
            raise GenerationError(f"{busy}: cancel it there, or wait until it ends, before deleting it") from None
        await asyncio.to_thread(shutil.rmtree, self.paths.job_dir(job_id), True)

    async def mark_interrupted(self) -> list[JobState]:
        """At start-up: work an ended process left (in-flight clips, a combine and its partial file) is marked
        interrupted or undone; jobs another live process works are left alone. Returns the jobs changed."""
        active = self._orchestrator.active_clip_ids()
        jobs = await self.db.run(lambda s: repo.mark_interrupted(s, active, self.me))
        for job in jobs:
            self._orchestrator.emit(job)
        if jobs:
            targets = await self.db.run(lambda s: repo.forget_abandoned_combines(s, [j.id for j in jobs]))
            for target in targets:  # beside a folder of the user's choosing: the library sweep does not reach it
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(remove_abandoned_partials, Path(target))
        return jobs

    async def aclose(self) -> None:
        """Stop tracking (clips stay resumable), give back held leases and close HTTP clients."""
        await self._ads.aclose()
        await self._orchestrator.aclose()
        await self._leases.aclose()
        await self._providers.aclose()
