"""Other workstations' changes to a team library, heard through PostgreSQL ``LISTEN/NOTIFY``.

Every write transaction sends ``NOTIFY pairframe_changes, '<seq>'`` (its change log row); the server delivers it
when, and only if, the transaction commits, in commit order. A thread of its own, on a connection of its own,
listens; for each burst of notifications it reads exactly those change log rows, drops this process's own
(already announced), merges the rest and hands them to the event loop — the same stream the SQLite
``ChangeWatcher`` feeds. A lost connection is opened again (with a growing pause); whatever was missed meanwhile is
announced as ``everything``, and so is a notified row already trimmed from the log.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable

from app.core.changes import Changes, merge
from app.core.db.engine import NOTIFY_CHANNEL

log = logging.getLogger(__name__)
WAIT_S = 0.1  # the longest a burst of notifications is gathered before its rows are read
RECONNECT_MAX_S = 5.0


class ServerChangeWatcher:
    """Publishes other processes' changes to ``publish`` on ``loop`` until ``stop()``."""

    def __init__(self, params: dict[str, str], origin: str, publish: Callable[[Changes], None],
                 loop: asyncio.AbstractEventLoop, wait_s: float = WAIT_S) -> None:
        self.params = params
        self.origin = origin
        self.publish = publish
        self.loop = loop
        self.wait_s = wait_s
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pairframe-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wait_listening(self, timeout: float) -> bool:
        """Whether the listener is connected and listening (within ``timeout`` seconds)."""
        return self._listening.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    def _run(self) -> None:
        import psycopg

        pause, connected_before = 0.25, False
        while not self._stop.is_set():
            try:
                connection = psycopg.connect(**self.params, autocommit=True)
            except psycopg.Error as exc:
                log.warning("cannot listen for the team library's changes (%s); trying again", _first_line(exc))
                self._stop.wait(pause)
                pause = min(pause * 2, RECONNECT_MAX_S)
                continue
            try:
                connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self._listening.set()
                if connected_before:  # changes may have been missed while the connection was down
                    self._hand_over(Changes(everything=True, external=True))
                connected_before, pause = True, 0.25
                self._listen(connection)
            except psycopg.Error as exc:
                log.warning("lost the team library's change listener (%s); reconnecting", _first_line(exc))
                self._listening.clear()
            finally:
                connection.close()

    def _listen(self, connection: object) -> None:
        while not self._stop.is_set():
            seqs = [int(n.payload) for n in connection.notifies(timeout=self.wait_s)  # type: ignore[attr-defined]
                    if n.payload.isdigit()]
            if seqs:
                self._hand_over(self._read(connection, seqs))

    def _read(self, connection: object, seqs: list[int]) -> Changes:
        """The merged changes of the notified change log rows that other processes wrote."""
        rows = connection.execute(  # type: ignore[attr-defined]
            "SELECT seq, origin, changes FROM change_log WHERE seq = ANY(%s) ORDER BY seq", (seqs,)).fetchall()
        found = [Changes.from_json(doc, external=True) for _seq, origin, doc in rows if origin != self.origin]
        result = merge(found)
        if len(rows) < len(set(seqs)):  # trimmed before it was read: its scope is unknown
            return Changes(everything=True, external=True) | result
        return result

    def _hand_over(self, changes: Changes) -> None:
        if changes:
            self.loop.call_soon_threadsafe(self.publish, changes)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


__all__ = ["ServerChangeWatcher"]
