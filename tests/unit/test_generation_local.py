"""The offline model end to end (no key, no network), frames, plans, job bookkeeping and start-up recovery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import update

from app.core.db.models import Clip, Job
from app.core.domain import ClipState, ClipStatus, JobState, JobStatus, PairSource, PairSuggestion
from app.core.generation.errors import GenerationError
from app.core.generation.frames import prepare_frame
from app.core.generation.providers.replicate_api import parse_prediction, retry_after
from app.core.generation.providers.replicate_provider import build_input, elapsed_progress, log_progress
from app.core.generation.service import GenerationService
from app.core.media.probe import probe
from app.core.services import Services
from tests.helpers.generation_data import seed_campaign

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL


@pytest.fixture
async def gen(services: Services) -> AsyncIterator[GenerationService]:
    yield services.generation
    await services.generation.aclose()


async def test_the_local_model_renders_every_clip_at_the_chosen_size_and_length(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    plan = await gen.plan(campaign_id, "local", duration_s=2, aspect="9:16", resolution="480p")
    assert plan.estimate_usd == 0 and plan.adjustments == ()
    job = (await gen.create_job(plan)).value
    events: list[ClipState | JobState] = []
    gen.subscribe(events.append)
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED and final.actual_cost_usd == 0
    for clip in final.clips:
        assert clip.status is ClipStatus.SUCCEEDED and clip.prediction_id is None and clip.attempts == 1
        info = await probe(services.paths.file(clip.file_path or ""))
        assert (info.width, info.height) == (480, 854)
        assert info.duration_s == pytest.approx(2.0, abs=0.05) and info.fps == 30 and info.pix_fmt == "yuv420p"
    progress = [e.progress for e in events if isinstance(e, ClipState) and e.id == final.clips[0].id]
    assert any(0 < p < 1 for p in progress) and progress == sorted(progress)


async def test_a_job_is_refreshed_once_its_last_clip_lands_not_once_per_clip(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=4)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=1, resolution="480p"))).value
    events: list[ClipState | JobState] = []
    gen.subscribe(events.append)
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED and len(final.clips) == 4
    refreshes = [e.status for e in events if isinstance(e, JobState)]
    # running once at launch; then none while clips land, only as the last one lands and as the run settles
    assert refreshes[0] is JobStatus.RUNNING and refreshes[1:].count(JobStatus.RUNNING) == 0
    assert refreshes[-1] is JobStatus.SUCCEEDED and len(refreshes) < 1 + len(final.clips)


async def test_a_local_clip_can_be_canceled_while_it_renders(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=10, resolution="720p"))).value
    running = asyncio.Event()
    gen.subscribe(lambda e: running.set() if isinstance(e, ClipState) and e.progress > 0 else None)
    run = asyncio.create_task(gen.run_job(job.id))
    await asyncio.wait_for(running.wait(), 20)
    await gen.cancel_clip(job.clips[0].id)
    final = await asyncio.wait_for(run, 10)
    assert final.status is JobStatus.CANCELED and final.clips[0].status is ClipStatus.CANCELED
    assert list((services.paths.job_dir(job.id) / "clips").iterdir()) == []


async def test_frames_follow_exif_orientation_and_fill_the_frame_exactly(tmp_path: Path) -> None:
    source = Image.new("RGB", (640, 480), (220, 0, 0))
    source.paste((0, 0, 220), (320, 0, 640, 480))  # left red, right blue as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise: the stored left half is on top
    source.save(tmp_path / "turned.jpg", exif=exif, quality=95)
    target = prepare_frame(tmp_path / "turned.jpg", tmp_path / "out.jpg", 360, 640)
    with Image.open(target) as img:
        assert img.size == (360, 640)
        top, bottom = img.getpixel((180, 40)), img.getpixel((180, 600))
    assert top[0] > 150 and top[2] < 80 and bottom[2] > 150 and bottom[0] < 80


async def test_a_plan_needs_pairs_and_takes_the_saved_ones_in_order(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=3, prompts=["a", "", "c"])
    plan = await gen.plan(campaign_id, "google/veo-3.1", duration_s=7)
    assert [p.prompt for p in plan.pairs] == ["a", "", "c"]
    assert plan.duration_s == 8 and plan.resolution == "1080p"
    assert "1 pair has no prompt" in plan.adjustments[-1]
    other = (await services.library.create_campaign((await services.library.list_clients())[0].id, "Empty")).value
    with pytest.raises(GenerationError, match="no saved pairs"):
        await gen.plan(other.id, "local")
    with pytest.raises(GenerationError, match="at least one pair"):
        await gen.plan(campaign_id, "local", pairs=[])
    with pytest.raises(GenerationError, match="no campaign 999"):
        await gen.plan(999, "local")


async def test_a_pair_whose_image_is_gone_is_refused(services: Services, gen: GenerationService,
                                                     tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    ghost = PairSuggestion(1, 424242, 0.5, "", "", PairSource.MANUAL)
    plan = await gen.plan(campaign_id, "local", pairs=[ghost])
    with pytest.raises(GenerationError, match="pair 1 uses an image that is no longer in the library"):
        await gen.create_job(plan)


async def test_start_up_marks_clips_left_in_flight_and_a_run_finishes_them(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=2, resolution="480p"))).value
    first = job.clips[0].id
    await services.db.run(lambda s: s.execute(update(Clip).where(Clip.id == first)
                                              .values(status="running", attempts=1)))
    await services.db.run(lambda s: s.execute(update(Job).where(Job.id == job.id).values(status="running")))
    never = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=2, resolution="480p"))).value
    await services.db.run(lambda s: s.execute(update(Job).where(Job.id == never.id)  # stopped before any clip
                                              .values(status="running", started_at=Job.created_at)))
    jobs = await gen.mark_interrupted()
    assert [(j.id, j.status) for j in jobs] == [(job.id, JobStatus.INTERRUPTED), (never.id, JobStatus.INTERRUPTED)]
    assert [c.status for c in jobs[0].clips] == [ClipStatus.INTERRUPTED, ClipStatus.PENDING]
    assert await gen.mark_interrupted() == []
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED and [c.attempts for c in final.clips] == [1, 1]


async def test_jobs_are_listed_shown_and_deleted_with_their_files(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=2, resolution="480p"),
                               transition="crossfade")).value
    await gen.run_job(job.id)
    assert [j.id for j in await gen.list_jobs(campaign_id)] == [job.id]
    assert await gen.list_jobs(campaign_id + 1) == []
    assert (await gen.get_job(job.id)).transition.value == "crossfade"
    assert services.paths.job_dir(job.id).is_dir()
    await gen.delete_job(job.id)
    assert not services.paths.job_dir(job.id).exists() and await gen.list_jobs() == []
    with pytest.raises(GenerationError, match="there is no job"):
        await gen.get_job(job.id)
    with pytest.raises(GenerationError, match="unknown transition"):
        await gen.create_job(await gen.plan(campaign_id, "local"), transition="wipe")


def test_progress_comes_from_the_last_percentage_in_the_logs() -> None:
    assert log_progress("  0%|          | 0/50\n 45%|####5     | 45/100 [00:09<00:11]") == pytest.approx(0.45)
    assert log_progress("loading weights\nno numbers here") is None
    assert log_progress("100%|##########| 50/50") == 1.0
    prediction = parse_prediction({"id": "p", "status": "processing", "created_at": "2020-01-01T00:00:00Z"})
    assert elapsed_progress(prediction, 60) == 0.95  # capped: elapsed time is only a guess


def test_predictions_parse_including_aborted_and_retry_after_reads_both_forms() -> None:
    import httpx

    aborted = parse_prediction({"id": "x", "status": "aborted", "metrics": {"predict_time": 1.5},
                                "output": ["https://example.test/a.mp4"]})
    assert aborted.is_terminal and aborted.predict_time_s == 1.5
    assert aborted.output_url() == "https://example.test/a.mp4"
    assert parse_prediction({"id": "y", "status": "succeeded", "output": {"video": "https://e.test/v.mp4"}}) \
        .output_url() == "https://e.test/v.mp4"
    assert retry_after(httpx.Headers({"Retry-After": "7"})) == 7
    assert retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0
    assert retry_after(httpx.Headers({})) is None


def test_inputs_use_each_models_names_and_fixed_values() -> None:
    from app.config import Settings
    from app.core.generation.catalog import get_model

    kling = build_input(get_model("kwaivgi/kling-v2.1", Settings()), "", "u1", "u2", 5.0, "1080p", "16:9")
    assert kling == {"prompt": kling["prompt"], "start_image": "u1", "end_image": "u2", "duration": 5,
                     "mode": "pro"}
    assert kling["prompt"]  # an empty prompt gets a neutral one: the model requires a prompt
    veo = build_input(get_model("google/veo-3.1", Settings()), "dolly in", "a", "b", 8.0, "720p", "9:16")
    assert veo == {"prompt": "dolly in", "image": "a", "last_frame": "b", "duration": 8, "resolution": "720p",
                   "aspect_ratio": "9:16", "generate_audio": False}


async def test_deleting_a_running_job_cancels_it_first(services: Services, gen: GenerationService,
                                                       tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=10, resolution="720p"))).value
    running = asyncio.Event()
    gen.subscribe(lambda e: running.set() if isinstance(e, ClipState) and e.status is ClipStatus.RUNNING else None)
    run = asyncio.create_task(gen.run_job(job.id))
    await asyncio.wait_for(running.wait(), 20)
    await gen.delete_job(job.id)
    final = await asyncio.wait_for(run, 10)
    assert final.status is JobStatus.CANCELED
    assert not services.paths.job_dir(job.id).exists() and await gen.list_jobs() == []


async def test_a_finished_run_returns_the_job_as_stored_with_its_working_time_closed(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    """``run_job`` returned the job read while its lease was held: its working time still ran, and the command line
    printed more seconds than the library kept once the lease was given back."""
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=1, resolution="480p"))).value
    final = await gen.run_job(job.id)
    await asyncio.sleep(0.05)
    stored = await gen.get_job(job.id)
    assert final.working_since is None and final.working_s > 0
    assert final.working_time_s() == stored.working_time_s() == stored.working_s
    assert final == stored
