"""The work this window runs on each job (its run, retries, a cancel), and the moment a job's work settles.

A finished-job notice must follow the end of the work, not a status seen in passing: a job's states can arrive
late (a final refresh announced twice), and a retry can make a finished job run again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.domain import JobState
from app.ui.bridge import TaskBridge


class JobActivity(QObject):
    """Starts job work through the bridge; ``settled(job_id, final)`` fires when no work on that job is left.

    ``final`` is the ``JobState`` the last piece of work returned, or None when it returned none (or failed).
    """

    settled = Signal(int, object)

    def __init__(self, bridge: TaskBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self._work: Counter[int] = Counter()

    def busy(self, job_id: int) -> bool:
        """Whether this window is running anything on job ``job_id``."""
        return self._work[job_id] > 0

    def busy_jobs(self) -> list[int]:
        """The jobs this window is running work on now."""
        return sorted(job_id for job_id, count in self._work.items() if count > 0)

    def start(self, job_id: int, name: str, coro: Coroutine[Any, Any, Any], *,
              on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None]) -> None:
        """Run ``coro`` as the bridge task ``name``, counted as work on job ``job_id``."""
        self._work[job_id] += 1

        def done(result: Any) -> None:
            try:
                if on_done is not None:
                    on_done(result)
            finally:
                self._finish(job_id, result if isinstance(result, JobState) else None)

        def failed(exc: BaseException) -> None:
            try:
                on_error(exc)
            finally:
                self._finish(job_id, None)

        task = self.bridge.run(name, coro, on_done=done, on_error=failed, replace=False)
        task.add_done_callback(lambda t: t.cancelled() and self._finish(job_id, None, announce=False))

    def _finish(self, job_id: int, final: JobState | None, *, announce: bool = True) -> None:
        self._work[job_id] -= 1
        if self._work[job_id] <= 0:
            del self._work[job_id]
            if announce:
                self.settled.emit(job_id, final)
