"""Enums and frozen dataclasses passed between the layers.

Services return these plain values, never ORM objects, so callers on any thread or loop can hold them.
"""

from __future__ import annotations

import enum
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.core.qc.verdict import ClipQc


class Flag(enum.StrEnum):
    """Pick/reject curation flag of an asset."""

    NONE = "none"
    PICK = "pick"
    REJECT = "reject"


class ColorLabel(enum.StrEnum):
    """A colour label of an asset, as in Lightroom: keys 6–9 set red, yellow, green and blue; purple has no key."""

    NONE = "none"
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    BLUE = "blue"
    PURPLE = "purple"


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
    # The brand kit (stored paths are relative to the library's shared folder; see ``LibraryPaths.file``)
    logo_asset_id: int | None = None  # one of the client's assets as the logo, or
    logo_file: str | None = None  # a logo file copied into the library
    logo_key_background: bool = False  # key out a flat background (a JPEG logo on white)
    brand_fonts: tuple[str, ...] = ()  # font files copied into the library; the first sets the text
    cta: str = ""  # the default call to action of end cards


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
    brand_check: bool = False  # QC also shows each clip's frames to a vision model with the brand's rules


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
    label: ColorLabel = ColorLabel.NONE
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


def working_seconds(done_s: float, since: datetime | None, now: datetime | None = None) -> float:
    """Working time: the seconds of finished spans plus the span open since ``since`` (naive UTC), up to ``now``."""
    if since is None:
        return max(0.0, done_s)
    moment = now or datetime.now(UTC)
    moment = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return max(0.0, done_s) + max(0.0, (moment - since).total_seconds())


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
    working_s: float = 0.0  # seconds a process drove the clip, in spans that ended
    working_since: datetime | None = None  # a live process drives it since then (None: nobody does)
    focus: tuple[float, float] | None = None  # the point a crop keeps in view (fractions); None: the centre
    qc: ClipQc | None = None  # quality control of the current attempt's video (None: not checked)

    def working_time_s(self, now: datetime | None = None) -> float:
        """Seconds a process has driven the clip, up to ``now`` (the time the app was closed never counts)."""
        return working_seconds(self.working_s, self.working_since, now)


@dataclass(frozen=True, slots=True)
class JobWorker:
    """Another process working a job (it holds the job's lease): this one only watches."""

    host: str
    pid: int

    def describe(self) -> str:
        """How messages name it: "another Pairframe (pid 4242)" (with the host when it is another machine)."""
        here = self.host == socket.gethostname()
        return f"another Pairframe (pid {self.pid}{'' if here else f' on {self.host}'})"


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
    working_s: float = 0.0  # seconds a process held the job's lease, in spans that ended
    working_since: datetime | None = None  # a live process holds the lease since then (None: nobody does)
    launched_by: str = ""  # who created the job: user@host, or the name set in Settings

    def working_time_s(self, now: datetime | None = None) -> float:
        """Seconds a process has worked the job, up to ``now`` (not the time it sat interrupted or closed)."""
        return working_seconds(self.working_s, self.working_since, now)

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
    """What the asset grid shows: every field narrows; the defaults show everything.

    ``unrated`` keeps only assets without stars (``min_rating`` is then ignored); ``labels`` keeps assets with one
    of the colour labels (``ColorLabel.NONE``: those without one); ``combinable`` keeps the assets pairing may use
    (not rejected, rated at least the settings' ``pairing_min_rating``).
    """

    min_rating: int = 0
    flags: frozenset[Flag] = frozenset()
    tag: str = ""
    text: str = ""
    sort: AssetSort = AssetSort.IMPORTED
    descending: bool = False
    unrated: bool = False
    labels: frozenset[ColorLabel] = frozenset()
    combinable: bool = False

    def is_narrowing(self) -> bool:
        """True when the filter hides some assets (the sort alone hides none)."""
        return bool(self.min_rating or self.flags or self.tag or self.text or self.unrated or self.labels
                    or self.combinable)


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
    replaced: PairListSnapshot | None = None  # the stored list the run replaced (None: nothing was stored)


# ---- what an edit replaced (so Undo puts back exactly that) ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class AssetFieldValues:
    """One curation field (``rating``, ``flag``, ``label`` or ``notes``) of some assets, as it was before an edit."""

    field: str
    values: tuple[tuple[int, object], ...]  # (asset id, value)
    versions: tuple[tuple[int, int], ...] = ()  # notes only: (asset id, its notes_version after the edit)

    @property
    def asset_ids(self) -> tuple[int, ...]:
        return tuple(asset_id for asset_id, _ in self.values)


@dataclass(frozen=True, slots=True)
class TagEdit:
    """A tag added to (``added``) or removed from assets: the assets that changed, and whether the tag was new."""

    tag: str
    asset_ids: tuple[int, ...]
    added: bool
    created: bool = False


@dataclass(frozen=True, slots=True)
class Membership:
    """Assets that left a campaign, with when each had joined it."""

    campaign_id: int
    joined: tuple[tuple[int, datetime], ...]  # (asset id, added_at)

    @property
    def asset_ids(self) -> tuple[int, ...]:
        return tuple(asset_id for asset_id, _ in self.joined)


@dataclass(frozen=True, slots=True)
class TrashedAssets:
    """Assets deleted from the library, everything that went with them, and where their files went.

    ``assets`` and ``pairs`` hold the rows' column values; ``memberships`` are (campaign id, asset id, added_at),
    ``clip_frames`` (clip id, column, asset id) of clips whose frame reference was cleared, ``files`` (sha256,
    format, path in the trash) of the originals no other asset needed.
    """

    assets: tuple[dict[str, object], ...]
    tags: tuple[tuple[int, str], ...] = ()
    memberships: tuple[tuple[int, int, datetime], ...] = ()
    pairs: tuple[dict[str, object], ...] = ()
    clip_frames: tuple[tuple[int, str, int], ...] = ()
    files: tuple[tuple[str, str, str], ...] = ()

    @property
    def asset_ids(self) -> tuple[int, ...]:
        return tuple(int(row["id"]) for row in self.assets)  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class StoredPair:
    """One stored pair row with everything a ``PairSuggestion`` leaves out (its run, mark and time)."""

    pair: PairSuggestion
    run_id: int | None
    edited: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PairListSnapshot:
    """A campaign's stored pair list exactly as it was, to put back on Undo."""

    campaign_id: int
    rows: tuple[StoredPair, ...]

    def pairs(self) -> list[PairSuggestion]:
        return [row.pair for row in self.rows]


@dataclass(frozen=True, slots=True)
class PairListEdit:
    """What an edit of a pair list stored (``saved``), and the stored list before and after it."""

    saved: tuple[PairSuggestion, ...]
    before: PairListSnapshot
    after: PairListSnapshot
