"""``generate``, ``jobs``, ``job``, ``resume``, ``retry`` and ``cancel``: clip generation from the command line."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.commands.ab import report_ab_combine
from app.commands.common import CommandError, UsageError, confirm, err, print_json, print_table
from app.commands.models import price_text
from app.commands.qc import retry_failed_qc
from app.config import LibraryPaths
from app.core.domain import ClipState, ClipStatus, JobState, JobWorker, PairSuggestion, Transition
from app.core.generation.catalog import get_model
from app.core.generation.cost import usd
from app.core.generation.errors import GenerationError
from app.core.generation.presets import choose, get_preset
from app.core.generation.quality import qc_counts, qc_summary
from app.core.generation.repository import RETRYABLE
from app.core.generation.schema_snapshots import SnapshotStore
from app.core.generation.service import AbPlan, GenerationService, JobPlan
from app.core.media.combine import CombineError, CombineOptions
from app.core.services import Services


def _clip_doc(clip: ClipState, paths: LibraryPaths) -> dict[str, Any]:
    return {"id": clip.id, "position": clip.position, "status": clip.status.value, "model": clip.model_id,
            "prediction_id": clip.prediction_id, "attempts": clip.attempts, "cost_usd": clip.cost_usd,
            "file": str(paths.file(clip.file_path)) if clip.file_path else None, "duration_s": clip.duration_s,
            "error": clip.error or None, "working_s": round(clip.working_time_s(), 1),
            "qc": clip.qc.to_json() if clip.qc else None}


def _job_doc(job: JobState, paths: LibraryPaths, output: Path | None = None) -> dict[str, Any]:
    return {"id": job.id, "campaign_id": job.campaign_id, "model": job.model_id, "status": job.status.value,
            "duration_s": job.duration_s, "resolution": job.resolution, "aspect": job.aspect,
            "transition": job.transition.value, "estimate_usd": job.estimate_usd,
            "actual_cost_usd": job.actual_cost_usd, "error": job.error or None,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "working_s": round(job.working_time_s(), 1),
            "clips": [_clip_doc(c, paths) for c in job.clips], "qc": qc_counts(job.clips),
            "output": str(output) if output else str(paths.file(job.output_path)) if job.output_path else None}


def _clip_line(clip: ClipState, total: int) -> str:
    head = f"clip {clip.position}/{total}: {clip.status.value}"
    if clip.status is ClipStatus.RUNNING and clip.prediction_id:
        return f"{head} (prediction {clip.prediction_id})"
    if clip.status is ClipStatus.SUCCEEDED:
        length = f"{clip.duration_s:.1f} s, " if clip.duration_s else ""
        return f"{head} ({length}{usd(clip.cost_usd)})"
    if clip.status in (ClipStatus.FAILED, ClipStatus.INTERRUPTED) and clip.error:
        return f"{head}: {clip.error}"
    return head


def _status_printer(job_id: int, total: int) -> Callable[[ClipState | JobState], None]:
    """A listener that prints one line to standard error each time a clip of ``job_id`` changes status."""
    seen: dict[int, ClipStatus] = {}

    def listener(event: ClipState | JobState) -> None:
        if isinstance(event, ClipState) and event.job_id == job_id and event.status is not ClipStatus.PENDING \
                and seen.get(event.id) is not event.status:
            seen[event.id] = event.status
            err(_clip_line(event, total))
    return listener


def _failure_message(job: JobState) -> str | None:
    bad = [c for c in job.clips if c.status is not ClipStatus.SUCCEEDED]
    if not bad:
        return None
    details = "; ".join(f"clip {c.position} {c.status.value}" + (f": {c.error}" if c.error else "") for c in bad)
    return f"job {job.id}: {len(bad)} of {len(job.clips)} clips did not succeed ({details}). " \
           f"Retry them in the app, or run `resume {job.id}` for interrupted ones."


def _print_plan(plan: JobPlan, preset_name: str | None, transition: str) -> None:
    model = plan.model
    if preset_name:
        err(f"Preset: {preset_name}")
    err(f"Model: {model.label} ({model.id}), {price_text(model)}")
    err(f"Clips: {len(plan.pairs)} × {plan.duration_s:g} s at {plan.resolution}, {plan.aspect}")
    for note in plan.adjustments:
        err(f"  adjusted: {note}")
    err(f"Estimate: {usd(plan.estimate_usd)}")
    if plan.budget_usd is None:
        err(f"Budget: none set for this campaign (spent {usd(plan.spent_usd)}, committed by work in flight "
            f"{usd(plan.committed_usd)})")
    else:
        err(f"Budget: {usd(plan.budget_usd)}, spent {usd(plan.spent_usd)}, committed by work in flight "
            f"{usd(plan.committed_usd)}, left {usd(plan.remaining_usd or 0.0)}")
    err(f"Transition: {transition}")


def _print_ab_plan(plan: AbPlan, preset_name: str | None, transition: str) -> None:
    if preset_name:
        err(f"Preset: {preset_name}")
    err(f"A/B comparison of {len(plan.plans)} models on {len(plan.pairs)} pairs:")
    for letter, each in zip("ABC", plan.plans, strict=False):
        model = each.model
        err(f"  {letter}: {model.label} ({model.id}), {len(each.pairs)} × {each.duration_s:g} s at "
            f"{each.resolution}: {usd(each.estimate_usd)}")
        for note in each.adjustments:
            err(f"     adjusted: {note}")
    err(f"Estimate: {usd(plan.estimate_usd)} in all")
    money = plan.money
    if money.budget_usd is None:
        err(f"Budget: none set for this campaign (spent {usd(money.spent_usd)}, committed by work in flight "
            f"{usd(money.committed_usd)})")
    else:
        err(f"Budget: {usd(money.budget_usd)}, spent {usd(money.spent_usd)}, committed by work in flight "
            f"{usd(money.committed_usd)}, left {usd(money.left_usd or 0.0)}")
    err(f"Transition: {transition}")


def _ab_models(text: str) -> list[str]:
    models = [m.strip() for m in text.split(",") if m.strip()]
    if not 2 <= len(models) <= 3:
        raise UsageError(f"--ab takes two or three model ids separated by commas, not {text!r}")
    return models


async def _pairs(services: Services, campaign_id: int) -> list[PairSuggestion]:
    pairs = await services.generation.saved_pairs(campaign_id)
    if pairs:
        return pairs
    suggest = getattr(services.pairing, "suggest", None)
    if suggest is None:
        raise CommandError("this campaign has no saved pairs and automatic pairing is not available: run `pair` "
                           "first")
    err("No saved pairs: suggesting pairs first…")
    try:
        result = await suggest(campaign_id, pairer=None)
    except Exception as exc:
        raise CommandError(f"suggesting pairs failed: {exc}") from None
    pairs = list(result.suggestions)
    if not pairs:
        raise CommandError("no pairs could be suggested for this campaign: import more images")
    return pairs


async def _combine(services: Services, job: JobState, args: argparse.Namespace) -> Path:
    clips_dir = services.paths.job_dir(job.id) / "clips"
    options = CombineOptions(transition=Transition(args.transition), aspect=args.aspect,
                             music_path=Path(args.music) if args.music else None)
    try:
        result = await services.generation.combine(job.id, options, output=Path(args.output) if args.output else None)
    except (CombineError, GenerationError) as exc:
        raise CommandError(f"the clips are ready in {clips_dir}, but combining failed: {exc}") from None
    return Path(result.output_path)


async def cmd_generate(args: argparse.Namespace, services: Services) -> int:
    """Plan, confirm, make every clip at once, combine, print the output path (or one JSON document).

    ``--preset`` chooses the model, resolution, clip length and transition; each explicit option overrides its field.
    """
    gen = services.generation
    if args.music and not Path(args.music).is_file():
        raise UsageError(f"the music file {args.music} does not exist")
    ab_models = _ab_models(args.ab) if args.ab else None
    if ab_models and args.model:
        raise UsageError("--ab names the models to compare: leave out --model")
    try:
        campaign = await services.library.get_campaign(args.campaign)
        settings = services.settings.current
        preset = get_preset(args.preset, settings) if args.preset else None
        choice = choose(preset, model_id=args.model, duration_s=args.duration, resolution=args.resolution,
                        transition=args.transition)
        args.transition = choice.transition  # the combine step below uses it too
        pairs = await _pairs(services, campaign.id)
        plan: JobPlan | AbPlan
        if ab_models:
            plan = await gen.plan_ab(campaign.id, ab_models, choice.duration_s, args.aspect, choice.resolution, pairs)
            _print_ab_plan(plan, preset.name if preset else None, choice.transition)
            clip_count = len(plan.pairs) * len(plan.plans)
        else:
            model_id = choice.model_id or (await gen.default_model()).id
            snapshots = SnapshotStore.for_library(services.paths.root)
            model = await asyncio.to_thread(get_model, model_id, settings, snapshots)  # reads the stored schema
            plan = await gen.plan(campaign.id, model.id, choice.duration_s, args.aspect, choice.resolution, pairs)
            _print_plan(plan, preset.name if preset else None, choice.transition)
            clip_count = len(plan.pairs)
        if plan.over_budget:
            raise CommandError(plan.refusal())
        if not args.yes and not confirm(f"Make {clip_count} clips for about {usd(plan.estimate_usd)}?"):
            raise CommandError("not confirmed (without a terminal, add --yes to run unattended)")
        if isinstance(plan, AbPlan):
            job = (await gen.create_ab_job(plan, transition=args.transition, music_path=args.music,
                                           qc=not args.no_qc)).value
        else:
            job = (await gen.create_job(plan, transition=args.transition, music_path=args.music,
                                        qc=not args.no_qc)).value
        err(f"Job {job.id}: making {len(job.clips)} clips at once…")
        output = None
        async with gen.lease(job.id):  # the clips and the combine, without another process between them
            final = await _run_printing_status(gen, job)
            failure = _failure_message(final)
            if failure is None:
                try:
                    output = await _combine(services, final, args)
                except CommandError as exc:
                    failure = str(exc)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    final = await gen.get_job(final.id)
    choices = await report_ab_combine(services, final.id) if output is not None else None
    if summary := qc_summary(final.clips):
        err(f"QC: {summary}")
    if args.json:
        doc = _job_doc(final, services.paths, output)
        if ab_models:
            doc["ab"] = (await gen.ab_state(final.id)).to_json() | ({"ad": choices} if choices else {})
        print_json(doc)
    elif output is not None:
        print(output)
    if failure:
        raise CommandError(failure)
    return 0


async def cmd_jobs(args: argparse.Namespace, services: Services) -> int:
    """List every job, newest first."""
    jobs = await services.generation.list_jobs()
    if args.json:
        print_json([_job_doc(j, services.paths) for j in jobs])
        return 0
    campaigns = {c.id: c.name for c in await services.library.list_campaigns()}
    rows = [[str(j.id), campaigns.get(j.campaign_id, str(j.campaign_id)), j.model_id, j.status.value,
             f"{sum(c.status is ClipStatus.SUCCEEDED for c in j.clips)}/{len(j.clips)}", usd(j.estimate_usd),
             usd(j.actual_cost_usd), j.created_at.strftime("%Y-%m-%d %H:%M") if j.created_at else ""]
            for j in jobs]
    print_table(rows, ["id", "campaign", "model", "status", "clips", "estimate", "cost", "created"])
    return 0


def _show_job(job: JobState, paths: LibraryPaths, *, as_json: bool) -> None:
    """One JSON document, or the job and its clips for people."""
    if as_json:
        print_json(_job_doc(job, paths))
    else:
        _print_job(job, paths)


def _print_job(job: JobState, paths: LibraryPaths) -> None:
    print(f"Job {job.id}: {job.status.value}, {job.model_id}, {len(job.clips)} × {job.duration_s:g} s at "
          f"{job.resolution or '-'}, {job.aspect}; estimate {usd(job.estimate_usd)}, cost {usd(job.actual_cost_usd)}")
    if job.output_path:
        print(f"Output: {paths.file(job.output_path)}")
    rows = [[str(c.position), c.status.value, c.qc.verdict.value if c.qc else "-", c.prediction_id or "-",
             str(c.attempts), usd(c.cost_usd), str(paths.file(c.file_path)) if c.file_path else "-", c.error or ""]
            for c in job.clips]
    print_table(rows, ["clip", "status", "qc", "prediction", "attempts", "cost", "file", "error"])
    if summary := qc_summary(job.clips):
        print(f"QC: {summary}")


async def cmd_job(args: argparse.Namespace, services: Services) -> int:
    """Show one job and its clips."""
    try:
        job = await services.generation.get_job(args.job_id)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    _show_job(job, services.paths, as_json=args.json)
    return 0


async def _run_printing_status(gen: GenerationService, job: JobState) -> JobState:
    """Drive ``job`` to its end (or watch the process that works it), printing a status line per clip change on
    standard error."""
    unsubscribe = gen.subscribe(_status_printer(job.id, len(job.clips)))

    def watching(worker: JobWorker) -> None:
        err(f"Job {job.id} is being worked by {worker.describe()} — watching.")
    try:
        return await gen.run_job(job.id, on_watch=watching)
    finally:
        unsubscribe()


async def cmd_resume(args: argparse.Namespace, services: Services) -> int:
    """Re-attach to a job's clips (polling, never re-creating) and finish them; print the job."""
    gen = services.generation
    try:
        job = await _run_printing_status(gen, await gen.get_job(args.job_id))
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    _show_job(job, services.paths, as_json=args.json)
    if failure := _failure_message(job):
        raise CommandError(failure)
    if not job.output_path and not args.json:
        err(f"All clips are ready: combine them with `combine {job.id} -o OUT`.")
    return 0


async def cmd_retry(args: argparse.Namespace, services: Services) -> int:
    """Make a job's failed, canceled or interrupted clips again (the numbered ones, else all of them), each with its
    own model and prompt unless ``--model`` / ``--prompt`` say otherwise; print the job. Exit 1 unless every
    retried clip succeeds."""
    gen = services.generation
    if args.failed_qc:
        if args.clips or args.prompt is not None:
            raise UsageError("--failed-qc makes every clip that failed QC again, each with its own prompt: leave out "
                             "clip numbers and --prompt")
        return await retry_failed_qc(args, services)
    try:
        job = await gen.get_job(args.job_id)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    chosen = _clips_to_retry(job, args.clips)
    if args.prompt is not None and len(chosen) > 1:
        raise UsageError(f"--prompt is for one clip: name the clip to retry (the job has {len(chosen)} to retry)")
    if args.model is not None and args.model not in {m.id for m in gen.models()}:
        raise UsageError(f"unknown model {args.model!r}: see `models` for the model ids")
    err(f"Job {job.id}: retrying clip{'s' * (len(chosen) != 1)} {', '.join(str(c.position) for c in chosen)}…")
    unsubscribe = gen.subscribe(_status_printer(job.id, len(job.clips)))
    try:
        outcomes = await asyncio.gather(*(gen.retry_clip(c.id, model_id=args.model, prompt=args.prompt)
                                          for c in chosen), return_exceptions=True)
    finally:
        unsubscribe()
    job = await gen.get_job(job.id)
    _show_job(job, services.paths, as_json=args.json)
    refused = [f"clip {c.position}: {o}" for c, o in zip(chosen, outcomes, strict=True) if isinstance(o, Exception)]
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome
    retried = {c.id for c, o in zip(chosen, outcomes, strict=True) if not isinstance(o, BaseException)}
    bad = [c for c in job.clips if c.id in retried and c.status is not ClipStatus.SUCCEEDED]
    if refused or bad:
        details = refused + [f"clip {c.position} {c.status.value}" + (f": {c.error}" if c.error else "") for c in bad]
        raise CommandError(f"job {job.id}: {len(details)} of {len(chosen)} retried clips did not succeed "
                           f"({'; '.join(details)})")
    if not args.json:
        err(f"Retried clips are ready: combine the job with `combine {job.id} -o OUT`.")
    return 0


def _clips_to_retry(job: JobState, positions: list[int]) -> list[ClipState]:
    """The clips ``positions`` name (all retryable ones when empty); bad numbers are bad usage."""
    by_position = {c.position: c for c in job.clips}
    if unknown := sorted({p for p in positions if p not in by_position}):
        raise UsageError(f"job {job.id} has clips 1 to {len(job.clips)}; there is no clip "
                         f"{', '.join(map(str, unknown))}")
    if positions:
        chosen = [by_position[p] for p in dict.fromkeys(positions)]
        if busy := [c for c in chosen if c.status not in RETRYABLE]:
            raise CommandError("only a failed, canceled or interrupted clip can be retried: "
                               + ", ".join(f"clip {c.position} is {c.status.value}" for c in busy))
        return chosen
    chosen = [c for c in job.clips if c.status in RETRYABLE]
    if not chosen:
        raise CommandError(f"job {job.id} has no failed, canceled or interrupted clip to retry")
    return chosen


async def cmd_cancel(args: argparse.Namespace, services: Services) -> int:
    """Cancel a job's unfinished clips (and their predictions on Replicate)."""
    gen = services.generation
    try:
        await gen.cancel_job(args.job_id)
        job = await gen.get_job(args.job_id)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    canceled = sum(c.status is ClipStatus.CANCELED for c in job.clips)
    print(f"Job {job.id}: {job.status.value}; {canceled} of {len(job.clips)} clips canceled")
    return 0
