"""Cyclic garbage is collected on the GUI thread's timer, never by a worker thread that happens to allocate."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QTimer

from app.ui.gui_gc import GuiThreadGarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_worker_allocations_do_not_collect_and_the_gui_thread_does(qapp) -> None:
    gc.collect()
    collector = GuiThreadGarbageCollector()  # the autouse fixture has one too: both leave gc disabled
    try:
        assert not gc.isenabled()
        collected_on: list[str] = []
        gc.callbacks.append(lambda phase, _info: phase == "start" and collected_on.append(
            threading.current_thread().name))
        worker = threading.Thread(target=lambda: [Cycle() for _ in range(50_000)], name="pairframe-db")
        worker.start()
        worker.join()
        assert collected_on == []
        assert collector.collect_if_due() >= 0
        assert collected_on and set(collected_on) == {threading.current_thread().name}
    finally:
        gc.callbacks.pop()
        collector.stop()


def test_young_collections_stay_small_while_the_gui_thread_allocates(qapp, qtbot) -> None:
    """The timer checks often enough that one collection never holds a long stretch of a busy loop's allocations
    (checked every 500 ms, 50 live cards piled up 21,000 objects: a 7-16 ms pause inside a frame)."""
    gc.collect()
    collector = GuiThreadGarbageCollector()
    pending: list[int] = []
    gc.callbacks.append(lambda phase, _info: phase == "start" and pending.append(gc.get_count()[0]))
    kept: list[Cycle] = []
    allocating = QTimer()
    allocating.timeout.connect(lambda: kept.__setitem__(slice(None), [Cycle() for _ in range(1_000)]))
    allocating.start(5)  # about 200,000 objects a second, half of them garbage at any time
    try:
        qtbot.wait(1500)
        assert pending and max(pending) < 60_000
    finally:
        allocating.stop()
        gc.callbacks.pop()
        collector.stop()
