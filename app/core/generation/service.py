"""Jobs and clips: estimate, launch every clip at once, track, cancel, retry, resume."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.config import LibraryPaths, SettingsStore
from app.core.db import Database
from app.core.domain import ClipState, ClipStatus, JobState, PairSuggestion, Transition
from app.core.generation import repository as repo
from app.core.generation.catalog import ModelSpec, catalog, get_model, snap
from app.core.generation.cost import estimate, remaining
from app.core.generation.errors import GenerationError
from app.core.generation.orchestrator import Orchestrator
from app.core.generation.providers.base import Provider
from app.core.generation.providers.local_provider import LocalProvider
from app.core.generation.providers.replicate_api import ReplicateAPI
from app.core.generation.providers.replicate_provider import ReplicateProvider
from app.core.library.service import LibraryService
from app.core.secrets import KeyName, SecretStore

__all__ = ["GenerationError", "GenerationService", "JobPlan"]


@dataclass(frozen=True)
class JobPlan:
    """What a job would be, shown before anything is paid for."""

    campaign_id: int
    model: ModelSpec
    duration_s: float
    resolution: str
    aspect: str
    pairs: tuple[PairSuggestion, ...]
    estimate_usd: float
    budget_usd: float | None
    spent_usd: float
    remaining_usd: float | None
    over_budget: bool
    adjustments: tuple[str, ...]  # what was changed to fit the model, in sentences


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

    # ---- catalog and providers ---------------------------------------------------------------------------
    def models(self) -> list[ModelSpec]:
        """The model catalog with the user's prices."""
        return catalog(self.settings.current)

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
        return await self.db.run(lambda s: repo.saved_pairs(s, campaign_id))

    async def budget(self, campaign_id: int) -> tuple[float | None, float]:
        """The campaign's budget (None: none set) and what its jobs cost, counting unfinished clips' estimates."""
        return await self.db.run(lambda s: repo.campaign_budget(s, campaign_id))

    async def plan(self, campaign_id: int, model_id: str, duration_s: float | None = None, aspect: str = "16:9",
                   resolution: str | None = None, pairs: Sequence[PairSuggestion] | None = None) -> JobPlan:
        """The job these choices make: values snapped to the model, the estimate and the budget left."""
        model = get_model(model_id, self.settings.current)
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
            adjustments.append(f"{unprompted} pair(s) have no prompt: a neutral camera-move prompt is used")
        budget, spent = await self.budget(campaign_id)
        cost = estimate(model, snapped.duration_s, len(chosen))
        left = remaining(budget, spent)
        return JobPlan(campaign_id=campaign_id, model=model, duration_s=snapped.duration_s,
                       resolution=snapped.resolution, aspect=snapped.aspect, pairs=chosen, estimate_usd=cost,
                       budget_usd=budget, spent_usd=spent, remaining_usd=left,
                       over_budget=left is not None and cost > left + 1e-9, adjustments=tuple(adjustments))

    async def create_job(self, plan: JobPlan, *, allow_over_budget: bool = False, transition: str = "cut",
                         music_path: str | None = None) -> JobState:
        """Store the job and its clips (pending); refused over budget unless ``allow_over_budget``."""
        try:
            chosen_transition = Transition(transition)
        except ValueError:
            raise GenerationError(f"unknown transition {transition!r}; use cut, crossfade or fade") from None
        await self.provider_for(plan.model)
        new = repo.NewJob(campaign_id=plan.campaign_id, model_id=plan.model.id, duration_s=plan.duration_s,
                          resolution=plan.resolution, aspect=plan.aspect, estimate_usd=plan.estimate_usd,
                          pairs=plan.pairs, adjustments=plan.adjustments, transition=chosen_transition.value,
                          music_path=str(music_path) if music_path else None)
        state = await self.db.run(lambda s: repo.insert_job(s, new, allow_over_budget))
        for folder in ("inputs", "clips"):
            (self.paths.job_dir(state.id) / folder).mkdir(parents=True, exist_ok=True)
        self._orchestrator.emit(state)
        return state

    # ---- running -----------------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[ClipState | JobState], None]) -> Callable[[], None]:
        """Call ``listener`` on the loop thread for every clip or job change; returns the unsubscribe function."""
        return self._orchestrator.subscribe(listener)

    async def run_job(self, job_id: int) -> JobState:
        """Drive every unfinished clip of the job at once to a terminal state; returns the final job.

        Safe to call again: clips with a prediction id are polled, never re-created; a call while the job runs
        joins the running one.
        """
        return await self._orchestrator.run_job(job_id)

    async def cancel_clip(self, clip_id: int) -> None:
        """Cancel one clip (and its prediction on Replicate)."""
        await self._orchestrator.cancel_clip(clip_id)

    async def cancel_job(self, job_id: int) -> None:
        """Cancel every unfinished clip of the job."""
        clips = await self.db.run(lambda s: repo.unfinished_clips(s, job_id))
        await asyncio.gather(*(self._orchestrator.cancel_clip(clip_id) for clip_id, _ in clips))
        await self._orchestrator.refresh_job(job_id)

    async def retry_clip(self, clip_id: int, *, model_id: str | None = None, prompt: str | None = None) -> ClipState:
        """A new attempt for a failed, canceled or interrupted clip (optionally another model or prompt), run to
        its end."""
        if self._orchestrator.is_running(clip_id):
            raise GenerationError("this clip is still running; cancel it first")
        run = await self._orchestrator.load_run(clip_id)
        if run.state.status not in repo.RETRYABLE:
            raise GenerationError(f"clip {run.state.position} is {run.state.status.value}: only a failed, canceled "
                                  "or interrupted clip can be retried")
        model = get_model(model_id or run.state.model_id, self.settings.current)
        provider = await self.provider_for(model)
        await provider.check_model(model)
        if run.state.status is ClipStatus.INTERRUPTED and run.state.prediction_id:
            old = get_model(run.state.model_id, self.settings.current)
            if not old.is_local:
                await self._orchestrator.cancel_remote(old.id, run.state.prediction_id)
        await self._orchestrator.commit(repo.reset_for_retry, clip_id, model.id, prompt)
        return await asyncio.shield(self._orchestrator.start_clip(clip_id))

    # ---- jobs --------------------------------------------------------------------------------------------
    async def get_job(self, job_id: int) -> JobState:
        return await self.db.run(lambda s: repo.job_state(repo.get_job_row(s, job_id)))

    async def list_jobs(self, campaign_id: int | None = None) -> list[JobState]:
        """Jobs, newest first (of one campaign, or all)."""
        return await self.db.run(lambda s: repo.list_jobs(s, campaign_id))

    async def delete_job(self, job_id: int) -> None:
        """Cancel what still runs, then remove the job, its clips and its ``jobs/<id>/`` folder."""
        await self.get_job(job_id)
        await self.cancel_job(job_id)
        await self._orchestrator.wait_job(job_id)
        await self.db.run(lambda s: repo.delete_job(s, job_id))
        await asyncio.to_thread(shutil.rmtree, self.paths.job_dir(job_id), True)

    async def mark_interrupted(self) -> list[JobState]:
        """At start-up: clips an earlier run left in flight become ``interrupted``; returns their jobs."""
        active = self._orchestrator.active_clip_ids()
        jobs = await self.db.run(lambda s: repo.mark_interrupted(s, active))
        for job in jobs:
            self._orchestrator.emit(job)
        return jobs

    async def aclose(self) -> None:
        """Stop tracking (clips stay resumable) and close HTTP clients."""
        await self._orchestrator.aclose()
        providers = list(self._replicate.values())
        self._replicate.clear()
        for provider in providers:
            await provider.aclose()
