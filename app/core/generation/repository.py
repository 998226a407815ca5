"""Jobs and clips in the database: each function is one unit of work for ``Database.run`` (returns plain values).

Submission records (token, exact input, time) live in ``jobs.options["submissions"]`` keyed by clip id, committed
before a create is sent, so a clip left ``submitting`` without a prediction id can be found again after a crash.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import (
    Asset,
    Campaign,
    Client,
    Clip,
    ClipAttempt,
    Job,
    JobLease,
    PairSuggestionRow,
    utcnow,
)
from app.core.domain import (
    ClipState,
    ClipStatus,
    JobState,
    JobStatus,
    JobWorker,
    PairSource,
    PairSuggestion,
    Transition,
)
from app.core.generation import lease
from app.core.generation.errors import GenerationError
from app.core.generation.providers.base import Submission
from app.core.library.store import AssetStore
from app.core.media.jobs import AssetRef, ClipMedia, JobMedia

IN_FLIGHT = (ClipStatus.SUBMITTING.value, ClipStatus.RUNNING.value, ClipStatus.DOWNLOADING.value)
UNFINISHED = (ClipStatus.PENDING.value, ClipStatus.INTERRUPTED.value, *IN_FLIGHT)
RETRYABLE = (ClipStatus.FAILED, ClipStatus.CANCELED, ClipStatus.INTERRUPTED)


def clip_state(row: Clip) -> ClipState:
    return ClipState(
        id=row.id, job_id=row.job_id, position=row.position, first_asset_id=row.first_asset_id,
        last_asset_id=row.last_asset_id, prompt=row.prompt, model_id=row.model_id, status=ClipStatus(row.status),
        prediction_id=row.prediction_id, progress=row.progress, attempts=row.attempts, error=row.error,
        file_path=row.file_path, duration_s=row.duration_s, cost_usd=row.cost_usd, started_at=row.started_at,
        finished_at=row.finished_at, cancel_requested=row.cancel_requested)


def job_state(row: Job, me: str | None = None) -> JobState:
    """The job's read model; with ``me`` (the reading process), ``worker`` names another live holder of its lease."""
    worker = None
    if me is not None and (other := lease.holder(Session.object_session(row), row.id, me)) is not None:  # type: ignore[arg-type]
        worker = JobWorker(other.host, other.pid)
    return JobState(
        id=row.id, campaign_id=row.campaign_id, model_id=row.model_id, duration_s=row.duration_s, aspect=row.aspect,
        resolution=row.resolution, status=JobStatus(row.status), estimate_usd=row.estimate_usd,
        actual_cost_usd=row.actual_cost_usd, transition=Transition(row.transition), output_path=row.output_path,
        error=row.error, created_at=row.created_at, finished_at=row.finished_at,
        clips=tuple(clip_state(c) for c in row.clips), output_meta=dict(row.output_meta or {}),
        music_path=row.music_path, worker=worker, launched_by=row.launched_by)


def get_job_row(s: Session, job_id: int) -> Job:
    row = s.get(Job, job_id)
    if row is None:
        raise GenerationError(f"there is no job {job_id}")
    return row


def get_clip_row(s: Session, clip_id: int) -> Clip:
    row = s.get(Clip, clip_id)
    if row is None:
        raise GenerationError(f"there is no clip {clip_id}")
    return row


# ---- campaigns, pairs and money --------------------------------------------------------------------------------
def campaign_budget(s: Session, campaign_id: int) -> tuple[float | None, float]:
    """The campaign's budget and what its jobs spent, counting the estimate of clips not yet finished."""
    campaign = s.get(Campaign, campaign_id)
    if campaign is None:
        raise GenerationError(f"there is no campaign {campaign_id}")
    spent = 0.0
    for job in s.scalars(select(Job).where(Job.campaign_id == campaign_id)):
        per_clip = job.estimate_usd / len(job.clips) if job.clips else 0.0
        for clip in job.clips:
            spent += clip.cost_usd + (per_clip if clip.status in UNFINISHED else 0.0)
    return campaign.budget_usd, round(spent, 4)


def saved_pairs(s: Session, campaign_id: int) -> list[PairSuggestion]:
    """The campaign's stored pair suggestions, in their order."""
    if s.get(Campaign, campaign_id) is None:
        raise GenerationError(f"there is no campaign {campaign_id}")
    rows = s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                     .order_by(PairSuggestionRow.position, PairSuggestionRow.id))
    return [PairSuggestion(r.first_asset_id, r.last_asset_id, r.score, r.reasoning, r.prompt, PairSource(r.source),
                           r.position, r.id) for r in rows]


@dataclass(frozen=True, slots=True)
class NewJob:
    campaign_id: int
    model_id: str
    duration_s: float
    resolution: str
    aspect: str
    estimate_usd: float
    pairs: tuple[PairSuggestion, ...]
    adjustments: tuple[str, ...]
    transition: str
    music_path: str | None
    launched_by: str = ""


def insert_job(s: Session, new: NewJob, allow_over_budget: bool) -> JobState:
    """Check the budget and the pairs' assets again (in this transaction), then add the job and its clips.

    The campaign's row is locked first, so two workstations launching at once check the budget one after the
    other (SQLite's write lock does this by itself; PostgreSQL needs the row lock)."""
    s.execute(select(Campaign.id).where(Campaign.id == new.campaign_id).with_for_update())
    budget, spent = campaign_budget(s, new.campaign_id)
    if budget is not None and not allow_over_budget and new.estimate_usd > budget - spent + 1e-9:
        left = max(0.0, budget - spent)
        raise GenerationError(f"over budget: this job is estimated at ${new.estimate_usd:.2f} and only ${left:.2f} "
                              f"of the campaign's ${budget:.2f} budget is left; raise the budget or make fewer or "
                              "cheaper clips")
    asset_ids = {a for p in new.pairs for a in (p.first_asset_id, p.last_asset_id)}
    known = set(s.scalars(select(Asset.id).where(Asset.id.in_(asset_ids))))
    for index, pair in enumerate(new.pairs, start=1):
        if pair.first_asset_id not in known or pair.last_asset_id not in known:
            raise GenerationError(f"pair {index} uses an image that is no longer in the library")
    job = Job(campaign_id=new.campaign_id, model_id=new.model_id, duration_s=new.duration_s, aspect=new.aspect,
              resolution=new.resolution, status=JobStatus.PENDING.value, estimate_usd=new.estimate_usd,
              transition=new.transition, music_path=new.music_path, launched_by=new.launched_by,
              options={"adjustments": list(new.adjustments), "submissions": {}})
    job.clips = [Clip(position=index, first_asset_id=pair.first_asset_id, last_asset_id=pair.last_asset_id,
                      prompt=pair.prompt, model_id=new.model_id, status=ClipStatus.PENDING.value)
                 for index, pair in enumerate(new.pairs, start=1)]
    s.add(job)
    s.flush()
    return job_state(job)


# ---- what a clip run needs --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClipRun:
    """A clip with everything needed to drive it: its job's settings, its frames' files, its submission."""

    state: ClipState
    job_duration_s: float
    job_resolution: str
    job_aspect: str
    first_image: Path | None
    last_image: Path | None
    submission: Submission | None


def load_run(s: Session, clip_id: int, store: AssetStore) -> ClipRun:
    row = get_clip_row(s, clip_id)
    job = row.job
    paths: list[Path | None] = []
    for asset_id in (row.first_asset_id, row.last_asset_id):
        asset = s.get(Asset, asset_id) if asset_id is not None else None
        paths.append(store.path_for(asset.sha256, asset.format) if asset else None)
    record = (job.options or {}).get("submissions", {}).get(str(row.id))
    submission = None
    if record and row.submit_token and record.get("token") == row.submit_token:
        submission = Submission(record["token"], record["input"], datetime.fromisoformat(record["submitted_at"]))
    return ClipRun(clip_state(row), job.duration_s, job.resolution, job.aspect, paths[0], paths[1], submission)


def unfinished_clips(s: Session, job_id: int) -> list[tuple[int, str]]:
    """(clip id, model id) of the job's clips that have not reached a terminal state."""
    get_job_row(s, job_id)
    rows = s.execute(select(Clip.id, Clip.model_id).where(Clip.job_id == job_id, Clip.status.in_(UNFINISHED))
                     .order_by(Clip.position))
    return [(clip_id, model_id) for clip_id, model_id in rows]


# ---- clip transitions (each returns the new state) ------------------------------------------------------------
def _attempt_row(s: Session, clip: Clip) -> ClipAttempt | None:
    return s.scalar(select(ClipAttempt).where(ClipAttempt.clip_id == clip.id, ClipAttempt.attempt == clip.attempts))


def begin_attempt(s: Session, clip_id: int) -> ClipState:
    """Count a new attempt, unless the last one never reached the provider (stopped while preparing)."""
    clip = get_clip_row(s, clip_id)
    last = _attempt_row(s, clip)
    if last is not None and last.status == ClipStatus.PENDING.value:
        return clip_state(clip)
    clip.attempts += 1
    clip.error = ""
    s.add(ClipAttempt(clip_id=clip.id, attempt=clip.attempts, model_id=clip.model_id, prompt=clip.prompt,
                      status=ClipStatus.PENDING.value))
    s.flush()
    return clip_state(clip)


def mark_submitting(s: Session, clip_id: int, submission: Submission) -> ClipState:
    clip = get_clip_row(s, clip_id)
    clip.status = ClipStatus.SUBMITTING.value
    clip.submit_token = submission.token
    clip.submitted_at = submission.submitted_at
    options = dict(clip.job.options or {})
    records = dict(options.get("submissions") or {})
    records[str(clip.id)] = {"token": submission.token, "input": dict(submission.input),
                             "submitted_at": submission.submitted_at.isoformat()}
    options["submissions"] = records
    clip.job.options = options
    if attempt := _attempt_row(s, clip):
        attempt.status = ClipStatus.SUBMITTING.value
    s.flush()
    return clip_state(clip)


def mark_created(s: Session, clip_id: int, prediction_id: str | None) -> ClipState:
    """Commit the prediction id (always); the clip runs unless someone canceled it meanwhile."""
    clip = get_clip_row(s, clip_id)
    if prediction_id:
        clip.prediction_id = prediction_id
    if clip.status != ClipStatus.CANCELED.value:
        clip.status = ClipStatus.RUNNING.value
        clip.started_at = clip.started_at or utcnow()
    if attempt := _attempt_row(s, clip):
        attempt.prediction_id = prediction_id or attempt.prediction_id
        attempt.status = clip.status
    s.flush()
    return clip_state(clip)


def mark_progress(s: Session, clip_id: int, progress: float) -> None:
    clip = s.get(Clip, clip_id)
    if clip is not None and clip.status in IN_FLIGHT:
        clip.progress = progress


def mark_downloading(s: Session, clip_id: int, output_url: str) -> ClipState:
    clip = get_clip_row(s, clip_id)
    clip.status = ClipStatus.DOWNLOADING.value
    clip.output_url = output_url
    s.flush()
    return clip_state(clip)


def mark_finished(s: Session, clip_id: int, status: ClipStatus, *, cost_usd: float = 0.0, error: str = "",
                  file_path: str | None = None, duration_s: float | None = None) -> ClipState:
    """A terminal (or interrupted) outcome; the attempt's cost is added to the clip's and the job's."""
    clip = get_clip_row(s, clip_id)
    clip.status = status.value
    clip.error = error
    clip.cancel_requested = False
    clip.cost_usd = round(clip.cost_usd + cost_usd, 4)
    if status is ClipStatus.SUCCEEDED:
        clip.file_path, clip.duration_s, clip.progress = file_path, duration_s, 1.0
    if status is not ClipStatus.INTERRUPTED:
        clip.finished_at = utcnow()
        options = dict(clip.job.options or {})
        records = dict(options.get("submissions") or {})
        if records.pop(str(clip.id), None) is not None:
            options["submissions"] = records
            clip.job.options = options
    if attempt := _attempt_row(s, clip):
        attempt.status, attempt.error = status.value, error
        attempt.cost_usd = round(attempt.cost_usd + cost_usd, 4)
        attempt.finished_at = clip.finished_at
    s.flush()
    clip.job.actual_cost_usd = round(sum(c.cost_usd for c in clip.job.clips), 4)
    return clip_state(clip)


def reset_for_retry(s: Session, clip_id: int, model_id: str | None, prompt: str | None) -> ClipState:
    clip = get_clip_row(s, clip_id)
    if ClipStatus(clip.status) not in RETRYABLE:
        raise GenerationError(f"clip {clip.position} is {clip.status}: only a failed, canceled or interrupted clip "
                              "can be retried")
    if model_id:
        clip.model_id = model_id
    if prompt is not None:
        clip.prompt = prompt
    clip.status = ClipStatus.PENDING.value
    clip.prediction_id = clip.submit_token = clip.output_url = clip.file_path = None
    clip.progress, clip.error, clip.cancel_requested = 0.0, "", False
    clip.duration_s = clip.submitted_at = clip.started_at = clip.finished_at = None
    job = clip.job
    job.status, job.error, job.finished_at = JobStatus.RUNNING.value, "", None
    s.flush()
    return clip_state(clip)


def mark_canceled_idle(s: Session, clip_ids: Iterable[int]) -> list[ClipState]:
    """Cancel clips no task of this process drives (pending, interrupted, or run by another process)."""
    states = []
    for clip_id in clip_ids:
        clip = get_clip_row(s, clip_id)
        if clip.status in UNFINISHED:
            states.append(mark_finished(s, clip_id, ClipStatus.CANCELED, error=""))
    return states


# ---- jobs ------------------------------------------------------------------------------------------------------
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
    """Recompute the job's status, cost and error from its clips (``driven_clip_ids``: clips tasks drive now).

    A running combine keeps its ``combining`` status unless ``combining_done`` (its process has ended).
    """
    job = get_job_row(s, job_id)
    statuses = [ClipStatus(c.status) for c in job.clips]
    active = any(c.id in driven_clip_ids and c.status in UNFINISHED for c in job.clips)
    status = job_outcome(statuses, active, job.started_at is not None)
    if combining_done or not (status is JobStatus.SUCCEEDED and job.status == JobStatus.COMBINING.value):
        job.status = status.value
    job.actual_cost_usd = round(sum(c.cost_usd for c in job.clips), 4)
    failed = [c for c in job.clips if c.status == ClipStatus.FAILED.value]
    job.error = f"{len(failed)} of {len(job.clips)} clips failed" if failed else ""
    if status is JobStatus.RUNNING:
        job.started_at = job.started_at or utcnow()
        job.finished_at = None
    elif status.is_terminal:
        job.finished_at = job.finished_at or utcnow()
    s.flush()
    return job_state(job)


def set_job_error(s: Session, job_id: int, error: str) -> JobState:
    job = get_job_row(s, job_id)
    job.error = error
    return job_state(job)


def list_jobs(s: Session, campaign_id: int | None, me: str | None = None) -> list[JobState]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if campaign_id is not None:
        query = query.where(Job.campaign_id == campaign_id)
    return [job_state(r, me) for r in s.scalars(query)]


def mark_interrupted(s: Session, active_clip_ids: set[int], me: str) -> list[JobState]:
    """Work an ended process left behind: its in-flight clips become interrupted, a combine it left is undone, and
    a job it left running is recomputed. Jobs another live process works (it holds their lease) are left alone;
    returns the jobs changed."""
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
    s.flush()
    return [refresh_job(s, job_id, active_clip_ids, combining_done=True) for job_id in sorted(stale)]


def _driven(s: Session, job_id: int, active_clip_ids: set[int]) -> bool:
    return any(clip_id in active_clip_ids for clip_id in s.scalars(select(Clip.id).where(Clip.job_id == job_id)))


def request_cancel(s: Session, clip_ids: Iterable[int]) -> list[ClipState]:
    """Ask the process that works these clips' job to cancel them (it does so at its next heartbeat)."""
    states = []
    for clip_id in clip_ids:
        clip = get_clip_row(s, clip_id)
        if clip.status in UNFINISHED:
            clip.cancel_requested = True
            states.append(clip_state(clip))
    s.flush()
    return states


# ---- the combine step -----------------------------------------------------------------------------------------
def media_source(s: Session, job_id: int, root: Path) -> JobMedia:
    """What a combine of job ``job_id`` is made of: its succeeded clips (those with a file), frames and brand."""
    row = get_job_row(s, job_id)
    campaign = s.get(Campaign, row.campaign_id)
    client = s.get(Client, campaign.client_id) if campaign else None
    clips = [c for c in row.clips if c.status == ClipStatus.SUCCEEDED.value and c.file_path]
    asset_ids = {a for c in clips for a in (c.first_asset_id, c.last_asset_id) if a is not None}
    assets = {a.id: AssetRef(a.id, a.original_name, a.sha256, a.format)
              for a in s.scalars(select(Asset).where(Asset.id.in_(asset_ids)))} if asset_ids else {}
    return JobMedia(
        id=row.id, campaign_id=row.campaign_id, campaign_name=campaign.name if campaign else "",
        client_id=client.id if client else 0, client_name=client.name if client else "",
        brand_colors=tuple(client.brand_colors or ()) if client else (), model_id=row.model_id,
        status=JobStatus(row.status), aspect=row.aspect, resolution=row.resolution,
        clips=tuple(ClipMedia(
            id=c.id, position=c.position, path=resolve_path(root, c.file_path or ""), prompt=c.prompt,
            model_id=c.model_id, prediction_id=c.prediction_id, cost_usd=c.cost_usd or 0.0, duration_s=c.duration_s,
            first_asset=assets.get(c.first_asset_id) if c.first_asset_id else None,
            last_asset=assets.get(c.last_asset_id) if c.last_asset_id else None) for c in clips),
        output_path=resolve_path(root, row.output_path) if row.output_path else None,
        output_meta=dict(row.output_meta or {}))


def resolve_path(root: Path, stored: str) -> Path:
    """A stored file path: absolute as is, relative to the library folder otherwise."""
    path = Path(stored)
    return path if path.is_absolute() else root / path


def begin_combine(s: Session, job_id: int) -> JobStatus:
    """Mark the job ``combining``; returns its status before (restored by ``end_combine`` or ``record_combined``).

    A job still making clips keeps its status: a combine of the clips done so far is a preview of the ad.
    """
    job = get_job_row(s, job_id)
    previous = JobStatus(job.status)
    if previous not in (JobStatus.PENDING, JobStatus.RUNNING):
        job.status = JobStatus.COMBINING.value
    return previous


def end_combine(s: Session, job_id: int, previous: JobStatus) -> None:
    """A combine ended without a new ad: the job's status before it returns."""
    job = s.get(Job, job_id)
    if job is not None and job.status == JobStatus.COMBINING.value:
        job.status = _after_combine(previous).value


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


def delete_job(s: Session, job_id: int) -> None:
    s.delete(get_job_row(s, job_id))

