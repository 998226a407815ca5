"""One worker per job: a lease row (owner, host, pid, heartbeat, expiry) taken and renewed in one transaction.

Work on a job — its clips, their downloads, the combine — runs only in the process holding the job's lease. Any
other process watches: it reads progress from the database. A lease whose holder stopped renewing it (past its
expiry), or whose holder is a process of this host that no longer exists, is taken over.

Each function here is one unit of work for ``Database.run``; ``LeaseKeeper`` renews a held lease on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.changes import Changes
from app.core.db import Database
from app.core.db.models import Clip, JobLease, utcnow
from app.core.db.tracking import record
from app.core.domain import JobWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Worker:
    """The process holding a job's lease."""

    host: str
    pid: int
    owner: str
    expires_at: datetime

    def describe(self) -> str:
        """How messages name it: "another Pairframe (pid 4242)" (with the host when it is another machine)."""
        return JobWorker(self.host, self.pid).describe()


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def _gone(row: JobLease, now: datetime) -> bool:
    """The holder stopped renewing in time, or it was a process of this host that has ended."""
    return row.expires_at <= now or (row.host == socket.gethostname() and not pid_alive(row.pid))


def clock(s: Session) -> datetime:
    """Now, in UTC: a team library's server clock, so workstations whose clocks differ agree on every expiry."""
    if s.get_bind().dialect.name == "postgresql":
        return s.scalar(select(func.timezone("UTC", func.clock_timestamp())))  # type: ignore[return-value]
    return utcnow()


def holder(s: Session, job_id: int, me: str) -> Worker | None:
    """The live holder of ``job_id``'s lease other than ``me`` (None: free, expired, dead or ours)."""
    row = s.get(JobLease, job_id)
    if row is None or row.owner == me or _gone(row, clock(s)):
        return None
    return Worker(row.host, row.pid, row.owner, row.expires_at)


def held(s: Session, job_id: int) -> bool:
    """Whether a live process (this one included) holds ``job_id``'s lease."""
    row = s.get(JobLease, job_id)
    return row is not None and not _gone(row, utcnow())


def last_seen(s: Session, job_id: int) -> datetime | None:
    """When the holder of ``job_id``'s lease (live or not) last renewed it; None when nobody holds it."""
    row = s.get(JobLease, job_id)
    return row.heartbeat_at if row is not None else None
def _locked(s: Session, job_id: int) -> JobLease | None:
    """The lease row of ``job_id``, locked until the transaction ends (PostgreSQL: ``SELECT … FOR UPDATE``, so a
    takeover and a renewal, or two takeovers, happen one after the other; SQLite's write lock already does this)."""
    return s.scalar(select(JobLease).where(JobLease.job_id == job_id).with_for_update()
                    .execution_options(populate_existing=True))


def acquire(s: Session, job_id: int, me: str, ttl_s: float) -> Worker | None:
    """Take (or renew) the lease of ``job_id`` for ``me``; returns the live holder instead when another has it."""
    now = clock(s)
    row = _locked(s, job_id)
    if row is None:  # a first lease: two processes may insert it at once; the loser reads the winner's row
        try:
            with s.begin_nested():
                s.add(JobLease(job_id=job_id, owner=me, host=socket.gethostname(), pid=os.getpid(), acquired_at=now,
                               heartbeat_at=now, expires_at=now + timedelta(seconds=ttl_s)))
                s.flush()
            return None
        except IntegrityError:
            row = _locked(s, job_id)
            assert row is not None
    if row.owner != me and not _gone(row, now):
        return Worker(row.host, row.pid, row.owner, row.expires_at)
    if row.owner != me:
        log.info("job %s: taking over the lease of %s:%s (%s)", job_id, row.host, row.pid,
                 "expired" if row.expires_at <= now else "its process has ended")
        row.acquired_at = now
    row.owner, row.host, row.pid = me, socket.gethostname(), os.getpid()
    row.heartbeat_at, row.expires_at = now, now + timedelta(seconds=ttl_s)
    s.flush()
    return None


def renew(s: Session, job_id: int, me: str, ttl_s: float) -> tuple[bool, list[int]]:
    """Extend ``me``'s lease; returns whether it is still ours, and the clips others asked to cancel (cleared)."""
    row = _locked(s, job_id)
    if row is None or row.owner != me:
        return False, []
    now = clock(s)
    row.heartbeat_at, row.expires_at = now, now + timedelta(seconds=ttl_s)
    requested = list(s.scalars(select(Clip.id).where(Clip.job_id == job_id, Clip.cancel_requested.is_(True))))
    if requested:
        record(s, Changes(clips=frozenset(requested), jobs=frozenset({job_id})))
        s.execute(update(Clip).where(Clip.id.in_(requested)).values(cancel_requested=False))
    return True, requested


def release(s: Session, job_id: int, me: str) -> None:
    """Give up ``me``'s lease of ``job_id`` (nothing if another holds it)."""
    row = _locked(s, job_id)
    if row is not None and row.owner == me:
        s.delete(row)


class LeaseLost(Exception):
    """Another process took the job's lease over (this one stalled past the expiry)."""


class LeaseKeeper:
    """Renews a held lease every third of its time to live; reports cancel requests and a lost lease."""

    def __init__(self, db: Database, job_id: int, ttl_s: float,
                 on_cancel_requested: Callable[[list[int]], Awaitable[None]],
                 on_lost: Callable[[], None]) -> None:
        self.db = db
        self.job_id = job_id
        self.ttl_s = ttl_s
        self._on_cancel_requested = on_cancel_requested
        self._on_lost = on_lost
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._beat(), name=f"lease-{self.job_id}")

    async def stop(self) -> None:
        """Stop renewing (the lease's owner gives it back: ``release``)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _beat(self) -> None:
        me = self.db.origin
        while True:
            await asyncio.sleep(self.ttl_s / 3)
            try:
                held, requested = await self.db.run(lambda s: renew(s, self.job_id, me, self.ttl_s))
            except Exception:  # a busy or failing database: try again next beat, the expiry is still ahead
                log.warning("job %s: could not renew its lease", self.job_id, exc_info=True)
                continue
            if not held:
                log.warning("job %s: its lease was taken over by another process; stopping work here", self.job_id)
                self._on_lost()
                return
            if requested:
                await self._on_cancel_requested(requested)


__all__ = ["LeaseKeeper", "LeaseLost", "Worker", "acquire", "held", "holder", "last_seen", "pid_alive", "release",
           "renew"]
