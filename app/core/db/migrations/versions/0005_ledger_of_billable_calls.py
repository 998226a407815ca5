"""the ledger: one row per billable call, monthly totals; clip, job and pairing costs become sums over it

The ledger is built from the costs the library recorded before it: each clip attempt's prediction (a prediction
counted once even where it was recorded twice), a clip's prediction or cost no attempt accounts for, and each
pairing run's tokens. Then the cost counters of clips, clip attempts, jobs and pairing runs are dropped.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COUNTERS = (("clips", "cost_usd"), ("clip_attempts", "cost_usd"), ("jobs", "actual_cost_usd"),
            ("pairing_runs", "cost_usd"))
TERMINAL = ("succeeded", "failed", "canceled", "aborted")
MIGRATED = "recorded before the ledger existed"


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("amount_nanos", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_unit", sa.String(length=16), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=False),
        sa.Column("unit_price_out", sa.Float(), nullable=True),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=True),
        sa.Column("tokens_out", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_ledger_entries_campaign_id_campaigns"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_ledger_entries_client_id_clients"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], name=op.f("fk_ledger_entries_clip_id_clips"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_ledger_entries_job_id_jobs"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("provider", "external_id", name="uq_ledger_entries_provider_external_id"),
    )
    op.create_index("ix_ledger_entries_at", "ledger_entries",
                    ["at", "month", "client_id", "campaign_id", "model", "amount_nanos"])
    op.create_index("ix_ledger_entries_campaign_at", "ledger_entries", ["campaign_id", "at"])
    op.create_index("ix_ledger_entries_client_at", "ledger_entries", ["client_id", "at"])
    op.create_index(op.f("ix_ledger_entries_job_id"), "ledger_entries", ["job_id"])
    op.create_index(op.f("ix_ledger_entries_clip_id"), "ledger_entries", ["clip_id"])
    op.create_table(
        "spend_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("amount_nanos", sa.BigInteger(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"],
                                name=op.f("fk_spend_months_campaign_id_campaigns"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_spend_months_client_id_clients"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spend_months")),
    )
    op.create_index("ix_spend_months_month", "spend_months", ["month"])
    op.create_index("ix_spend_months_campaign_month", "spend_months", ["campaign_id", "month"])
    op.create_index("ix_spend_months_client_month", "spend_months", ["client_id", "month"])

    entries = _entries_from_recorded_costs(op.get_bind())
    if entries:
        op.bulk_insert(_ledger_table(), entries)
        op.bulk_insert(_months_table(), _monthly_totals(entries))
    for table, column in COUNTERS:
        op.drop_column(table, column)  # ALTER TABLE … DROP COLUMN (SQLite 3.35+): no table is rebuilt


def downgrade() -> None:
    for table, column in COUNTERS:
        op.add_column(table, sa.Column(column, sa.Float(), nullable=False, server_default="0"))
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE clips SET cost_usd = COALESCE((SELECT SUM(amount_nanos) FROM ledger_entries "
        "WHERE ledger_entries.clip_id = clips.id), 0) / 1000000000.0"))
    bind.execute(sa.text(
        "UPDATE clip_attempts SET cost_usd = COALESCE((SELECT SUM(amount_nanos) FROM ledger_entries "
        "WHERE ledger_entries.clip_id = clip_attempts.clip_id "
        "AND ledger_entries.external_id = clip_attempts.prediction_id), 0) / 1000000000.0"))
    bind.execute(sa.text(
        "UPDATE jobs SET actual_cost_usd = COALESCE((SELECT SUM(amount_nanos) FROM ledger_entries "
        "WHERE ledger_entries.job_id = jobs.id AND ledger_entries.kind = 'clip'), 0) / 1000000000.0"))
    bind.execute(sa.text(
        "UPDATE pairing_runs SET cost_usd = COALESCE((SELECT SUM(amount_nanos) FROM ledger_entries "
        "WHERE ledger_entries.external_id = 'pairing-run-' || pairing_runs.id), 0) / 1000000000.0"))
    for name in ("ix_spend_months_client_month", "ix_spend_months_campaign_month", "ix_spend_months_month"):
        op.drop_index(name, "spend_months")
    op.drop_table("spend_months")
    for name in ("ix_ledger_entries_clip_id", "ix_ledger_entries_job_id", "ix_ledger_entries_client_at",
                 "ix_ledger_entries_campaign_at", "ix_ledger_entries_at"):
        op.drop_index(name, "ledger_entries")
    op.drop_table("ledger_entries")


# ---- building the ledger from the costs recorded before it ------------------------------------------------------
def _ledger_table() -> sa.TableClause:
    columns = ("provider", "external_id", "kind", "model", "status", "final", "amount_nanos", "currency",
               "price_unit", "unit_price", "unit_price_out", "metric", "quantity", "tokens_in", "tokens_out", "at",
               "month", "campaign_id", "client_id", "job_id", "clip_id", "note", "recorded_at", "updated_at")
    types: dict[str, Any] = {"final": sa.Boolean(), "at": sa.DateTime(), "recorded_at": sa.DateTime(),
                             "updated_at": sa.DateTime()}
    return sa.table("ledger_entries", *(sa.column(name, types.get(name)) for name in columns))


def _months_table() -> sa.TableClause:
    return sa.table("spend_months", *(sa.column(name) for name in ("month", "client_id", "campaign_id", "model",
                                                                     "amount_nanos", "calls")))


def _nanos(usd: float | None) -> int:
    return round((usd or 0.0) * 1_000_000_000)


def _entry(*, provider: str, external_id: str, kind: str, model: str, status: str, nanos: int, at: datetime | None,
           campaign_id: int | None, client_id: int | None, job_id: int | None = None, clip_id: int | None = None,
           tokens: tuple[int, int] | None = None) -> dict[str, Any]:
    when = at or datetime.now(UTC).replace(tzinfo=None)
    now = datetime.now(UTC).replace(tzinfo=None)
    return {"provider": provider, "external_id": external_id, "kind": kind, "model": model or "", "status": status,
            "final": status in TERMINAL or kind != "clip", "amount_nanos": nanos, "currency": "USD",
            "price_unit": "recorded", "unit_price": 0.0, "unit_price_out": None, "metric": "recorded",
            "quantity": nanos / 1_000_000_000, "tokens_in": tokens[0] if tokens else None,
            "tokens_out": tokens[1] if tokens else None, "at": when, "month": when.strftime("%Y-%m"),
            "campaign_id": campaign_id, "client_id": client_id, "job_id": job_id, "clip_id": clip_id,
            "note": MIGRATED, "recorded_at": now, "updated_at": now}


def _entries_from_recorded_costs(bind: sa.Connection) -> list[dict[str, Any]]:
    attempts = bind.execute(sa.text(
        "SELECT a.id, a.clip_id, a.prediction_id, a.model_id, a.status, a.cost_usd, a.created_at, c.job_id, "
        "j.campaign_id, cp.client_id FROM clip_attempts a JOIN clips c ON c.id = a.clip_id "
        "JOIN jobs j ON j.id = c.job_id JOIN campaigns cp ON cp.id = j.campaign_id ORDER BY a.id")
        .columns(created_at=sa.DateTime())).all()
    by_prediction: dict[str, dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    counted: defaultdict[int, int] = defaultdict(int)  # nanos already in the ledger per clip
    for attempt_id, clip_id, prediction_id, model, status, cost, at, job_id, campaign_id, client_id in attempts:
        nanos = _nanos(cost)
        if prediction_id:
            known = by_prediction.get(prediction_id)
            if known is not None:  # one prediction recorded twice: counted once, at its higher amount
                counted[clip_id] += max(0, nanos - known["amount_nanos"])
                known["amount_nanos"] = max(known["amount_nanos"], nanos)
                known["quantity"] = known["amount_nanos"] / 1_000_000_000
                continue
            entry = _entry(provider="replicate", external_id=prediction_id, kind="clip", model=model,
                           status=status, nanos=nanos, at=at, campaign_id=campaign_id, client_id=client_id,
                           job_id=job_id, clip_id=clip_id)
            by_prediction[prediction_id] = entry
        elif nanos > 0:
            entry = _entry(provider="recorded", external_id=f"clip-attempt-{attempt_id}", kind="clip", model=model,
                           status=status, nanos=nanos, at=at, campaign_id=campaign_id, client_id=client_id,
                           job_id=job_id, clip_id=clip_id)
        else:
            continue
        counted[clip_id] += nanos
        entries.append(entry)

    clips = bind.execute(sa.text(
        "SELECT c.id, c.job_id, c.prediction_id, c.model_id, c.status, c.cost_usd, "
        "COALESCE(c.submitted_at, c.started_at, c.created_at) AS at, j.campaign_id, cp.client_id "
        "FROM clips c JOIN jobs j ON j.id = c.job_id JOIN campaigns cp ON cp.id = j.campaign_id ORDER BY c.id")
        .columns(at=sa.DateTime())).all()
    for clip_id, job_id, prediction_id, model, status, cost, at, campaign_id, client_id in clips:
        rest = _nanos(cost) - counted[clip_id]  # what no attempt accounts for
        if prediction_id and prediction_id not in by_prediction:
            entry = _entry(provider="replicate", external_id=prediction_id, kind="clip", model=model,
                           status=status, nanos=max(0, rest), at=at, campaign_id=campaign_id,
                           client_id=client_id, job_id=job_id, clip_id=clip_id)
            by_prediction[prediction_id] = entry
            entries.append(entry)
        elif not prediction_id and rest > 0:  # (with a known prediction, the rest is that one counted again)
            entries.append(_entry(provider="recorded", external_id=f"clip-{clip_id}", kind="clip", model=model,
                                  status=status, nanos=rest, at=at, campaign_id=campaign_id, client_id=client_id,
                                  job_id=job_id, clip_id=clip_id))

    runs = bind.execute(sa.text(
        "SELECT r.id, r.campaign_id, r.pairer, r.model, r.prompt_tokens, r.completion_tokens, r.cost_usd, "
        "r.created_at, cp.client_id FROM pairing_runs r JOIN campaigns cp ON cp.id = r.campaign_id "
        "WHERE r.prompt_tokens > 0 OR r.completion_tokens > 0 OR r.cost_usd > 0 ORDER BY r.id")
        .columns(created_at=sa.DateTime())).all()
    for run_id, campaign_id, pairer, model, tokens_in, tokens_out, cost, at, client_id in runs:
        nanos = _nanos(cost)
        entries.append(_entry(provider="xai" if nanos else "vision", external_id=f"pairing-run-{run_id}",
                              kind="rewrite" if pairer == "grok-rewrite" else "pairing", model=model,
                              status="completed", nanos=nanos, at=at, campaign_id=campaign_id,
                              client_id=client_id, tokens=(tokens_in or 0, tokens_out or 0)))
    return entries


def _monthly_totals(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for e in entries:
        total = totals[(e["month"], e["client_id"], e["campaign_id"], e["model"])]
        total[0] += e["amount_nanos"]
        total[1] += 1
    return [{"month": month, "client_id": client_id, "campaign_id": campaign_id, "model": model,
             "amount_nanos": nanos, "calls": calls}
            for (month, client_id, campaign_id, model), (nanos, calls) in totals.items()]
