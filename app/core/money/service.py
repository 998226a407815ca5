"""The owner of money: every billable call in the ledger, each campaign's spent, committed and left, spend
reports, the CSV of the rows behind them, and the reconciliation with Replicate.

Other services record the calls they make through ``ledger.record`` inside their own transactions (the call's
money commits with the state change that learned of it); everything else about money is asked here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import BinaryIO

from app.config import SettingsStore
from app.core.atomic import partial_file, publish
from app.core.db import Database
from app.core.money import budget, ledger
from app.core.money.budget import CampaignMoney
from app.core.money.charges import Charge
from app.core.money.export import csv_text
from app.core.money.reconcile import Correction, ReconcileError, ReconcileReport, reconcile
from app.core.money.report import BurnDown, LedgerRow, SpendQuery, SpendReport, burn_down, ledger_rows, spend_report
from app.core.secrets import KeyName, SecretStore

EXPORT_PAGE = 20_000  # ledger rows read per database call while exporting


class MoneyError(Exception):
    """A money request cannot be done as asked; the message says why and what to do."""


class MoneyService:
    """Every public coroutine runs on the event loop; database work goes through ``Database.read``/``run``."""

    def __init__(self, db: Database, settings: SettingsStore, secrets: SecretStore) -> None:
        self.db = db
        self.settings = settings
        self.secrets = secrets

    # ---- recording -------------------------------------------------------------------------------------------
    async def record(self, charge: Charge) -> ledger.Recorded:
        """Record one call in a transaction of its own (idempotent on the provider's id of the call)."""
        return await self.db.run(lambda s: ledger.record(s, charge))

    # ---- campaigns -------------------------------------------------------------------------------------------
    async def campaign_money(self, campaign_id: int) -> CampaignMoney:
        """The campaign's budget, spent, committed and left, with the jobs that hold the committed money."""
        money = await self.db.read(lambda s: budget.campaign_money(s, campaign_id))
        if money is None:
            raise MoneyError(f"there is no campaign {campaign_id}")
        return money

    async def campaigns_money(self, campaign_ids: Iterable[int] | None = None) -> dict[int, CampaignMoney]:
        """The money of several campaigns (``None``: all), keyed by id."""
        ids = None if campaign_ids is None else list(campaign_ids)
        return await self.db.read(lambda s: budget.campaigns_money(s, ids))

    # ---- reports ---------------------------------------------------------------------------------------------
    async def report(self, query: SpendQuery) -> SpendReport:
        """What ``query``'s calls cost, grouped as it asks."""
        self._check(query)
        return await self.db.read(lambda s: spend_report(s, query))

    async def burn_down(self, campaign_id: int, since: date | None = None, until: date | None = None) -> BurnDown:
        """The campaign's budget and its spending day by day."""
        try:
            return await self.db.read(lambda s: burn_down(s, campaign_id, since, until))
        except LookupError as exc:
            raise MoneyError(str(exc)) from None

    async def entries(self, query: SpendQuery, *, after_id: int = 0, limit: int = EXPORT_PAGE) -> list[LedgerRow]:
        """The ledger rows ``query`` covers, by id, a page at a time (pass the last id to go on)."""
        self._check(query)
        return await self.db.read(lambda s: ledger_rows(s, query, after_id=after_id, limit=limit))

    async def export_csv(self, query: SpendQuery, target: Path) -> int:
        """Write the ledger rows behind ``query``'s report to ``target`` as CSV (a temporary file renamed when
        complete); returns how many rows. Rows are read a page at a time and written off the event loop."""
        self._check(query)
        count = 0
        with partial_file(target) as temp:
            handle = await asyncio.to_thread(temp.open, "wb")
            try:
                await asyncio.to_thread(handle.write, csv_text((), header=True).encode("utf-8"))
                last = 0
                while rows := await self.entries(query, after_id=last):
                    await asyncio.to_thread(lambda page=rows: handle.write(csv_text(page, header=False).encode()))
                    count += len(rows)
                    last = rows[-1].id
                await asyncio.to_thread(_sync, handle)
            finally:
                handle.close()
            await asyncio.to_thread(publish, temp, target)
        return count

    # ---- reconciling -----------------------------------------------------------------------------------------
    async def reconcile(self, since: date | None = None,
                        on_correction: Callable[[Correction], None] | None = None) -> ReconcileReport:
        """Look up each prediction recorded since ``since`` on Replicate (read-only) and correct what differs."""
        from app.core.generation.providers.replicate_api import ReplicateAPI, ReplicateTimeouts

        token = await asyncio.to_thread(self.secrets.get, KeyName.REPLICATE)
        if not token:
            raise MoneyError("reconciling looks the predictions up on Replicate and no Replicate API token is set: "
                             "add one (`keys set replicate`)")
        settings = self.settings.current
        api = await asyncio.to_thread(ReplicateAPI, token, settings.replicate_base_url,
                                      timeouts=lambda: ReplicateTimeouts.from_settings(self.settings.current))
        try:
            return await reconcile(self.db, api, since, on_correction)
        except ReconcileError as exc:
            raise MoneyError(str(exc)) from None
        finally:
            await api.aclose()

    @staticmethod
    def _check(query: SpendQuery) -> None:
        try:
            query.check()
        except ValueError as exc:
            raise MoneyError(str(exc)) from None


def _sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


__all__ = ["MoneyError", "MoneyService"]
