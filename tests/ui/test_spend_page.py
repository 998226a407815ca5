"""The Spend page and the campaign header's money: the page's chart and table show the same ledger rows, its item
model passes the model tester, it follows the change feed, its CSV holds the rows behind it, and the header shows
spent, committed and left as they move; the main window reaches the page from View → Spend."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.core.money.report import GroupBy, SpendRow
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.main_window import MainWindow
from app.ui.sidebar import Selection
from app.ui.spend.charts import MOST_BARS, OTHER, bar_groups
from app.ui.spend.model import SpendTableModel
from app.ui.spend.page import SpendPage
from tests.helpers.ledger_data import clip_call, seed_ledger
from tests.ui.conftest import wait_signal, wait_until
from tests.ui.pages import ui_parts


@pytest.fixture
async def page(qapp, services: Services, qtbot) -> AsyncIterator[SpendPage]:
    bridge = TaskBridge()
    parts = ui_parts(services)
    shown = SpendPage(services.money, services.library, bridge, parts.feed, parts.notices)
    shown.parts = parts  # type: ignore[attr-defined]
    qtbot.addWidget(shown)
    yield shown
    parts.close()
    await bridge.shutdown()


def test_the_table_model_passes_the_model_tester(qtmodeltester) -> None:
    model = SpendTableModel()
    model.set_rows([SpendRow("Spring", 1_600_260_000, 3, 1, "Acme"), SpendRow("Launch", 2_800_130_000, 4, 3, "Cora"),
                    SpendRow("(deleted campaign)", 1_280_000_000, 2)])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0, 0)) == "Acme › Spring" and model.data(model.index(1, 1)) == "$2.80"
    assert model.data(model.index(1, 3)) == "49%" and model.data(model.index(2, 2)) == "2"
    model.set_rows([])
    qtmodeltester.check(model, force_py=True)


def test_many_groups_are_the_biggest_and_the_rest_together_months_never() -> None:
    rows = [SpendRow(f"c{i}", 100 - i, 1) for i in range(20)]
    groups = bar_groups(rows, keep_order=False)
    assert len(groups) == MOST_BARS and groups[-1] == (OTHER, sum(100 - i for i in range(MOST_BARS - 1, 20)))
    assert sum(n for _, n in groups) == sum(r.spent_nanos for r in rows)
    assert len(bar_groups(rows, keep_order=True)) == 20


async def test_the_chart_and_the_table_show_the_same_rows_as_the_ledger(services: Services, page: SpendPage) -> None:
    fixture = await seed_ledger(services)
    page.show()
    (report,) = await wait_signal(page.loaded)
    assert report.query.by is GroupBy.MONTH and [r.key for r in page.model.rows()] == [
        "2025-01", "2025-02", "2025-03", "2025-04"]
    assert page.model.total_nanos == report.total_nanos == sum(c.amount_nanos for c in fixture.charges)
    assert sum(page.chart.values_usd()) == pytest.approx(report.total_usd, abs=1e-9)
    assert page.chart.categories.categories() == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert page.total_label.text() == "Total: $5.68 in 11 calls"

    await wait_until(lambda: page.client_combo.count() == 3)
    page.set_client(fixture.clients["Acme"])
    page.set_group(GroupBy.CAMPAIGN)
    await wait_until(lambda: page.report is not None and page.report.query.by is GroupBy.CAMPAIGN
                     and page.report.query.client_id == fixture.clients["Acme"])
    assert [page.model.data(page.model.index(i, 0)) for i in range(page.model.rowCount())] == [
        "Acme › Spring", "Acme › Autumn"]
    assert page.chart.values_usd() == pytest.approx([1.60026, 1.28])
    page.set_range(date(2025, 2, 1), date(2025, 3, 14))
    await wait_until(lambda: page.report is not None and page.report.query.until == date(2025, 3, 14))
    assert [(r.key, r.spent_usd) for r in page.model.rows()] == [("Autumn", 0.48), ("Spring", 0.00026)]
    assert sum(page.chart.values_usd()) == pytest.approx(page.report.total_usd, abs=1e-9)


async def test_the_burn_down_follows_the_chosen_campaign(services: Services, page: SpendPage) -> None:
    fixture = await seed_ledger(services)
    page.show()
    await wait_until(lambda: page.burn_combo.count() == 3)
    page.set_burn_down_campaign(fixture.campaigns["Spring"])
    await wait_until(lambda: page.burn is not None and page.burn.campaign_id == fixture.campaigns["Spring"])
    assert [round(y, 5) for _, y in page.burn_chart.points()] == [10, 9.6, 8.8, 8.79974, 8.79974, 8.39974]
    assert page.burn_chart.title() == "Spring (budget $10.00)"
    page.set_burn_down_campaign(fixture.campaigns["Launch"])  # no budget: what it spent, day by day
    await wait_until(lambda: page.burn is not None and page.burn.campaign_id == fixture.campaigns["Launch"])
    assert [round(y, 5) for _, y in page.burn_chart.points()] == [0, 1.6, 2.4, 2.40013, 2.80013]


async def test_the_page_follows_the_change_feed(services: Services, page: SpendPage) -> None:
    fixture = await seed_ledger(services)
    page.show()
    await wait_signal(page.loaded)
    await services.money.record(clip_call("p-late", datetime(2025, 4, 9), campaign_id=fixture.campaigns["Launch"]))
    # a reload the seeding asked for may still land first: wait for the one that has the new call
    await wait_until(lambda: page.model.rows()[-1].calls == 2)
    assert page.model.rows()[-1].key == "2025-04"
    assert page.report is not None and page.report.total_usd == pytest.approx(6.08039)
    page.hide()
    await services.money.record(clip_call("p-hidden", datetime(2025, 4, 10), campaign_id=fixture.campaigns["Launch"]))
    await wait_until(lambda: page._stale)
    page.show()  # read again when shown
    (report,) = await wait_signal(page.loaded)
    assert report.total_usd == pytest.approx(6.48039)


async def test_the_csv_export_holds_the_rows_behind_what_is_shown(services: Services, page: SpendPage,
                                                                  tmp_path: Path) -> None:
    fixture = await seed_ledger(services)
    page.show()
    await wait_signal(page.loaded)
    page.set_client(fixture.clients["Cora"])
    await wait_until(lambda: page.report is not None and page.report.query.client_id == fixture.clients["Cora"])
    target = tmp_path / "spend.csv"
    page.export_csv(target)
    await wait_until(lambda: page.parts.shown and "Exported" in page.parts.last_notice())
    assert page.parts.last_notice() == f"Exported 4 ledger rows to {target}."
    with target.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert {line["campaign"] for line in lines} == {"Launch"}
    assert sum(Decimal(line["amount_usd"]) for line in lines) * 10**9 == page.model.total_nanos


async def test_the_window_opens_the_spend_page_and_the_header_shows_the_campaigns_money(
        services: Services, qtbot, tmp_path: Path) -> None:
    fixture = await seed_ledger(services)
    bridge = TaskBridge()
    window = MainWindow(services, bridge, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        await wait_until(lambda: not bridge.is_running("sidebar-load"))
        window.sidebar.select(Selection("campaign", fixture.campaigns["Spring"]))
        header = window.campaign_header
        await wait_until(lambda: header.money.text() == "spent $1.60 · committed $0.00 · left $8.40")
        await services.money.record(clip_call("p-now", datetime(2025, 5, 1), campaign_id=fixture.campaigns["Spring"]))
        await wait_until(lambda: header.money.text() == "spent $2.00 · committed $0.00 · left $8.00")

        menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
        assert "Spend" in [a.text().replace("&", "") for a in menus["View"].actions()]
        assert not window.spend_dock.isVisible()
        window.spend_action.trigger()
        assert window.spend_dock.isVisible()
        (report,) = await wait_signal(window.spend_page.loaded)
        assert report.total_usd == pytest.approx(6.08039)
    finally:
        window.close()
        await bridge.shutdown()
