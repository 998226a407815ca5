"""The change watcher: another connection's commits (another origin) arrive on the loop, this one's never do, and a
watcher whose unread rows were trimmed asks for everything."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.changes import Changes, merge
from app.core.db import Database
from app.core.db.engine import make_engine
from app.core.db.watcher import ChangeWatcher
from app.core.services import Services

INTERVAL_S = 0.02


async def settle(heard: list[Changes], count: int = 1, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while len(heard) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(heard)} of {count} deliveries within {timeout} s")
        await asyncio.sleep(0.01)


async def quiet(seconds: float = 10 * INTERVAL_S) -> None:
    """Give the watcher several looks at the file."""
    await asyncio.sleep(seconds)


@pytest.fixture
async def other(services: Services) -> AsyncIterator[Database]:
    """A second connection to the same library file with its own origin, as another process has."""
    assert services.db.path is not None
    db = Database(make_engine(services.db.path), services.db.path)
    assert db.origin != services.db.origin
    yield db
    db.close()


@pytest.fixture
async def heard(services: Services) -> AsyncIterator[list[Changes]]:
    """What a watcher of ``services``' own origin delivers on the running loop."""
    await services.library.create_client("Before")  # the log has rows before the watcher starts
    assert services.db.path is not None
    delivered: list[Changes] = []
    loop = asyncio.get_running_loop()

    def publish(changes: Changes) -> None:
        assert asyncio.get_running_loop() is loop  # on the loop's thread, not the watcher's
        delivered.append(changes)
    watcher = ChangeWatcher(services.db.path, services.db.origin, publish, loop, interval_s=INTERVAL_S)
    watcher.start()
    await quiet()
    yield delivered
    watcher.stop()


async def test_another_origins_commit_arrives_marked_external_and_ours_never(services: Services, other: Database,
                                                                            heard: list[Changes]) -> None:
    ours = await services.library.create_client("Ours")
    await quiet()
    assert heard == []  # this process already announced its own write on its hub

    theirs = await other.run(lambda s: _add_client(s, "Theirs"))
    await settle(heard)
    assert heard == [Changes(clients=frozenset({theirs}), external=True)]
    assert ours.value.id not in heard[0].clients

    heard.clear()  # both write between two looks: only the other's arrive
    await services.library.create_client("Ours again")
    mine_and_theirs = [await other.run(lambda s: _add_client(s, "Theirs 2")),
                       await other.run(lambda s: _add_client(s, "Theirs 3"))]
    await settle(heard)
    await quiet()
    assert merge(heard) == Changes(clients=frozenset(mine_and_theirs), external=True)


async def test_a_watcher_far_behind_whose_rows_were_trimmed_reloads_everything(services: Services,
                                                                             heard: list[Changes]) -> None:
    assert services.db.path is not None
    # The control: three rows of another process in one commit, all kept.
    _commit_rows(services.db.path, [{"clients": [11]}, {"assets": [12]}, {"clients": [13]}], trim=0)
    await settle(heard)
    assert heard == [Changes(clients=frozenset({11, 13}), assets=frozenset({12}), external=True)]

    heard.clear()  # the first two of the next three are trimmed before the watcher could read them
    _commit_rows(services.db.path, [{"clients": [21]}, {"assets": [22]}, {"clients": [23]}], trim=2)
    await settle(heard)
    assert heard[0].everything and heard[0].external and 23 in heard[0].clients


def _add_client(s, name: str) -> int:  # type: ignore[no-untyped-def]
    from app.core.db.models import Client

    row = Client(name=name)
    s.add(row)
    s.flush()
    return row.id


def _commit_rows(path: Path, docs: list[dict], trim: int) -> None:
    """Append change log rows of another origin in one commit; with ``trim``, every row before the last ``len(docs)
    - trim`` new ones is deleted in the same commit (as the trim of old rows does), so a watcher never sees the first
    ``trim`` new rows."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        seqs = [connection.execute("INSERT INTO change_log (origin, at, changes) VALUES (?, datetime('now'), ?)",
                                   ("elsewhere:1:abcd", json.dumps(doc))).lastrowid for doc in docs]
        if trim:
            connection.execute("DELETE FROM change_log WHERE seq < ?", (seqs[trim],))
        connection.execute("COMMIT")
    finally:
        connection.close()
