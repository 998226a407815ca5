"""Taking and giving back a job's lease in the database, with what goes with it: the job's working time, and what
a process that ended left behind (in-flight clips, a combine, open working spans) reclaimed."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Clip, Job, JobLease
from app.core.domain import ClipStatus, JobState, JobStatus
from app.core.generation import lease
from app.core.generation.combine_status import forget_combine_target
from app.core.generation.job_status import refresh_job
from app.core.generation.states import IN_FLIGHT, get_job_row, job_state
from app.core.generation.working_time import close_work, open_work


def mark_interrupted(s: Session, active_clip_ids: set[int], me: str) -> list[JobState]:
    """Work an ended process left behind: its in-flight clips become interrupted, a combine it left is undone, its
    working time stops where it was last seen, and a job it left running is recomputed. Jobs another live process
    works (it holds their lease) are left alone; returns the jobs changed."""
    worked_elsewhere = {job_id for job_id in s.scalars(select(JobLease.job_id))
                        if lease.holder(s, job_id, me) is not None}
    rows = [c for c in s.scalars(select(Clip).where(Clip.status.in_(IN_FLIGHT)))
            if c.id not in active_clip_ids and c.job_id not in worked_elsewhere]
    stale = {c.job_id for c in rows}
    for job_id in s.scalars(select(Job.id).where(Job.status.in_((JobStatus.RUNNING.value,
                                                                 JobStatus.COMBINING.value)))):
        if job_id not in worked_elsewhere and not _driven(s, job_id, active_clip_ids):
            stale.add(job_id)
    for clip in rows:
        clip.status = ClipStatus.INTERRUPTED.value
    working = set(s.scalars(select(Job.id).where(Job.working_since.is_not(None))))
    working |= set(s.scalars(select(Clip.job_id).where(Clip.working_since.is_not(None))))
    for job_id in sorted(working):
        if not lease.held(s, job_id):  # no live process (this one included) works it
            _stop_abandoned_work(get_job_row(s, job_id), lease.last_seen(s, job_id), active_clip_ids)
            stale.add(job_id)
    s.flush()
    return [refresh_job(s, job_id, active_clip_ids, combining_done=True) for job_id in sorted(stale)]


def _stop_abandoned_work(job: Job, last_seen: datetime | None, driven: Collection[int]) -> None:
    """Close the working spans a process that ended left open, where it was last seen alive (a span it opened
    after that counts nothing); clips ``driven`` by this process keep theirs."""
    for row in (job, *(c for c in job.clips if c.id not in driven)):
        if row.working_since is not None:
            close_work(row, max(row.working_since, last_seen) if last_seen else row.working_since)


def take_lease(s: Session, job_id: int, me: str, ttl_s: float, driven: Collection[int]
               ) -> tuple[lease.Worker | None, str | None]:
    """Take ``job_id``'s lease for ``me`` and start the job's working time; returns (the live holder instead, None)
    when another process has it.

    Taking it means no other process works the job: what a process that died left is reclaimed. Its in-flight
    clips (not ``driven`` here) are interrupted, a ``combining`` status it left is undone and the path that combine
    was writing is returned (its partial file is to be swept); its working spans end where it was last seen alive.
    """
    get_job_row(s, job_id)
    seen = lease.last_seen(s, job_id)
    other = lease.acquire(s, job_id, me, ttl_s)
    if other is not None:
        return other, None
    job = get_job_row(s, job_id)
    _stop_abandoned_work(job, seen, driven)
    left = [c for c in job.clips if c.status in IN_FLIGHT and c.id not in driven]
    for clip in left:
        clip.status = ClipStatus.INTERRUPTED.value
    target = forget_combine_target(job)
    if left or job.status == JobStatus.COMBINING.value:
        refresh_job(s, job_id, driven, combining_done=True)
    open_work(job)
    s.flush()
    return None, target


def give_back_lease(s: Session, job_id: int, me: str) -> JobState | None:
    """``me`` stops working ``job_id``: its working time stops and the lease is released; returns the job."""
    job = s.get(Job, job_id)
    lease.release(s, job_id, me)
    if job is None:
        return None
    close_work(job)
    s.flush()
    return job_state(job)


def _driven(s: Session, job_id: int, active_clip_ids: set[int]) -> bool:
    return any(clip_id in active_clip_ids for clip_id in s.scalars(select(Clip.id).where(Clip.job_id == job_id)))
