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
from app.core.generation import ab, lease
from app.core.generation.errors import GenerationError
from app.core.generation.providers.base import Submission
from app.core.library.store import AssetStore
from app.core.media.jobs import AssetRef, ClipMedia, JobMedia
from app.core.money import budget, ledger
from app.core.money.budget import CampaignMoney
from app.core.money.charges import Charge
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
def campaign_money(s: Session, campaign_id: int) -> CampaignMoney:
    """The campaign's budget, what it spent and what its work in flight has committed."""
    money = budget.campaign_money(s, campaign_id)
    if money is None:
        raise GenerationError(f"there is no campaign {campaign_id}")
    return money


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
    variants: tuple[ab.VariantPlan, ...] = ()  # an A/B job: each pair is made once per variant's model
    qc: bool = True  # check each clip as soon as its video is stored


def insert_job(s: Session, new: NewJob, allow_over_budget: bool) -> JobState:
    """Check the budget and the pairs' assets again (in this transaction), then add the job and its clips.

    A refusal for budget says what holds the money and how to free it. The campaign's row is locked first, so two
    workstations launching at once check the budget one after the other (SQLite's write lock does this by itself;
    PostgreSQL needs the row lock)."""
    s.execute(select(Campaign.id).where(Campaign.id == new.campaign_id).with_for_update())
    money = campaign_money(s, new.campaign_id)
    if not allow_over_budget and not money.allows(new.estimate_usd):
        raise GenerationError(money.refusal(new.estimate_usd))
    asset_ids = {a for p in new.pairs for a in (p.first_asset_id, p.last_asset_id)}
    known = set(s.scalars(select(Asset.id).where(Asset.id.in_(asset_ids))))
    for index, pair in enumerate(new.pairs, start=1):
        if pair.first_asset_id not in known or pair.last_asset_id not in known:
            raise GenerationError(f"pair {index} uses an image that is no longer in the library")
    job = Job(campaign_id=new.campaign_id, model_id=new.model_id, duration_s=new.duration_s, aspect=new.aspect,
              resolution=new.resolution, status=JobStatus.PENDING.value, estimate_usd=new.estimate_usd,
              transition=new.transition, music_path=new.music_path, launched_by=new.launched_by,
              options={"adjustments": list(new.adjustments), "submissions": {},
                       **({} if new.qc else {"qc": False})})
    if new.variants:
        s.add(job)
        s.flush()
        ab.add_variants(s, job, new.variants, new.pairs)
    else:
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
    duration_s, resolution = ab.variant_settings(s, row) or (job.duration_s, job.resolution)
    return ClipRun(clip_state(row), duration_s, resolution, job.aspect, paths[0], paths[1], submission)


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
    _open_work(clip)
    last = _attempt_row(s, clip)
    if last is not None and last.status == ClipStatus.PENDING.value:
        s.flush()
        return clip_state(clip)
    clip.attempts += 1
    clip.error = ""
    s.add(ClipAttempt(clip_id=clip.id, attempt=clip.attempts, model_id=clip.model_id, prompt=clip.prompt,
                      status=ClipStatus.PENDING.value))
    s.flush()
    return clip_state(clip)


def _open_work(row: Clip | Job, now: datetime | None = None) -> None:
    if row.working_since is None:
        row.working_since = now or utcnow()


def _close_work(row: Clip | Job, until: datetime | None = None) -> None:
    """End the open working span at ``until`` (now by default), adding its seconds to the working time."""
    if row.working_since is not None:
        end = until or utcnow()
        row.working_s = round((row.working_s or 0.0) + max(0.0, (end - row.working_since).total_seconds()), 3)
        row.working_since = None


def start_working(s: Session, clip_id: int) -> ClipState:
    """This process drives the clip again (re-attached after a stop): its working time runs."""
    clip = get_clip_row(s, clip_id)
    _open_work(clip)
    s.flush()
    return clip_state(clip)


def stop_working(s: Session, clip_id: int) -> ClipState:
    """This process stopped driving the clip without an outcome (it closes): its working time stops."""
    clip = get_clip_row(s, clip_id)
    _close_work(clip)
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


def _record_call(s: Session, clip: Clip, charge: Charge | None) -> None:
    """Put the clip's prediction in the ledger (or bring its row up to date), as the clip's job's money."""
    if charge is not None:
        ledger.record(s, charge.owned_by(campaign_id=clip.job.campaign_id, job_id=clip.job_id, clip_id=clip.id))


def mark_created(s: Session, clip_id: int, prediction_id: str | None, opened: Charge | None = None) -> ClipState:
    """Commit the prediction id (always) and its ledger row (``opened``); the clip runs unless someone canceled
    it meanwhile."""
    clip = get_clip_row(s, clip_id)
    _record_call(s, clip, opened)
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


def mark_not_created(s: Session, clip_id: int) -> ClipState:
    """The create a submission record announced never made a prediction (the provider's lookup says so): the
    clip is pending again, in the same attempt, and a fresh create makes it."""
    clip = get_clip_row(s, clip_id)
    if clip.prediction_id is not None:
        raise GenerationError(f"clip {clip.position} has prediction {clip.prediction_id}: it was created")
    clip.status = ClipStatus.PENDING.value
    clip.submit_token = clip.submitted_at = None
    _drop_submission(clip)
    if attempt := _attempt_row(s, clip):
        attempt.status = ClipStatus.PENDING.value
    s.flush()
    return clip_state(clip)


def _drop_submission(clip: Clip) -> None:
    options = dict(clip.job.options or {})
    records = dict(options.get("submissions") or {})
    if records.pop(str(clip.id), None) is not None:
        options["submissions"] = records
        clip.job.options = options


def mark_progress(s: Session, clip_id: int, progress: float) -> None:
    clip = s.get(Clip, clip_id)
    if clip is not None and clip.status in IN_FLIGHT:
        clip.progress = progress


def mark_downloading(s: Session, clip_id: int, output_url: str, charge: Charge | None = None) -> ClipState:
    """The prediction succeeded: its amount enters the ledger and its output is being fetched."""
    clip = get_clip_row(s, clip_id)
    _record_call(s, clip, charge)
    clip.status = ClipStatus.DOWNLOADING.value
    clip.output_url = output_url
    s.flush()
    return clip_state(clip)


def mark_finished(s: Session, clip_id: int, status: ClipStatus, *, charge: Charge | None = None, error: str = "",
                  file_path: str | None = None, duration_s: float | None = None) -> ClipState:
    """A terminal (or interrupted) outcome; ``charge`` (what the prediction cost) is recorded in the ledger."""
    clip = get_clip_row(s, clip_id)
    _record_call(s, clip, charge)
    clip.status = status.value
    clip.error = error
    clip.cancel_requested = False
    _close_work(clip)
    if status is ClipStatus.SUCCEEDED:
        clip.file_path, clip.duration_s, clip.progress = file_path, duration_s, 1.0
    if status is not ClipStatus.INTERRUPTED:
        clip.finished_at = utcnow()
        _drop_submission(clip)
    if attempt := _attempt_row(s, clip):
        attempt.status, attempt.error = status.value, error
        attempt.finished_at = clip.finished_at
    s.flush()
    return clip_state(clip)


def failed_qc(clip: Clip) -> bool:
    """The clip has a video that failed quality control."""
    qc = clip_qc(clip.qc)
    return clip.status == ClipStatus.SUCCEEDED.value and qc is not None and qc.failed


def reset_for_retry(s: Session, clip_id: int, model_id: str | None, prompt: str | None, *,
                    failed_qc_only: bool = False) -> ClipState:
    """Make the clip pending for a new attempt. ``failed_qc_only``: only a clip whose video failed QC (checked in
    this transaction, so two retries of it cannot both start one)."""
    clip = get_clip_row(s, clip_id)
    if failed_qc_only and not failed_qc(clip):
        raise GenerationError(f"clip {clip.position} is {clip.status} and has no video that failed QC: "
                              "nothing to make again")
    if not failed_qc_only and ClipStatus(clip.status) not in RETRYABLE:
        raise GenerationError(f"clip {clip.position} is {clip.status}: only a failed, canceled or interrupted clip "
                              "can be retried")
    if model_id:
        clip.model_id = model_id
    if prompt is not None:
        clip.prompt = prompt
    clip.status = ClipStatus.PENDING.value
    clip.prediction_id = clip.submit_token = clip.output_url = clip.file_path = None
    clip.progress, clip.error, clip.cancel_requested = 0.0, "", False
    clip.duration_s = clip.submitted_at = clip.started_at = clip.finished_at = clip.working_since = None
    clip.working_s = 0.0  # the card times the new attempt
    clip.qc = None  # the earlier attempt keeps its QC in its attempt row
    job = clip.job
    job.status, job.error, job.finished_at = JobStatus.RUNNING.value, "", None
    s.flush()
    return clip_state(clip)


def record_qc(s: Session, clip_id: int, attempt: int, qc: ClipQc) -> ClipState:
    """Store ``qc`` on attempt ``attempt`` of the clip, and on the clip while that attempt is still its current one
    (a retry started meanwhile keeps its own, later result)."""
    clip = get_clip_row(s, clip_id)
    doc = qc.to_json()
    row = s.scalar(select(ClipAttempt).where(ClipAttempt.clip_id == clip.id, ClipAttempt.attempt == attempt))
    if row is not None:
        row.qc = doc
    if clip.attempts == attempt and clip.status == ClipStatus.SUCCEEDED.value:
        clip.qc = doc
    s.flush()
    return clip_state(clip)


def attempt_qcs(s: Session, clip_id: int) -> list[tuple[int, ClipQc | None]]:
    """(attempt number, its QC or None) of every attempt of the clip, oldest first."""
    rows = s.scalars(select(ClipAttempt).where(ClipAttempt.clip_id == clip_id).order_by(ClipAttempt.attempt))
    return [(row.attempt, clip_qc(row.qc)) for row in rows]


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
            if attempt := _attempt_row(s, clip):
                attempt.status, attempt.error, attempt.finished_at = clip.status, error, clip.finished_at
    s.flush()
    refresh_job(s, job_id, ())
    job.error = error
    return job_state(job)


def list_jobs(s: Session, campaign_id: int | None, me: str | None = None) -> list[JobState]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if campaign_id is not None:
        query = query.where(Job.campaign_id == campaign_id)
    return [job_state(r, me) for r in s.scalars(query)]


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
            _close_work(row, max(row.working_since, last_seen) if last_seen else row.working_since)


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
    target = _forget_combine_target(job)
    if left or job.status == JobStatus.COMBINING.value:
        refresh_job(s, job_id, driven, combining_done=True)
    _open_work(job)
    s.flush()
    return None, target


def give_back_lease(s: Session, job_id: int, me: str) -> JobState | None:
    """``me`` stops working ``job_id``: its working time stops and the lease is released; returns the job."""
    job = s.get(Job, job_id)
    lease.release(s, job_id, me)
    if job is None:
        return None
    _close_work(job)
    s.flush()
    return job_state(job)


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
    clips = [c for c in ab.ad_clips(s, row) if c.status == ClipStatus.SUCCEEDED.value and c.file_path]
    costs = ledger.spent_by_clip(s, [c.id for c in clips])
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
            model_id=c.model_id, prediction_id=c.prediction_id, cost_usd=costs.get(c.id, 0.0), duration_s=c.duration_s,
            first_asset=assets.get(c.first_asset_id) if c.first_asset_id else None,
            last_asset=assets.get(c.last_asset_id) if c.last_asset_id else None, qc=c.qc,
            focus=(c.focus_x, c.focus_y) if c.focus_x is not None and c.focus_y is not None else None)
            for c in clips),
        output_path=resolve_path(root, row.output_path) if row.output_path else None,
        output_meta=dict(row.output_meta or {}))


def set_clip_focus(s: Session, clip_id: int, focus: tuple[float, float] | None) -> None:
    """Where a crop of the clip keeps its view (fractions of the frame, each 0..1), or back to the centre."""
    clip = get_clip_row(s, clip_id)
    if focus is not None and not all(0.0 <= v <= 1.0 for v in focus):
        raise GenerationError(f"a focus point is two fractions of the frame between 0 and 1 (got {focus})")
    clip.focus_x, clip.focus_y = (None, None) if focus is None else (float(focus[0]), float(focus[1]))


def resolve_path(root: Path, stored: str) -> Path:
    """A stored file path: absolute as is, relative to the library folder otherwise."""
    path = Path(stored)
    return path if path.is_absolute() else root / path


@dataclass(frozen=True, slots=True)
class MissingClip:
    """A clip of a job that has no video to combine, and why."""

    id: int
    position: int
    status: ClipStatus
    error: str

    def describe(self) -> str:
        """"clip 3 failed", "clip 5 was canceled", "clip 2 was interrupted", "clip 4 is not finished"."""
        words = {ClipStatus.FAILED: "failed", ClipStatus.CANCELED: "was canceled",
                 ClipStatus.INTERRUPTED: "was interrupted"}.get(self.status, "is not finished")
        return f"clip {self.position} {words}"

    def as_record(self) -> dict[str, object]:
        return {"clip_id": self.id, "position": self.position, "status": self.status.value, "error": self.error}


def missing_clips(s: Session, job_id: int) -> list[MissingClip]:
    """The job's clips without a video to combine (failed, canceled, interrupted or unfinished), in order; of an A/B
    job only the variants its ad uses count."""
    return [MissingClip(c.id, c.position, ClipStatus(c.status), c.error) for c in ab.ad_clips(s, get_job_row(s, job_id))
            if not (c.status == ClipStatus.SUCCEEDED.value and c.file_path)]


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
    _forget_combine_target(job)
    if job.status == JobStatus.COMBINING.value:
        job.status = _after_combine(previous).value


def forget_abandoned_combines(s: Session, job_ids: Iterable[int]) -> list[str]:
    """The paths that combines of processes which ended were writing, for the jobs ``job_ids`` that no live process
    works; each is forgotten (its partial file is to be swept)."""
    targets = []
    for job_id in job_ids:
        job = s.get(Job, job_id)
        if job is not None and not lease.held(s, job_id) and (target := _forget_combine_target(job)):
            targets.append(target)
    return targets


def _forget_combine_target(job: Job) -> str | None:
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


def delete_job(s: Session, job_id: int) -> None:
    s.delete(get_job_row(s, job_id))

