"""Making clips again: a failed, canceled or interrupted clip, or the clips whose videos failed QC."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app.core.domain import ClipState, ClipStatus
from app.core.generation import repository as repo
from app.core.generation.catalog import get_model, snap
from app.core.generation.cost import estimate
from app.core.generation.errors import GenerationError
from app.core.generation.orchestrator import Orchestrator
from app.core.generation.plans import QcRetryPlan
from app.core.generation.quality import failed_qc
from app.core.qc.retry_prompt import retry_prompt

if TYPE_CHECKING:
    from app.core.generation.service import GenerationService


class ClipRetries:
    """New attempts of a job's clips, under the job's lease, each run to its end."""

    def __init__(self, service: GenerationService, orchestrator: Orchestrator) -> None:
        self.service = service
        self._orchestrator = orchestrator

    async def retry_clip(self, clip_id: int, model_id: str | None, prompt: str | None, failed_qc: bool) -> ClipState:
        """A new attempt of the clip, or the interrupted one re-attached (``GenerationService.retry_clip``)."""
        service, orchestrator = self.service, self._orchestrator
        if orchestrator.is_running(clip_id):
            raise GenerationError("this clip is still running; cancel it first")
        run = await orchestrator.load_run(clip_id)
        async with service.lease(run.state.job_id):
            run = await orchestrator.load_run(clip_id)
            if failed_qc:
                model = get_model(model_id or run.state.model_id, service.settings.current)
                provider = await service.provider_for(model)
                await provider.check_model(model)
                await orchestrator.commit(repo.reset_for_retry, clip_id, model.id, prompt, failed_qc_only=True)
                return await asyncio.shield(orchestrator.start_clip(clip_id))
            if run.state.status not in repo.RETRYABLE:
                raise GenerationError(f"clip {run.state.position} is {run.state.status.value}: only a failed, "
                                      "canceled or interrupted clip can be retried")
            model = get_model(model_id or run.state.model_id, service.settings.current)
            provider = await service.provider_for(model)
            await provider.check_model(model)
            if run.state.status is ClipStatus.INTERRUPTED and model.id == run.state.model_id \
                    and prompt in (None, run.state.prompt):  # the same clip: re-attached, never created twice
                task = orchestrator.start_clip(clip_id)
                await orchestrator.refresh_job(run.state.job_id)
                return await asyncio.shield(task)
            if run.state.status is ClipStatus.INTERRUPTED and run.state.prediction_id:
                old = get_model(run.state.model_id, service.settings.current)
                if not old.is_local:
                    await orchestrator.cancel_remote(old.id, run.state.prediction_id)
            await orchestrator.commit(repo.reset_for_retry, clip_id, model.id, prompt)
            return await asyncio.shield(orchestrator.start_clip(clip_id))

    async def plan_qc_retry(self, job_id: int, model_id: str | None) -> QcRetryPlan:
        """The cost and prompts of making the job's clips that failed QC again (``GenerationService.plan_qc_retry``)."""
        service = self.service
        job = await service.get_job(job_id)
        failed = tuple(failed_qc(job.clips))
        if not failed:
            raise GenerationError(f"job {job_id} has no clip that failed QC")
        model = await asyncio.to_thread(get_model, model_id, service.settings.current, service.snapshots) \
            if model_id else None
        total = 0.0
        for clip in failed:
            chosen = model or get_model(clip.model_id, service.settings.current)
            total += estimate(chosen, snap(chosen, job.duration_s, job.resolution or None, job.aspect).duration_s, 1)
        prompts = tuple(retry_prompt(c.prompt, c.qc) for c in failed if c.qc is not None)
        return QcRetryPlan(job_id, model, failed, prompts, round(total, 4), await service.money(job.campaign_id))

    async def retry_failed_qc(self, plan: QcRetryPlan) -> list[ClipState | BaseException]:
        """Make the plan's clips again, all at once (``GenerationService.retry_failed_qc``)."""
        model_id = plan.model.id if plan.model else None
        retry = self.service.retry_clip
        outcomes = list(await asyncio.gather(*(retry(c.id, model_id=model_id, prompt=p, failed_qc=True)
                                               for c, p in zip(plan.clips, plan.prompts, strict=True)),
                                             return_exceptions=True))
        await self.service.quality.after_job(plan.job_id)  # a chain's seams with the new clips
        return outcomes
