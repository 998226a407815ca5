"""The one bridge between widgets and core services.

Core services are coroutines; widgets start them here as tracked, named asyncio tasks on the qasync loop.
Results and errors come back on the GUI thread through callbacks and Qt signals, so no widget blocks on I/O
and no task is garbage-collected mid-flight (strong references are kept until it ends).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from app.logging_setup import redact

log = logging.getLogger(__name__)
T = TypeVar("T")


def describe_error(exc: BaseException) -> str:
    """A one-line, key-free message for the user."""
    text = str(exc).strip() or type(exc).__name__
    return redact(text.splitlines()[0] if len(text) > 400 else text)


class TaskBridge(QObject):
    """Runs service coroutines as named tasks; a new task with a running task's name cancels the old one."""

    task_started = Signal(str)
    task_finished = Signal(str)
    task_failed = Signal(str, str)  # task name, message for the user
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._named: dict[str, asyncio.Task[Any]] = {}
        self._all: set[asyncio.Task[Any]] = set()

    def run(self, name: str, coro: Coroutine[Any, Any, T], *,
            on_done: Callable[[T], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            replace: bool = True) -> asyncio.Task[T]:
        """Start ``coro`` as the task ``name``.

        ``on_done(result)`` or ``on_error(exc)`` run on the GUI thread when it ends (not on cancellation).
        A failure is always logged with its traceback; without ``on_error`` it is also announced by
        ``task_failed``. With ``replace`` a running
        task of the same name is cancelled first (a new "Suggest pairs" click replaces the previous run).
        """
        if replace and (previous := self._named.get(name)) and not previous.done():
            previous.cancel()
        task = asyncio.get_event_loop().create_task(coro, name=name)
        self._named[name] = task
        self._all.add(task)
        was_busy = len(self._all) > 1
        self.task_started.emit(name)
        if not was_busy:
            self.busy_changed.emit(True)
        task.add_done_callback(lambda t: self._finished(name, t, on_done, on_error))
        return task

    def is_running(self, name: str) -> bool:
        """True until the task ``name`` has ended *and* its callbacks have run (they may start follow-up work)."""
        return name in self._named

    def cancel(self, name: str) -> None:
        """Cancel the task ``name`` if it runs."""
        if (task := self._named.get(name)) and not task.done():
            task.cancel()

    def running_names(self) -> list[str]:
        return list(self._named)

    async def shutdown(self, grace_s: float = 5.0) -> None:
        """Cancel every task and wait (bounded) for them to finish their clean-up."""
        tasks = [t for t in self._all if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)

    def _finished(self, name: str, task: asyncio.Task[Any], on_done: Callable[[Any], None] | None,
                  on_error: Callable[[BaseException], None] | None) -> None:
        self._all.discard(task)
        if self._named.get(name) is task:
            del self._named[name]
        if not self._all:
            self.busy_changed.emit(False)
        if task.cancelled():
            self.task_finished.emit(name)
            return
        exc = task.exception()
        try:
            if exc is None:
                if on_done:
                    on_done(task.result())
            else:
                log.error("task %s failed", name, exc_info=exc)  # handled or not, the traceback is in the log
                if on_error:
                    on_error(exc)
                else:
                    self.task_failed.emit(name, describe_error(exc))
        except Exception as callback_exc:  # a broken callback must not kill the loop
            log.exception("callback of task %s failed", name)
            self.task_failed.emit(name, describe_error(callback_exc))
        self.task_finished.emit(name)
