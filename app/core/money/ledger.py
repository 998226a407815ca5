"""The ledger's writes and the sums read from it, as functions of a session (one transaction of the caller's).

``record`` is the one writer of ``ledger_entries`` (and of the monthly totals beside it). Services that learn of a
billable call record it in the same transaction as the state change that learned of it: a prediction's id is
recorded with the clip's ``running``, its amount with the clip's end, a completion's tokens the moment it
returned. Recording is idempotent on the provider's id of the call: a second record of one call — a retry, a
resume, another process — updates the row already there and never adds one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db.models import Campaign, Clip, Job, LedgerEntry, SpendMonth, utcnow
from app.core.money.charges import CURRENCY, Charge, to_usd

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``record`` did: ``added`` a row, or changed one from ``before_nanos`` (and ``before_status``)."""

    entry_id: int
    added: bool
    changed: bool
    before_nanos: int
    after_nanos: int
    before_status: str
    after_status: str


def record(s: Session, charge: Charge) -> Recorded:
    """Record ``charge`` once (keyed by its provider and id); a call already recorded is brought up to date.

    A row already ``final`` keeps its amount against a charge that is not (a late report of an earlier state);
    a final charge replaces whatever was there. The month's totals move with the amount.
    """
    row = _find(s, charge.provider, charge.external_id)
    if row is None:
        new = _new_row(s, charge)
        row = _insert(s, new)
        if row is None:
            _add_to_month(s, new, new.amount_nanos, 1)
            return Recorded(new.id, True, True, 0, new.amount_nanos, "", new.status)
    return _update(s, row, charge)


def _insert(s: Session, new: LedgerEntry) -> LedgerEntry | None:
    """Add ``new``: None once added, or the row of the same call that another process added first.

    Only a server lets that race happen: the insert runs in a savepoint there, so losing it leaves the transaction
    usable. A SQLite write transaction holds the database's write lock from its start, so ``_find`` saw every row
    there is, and the insert needs no savepoint (two statements fewer in a clip's hottest transitions).
    """
    if s.get_bind().dialect.name == "sqlite":
        s.add(new)
        s.flush()
        return None
    try:
        with s.begin_nested():
            s.add(new)
    except IntegrityError:
        if (row := _find(s, new.provider, new.external_id)) is None:
            raise
        return row
    return None


def _find(s: Session, provider: str, external_id: str) -> LedgerEntry | None:
    query = select(LedgerEntry).where(LedgerEntry.provider == provider, LedgerEntry.external_id == external_id)
    return s.scalar(query.with_for_update())  # FOR UPDATE on a server; SQLite's write lock does the same


def _new_row(s: Session, charge: Charge) -> LedgerEntry:
    campaign_id, job_id = charge.campaign_id, charge.job_id
    if campaign_id is None and job_id is not None:
        campaign_id = s.scalar(select(Job.campaign_id).where(Job.id == job_id))
    client_id = s.scalar(select(Campaign.client_id).where(Campaign.id == campaign_id)) if campaign_id else None
    if client_id is None:  # no campaign, or one deleted meanwhile: the call stays in the ledger, unassigned
        campaign_id = None
    at = charge.at or utcnow()
    pricing = charge.pricing
    return LedgerEntry(
        provider=charge.provider, external_id=charge.external_id, kind=str(charge.kind), model=charge.model,
        status=charge.status, final=charge.final, amount_nanos=charge.amount_nanos, currency=CURRENCY,
        price_unit=pricing.unit, unit_price=pricing.price, unit_price_out=pricing.price_out, metric=pricing.metric,
        quantity=pricing.quantity, tokens_in=charge.tokens_in, tokens_out=charge.tokens_out, at=at,
        month=at.strftime("%Y-%m"), campaign_id=campaign_id, client_id=client_id, job_id=job_id,
        clip_id=charge.clip_id, note=charge.note)


def _update(s: Session, row: LedgerEntry, charge: Charge) -> Recorded:
    before_nanos, before_status = row.amount_nanos, row.status
    if row.final and not charge.final:
        return Recorded(row.id, False, False, before_nanos, before_nanos, before_status, before_status)
    pricing = charge.pricing
    values = {"status": charge.status, "final": charge.final, "amount_nanos": charge.amount_nanos,
              "metric": pricing.metric, "quantity": pricing.quantity}
    if charge.tokens_in is not None:
        values.update(tokens_in=charge.tokens_in, tokens_out=charge.tokens_out)
    if pricing.unit != "recorded":  # a reconciled migrated row keeps its recorded pricing
        values.update(price_unit=pricing.unit, unit_price=pricing.price, unit_price_out=pricing.price_out)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changed:
        return Recorded(row.id, False, False, before_nanos, before_nanos, before_status, before_status)
    for key, value in changed.items():
        setattr(row, key, value)
    if charge.note:
        row.note = charge.note
    if row.clip_id is None and charge.clip_id is not None:
        row.clip_id, row.job_id = charge.clip_id, charge.job_id
    s.flush()
    if row.amount_nanos != before_nanos:
        _add_to_month(s, row, row.amount_nanos - before_nanos, 0)
    return Recorded(row.id, False, True, before_nanos, row.amount_nanos, before_status, row.status)


def _add_to_month(s: Session, row: LedgerEntry, nanos: int, calls: int) -> None:
    """Move the month's totals of ``row``'s client, campaign and model by ``nanos`` and ``calls``."""
    total = s.scalar(select(SpendMonth).where(
        SpendMonth.month == row.month, SpendMonth.client_id == row.client_id,
        SpendMonth.campaign_id == row.campaign_id, SpendMonth.model == row.model).limit(1))
    if total is None:
        s.add(SpendMonth(month=row.month, client_id=row.client_id, campaign_id=row.campaign_id, model=row.model,
                         amount_nanos=nanos, calls=calls))
    else:  # added in SQL: a concurrent writer's addition is never lost
        total.amount_nanos = SpendMonth.amount_nanos + nanos  # type: ignore[assignment]
        total.calls = SpendMonth.calls + calls  # type: ignore[assignment]
    s.flush()


# ---- sums ------------------------------------------------------------------------------------------------------
def spent_by_clip(s: Session, clip_ids: Iterable[int]) -> dict[int, float]:
    """What each clip's calls cost (clips without any are left out)."""
    ids = list(clip_ids)
    if not ids:
        return {}
    rows = s.execute(select(LedgerEntry.clip_id, func.sum(LedgerEntry.amount_nanos))
                     .where(LedgerEntry.clip_id.in_(ids)).group_by(LedgerEntry.clip_id))
    return {clip_id: to_usd(nanos or 0) for clip_id, nanos in rows}


def spent_by_job(s: Session, job_ids: Iterable[int]) -> dict[int, float]:
    """What each job's calls cost (jobs without any are left out)."""
    ids = list(job_ids)
    if not ids:
        return {}
    rows = s.execute(select(LedgerEntry.job_id, func.sum(LedgerEntry.amount_nanos))
                     .where(LedgerEntry.job_id.in_(ids)).group_by(LedgerEntry.job_id))
    return {job_id: to_usd(nanos or 0) for job_id, nanos in rows}


def spent_on_current_predictions(s: Session, clips: Iterable[Clip]) -> dict[int, int]:
    """Micros already recorded for each clip's current prediction (what its commitment is reduced by)."""
    wanted = {c.id: c.prediction_id for c in clips if c.prediction_id}
    if not wanted:
        return {}
    rows = s.execute(select(LedgerEntry.clip_id, LedgerEntry.external_id, LedgerEntry.amount_nanos)
                     .where(LedgerEntry.clip_id.in_(list(wanted))))
    spent: dict[int, int] = {}
    for clip_id, external_id, nanos in rows:
        if wanted.get(clip_id) == external_id:
            spent[clip_id] = spent.get(clip_id, 0) + nanos
    return spent


def spent_by_campaign(s: Session, campaign_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Micros each campaign spent, from the monthly totals (``None``: every campaign)."""
    query = select(SpendMonth.campaign_id, func.sum(SpendMonth.amount_nanos)).group_by(SpendMonth.campaign_id)
    if campaign_ids is not None:
        query = query.where(SpendMonth.campaign_id.in_(list(campaign_ids)))
    return {campaign_id: int(nanos or 0) for campaign_id, nanos in s.execute(query) if campaign_id is not None}


__all__ = ["Recorded", "record", "spent_by_campaign", "spent_by_clip", "spent_by_job",
           "spent_on_current_predictions"]
