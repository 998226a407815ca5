"""UI tests run their coroutines on the app's qasync loop (pytest-asyncio's loop-factory hook).

Never use ``qtbot.waitSignal``/``wait``/``waitUntil`` inside an ``async`` test (a nested loop inside a
task fails under qasync): await ``wait_until`` / ``wait_signal`` below instead.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app.ui.event_loop import GuiEventLoop
from app.ui.gui_gc import GuiThreadGarbageCollector


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return GuiEventLoop(app, already_running=False)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def collect_garbage_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """Collect cyclic garbage on the GUI thread only, as the app does (app/ui/gui_gc.py).

    Otherwise a collection on a worker thread (the database or a thumbnail thread) may destroy a test's
    widgets or a closed qasync loop's timer QObjects there, and a later timer event segfaults. As in the app,
    closing the last visible window (often a dialog in a test) must not quit the loop.
    """
    qapp.setQuitOnLastWindowClosed(False)
    gc.collect()
    collector = GuiThreadGarbageCollector()
    yield
    collector.stop()
    collector.deleteLater()


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
