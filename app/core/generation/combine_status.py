"""A combine on the job's row: ``combining`` while it runs, the path it writes, and the ad it made."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.core.db.models import Job, utcnow
from app.core.domain import JobStatus
from app.core.generation import lease
from app.core.generation.states import get_job_row


def begin_combine(s: Session, job_id: int, target: str) -> JobStatus:
    """Mark the job ``combining`` and note the path being written; returns its status before (restored by
    ``end_combine`` or ``record_combined``).

    A job still making clips keeps its status: a combine of the clips done so far is a preview of the ad.
    """
    job = get_job_row(s, job_id)
    previous = JobStatus(job.status)
    if previous not in (JobStatus.PENDING, JobStatus.RUNNING):
        job.status = JobStatus.COMBINING.value
    job.options = {**(job.options or {}), "combining_to": target}
    return previous


def end_combine(s: Session, job_id: int, previous: JobStatus) -> None:
    """A combine ended without a new ad: the job's status before it returns."""
    job = s.get(Job, job_id)
    if job is None:
        return
    forget_combine_target(job)
    if job.status == JobStatus.COMBINING.value:
        job.status = _after_combine(previous).value


def forget_abandoned_combines(s: Session, job_ids: Iterable[int]) -> list[str]:
    """The paths that combines of processes which ended were writing, for the jobs ``job_ids`` that no live process
    works; each is forgotten (its partial file is to be swept)."""
    targets = []
    for job_id in job_ids:
        job = s.get(Job, job_id)
        if job is not None and not lease.held(s, job_id) and (target := forget_combine_target(job)):
            targets.append(target)
    return targets


def forget_combine_target(job: Job) -> str | None:
    """Drop the path the job's combine was writing from its options; returns it (None: no combine)."""
    options = dict(job.options or {})
    target = options.pop("combining_to", None)
    if target is not None:
        job.options = options
    return target


def record_combined(s: Session, job_id: int, output_path: str, meta: dict[str, object], transition: str,
                    music_path: str | None, previous: JobStatus) -> None:
    """The new ad of the job: its file, what it is made of, and the job's status back from ``combining``."""
    job = s.get(Job, job_id)
    if job is None:
        return
    job.output_path, job.output_meta, job.transition, job.music_path = output_path, meta, transition, music_path
    end_combine(s, job_id, previous)
    if job.status == JobStatus.SUCCEEDED.value and job.finished_at is None:
        job.finished_at = utcnow()


def _after_combine(previous: JobStatus) -> JobStatus:
    """The status to return to: the one before, unless that was a combine a crash left behind."""
    return JobStatus.SUCCEEDED if previous is JobStatus.COMBINING else previous
