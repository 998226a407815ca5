"""Reconcile the ledger with Replicate: look each recorded prediction up (read-only) and correct its status and
amount where Replicate knows better — after a crash between a prediction's end and its recording, say.

Each lookup is one bounded GET; a prediction that cannot be looked up is reported and left as it is. A
correction goes through ``ledger.record``, so running it twice changes nothing the second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.db.models import LedgerEntry
from app.core.generation.providers.replicate_api import Rejected, RemotePrediction, ReplicateAPI, Transient
from app.core.money import ledger
from app.core.money.charges import Charge, prediction_charge, to_usd

REPLICATE = "replicate"
LOOKUPS_AT_ONCE = 8


class ReconcileError(Exception):
    """Reconciling cannot go on (Replicate refused the key); the message says what to do."""


@dataclass(frozen=True, slots=True)
class Correction:
    """One ledger row changed to what Replicate reports."""

    entry_id: int
    prediction_id: str
    model: str
    before_status: str
    after_status: str
    before_usd: float
    after_usd: float

    def describe(self) -> str:
        what = []
        if self.before_status != self.after_status:
            what.append(f"{self.before_status} → {self.after_status}")
        if self.before_usd != self.after_usd:
            what.append(f"${self.before_usd:,.4f} → ${self.after_usd:,.4f}")
        return f"prediction {self.prediction_id} ({self.model}): {', '.join(what)}"


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    checked: int
    corrections: tuple[Correction, ...]
    unchecked: tuple[tuple[str, str], ...]  # (prediction id, why it could not be looked up)


@dataclass(frozen=True, slots=True)
class _Recorded:
    entry_id: int
    prediction_id: str
    model: str
    status: str
    amount_nanos: int
    price_unit: str
    unit_price: float
    quantity: float
    at: datetime


def _recorded(s: Session, since: date | None) -> list[_Recorded]:
    query = select(LedgerEntry.id, LedgerEntry.external_id, LedgerEntry.model, LedgerEntry.status,
                   LedgerEntry.amount_nanos, LedgerEntry.price_unit, LedgerEntry.unit_price, LedgerEntry.quantity,
                   LedgerEntry.at).where(LedgerEntry.provider == REPLICATE)
    if since is not None:
        query = query.where(LedgerEntry.at >= datetime(since.year, since.month, since.day))
    return [_Recorded(*row) for row in s.execute(query.order_by(LedgerEntry.id))]


def _charge(row: _Recorded, remote: RemotePrediction) -> Charge:
    return prediction_charge(REPLICATE, row.prediction_id, row.model, row.price_unit, row.unit_price, remote.status,
                             output_s=row.quantity, predict_time_s=remote.predict_time_s, at=row.at)


async def reconcile(db: Database, api: ReplicateAPI, since: date | None = None,
                    on_correction: Callable[[Correction], None] | None = None) -> ReconcileReport:
    """Look up every prediction recorded since ``since`` (all: None) and correct what differs."""
    rows = await db.read(lambda s: _recorded(s, since))
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)
    corrections: list[Correction] = []
    unchecked: list[tuple[str, str]] = []

    async def check(row: _Recorded) -> None:
        async with gate:
            try:
                remote = await api.get(row.prediction_id)
            except Rejected as exc:
                if exc.status in (401, 403):
                    raise ReconcileError(f"Replicate refused the API token (HTTP {exc.status}); check it with "
                                         "`keys status` or set a new one") from None
                unchecked.append((row.prediction_id, f"Replicate answered HTTP {exc.status}: {exc.detail}"))
                return
            except Transient as exc:
                unchecked.append((row.prediction_id, str(exc)))
                return
        charge = _charge(row, remote)
        if charge.status == row.status and charge.amount_nanos == row.amount_nanos:
            return
        done = await db.run(lambda s: ledger.record(s, charge))
        if done.changed:
            correction = Correction(done.entry_id, row.prediction_id, row.model, done.before_status,
                                    done.after_status, to_usd(done.before_nanos), to_usd(done.after_nanos))
            corrections.append(correction)
            if on_correction is not None:
                on_correction(correction)

    try:
        async with asyncio.TaskGroup() as group:  # a refused key stops every lookup
            for row in rows:
                group.create_task(check(row))
    except* ReconcileError as failed:
        raise failed.exceptions[0] from None
    corrections.sort(key=lambda c: c.entry_id)
    return ReconcileReport(len(rows), tuple(corrections), tuple(sorted(unchecked)))


__all__ = ["Correction", "ReconcileError", "ReconcileReport", "reconcile"]
