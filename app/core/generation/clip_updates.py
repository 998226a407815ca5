"""A clip's way through its attempts, one transition per function (each returns the new state).

Submission records (token, exact input, time) live in ``jobs.options["submissions"]`` keyed by clip id, committed
before a create is sent, so a clip left ``submitting`` without a prediction id can be found again after a crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Asset, Clip, ClipAttempt, utcnow
from app.core.domain import ClipState, ClipStatus, JobStatus
from app.core.generation import ab
from app.core.generation.errors import GenerationError
from app.core.generation.providers.base import Submission
from app.core.generation.qc_records import failed_qc
from app.core.generation.states import IN_FLIGHT, RETRYABLE, UNFINISHED, clip_state, get_clip_row, get_job_row
from app.core.generation.working_time import close_work, open_work
from app.core.library.store import AssetStore
from app.core.money import ledger
from app.core.money.charges import Charge


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
    """The clip with its job's settings (its variant's in an A/B job), its frames' files and its submission."""
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


def attempt_row(s: Session, clip: Clip) -> ClipAttempt | None:
    """The row of the clip's current attempt (None before its first)."""
    return s.scalar(select(ClipAttempt).where(ClipAttempt.clip_id == clip.id, ClipAttempt.attempt == clip.attempts))


def _rows(s: Session, clip_id: int) -> tuple[Clip, ClipAttempt | None]:
    """The clip's row with its job's, and its current attempt's row, all read before a transition changes any of
    them: its writes then reach the database in one flush, not one per query that would follow a change."""
    clip = get_clip_row(s, clip_id, with_job=True)
    return clip, attempt_row(s, clip)


def begin_attempt(s: Session, clip_id: int) -> ClipState:
    """Count a new attempt, unless the last one never reached the provider (stopped while preparing)."""
    clip, last = _rows(s, clip_id)
    open_work(clip)
    if last is not None and last.status == ClipStatus.PENDING.value:
        s.flush()
        return clip_state(clip)
    clip.attempts += 1
    clip.error = ""
    s.add(ClipAttempt(clip_id=clip.id, attempt=clip.attempts, model_id=clip.model_id, prompt=clip.prompt,
                      status=ClipStatus.PENDING.value))
    s.flush()
    return clip_state(clip)


def start_working(s: Session, clip_id: int) -> ClipState:
    """This process drives the clip again (re-attached after a stop): its working time runs."""
    clip = get_clip_row(s, clip_id)
    open_work(clip)
    s.flush()
    return clip_state(clip)


def stop_working(s: Session, clip_id: int) -> ClipState:
    """This process stopped driving the clip without an outcome (it closes): its working time stops."""
    clip = get_clip_row(s, clip_id)
    close_work(clip)
    s.flush()
    return clip_state(clip)


def mark_submitting(s: Session, clip_id: int, submission: Submission) -> ClipState:
    """The create is about to be sent: its submission record is committed first."""
    clip, attempt = _rows(s, clip_id)
    clip.status = ClipStatus.SUBMITTING.value
    clip.submit_token = submission.token
    clip.submitted_at = submission.submitted_at
    options = dict(clip.job.options or {})
    records = dict(options.get("submissions") or {})
    records[str(clip.id)] = {"token": submission.token, "input": dict(submission.input),
                             "submitted_at": submission.submitted_at.isoformat()}
    options["submissions"] = records
    clip.job.options = options
    if attempt:
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
    clip, attempt = _rows(s, clip_id)
    _record_call(s, clip, opened)
    if prediction_id:
        clip.prediction_id = prediction_id
    if clip.status != ClipStatus.CANCELED.value:
        clip.status = ClipStatus.RUNNING.value
        clip.started_at = clip.started_at or utcnow()
    if attempt:
        attempt.prediction_id = prediction_id or attempt.prediction_id
        attempt.status = clip.status
    s.flush()
    return clip_state(clip)


def mark_not_created(s: Session, clip_id: int) -> ClipState:
    """The create a submission record announced never made a prediction (the provider's lookup says so): the
    clip is pending again, in the same attempt, and a fresh create makes it."""
    clip, attempt = _rows(s, clip_id)
    if clip.prediction_id is not None:
        raise GenerationError(f"clip {clip.position} has prediction {clip.prediction_id}: it was created")
    clip.status = ClipStatus.PENDING.value
    clip.submit_token = clip.submitted_at = None
    _drop_submission(clip)
    if attempt:
        attempt.status = ClipStatus.PENDING.value
    s.flush()
    return clip_state(clip)


def _drop_submission(clip: Clip) -> None:
    options = dict(clip.job.options or {})
    records = dict(options.get("submissions") or {})
    if records.pop(str(clip.id), None) is not None:
        options["submissions"] = records
        clip.job.options = options


def mark_progress(s: Session, fractions: Mapping[int, float]) -> None:
    """Clips' progress (clip id → 0..1), of those still in flight."""
    if not fractions:
        return
    for clip in s.scalars(select(Clip).where(Clip.id.in_(list(fractions)), Clip.status.in_(IN_FLIGHT))):
        clip.progress = fractions[clip.id]


def mark_downloading(s: Session, clip_id: int, output_url: str, charge: Charge | None = None) -> ClipState:
    """The prediction succeeded: its amount enters the ledger and its output is being fetched."""
    clip = get_clip_row(s, clip_id, with_job=True)
    _record_call(s, clip, charge)
    clip.status = ClipStatus.DOWNLOADING.value
    clip.output_url = output_url
    s.flush()
    return clip_state(clip)


def mark_finished(s: Session, clip_id: int, status: ClipStatus, *, charge: Charge | None = None, error: str = "",
                  file_path: str | None = None, duration_s: float | None = None) -> ClipState:
    """A terminal (or interrupted) outcome; ``charge`` (what the prediction cost) is recorded in the ledger."""
    clip, attempt = _rows(s, clip_id)
    _record_call(s, clip, charge)
    clip.status = status.value
    clip.error = error
    clip.cancel_requested = False
    close_work(clip)
    if status is ClipStatus.SUCCEEDED:
        clip.file_path, clip.duration_s, clip.progress = file_path, duration_s, 1.0
    if status is not ClipStatus.INTERRUPTED:
        clip.finished_at = utcnow()
        _drop_submission(clip)
    if attempt:
        attempt.status, attempt.error = status.value, error
        attempt.finished_at = clip.finished_at
    s.flush()
    return clip_state(clip)


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


def mark_canceled_idle(s: Session, clip_ids: Iterable[int]) -> list[ClipState]:
    """Cancel clips no task of this process drives (pending, interrupted, or run by another process)."""
    states = []
    for clip_id in clip_ids:
        clip = get_clip_row(s, clip_id)
        if clip.status in UNFINISHED:
            states.append(mark_finished(s, clip_id, ClipStatus.CANCELED, error=""))
    return states


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
