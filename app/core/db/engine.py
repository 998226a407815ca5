"""The SQLite engine (WAL, foreign keys on), migrations at start-up, and the single database worker.

All database work runs on one dedicated thread, so the event loop never waits on SQLite. One call is one
transaction: ``read`` (a snapshot, no writes), ``run`` (writes; its ``Changes`` are published after the commit)
or ``op`` (writes; returns ``Op(value, changes)``). A write transaction starts with ``BEGIN IMMEDIATE``: it holds
the file's write lock from its first read, so a check-then-insert cannot race another process's commit.
Every write transaction also appends what it changed to the change log, which other processes' watchers read.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, delete, event
from sqlalchemy.orm import Session, sessionmaker

from app.core.changes import ChangeHub, Changes, Op
from app.core.db import tracking
from app.core.db.models import ChangeLogRow, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


CHANGE_LOG_KEEP = timedelta(minutes=30)  # a watcher further behind than this reloads everything
CHANGE_LOG_TRIM_EVERY = 500  # write transactions between two trims


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _on_begin, not by the driver
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _on_begin(connection: object) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")  # type: ignore[attr-defined]
    connection.exec_driver_sql(f"BEGIN {mode}")  # type: ignore[attr-defined]


def make_engine(path: Path) -> Engine:
    """An engine for the SQLite file at ``path`` with WAL and foreign keys on every connection."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def process_origin() -> str:
    """A token naming this process's connection to a library: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs the packaged migrations against ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, path: Path, backups: Path, target: str = "head") -> str | None:
    """Upgrade the database to ``target``; back the file up first when it holds an older schema.

    Returns the path of the backup made, if any.
    """
    current = current_revision(engine)
    wanted = head_revision() if target == "head" else target
    if current == wanted:
        return None
    backup: str | None = None
    if current is not None and path.exists():
        backups.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target_file = backups / f"library-{current}-{stamp}.sqlite3"
        _backup_sqlite(path, target_file)
        backup = str(target_file)
        log.info("backed up the library database to %s before migrating", target_file)
    command.upgrade(alembic_config(engine), target)
    return backup


def _backup_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


class Database:
    """The library database: one engine, one worker thread, one transaction per call, changes announced."""

    def __init__(self, engine: Engine, path: Path | None = None) -> None:
        self.engine = engine
        self.path = path
        self.origin = process_origin()
        self.changes = ChangeHub()
        self._reads = sessionmaker(engine, expire_on_commit=False)
        self._writes = sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
        tracking.install(self._writes)
        tracking.install(self._reads)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pairframe-db")
        self._closed = threading.Event()
        self._writes_since_trim = 0

    def session(self) -> Session:
        """A session for synchronous use on the caller's thread (migrations, scripts, tests)."""
        return self._writes()

    # ---- synchronous (the worker thread, or scripts and tests) ---------------------------------------
    def read_sync(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a read-only snapshot on the calling thread; a write in it is a programming error."""
        with self._reads() as session, session.begin():
            result = work(session)
            session.flush()
            if tracking.take(session):
                raise RuntimeError("a read transaction tried to write")
            return result

    def write_sync(self, work: Callable[[Session], T]) -> tuple[T, Changes]:
        """Run ``work`` in one write transaction on the calling thread; returns its result and its changes.

        The changes are stored in the change log in the same transaction. Nothing is published.
        """
        with self._writes() as session, session.begin():
            result = work(session)
            session.flush()
            changes = tracking.take(session)
            if changes:
                session.add(ChangeLogRow(origin=self.origin, changes=changes.to_json()))
                self._trim_change_log(session)
        return result, changes

    def run_sync(self, work: Callable[[Session], T]) -> T:
        """``write_sync`` that publishes the changes on the calling thread (scripts and tests without a loop)."""
        result, changes = self.write_sync(work)
        self.changes.publish(changes)
        return result

    def _trim_change_log(self, session: Session) -> None:
        self._writes_since_trim += 1
        if self._writes_since_trim >= CHANGE_LOG_TRIM_EVERY:
            self._writes_since_trim = 0
            session.execute(delete(ChangeLogRow).where(ChangeLogRow.at < utcnow() - CHANGE_LOG_KEEP))

    # ---- from the event loop ----------------------------------------------------------------------------
    async def read(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in a read-only snapshot on the database thread and return its result.

        ``work`` must return plain values (domain dataclasses, ints, ...), not ORM objects.
        """
        return await self._submit(self.read_sync, work)

    async def op(self, work: Callable[[Session], T]) -> Op[T]:
        """Run ``work(session)`` in one write transaction on the database thread; publish and return its changes."""
        result, changes = await self._submit(self.write_sync, work)
        self.changes.publish(changes)
        return Op(result, changes)

    async def run(self, work: Callable[[Session], T]) -> T:
        """``op`` for work whose caller needs only the result (the changes are still published)."""
        return (await self.op(work)).value

    async def _submit(self, function: Callable[..., T], *args: object) -> T:
        if self._closed.is_set():
            raise RuntimeError("the library database is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, function, *args)

    def close(self) -> None:
        """Finish queued work, then release the worker and the connections."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._executor.shutdown(wait=True, cancel_futures=False)
        self.engine.dispose()


def open_database(path: Path, backups: Path | None = None) -> Database:
    """Open (creating if needed) and migrate the database at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path)
    migrate(engine, path, backups or path.parent / "backups")
    return Database(engine, path)
