"""The GUI's database thread rests between closely following pieces of work, so the event loop keeps at least two
thirds of the interpreter in a burst (``db/pacing.py``); the command line's does not rest."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.core.db import pacing
from app.core.services import Services

CPU_S = 0.006  # each piece of work spins this long on the processor


def spin(_session: object) -> float:
    """Work that holds the interpreter for ``CPU_S`` of processor time; returns the time it took."""
    started = time.thread_time()
    while time.thread_time() - started < CPU_S:
        pass
    return time.thread_time() - started


@pytest.fixture
def rests(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The database thread's rests, recorded instead of slept."""
    taken: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", taken.append)
    return taken


async def test_in_the_gui_work_that_follows_other_work_rests_twice_as_long_as_that_took(
        services: Services, rests: list[float]) -> None:
    services.db.yield_to_event_loop()
    took, _ = await asyncio.gather(services.db.read(spin), services.db.read(spin))  # queued together: a burst
    assert len(rests) == 1
    assert 1.5 * took < rests[0] <= pacing.REST_MAX_S  # two thirds of the burst for the loop (half before)


async def test_work_that_arrives_alone_or_outside_the_gui_starts_at_once(services: Services,
                                                                         rests: list[float]) -> None:
    await asyncio.gather(services.db.read(spin), services.db.read(spin))
    assert rests == []  # not paced: the command line's database thread never rests
    services.db.yield_to_event_loop()
    took = await services.db.read(spin)
    await asyncio.sleep(2 * took + 0.01)  # a pause longer than the rest it earned
    await services.db.read(spin)
    assert rests == []
