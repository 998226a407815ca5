"""What was spent, grouped by client, campaign, model or month, over a date range: read from the ledger.

Whole months come from the monthly totals the ledger keeps (a few thousand rows however long the ledger grows);
only the days of a range that cover part of a month are added up from the ledger itself. Both are sums of the
same nanos, so a report equals the sum of the ledger rows it stands for (``entries`` lists them).
Dates are UTC days; ``until`` is included.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from app.core.db.models import Campaign, Client, LedgerEntry, SpendMonth
from app.core.money.charges import to_usd

DELETED_CLIENT = "(deleted client)"
DELETED_CAMPAIGN = "(deleted campaign)"


class GroupBy(enum.StrEnum):
    CLIENT = "client"
    CAMPAIGN = "campaign"
    MODEL = "model"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class SpendQuery:
    """Which ledger rows a report covers and how it groups them (every filter narrows)."""

    by: GroupBy = GroupBy.MONTH
    client_id: int | None = None
    campaign_id: int | None = None
    since: date | None = None
    until: date | None = None  # included

    def check(self) -> None:
        """Raise ``ValueError`` when the range is upside down."""
        if self.since is not None and self.until is not None and self.since > self.until:
            raise ValueError(f"the range starts ({self.since}) after it ends ({self.until})")


@dataclass(frozen=True, slots=True)
class SpendRow:
    """One group: ``key`` names it for people (a client's or campaign's name, a model id, a month YYYY-MM)."""

    key: str
    spent_nanos: int
    calls: int
    ref: int | str | None = None  # the client or campaign id (None: deleted), the model id, the month
    client: str = ""  # a campaign row's client

    @property
    def spent_usd(self) -> float:
        return to_usd(self.spent_nanos)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"key": self.key, "spent_usd": self.spent_usd, "calls": self.calls}
        if self.client:
            doc["client"] = self.client
        return doc


@dataclass(frozen=True, slots=True)
class SpendReport:
    query: SpendQuery
    rows: tuple[SpendRow, ...]

    @property
    def total_nanos(self) -> int:
        return sum(r.spent_nanos for r in self.rows)

    @property
    def total_usd(self) -> float:
        return to_usd(self.total_nanos)

    @property
    def calls(self) -> int:
        return sum(r.calls for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        return {"rows": [r.to_json() for r in self.rows], "total_usd": self.total_usd}


# ---- the range: whole months and the parts of months around them ---------------------------------------------
def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True, slots=True)
class _Split:
    whole: tuple[str | None, str | None] | None  # first and last whole month (None: open), or no whole month
    parts: tuple[tuple[datetime | None, datetime | None], ...]  # [start, end) of the partial stretches


def split_range(since: date | None, until: date | None) -> _Split:
    """The whole months of [since, until] and the partial stretches before and after them."""
    end = until + timedelta(days=1) if until is not None else None  # exclusive
    first = since if since is None or since.day == 1 else _next_month(since)
    stop = end if end is None or end.day == 1 else end.replace(day=1)  # exclusive end of the whole months
    if first is not None and stop is not None and first >= stop:
        return _Split(None, ((_at(since), _at(end)),))
    whole = (None if first is None else _month(first), None if stop is None else _month(_previous_month(stop)))
    parts = []
    if since is not None and first is not None and since < first:
        parts.append((_at(since), _at(first)))
    if end is not None and stop is not None and stop < end:
        parts.append((_at(stop), _at(end)))
    return _Split(whole, tuple(parts))


def _at(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day)


# ---- the report -----------------------------------------------------------------------------------------------
_KEYS = {GroupBy.CLIENT: "client_id", GroupBy.CAMPAIGN: "campaign_id", GroupBy.MODEL: "model",
         GroupBy.MONTH: "month"}


def _filters(table: type[LedgerEntry] | type[SpendMonth], query: SpendQuery) -> list[ColumnElement[bool]]:
    where = []
    if query.client_id is not None:
        where.append(table.client_id == query.client_id)
    if query.campaign_id is not None:
        where.append(table.campaign_id == query.campaign_id)
    return where


def spend_report(s: Session, query: SpendQuery) -> SpendReport:
    """What ``query``'s ledger rows cost, grouped by ``query.by``."""
    query.check()
    split = split_range(query.since, query.until)
    totals: dict[Any, list[int]] = {}

    def add(statement: Select[Any]) -> None:
        for key, nanos, calls in s.execute(statement):
            total = totals.setdefault(key, [0, 0])
            total[0] += int(nanos or 0)
            total[1] += int(calls or 0)

    name = _KEYS[query.by]
    if split.whole is not None:
        key = getattr(SpendMonth, name)
        where = _filters(SpendMonth, query)
        first, last = split.whole
        if first is not None:
            where.append(SpendMonth.month >= first)
        if last is not None:
            where.append(SpendMonth.month <= last)
        add(select(key, func.sum(SpendMonth.amount_nanos), func.sum(SpendMonth.calls)).where(*where)
            .group_by(key))
    for start, end in split.parts:
        key = getattr(LedgerEntry, name)
        where = _filters(LedgerEntry, query)
        if start is not None:
            where.append(LedgerEntry.at >= start)
        if end is not None:
            where.append(LedgerEntry.at < end)
        add(select(key, func.sum(LedgerEntry.amount_nanos), func.count()).where(*where).group_by(key))
    rows = _label(s, query.by, {k: v for k, v in totals.items() if v[1] or v[0]})
    if query.by is GroupBy.MONTH:
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.spent_nanos, r.key.lower()))
    return SpendReport(query, tuple(rows))


def _label(s: Session, by: GroupBy, totals: dict[Any, list[int]]) -> list[SpendRow]:
    if by is GroupBy.CLIENT:
        names = dict(s.execute(select(Client.id, Client.name).where(Client.id.in_([k for k in totals if k]))).all())
        return [SpendRow(names.get(k, DELETED_CLIENT) if k is not None else DELETED_CLIENT, m, c, k)
                for k, (m, c) in totals.items()]
    if by is GroupBy.CAMPAIGN:
        found = {cid: (name, client) for cid, name, client in s.execute(
            select(Campaign.id, Campaign.name, Client.name).join(Client, Campaign.client_id == Client.id)
            .where(Campaign.id.in_([k for k in totals if k])))}
        rows = []
        for k, (m, c) in totals.items():
            name, client = found.get(k, (DELETED_CAMPAIGN, "")) if k is not None else (DELETED_CAMPAIGN, "")
            rows.append(SpendRow(name, m, c, k, client))
        return rows
    return [SpendRow(str(k), m, c, k) for k, (m, c) in totals.items()]


# ---- the rows behind a report ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One ledger row as exported: the call, its amount and how it was priced, and whose money it was."""

    id: int
    at: datetime
    provider: str
    external_id: str
    kind: str
    model: str
    status: str
    amount_nanos: int
    currency: str
    price_unit: str
    unit_price: float
    unit_price_out: float | None
    metric: str
    quantity: float
    tokens_in: int | None
    tokens_out: int | None
    client: str
    campaign: str
    job_id: int | None
    clip_id: int | None

    @property
    def amount_usd(self) -> float:
        return to_usd(self.amount_nanos)


def ledger_rows(s: Session, query: SpendQuery, *, after_id: int = 0, limit: int = 20_000) -> list[LedgerRow]:
    """Up to ``limit`` ledger rows of ``query`` with ids above ``after_id``, by id (page through with the last id)."""
    query.check()
    e = LedgerEntry
    where = [e.id > after_id, *_filters(e, query)]
    if query.since is not None:
        where.append(e.at >= _at(query.since))
    if query.until is not None:
        where.append(e.at < _at(query.until + timedelta(days=1)))
    statement = (select(e.id, e.at, e.provider, e.external_id, e.kind, e.model, e.status, e.amount_nanos,
                        e.currency, e.price_unit, e.unit_price, e.unit_price_out, e.metric, e.quantity, e.tokens_in,
                        e.tokens_out, Client.name, Campaign.name, e.job_id, e.clip_id)
                 .outerjoin(Client, e.client_id == Client.id).outerjoin(Campaign, e.campaign_id == Campaign.id)
                 .where(*where).order_by(e.id).limit(limit))
    return [LedgerRow(*row[:16], DELETED_CLIENT if row[16] is None else row[16],
                      DELETED_CAMPAIGN if row[17] is None else row[17], row[18], row[19])
            for row in s.execute(statement)]


# ---- a campaign's budget over time ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BurnDown:
    """A campaign's budget and, per day with spending, what it had spent by the end of that day."""

    campaign_id: int
    name: str
    budget_usd: float | None
    days: tuple[tuple[date, int], ...]  # (day, nanos spent up to and including it)
    spent_before: int = 0  # nanos spent before the first of ``days``

    def left_usd(self, spent_nanos: int) -> float | None:
        return None if self.budget_usd is None else round(self.budget_usd - to_usd(spent_nanos), 6)


def burn_down(s: Session, campaign_id: int, since: date | None = None, until: date | None = None) -> BurnDown:
    """The campaign's spending day by day (cumulative from its first call), limited to [since, until]."""
    campaign = s.get(Campaign, campaign_id)
    if campaign is None:
        raise LookupError(f"there is no campaign {campaign_id}")
    day = func.date(LedgerEntry.at)
    rows = s.execute(select(day, func.sum(LedgerEntry.amount_nanos)).where(LedgerEntry.campaign_id == campaign_id)
                     .group_by(day).order_by(day))
    days: list[tuple[date, int]] = []
    running = before = 0
    for when, nanos in rows:
        if not days:
            before = running
        running += int(nanos or 0)
        stamp = when if isinstance(when, date) else date.fromisoformat(str(when))
        if (since is None or stamp >= since) and (until is None or stamp <= until):
            days.append((stamp, running))
    return BurnDown(campaign_id, campaign.name, campaign.budget_usd, tuple(days), before)


__all__ = ["DELETED_CAMPAIGN", "DELETED_CLIENT", "BurnDown", "GroupBy", "LedgerRow", "SpendQuery", "SpendReport",
           "SpendRow", "burn_down", "ledger_rows", "spend_report", "split_range"]
