"""Every Replicate request ends in bounded time, through the real ``replicate`` client, against servers that accept
a request and never answer or cut their answer off; a create left without an answer is looked up, never sent again.

replicate 1.0.7 sends creates and uploads with ``timeout=None``, which switches the client's own limits off: before
the per-kind limits, a create that got no answer held ``generate`` at "submitting" for ever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from app.core.domain import ClipStatus, JobStatus
from app.core.generation.errors import GenerationError
from app.core.generation.providers.replicate_api import (
    Ambiguous,
    ReplicateAPI,
    ReplicateTimeouts,
    Transient,
)
from app.core.services import Services
from tests.fakes.hostile import HostileServer, Misbehaviour, creates, cutting_server, silent_server  # noqa: F401
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign

MODEL = "google/veo-3.1-fast"
LIMIT_S = 0.4
SHORT = ReplicateTimeouts(connect_s=LIMIT_S, create_s=LIMIT_S, poll_s=LIMIT_S, download_s=LIMIT_S)
BOUND_S = 5.0  # what "bounded" means here: well past the limits, far below a hang


@pytest.fixture
async def api_at(tmp_path: Path) -> AsyncIterator[Callable[[str], Awaitable[ReplicateAPI]]]:
    made: list[ReplicateAPI] = []

    async def make(url: str) -> ReplicateAPI:
        api = await asyncio.to_thread(ReplicateAPI, TOKEN, url, timeouts=lambda: SHORT)
        made.append(api)
        return api

    yield make
    for api in made:
        await api.aclose()


def _calls(tmp_path: Path) -> dict[str, Callable[[ReplicateAPI], Awaitable[Any]]]:
    frame = tmp_path / "frame.jpg"
    frame.write_bytes(b"\xff\xd8" + b"0" * 2048)
    return {
        "create": lambda api: api.create(MODEL, {"prompt": "pan"}),
        "get": lambda api: api.get("abc123"),
        "lookup": lambda api: api.find(MODEL, {"prompt": "pan"}, since=__import__("datetime").datetime(2020, 1, 1)),
        "cancel": lambda api: api.cancel("abc123"),
        "upload": lambda api: api.upload(frame),
        "model info": lambda api: api.model_schema(MODEL),
        "download": lambda api: api.download(f"{api.base_url}/output/abc123.mp4", tmp_path / "out.mp4",
                                             asyncio.Event()),
    }


CALLS = ["create", "get", "lookup", "cancel", "upload", "model info", "download"]
EXPECTED = {"create": (Ambiguous, f"Replicate did not answer within {LIMIT_S:g} s"),
            "download": (Transient, f"downloading the output stalled: nothing arrived for {LIMIT_S:g} s")}


@pytest.mark.parametrize("call", CALLS)
async def test_every_request_to_a_silent_server_ends_within_its_limit(
        call: str, silent_server: HostileServer, api_at: Callable[[str], Awaitable[ReplicateAPI]],  # noqa: F811
        tmp_path: Path) -> None:
    api = await api_at(silent_server.url)
    kind, words = EXPECTED.get(call, (Transient, f"Replicate did not answer within {LIMIT_S:g} s"))
    started = time.monotonic()
    with pytest.raises(kind) as caught:
        await asyncio.wait_for(_calls(tmp_path)[call](api), BOUND_S)  # a hang fails here, not at pytest's limit
    assert words in str(caught.value)
    assert time.monotonic() - started < BOUND_S
    assert len(silent_server.requests) == 1  # one request, not retried behind the caller's back


@pytest.mark.parametrize("call", ["create", "get", "download"])
async def test_an_answer_cut_off_mid_body_is_a_failure_not_a_hang(
        call: str, cutting_server: HostileServer, api_at: Callable[[str], Awaitable[ReplicateAPI]],  # noqa: F811
        tmp_path: Path) -> None:
    api = await api_at(cutting_server.url)
    kind = Ambiguous if call == "create" else Transient
    with pytest.raises(kind) as caught:
        await asyncio.wait_for(_calls(tmp_path)[call](api), BOUND_S)
    if call != "download":
        assert "broke before its answer was complete" in str(caught.value)


# ---- through the provider and the generation service ---------------------------------------------------------
@pytest.fixture
def limits(services: Services, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)

    def point_at(url: str) -> None:
        services.settings.update(replicate_base_url=url, poll_interval_s=0.03, poll_interval_max_s=0.15,
                                 connect_timeout_s=LIMIT_S, replicate_create_timeout_s=LIMIT_S,
                                 replicate_poll_timeout_s=LIMIT_S, replicate_download_timeout_s=LIMIT_S)
    return point_at


async def _run_one_clip(services: Services, tmp_path: Path):  # type: ignore[no-untyped-def]
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    plan = await services.generation.plan(campaign_id, MODEL, duration_s=4)
    job = (await services.generation.create_job(plan)).value
    try:
        return await asyncio.wait_for(services.generation.run_job(job.id), 15)
    finally:
        await services.generation.aclose()


@pytest.mark.parametrize("misbehaviour", [Misbehaviour.SILENT, Misbehaviour.CUT_MID_BODY])
async def test_a_create_that_reached_replicate_but_got_no_answer_is_found_not_created_again(
        misbehaviour: Misbehaviour, services: Services, fake_replicate: FakeReplicate,  # noqa: F811
        limits: Callable[[str], None], tmp_path: Path) -> None:
    with HostileServer(misbehaviour, upstream=fake_replicate.url, targets=creates, forward=True) as proxy:
        limits(proxy.url)
        started = time.monotonic()
        final = await _run_one_clip(services, tmp_path)
    assert final.status is JobStatus.SUCCEEDED, final.error
    [clip] = final.clips
    assert clip.status is ClipStatus.SUCCEEDED and clip.prediction_id in fake_replicate.predictions
    assert len(proxy.picked) == 1 and fake_replicate.create_requests == 1 and fake_replicate.create_count == 1
    assert fake_replicate.list_requests >= 1  # it was looked up
    assert time.monotonic() - started < 10


async def test_a_create_that_never_reached_replicate_fails_in_plain_words_after_one_try(
        services: Services, fake_replicate: FakeReplicate, limits: Callable[[str], None],  # noqa: F811
        tmp_path: Path) -> None:
    with HostileServer(Misbehaviour.SILENT, upstream=fake_replicate.url, targets=creates) as proxy:
        limits(proxy.url)
        started = time.monotonic()
        final = await _run_one_clip(services, tmp_path)
    [clip] = final.clips
    assert clip.status is ClipStatus.FAILED and clip.prediction_id is None
    assert clip.error.startswith(f"Replicate did not answer within {LIMIT_S:g} s, and the clip is not among your "
                                 "recent predictions")
    assert "Retry the clip" in clip.error
    assert len(proxy.picked) == 1 and fake_replicate.create_requests == 0  # no second create
    assert time.monotonic() - started < 10


async def test_a_model_check_that_is_never_answered_stops_the_job_before_anything_is_paid(
        services: Services, silent_server: HostileServer, limits: Callable[[str], None],  # noqa: F811
        tmp_path: Path) -> None:
    limits(silent_server.url)
    with pytest.raises(GenerationError, match=rf"could not check .* Replicate did not answer within {LIMIT_S:g} s"):
        await _run_one_clip(services, tmp_path)
    assert [r.method for r in silent_server.requests] == ["GET"]
