"""Python's cyclic garbage collection, run only on the GUI thread.

Left automatic, a collection runs on whichever thread happens to allocate (the database worker, a thumbnail
worker, an executor). Collecting a cycle that holds a Qt object there deletes it off the GUI thread, and a
timer of it later fires at freed memory: a crash. So automatic collection is switched off and a GUI-thread
timer collects instead, by generation, when the allocation counts say the collector would have.

The timer checks every 100 ms. Checked every 500 ms, a busy loop (50 live clip cards) allocated 21,000 objects
between checks, so one young collection took up to 7 ms and a middle one up to 16 ms, inside a frame; every
100 ms, they took at most 2.4 and 6.8 ms for the same work in all.

A full collection walks every object in the oldest generation (those created since start-up's freeze): 20-50 ms
with a job's 50 cards open. CPython's own automatic collection runs one only when the objects moved into that
generation since the last one number more than a quarter of those it held then, so full collections stay rare
and their cost stays linear in the heap; a timer that looked at the counts alone ran one after every ten middle
collections, several a minute on a busy page. The timer keeps CPython's rule, counting itself what the middle
collections move up.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 100


class GuiThreadGarbageCollector(QObject):
    """While alive, cyclic garbage is collected on the GUI thread only (a pattern Anki's aqt also uses)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()
        self._long_lived: int | None = None  # objects in the oldest generation after its last collection
        self._promoted = 0  # objects the middle collections moved into it since

    def collect_if_due(self) -> int:
        """Collect the oldest generation that is due, the way CPython's automatic collection decides; returns the
        generation (-1: none)."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if thresholds[2] and counts[2] > thresholds[2] and self._old_generation_grew():
            young = _young_objects()
            found = gc.collect(2)
            self._long_lived = max(0, (self._long_lived or 0) + self._promoted + young - found)
            self._promoted = 0
            return 2
        if thresholds[1] and counts[1] > thresholds[1]:
            young = _young_objects()
            self._promoted += max(0, young - gc.collect(1))
            return 1
        if thresholds[0] and counts[0] > thresholds[0]:
            gc.collect(0)
            return 0
        return -1

    def _old_generation_grew(self) -> bool:
        """More than a quarter of the oldest generation's objects came since its last collection."""
        if self._long_lived is None:  # counted once: it holds what was alive when this collector started
            self._long_lived = len(gc.get_objects(2)) - self._promoted
        return self._promoted > self._long_lived // 4

    def stop(self) -> None:
        """Collect once more and give automatic collection back."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def _young_objects() -> int:
    """About how many objects the two young generations hold (a middle collection moves the survivors up): the
    youngest's allocation count, and the middle one's objects (listing the youngest's would cost more)."""
    return gc.get_count()[0] + len(gc.get_objects(1))
