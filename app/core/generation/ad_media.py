"""What a job's ad is made of: its clips with a video (the winners of an A/B job), their frames, the brand, and
the clips left without a video."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Asset, Campaign, Client
from app.core.domain import ClipStatus, JobStatus
from app.core.generation import ab
from app.core.generation.errors import GenerationError
from app.core.generation.states import get_clip_row, get_job_row
from app.core.media.jobs import AssetRef, ClipMedia, JobMedia, resolve_path
from app.core.money import ledger


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
