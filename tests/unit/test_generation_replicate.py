"""Jobs on Replicate through the real ``replicate`` client against the fake server: every clip at once, failures
sorted by whether something may have been created, and never a second create for the same clip."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.db.models import ClipAttempt
from app.core.domain import ClipState, ClipStatus, JobState, JobStatus
from app.core.generation.errors import GenerationError
from app.core.generation.service import GenerationService
from app.core.media.probe import probe
from app.core.services import Services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, Scenario, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign

MODEL = "google/veo-3.1-fast"


@pytest.fixture
async def gen(services: Services, fake_replicate: FakeReplicate,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GenerationService]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    services.settings.update(replicate_base_url=fake_replicate.url, poll_interval_s=0.03, poll_interval_max_s=0.15)
    yield services.generation
    await services.generation.aclose()


async def _job(services: Services, tmp_path: Path, *, pairs: int = 3, model: str = MODEL,
               prompts: list[str] | None = None, budget: float | None = None) -> JobState:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=pairs, prompts=prompts, budget=budget)
    plan = await services.generation.plan(campaign_id, model, duration_s=4)
    return (await services.generation.create_job(plan)).value


def _attempts(services: Services, clip_id: int) -> list[tuple[int, str, str | None]]:
    with services.db.session() as s:
        rows = s.scalars(select(ClipAttempt).where(ClipAttempt.clip_id == clip_id).order_by(ClipAttempt.attempt))
        return [(r.attempt, r.status, r.prediction_id) for r in rows]


async def _until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def test_every_clip_is_created_at_once_tracked_downloaded_and_costed(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.create_delay_s = 0.5  # creates overlap only when they are all sent at once
    fake_replicate.scenario.processing_s = 0.6
    job = await _job(services, tmp_path, pairs=4)
    events: list[ClipState | JobState] = []
    unsubscribe = gen.subscribe(events.append)
    final = await gen.run_job(job.id)
    unsubscribe()
    assert final.status is JobStatus.SUCCEEDED
    assert fake_replicate.max_creates_in_flight == 4
    assert fake_replicate.create_count == 4 and not fake_replicate.duplicates()
    assert len({c.prediction_id for c in final.clips}) == 4
    for clip in final.clips:
        assert clip.status is ClipStatus.SUCCEEDED and clip.attempts == 1 and clip.progress == 1.0
        assert clip.file_path == str(services.paths.job_dir(job.id) / "clips" / f"clip-{clip.position}.mp4")
        info = await probe(Path(clip.file_path))
        assert info.has_video and clip.duration_s == pytest.approx(info.duration_s)
        assert clip.cost_usd == pytest.approx(0.4)  # 4 s × $0.10 per second of video
        assert _attempts(services, clip.id) == [(1, "succeeded", clip.prediction_id)]
    assert final.actual_cost_usd == pytest.approx(1.6)
    inputs = list((services.paths.job_dir(job.id) / "inputs").iterdir())
    assert len(inputs) == 5 and all(p.name.endswith("-1280x720.jpg") for p in inputs)  # a chain shares frames
    assert len(fake_replicate.files) == 5  # and uploads each once
    clip_events = [e for e in events if isinstance(e, ClipState) and e.id == final.clips[0].id]
    statuses = [e.status for e in clip_events]
    assert statuses.index(ClipStatus.SUBMITTING) < statuses.index(ClipStatus.RUNNING) \
        < statuses.index(ClipStatus.DOWNLOADING) < statuses.index(ClipStatus.SUCCEEDED)
    assert any(0 < e.progress < 1 for e in clip_events)
    assert isinstance(events[-1], JobState) and events[-1].status is JobStatus.SUCCEEDED
    assert fake_replicate.unauthorized == 0
    again = await gen.run_job(job.id)  # nothing left to do: no create, same result
    assert again.status is JobStatus.SUCCEEDED and fake_replicate.create_count == 4


async def test_a_failed_clip_is_retried_as_a_new_attempt_with_a_new_prediction(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.outcome = lambda values: "failed" if "FAIL" in values["prompt"] else "succeeded"
    job = await _job(services, tmp_path, prompts=["pan left", "FAIL zoom", "tilt up"])
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.FAILED and final.error == "1 of 3 clips failed"
    bad = next(c for c in final.clips if c.position == 2)
    assert bad.status is ClipStatus.FAILED and bad.error == "the model failed: the model crashed (fake)"
    assert bad.file_path is None and bad.cost_usd == 0
    retried = await gen.retry_clip(bad.id, prompt="zoom in slowly")
    assert retried.status is ClipStatus.SUCCEEDED and retried.attempts == 2
    assert retried.prediction_id not in (None, bad.prediction_id) and retried.prompt == "zoom in slowly"
    assert [a[:2] for a in _attempts(services, bad.id)] == [(1, "failed"), (2, "succeeded")]
    assert fake_replicate.create_count == 4 and not fake_replicate.duplicates()
    assert (await gen.get_job(job.id)).status is JobStatus.SUCCEEDED
    with pytest.raises(GenerationError, match="only a failed, canceled or interrupted clip"):
        await gen.retry_clip(bad.id)


async def test_a_retry_can_switch_to_another_model(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.outcome = lambda values: "aborted" if "last_frame" in values else "succeeded"
    job = await _job(services, tmp_path, pairs=1)
    final = await gen.run_job(job.id)
    clip = final.clips[0]
    assert clip.status is ClipStatus.FAILED and "aborted" in clip.error and "not billed" in clip.error
    retried = await gen.retry_clip(clip.id, model_id="minimax/hailuo-02")
    assert retried.status is ClipStatus.SUCCEEDED and retried.model_id == "minimax/hailuo-02"
    models = sorted(key[0] for key in fake_replicate.creates_by_frames)
    assert models == ["google/veo-3.1-fast", "minimax/hailuo-02"]
    assert retried.cost_usd == pytest.approx(6 * 0.08)  # Hailuo takes 6 or 10 s: the job's 4 s became 6 s


async def test_a_429_storm_on_create_ends_with_every_clip_created_exactly_once(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.create_429 = 9
    fake_replicate.scenario.retry_after = "0.05"
    job = await _job(services, tmp_path, pairs=3)
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED
    assert fake_replicate.throttled == 9 and fake_replicate.create_requests == 12
    assert fake_replicate.create_count == 3 and not fake_replicate.duplicates()


async def test_server_errors_while_polling_are_waited_out(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.poll_errors_every = 2
    job = await _job(services, tmp_path, pairs=3)
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED and fake_replicate.create_count == 3


async def test_an_ambiguous_create_is_looked_up_instead_of_repeated(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.create_500_after_creating = 2
    fake_replicate.scenario.page_size = 1  # the lookup must follow the list's pages
    job = await _job(services, tmp_path, pairs=3)
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED
    assert fake_replicate.create_count == 3 and not fake_replicate.duplicates()
    assert fake_replicate.list_requests >= 2
    assert len({c.prediction_id for c in final.clips}) == 3


async def test_canceling_one_clip_cancels_its_prediction_and_the_others_finish(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 1.0
    job = await _job(services, tmp_path, pairs=3)
    latest: dict[int, ClipState] = {}
    gen.subscribe(lambda e: latest.__setitem__(e.id, e) if isinstance(e, ClipState) else None)
    run = asyncio.create_task(gen.run_job(job.id))
    target = job.clips[1]
    await _until(lambda: target.id in latest and latest[target.id].status is ClipStatus.RUNNING)
    await gen.cancel_clip(target.id)
    final = await run
    canceled = next(c for c in final.clips if c.id == target.id)
    assert canceled.status is ClipStatus.CANCELED and canceled.file_path is None
    assert fake_replicate.cancels == [canceled.prediction_id]
    assert fake_replicate.status_of(canceled.prediction_id) == "canceled"
    assert [c.status for c in final.clips if c.id != target.id] == [ClipStatus.SUCCEEDED] * 2
    assert final.status is JobStatus.CANCELED


async def test_canceling_the_job_cancels_every_prediction(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 5.0
    job = await _job(services, tmp_path, pairs=3)
    latest: dict[int, ClipState] = {}
    gen.subscribe(lambda e: latest.__setitem__(e.id, e) if isinstance(e, ClipState) else None)
    run = asyncio.create_task(gen.run_job(job.id))
    await _until(lambda: sum(s.status is ClipStatus.RUNNING for s in latest.values()) == 3)
    await gen.cancel_job(job.id)
    final = await asyncio.wait_for(run, 5)
    assert final.status is JobStatus.CANCELED
    assert all(c.status is ClipStatus.CANCELED for c in final.clips)
    assert sorted(fake_replicate.cancels) == sorted(c.prediction_id for c in final.clips)


async def test_an_expired_output_fails_the_clip_with_the_reason(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.output_mode = "expired"
    job = await _job(services, tmp_path, pairs=1)
    final = await gen.run_job(job.id)
    clip = final.clips[0]
    assert clip.status is ClipStatus.FAILED
    assert clip.error == "the output has expired (Replicate deletes outputs after an hour)"
    assert clip.cost_usd == pytest.approx(0.4)  # the prediction succeeded, so it was paid for


async def test_an_output_that_is_not_a_video_fails_the_clip_and_leaves_no_file(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.output_mode = "text"
    job = await _job(services, tmp_path, pairs=1)
    final = await gen.run_job(job.id)
    clip = final.clips[0]
    assert clip.status is ClipStatus.FAILED and clip.error.startswith("the video Replicate returned is damaged")
    assert list((services.paths.job_dir(job.id) / "clips").iterdir()) == []


async def test_a_schema_mismatch_is_one_clear_error_before_any_create(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.renamed_inputs = {MODEL: {"last_frame": "end_frame"}}
    job = await _job(services, tmp_path, pairs=3)
    with pytest.raises(GenerationError, match=r"no longer takes the input\(s\) last_frame .*end_frame"):
        await gen.run_job(job.id)
    assert fake_replicate.create_requests == 0 and fake_replicate.files == {}
    stored = await gen.get_job(job.id)  # nothing was sent: the clips fail at once and hold no budget
    assert "last_frame" in stored.error and stored.status is JobStatus.FAILED
    assert all(c.status is ClipStatus.FAILED and "last_frame" in c.error for c in stored.clips)


async def test_the_budget_refuses_a_job_that_costs_more_than_is_left(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=3, budget=5.0)
    plan = await gen.plan(campaign_id, "google/veo-3.1", duration_s=8)
    assert plan.estimate_usd == pytest.approx(4.8) and not plan.over_budget and plan.remaining_usd == 5.0
    job = (await gen.create_job(plan)).value
    money = await gen.money(campaign_id)  # a job not yet run commits its estimate
    assert (money.budget_usd, money.spent_usd, money.committed_usd, money.left_usd) == (5.0, 0, 4.8, 0.2)
    again = await gen.plan(campaign_id, "google/veo-3.1", duration_s=8)
    assert again.over_budget and again.remaining_usd == pytest.approx(0.2)
    with pytest.raises(GenerationError, match=r"over budget: .*\$4\.80.*\$0\.20") as refused:
        await gen.create_job(again)
    assert f"job {job.id} holds $4.80 for 3 clips not yet made: cancel it to free it" in str(refused.value)
    assert ((await gen.create_job(again, allow_over_budget=True)).value).estimate_usd == pytest.approx(4.8)


async def test_a_replicate_model_without_a_key_is_refused_before_a_job_exists(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gen = services.generation
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    plan = await gen.plan(campaign_id, MODEL)
    with pytest.raises(GenerationError, match="no Replicate API token is set"):
        await gen.create_job(plan)
    assert await gen.list_jobs() == []
    assert (await gen.default_model()).id == "local"
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    assert (await gen.default_model()).id == "google/veo-3.1"


async def test_stopping_mid_job_and_resuming_finds_every_prediction_without_creating_again(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    scenario: Scenario = fake_replicate.scenario
    scenario.create_delay_s = 0.6  # the app stops while the creates' answers are still on their way
    scenario.create_delay_when = lambda values: values["prompt"] != "shot 1"
    job = await _job(services, tmp_path, pairs=3, prompts=["shot 1", "shot 2", "shot 3"])
    run = asyncio.create_task(gen.run_job(job.id))
    await asyncio.to_thread(fake_replicate.wait_for_creates, 3)
    await asyncio.sleep(0.1)
    await gen.aclose()  # like quitting: tracking stops, nothing is canceled
    with pytest.raises(asyncio.CancelledError):
        await run
    stored = await gen.get_job(job.id)
    assert {c.status for c in stored.clips} <= {ClipStatus.SUBMITTING, ClipStatus.RUNNING}
    assert sum(c.prediction_id is None for c in stored.clips) == 2
    restarted = GenerationService(services.db, services.library, services.paths, services.settings,
                                  services.secrets)
    interrupted = await restarted.mark_interrupted()
    assert [j.id for j in interrupted] == [job.id] and interrupted[0].status is JobStatus.INTERRUPTED
    assert all(c.status is ClipStatus.INTERRUPTED for c in interrupted[0].clips)
    await asyncio.sleep(0.6)
    final = await restarted.run_job(job.id)
    await restarted.aclose()
    assert final.status is JobStatus.SUCCEEDED
    assert fake_replicate.create_count == 3 and not fake_replicate.duplicates()
    assert all(c.attempts == 1 for c in final.clips)


async def test_a_clip_refused_with_422_fails_with_replicates_reason_and_creates_nothing(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.reject_when = lambda values: f"E006 invalid input: NSFW (request by {TOKEN})" \
        if "beach" in values["prompt"] else None  # a gateway echoing the key must not get it stored
    job = await _job(services, tmp_path, prompts=["city", "beach", "forest"])
    final = await gen.run_job(job.id)
    refused = final.clips[1]
    assert refused.status is ClipStatus.FAILED and refused.prediction_id is None and refused.cost_usd == 0
    assert refused.error == "Replicate refused the clip (HTTP 422): E006 invalid input: NSFW (request by [redacted])"
    assert [c.status for c in final.clips[::2]] == [ClipStatus.SUCCEEDED] * 2
    assert fake_replicate.create_count == 2 and fake_replicate.create_requests == 3


async def test_durations_the_published_schema_no_longer_lists_are_caught_before_any_create(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.schema_durations = {MODEL: [8]}
    job = await _job(services, tmp_path, pairs=2)
    with pytest.raises(GenerationError, match="now takes duration 8, not 4, 6"):
        await gen.run_job(job.id)
    assert fake_replicate.create_requests == 0


async def test_a_refused_token_is_one_clear_error_that_never_shows_the_token(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.accepted_token = "r8_some-other-token"
    job = await _job(services, tmp_path, pairs=1)
    with pytest.raises(GenerationError, match=r"Replicate refused the API token \(HTTP 401\)") as caught:
        await gen.run_job(job.id)
    assert TOKEN not in str(caught.value) and TOKEN not in (await gen.get_job(job.id)).error
    assert fake_replicate.create_requests == 0


async def test_creates_wait_for_the_rate_limit_window_instead_of_being_refused() -> None:
    from app.core.generation.providers.replicate_api import CreateRateLimiter

    limiter = CreateRateLimiter(limit=3, period_s=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):
        await limiter.acquire()
    assert loop.time() - started < 0.1
    await limiter.acquire()
    assert loop.time() - started >= 0.29


async def test_a_second_run_of_a_running_job_joins_the_first(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    job = await _job(services, tmp_path, pairs=3)
    first, second = await asyncio.gather(gen.run_job(job.id), gen.run_job(job.id))
    # each returns the job as stored when it returns: the first one while the other still held the lease
    assert first.clips == second.clips and first.status is second.status is JobStatus.SUCCEEDED
    assert first.actual_cost_usd == second.actual_cost_usd and second.working_since is None
    assert fake_replicate.create_count == 3 and fake_replicate.create_requests == 3
