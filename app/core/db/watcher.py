"""Other processes' changes, read from the change log and announced on this process's hub.

A thread of its own, with its own SQLite connection, asks ``PRAGMA data_version`` a few times a second: a number
that moves only when another connection committed. Only then does it read the change log rows it has not seen,
drop this process's own (already announced), merge the rest and hand them to the event loop. The GUI thread does
nothing until there is news. Rows trimmed before it read them (a watcher far behind) turn into ``everything``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from app.core.changes import EVERYTHING, Changes, merge

log = logging.getLogger(__name__)
CHECK_INTERVAL_S = 0.2


class ChangeWatcher:
    """Publishes other processes' changes to ``publish`` on ``loop`` until ``stop()``."""

    def __init__(self, path: Path, origin: str, publish: Callable[[Changes], None],
                 loop: asyncio.AbstractEventLoop, interval_s: float = CHECK_INTERVAL_S) -> None:
        self.path = path
        self.origin = origin
        self.publish = publish
        self.loop = loop
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pairframe-changes", daemon=True)
        self._last_seq = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
        except sqlite3.Error:
            log.exception("cannot watch %s for other processes' changes", self.path)
            return
        try:
            self._last_seq = self._sequence(connection)
            version = self._data_version(connection)
            while not self._stop.wait(self.interval_s):
                try:
                    current = self._data_version(connection)
                    if current == version:
                        continue
                    version = current
                    changes = self._read_new(connection)
                except sqlite3.Error as exc:  # busy or being replaced: try again next time
                    log.debug("change watcher: %s", exc)
                    continue
                if changes:
                    self.loop.call_soon_threadsafe(self.publish, changes)
        finally:
            connection.close()

    @staticmethod
    def _data_version(connection: sqlite3.Connection) -> int:
        return int(connection.execute("PRAGMA data_version").fetchone()[0])

    @staticmethod
    def _sequence(connection: sqlite3.Connection) -> int:
        row = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'").fetchone()
        return int(row[0]) if row else 0

    def _read_new(self, connection: sqlite3.Connection) -> Changes:
        """The merged changes other processes committed since the last read."""
        rows = connection.execute("SELECT seq, origin, changes FROM change_log WHERE seq > ? ORDER BY seq",
                                  (self._last_seq,)).fetchall()
        oldest = connection.execute("SELECT min(seq) FROM change_log").fetchone()[0]
        missed = oldest is not None and oldest > self._last_seq + 1 and self._last_seq > 0
        if not rows:
            return EVERYTHING if missed else Changes()
        found = [Changes.from_json(json.loads(doc), external=True) for _seq, origin, doc in rows
                 if origin != self.origin]
        self._last_seq = rows[-1][0]
        result = merge(found)
        return Changes(everything=True, external=True) | result if missed else result


__all__ = ["ChangeWatcher"]
