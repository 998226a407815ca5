"""Spend reports over a big ledger: 1,000,000 rows over 200 campaigns (20 clients) and 24 months.

Builds the library once (rows inserted in bulk, the monthly totals added up from them — and checked against
them), then measures:

* the Spend page's first chart and table: from showing the page to its first report shown (target < 300 ms),
  for the default view (by month) and others, and a range that cuts months in half (read from the rows);
* ``pairframe spend --by month --json`` as a command (a new process: start-up included; target < 1 s) and the
  report alone, in-process;
* ``campaigns --json`` (every campaign's spent, committed and left) and one ``ledger.record`` into the big ledger.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/spend_bench.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/spend_bench.py --rows 200000 --keep /tmp/spend-lib
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.core.db.models import Campaign, Client, LedgerEntry, SpendMonth
from app.core.money import ledger
from app.core.money.report import GroupBy, SpendQuery
from app.core.secrets import SecretStore
from app.core.services import Services, open_services
from app.ui.bridge import TaskBridge
from app.ui.event_loop import GuiEventLoop
from app.ui.spend.page import SpendPage
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.ledger_data import clip_call
from tests.ui.pages import ui_parts

ROOT = Path(__file__).resolve().parent.parent
MODELS = [("google/veo-3.1", "second", 0.2), ("google/veo-3.1-fast", "second", 0.1),
          ("minimax/hailuo-02", "second", 0.08), ("kwaivgi/kling-v2.1", "second", 0.09),
          ("grok-4-1-fast-non-reasoning", "mtok", 0.2)]
START = datetime(2024, 1, 1)
DAYS = 730  # 24 months


def build(services: Services, rows: int, campaigns: int, clients: int) -> None:
    """Clients, campaigns and ``rows`` ledger rows in bulk, then the monthly totals summed from them."""
    def people(s) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
        owners = [Client(name=f"Client {i:02d}") for i in range(clients)]
        s.add_all(owners)
        s.flush()
        made = [Campaign(client_id=owners[i % clients].id, name=f"Campaign {i:03d}", budget_usd=5_000.0)
                for i in range(campaigns)]
        s.add_all(made)
        s.flush()
        return [(c.id, c.client_id) for c in made]
    pairs = services.db.run_sync(people)
    rng = random.Random(7)
    raw = services.db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        now = datetime.now().isoformat(sep=" ")
        batch = []
        for n in range(rows):
            campaign_id, client_id = pairs[rng.randrange(campaigns)]
            model, unit, price = MODELS[rng.randrange(len(MODELS))]
            at = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
            nanos = rng.randrange(50_000, 2_000_000) if unit == "mtok" else int(price * 1e9) * rng.choice((4, 6, 8))
            batch.append((
                "replicate" if unit != "mtok" else "xai", f"bench-{n}", "clip" if unit != "mtok" else "pairing",
                model, "succeeded", 1, nanos, "USD", unit, price, None, "output_seconds", 4.0, None, None,
                at.isoformat(sep=" "), at.strftime("%Y-%m"), campaign_id, client_id, None, None, "", now, now))
            if len(batch) == 50_000:
                _insert(cursor, batch)
                batch.clear()
        _insert(cursor, batch)
        cursor.execute(
            "INSERT INTO spend_months (month, client_id, campaign_id, model, amount_nanos, calls) "
            "SELECT month, client_id, campaign_id, model, SUM(amount_nanos), COUNT(*) FROM ledger_entries "
            "GROUP BY month, client_id, campaign_id, model")
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def _insert(cursor, batch) -> None:  # type: ignore[no-untyped-def]
    cursor.executemany(
        "INSERT INTO ledger_entries (provider, external_id, kind, model, status, final, amount_nanos, currency, "
        "price_unit, unit_price, unit_price_out, metric, quantity, tokens_in, tokens_out, at, month, campaign_id, "
        "client_id, job_id, clip_id, note, recorded_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)


def check_totals(services: Services) -> tuple[int, int]:
    """(ledger rows, nanos), after checking that the monthly totals add up to the ledger."""
    def work(s) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
        rows, nanos = s.execute(select(func.count(), func.sum(LedgerEntry.amount_nanos))).one()
        calls, month_nanos = s.execute(select(func.sum(SpendMonth.calls), func.sum(SpendMonth.amount_nanos))).one()
        return rows, nanos, calls, month_nanos
    rows, nanos, calls, month_nanos = services.db.read_sync(work)
    assert (rows, nanos) == (calls, month_nanos), "the monthly totals do not add up to the ledger"
    return rows, nanos


async def first_view(services: Services, query: SpendQuery, client_id: int | None) -> tuple[float, float, int]:
    """(ms from showing the page to its first chart and table, ms to paint it, rows shown)."""
    bridge = TaskBridge()
    parts = ui_parts(services)
    page = SpendPage(services.money, services.library, bridge, parts.feed, parts.notices)
    page.resize(1200, 800)
    page.set_group(query.by)
    page.set_range(query.since, query.until)
    if client_id is not None:
        page.client_combo.addItem("bench", client_id)
        page.set_client(client_id)
    shown = asyncio.get_running_loop().create_future()
    page.loaded.connect(lambda report: shown.done() or shown.set_result(report))
    await asyncio.sleep(0.05)
    bridge.cancel("spend-report")  # the filters' own requests above; the page's first view is measured below
    started = time.perf_counter()
    page.show()
    report = await asyncio.wait_for(shown, 30)
    ready = time.perf_counter()
    page.grab()  # chart and table painted
    painted = time.perf_counter()
    await bridge.shutdown()
    page.close()
    parts.close()
    return (ready - started) * 1000, (painted - ready) * 1000, len(report.rows)


async def bench(folder: Path, rows: int, campaigns: int, clients: int, fresh: bool) -> None:
    services = open_services(folder, SecretStore(MemoryKeyring()))
    try:
        if fresh:
            started = time.perf_counter()
            build(services, rows, campaigns, clients)
            print(f"built {rows:,} ledger rows over {campaigns} campaigns, {clients} clients and 24 months in "
                  f"{time.perf_counter() - started:.0f} s")
        count, nanos = check_totals(services)
        months = services.db.read_sync(lambda s: s.scalar(select(func.count()).select_from(SpendMonth)))
        print(f"ledger: {count:,} rows, ${nanos / 1e9:,.2f}; monthly totals: {months:,} rows (they add up)")
        client_id = services.db.read_sync(lambda s: s.scalar(select(Client.id).limit(1)))
        views = [("by month (the default)", SpendQuery(GroupBy.MONTH), None),
                 ("by campaign", SpendQuery(GroupBy.CAMPAIGN), None),
                 ("by model", SpendQuery(GroupBy.MODEL), None),
                 ("by campaign, one client, 2024-03-15…2025-06-10", SpendQuery(
                     GroupBy.CAMPAIGN, client_id, None, date(2024, 3, 15), date(2025, 6, 10)), client_id),
                 ("by month, 2024-03-15…2025-06-10 (half months read from the rows)",
                  SpendQuery(GroupBy.MONTH, None, None, date(2024, 3, 15), date(2025, 6, 10)), None)]
        for label, query, client in views:
            times = [await first_view(services, query, client) for _ in range(3)]
            shown = statistics.median(t[0] for t in times)
            paint = statistics.median(t[1] for t in times)
            print(f"Spend page, first chart and table, {label}: {shown:.0f} ms (+ {paint:.0f} ms to paint), "
                  f"{times[0][2]} rows")
        for label, query in (("by month", SpendQuery(GroupBy.MONTH)), ("by client", SpendQuery(GroupBy.CLIENT))):
            started = time.perf_counter()
            await services.money.report(query)
            print(f"report {label}, in-process: {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        await services.money.campaigns_money()
        print(f"every campaign's spent, committed and left: {(time.perf_counter() - started) * 1000:.0f} ms")
        records = []
        for n in range(200):
            charge = clip_call(f"extra-{n}", datetime(2025, 12, 1), campaign_id=1)
            started = time.perf_counter()
            await services.db.run(lambda s, c=charge: ledger.record(s, c))
            records.append(time.perf_counter() - started)
        print(f"ledger.record into the big ledger: median {statistics.median(records) * 1000:.2f} ms per call")
    finally:
        await services.aclose()


def command_times(folder: Path) -> None:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    for args in (["spend", "--by", "month", "--json"], ["spend", "--by", "campaign", "--json"],
                 ["campaigns", "--json"]):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(folder), *args],
                                    capture_output=True, text=True, env=env, cwd=ROOT, check=False)
            times.append(time.perf_counter() - started)
            assert result.returncode == 0, result.stderr
        print(f"`pairframe {' '.join(args)}` (a new process, start-up included): median "
              f"{statistics.median(times) * 1000:.0f} ms")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import app.cli"], cwd=ROOT, check=True)
    print(f"(a Python process importing the CLI alone: {(time.perf_counter() - started) * 1000:.0f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--keep", type=Path, default=None, help="build the library here (once) and keep it")
    args = parser.parse_args()
    application = QApplication.instance() or QApplication([])
    application.setQuitOnLastWindowClosed(False)  # each measured page is closed in turn
    with tempfile.TemporaryDirectory(prefix="pairframe-spendbench-") as scratch:
        folder = args.keep or Path(scratch) / "library"
        fresh = not (folder / "library.sqlite3").exists()
        with asyncio.Runner(loop_factory=GuiEventLoop) as runner:
            runner.run(bench(folder, args.rows, args.campaigns, args.clients, fresh))
        command_times(folder)


if __name__ == "__main__":
    main()
