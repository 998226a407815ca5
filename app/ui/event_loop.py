"""The GUI's asyncio event loop: qasync's, with a cancelled timer dropped at once.

qasync runs each ``call_later`` on a Qt timer of its own and keeps the handle until that timer fires, cancelled or
not. Nearly every request sets a timeout (``asyncio.timeout``, httpx's and anyio's deadlines), most of them tens of
seconds long, and cancels it when the answer comes. While 50 clips were polled, about 6,400 cancelled handles
(each with a copy of its context) and as many live Qt timers piled up in 40 s: a third of the objects every full
garbage collection then walked on the GUI thread. Here a handle's ``cancel()`` kills its timer and forgets it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QObject, QTimerEvent

log = logging.getLogger(__name__)


class _DelayedHandle(asyncio.Handle):
    """A delayed call whose cancellation also stops its Qt timer."""

    __slots__ = ("_timers", "timer_id")

    def __init__(self, callback: Callable[..., object], args: tuple[Any, ...], loop: asyncio.AbstractEventLoop,
                 context: contextvars.Context | None, timers: _Timers) -> None:
        super().__init__(callback, args, loop, context=context)
        self._timers = timers
        self.timer_id: int | None = None

    def cancel(self) -> None:
        if not self.cancelled():
            super().cancel()
            self._timers.drop(self)


class _Timers(QObject):
    """The loop's calls waiting on Qt timers, by timer id (what qasync's own timer table offers the loop)."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.Handle] = {}
        self._stopped = False
        self._debug = False

    def add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        self._handles[timer_id] = handle
        if isinstance(handle, _DelayedHandle):
            handle.timer_id = timer_id
        return handle

    def drop(self, handle: _DelayedHandle) -> None:
        """Forget a cancelled call and stop its timer."""
        if handle.timer_id is not None and self._handles.pop(handle.timer_id, None) is handle:
            self.killTimer(handle.timer_id)
        handle.timer_id = None

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is None or self._stopped or handle.cancelled():
            return
        if not self._debug:
            handle._run()
            return
        started = time.monotonic()
        handle._run()
        took = time.monotonic() - started
        if took >= asyncio.get_event_loop().slow_callback_duration:
            log.warning("executing %r took %.3f seconds", handle, took)

    def stop(self) -> None:
        """Run nothing more (the loop is closing)."""
        self._stopped = True

    def set_debug(self, enabled: bool) -> None:
        """Report callbacks slower than the loop's ``slow_callback_duration`` (asyncio's debug mode)."""
        self._debug = enabled


class GuiEventLoop(qasync.QEventLoop):
    """qasync's event loop, whose cancelled ``call_later``/``call_at`` handles release their Qt timers at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer.deleteLater()  # qasync's own table: nothing was scheduled on it yet
        self._timer = _Timers()
        self._timer.set_debug(self.get_debug())

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any,
                   context: contextvars.Context | None = None) -> asyncio.Handle:
        if delay <= 0:  # runs at the next pass: nothing to drop
            return super().call_later(delay, callback, *args, context=context)
        if not callable(callback) or asyncio.iscoroutinefunction(callback):
            raise TypeError(f"a delayed call needs a plain callable, not {callback!r}")
        return self._timer.add_callback(_DelayedHandle(callback, args, self, context, self._timer), delay)


__all__ = ["GuiEventLoop"]
