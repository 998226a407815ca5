"""The engines (a SQLite file with WAL and foreign keys on, or a PostgreSQL server), migrations at start-up, and
the single database worker.

All database work runs on one dedicated thread, so the event loop never waits on the database. One call is one
transaction: ``read`` (a snapshot, no writes), ``run`` (writes; its ``Changes`` are published after the commit)
or ``op`` (writes; returns ``Op(value, changes)``).

On SQLite a write transaction starts with ``BEGIN IMMEDIATE``: it holds the file's write lock from its first read,
so a check-then-insert cannot race another process's commit. On PostgreSQL writes are ordinary READ COMMITTED
transactions that run side by side: a lost race surfaces as a unique violation (the importer's and the tag
writer's savepoints turn it into "use the winner's row"), rows that must not be raced are locked (``SELECT … FOR
UPDATE``: leases), and a transaction the server aborts as a deadlock or a serialization failure is run again.
Reads on PostgreSQL are REPEATABLE READ READ ONLY: one snapshot, like SQLite's.

Every write transaction also appends what it changed to the change log, which other processes' watchers read; on
PostgreSQL it also sends ``NOTIFY pairframe_changes, '<seq>'``, delivered to listeners when it commits.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine, create_engine, delete, event, func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.core.changes import ChangeHub, Changes, Op
from app.core.db import tracking
from app.core.db.location import ServerAddress, redact_url
from app.core.db.models import ChangeLogRow, utcnow
from app.core.db.pacing import LOOP_SHARE, Pacer

if TYPE_CHECKING:  # Alembic is imported only to migrate: loading it costs about 0.25 s, which every command and the
    from alembic.config import Config  # window's start would otherwise pay, though the schema is almost always current

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
HEAD_REVISION = "0012"  # the newest file in migrations/versions (a test checks that they agree)
VERSION_TABLE = "alembic_version"


CHANGE_LOG_KEEP = timedelta(minutes=30)  # a watcher further behind than this reloads everything
CHANGE_LOG_TRIM_EVERY = 500  # write transactions between two trims
NOTIFY_CHANNEL = "pairframe_changes"  # PostgreSQL: every write transaction's change log seq, sent on commit
RETRY_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected: the transaction is run again
WRITE_ATTEMPTS = 8
LOCK_TIMEOUT_MS = 30_000  # a row lock waited for longer than this fails the transaction (SQLite: busy_timeout)
SKIP_BACKUP_ENV = "PAIRFRAME_MIGRATE_WITHOUT_BACKUP"


class DatabaseUnavailable(Exception):
    """The database cannot be reached or used; the message says why and what to do."""


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


def make_server_engine(server: ServerAddress, password: str | None) -> Engine:
    """An engine for a PostgreSQL database through psycopg (v3); libpq parameters of the URL pass through."""
    try:
        import psycopg  # noqa: F401  (a clear message when the driver is missing)
    except ImportError:
        raise DatabaseUnavailable("team libraries need the psycopg package: pip install 'psycopg[binary]'") from None
    connect_args: dict[str, object] = {}
    if not any(key == "options" for key, _ in server.query):
        connect_args["options"] = f"-c lock_timeout={LOCK_TIMEOUT_MS}"
    return create_engine(server.sqlalchemy_url(password), connect_args=connect_args, pool_size=4, max_overflow=4,
                         pool_pre_ping=True, hide_parameters=True)


def process_origin() -> str:
    """A token naming this process's connection to a library: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs the packaged migrations against ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The schema this version of Pairframe works with: its newest migration."""
    return HEAD_REVISION


def current_revision(engine: Engine) -> str | None:
    """The schema the database holds (None: a new, empty database), read as Alembic stores it."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))


def migrate(engine: Engine, path: Path | None, backups: Path, target: str = "head",
            server: ServerAddress | None = None, password: str | None = None) -> str | None:
    """Upgrade the database to ``target``; back it up first when it holds an older schema (SQLite: a copy of the
    file; PostgreSQL: ``pg_dump``, which must be installed, else the message says how to back up by hand).

    Returns the path of the backup made, if any.
    """
    current = current_revision(engine)
    wanted = head_revision() if target == "head" else target
    if current == wanted:
        return None
    backup: str | None = None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if current is not None and engine.dialect.name == "sqlite" and path is not None and path.exists():
        backups.mkdir(parents=True, exist_ok=True)
        target_file = backups / f"library-{current}-{stamp}.sqlite3"
        _backup_sqlite(path, target_file)
        backup = str(target_file)
        log.info("backed up the library database to %s before migrating", target_file)
    elif current is not None and server is not None:
        backup = str(_backup_server(server, password, backups / f"library-{current}-{stamp}.dump", current, wanted))
    from alembic import command

    command.upgrade(alembic_config(engine), target)
    return backup


def _backup_server(server: ServerAddress, password: str | None, target: Path, current: str, wanted: str) -> Path:
    """``pg_dump`` of the team library into ``target`` before its schema changes; refuses to go on without one."""
    how = (f"back it up yourself (pg_dump -Fc -f library.dump '{server.display()}'), then start again with "
           f"{SKIP_BACKUP_ENV}=1")
    if os.environ.get(SKIP_BACKUP_ENV) == "1":
        log.warning("migrating %s from schema %s to %s without a backup (%s=1)", server.display(), current, wanted,
                    SKIP_BACKUP_ENV)
        return target.with_suffix(".skipped")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise DatabaseUnavailable(
            f"the team library's schema must be upgraded ({current} → {wanted}) and it is backed up first, but "
            f"pg_dump is not installed. Install the PostgreSQL client (Debian: apt-get install postgresql-client) "
            f"or {how}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    params = server.libpq_params(None)
    env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
    for key, value in params.items():
        if key in ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout"):
            env[f"PG{key.upper()}"] = value
    partial = target.with_suffix(".dump.part")
    done = subprocess.run([pg_dump, "-Fc", "-f", str(partial), "-h", params["host"], "-p", params["port"],
                           "-U", params["user"], "-d", params["dbname"], "--no-password"],
                          env=env, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        detail = redact_url(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
        raise DatabaseUnavailable(f"the team library could not be backed up before its schema upgrade ({detail}); "
                                  f"{how}.")
    os.replace(partial, target)
    log.info("backed up the team library to %s before migrating", target)
    return target


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

    def __init__(self, engine: Engine, path: Path | None = None, *, server: ServerAddress | None = None,
                 password: str | None = None) -> None:
        self.engine = engine
        self.path = path
        self.server = server
        self._password = password
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"
        self.origin = process_origin()
        self.changes = ChangeHub()
        if self.dialect == "sqlite":
            reads, writes = engine, engine.execution_options(sqlite_begin="IMMEDIATE")
        else:
            reads = engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            writes = engine
        self._reads = sessionmaker(reads, expire_on_commit=False)
        self._writes = sessionmaker(writes, expire_on_commit=False)
        tracking.install(self._writes)
        tracking.install(self._reads)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pairframe-db")
        self._closed = threading.Event()
        self._pacer = Pacer()
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

    def listener_params(self) -> dict[str, str]:
        """libpq parameters for a connection of its own (the PostgreSQL change listener)."""
        if self.server is None:
            raise RuntimeError("only a team library has a server")
        return self.server.libpq_params(self._password)

    def write_sync(self, work: Callable[[Session], T]) -> tuple[T, Changes]:
        """Run ``work`` in one write transaction on the calling thread; returns its result and its changes.

        The changes are stored in the change log in the same transaction. Nothing is published. On PostgreSQL a
        transaction the server aborted as a deadlock or serialization failure is run again (``work`` must not
        have effects outside the session that a second run would repeat wrongly).
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return self._write_once(work)
            except DBAPIError as exc:
                state = getattr(exc.orig, "sqlstate", None)
                if state not in RETRY_SQLSTATES or attempt == WRITE_ATTEMPTS:
                    raise
                log.debug("write transaction aborted by the server (%s); running it again", state)
                time.sleep(random.uniform(0.005, 0.05) * attempt)
        raise AssertionError("unreachable")

    def _write_once(self, work: Callable[[Session], T]) -> tuple[T, Changes]:
        with self._writes() as session, session.begin():
            result = work(session)
            session.flush()
            changes = tracking.take(session)
            if changes:
                entry = ChangeLogRow(origin=self.origin, changes=changes.to_json())
                session.add(entry)
                self._trim_change_log(session)
                if self.dialect == "postgresql":
                    session.flush()
                    session.execute(select(func.pg_notify(NOTIFY_CHANNEL, str(entry.seq))))
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
        return await loop.run_in_executor(self._executor, self._pacer.run, function, *args)

    def yield_to_event_loop(self) -> None:
        """Pace the database thread so that an event loop sharing the interpreter keeps at least two thirds of it
        in a burst of work (the GUI calls this; see ``pacing``)."""
        self._pacer.share = LOOP_SHARE

    @property
    def paced(self) -> bool:
        """Whether the database thread leaves an event loop its share of the interpreter."""
        return self._pacer.share > 0

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


def open_server_database(server: ServerAddress, password: str | None, backups: Path) -> Database:
    """Connect to (and migrate) the team library's PostgreSQL database; ``DatabaseUnavailable`` says why not."""
    engine = make_server_engine(server, password)
    try:
        migrate(engine, None, backups, server=server, password=password)
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"cannot open the team library {server.display()}: {_server_error(exc)}") from None
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, server=server, password=password)


def _server_error(exc: DBAPIError) -> str:
    """The server's or libpq's own words, first line, with any password in a URL removed."""
    text = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
    return redact_url(text)
