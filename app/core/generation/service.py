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
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import LibraryPaths, SettingsStore, actor_name
from app.core.atomic import remove_abandoned_partials
from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.domain import ClipState, ClipStatus, JobState, JobStatus, JobWorker, PairSuggestion, Transition
from app.core.generation import ab, lease
from app.core.generation import repository as repo
from app.core.generation.catalog import ModelSpec, catalog, get_model, snap
from app.core.generation.combining import Combiner, MissingClips
from app.core.generation.cost import estimate
from app.core.generation.errors import GenerationError
from app.core.generation.orchestrator import Orchestrator
from app.core.generation.presets import PresetEstimate, Suggestion, all_presets, estimate_presets, suggest_preset
from app.core.generation.providers.base import Provider
from app.core.generation.providers.local_provider import LocalProvider
from app.core.generation.providers.replicate_api import ReplicateAPI
from app.core.generation.providers.replicate_provider import ReplicateProvider
from app.core.generation.quality import QualityControl, failed_qc
from app.core.generation.schema_snapshots import SnapshotStore
from app.core.library.service import LibraryService
from app.core.media.combine import CombineOptions, CombineResult
from app.core.media.deliver_options import DeliverOptions
from app.core.media.deliverables import DeliverableResult
from app.core.media.export import export_ad
from app.core.media.jobs import JobMedia
from app.core.money.budget import CampaignMoney
from app.core.qc.check import JobQc
from app.core.qc.retry_prompt import retry_prompt
from app.core.qc.verdict import ClipQc
from app.core.secrets import KeyName, SecretStore

__all__ = ["AbPlan", "GenerationError", "GenerationService", "JobPlan", "QcRetryPlan", "WorkedElsewhere"]
log = logging.getLogger(__name__)


class WorkedElsewhere(GenerationError):
    """Another live process holds the job's lease: this one may only watch."""

    def __init__(self, job_id: int, worker: lease.Worker) -> None:
        super().__init__(f"job {job_id} is being worked by {worker.describe()}")
        self.job_id = job_id
        self.worker = JobWorker(worker.host, worker.pid)


@dataclass(frozen=True)
class JobPlan:
    """What a job would be, shown before anything is paid for, with the campaign's money beside it."""

    campaign_id: int
    model: ModelSpec
    duration_s: float
    resolution: str
    aspect: str
    pairs: tuple[PairSuggestion, ...]
    estimate_usd: float
    money: CampaignMoney
    over_budget: bool
    adjustments: tuple[str, ...]  # what was changed to fit the model, in sentences

    @property
    def budget_usd(self) -> float | None:
        return self.money.budget_usd

    @property
    def spent_usd(self) -> float:
        """What the campaign's calls cost so far (the ledger)."""
        return self.money.spent_usd

    @property
    def committed_usd(self) -> float:
        """What the campaign's work still in flight holds of its budget."""
        return self.money.committed_usd

    @property
    def remaining_usd(self) -> float | None:
        """Budget − spent − committed (None: no budget)."""
        return self.money.left_usd

    def refusal(self) -> str:
        """Why the plan is over budget: what is left, what holds the rest and how to free it."""
        return self.money.refusal(self.estimate_usd)


@dataclass(frozen=True)
class AbPlan:
    """An A/B job before launch: one plan per model (its share of the estimate) and the budget applied to the
    total."""

    plans: tuple[JobPlan, ...]

    @property
    def campaign_id(self) -> int:
        return self.plans[0].campaign_id

    @property
    def pairs(self) -> tuple[PairSuggestion, ...]:
        return self.plans[0].pairs

    @property
    def money(self) -> CampaignMoney:
        return self.plans[0].money

    @property
    def estimate_usd(self) -> float:
        """The whole comparison: every model's clips of every pair."""
        return round(sum(p.estimate_usd for p in self.plans), 4)

    @property
    def over_budget(self) -> bool:
        return not self.money.allows(self.estimate_usd)

    def refusal(self) -> str:
        return self.money.refusal(self.estimate_usd)

    def variants(self) -> tuple[ab.VariantPlan, ...]:
        return ab.variant_plans([(p.model.id, p.duration_s, p.resolution, p.estimate_usd) for p in self.plans])


@dataclass(frozen=True)
class QcRetryPlan:
    """Making a job's clips that failed QC again: which, with what prompts, on which model, for about how much."""

    job_id: int
    model: ModelSpec | None  # None: each clip keeps its own model
    clips: tuple[ClipState, ...]
    prompts: tuple[str, ...]  # each clip's prompt with what QC found folded in
    estimate_usd: float
    money: CampaignMoney

    @property
    def over_budget(self) -> bool:
        return not self.money.allows(self.estimate_usd)


class GenerationService:
    """Every public coroutine runs on the event loop; database work goes through ``Database.run``."""

    def __init__(self, db: Database, library: LibraryService, paths: LibraryPaths, settings: SettingsStore,
                 secrets: SecretStore) -> None:
        self.db = db
        self.library = library
        self.paths = paths
        self.settings = settings
        self.secrets = secrets
        self._local = LocalProvider()
        self._replicate: dict[tuple[str, str], ReplicateProvider] = {}
        self._provider_lock = asyncio.Lock()
        self._orchestrator = Orchestrator(self)
        self.quality = QualityControl(self, self._orchestrator)
        self._combiner = Combiner(db, paths.share, paths.job_dir, lambda: self.settings.current, paths.stored)
        self.me = db.origin
        self.snapshots = SnapshotStore.for_library(paths.root)  # the models' input schemas this library trusts
        self._keepers: dict[int, lease.LeaseKeeper] = {}
        self._holds: Counter[int] = Counter()
        self._lease_locks: dict[int, asyncio.Lock] = {}
        self._lost: set[int] = set()
        self._holders: set[asyncio.Task[object]] = set()  # tasks inside ``lease``: closing waits for them
        self._background: set[asyncio.Task[None]] = set()

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
        if model.is_local:
            return self._local
        token = await asyncio.to_thread(self.secrets.get, KeyName.REPLICATE)
        if not token:
            raise GenerationError(f"{model.label} runs on Replicate and no Replicate API token is set: add one "
                                  "(`keys set replicate` or the Settings dialog) or choose the local model")
        base_url = self.settings.current.replicate_base_url
        key = (token, base_url)
        async with self._provider_lock:
            if key not in self._replicate:
                api = await asyncio.to_thread(ReplicateAPI, token, base_url)
                self._replicate[key] = ReplicateProvider(api, lambda: self.settings.current)
        return self._replicate[key]

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
        model = await asyncio.to_thread(get_model, model_id, self.settings.current, self.snapshots)
        snapped = snap(model, duration_s, resolution, aspect)
        if pairs is None:
            pairs = await self.saved_pairs(campaign_id)
            if not pairs:
                raise GenerationError("this campaign has no saved pairs: suggest pairs (or add them by hand) first")
        chosen = tuple(pairs)
        if not chosen:
            raise GenerationError("choose at least one pair to generate")
        adjustments = list(snapped.adjustments)
        unprompted = sum(1 for p in chosen if not p.prompt.strip())
        if unprompted and model.prompt_required:
            adjustments.append(f"{unprompted} pair{'s have' if unprompted != 1 else ' has'} no prompt: a neutral "
                               "camera-move prompt is used")
        money = await self.money(campaign_id)
        cost = estimate(model, snapped.duration_s, len(chosen))
        return JobPlan(campaign_id=campaign_id, model=model, duration_s=snapped.duration_s,
                       resolution=snapped.resolution, aspect=snapped.aspect, pairs=chosen, estimate_usd=cost,
                       money=money, over_budget=not money.allows(cost), adjustments=tuple(adjustments))

    async def create_job(self, plan: JobPlan, *, allow_over_budget: bool = False, transition: str = "cut",
                         music_path: str | None = None, qc: bool = True) -> Op[JobState]:
        """Store the job and its clips (pending); refused over budget unless ``allow_over_budget``. ``qc``: check
        each clip as soon as its video is stored (when the settings also say so)."""
        try:
            chosen_transition = Transition(transition)
        except ValueError:
            raise GenerationError(f"unknown transition {transition!r}; use cut, crossfade or fade") from None
        await self.provider_for(plan.model)
        new = repo.NewJob(campaign_id=plan.campaign_id, model_id=plan.model.id, duration_s=plan.duration_s,
                          resolution=plan.resolution, aspect=plan.aspect, estimate_usd=plan.estimate_usd,
                          pairs=plan.pairs, adjustments=plan.adjustments, transition=chosen_transition.value,
                          music_path=str(music_path) if music_path else None,
                          launched_by=actor_name(self.settings.current), qc=qc)
        op = await self.db.op(lambda s: repo.insert_job(s, new, allow_over_budget))
        for folder in ("inputs", "clips"):
            (self.paths.job_dir(op.value.id) / folder).mkdir(parents=True, exist_ok=True)
        self._orchestrator.emit(op.value)
        return op

    async def plan_ab(self, campaign_id: int, model_ids: Sequence[str], duration_s: float | None = None,
                      aspect: str = "16:9", resolution: str | None = None,
                      pairs: Sequence[PairSuggestion] | None = None) -> AbPlan:
        """The same pairs on two or three models: each model's plan exactly as ``plan`` makes it, the budget checked
        against their total."""
        ab.check_models(model_ids)
        if pairs is None:
            pairs = await self.saved_pairs(campaign_id)
        plans = [await self.plan(campaign_id, model_id, duration_s, aspect, resolution, pairs)
                 for model_id in model_ids]
        return AbPlan(tuple(plans))

    async def create_ab_job(self, plan: AbPlan, *, allow_over_budget: bool = False, transition: str = "cut",
                            music_path: str | None = None, qc: bool = True) -> Op[JobState]:
        """Store an A/B job: one pending clip per pair and model; refused when the total is over budget unless
        ``allow_over_budget``. ``qc``: check each clip as its video arrives."""
        try:
            chosen_transition = Transition(transition)
        except ValueError:
            raise GenerationError(f"unknown transition {transition!r}; use cut, crossfade or fade") from None
        for each in plan.plans:
            await self.provider_for(each.model)
        first = plan.plans[0]
        new = repo.NewJob(campaign_id=plan.campaign_id, model_id=first.model.id, duration_s=first.duration_s,
                          resolution=first.resolution, aspect=first.aspect, estimate_usd=plan.estimate_usd,
                          pairs=plan.pairs, adjustments=tuple(a for p in plan.plans for a in p.adjustments),
                          transition=chosen_transition.value, music_path=str(music_path) if music_path else None,
                          launched_by=actor_name(self.settings.current), variants=plan.variants(), qc=qc)
        op = await self.db.op(lambda s: repo.insert_job(s, new, allow_over_budget))
        for folder in ("inputs", "clips"):
            (self.paths.job_dir(op.value.id) / folder).mkdir(parents=True, exist_ok=True)
        self._orchestrator.emit(op.value)
        return op

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
    @contextlib.asynccontextmanager
    async def lease(self, job_id: int) -> AsyncIterator[None]:
        """Hold job ``job_id``'s lease for the block (nested holds in this process share it; the last gives it
        back). Raises ``WorkedElsewhere`` when another live process holds it."""
        lock = self._lease_locks.setdefault(job_id, asyncio.Lock())
        abandoned = None
        async with lock:
            if self._holds[job_id] == 0:
                ttl = self.settings.current.job_lease_s
                driven = self._orchestrator.active_clip_ids()
                other, abandoned = await self.db.run(lambda s: repo.take_lease(s, job_id, self.me, ttl, driven))
                if other is not None:
                    raise WorkedElsewhere(job_id, other)
                self._lost.discard(job_id)
                keeper = lease.LeaseKeeper(self.db, job_id, ttl, self._cancel_requested,
                                           lambda: self._lease_lost(job_id))
                keeper.start()
                self._keepers[job_id] = keeper
            self._holds[job_id] += 1
        holder = asyncio.current_task()
        if holder is not None:
            self._holders.add(holder)
        try:
            if abandoned:  # a combine of a process that died: FFmpeg's partial file of it goes too
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(remove_abandoned_partials, Path(abandoned))
            yield
        finally:
            try:
                async with lock:
                    self._holds[job_id] -= 1
                    if self._holds[job_id] <= 0:
                        del self._holds[job_id]
                        keeper = self._keepers.pop(job_id)
                        await asyncio.shield(self._give_back(keeper, job_id))
            finally:
                self._holders.discard(holder)  # type: ignore[arg-type]

    async def _give_back(self, keeper: lease.LeaseKeeper, job_id: int) -> None:
        await keeper.stop()
        if job_id not in self._lost:  # a lost lease is another's now: its working time is theirs to keep
            state = await self.db.run(lambda s: repo.give_back_lease(s, job_id, self.me))
            if state is not None:
                self._orchestrator.emit(state)

    def _lease_lost(self, job_id: int) -> None:
        self._lost.add(job_id)
        self._orchestrator.stop_job(job_id)

    async def _cancel_requested(self, clip_ids: list[int]) -> None:
        """Another process asked to cancel clips of a job this one works: cancel them (without holding the beat)."""
        for clip_id in clip_ids:
            task = asyncio.create_task(self._orchestrator.cancel_clip(clip_id), name=f"requested-cancel-{clip_id}")
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _raise_if_lost(self, job_id: int) -> None:
        if job_id in self._lost:
            raise GenerationError(f"job {job_id} was taken over by another Pairframe while this one was not "
                                  "responding; it goes on there")

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
                        return await self._orchestrator.run_job(job_id)
                    except asyncio.CancelledError:
                        current = asyncio.current_task()
                        if job_id in self._lost and not (current and current.cancelling()):
                            self._raise_if_lost(job_id)
                        raise
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
        if self._orchestrator.is_running(clip_id):
            raise GenerationError("this clip is still running; cancel it first")
        run = await self._orchestrator.load_run(clip_id)
        async with self.lease(run.state.job_id):
            run = await self._orchestrator.load_run(clip_id)
            if failed_qc:
                model = get_model(model_id or run.state.model_id, self.settings.current)
                provider = await self.provider_for(model)
                await provider.check_model(model)
                await self._orchestrator.commit(repo.reset_for_retry, clip_id, model.id, prompt, failed_qc_only=True)
                return await asyncio.shield(self._orchestrator.start_clip(clip_id))
            if run.state.status not in repo.RETRYABLE:
                raise GenerationError(f"clip {run.state.position} is {run.state.status.value}: only a failed, "
                                      "canceled or interrupted clip can be retried")
            model = get_model(model_id or run.state.model_id, self.settings.current)
            provider = await self.provider_for(model)
            await provider.check_model(model)
            if run.state.status is ClipStatus.INTERRUPTED and model.id == run.state.model_id \
                    and prompt in (None, run.state.prompt):  # the same clip: re-attached, never created twice
                task = self._orchestrator.start_clip(clip_id)
                await self._orchestrator.refresh_job(run.state.job_id)
                return await asyncio.shield(task)
            if run.state.status is ClipStatus.INTERRUPTED and run.state.prediction_id:
                old = get_model(run.state.model_id, self.settings.current)
                if not old.is_local:
                    await self._orchestrator.cancel_remote(old.id, run.state.prediction_id)
            await self._orchestrator.commit(repo.reset_for_retry, clip_id, model.id, prompt)
            return await asyncio.shield(self._orchestrator.start_clip(clip_id))

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
        job = await self.get_job(job_id)
        failed = tuple(failed_qc(job.clips))
        if not failed:
            raise GenerationError(f"job {job_id} has no clip that failed QC")
        model = await asyncio.to_thread(get_model, model_id, self.settings.current, self.snapshots) \
            if model_id else None
        total = 0.0
        for clip in failed:
            chosen = model or get_model(clip.model_id, self.settings.current)
            total += estimate(chosen, snap(chosen, job.duration_s, job.resolution or None, job.aspect).duration_s, 1)
        prompts = tuple(retry_prompt(c.prompt, c.qc) for c in failed if c.qc is not None)
        return QcRetryPlan(job_id, model, failed, prompts, round(total, 4), await self.money(job.campaign_id))

    async def retry_failed_qc(self, plan: QcRetryPlan) -> list[ClipState | BaseException]:
        """Make the plan's clips again, each with its prompt and the plan's model (or its own), all at once, each
        run to its end (and checked again). A clip no longer failing QC (retried meanwhile) is refused: nothing is
        paid twice. Returns each clip's outcome, or the error that refused it, in the plan's order."""
        model_id = plan.model.id if plan.model else None
        outcomes = list(await asyncio.gather(*(self.retry_clip(c.id, model_id=model_id, prompt=p, failed_qc=True)
                                               for c, p in zip(plan.clips, plan.prompts, strict=True)),
                                             return_exceptions=True))
        await self.quality.after_job(plan.job_id)  # a chain's seams with the new clips
        return outcomes

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
        root = self.paths.share

        def read(s: Session) -> tuple[JobMedia, list[repo.MissingClip]]:
            return repo.media_source(s, job_id, root), repo.missing_clips(s, job_id)
        await self.db.read(read)  # an unknown job fails before any lease is taken
        async with self.lease(job_id):
            media, missing = await self.db.read(read)
            if missing and media.clips and not skip_failed:
                raise MissingClips(job_id, missing)
            brand = await self.library.brand_kit(media.campaign_id)
            return await self._combiner.combine(media, options, brand, output, on_progress, cancel, skipped=missing)

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
        root = self.paths.share

        def read(s: Session) -> tuple[JobMedia, list[repo.MissingClip]]:
            return repo.media_source(s, job_id, root), repo.missing_clips(s, job_id)
        media, missing = await self.db.read(read)  # an unknown job fails before any lease is taken
        brand = await self.library.brand_kit(media.campaign_id)
        if options.draft:
            if missing and media.clips and not options.skip_failed:
                raise MissingClips(job_id, missing)
            target = output or self.paths.previews / f"draft-job-{job_id}{'.mp4' * (len(options.outputs) == 1)}"
            return await self._combiner.deliver(media, options, brand, target, on_progress, cancel, missing,
                                                cache_dir=self.paths.previews / "drafts")
        async with self.lease(job_id):
            media, missing = await self.db.read(read)
            if missing and media.clips and not options.skip_failed:
                raise MissingClips(job_id, missing)
            return await self._combiner.deliver(media, options, brand, output, on_progress, cancel, missing)

    async def set_clip_focus(self, clip_id: int, focus: tuple[float, float] | None) -> Changes:
        """Keep ``focus`` (fractions of the frame) in view when the clip is cropped to another aspect; ``None``:
        the centre. Raises ``GenerationError`` for an unknown clip or a point outside the frame."""
        op = await self.db.op(lambda s: repo.set_clip_focus(s, clip_id, focus))
        return op.changes

    async def export(self, job_id: int, target: Path) -> Path:
        """Copy the job's ad to ``target`` (atomically) with its manifest beside it; returns the manifest's path.

        Raises ``CombineError`` when the job has no ad yet."""
        root = self.paths.share
        media = await self.db.read(lambda s: repo.media_source(s, job_id, root))
        return await export_ad(media, target)

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
        await self._combiner.aclose()
        await self._orchestrator.aclose()
        for task in list(self._background):
            task.cancel()
        holders = [t for t in self._holders if t is not asyncio.current_task() and not t.done()]
        if holders:  # they are ending (their work was stopped): let them give their leases back
            await asyncio.wait(holders, timeout=5)
        providers = list(self._replicate.values())
        self._replicate.clear()
        for provider in providers:
            await provider.aclose()
