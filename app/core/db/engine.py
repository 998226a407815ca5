"""The SQLite engine (WAL, foreign keys on), migrations at start-up, and the single database worker.

All database work runs on one dedicated thread (``Database.run``), so the event loop never waits on SQLite
and writes are serialised. One call of ``run`` is one transaction: one user action, one commit.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(path: Path) -> Engine:
    """An engine for the SQLite file at ``path`` with WAL and foreign keys on every connection."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    return engine


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
    """The library database: one engine, one worker thread, one transaction per ``run`` call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pairframe-db")
        self._closed = threading.Event()

    def session(self) -> Session:
        """A session for synchronous use on the caller's thread (migrations, scripts, tests)."""
        return self._sessions()

    def run_sync(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one transaction on the calling thread."""
        with self._sessions() as session, session.begin():
            return work(session)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work(session)`` in one transaction on the database thread and return its result.

        ``work`` must return plain values (domain dataclasses, ints, ...), not ORM objects.
        """
        if self._closed.is_set():
            raise RuntimeError("the library database is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.run_sync, work)

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
    return Database(engine)
