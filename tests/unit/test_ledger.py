"""The ledger: one row per billable call however often it is recorded, monthly totals that equal it, campaign money
(spent, committed, left) and the spend reports, CSV and burn-down read from it."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core.db.models import LedgerEntry, SpendMonth
from app.core.money import ledger
from app.core.money.charges import to_nanos
from app.core.money.export import CSV_COLUMNS
from app.core.money.report import DELETED_CAMPAIGN, GroupBy, SpendQuery, split_range
from app.core.money.service import MoneyError
from app.core.services import Services
from tests.helpers.ledger_data import clip_call, seed_ledger

ROOT = Path(__file__).resolve().parents[2]


def _counts(services: Services) -> tuple[int, int, int, int]:
    """(ledger rows, ledger nanos, monthly calls, monthly nanos)."""
    with services.db.session() as s:
        rows, nanos = s.execute(select(func.count(), func.coalesce(func.sum(LedgerEntry.amount_nanos), 0))).one()
        calls, month_nanos = s.execute(select(func.coalesce(func.sum(SpendMonth.calls), 0),
                                              func.coalesce(func.sum(SpendMonth.amount_nanos), 0))).one()
    return rows, nanos, calls, month_nanos


async def test_a_call_recorded_again_updates_its_one_row_and_the_months_follow(services: Services) -> None:
    fixture = await seed_ledger(services)
    spring = fixture.campaigns["Spring"]
    started = clip_call("p-new", datetime(2025, 5, 2), status="starting", campaign_id=spring)
    first = await services.money.record(started)
    again = await services.money.record(started)  # a retry of the same recording
    assert first.added and not again.added and not again.changed and again.entry_id == first.entry_id
    settled = await services.money.record(clip_call("p-new", datetime(2025, 5, 2), campaign_id=spring))
    assert settled.changed and (settled.before_nanos, settled.after_nanos) == (0, to_nanos(0.4))
    assert settled.after_status == "succeeded"
    late = await services.money.record(started)  # a late report of the start never undoes the settled amount
    assert not late.changed and late.after_nanos == to_nanos(0.4)
    rows, nanos, calls, month_nanos = _counts(services)
    assert rows == calls == len(fixture.charges) + 1
    assert nanos == month_nanos == sum(c.amount_nanos for c in fixture.charges) + to_nanos(0.4)


async def test_recording_announces_the_campaigns_money(services: Services) -> None:
    fixture = await seed_ledger(services)
    launch = fixture.campaigns["Launch"]
    op = await services.db.op(lambda s: ledger.record(s, clip_call("p-x", datetime(2025, 6, 1), campaign_id=launch)))
    assert op.changes.spend_of(launch) and not op.changes.spend_of(fixture.campaigns["Spring"])


def test_the_same_prediction_recorded_by_two_processes_at_once_is_one_row(services: Services,
                                                                           tmp_path: Path) -> None:
    campaign_id = services.db.run_sync(lambda s: _any_campaign(s))
    path = services.paths.database
    go = tmp_path / "go"
    script = textwrap.dedent(f"""
        import sys, time
        from datetime import datetime
        from pathlib import Path
        from app.core.db import open_database
        from app.core.money import ledger
        from tests.helpers.ledger_data import clip_call
        db = open_database(Path({str(path)!r}))
        while not Path({str(go)!r}).exists():
            time.sleep(0.005)
        for n in range(40):
            status = "succeeded" if n % 2 == int(sys.argv[1]) else "starting"
            db.run_sync(lambda s: ledger.record(s, clip_call(f"race-{{n}}", datetime(2025, 7, 1), status=status,
                                                            campaign_id={campaign_id})))
        db.close()
    """)
    workers = [subprocess.Popen([sys.executable, "-c", script, str(i)], cwd=ROOT) for i in (0, 1)]
    go.touch()
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    with services.db.session() as s:
        rows = s.execute(select(LedgerEntry.external_id, LedgerEntry.amount_nanos, LedgerEntry.status)).all()
    assert len(rows) == 40 and len({r.external_id for r in rows}) == 40
    assert all(r.status == "succeeded" and r.amount_nanos == to_nanos(0.4) for r in rows)  # settled wins
    assert _counts(services) == (40, 40 * to_nanos(0.4), 40, 40 * to_nanos(0.4))


def _any_campaign(s) -> int:  # type: ignore[no-untyped-def]
    from app.core.db.models import Campaign, Client
    client = Client(name="Race Co")
    s.add(client)
    s.flush()
    campaign = Campaign(client_id=client.id, name="Race")
    s.add(campaign)
    s.flush()
    return campaign.id


# ---- reports --------------------------------------------------------------------------------------------------
def test_a_range_splits_into_whole_months_and_the_days_around_them() -> None:
    assert split_range(None, None).whole == (None, None) and split_range(None, None).parts == ()
    split = split_range(date(2025, 1, 31), date(2025, 3, 1))
    assert split.whole == ("2025-02", "2025-02")
    assert split.parts == ((datetime(2025, 1, 31), datetime(2025, 2, 1)), (datetime(2025, 3, 1), datetime(2025, 3, 2)))
    assert split_range(date(2025, 2, 1), date(2025, 3, 31)).parts == ()
    inside = split_range(date(2025, 2, 3), date(2025, 2, 20))
    assert inside.whole is None and inside.parts == ((datetime(2025, 2, 3), datetime(2025, 2, 21)),)
    assert split_range(date(2025, 12, 15), None).whole == ("2026-01", None)
    assert split_range(None, date(2024, 2, 28)).whole == (None, "2024-01")


@pytest.mark.parametrize("since,until", [
    (None, None), (date(2025, 1, 31), date(2025, 3, 1)), (date(2025, 2, 1), date(2025, 3, 31)),
    (date(2025, 2, 14), date(2025, 2, 14)), (date(2025, 3, 1), None), (None, date(2025, 1, 30)),
])
async def test_every_grouping_over_any_range_adds_up_the_ledger_rows_it_covers(
        services: Services, since: date | None, until: date | None) -> None:
    fixture = await seed_ledger(services)
    names = {v: k for k, v in fixture.campaigns.items()}
    client_of = {"Spring": "Acme", "Autumn": "Acme", "Launch": "Cora"}
    covered = [c for c in fixture.charges if (since is None or c.at.date() >= since)
               and (until is None or c.at.date() <= until)]
    for by, key in ((GroupBy.MONTH, lambda c: c.at.strftime("%Y-%m")), (GroupBy.MODEL, lambda c: c.model),
                    (GroupBy.CAMPAIGN, lambda c: names[c.campaign_id]),
                    (GroupBy.CLIENT, lambda c: client_of[names[c.campaign_id]])):
        expected: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for charge in covered:
            expected[key(charge)][0] += charge.amount_nanos
            expected[key(charge)][1] += 1
        report = await services.money.report(SpendQuery(by, since=since, until=until))
        assert {r.key: [r.spent_nanos, r.calls] for r in report.rows} == expected, by
        assert report.total_nanos == sum(c.amount_nanos for c in covered)
    acme = await services.money.report(SpendQuery(GroupBy.MONTH, client_id=fixture.clients["Acme"], since=since,
                                                  until=until))
    assert acme.total_nanos == sum(c.amount_nanos for c in covered if client_of[names[c.campaign_id]] == "Acme")


async def test_report_rows_read_as_documented(services: Services) -> None:
    await seed_ledger(services)
    months = await services.money.report(SpendQuery(GroupBy.MONTH))
    assert [r.key for r in months.rows] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert months.to_json()["rows"][0] == {"key": "2025-01", "spent_usd": 1.2, "calls": 2}
    by_campaign = await services.money.report(SpendQuery(GroupBy.CAMPAIGN))
    assert by_campaign.rows[0].key == "Launch" and by_campaign.rows[0].client == "Cora"  # the biggest first
    assert months.total_usd == pytest.approx(5.68039)
    with pytest.raises(MoneyError, match=r"starts .* after it ends"):
        await services.money.report(SpendQuery(since=date(2025, 3, 1), until=date(2025, 2, 1)))


async def test_a_deleted_campaigns_money_stays_with_its_client_and_in_the_total(services: Services) -> None:
    fixture = await seed_ledger(services)
    before = await services.money.report(SpendQuery(GroupBy.CLIENT))
    await services.library.delete_campaign(fixture.campaigns["Autumn"])
    after = await services.money.report(SpendQuery(GroupBy.CLIENT))
    assert after.rows == before.rows
    campaigns = {r.key: r.spent_nanos for r in (await services.money.report(SpendQuery(GroupBy.CAMPAIGN))).rows}
    assert campaigns[DELETED_CAMPAIGN] == to_nanos(0.48 + 0.8)


async def test_the_csv_lists_the_rows_behind_a_report_and_reads_back_the_same(services: Services,
                                                                                tmp_path: Path) -> None:
    fixture = await seed_ledger(services)
    query = SpendQuery(GroupBy.CAMPAIGN, client_id=fixture.clients["Acme"], since=date(2025, 1, 31),
                       until=date(2025, 3, 31))
    target = tmp_path / "out" / "spend.csv"
    assert await services.money.export_csv(query, target) == 6
    with target.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
        lines = list(reader)
    entries = await services.money.entries(query)
    assert [int(line["id"]) for line in lines] == [e.id for e in entries]
    for line, entry in zip(lines, entries, strict=True):
        assert Decimal(line["amount_usd"]) * 10**9 == entry.amount_nanos
        assert datetime.fromisoformat(line["at"]) == entry.at
        assert (line["external_id"], line["model"], line["client"], line["campaign"], line["price_unit"],
                line["metric"], line["status"]) == (entry.external_id, entry.model, entry.client, entry.campaign,
                                                    entry.price_unit, entry.metric, entry.status)
        assert float(line["quantity"]) == entry.quantity and float(line["unit_price"]) == entry.unit_price
    report = await services.money.report(query)
    assert sum(Decimal(line["amount_usd"]) for line in lines) * 10**9 == report.total_nanos
    assert list(target.parent.iterdir()) == [target]  # written under a temporary name, then renamed


async def test_the_burn_down_is_the_budget_left_after_each_day_with_spending(services: Services) -> None:
    fixture = await seed_ledger(services)
    burn = await services.money.burn_down(fixture.campaigns["Spring"])
    assert burn.budget_usd == 10.0 and burn.name == "Spring"
    assert [(d.isoformat(), burn.left_usd(n)) for d, n in burn.days] == [
        ("2025-01-30", 9.6), ("2025-01-31", 8.8), ("2025-02-03", pytest.approx(8.79974)),
        ("2025-02-28", pytest.approx(8.79974)), ("2025-03-31", pytest.approx(8.39974))]
    march = await services.money.burn_down(fixture.campaigns["Spring"], since=date(2025, 3, 1))
    assert [d.isoformat() for d, _ in march.days] == ["2025-03-31"] and march.days[0][1] == burn.days[-1][1]
    assert march.spent_before == burn.days[-2][1] and burn.spent_before == 0
    with pytest.raises(MoneyError, match="no campaign 999"):
        await services.money.burn_down(999)
