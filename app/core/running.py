"""The tasks an owner has under way, so that closing the owner stops them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

STOP_WAIT_S = 10.0  # how long closing waits for the stopped tasks to end (FFmpeg gets its grace inside that)


class RunningTasks:
    """Tasks that hold the owner's work while they run (``holding``); ``stop_all`` cancels them and waits."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    @contextlib.contextmanager
    def holding(self) -> Iterator[None]:
        """Count the current task as running for the block."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)  # type: ignore[arg-type]

    async def stop_all(self, timeout: float = STOP_WAIT_S) -> None:
        """Cancel every task still running and wait (at most ``timeout``) for them to end."""
        running = [task for task in self._tasks if not task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=timeout)
