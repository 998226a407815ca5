"""Job leases: one worker per job; refused, expired and orphaned leases; cancel requests; start-up recovery.

"Another process" is a second ``Services`` on the same library folder (its own connection and origin token, as a
second window or a terminal has) or a lease row naming a real process that lives or has ended.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.db.models import Clip, Job, JobLease, utcnow
from app.core.domain import ClipStatus, JobStatus, JobWorker
from app.core.generation import lease
from app.core.generation import repository as repo
from app.core.generation.service import WorkedElsewhere
from app.core.secrets import SecretStore
from app.core.services import Services, open_services
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring


@pytest.fixture
async def job_ids(services: Services, tmp_path: Path) -> list[int]:
    """Four pending local jobs of two clips each."""
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    gen = services.generation
    plan = await gen.plan(campaign_id, "local", 2.0, resolution="480p")
    return [(await gen.create_job(plan)).value.id for _ in range(4)]


@pytest.fixture
def ended_pid() -> int:
    """The pid of a process of this host that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    assert not lease.pid_alive(process.pid)
    return process.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of another live process of this host."""
    process = subprocess.Popen(["sleep", "60"])
    yield process.pid
    process.kill()
    process.wait()


@pytest.fixture
async def second(services: Services) -> AsyncIterator[Services]:
    """The same library opened a second time: another origin, as another process."""
    other = open_services(services.paths.root, SecretStore(MemoryKeyring()))
    assert other.db.origin != services.db.origin
    yield other
    await other.aclose()


def _lease_row(services: Services, job_id: int) -> JobLease | None:
    with services.db.session() as s:
        return s.get(JobLease, job_id)


def _set_lease(services: Services, job_id: int, *, owner: str, pid: int, host: str | None = None,
               expires_in_s: float = 3600) -> None:
    """A lease row as another process wrote it."""
    def work(s):  # type: ignore[no-untyped-def]
        row = s.get(JobLease, job_id) or JobLease(job_id=job_id)
        row.owner, row.pid, row.host = owner, pid, host or socket.gethostname()
        row.heartbeat_at = utcnow()
        row.expires_at = utcnow() + timedelta(seconds=expires_in_s)
        s.add(row)
    services.db.run_sync(work)


# ---- the lease functions --------------------------------------------------------------------------------------
def test_acquire_renew_and_release(services: Services, job_ids: list[int]) -> None:
    db, job = services.db, job_ids[0]
    assert db.run_sync(lambda s: lease.acquire(s, job, "A", 30)) is None
    first = _lease_row(services, job)
    assert first is not None and (first.owner, first.pid, first.host) == ("A", os.getpid(), socket.gethostname())
    assert db.run_sync(lambda s: lease.holder(s, job, "A")) is None  # our own lease is no other holder

    time.sleep(0.01)
    assert db.run_sync(lambda s: lease.renew(s, job, "A", 30)) == (True, [])
    renewed = _lease_row(services, job)
    assert renewed is not None and renewed.expires_at > first.expires_at and renewed.acquired_at == first.acquired_at
    assert db.run_sync(lambda s: lease.acquire(s, job, "A", 30)) is None  # acquiring again renews

    db.run_sync(lambda s: lease.release(s, job, "B"))  # not B's to give back
    assert _lease_row(services, job) is not None
    db.run_sync(lambda s: lease.release(s, job, "A"))
    assert _lease_row(services, job) is None
    assert db.run_sync(lambda s: lease.renew(s, job, "A", 30)) == (False, [])  # a released lease is not renewed


def test_a_second_holder_is_refused_and_told_who_works_the_job(services: Services, job_ids: list[int],
                                                              live_pid: int) -> None:
    db, job = services.db, job_ids[0]
    _set_lease(services, job, owner="A", pid=live_pid)
    worker = db.run_sync(lambda s: lease.acquire(s, job, "B", 30))
    assert worker is not None and (worker.owner, worker.pid, worker.host) == ("A", live_pid, socket.gethostname())
    assert worker.describe() == f"another Pairframe (pid {live_pid})"
    assert JobWorker(worker.host, worker.pid).describe() == worker.describe()  # the CLI's and the window's words
    assert db.run_sync(lambda s: lease.holder(s, job, "B")) == worker
    assert db.run_sync(lambda s: lease.renew(s, job, "B", 30)) == (False, [])
    row = _lease_row(services, job)
    assert row is not None and row.owner == "A"


def test_an_expired_lease_is_taken_over(services: Services, job_ids: list[int], live_pid: int) -> None:
    db, job = services.db, job_ids[0]
    _set_lease(services, job, owner="A", pid=live_pid, expires_in_s=-1)  # alive, but it stopped renewing
    assert db.run_sync(lambda s: lease.holder(s, job, "B")) is None
    assert db.run_sync(lambda s: lease.acquire(s, job, "B", 30)) is None
    row = _lease_row(services, job)
    assert row is not None and (row.owner, row.pid) == ("B", os.getpid()) and row.expires_at > utcnow()
    assert db.run_sync(lambda s: lease.renew(s, job, "A", 30)) == (False, [])  # A learns it lost the job


def test_a_lease_of_an_ended_process_of_this_host_is_taken_over_at_once(services: Services, job_ids: list[int],
                                                                         ended_pid: int) -> None:
    db, job, elsewhere = services.db, job_ids[0], job_ids[1]
    _set_lease(services, job, owner="A", pid=ended_pid)  # an hour left, but its process is gone
    assert db.run_sync(lambda s: lease.acquire(s, job, "B", 30)) is None
    row = _lease_row(services, job)
    assert row is not None and row.owner == "B"

    # The same pid on another machine says nothing about that machine's process: wait for its expiry.
    _set_lease(services, elsewhere, owner="C", pid=ended_pid, host="render-box.example")
    worker = db.run_sync(lambda s: lease.acquire(s, elsewhere, "B", 30))
    assert worker is not None and worker.describe() == f"another Pairframe (pid {ended_pid} on render-box.example)"


def test_renewal_returns_the_cancel_requests_once_and_clears_them(services: Services, job_ids: list[int]) -> None:
    db, job = services.db, job_ids[0]
    clips = db.run_sync(lambda s: [c.id for c in repo.get_job_row(s, job).clips])
    assert db.run_sync(lambda s: lease.acquire(s, job, "A", 30)) is None
    requested = db.run_sync(lambda s: repo.request_cancel(s, clips))
    assert [c.cancel_requested for c in requested] == [True, True]
    held, asked = db.run_sync(lambda s: lease.renew(s, job, "A", 30))
    assert held and sorted(asked) == sorted(clips)
    with db.session() as s:
        assert not any(s.scalars(select(Clip.cancel_requested).where(Clip.job_id == job)))
    assert db.run_sync(lambda s: lease.renew(s, job, "A", 30)) == (True, [])


# ---- through the service --------------------------------------------------------------------------------------
async def test_the_service_shares_a_lease_between_nested_holds_and_refuses_another_process(
        services: Services, second: Services, job_ids: list[int]) -> None:
    gen, job = services.generation, job_ids[0]
    async with gen.lease(job):
        async with gen.lease(job):
            pass
        row = _lease_row(services, job)
        assert row is not None and row.owner == services.db.origin  # the inner hold did not give it back
        with pytest.raises(WorkedElsewhere) as refused:
            async with second.generation.lease(job):
                pytest.fail("two processes held one job")
        assert refused.value.worker == JobWorker(socket.gethostname(), os.getpid())
        assert (await second.generation.get_job(job)).worker == JobWorker(socket.gethostname(), os.getpid())
        assert (await gen.get_job(job)).worker is None  # the holder is not "another"
    assert _lease_row(services, job) is None
    async with second.generation.lease(job):  # free again
        pass


async def test_a_process_without_the_lease_watches_the_job_to_its_end(services: Services, second: Services,
                                                                      job_ids: list[int]) -> None:
    job = job_ids[0]
    second.settings.update(watch_interval_s=0.05)
    working = asyncio.ensure_future(services.generation.run_job(job))
    await _until(lambda: _lease_row(services, job) is not None)
    told: list[JobWorker] = []
    watched = await asyncio.wait_for(second.generation.run_job(job, on_watch=told.append), 60)
    final = await working
    assert told == [JobWorker(socket.gethostname(), os.getpid())]
    assert watched.status is JobStatus.SUCCEEDED and [c.status for c in watched.clips] == [ClipStatus.SUCCEEDED] * 2
    assert [c.attempts for c in final.clips] == [1, 1]  # the watcher made nothing itself


async def test_a_cancel_from_another_process_is_carried_out_by_the_holder_at_its_next_beat(
        services: Services, second: Services, job_ids: list[int]) -> None:
    job = job_ids[0]
    services.settings.update(job_lease_s=0.6)
    clips = [c.id for c in (await services.generation.get_job(job)).clips]
    async with services.generation.lease(job):
        await second.generation.cancel_clip(clips[0])
        asked = await second.generation.get_job(job)
        assert [(c.status, c.cancel_requested) for c in asked.clips] == [(ClipStatus.PENDING, True),
                                                                         (ClipStatus.PENDING, False)]
        await _until(lambda: _clip_statuses(services, job)[0] is ClipStatus.CANCELED, timeout=5)
    done = await services.generation.get_job(job)
    assert [(c.status, c.cancel_requested) for c in done.clips] == [(ClipStatus.CANCELED, False),
                                                                    (ClipStatus.PENDING, False)]


# ---- start-up ------------------------------------------------------------------------------------------------
async def test_start_up_leaves_live_workers_alone_and_recovers_what_ended_processes_left(
        services: Services, job_ids: list[int], live_pid: int, ended_pid: int) -> None:
    live, dead, unleased, combining = job_ids
    db = services.db

    def left_behind(s):  # type: ignore[no-untyped-def]
        for job_id, statuses in ((live, ("running", "downloading")), (dead, ("running", "succeeded")),
                                 (unleased, ("submitting", "pending"))):
            s.get(Job, job_id).status = JobStatus.RUNNING.value
            for clip, status in zip(s.get(Job, job_id).clips, statuses, strict=True):
                clip.status = status
        row = s.get(Job, combining)
        row.status = JobStatus.COMBINING.value
        for clip in row.clips:
            clip.status = ClipStatus.SUCCEEDED.value
    db.run_sync(left_behind)
    _set_lease(services, live, owner="other-window", pid=live_pid)
    _set_lease(services, dead, owner="killed-terminal", pid=ended_pid)
    _set_lease(services, combining, owner="killed-combine", pid=ended_pid)

    changed = await services.generation.mark_interrupted()
    assert sorted(j.id for j in changed) == sorted([dead, unleased, combining])
    assert _clip_statuses(services, live) == [ClipStatus.RUNNING, ClipStatus.DOWNLOADING]
    assert _job_status(services, live) is JobStatus.RUNNING
    assert _clip_statuses(services, dead) == [ClipStatus.INTERRUPTED, ClipStatus.SUCCEEDED]
    assert _job_status(services, dead) is JobStatus.INTERRUPTED
    assert _clip_statuses(services, unleased) == [ClipStatus.INTERRUPTED, ClipStatus.PENDING]
    assert _job_status(services, unleased) is JobStatus.INTERRUPTED
    assert _job_status(services, combining) is JobStatus.SUCCEEDED  # the killed combine is undone
    assert await services.generation.mark_interrupted() == []  # nothing more to recover


# ---- helpers -------------------------------------------------------------------------------------------------
def _clip_statuses(services: Services, job_id: int) -> list[ClipStatus]:
    with services.db.session() as s:
        return [ClipStatus(c.status) for c in repo.get_job_row(s, job_id).clips]


def _job_status(services: Services, job_id: int) -> JobStatus:
    with services.db.session() as s:
        return JobStatus(repo.get_job_row(s, job_id).status)


async def _until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)
