"""Generation concurrency: N clips of equal latency L should take about L, not N × L, without stalling the loop.

Starts the fake Replicate server (every prediction takes ``--latency`` seconds from create to success and serves a
real MP4), seeds a library with N first/last pairs, and runs one job through ``GenerationService`` exactly as the
app does (frames resized and uploaded through the Files API, every create sent at once, concurrent polling,
streamed downloads, FFmpeg checks). Measures:

* the wall time of ``run_job`` and when the first and the last create reached the server;
* the largest event-loop stall during the run (a ticker's sleep overshoot; target < 50 ms), and the CPU time
  the loop's thread used (stalls also grow with whatever else the machine runs; the CPU time does not);
* creates per clip (must be exactly 1).

    .venv/bin/python benchmarks/generation_bench.py                          # 50 clips, 3 s latency
    .venv/bin/python benchmarks/generation_bench.py --clips 10 --latency 1   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring

from app.core.domain import ClipStatus, JobStatus
from app.core.heap import freeze_long_lived_objects
from app.core.secrets import SecretStore
from app.core.services import open_services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, Scenario
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring

TICK_S = 0.005


async def ticker(stop: asyncio.Event, overshoots: list[float], when: list[float]) -> None:
    """Sleep in short steps and record how late each wake-up is (the loop's stalls) and when it happened."""
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(TICK_S)
        overshoots.append(loop.time() - before - TICK_S)
        when.append(time.monotonic())


def serve_fake(conn: Connection, starting_s: float, processing_s: float) -> None:
    """The fake server, in its own process so that its threads do not compete with the app for the GIL."""
    with FakeReplicate(Scenario(starting_s=starting_s, processing_s=processing_s)) as fake:
        conn.send(fake.url)
        conn.recv()
        conn.send({"count": fake.create_count, "times": fake.create_times, "in_flight": fake.max_creates_in_flight,
                   "per_clip": max(fake.creates_by_frames.values(), default=0),
                   "duplicates": len(fake.duplicates())})


async def bench(clips: int, latency_s: float, poll_s: float, folder: Path, fake_url: str) -> float:
    os.environ["REPLICATE_API_TOKEN"] = TOKEN
    keyring.set_keyring(MemoryKeyring())
    services = open_services(folder / "library", SecretStore())
    freeze_long_lived_objects()  # as the app and the CLI do at start-up
    try:
        services.settings.update(replicate_base_url=fake_url, poll_interval_s=poll_s, poll_interval_max_s=poll_s * 4)
        campaign_id = await seed_campaign(services, folder / "images", pairs=clips)
        gen = services.generation
        job = (await gen.create_job(await gen.plan(campaign_id, "google/veo-3.1-fast", duration_s=4))).value
        stop = asyncio.Event()
        overshoots: list[float] = []
        when: list[float] = []
        tick = asyncio.create_task(ticker(stop, overshoots, when))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        loop_cpu = time.thread_time()
        final = await gen.run_job(job.id)
        wall = time.monotonic() - started
        loop_cpu = time.thread_time() - loop_cpu
        stop.set()
        await tick
    finally:
        await services.aclose()
    succeeded = sum(c.status is ClipStatus.SUCCEEDED for c in final.clips)
    print(f"clips: {clips}, latency per prediction: {latency_s:g} s, poll interval {poll_s:g}…{poll_s * 4:g} s")
    print(f"job: {final.status.value}, {succeeded}/{clips} clips succeeded")
    print(f"wall time of run_job: {wall:.2f} s (serial would be {clips * latency_s:.0f} s)")
    print(f"event-loop thread CPU during the run: {loop_cpu:.2f} s (the rest of the time it waited)")
    print(f"event-loop stall: max {max(overshoots) * 1000:.1f} ms, p99 "
          f"{statistics.quantiles(overshoots, n=100)[98] * 1000:.1f} ms over {len(overshoots)} ticks")
    worst = sorted(zip(overshoots, when, strict=True), reverse=True)[:5]
    print("largest stalls: " + ", ".join(f"{o * 1000:.0f} ms at {w - started:.1f} s" for o, w in worst))
    if final.status is not JobStatus.SUCCEEDED:
        raise SystemExit("the job did not succeed")
    return started


def bench_arguments(description: str | None, **flags: str) -> argparse.Namespace:
    """The options both generation benchmarks take, and ``flags`` (name: help) of the caller's own."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=50)
    parser.add_argument("--latency", type=float, default=3.0, help="seconds from create to success")
    parser.add_argument("--poll", type=float, default=0.25, help="first poll interval (the app's default is 2 s)")
    for name, explanation in flags.items():
        parser.add_argument(f"--{name}", action="store_true", help=explanation)
    return parser.parse_args()


@contextlib.contextmanager
def fake_replicate_process(latency_s: float) -> Iterator[tuple[str, Connection]]:
    """The fake Replicate in its own process; yields its URL and a pipe that answers "stats" once."""
    starting = min(0.5, latency_s / 4)
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve_fake, args=(theirs, starting,
                                                                                   latency_s - starting))
    server.start()
    try:
        yield ours.recv(), ours
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()


def main() -> None:
    args = bench_arguments(__doc__)
    with fake_replicate_process(args.latency) as (url, server):
        with tempfile.TemporaryDirectory(prefix="pairframe-genbench-") as folder:
            started = asyncio.run(bench(args.clips, args.latency, args.poll, Path(folder), url))
        server.send("stats")
        stats = server.recv()
    print(f"creates made by the server: first after {stats['times'][0] - started:.2f} s, all {stats['count']} "
          f"after {stats['times'][-1] - started:.2f} s (most in flight at once: {stats['in_flight']})")
    print(f"creates per clip: max {stats['per_clip']}, duplicates: {stats['duplicates']}")

if __name__ == "__main__":
    main()
