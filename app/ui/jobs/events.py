"""Generation progress as Qt signals: a ``GenerationService.subscribe`` listener that coalesces bursts.

Clips may report several times a second each; the adapter keeps only the newest state per clip and per job and
emits them together at most every ``interval_ms``, in the order of their latest arrival, so a view updates each
changed card once per tick and never falls behind the loop.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.domain import ClipState, JobState

Listener = Callable[[ClipState | JobState], None]


class Subscribable(Protocol):
    def subscribe(self, listener: Listener) -> Callable[[], None]: ...


class GenerationEvents(QObject):
    """Subscribes to a generation service until ``close()``; emits ``clip_changed`` and ``job_changed``."""

    clip_changed = Signal(object)  # ClipState
    job_changed = Signal(object)  # JobState

    def __init__(self, generation: Subscribable, interval_ms: int = 50, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: OrderedDict[tuple[str, int], ClipState | JobState] = OrderedDict()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._unsubscribe: Callable[[], None] | None = generation.subscribe(self._on_event)

    def _on_event(self, state: ClipState | JobState) -> None:
        key = ("clip" if isinstance(state, ClipState) else "job", state.id)
        self._pending[key] = state
        self._pending.move_to_end(key)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Emit every pending state now (newest per clip/job, in order of arrival)."""
        pending, self._pending = self._pending, OrderedDict()
        for (kind, _id), state in pending.items():
            (self.clip_changed if kind == "clip" else self.job_changed).emit(state)

    def close(self) -> None:
        """Stop listening; pending states are delivered first."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._timer.stop()
        self.flush()
