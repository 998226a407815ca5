"""The media layer's view of a job: its succeeded clips with their files and frames, for a combine and a manifest.

Built by the job's owner (``app.core.generation``) from the job's rows; the media layer never reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.domain import JobStatus


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
    focus: tuple[float, float] | None = None  # the point a crop keeps in view (fractions); None: the centre
    qc: dict[str, Any] | None = None  # the clip's quality control (``ClipQc.to_json``; None: not checked)

    @property
    def label(self) -> str:
        """How messages name the clip: its position in the job (as the generation numbers it) and its file."""
        return f"clip {self.position} ({self.path.name})"


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
