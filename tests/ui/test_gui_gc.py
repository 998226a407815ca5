"""Cyclic garbage is collected on the GUI thread's timer, never by a worker thread that happens to allocate."""

from __future__ import annotations

import gc
import threading

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
