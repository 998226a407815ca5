"""The UI's one change feed: every ``Changes`` of this process and of the others, as one Qt signal.

Writes of this process arrive from the database's hub the moment they commit; other processes' writes arrive from
the ``ChangeWatcher`` thread. Bursts (an import's batches, fifty clips reporting progress) are merged and
delivered at most every ``interval_ms``, so each view refreshes its part once per burst. Views connect to
``changed`` and decide from the ``Changes`` whether their part is touched; none reloads another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.core.changes import NO_CHANGES, ChangeHub, Changes
from app.core.db import Database
from app.core.db.server_watcher import ServerChangeWatcher
from app.core.db.watcher import ChangeWatcher

COALESCE_MS = 40


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Watcher(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class ChangeFeed(QObject):
    """Subscribes to ``hub`` (and, with ``watch``, to other processes' changes) until ``close()``."""

    changed = Signal(object)  # Changes

    def __init__(self, hub: ChangeHub, parent: QObject | None = None, *, interval_ms: int = COALESCE_MS) -> None:
        super().__init__(parent)
        self._pending = NO_CHANGES
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.flush)
        self._unsubscribe: Callable[[], None] | None = hub.subscribe(self.post)
        self._watcher: _Watcher | None = None

    def watch_other_processes(self, db: Database) -> None:
        """Also deliver what other processes commit to ``db`` (read off the GUI thread): a SQLite file is watched
        through ``PRAGMA data_version``, a PostgreSQL database through ``LISTEN/NOTIFY``."""
        if self._watcher is not None:
            return
        loop = asyncio.get_event_loop()
        if db.dialect == "postgresql":
            self._watcher = ServerChangeWatcher(db.listener_params(), db.origin, self.post, loop)
        else:
            assert db.path is not None
            self._watcher = ChangeWatcher(db.path, db.origin, self.post, loop)
        self._watcher.start()

    def post(self, changes: Changes) -> None:
        """Queue ``changes`` for the next delivery (on the GUI thread)."""
        if not changes:
            return
        self._pending = self._pending | changes
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Deliver what is queued now (nothing once the event loop has stopped: the views are going away)."""
        self._timer.stop()
        pending, self._pending = self._pending, NO_CHANGES
        if pending and _loop_running():
            self.changed.emit(pending)

    def close(self) -> None:
        """Stop listening (what is queued is dropped: the views are closing)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self._timer.stop()
        self._pending = NO_CHANGES
