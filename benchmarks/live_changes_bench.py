"""How soon an open window shows what another process committed.

Opens the real main window (offscreen, on a qasync loop, watching other processes as the app does) on a small
library, then, ``--runs`` times each:

* runs a CLI ``import`` of one new image (a real subprocess of the launcher) and measures from that import's
  commit (the time its change log row was stamped, just before its commit, in the other process) to the grid's
  model holding the new row;
* has a second, long-lived process set an asset's rating and measures from the moment its write returned
  (committed) to the grid's row showing the new rating.

Both clocks are this machine's wall clock. Prints the median and the largest delay of each.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/live_changes_bench.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/live_changes_bench.py --runs 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.services import open_services  # noqa: E402
from app.ui.event_loop import GuiEventLoop  # noqa: E402
from tests.helpers.images import make_image  # noqa: E402

RATER = textwrap.dedent("""
    import asyncio, sys, time
    from pathlib import Path
    from app.core.services import open_services

    async def main() -> None:
        services = open_services(Path(sys.argv[1]))
        try:
            print("ready", flush=True)
            for line in sys.stdin:
                asset_id, rating = map(int, line.split())
                await services.library.set_rating([asset_id], rating)
                print(f"{time.time():.6f}", flush=True)
        finally:
            await services.aclose()
    asyncio.run(main())
""")


def build_library(root: Path, images: Path) -> int:
    """A library at ``root`` with one campaign of four imported images; returns the campaign id."""
    async def build() -> int:
        services = open_services(root)
        try:
            client = (await services.library.create_client("Benchmark client")).value
            campaign = (await services.library.create_campaign(client.id, "Live")).value
            paths = [str(make_image(images / f"start-{i}.jpg", (320, 180), seed=i)) for i in range(4)]
            await services.library.import_sources(campaign.id, paths)
            return campaign.id
        finally:
            await services.aclose()
    return asyncio.run(build())


def last_commit_at(database: Path) -> float:
    """The wall-clock time the newest change log row of an import was stamped (UTC, by the process that wrote it)."""
    connection = sqlite3.connect(database)
    try:
        (stamp,) = connection.execute("SELECT at FROM change_log WHERE changes LIKE '%campaign_assets%' "
                                      "ORDER BY seq DESC LIMIT 1").fetchone()
    finally:
        connection.close()
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()


def start_rater(root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """The second process: it sets the ratings it reads on standard input and prints when each was committed."""
    return subprocess.Popen([sys.executable, "-c", RATER, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)


async def wait_for(predicate: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not show the change in time")
        await asyncio.sleep(0.01)


def summary(label: str, delays: list[float]) -> str:
    ms = sorted(d * 1000 for d in delays)
    return (f"{label}: median {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms, min {ms[0]:.0f} ms "
            f"over {len(ms)} runs")


async def measure(root: Path, campaign_id: int, images: Path, runs: int) -> None:
    from PySide6.QtCore import QSettings

    from app.ui.bridge import TaskBridge
    from app.ui.main_window import MainWindow
    from app.ui.sidebar import Selection

    services = open_services(root)
    bridge = TaskBridge()
    window = MainWindow(services, bridge, settings=QSettings(str(root / "bench-ui.ini"), QSettings.Format.IniFormat))
    window.resize(1280, 800)
    window.show()
    window.start()
    page = window.workspace.assets_page
    await wait_for(lambda: window.sidebar.select(Selection("campaign", campaign_id)))
    await wait_for(lambda: page.campaign is not None and not page.loading and page.model.rowCount() == 4)

    shown_at: dict[str, float] = {}  # what the grid holds, stamped when it first held it

    def note(*_: object) -> None:
        now = time.time()
        for asset in page.model.assets():
            shown_at.setdefault(f"{asset.original_name}:{asset.rating}", now)
    for signal in (page.model.rowsInserted, page.model.dataChanged, page.model.modelReset):
        signal.connect(note)
    note()

    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    imports: list[float] = []
    for run in range(runs):
        image = make_image(images / f"new-{run:02d}.jpg", (320, 180), seed=1000 + run)
        result = await asyncio.to_thread(
            subprocess.run, [sys.executable, str(ROOT / "main.py"), "--data-dir", str(root), "import",
                             "--campaign", str(campaign_id), str(image)],
            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        committed = last_commit_at(services.paths.database)
        key = f"{image.name}:0"
        await wait_for(lambda key=key: key in shown_at)
        imports.append(shown_at[key] - committed)

    rater = start_rater(root, env)
    ratings: list[float] = []
    try:
        assert rater.stdin is not None and rater.stdout is not None
        assert (await asyncio.to_thread(rater.stdout.readline)).strip() == "ready"
        target = next(a for a in page.model.assets() if a.original_name == "start-0.jpg")
        for run in range(runs):
            rating = run % 5 + 1
            shown_at.pop(f"{target.original_name}:{rating}", None)
            rater.stdin.write(f"{target.id} {rating}\n")
            rater.stdin.flush()
            committed = float(await asyncio.to_thread(rater.stdout.readline))
            key = f"{target.original_name}:{rating}"
            await wait_for(lambda key=key: key in shown_at)
            ratings.append(shown_at[key] - committed)
            await asyncio.sleep(0.3)  # apart, so each run waits out the watcher's own rhythm anew
    finally:
        if rater.stdin is not None:
            rater.stdin.close()
        rater.wait(timeout=30)

    print(f"the window's grid, {runs} changes of each kind committed by another process:")
    print(summary("  CLI import of one image: commit → row in the grid", imports))
    print(summary("  rating set by a second process: commit → new rating in the grid", ratings))
    window.close()
    await bridge.shutdown()
    await services.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtWidgets import QApplication

    with tempfile.TemporaryDirectory(prefix="live-bench-") as temp:
        root, images = Path(temp) / "library", Path(temp) / "images"
        os.environ["HOME"] = temp  # the window's and the processes' per-user files stay in the temp folder
        campaign_id = build_library(root, images)
        app = QApplication.instance() or QApplication([])
        app.setQuitOnLastWindowClosed(False)
        with asyncio.Runner(loop_factory=GuiEventLoop) as runner:
            runner.run(measure(root, campaign_id, images, args.runs))
        del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
