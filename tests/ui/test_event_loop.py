"""The GUI's event loop forgets a cancelled timer at once: request timeouts that were cancelled (nearly all of
them) do not pile up as handles, contexts and live Qt timers until their delay runs out."""

from __future__ import annotations

import asyncio
import gc
import time

from app.ui.event_loop import GuiEventLoop


def _cancelled_handles_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, asyncio.Handle) and o.cancelled())


async def test_answered_requests_leave_no_cancelled_timers_behind() -> None:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, GuiEventLoop)
    before = _cancelled_handles_alive()

    async def answered_request() -> None:
        async with asyncio.timeout(60):  # what httpx and our services set around a request
            await asyncio.sleep(0)

    await asyncio.gather(*(answered_request() for _ in range(2_000)))
    assert _cancelled_handles_alive() - before < 10  # qasync's own table kept all 2,000 for a minute


async def test_delayed_calls_run_in_order_on_time_and_a_cancelled_one_never_runs() -> None:
    loop = asyncio.get_running_loop()
    ran: list[str] = []
    started = time.monotonic()
    loop.call_later(0.12, ran.append, "late")
    dropped = loop.call_later(0.05, ran.append, "cancelled")
    loop.call_at(loop.time() + 0.06, ran.append, "early")
    loop.call_soon(ran.append, "soon")
    dropped.cancel()
    dropped.cancel()  # a second cancel is harmless
    await asyncio.sleep(0.2)
    assert ran == ["soon", "early", "late"]
    assert time.monotonic() - started >= 0.12 and dropped.cancelled()


async def test_a_timeout_still_fires() -> None:
    started = time.monotonic()
    try:
        async with asyncio.timeout(0.05):
            await asyncio.sleep(5)
    except TimeoutError:
        pass
    assert 0.04 <= time.monotonic() - started < 1.0
