"""The window's one undo stack: every edit of the library and of the pairs, undone and redone by core operations.

A command holds two coroutine functions: the edit (``redo``) and its inverse (``undo``). Each core operation returns
what it replaced, and the command keeps it for the inverse, so Undo restores exactly what was there. The operations
run through the bridge one after another, in the order asked: an Undo pressed while its edit is still being saved
runs after that save. An edit that fails leaves the stack; an Undo or Redo that fails (the data changed underneath,
a campaign was deleted) is reported and clears the history, so no later step works from a wrong picture.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.ui.bridge import TaskBridge
from app.ui.notices import Notices

log = logging.getLogger(__name__)
Step = Callable[[], Awaitable[Any]]


class Command(QUndoCommand):
    """One edit on the stack; ``failed`` once its edit could not be made."""

    def __init__(self, history: History, text: str, do: Step, undo: Step, failure: str, *, done: bool,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        super().__init__(text)
        self.history = history
        self.on_error = on_error
        self._do = do
        self._undo = undo
        self.failure = failure
        self.failed = False
        self._skip_redo = done  # pushing calls redo() once: an edit already made is not made again
        self._first_run = not done

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        if self.failed:
            return
        first, self._first_run = self._first_run, False
        self.history._enqueue(self, self._do, self.failure if first else f"Could not redo “{self.text()}”",
                              first=first)

    def undo(self) -> None:
        if not self.failed:
            self.history._enqueue(self, self._undo, f"Could not undo “{self.text()}”", first=False)


class History(QObject):
    """The undo stack of one window and the queue its operations run in."""

    step_failed = Signal(str)  # the message shown

    def __init__(self, bridge: TaskBridge, notices: Notices | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.notices = notices
        self.stack = QUndoStack(self)
        self._tail: asyncio.Task[Any] | None = None
        self._steps = 0

    def push(self, text: str, do: Step, undo: Step, failure: str,
             on_error: Callable[[BaseException], None] | None = None) -> Command:
        """Make the edit ``do`` now (queued behind earlier steps) and record it; ``failure`` says what did not
        happen if it fails ("The rating was not saved"), or ``on_error`` reports that failure instead."""
        command = Command(self, text, do, undo, failure, done=False, on_error=on_error)
        self.stack.push(command)
        return command

    def record(self, text: str, undo: Step, redo: Step) -> Command:
        """Record an edit already made (a list saved, a suggestion run stored): Undo runs ``undo``, Redo ``redo``."""
        command = Command(self, text, redo, undo, "", done=True)
        self.stack.push(command)
        return command

    def undo_if_last(self, command: Command) -> bool:
        """Undo ``command`` if it is the last edit (a status bar's Undo link); False when something came after."""
        index = self.stack.index()
        if index > 0 and self.stack.command(index - 1) is command:
            self.stack.undo()
            return True
        if self.notices is not None:
            self.notices.status(f"“{command.text()}” is no longer the last change: use Edit › Undo.")
        return False

    def busy(self) -> bool:
        """Whether a step is queued or running."""
        return self._tail is not None and not self._tail.done()

    async def idle(self) -> None:
        """Wait until every queued step has run (and its result was handled)."""
        while (tail := self._tail) is not None and not tail.done():
            await asyncio.wait({tail})
        await asyncio.sleep(0)

    def _enqueue(self, command: Command, step: Step, failure: str, *, first: bool) -> None:
        previous = self._tail

        async def run() -> Any:
            if previous is not None and not previous.done():
                await asyncio.wait({previous})  # its failure is its own
            return await step()

        self._steps += 1
        self._tail = self.bridge.run(f"history-{self._steps}", run(), replace=False,
                                     on_error=lambda exc: self._failed(command, failure, exc, first=first))

    def _failed(self, command: Command, failure: str, exc: BaseException, *, first: bool) -> None:
        if first:
            command.failed = True
            index = self.stack.index()
            if index > 0 and self.stack.command(index - 1) is command:
                command.setObsolete(True)
                self.stack.undo()  # drops it: an edit that did not happen cannot be undone
            message = failure
        else:
            self.stack.clear()
            message = f"{failure} (the undo history was cleared)"
        log.warning("%s: %s", message, exc)
        if first and command.on_error is not None:
            command.on_error(exc)
        elif self.notices is not None:
            self.notices.error(message, exc, key="history")
        self.step_failed.emit(message)


__all__ = ["Command", "History"]
