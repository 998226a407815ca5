"""The jobs page while N clips run at once: does updating N progress cards stall the GUI's event loop?

Runs the real app stack under qasync with the jobs page shown (offscreen by default): the fake Replicate server
(its own process; every prediction takes ``--latency`` seconds and prints growing percentage logs), a library
seeded with N pairs, one job launched the way the page launches it (``JobsPage.run_job`` through the bridge).
Measures:

* how long showing the job takes (building N cards);
* the largest event-loop stall while the clips run (a ticker's sleep overshoot; target < 33 ms, two frames
  at 60 Hz);
* the service's clip events against the Qt updates the page received (bursts are coalesced per clip), and the
  time spent in the page's slots per burst (the page's own share of any stall; painting comes on top).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/jobs_page_bench.py                  # 50 clips, 3 s
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/jobs_page_bench.py --clips 8 --latency 1
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/jobs_page_bench.py --unpaced    # the database unpaced
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keyring
from generation_bench import TICK_S, bench_arguments, fake_replicate_process, ticker
from PySide6.QtWidgets import QApplication

from app.core.domain import ClipState, ClipStatus
from app.core.heap import freeze_long_lived_objects
from app.core.secrets import SecretStore
from app.core.services import open_services
from app.ui.bridge import TaskBridge
from app.ui.event_loop import GuiEventLoop
from app.ui.gui_gc import GuiThreadGarbageCollector
from app.ui.pages.jobs_page import job_task_name
from tests.fakes.replicate_server import TOKEN
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring
from tests.ui.pages import jobs_page


async def wait_for(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        await asyncio.sleep(0.01)


async def bench(clips: int, latency_s: float, poll_s: float, folder: Path, fake_url: str,
                unpaced: bool) -> None:
    os.environ["REPLICATE_API_TOKEN"] = TOKEN
    keyring.set_keyring(MemoryKeyring())
    collector = GuiThreadGarbageCollector()  # the GUI's start-up, as in app/ui/application.py
    services = open_services(folder / "library", SecretStore())
    if not unpaced:
        services.db.yield_to_event_loop()  # as the GUI does (app/ui/application.py)
    freeze_long_lived_objects()
    bridge = TaskBridge()
    page = jobs_page(services, bridge)
    page.resize(1400, 900)
    page.show()
    try:
        services.settings.update(replicate_base_url=fake_url, poll_interval_s=poll_s, poll_interval_max_s=poll_s * 4)
        campaign_id = await seed_campaign(services, folder / "images", pairs=clips)
        gen = services.generation
        page.set_campaign(await services.library.get_campaign(campaign_id))
        job = (await gen.create_job(await gen.plan(campaign_id, "google/veo-3.1-fast", duration_s=4))).value
        raw = 0

        def count(event: ClipState | object) -> None:
            nonlocal raw
            raw += isinstance(event, ClipState)
        unsubscribe = gen.subscribe(count)
        delivered = 0

        def counted(_clip: ClipState) -> None:
            nonlocal delivered
            delivered += 1
        page.events.clip_changed.connect(counted)
        flushes: list[float] = []  # time spent in the page's slots per delivered burst

        def timed_flush() -> None:
            begun = time.perf_counter()
            page.events.flush()
            flushes.append(time.perf_counter() - begun)
        page.events._timer.timeout.disconnect()
        page.events._timer.timeout.connect(timed_flush)
        started = time.perf_counter()
        page.show_job(job.id)
        await wait_for(lambda: len(page.grid) == clips, 30)
        await asyncio.sleep(0)
        shown_s = time.perf_counter() - started

        stop = asyncio.Event()
        overshoots: list[float] = []
        tick = asyncio.create_task(ticker(stop, overshoots, []))
        await asyncio.sleep(0.05)
        started = time.perf_counter()
        page.run_job(job.id)
        await wait_for(lambda: not bridge.is_running(job_task_name(job.id)), 600)
        wall = time.perf_counter() - started
        stop.set()
        await tick
        unsubscribe()
        done = sum(1 for card in page.grid.cards() if card.state and card.state.status is ClipStatus.SUCCEEDED)
    finally:
        await bridge.shutdown()
        await services.aclose()
        page.shutdown()
        page.close()
        collector.stop()
    print(f"clips: {clips}, latency per prediction: {latency_s:g} s, poll interval {poll_s:g}…{poll_s * 4:g} s")
    print(f"showing the job ({clips} cards): {shown_s * 1000:.0f} ms")
    print(f"cards succeeded: {done}/{clips}; wall time {wall:.2f} s")
    print(f"clip events from the service: {raw}, card updates delivered: {delivered} in {len(flushes)} bursts")
    print(f"time in the page's slots per burst: max {max(flushes) * 1000:.1f} ms, mean "
          f"{statistics.mean(flushes) * 1000:.2f} ms, total {sum(flushes) * 1000:.0f} ms")
    print(f"event-loop stall with the page updating: max {max(overshoots) * 1000:.1f} ms, p99 "
          f"{statistics.quantiles(overshoots, n=100)[98] * 1000:.1f} ms over {len(overshoots)} ticks "
          f"of {TICK_S * 1000:g} ms")


def main() -> None:
    args = bench_arguments(__doc__, unpaced="the database thread not paced (as before the GUI paced it)")
    with fake_replicate_process(args.latency) as (url, server):
        QApplication.instance() or QApplication([])
        with tempfile.TemporaryDirectory(prefix="pairframe-pagebench-") as folder, \
                asyncio.Runner(loop_factory=GuiEventLoop) as runner:
            runner.run(bench(args.clips, args.latency, args.poll, Path(folder), url, args.unpaced))
        server.send("stats")
        server.recv()

if __name__ == "__main__":
    main()
