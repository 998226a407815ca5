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


def test_a_full_collection_waits_until_the_old_generation_grew_by_a_quarter(qapp) -> None:
    """CPython's own rule: a collection of the oldest generation walks all of it (20-50 ms with a busy page), so
    it runs only when the objects moved there since the last one are more than a quarter of what it held. The
    timer used to run one after every ten middle collections, however little had moved."""
    gc.collect()
    collector = GuiThreadGarbageCollector()
    full: list[int] = []
    gc.callbacks.append(lambda phase, info: phase == "start" and info["generation"] == 2 and full.append(1))
    try:
        for _ in range(400):  # short-lived cycles only: they die young, the oldest generation stays as it is
            garbage = [Cycle() for _ in range(1_000)]
            del garbage
            collector.collect_if_due()
        assert full == []
        kept: list[Cycle] = []
        for _ in range(400):  # objects that stay: the oldest generation grows past a quarter
            kept.extend(Cycle() for _ in range(1_000))
            collector.collect_if_due()
        assert full
    finally:
        gc.callbacks.pop()
        collector.stop()
