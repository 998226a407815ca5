"""Jobs' and clips' rows and their read models: looked up by id, read as ``JobState``/``ClipState``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.core.db.models import Clip, Job
from app.core.domain import ClipState, ClipStatus, JobState, JobStatus, JobWorker, Transition
from app.core.generation import lease
from app.core.generation.errors import GenerationError
from app.core.money import ledger
from app.core.qc.verdict import ClipQc

IN_FLIGHT = (ClipStatus.SUBMITTING.value, ClipStatus.RUNNING.value, ClipStatus.DOWNLOADING.value)
UNFINISHED = (ClipStatus.PENDING.value, ClipStatus.INTERRUPTED.value, *IN_FLIGHT)
RETRYABLE = (ClipStatus.FAILED, ClipStatus.CANCELED, ClipStatus.INTERRUPTED)


def clip_state(row: Clip, cost_usd: float | None = None, live: bool = True) -> ClipState:
    """The clip's read model. Its cost is the sum of its calls in the ledger (looked up unless given); ``live``: a
    live process holds its job's lease (else an open working span is a dead process's, and does not count)."""
    if cost_usd is None:
        session = Session.object_session(row)
        cost_usd = ledger.spent_by_clip(session, [row.id]).get(row.id, 0.0) if session is not None else 0.0
    return ClipState(
        id=row.id, job_id=row.job_id, position=row.position, first_asset_id=row.first_asset_id,
        last_asset_id=row.last_asset_id, prompt=row.prompt, model_id=row.model_id, status=ClipStatus(row.status),
        prediction_id=row.prediction_id, progress=row.progress, attempts=row.attempts, error=row.error,
        file_path=row.file_path, duration_s=row.duration_s, cost_usd=cost_usd, started_at=row.started_at,
        finished_at=row.finished_at, cancel_requested=row.cancel_requested, working_s=row.working_s or 0.0,
        working_since=row.working_since if live else None, qc=clip_qc(row.qc),
        focus=(row.focus_x, row.focus_y) if row.focus_x is not None and row.focus_y is not None else None)


def clip_qc(doc: dict[str, object] | None) -> ClipQc | None:
    """A stored QC result (None: not checked, or stored by a version this one cannot read)."""
    if not doc:
        return None
    try:
        return ClipQc.from_json(doc)
    except (KeyError, TypeError, ValueError):
        return None


def job_state(row: Job, me: str | None = None) -> JobState:
    """The job's read model; with ``me`` (the reading process), ``worker`` names another live holder of its lease.
    Its cost and its clips' are sums over the ledger."""
    session = Session.object_session(row)
    assert session is not None
    worker = None
    if me is not None and (other := lease.holder(session, row.id, me)) is not None:
        worker = JobWorker(other.host, other.pid)
    live = lease.held(session, row.id)
    costs = ledger.spent_by_clip(session, [c.id for c in row.clips])
    job_cost = ledger.spent_by_job(session, [row.id]).get(row.id, 0.0)
    return JobState(
        id=row.id, campaign_id=row.campaign_id, model_id=row.model_id, duration_s=row.duration_s, aspect=row.aspect,
        resolution=row.resolution, status=JobStatus(row.status), estimate_usd=row.estimate_usd,
        actual_cost_usd=job_cost, transition=Transition(row.transition), output_path=row.output_path,
        error=row.error, created_at=row.created_at, finished_at=row.finished_at,
        clips=tuple(clip_state(c, costs.get(c.id, 0.0), live) for c in row.clips),
        output_meta=dict(row.output_meta or {}), music_path=row.music_path, worker=worker,
        working_s=row.working_s or 0.0, working_since=row.working_since if live else None,
        launched_by=row.launched_by)


def get_job_row(s: Session, job_id: int) -> Job:
    """The job's row; ``GenerationError`` when there is none."""
    row = s.get(Job, job_id)
    if row is None:
        raise GenerationError(f"there is no job {job_id}")
    return row


def get_clip_row(s: Session, clip_id: int, *, with_job: bool = False) -> Clip:
    """The clip's row; ``GenerationError`` when there is none. ``with_job``: its job's row comes in the same query
    (a transition that writes the job or its ledger would otherwise load it in a query of its own)."""
    row = s.get(Clip, clip_id, options=(joinedload(Clip.job),) if with_job else ())
    if row is None:
        raise GenerationError(f"there is no clip {clip_id}")
    return row


def list_jobs(s: Session, campaign_id: int | None, me: str | None = None) -> list[JobState]:
    """Jobs, newest first (of one campaign, or all), read by ``me``."""
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if campaign_id is not None:
        query = query.where(Job.campaign_id == campaign_id)
    return [job_state(r, me) for r in s.scalars(query)]
