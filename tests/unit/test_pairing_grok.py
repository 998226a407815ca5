"""Grok pairing through the real openai client against the fake xAI server: requests, replies, failures."""

from __future__ import annotations

import base64
import io
import socket
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.config import Settings
from app.core.db.models import PairingRun
from app.core.domain import Flag, PairingProgress, PairingStage, PairSource
from app.core.keycheck import check_key
from app.core.money.report import SpendQuery
from app.core.pairing.service import PairingError
from app.core.secrets import KeyName
from app.core.services import Services
from tests.fakes.xai_server import API_KEY, FakeXai, good, hang, pair, pairs, rewrite, status, text_reply
from tests.fakes.xai_server import xai_server as xai_server  # the fixture
from tests.helpers.pairing_data import GOAL, KEY_MESSAGE, TONE, PairingCampaign, make_campaign


@pytest.fixture
def xai(xai_server: FakeXai, services: Services, monkeypatch: pytest.MonkeyPatch) -> FakeXai:
    """The fake, with the key and base URL in the environment the way automation sets them."""
    monkeypatch.setenv("XAI_API_KEY", API_KEY)
    monkeypatch.setenv("XAI_BASE_URL", xai_server.base_url)
    services.settings.update(xai_timeout_s=10.0, pairing_preview_px=160)
    xai_server.expect_text = ("Summer Launch", GOAL, TONE, KEY_MESSAGE, "#ff6600", "No alcohol in shot")
    return xai_server


async def campaign(services: Services, tmp_path: Path, count: int = 6, **kwargs) -> PairingCampaign:
    return await make_campaign(services, tmp_path / "sources", count, **kwargs)


async def runs(services: Services) -> list[PairingRun]:
    return await services.db.run(lambda s: list(s.scalars(select(PairingRun).order_by(PairingRun.id))))


async def test_the_pixels_and_the_context_go_to_grok_and_good_pairs_are_stored(
        services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    progress: list[PairingProgress] = []
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", count=3, on_progress=progress.append)

    assert xai.problems == []
    [request] = xai.chat_requests
    assert request.image_ids == data.ids
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["response_format"]["json_schema"]["strict"] is True
    for jpeg in request.images:
        with Image.open(io.BytesIO(jpeg)) as img:
            assert max(img.size) == 160
    assert "Return exactly 3 pairs" in request.text and "chain" not in request.text.split("Task:")[1].lower()

    assert result.pairer == "grok" and result.repairs == () and len(result.suggestions) == 3
    assert [(p.first_asset_id, p.last_asset_id) for p in result.suggestions] == [
        (data.ids[0], data.ids[1]), (data.ids[2], data.ids[3]), (data.ids[4], data.ids[5])]
    assert all(p.id is not None and p.source is PairSource.GROK for p in result.suggestions)
    assert await services.pairing.list_pairs(data.campaign.id) == list(result.suggestions)

    assert result.prompt_tokens == 200 + 100 * 6 and result.completion_tokens > 0
    assert result.cost_usd == pytest.approx((800 * 0.20 + result.completion_tokens * 0.50) / 1e6)
    [run] = await runs(services)
    assert (run.pairer, run.model, run.prompt_tokens) == ("grok", "grok-4-1-fast-non-reasoning", 800)
    [call] = await services.money.entries(SpendQuery())  # the request is in the ledger with its id and price
    assert (call.provider, call.kind, call.model, call.tokens_in, call.tokens_out, call.campaign) == (
        "xai", "pairing", "grok-4-1-fast-non-reasoning", 800, result.completion_tokens, "Summer Launch")
    assert call.external_id.startswith("chatcmpl-") and (call.price_unit, call.metric) == ("mtok", "tokens")
    assert call.amount_usd == pytest.approx(result.cost_usd, abs=1e-6)
    stages = [p.stage for p in progress]
    assert stages[0] is PairingStage.PREVIEWS and PairingStage.REQUEST in stages and stages[-1] is PairingStage.SAVING
    assert all(str(p) for p in progress)


async def test_automatic_count_and_chain_mode_are_asked_for(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(good(count=4, chain=True))
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", chain=True)
    task = xai.chat_requests[0].text
    assert "appropriate number of pairs" in task and "at most 5" in task and "A→B, B→C" in task
    links = [(p.first_asset_id, p.last_asset_id) for p in result.suggestions]
    assert links == list(zip(data.ids[:4], data.ids[1:5], strict=True))


async def test_every_kind_of_bad_pair_is_repaired_and_reported(services: Services, xai: FakeXai,
                                                               tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 7, flags=[Flag.NONE] * 6 + [Flag.REJECT])
    a, b, c, d, e, f, rejected = data.ids
    xai.script(pairs(lambda ids: [
        pair(a, b, 1.4), pair(c, 9999), pair(d, d), pair(a, b), pair(e, rejected), pair(e, f, None, prompt=""),
        pair(c, d, -1), pair(b, c)]))
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", count=3)
    assert rejected not in xai.chat_requests[0].image_ids
    assert [(p.first_asset_id, p.last_asset_id, p.score) for p in result.suggestions] == [
        (a, b, 1.0), (e, f, 0.5), (c, d, 0.0)]
    text = "\n".join(result.repairs)
    for expected in ("clamped to 1", "asset 9999 is not one of the campaign's images", "paired with itself",
                     "duplicate", f"asset {rejected} is rejected", "no motion prompt", "clamped to 0", "score missing",
                     "4 pairs returned for at most 3"):
        assert expected in text
    assert TONE in result.suggestions[1].prompt
    [run] = await runs(services)
    assert run.repairs == list(result.repairs)


async def test_a_broken_chain_is_repaired(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    a, b, c, d, e, _f = data.ids
    xai.script(pairs(lambda ids: [pair(a, b), pair(d, e), pair(b, c)]))
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", chain=True)
    assert [(p.first_asset_id, p.last_asset_id) for p in result.suggestions] == [(a, b), (b, c)]
    assert "chain was broken" in result.repairs[0]


async def test_a_reply_that_is_not_json_is_asked_for_again(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(text_reply("Image one and image two would look lovely together!"), good(count=2))
    progress: list[PairingProgress] = []
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", on_progress=progress.append)
    assert len(xai.chat_requests) == 2 and len(result.suggestions) == 2
    assert any(p.stage is PairingStage.RETRY and "not JSON" in p.reason for p in progress)
    assert result.prompt_tokens == 2 * 800


async def test_two_replies_that_are_not_json_fail_clearly_and_keep_the_cost(
        services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(text_reply("no"), text_reply("still no"))
    with pytest.raises(PairingError, match=r"could not be used, twice in a row .*local pairer"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    assert await services.pairing.list_pairs(data.campaign.id) == []
    [run] = await runs(services)
    assert run.prompt_tokens == 1600 and "twice in a row" in run.repairs[0]
    calls = await services.money.entries(SpendQuery())  # both unusable replies were paid for: both recorded
    assert len(calls) == 2 and len({c.external_id for c in calls}) == 2
    assert all(c.amount_nanos > 0 and c.tokens_in == 800 for c in calls)


async def test_a_rate_limit_waits_what_retry_after_asks(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(status(429, {"Retry-After": "1"}, "rate limited"), good(count=2))
    progress: list[PairingProgress] = []
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", on_progress=progress.append)
    first, second = xai.chat_requests
    assert second.at - first.at >= 0.95
    assert len(result.suggestions) == 2
    [retry] = [p for p in progress if p.stage is PairingStage.RETRY]
    assert retry.wait_s == 1.0 and "429" in retry.reason and str(retry) == (
        "xAI is limiting requests (HTTP 429): retrying in 1 s…")


async def test_a_retry_after_beyond_a_minute_fails_at_once(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(status(429, {"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(PairingError, match="asks to wait about 60 minutes"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    assert time.monotonic() - started < 5 and len(xai.chat_requests) == 1


async def test_a_server_error_is_retried_with_backoff(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(status(500), good(count=1))
    result = await services.pairing.suggest(data.campaign.id, pairer="grok")
    first, second = xai.chat_requests
    assert 0.3 <= second.at - first.at < 3 and len(result.suggestions) == 1


async def test_persistent_server_errors_give_up_after_four_attempts(services: Services, xai: FakeXai,
                                                                   tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    xai.script(*[status(503, {"Retry-After": "0"})] * 4)
    with pytest.raises(PairingError, match="HTTP 503 4 times in a row"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    assert len(xai.chat_requests) == 4


async def test_a_hang_past_the_timeout_is_a_clear_error_without_retry(services: Services, xai: FakeXai,
                                                                      tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    services.settings.update(xai_timeout_s=0.5)
    xai.script(hang(5))
    started = time.monotonic()
    with pytest.raises(PairingError, match=r"did not answer within 0\.5 s.*local pairer"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    assert time.monotonic() - started < 4 and len(xai.chat_requests) == 1


async def test_an_unreachable_host_says_so_and_offers_the_local_pairer(
        services: Services, xai: FakeXai, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = await campaign(services, tmp_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("XAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    with pytest.raises(PairingError, match=rf"Cannot reach xAI at 127\.0\.0\.1:{port}.*local pairer"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")


async def test_without_a_key_grok_is_not_available_and_local_is_the_default(
        services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    assert not services.pairing.grok_available()
    with pytest.raises(PairingError, match=r"No xAI API key.*local pairer"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    result = await services.pairing.suggest(data.campaign.id)
    assert result.pairer == "local" and result.suggestions
    services.secrets.set(KeyName.XAI, "xai-from-the-keyring-123")
    assert services.pairing.grok_available()


async def test_a_refused_key_is_reported_without_the_key(services: Services, xai: FakeXai, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    data = await campaign(services, tmp_path)
    monkeypatch.setenv("XAI_API_KEY", "xai-wrong-key-987654321")
    with pytest.raises(PairingError, match="refused the API key") as caught:
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    assert "987654321" not in str(caught.value)


async def test_many_assets_are_preselected_and_the_notes_say_so(services: Services, xai: FakeXai,
                                                               tmp_path: Path) -> None:
    services.settings.update(pairing_max_images=4, pairing_min_rating=2)
    ratings = [5, 1, 4, 3, 2, 5, 0, 3]
    data = await campaign(services, tmp_path, 8, ratings=ratings)
    xai.script(good(count=2))
    result = await services.pairing.suggest(data.campaign.id, pairer="grok")
    sent = xai.chat_requests[0].image_ids
    assert len(sent) == 4
    assert all(ratings[data.ids.index(i)] >= 2 for i in sent) and data.ids[0] in sent
    assert "6 of 8 assets usable (2 under 2★ left out)" in result.notes
    assert "6 usable assets: sent the 4 best rated and most diverse" in result.notes


async def test_rewriting_a_prompt_changes_that_pair_only(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path)
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", count=2)
    target, other = result.suggestions
    xai.script(rewrite("Fast whip-pan into the second frame, bursting with summer energy."))
    updated = (await services.pairing.rewrite_prompt(target.id, "more energetic")).value
    assert xai.problems == []
    request = xai.chat_requests[-1]
    assert request.is_rewrite and request.image_ids == [target.first_asset_id, target.last_asset_id]
    assert "more energetic" in request.text and target.prompt in request.text
    assert updated.prompt.startswith("Fast whip-pan") and updated.id == target.id
    assert await services.pairing.list_pairs(data.campaign.id) == [updated, other]
    assert [r.pairer for r in await runs(services)] == ["grok", "grok-rewrite"]


async def test_rewriting_needs_a_key_and_an_existing_pair(services: Services, xai: FakeXai, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data = await campaign(services, tmp_path)
    result = await services.pairing.suggest(data.campaign.id, pairer="local", count=1)
    with pytest.raises(PairingError, match="no longer exists"):
        await services.pairing.rewrite_prompt(123456, "x")
    monkeypatch.delenv("XAI_API_KEY")
    with pytest.raises(PairingError, match="needs Grok"):
        await services.pairing.rewrite_prompt(result.suggestions[0].id, "x")


async def test_previews_are_cached_between_runs(services: Services, xai: FakeXai, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 4)
    await services.pairing.suggest(data.campaign.id, pairer="grok", count=1)
    cached = sorted(services.paths.previews.rglob("*-160.jpg"))
    assert len(cached) == 4
    stamps = [p.stat().st_mtime_ns for p in cached]
    await services.pairing.suggest(data.campaign.id, pairer="grok", count=1)
    assert [p.stat().st_mtime_ns for p in cached] == stamps
    first, second = xai.chat_requests
    assert first.images == second.images
    assert {p.read_bytes() for p in cached} == set(second.images)


async def test_the_fake_refuses_requests_the_product_must_not_send(xai: FakeXai) -> None:
    from app.core.pairing.grok import GrokClient
    from app.core.pairing.previews import data_uri

    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, format="JPEG")
    content = [{"type": "text", "text": "Asset id 1"},
               {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(
                   png.getvalue()).decode()}},
               {"type": "image_url", "image_url": {"url": data_uri(jpeg.getvalue())}}]
    async with GrokClient(base_url=xai.base_url, api_key=API_KEY, model="grok-4-1-fast-non-reasoning",
                          timeout_s=5) as grok:
        with pytest.raises(PairingError, match="HTTP 400") as caught:
            await grok.complete([{"role": "user", "content": content}], {"type": "json_object"})
    message = str(caught.value)
    for finding in ("no strict json_schema", "asset 1 is PNG, not JPEG", "without a text label", "context missing"):
        assert finding in message
    assert len(xai.problems) >= 4


async def test_the_key_check_of_the_settings_dialog_works_against_the_fake(xai: FakeXai) -> None:
    settings = Settings(xai_base_url=xai.base_url)
    assert (await check_key(KeyName.XAI, API_KEY, settings)).ok
    assert not (await check_key(KeyName.XAI, "xai-other-key", settings)).ok
