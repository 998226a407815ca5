"""Jobs and clips in the database: each function is one unit of work for ``Database.run`` (returns plain values).

The functions live in focused modules; this one gathers them under the one name their callers use (``repo.<name>``):
read models (``states``), a new job (``new_jobs``), a clip's transitions (``clip_updates``), QC records
(``qc_records``), a job's status (``job_status``), its lease and working time (``job_leases``), what its ad is made
of (``ad_media``) and the combine on its row (``combine_status``).
"""

from __future__ import annotations

from app.core.generation.ad_media import MissingClip, media_source, missing_clips, resolve_path, set_clip_focus
from app.core.generation.clip_updates import (
    ClipRun,
    begin_attempt,
    load_run,
    mark_canceled_idle,
    mark_created,
    mark_downloading,
    mark_finished,
    mark_not_created,
    mark_progress,
    mark_submitting,
    request_cancel,
    reset_for_retry,
    start_working,
    stop_working,
    unfinished_clips,
)
from app.core.generation.combine_status import begin_combine, end_combine, forget_abandoned_combines, record_combined
from app.core.generation.job_leases import give_back_lease, mark_interrupted, take_lease
from app.core.generation.job_status import delete_job, fail_unsent, job_outcome, refresh_job
from app.core.generation.new_jobs import NewJob, campaign_money, insert_job, saved_pairs
from app.core.generation.qc_records import attempt_qcs, failed_qc, record_qc
from app.core.generation.states import (
    IN_FLIGHT,
    RETRYABLE,
    UNFINISHED,
    clip_qc,
    clip_state,
    get_clip_row,
    get_job_row,
    job_state,
    list_jobs,
)

__all__ = [
    "IN_FLIGHT", "RETRYABLE", "UNFINISHED", "ClipRun", "MissingClip", "NewJob", "attempt_qcs", "begin_attempt",
    "begin_combine", "campaign_money", "clip_qc", "clip_state", "delete_job", "end_combine", "fail_unsent",
    "failed_qc", "forget_abandoned_combines", "get_clip_row", "get_job_row", "give_back_lease", "insert_job",
    "job_outcome", "job_state", "list_jobs", "load_run", "mark_canceled_idle", "mark_created", "mark_downloading",
    "mark_finished", "mark_interrupted", "mark_not_created", "mark_progress", "mark_submitting", "media_source",
    "missing_clips", "record_combined", "record_qc", "refresh_job", "request_cancel", "reset_for_retry",
    "resolve_path", "saved_pairs", "set_clip_focus", "start_working", "stop_working", "take_lease",
    "unfinished_clips",
]
