"""Clips' progress reaches the library in batches: one transaction for every clip that moved, a few times a second."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.core.db.models import ChangeLogRow, Clip
from app.core.domain import ClipStatus
from app.core.generation.progress_saving import ProgressSaver
from app.core.services import Services
from tests.helpers.generation_data import seed_campaign

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL


async def _running_clips(services: Services, tmp_path: Path, count: int) -> list[int]:
    gen = services.generation
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=count)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=1, resolution="480p"))).value
    ids = [clip.id for clip in job.clips]
    await services.db.run(lambda s: s.execute(update(Clip).where(Clip.id.in_(ids[:-1]))
                                              .values(status=ClipStatus.RUNNING.value)))
    return ids


async def wait_until(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the batch was never written"
        await asyncio.sleep(0.01)


def _saved(services: Services) -> tuple[dict[int, float], int]:
    """Each clip's stored progress, and how many transactions the change log holds."""
    return services.db.read_sync(lambda s: (
        dict(s.execute(select(Clip.id, Clip.progress)).all()), s.scalar(select(func.count(ChangeLogRow.seq)))))


async def test_the_progress_of_many_clips_is_saved_in_one_transaction(services: Services, tmp_path: Path) -> None:
    *running, pending = await _running_clips(services, tmp_path, 4)
    _, transactions = _saved(services)
    saver = ProgressSaver(services.db, interval_s=0.05)
    for step in (0.1, 0.2, 0.3):  # reports arrive faster than the batches: the latest one of each clip is saved
        for index, clip_id in enumerate(running):
            saver.save(clip_id, step + index / 100)
    saver.save(pending, 0.5)  # a clip no longer (or not yet) in flight keeps what its transitions stored
    await wait_until(lambda: _saved(services)[1] > transactions)
    await asyncio.sleep(0.2)  # four batch intervals: nothing else is written
    progress, after = _saved(services)
    assert after - transactions == 1
    assert [progress[c] for c in running] == pytest.approx([0.3, 0.31, 0.32])
    assert progress[pending] == 0.0
    await saver.aclose()


async def test_closing_saves_what_is_pending_and_a_finished_attempt_saves_nothing(
        services: Services, tmp_path: Path) -> None:
    first, second, _ = await _running_clips(services, tmp_path, 3)
    saver = ProgressSaver(services.db, interval_s=60)
    saver.save(first, 0.4)
    saver.save(second, 0.7)
    saver.discard(second)  # its attempt ended before the batch was written
    await saver.aclose()
    progress, _ = _saved(services)
    assert progress[first] == pytest.approx(0.4) and progress[second] == 0.0
