"""``qc`` and ``retry --failed-qc``: quality control of a job's clips from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands.common import CommandError, UsageError, confirm, err, print_json, print_table
from app.core.domain import ClipState, ClipStatus, JobState
from app.core.generation.cost import usd
from app.core.generation.errors import GenerationError
from app.core.generation.quality import qc_counts, qc_summary
from app.core.generation.service import QcRetryPlan
from app.core.qc.check import JobQc
from app.core.qc.levels import Verdict
from app.core.services import Services

_MARKS = {Verdict.PASS: "✓", Verdict.WARN: "!", Verdict.FAIL: "✗"}


def _qc_doc(job: JobState, result: JobQc) -> dict[str, Any]:
    return {"job": job.id, "summary": qc_counts(job.clips), "seams": [seam.to_json() for seam in result.seams],
            "clips": [{"id": c.id, "position": c.position, "status": c.status.value,
                       "qc": c.qc.to_json() if c.qc else None} for c in job.clips]}


def _print_qc(job: JobState) -> None:
    rows = []
    for clip in job.clips:
        if clip.qc is None:
            rows.append([str(clip.position), "-", "not checked" if clip.status is ClipStatus.SUCCEEDED
                         else f"no video ({clip.status.value})"])
            continue
        lines = clip.qc.lines() or ["all checks passed"]
        rows.append([str(clip.position), f"{_MARKS[clip.qc.verdict]} {clip.qc.verdict.value}", lines[0]])
        rows += [["", "", line] for line in lines[1:]]
    print_table(rows, ["clip", "qc", "reasons"])
    if summary := qc_summary(job.clips):
        print(f"QC: {summary}")


async def cmd_qc(args: argparse.Namespace, services: Services) -> int:
    """Check (or check again) a job's clips that have a video; print each verdict with its reasons. Exit 1 when a
    clip fails."""
    gen = services.generation
    try:
        job = await gen.get_job(args.job_id)
        if not job.succeeded_clips():
            raise CommandError(f"job {job.id} has no clip with a video to check")
        err(f"Job {job.id}: checking {len(job.succeeded_clips())} clips…")
        result = await gen.check_qc(job.id, brand=True if args.brand else None)
        job = await gen.get_job(job.id)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print_json(_qc_doc(job, result))
    else:
        _print_qc(job)
    failed = [c.position for c in job.clips if c.qc is not None and c.qc.failed]
    if failed:
        raise CommandError(f"job {job.id}: clip{'s' * (len(failed) != 1)} {', '.join(map(str, failed))} failed QC; "
                           f"make them again with `retry {job.id} --failed-qc`")
    return 0


def _print_retry_plan(plan: QcRetryPlan) -> None:
    err(f"Clips that failed QC: {', '.join(str(c.position) for c in plan.clips)}")
    for clip, prompt in zip(plan.clips, plan.prompts, strict=True):
        err(f"  clip {clip.position} on {plan.model.id if plan.model else clip.model_id}: {prompt}")
    err(f"Estimate: {usd(plan.estimate_usd)}")
    money = plan.money
    if money.budget_usd is not None:
        err(f"Budget: {usd(money.budget_usd)}, spent {usd(money.spent_usd)}, committed by work in flight "
            f"{usd(money.committed_usd)}, left {usd(money.left_usd or 0.0)}")


async def retry_failed_qc(args: argparse.Namespace, services: Services) -> int:
    """``retry JOB --failed-qc``: show the estimate and the prompts, confirm, make the clips that failed QC again
    (each checked again as it arrives), print the job. Exit 1 unless every one succeeds and passes."""
    from app.commands.generation import _show_job, _status_printer

    gen = services.generation
    if args.model is not None and args.model not in {m.id for m in gen.models()}:
        raise UsageError(f"unknown model {args.model!r}: see `models` for the model ids")
    try:
        plan = await gen.plan_qc_retry(args.job_id, args.model)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    _print_retry_plan(plan)
    if plan.over_budget:
        raise CommandError(plan.money.refusal(plan.estimate_usd))
    count = len(plan.clips)
    if not args.yes and not confirm(f"Make {count} clip{'s' * (count != 1)} again for about "
                                    f"{usd(plan.estimate_usd)}?"):
        raise CommandError("not confirmed (without a terminal, add --yes to run unattended)")
    job = await gen.get_job(args.job_id)
    unsubscribe = gen.subscribe(_status_printer(job.id, len(job.clips)))
    try:
        outcomes = await gen.retry_failed_qc(plan)
    finally:
        unsubscribe()
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, Exception):
            raise outcome
    job = await gen.get_job(job.id)
    _show_job(job, services.paths, as_json=args.json)
    by_id = {c.id: c for c in job.clips}
    problems = [f"clip {c.position}: {o}" for c, o in zip(plan.clips, outcomes, strict=True)
                if isinstance(o, Exception)]
    problems += [_still_bad(by_id[c.id]) for c, o in zip(plan.clips, outcomes, strict=True)
                 if not isinstance(o, BaseException) and _still_bad(by_id[c.id])]
    if problems:
        raise CommandError(f"job {job.id}: {len(problems)} of {count} clips made again are not right "
                           f"({'; '.join(problems)})")
    if not args.json:
        err(f"The clips made again passed QC: combine the job with `combine {job.id} -o OUT`.")
    return 0


def _still_bad(clip: ClipState) -> str:
    if clip.status is not ClipStatus.SUCCEEDED:
        return f"clip {clip.position} {clip.status.value}" + (f": {clip.error}" if clip.error else "")
    if clip.qc is not None and clip.qc.failed:
        return f"clip {clip.position} failed QC again: {'; '.join(clip.qc.lines())}"
    return ""
