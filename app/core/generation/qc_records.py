"""Quality-control results stored on clips and their attempts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Clip, ClipAttempt
from app.core.domain import ClipState, ClipStatus
from app.core.generation.states import clip_qc, clip_state, get_clip_row
from app.core.qc.verdict import ClipQc


def failed_qc(clip: Clip) -> bool:
    """The clip has a video that failed quality control."""
    qc = clip_qc(clip.qc)
    return clip.status == ClipStatus.SUCCEEDED.value and qc is not None and qc.failed


def record_qc(s: Session, clip_id: int, attempt: int, qc: ClipQc) -> ClipState:
    """Store ``qc`` on attempt ``attempt`` of the clip, and on the clip while that attempt is still its current one
    (a retry started meanwhile keeps its own, later result)."""
    clip = get_clip_row(s, clip_id, with_job=True)  # the change names the job's campaign
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
