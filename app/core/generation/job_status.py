"""A job's status, recomputed from its clips', and the end of a job."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy.orm import Session

from app.core.db.models import utcnow
from app.core.domain import ClipStatus, JobState, JobStatus
from app.core.generation.clip_updates import attempt_row
from app.core.generation.states import UNFINISHED, get_job_row, job_state


def job_outcome(statuses: Sequence[ClipStatus], active: bool, started: bool) -> JobStatus:
    """A job's status from its clips' (``active``: a task of this process drives an unfinished one; ``started``:
    the job ran before)."""
    if active:
        return JobStatus.RUNNING
    if any(not s.is_terminal for s in statuses):
        if started or any(s is ClipStatus.INTERRUPTED or s.is_in_flight for s in statuses):
            return JobStatus.INTERRUPTED
        return JobStatus.PENDING
    if statuses and all(s is ClipStatus.SUCCEEDED for s in statuses):
        return JobStatus.SUCCEEDED
    if any(s is ClipStatus.FAILED for s in statuses):
        return JobStatus.FAILED
    return JobStatus.CANCELED


def refresh_job(s: Session, job_id: int, driven_clip_ids: Collection[int], *,
                combining_done: bool = False) -> JobState:
    """Recompute the job's status and error from its clips (``driven_clip_ids``: clips tasks drive now).

    A running combine keeps its ``combining`` status unless ``combining_done`` (its process has ended).
    """
    job = get_job_row(s, job_id)
    statuses = [ClipStatus(c.status) for c in job.clips]
    active = any(c.id in driven_clip_ids and c.status in UNFINISHED for c in job.clips)
    status = job_outcome(statuses, active, job.started_at is not None)
    if combining_done or not (status is JobStatus.SUCCEEDED and job.status == JobStatus.COMBINING.value):
        job.status = status.value
    failed = [c for c in job.clips if c.status == ClipStatus.FAILED.value]
    job.error = f"{len(failed)} of {len(job.clips)} clips failed" if failed else ""
    if status is JobStatus.RUNNING:
        job.started_at = job.started_at or utcnow()
        job.finished_at = None
    elif status.is_terminal:
        job.finished_at = job.finished_at or utcnow()
    s.flush()
    return job_state(job)


def fail_unsent(s: Session, job_id: int, error: str) -> JobState:
    """The job could not start (a refused key, a model that changed): its clips that never reached the provider
    fail with ``error`` — they certainly created nothing, so their share of the estimate is free again at once.
    Clips that may have a prediction keep their state (a resume finds it)."""
    job = get_job_row(s, job_id)
    for clip in job.clips:
        if clip.status in UNFINISHED and not clip.prediction_id and not clip.submit_token:
            clip.status, clip.error, clip.finished_at = ClipStatus.FAILED.value, error, utcnow()
            if attempt := attempt_row(s, clip):
                attempt.status, attempt.error, attempt.finished_at = clip.status, error, clip.finished_at
    s.flush()
    refresh_job(s, job_id, ())
    job.error = error
    return job_state(job)


def delete_job(s: Session, job_id: int) -> None:
    """Remove the job and its clips."""
    s.delete(get_job_row(s, job_id))
