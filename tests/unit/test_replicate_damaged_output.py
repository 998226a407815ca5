"""An output that does not decode is downloaded again before the clip fails (the URL lives for an hour, and a
failed clip's only other remedy is a paid Retry); the failure is told in plain words, not FFmpeg's decoder lines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.core.domain import ClipStatus, JobState, JobStatus
from app.core.generation.service import GenerationService
from app.core.media.probe import probe
from app.core.services import Services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign
from tests.helpers.logs import app_logging, read_logs

MODEL = "google/veo-3.1-fast"


@pytest.fixture
async def gen(services: Services, fake_replicate: FakeReplicate,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GenerationService]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    services.settings.update(replicate_base_url=fake_replicate.url, poll_interval_s=0.03, poll_interval_max_s=0.15)
    yield services.generation
    await services.generation.aclose()


async def _one_clip(services: Services, tmp_path: Path) -> JobState:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    job = (await services.generation.create_job(await services.generation.plan(campaign_id, MODEL, duration_s=4))).value
    return await services.generation.run_job(job.id)


async def test_a_damaged_download_is_fetched_again_and_the_good_copy_kept(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.output_modes = ["damaged"]  # then the good file
    final = await _one_clip(services, tmp_path)
    assert final.status is JobStatus.SUCCEEDED
    [clip] = final.clips
    assert clip.status is ClipStatus.SUCCEEDED and clip.error in ("", None)
    assert fake_replicate.output_requests == 2 and fake_replicate.create_count == 1
    assert (await probe(Path(clip.file_path))).has_video


async def test_an_output_damaged_twice_fails_the_clip_in_plain_words_and_keeps_no_file(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.output_mode = "damaged"
    with app_logging(tmp_path / "logs"):
        final = await _one_clip(services, tmp_path)
        logged = read_logs(tmp_path / "logs")
    [clip] = final.clips
    assert clip.status is ClipStatus.FAILED
    assert clip.error == ("the video Replicate returned is damaged (downloaded twice, neither copy plays). Retry the "
                          "clip to make a new one.")
    assert "NAL" not in clip.error and "h264" not in clip.error
    assert "NAL unit" in logged  # the decoder's detail is kept for whoever reads the log
    assert clip.cost_usd == pytest.approx(0.4)  # the prediction succeeded: it was paid for
    assert fake_replicate.output_requests == 2 and fake_replicate.create_count == 1
    assert list((services.paths.job_dir(final.id) / "clips").iterdir()) == []
