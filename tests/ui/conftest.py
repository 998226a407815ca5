"""UI tests run their coroutines on a qasync loop (pytest-asyncio's loop-factory hook).

Never use ``qtbot.waitSignal``/``wait``/``waitUntil`` inside an ``async`` test (a nested loop inside a
task fails under qasync): await ``wait_until`` / ``wait_signal`` below instead.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app, already_running=False)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def collect_garbage_on_the_gui_thread(qapp: QApplication) -> Any:
    """Free each test's closed qasync loop and widgets here, on the GUI thread.

    As in the app, closing the last visible window (often a dialog in a test) must not quit the loop.

    A closed loop is cyclic garbage holding QObjects whose Qt timers may still run (a cancelled ``call_later``
    keeps its timer until it fires). Left to chance, a collection triggered on a worker thread (the database or
    a thumbnail thread) destroys them there: "Timers cannot be stopped from another thread", then a segfault
    when the timer fires in a later test.
    """
    qapp.setQuitOnLastWindowClosed(False)
    yield
    gc.collect()


async def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> None:
    """Let the loop run until ``predicate()`` is truthy; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def wait_signal(signal: Any, timeout: float = 5.0) -> tuple[Any, ...]:
    """Await the next emission of a Qt signal and return its arguments."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def on_emit(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(on_emit)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(on_emit)
