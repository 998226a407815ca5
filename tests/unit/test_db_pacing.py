"""The database thread, paced for the GUI, leaves the event loop at least two thirds of the time in a burst of
work; the command line's does not rest."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from app.core.db import pacing
from app.core.db.pacing import REST_MAX_S, Pacer
from app.core.services import Services, open_services
from app.ui.application import _open_or_fall_back


def _busy(seconds: float) -> float:
    """Spend ``seconds`` of CPU time in Python; returns when it ended."""
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass
    return time.monotonic()


def _gap_between_two_pieces(pacer: Pacer, seconds: float) -> float:
    ended = pacer.run(_busy, seconds)
    started = pacer.run(time.monotonic)
    return started - ended


def _spin(_session: object) -> float:
    """Database work that holds the interpreter for 6 ms of CPU time; returns the CPU time it took."""
    started = time.thread_time()
    _busy(0.006)
    return time.thread_time() - started


def test_unpaced_work_follows_at_once() -> None:
    assert _gap_between_two_pieces(Pacer(), 0.01) < 0.003


def test_paced_work_rests_as_long_as_the_work_before_it_ran() -> None:
    pacer = Pacer()
    pacer.share = 1.0
    assert _gap_between_two_pieces(pacer, 0.01) >= 0.009


def test_a_long_piece_holds_the_next_back_only_so_long() -> None:
    pacer = Pacer()
    pacer.share = 1.0
    assert REST_MAX_S * 0.9 <= _gap_between_two_pieces(pacer, 0.1) < REST_MAX_S + 0.015


def test_work_that_comes_after_a_pause_starts_at_once() -> None:
    pacer = Pacer()
    pacer.share = 1.0
    pacer.run(_busy, 0.01)
    time.sleep(0.02)
    asked = time.monotonic()
    assert pacer.run(time.monotonic) - asked < 0.003


def test_a_failing_piece_still_paces_the_next() -> None:
    pacer = Pacer()
    pacer.share = 1.0

    def fail() -> None:
        _busy(0.01)
        raise ValueError("refused")
    with pytest.raises(ValueError, match="refused"):
        pacer.run(fail)
    ended = time.monotonic()
    assert pacer.run(time.monotonic) - ended >= 0.008


def test_the_window_paces_its_library_and_the_command_line_does_not(tmp_path: Path) -> None:
    services = _open_or_fall_back(tmp_path / "library", None)
    assert not isinstance(services, Exception)
    try:
        assert services.db.paced
    finally:
        asyncio.run(services.aclose())
    plain = open_services(tmp_path / "library")
    try:
        assert not plain.db.paced
    finally:
        asyncio.run(plain.aclose())


async def test_in_the_gui_work_that_follows_other_work_rests_twice_as_long_as_that_took(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    rests: list[float] = []
    monkeypatch.setattr(pacing.time, "sleep", rests.append)  # recorded, not slept
    services.db.yield_to_event_loop()
    took, _ = await asyncio.gather(services.db.read(_spin), services.db.read(_spin))  # queued together: a burst
    assert len(rests) == 1
    assert 1.5 * took < rests[0] <= REST_MAX_S  # two thirds of the burst for the loop (half before)
