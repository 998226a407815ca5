"""What the combine and the Ad page read about jobs and their clips, as plain frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.db.models import Asset, Campaign, Client, Clip, Job
from app.core.domain import ClipStatus, JobStatus


@dataclass(frozen=True, slots=True)
class AssetRef:
    id: int
    name: str
    sha256: str
    format: str


@dataclass(frozen=True, slots=True)
class ClipMedia:
    """One succeeded clip of a job, in the order it plays."""

    id: int
    position: int
    path: Path
    prompt: str
    model_id: str
    prediction_id: str | None
    cost_usd: float
    duration_s: float | None
    first_asset: AssetRef | None
    last_asset: AssetRef | None

    @property
    def label(self) -> str:
        """How messages name the clip: its position in the job (as the generation numbers it) and its file."""
        return f"clip {self.position} ({self.path.name})"


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A job that has clips to combine (for the Ad page's job picker)."""

    id: int
    campaign_id: int
    model_id: str
    status: JobStatus
    clip_count: int
    created_at: datetime | None
    output_path: Path | None


@dataclass(frozen=True, slots=True)
class JobMedia:
    """A job, its succeeded clips in order, and what the last combine made."""

    id: int
    campaign_id: int
    campaign_name: str
    client_id: int
    client_name: str
    brand_colors: tuple[str, ...]
    model_id: str
    status: JobStatus
    aspect: str
    resolution: str
    clips: tuple[ClipMedia, ...]
    output_path: Path | None = None
    output_meta: dict[str, Any] = field(default_factory=dict)


def resolve_path(root: Path, stored: str) -> Path:
    """A stored file path: absolute as is, relative to the library folder otherwise."""
    path = Path(stored)
    return path if path.is_absolute() else root / path


def load_job_media(session: Session, job_id: int, root: Path) -> JobMedia | None:
    """The job with its succeeded clips (those with a file), or None if there is no such job."""
    row = session.get(Job, job_id)
    if row is None:
        return None
    campaign = session.get(Campaign, row.campaign_id)
    client = session.get(Client, campaign.client_id) if campaign else None
    clips = session.scalars(select(Clip).where(Clip.job_id == job_id, Clip.status == ClipStatus.SUCCEEDED.value,
                                               Clip.file_path.is_not(None))
                            .order_by(Clip.position, Clip.id)).all()
    asset_ids = {a for c in clips for a in (c.first_asset_id, c.last_asset_id) if a is not None}
    assets = {a.id: AssetRef(a.id, a.original_name, a.sha256, a.format)
              for a in session.scalars(select(Asset).where(Asset.id.in_(asset_ids)))} if asset_ids else {}
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


def load_campaign_jobs(session: Session, campaign_id: int, root: Path) -> list[JobSummary]:
    """The campaign's jobs that have at least one succeeded clip, newest first."""
    counts = (select(Clip.job_id, func.count(Clip.id).label("n"))
              .where(Clip.status == ClipStatus.SUCCEEDED.value, Clip.file_path.is_not(None))
              .group_by(Clip.job_id).subquery())
    rows = session.execute(select(Job, counts.c.n).join(counts, counts.c.job_id == Job.id)
                           .where(Job.campaign_id == campaign_id).order_by(Job.id.desc())).all()
    return [JobSummary(id=job.id, campaign_id=job.campaign_id, model_id=job.model_id, status=JobStatus(job.status),
                       clip_count=int(n), created_at=job.created_at,
                       output_path=resolve_path(root, job.output_path) if job.output_path else None)
            for job, n in rows]
