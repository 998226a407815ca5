"""Planning a job (one model, or the same pairs on two or three for an A/B job) and storing it, pending."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.config import actor_name
from app.core.changes import Op
from app.core.domain import JobState, PairSuggestion, Transition
from app.core.generation import ab
from app.core.generation import repository as repo
from app.core.generation.catalog import get_model, snap
from app.core.generation.cost import estimate
from app.core.generation.errors import GenerationError
from app.core.generation.orchestrator import Orchestrator
from app.core.generation.plans import AbPlan, JobPlan

if TYPE_CHECKING:
    from app.core.generation.service import GenerationService


class JobLauncher:
    """Makes the plans ``GenerationService`` shows before anything is paid for, and stores the jobs launched."""

    def __init__(self, service: GenerationService, orchestrator: Orchestrator) -> None:
        self.service = service
        self._orchestrator = orchestrator

    async def plan(self, campaign_id: int, model_id: str, duration_s: float | None, aspect: str,
                   resolution: str | None, pairs: Sequence[PairSuggestion] | None) -> JobPlan:
        """The job these choices make (``GenerationService.plan``)."""
        service = self.service
        model = await asyncio.to_thread(get_model, model_id, service.settings.current, service.snapshots)
        snapped = snap(model, duration_s, resolution, aspect)
        if pairs is None:
            pairs = await service.saved_pairs(campaign_id)
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
        money = await service.money(campaign_id)
        cost = estimate(model, snapped.duration_s, len(chosen))
        return JobPlan(campaign_id=campaign_id, model=model, duration_s=snapped.duration_s,
                       resolution=snapped.resolution, aspect=snapped.aspect, pairs=chosen, estimate_usd=cost,
                       money=money, over_budget=not money.allows(cost), adjustments=tuple(adjustments))

    async def plan_ab(self, campaign_id: int, model_ids: Sequence[str], duration_s: float | None, aspect: str,
                      resolution: str | None, pairs: Sequence[PairSuggestion] | None) -> AbPlan:
        """One plan per model for the same pairs (``GenerationService.plan_ab``)."""
        ab.check_models(model_ids)
        if pairs is None:
            pairs = await self.service.saved_pairs(campaign_id)
        plans = [await self.plan(campaign_id, model_id, duration_s, aspect, resolution, pairs)
                 for model_id in model_ids]
        return AbPlan(tuple(plans))

    async def create_job(self, plan: JobPlan, allow_over_budget: bool, transition: str, music_path: str | None,
                         qc: bool) -> Op[JobState]:
        """Store the plan's job and its clips (``GenerationService.create_job``)."""
        chosen_transition = _transition(transition)
        await self.service.provider_for(plan.model)
        new = repo.NewJob(campaign_id=plan.campaign_id, model_id=plan.model.id, duration_s=plan.duration_s,
                          resolution=plan.resolution, aspect=plan.aspect, estimate_usd=plan.estimate_usd,
                          pairs=plan.pairs, adjustments=plan.adjustments, transition=chosen_transition.value,
                          music_path=str(music_path) if music_path else None,
                          launched_by=actor_name(self.service.settings.current), qc=qc)
        return await self._store(new, allow_over_budget)

    async def create_ab_job(self, plan: AbPlan, allow_over_budget: bool, transition: str, music_path: str | None,
                            qc: bool) -> Op[JobState]:
        """Store the A/B plan's job, one clip per pair and model (``GenerationService.create_ab_job``)."""
        chosen_transition = _transition(transition)
        for each in plan.plans:
            await self.service.provider_for(each.model)
        first = plan.plans[0]
        new = repo.NewJob(campaign_id=plan.campaign_id, model_id=first.model.id, duration_s=first.duration_s,
                          resolution=first.resolution, aspect=first.aspect, estimate_usd=plan.estimate_usd,
                          pairs=plan.pairs, adjustments=tuple(a for p in plan.plans for a in p.adjustments),
                          transition=chosen_transition.value, music_path=str(music_path) if music_path else None,
                          launched_by=actor_name(self.service.settings.current), variants=plan.variants(), qc=qc)
        return await self._store(new, allow_over_budget)

    async def _store(self, new: repo.NewJob, allow_over_budget: bool) -> Op[JobState]:
        """Insert the job (the budget checked again in that transaction), make its folders and announce it."""
        op = await self.service.db.op(lambda s: repo.insert_job(s, new, allow_over_budget))
        for folder in ("inputs", "clips"):
            (self.service.paths.job_dir(op.value.id) / folder).mkdir(parents=True, exist_ok=True)
        self._orchestrator.emit(op.value)
        return op


def _transition(name: str) -> Transition:
    """The transition named ``name``; ``GenerationError`` for an unknown one."""
    try:
        return Transition(name)
    except ValueError:
        raise GenerationError(f"unknown transition {name!r}; use cut, crossfade or fade") from None
