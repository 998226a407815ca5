"""SQLAlchemy 2.x typed models of the library (DESIGN.md §3)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON, list[float]: JSON}


class Client(Base):
    __tablename__ = "clients"
    # Names are unique whatever their case. The services check first (for a clear message); the index holds when
    # two processes on a team library create "Acme" and "ACME" in the same instant, which a check cannot see.
    __table_args__ = (Index("uq_clients_folded_name", func.lower(text("name")), unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    homepage: Mapped[str] = mapped_column(Text, default="")
    brand_colors: Mapped[list[str]] = mapped_column(default=list)
    tone: Mapped[str] = mapped_column(Text, default="")
    restrictions: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # The brand kit: a logo (one of the client's assets, or a file copied into the library's ``brand/`` folder),
    # whether its flat background is keyed out, font files copied the same way (the first one sets the text), and
    # the call to action of end cards.
    # No foreign key on the logo's asset: a deleted asset leaves the kit without a logo (and no clients↔assets cycle).
    logo_asset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    logo_file: Mapped[str | None] = mapped_column(Text, nullable=True)
    logo_key_background: Mapped[bool] = mapped_column(default=False, server_default=false())
    brand_fonts: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    cta: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    campaigns: Mapped[list[Campaign]] = relationship(back_populates="client", cascade="all, delete-orphan",
                                                     passive_deletes=True)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("client_id", "name", name="uq_campaigns_client_name"),
                      Index("uq_campaigns_client_folded_name", "client_id", func.lower(text("name")), unique=True))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    key_messages: Mapped[list[str]] = mapped_column(default=list)
    product_url: Mapped[str] = mapped_column(Text, default="")
    budget_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    brand_check: Mapped[bool] = mapped_column(default=False, server_default=false())  # QC asks a vision model
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    client: Mapped[Client] = relationship(back_populates="campaigns")


class Asset(Base):
    __tablename__ = "assets"
    __table_args__ = (
        UniqueConstraint("client_id", "sha256", name="uq_assets_client_sha256"),
        Index("ix_assets_client_imported", "client_id", "imported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(Integer, default=0, index=True)
    flag: Mapped[str] = mapped_column(String(8), default="none")
    color_label: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Who did what (user@host, or the name set in Settings) and the notes' version: a save made from an older
    # version is refused, so two people editing the same notes cannot overwrite each other unseen.
    notes_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    notes_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    imported_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    rated_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    flagged_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Cheap visual features for the local pairer: 64-bit perceptual hash (hex) and a small colour histogram.
    phash: Mapped[str | None] = mapped_column(String(16), nullable=True)
    color_hist: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CampaignAsset(Base):
    __tablename__ = "campaign_assets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (Index("uq_tags_lower_name", func.lower(text("name")), unique=True).ddl_if(dialect="postgresql"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Case-insensitive: SQLite by the column's collation, PostgreSQL by the unique index on lower(name)
    name: Mapped[str] = mapped_column(String(100, collation="NOCASE").with_variant(String(100), "postgresql"),
                                      unique=True)


class AssetTag(Base):
    __tablename__ = "asset_tags"

    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)


class PairingRun(Base):
    """One request for suggestions: who made them, with what, and what it cost."""

    __tablename__ = "pairing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    pairer: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(100), default="")
    chain: Mapped[bool] = mapped_column(default=False)
    requested_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    repairs: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PairSuggestionRow(Base):
    __tablename__ = "pair_suggestions"
    __table_args__ = (Index("ix_pair_suggestions_campaign_position", "campaign_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("pairing_runs.id", ondelete="SET NULL"), nullable=True)
    first_asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    last_asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasoning: Mapped[str] = mapped_column(Text, default="")
    prompt: Mapped[str] = mapped_column(Text, default="")
    prompt_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # see Asset.notes_version
    prompt_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source: Mapped[str] = mapped_column(String(16))
    # Set when a person changed the pair (its frames, prompt or place in the list): "Suggest pairs" then asks
    # before replacing the list.
    edited: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    model_id: Mapped[str] = mapped_column(String(100))
    duration_s: Mapped[float] = mapped_column(Float)
    aspect: Mapped[str] = mapped_column(String(8))
    resolution: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    estimate_usd: Mapped[float] = mapped_column(Float, default=0.0)
    transition: Mapped[str] = mapped_column(String(16), default="cut")
    music_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    launched_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Working time: seconds a process held the job's lease, plus the span open since ``working_since`` (if any).
    working_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    working_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    clips: Mapped[list[Clip]] = relationship(back_populates="job", cascade="all, delete-orphan",
                                             passive_deletes=True, order_by="Clip.position")


class Clip(Base):
    __tablename__ = "clips"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    first_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    last_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    prompt: Mapped[str] = mapped_column(Text, default="")
    model_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # A random token committed before a create is sent: after a crash between the create and the id's
    # commit, it finds the prediction again instead of creating another.
    submit_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prediction_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    output_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    file_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Set by a process that does not hold the job's lease; the holder cancels the clip at its next heartbeat.
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Working time: seconds a process drove the clip, plus the span open since ``working_since`` (if any).
    working_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    working_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # An A/B job makes each pair once per model: the pair's number and the variant letter (A, B, C); None otherwise.
    ab_pair: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ab_variant: Mapped[str | None] = mapped_column(String(1), nullable=True)
    # The point a crop to another aspect keeps in view, as fractions of the frame (None: the centre).
    focus_x: Mapped[float | None] = mapped_column(Float, nullable=True)
    focus_y: Mapped[float | None] = mapped_column(Float, nullable=True)
    qc: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)  # the current attempt's QC (ClipQc.to_json)

    job: Mapped[Job] = relationship(back_populates="clips")


class AbVariant(Base):
    """One model of an A/B job: its letter, and the clip length, resolution and estimate it was planned with."""

    __tablename__ = "ab_variants"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    variant: Mapped[str] = mapped_column(String(1), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(100))
    duration_s: Mapped[float] = mapped_column(Float)
    resolution: Mapped[str] = mapped_column(String(16), default="")
    estimate_usd: Mapped[float] = mapped_column(Float, default=0.0)


class AbWinner(Base):
    """The variant a person picked for one pair of an A/B job (one row per pair, replaced by a new pick)."""

    __tablename__ = "ab_winners"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    pair: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant: Mapped[str] = mapped_column(String(1))
    chosen_by: Mapped[str] = mapped_column(String(200), default="")
    chosen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ClipAttempt(Base):
    """History of every prediction a clip has had: what each attempt used, did and cost."""

    __tablename__ = "clip_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[str] = mapped_column(String(100))
    prompt: Mapped[str] = mapped_column(Text, default="")
    prediction_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    qc: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)  # this attempt's QC (ClipQc.to_json)


class JobLease(Base):
    """Which process works a job now: one row per job, taken and renewed in one transaction each."""

    __tablename__ = "job_leases"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))  # the holding process's token (unique per open library)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LedgerEntry(Base):
    """One billable call to an outside service: what it cost, how that was worked out, and whose money it was.

    Keyed by the provider's own id of the call (a prediction id, a completion id), so recording one call again —
    from a retry, a resume or another process — finds this row instead of adding one. Amounts are whole
    billionths of ``currency``: sums are exact. Written only by ``app.core.money.ledger``.
    """

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_ledger_entries_provider_external_id"),
        # covers the spend views' reads of part of a month, whatever they group by
        Index("ix_ledger_entries_at", "at", "month", "client_id", "campaign_id", "model", "amount_nanos"),
        Index("ix_ledger_entries_campaign_at", "campaign_id", "at"),
        Index("ix_ledger_entries_client_at", "client_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(100))  # replicate, xai, or a vision server's host
    external_id: Mapped[str] = mapped_column(String(200))  # the provider's id of the call
    kind: Mapped[str] = mapped_column(String(16))  # clip | pairing | rewrite | brand_check
    model: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # the call's state at the provider when last recorded
    final: Mapped[bool] = mapped_column(default=False)  # the amount can no longer change
    amount_nanos: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    price_unit: Mapped[str] = mapped_column(String(16))  # second | compute_second | run | mtok | recorded
    unit_price: Mapped[float] = mapped_column(Float, default=0.0)  # per unit (mtok: per million tokens in)
    unit_price_out: Mapped[float | None] = mapped_column(Float, nullable=True)  # mtok: per million tokens out
    metric: Mapped[str] = mapped_column(String(24))  # output_seconds | predict_time | runs | tokens | recorded
    quantity: Mapped[float] = mapped_column(Float, default=0.0)  # the metric's value
    tokens_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tokens_out: Mapped[int | None] = mapped_column(Integer, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime)  # when the call was made (UTC)
    month: Mapped[str] = mapped_column(String(7))  # at's "YYYY-MM", the spend views' unit
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"),
                                                    nullable=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), nullable=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True,
                                               index=True)
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id", ondelete="SET NULL"), nullable=True,
                                                index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SpendMonth(Base):
    """Running totals of the ledger per month, client, campaign and model, kept in the ledger's transactions.

    Not unique on purpose: two writers that add the first row of a key at once leave two rows, and every reader
    sums them. The spend views read whole months here instead of adding up a million ledger rows.
    """

    __tablename__ = "spend_months"
    __table_args__ = (
        Index("ix_spend_months_month", "month"),
        Index("ix_spend_months_campaign_month", "campaign_id", "month"),
        Index("ix_spend_months_client_month", "client_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="SET NULL"), nullable=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"),
                                                    nullable=True)
    model: Mapped[str] = mapped_column(String(100))
    amount_nanos: Mapped[int] = mapped_column(BigInteger, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)


class ChangeLogRow(Base):
    """What each committed transaction changed, for the other processes open on the library."""

    __tablename__ = "change_log"
    __table_args__ = ({"sqlite_autoincrement": True},)  # sequence numbers never reused, so none is missed

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
