"""The leases of the jobs this process works: taken on the first hold, kept alive while held, given back by the last.

A job's work runs only in the process that holds its lease; another live holder refuses it with ``WorkedElsewhere``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

from app.config import SettingsStore
from app.core.atomic import remove_abandoned_partials
from app.core.db import Database
from app.core.domain import JobWorker
from app.core.generation import lease
from app.core.generation import repository as repo
from app.core.generation.errors import GenerationError
from app.core.generation.orchestrator import Orchestrator


class WorkedElsewhere(GenerationError):
    """Another live process holds the job's lease: this one may only watch."""

    def __init__(self, job_id: int, worker: lease.Worker) -> None:
        super().__init__(f"job {job_id} is being worked by {worker.describe()}")
        self.job_id = job_id
        self.worker = JobWorker(worker.host, worker.pid)


class JobLeases:
    """Holds job leases for ``me``: nested holds share one lease, a keeper renews it and honours cancel requests."""

    def __init__(self, db: Database, me: str, settings: SettingsStore, orchestrator: Orchestrator) -> None:
        self.db = db
        self.me = me
        self.settings = settings
        self._orchestrator = orchestrator
        self._keepers: dict[int, lease.LeaseKeeper] = {}
        self._holds: Counter[int] = Counter()
        self._lease_locks: dict[int, asyncio.Lock] = {}
        self._lost: set[int] = set()
        self._holders: set[asyncio.Task[object]] = set()  # tasks inside ``hold``: closing waits for them
        self._background: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def hold(self, job_id: int) -> AsyncIterator[None]:
        """Hold job ``job_id``'s lease for the block; raises ``WorkedElsewhere`` when another live process has it."""
        lock = self._lease_locks.setdefault(job_id, asyncio.Lock())
        abandoned = None
        async with lock:
            if self._holds[job_id] == 0:
                ttl = self.settings.current.job_lease_s
                driven = self._orchestrator.active_clip_ids()
                other, abandoned = await self.db.run(lambda s: repo.take_lease(s, job_id, self.me, ttl, driven))
                if other is not None:
                    raise WorkedElsewhere(job_id, other)
                self._lost.discard(job_id)
                keeper = lease.LeaseKeeper(self.db, job_id, ttl, self._cancel_requested,
                                           lambda: self._lease_lost(job_id))
                keeper.start()
                self._keepers[job_id] = keeper
            self._holds[job_id] += 1
        holder = asyncio.current_task()
        if holder is not None:
            self._holders.add(holder)
        try:
            if abandoned:  # a combine of a process that died: FFmpeg's partial file of it goes too
                with contextlib.suppress(OSError):
                    await asyncio.to_thread(remove_abandoned_partials, Path(abandoned))
            yield
        finally:
            try:
                async with lock:
                    self._holds[job_id] -= 1
                    if self._holds[job_id] <= 0:
                        del self._holds[job_id]
                        keeper = self._keepers.pop(job_id)
                        await asyncio.shield(self._give_back(keeper, job_id))
            finally:
                self._holders.discard(holder)  # type: ignore[arg-type]

    def is_lost(self, job_id: int) -> bool:
        """Another process took the job's lease over while this one was not responding."""
        return job_id in self._lost

    def raise_if_lost(self, job_id: int) -> None:
        """Raise ``GenerationError`` when the job's lease was taken over."""
        if job_id in self._lost:
            raise GenerationError(f"job {job_id} was taken over by another Pairframe while this one was not "
                                  "responding; it goes on there")

    async def aclose(self) -> None:
        """Stop the requested cancels still on their way and let the holders (their work stopped) give leases back."""
        for task in list(self._background):
            task.cancel()
        holders = [t for t in self._holders if t is not asyncio.current_task() and not t.done()]
        if holders:  # they are ending (their work was stopped): let them give their leases back
            await asyncio.wait(holders, timeout=5)

    async def _give_back(self, keeper: lease.LeaseKeeper, job_id: int) -> None:
        await keeper.stop()
        if job_id not in self._lost:  # a lost lease is another's now: its working time is theirs to keep
            state = await self.db.run(lambda s: repo.give_back_lease(s, job_id, self.me))
            if state is not None:
                self._orchestrator.emit(state)

    def _lease_lost(self, job_id: int) -> None:
        self._lost.add(job_id)
        self._orchestrator.stop_job(job_id)

    async def _cancel_requested(self, clip_ids: list[int]) -> None:
        """Another process asked to cancel clips of a job this one works: cancel them (without holding the beat)."""
        for clip_id in clip_ids:
            task = asyncio.create_task(self._orchestrator.cancel_clip(clip_id), name=f"requested-cancel-{clip_id}")
            self._background.add(task)
            task.add_done_callback(self._background.discard)
