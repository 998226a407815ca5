"""A combine that cannot finish says which clip is at fault, leaves no partial file and restores the job."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.core.db.models import Job
from app.core.domain import Transition
from app.core.generation.errors import GenerationError
from app.core.media.combine import CombineError, CombineOptions
from tests.helpers.combine_media import add_job, make_clip


async def job_state(services, job_id: int) -> tuple[str, str | None]:
    def work(s: Session) -> tuple[str, str | None]:
        row = s.get(Job, job_id)
        return row.status, row.output_path
    return await services.db.run(work)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def assert_nothing_written(services, job_id: int, output: Path) -> None:
    assert not output.exists()
    assert [name for name in files_in(output.parent) if ".part" in name] == []
    assert await job_state(services, job_id) == ("succeeded", None)


async def test_a_missing_clip_is_named(services, tmp_path) -> None:
    good = make_clip(tmp_path / "good.mp4")
    job_id = await add_job(services, [good, tmp_path / "gone.mp4"])
    with pytest.raises(CombineError, match=r"clip 2 \(gone\.mp4\) is missing"):
        await services.generation.combine(job_id, CombineOptions())
    await assert_nothing_written(services, job_id, services.paths.job_dir(job_id) / "ad.mp4")


async def test_a_file_that_is_not_a_video_is_named(services, tmp_path) -> None:
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(b"\x00not a video at all" * 500)
    job_id = await add_job(services, [make_clip(tmp_path / "good.mp4"), garbage])
    with pytest.raises(CombineError, match=r"clip 2 \(broken\.mp4\) cannot be read"):
        await services.generation.combine(job_id, CombineOptions())
    await assert_nothing_written(services, job_id, services.paths.job_dir(job_id) / "ad.mp4")


@pytest.mark.parametrize("transition", [Transition.CUT, Transition.CROSSFADE])
async def test_a_truncated_clip_fails_the_combine_naming_it(services, tmp_path, transition) -> None:
    whole = make_clip(tmp_path / "whole.mp4", duration=2.0, faststart=True)
    cut_short = tmp_path / "cut-short.mp4"
    data = whole.read_bytes()
    cut_short.write_bytes(data[: len(data) // 2])  # the header survives; half the frames do not
    job_id = await add_job(services, [make_clip(tmp_path / "first.mp4", duration=2.0, faststart=True), cut_short])
    output = tmp_path / "out" / "ad.mp4"
    with pytest.raises(CombineError, match=r"clip 2 \(cut-short\.mp4\)"):
        await services.generation.combine(job_id, CombineOptions(transition=transition), output=output)
    await assert_nothing_written(services, job_id, output)


async def test_a_job_without_succeeded_clips_or_unknown_is_refused(services, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / "c.mp4")], statuses=["failed"])
    with pytest.raises(CombineError, match="no succeeded clips"):
        await services.generation.combine(job_id, CombineOptions())
    with pytest.raises(GenerationError, match="no job 999"):
        await services.generation.combine(999, CombineOptions())


async def test_bad_music_and_bad_output_names_are_refused_before_anything_runs(services, tmp_path) -> None:
    clip = make_clip(tmp_path / "c.mp4")
    job_id = await add_job(services, [clip])
    with pytest.raises(CombineError, match=r"music file .* does not exist"):
        await services.generation.combine(job_id, CombineOptions(music_path=tmp_path / "none.mp3"))
    with pytest.raises(CombineError, match="holds no audio"):
        await services.generation.combine(job_id, CombineOptions(music_path=make_clip(tmp_path / "m.mp4", audio=False)))
    with pytest.raises(CombineError, match="must end in"):
        await services.generation.combine(job_id, CombineOptions(), output=tmp_path / "ad.txt")
    with pytest.raises(CombineError, match="overwrite one of the clips"):
        await services.generation.combine(job_id, CombineOptions(), output=clip)
    assert await job_state(services, job_id) == ("succeeded", None)


async def test_cancel_stops_ffmpeg_and_leaves_no_file(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=(640, 360), duration=4.0) for i in range(3)]
    job_id = await add_job(services, files)
    cancel = asyncio.Event()
    seen: list[float] = []

    def on_progress(fraction: float) -> None:
        seen.append(fraction)
        if fraction > 0:
            cancel.set()

    statuses: list[str] = []

    async def watch() -> None:
        while not cancel.is_set():
            statuses.append((await job_state(services, job_id))[0])
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    with pytest.raises(asyncio.CancelledError):
        await services.generation.combine(job_id, CombineOptions(transition=Transition.CROSSFADE, aspect="9:16"),
                                     on_progress=on_progress, cancel=cancel)
    await watcher
    assert "combining" in statuses
    await assert_nothing_written(services, job_id, services.paths.job_dir(job_id) / "ad.mp4")


async def test_a_failed_recombine_keeps_the_previous_video(services, tmp_path) -> None:
    clip = make_clip(tmp_path / "c.mp4")
    job_id = await add_job(services, [clip, make_clip(tmp_path / "d.mp4")])
    first = await services.generation.combine(job_id, CombineOptions())
    before = first.output_path.read_bytes()
    clip.write_bytes(b"garbage" * 100)
    with pytest.raises(CombineError, match=r"clip 1 \(c\.mp4\)"):
        await services.generation.combine(job_id, CombineOptions(transition=Transition.FADE))
    assert first.output_path.read_bytes() == before
    assert await job_state(services, job_id) == ("succeeded", str(first.output_path))


async def test_aclose_stops_a_running_combine(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=(640, 360), duration=4.0) for i in range(2)]
    job_id = await add_job(services, files)
    started = asyncio.Event()
    task = asyncio.create_task(services.generation.combine(
        job_id, CombineOptions(transition=Transition.CROSSFADE), on_progress=lambda f: started.set()))
    await asyncio.wait_for(started.wait(), 10)
    await services.generation.aclose()
    assert task.cancelled()
    await assert_nothing_written(services, job_id, services.paths.job_dir(job_id) / "ad.mp4")
