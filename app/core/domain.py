"""Enums and frozen dataclasses passed between the layers.

Services return these plain values, never ORM objects, so callers on any thread or loop can hold them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Flag(enum.StrEnum):
    """Pick/reject curation flag of an asset."""

    NONE = "none"
    PICK = "pick"
    REJECT = "reject"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class PairSource(enum.StrEnum):
    GROK = "grok"
    LOCAL = "local"
    MANUAL = "manual"


class ClipStatus(enum.StrEnum):
    """Life of one clip: pending → submitting → running → downloading → succeeded, or failed/canceled.

    ``interrupted`` is what a start-up finds where a clip was mid-flight and not yet re-attached.
    """

    PENDING = "pending"
    SUBMITTING = "submitting"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    INTERRUPTED = "interrupted"

    @property
    def is_terminal(self) -> bool:
        return self in (ClipStatus.SUCCEEDED, ClipStatus.FAILED, ClipStatus.CANCELED)

    @property
    def is_in_flight(self) -> bool:
        return self in (ClipStatus.SUBMITTING, ClipStatus.RUNNING, ClipStatus.DOWNLOADING)


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMBINING = "combining"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    INTERRUPTED = "interrupted"

    @property
    def is_terminal(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)


class Transition(enum.StrEnum):
    CUT = "cut"
    CROSSFADE = "crossfade"
    FADE = "fade"


@dataclass(frozen=True, slots=True)
class ClientInfo:
    id: int
    name: str
    homepage: str = ""
    brand_colors: tuple[str, ...] = ()
    tone: str = ""
    restrictions: str = ""
    notes: str = ""
    campaign_count: int = 0


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    id: int
    client_id: int
    name: str
    goal: str = ""
    audience: str = ""
    key_messages: tuple[str, ...] = ()
    product_url: str = ""
    budget_usd: float | None = None
    status: CampaignStatus = CampaignStatus.DRAFT
    client_name: str = ""


@dataclass(frozen=True, slots=True)
class AssetInfo:
    id: int
    client_id: int
    sha256: str
    original_name: str
    source: str
    format: str
    width: int
    height: int
    bytes: int
    rating: int = 0
    flag: Flag = Flag.NONE
    notes: str = ""
    tags: tuple[str, ...] = ()
    imported_at: datetime | None = None
    notes_version: int = 0  # a notes save made from an older version is refused (``NotesConflict``)
    imported_by: str = ""  # who did what: user@host, or the name set in Settings
    rated_by: str = ""
    flagged_by: str = ""
    notes_by: str = ""


@dataclass(frozen=True, slots=True)
class PairSuggestion:
    """One ordered first-frame → last-frame pair of a campaign."""

    first_asset_id: int
    last_asset_id: int
    score: float
    reasoning: str
    prompt: str
    source: PairSource
    position: int = 0
    id: int | None = None
    # A prompt saved from an older version is refused (``PromptConflict``). Neither field is part of what a pair
    # *is* (a list shown and the same list read again compare equal), but a reader keeps the newer ones.
    prompt_version: int = field(default=0, compare=False)
    prompt_by: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class ClipState:
    id: int
    job_id: int
    position: int
    first_asset_id: int | None
    last_asset_id: int | None
    prompt: str
    model_id: str
    status: ClipStatus
    prediction_id: str | None = None
    progress: float = 0.0
    attempts: int = 0
    error: str = ""
    file_path: str | None = None
    duration_s: float | None = None
    cost_usd: float = 0.0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    cancel_requested: bool = False


@dataclass(frozen=True, slots=True)
class JobWorker:
    """Another process working a job (it holds the job's lease): this one only watches."""

    host: str
    pid: int

    def describe(self) -> str:
        return f"another Pairframe (pid {self.pid} on {self.host})"


@dataclass(frozen=True, slots=True)
class JobState:
    """The one read model of a job: its settings, status, money, last ad and clips."""

    id: int
    campaign_id: int
    model_id: str
    duration_s: float
    aspect: str
    resolution: str
    status: JobStatus
    estimate_usd: float
    actual_cost_usd: float = 0.0
    transition: Transition = Transition.CUT
    output_path: str | None = None
    error: str = ""
    created_at: datetime | None = None
    finished_at: datetime | None = None
    clips: tuple[ClipState, ...] = field(default=())
    output_meta: dict[str, object] = field(default_factory=dict, compare=False)
    music_path: str | None = None
    worker: JobWorker | None = None  # set when another process works the job
    launched_by: str = ""  # who created the job: user@host, or the name set in Settings

    def succeeded_clips(self) -> tuple[ClipState, ...]:
        """The clips with a finished video, in their order."""
        return tuple(c for c in self.clips if c.status is ClipStatus.SUCCEEDED and c.file_path)


class ImportResult(enum.StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    LINKED = "linked"  # already in the client's library; now also used by this campaign
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What happened to one input of an import (a file, or a URL)."""

    source: str
    result: ImportResult
    reason: str = ""
    asset_id: int | None = None


@dataclass(frozen=True, slots=True)
class ImportProgress:
    done: int
    total: int
    current: str = ""


@dataclass(frozen=True, slots=True)
class ImportReport:
    outcomes: tuple[ImportOutcome, ...]
    canceled: bool = False

    def count(self, result: ImportResult) -> int:
        return sum(1 for o in self.outcomes if o.result is result)


class AssetSort(enum.StrEnum):
    IMPORTED = "imported"
    NAME = "name"
    RATING = "rating"


@dataclass(frozen=True, slots=True)
class AssetFilter:
    """What the asset grid shows: every field narrows; the defaults show everything."""

    min_rating: int = 0
    flags: frozenset[Flag] = frozenset()
    tag: str = ""
    text: str = ""
    sort: AssetSort = AssetSort.IMPORTED
    descending: bool = False


class PairingStage(enum.StrEnum):
    """What a pairing run is doing, for its progress line."""

    FEATURES = "features"  # computing visual features of assets imported without them
    PREVIEWS = "previews"  # preparing the downscaled previews sent to Grok
    REQUEST = "request"  # waiting for Grok's answer
    RETRY = "retry"  # waiting before asking again (rate limit, server error, unusable reply)
    PAIRING = "pairing"  # the local pairer at work
    SAVING = "saving"


@dataclass(frozen=True, slots=True)
class PairingProgress:
    """One progress report of a pairing run; ``str()`` gives the short line a page or terminal shows."""

    stage: PairingStage
    done: int = 0
    total: int = 0
    wait_s: float = 0.0
    reason: str = ""

    def __str__(self) -> str:
        counted = f" {self.done}/{self.total}" if self.total else ""
        if self.stage is PairingStage.FEATURES:
            return f"Reading visual features{counted}…"
        if self.stage is PairingStage.PREVIEWS:
            return f"Preparing previews{counted}…" if self.done else f"Preparing {self.total} previews…"
        if self.stage is PairingStage.REQUEST:
            attempt = f" (attempt {self.done})" if self.done > 1 else ""
            return f"Asking Grok about {self.total} images{attempt}…"
        if self.stage is PairingStage.RETRY:
            wait = f"retrying in {self.wait_s:.0f} s" if self.wait_s >= 1 else "retrying"
            return f"{self.reason}: {wait}…" if self.reason else f"{wait.capitalize()}…"
        if self.stage is PairingStage.PAIRING:
            return f"Pairing {self.total} images locally…"
        return "Saving the suggestions…"


@dataclass(frozen=True, slots=True)
class PairingResult:
    """What one "Suggest pairs" run stored, what it repaired, and what it cost."""

    suggestions: tuple[PairSuggestion, ...]
    pairer: str  # "grok" | "local"
    repairs: tuple[str, ...] = ()  # what was dropped or repaired in the reply
    notes: tuple[str, ...] = ()  # e.g. "62 usable assets: sent the 40 best rated and most diverse"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
