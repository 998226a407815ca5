"""The brand check through the real openai client against the fake xAI server: pass, issues, bad replies, failures."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from app.config import Settings
from app.core.domain import CampaignInfo, ClientInfo
from app.core.qc.brand_check import BrandBrief, BrandChecker, VisionEndpoint
from app.core.qc.brand_reply import BrandCheck, IssueKind
from app.core.qc.check import BrandRequest, check_clips
from app.core.qc.levels import Verdict
from app.core.qc.retry_prompt import retry_prompt
from app.core.qc.verdict import Check, ClipOrder
from tests.fakes.xai_server import (
    API_KEY,
    MODEL,
    FakeBrandXai,
    brand_issue,
    brand_reply,
    frame_times,
    hang,
    status,
    text_reply,
)
from tests.fakes.xai_server import brand_xai_server as brand_xai_server  # the fixture
from tests.helpers.qc_clips import pictures, transition_clip

BRIEF = BrandBrief(client_name="Saltbloom Coffee Co.", campaign_name="Summer Cold Brew Launch",
                   brand_colors=("#0F4C5C", "#E36414"), tone="Warm, unhurried and sunlit.",
                   restrictions="No other brands' cups, logos or products in shot.",
                   key_messages=("Slow-steeped for 18 hours", "Smooth, never bitter"))


@pytest.fixture
def xai(brand_xai_server: FakeBrandXai) -> FakeBrandXai:
    brand_xai_server.expect_text = ("#0F4C5C", "Warm, unhurried and sunlit.", "No other brands' cups",
                                    "Slow-steeped for 18 hours", "Push in on the can")
    return brand_xai_server


def endpoint(server: FakeBrandXai, **changes) -> VisionEndpoint:
    values = {"base_url": server.base_url, "model": MODEL, "api_key": API_KEY, "timeout_s": 10.0,
              "input_usd_per_mtok": 0.20, "output_usd_per_mtok": 0.50} | changes
    return VisionEndpoint(**values)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("brand")
    first, last = pictures(folder / "pictures", 2)
    return transition_clip(first, last, folder / "clip.mp4", size=(640, 360), duration_s=2.0)


async def check(server: FakeBrandXai, clip: Path, **endpoint_changes) -> BrandCheck:
    async with BrandChecker(endpoint(server, **endpoint_changes)) as checker:
        return await checker.check_clip(clip, BRIEF, duration_s=2.0, prompt="Push in on the can.")


async def test_a_clean_clip_passes_and_its_cost_is_recorded(xai: FakeBrandXai, clip: Path) -> None:
    result = await check(xai, clip)

    assert xai.problems == []
    [request] = xai.chat_requests
    assert frame_times(request) == [0.27, 0.77, 1.27, 1.77]  # the first frame at or after 0.25, 0.75, …
    for jpeg in request.images:
        with Image.open(io.BytesIO(jpeg)) as img:
            assert img.size == (512, 288)
    assert request.body["response_format"]["json_schema"]["strict"] is True
    assert request.headers["authorization"] == f"Bearer {API_KEY}"

    assert result.verdict is Verdict.PASS and result.issues == () and result.repairs == () and not result.error
    assert result.frame_times == (0.27, 0.77, 1.27, 1.77) and result.model == MODEL
    assert result.prompt_tokens == 200 + 100 * 4 and result.completion_tokens > 0
    assert result.cost_usd == pytest.approx((600 * 0.20 + result.completion_tokens * 0.50) / 1e6)
    assert len(result.response_ids) == 1 and result.response_ids[0].startswith("chatcmpl-")
    assert BrandCheck.from_json(result.to_json()) == result


async def test_issues_fail_the_clip_and_become_retry_requirements(xai: FakeBrandXai, clip: Path) -> None:
    xai.script(brand_reply("fail", lambda times: [
        brand_issue(times[1], "text_on_screen", "fail", "A caption reads SALE."),
        brand_issue(times[3], "logo_distorted", "fail", "The can's logo melts."),
        brand_issue(times[2], "off_brand_colours", "warn", "Neon green dominates.")], summary="Not usable."))
    async with BrandChecker(endpoint(xai)) as checker:
        job = await check_clips([(clip, ClipOrder(prompt="Push in on the can."))],
                                brand=BrandRequest(checker, BRIEF))

    [qc] = job.clips
    assert xai.problems == []
    assert qc.brand is not None and qc.brand.verdict is Verdict.FAIL and qc.brand.repairs == ()
    assert [(i.time_s, i.kind, i.severity) for i in qc.brand.issues] == [
        (0.77, IssueKind.TEXT_ON_SCREEN, Verdict.FAIL), (1.77, IssueKind.LOGO_DISTORTED, Verdict.FAIL),
        (1.27, IssueKind.OFF_BRAND_COLOURS, Verdict.WARN)]
    assert qc.verdict is Verdict.FAIL
    assert "fail: text appeared at 0.8 s: A caption reads SALE." in qc.lines()
    assert "warn: off-brand colours at 1.3 s: Neon green dominates." in qc.lines()
    assert [r.at_s for r in qc.reasons if r.check is Check.BRAND] == [0.77, 1.77, 1.27]
    assert retry_prompt("Push in on the can.", qc) == (
        "Push in on the can. Requirements: no text on screen; keep the logo and the product's label exactly as in "
        "the images, undistorted; keep to the brand's colours.")


async def test_a_malformed_reply_is_repaired_and_the_repairs_reported(xai: FakeBrandXai, clip: Path) -> None:
    xai.script(brand_reply("Approved", lambda times: [
        brand_issue("3.3 s", "Caption text", "critical", "Subtitles appear."),
        brand_issue(None, "competitor's cup", "high"),
        "not an issue",
        brand_issue(times[0], "mood", "meh", "Too gloomy.")]))
    result = await check(xai, clip)

    assert result.verdict is Verdict.FAIL
    assert [(i.time_s, i.kind, i.severity) for i in result.issues] == [
        (1.77, IssueKind.TEXT_ON_SCREEN, Verdict.FAIL), (None, IssueKind.COMPETITOR_PRODUCT, Verdict.FAIL),
        (0.27, IssueKind.OFF_TONE, Verdict.WARN)]
    assert list(result.repairs) == [
        "verdict 'Approved' is not pass, warn or fail — read as pass",
        "issue 1: kind 'Caption text' is not one of the kinds — read as text_on_screen",
        "issue 1: severity 'critical' is neither warn nor fail — read as fail",
        "issue 1: time '3.3 s' is not a number — read as 3.3 s",
        "issue 1: 3.3 s is not one of the frames sent — moved to the nearest, 1.77 s",
        "issue 2: kind \"competitor's cup\" is not one of the kinds — read as competitor_product",
        "issue 2: severity 'high' is neither warn nor fail — read as fail",
        "issue 2: no frame time — taken as the whole clip",
        "issue 3: not an object — dropped",
        "issue 4: kind 'mood' is not one of the kinds — read as off_tone",
        "issue 4: severity 'meh' is neither warn nor fail — set to warn",
        "verdict pass contradicts an issue of severity fail — set to fail"]


async def test_an_unusable_reply_is_asked_for_again(xai: FakeBrandXai, clip: Path) -> None:
    xai.script(text_reply("Looks lovely!"), brand_reply("pass"))
    result = await check(xai, clip)
    assert len(xai.chat_requests) == 2 and result.verdict is Verdict.PASS
    assert result.repairs == ("the first reply could not be used (the reply was not JSON): asked again",)
    assert result.prompt_tokens == 2 * 600  # both requests are paid for


async def test_two_unusable_replies_are_reported_not_raised(xai: FakeBrandXai, clip: Path) -> None:
    xai.script(text_reply("Looks lovely!"), text_reply('{"verdict": "pass", "issues": "none"}'))
    result = await check(xai, clip)
    assert result.verdict is None and result.prompt_tokens == 1200 and result.cost_usd > 0
    assert len(result.response_ids) == 2  # both answers were paid for
    assert result.error == "the model's reply could not be used twice (the reply's issues are not a list)"
    async with BrandChecker(endpoint(xai)) as checker:
        xai.script(text_reply("no"), text_reply("still no"))
        job = await check_clips([(clip, ClipOrder(prompt="Push in on the can."))],
                                brand=BrandRequest(checker, BRIEF))
    assert job.clips[0].verdict is Verdict.WARN
    assert job.clips[0].lines() == ["warn: the brand check could not be done: the model's reply could not be used "
                                    "twice (the reply was not JSON)"]


async def test_a_server_refusing_strict_schemas_is_asked_for_plain_json(xai: FakeBrandXai, clip: Path) -> None:
    xai.plain_json_ok = True
    xai.script(status(400, message="response_format of type json_schema is not supported"), brand_reply("pass"))
    result = await check(xai, clip)
    first, second = xai.chat_requests
    assert first.body["response_format"]["type"] == "json_schema"
    assert second.body["response_format"] == {"type": "json_object"} and '"time_s"' in second.text
    assert result.verdict is Verdict.PASS and xai.problems == []
    assert result.repairs == (f"{xai.base_url.split('/')[2]} does not take a strict JSON schema: asked for plain "
                              "JSON",)


async def test_rate_limits_are_waited_out_as_asked(xai: FakeBrandXai, clip: Path) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    xai.script(status(429, {"Retry-After": "2"}), status(503), brand_reply("pass"))
    async with BrandChecker(endpoint(xai), sleep=sleep) as checker:
        result = await checker.check_clip(clip, BRIEF, duration_s=2.0, prompt="Push in on the can.")
    assert result.verdict is Verdict.PASS and len(xai.chat_requests) == 3
    assert waits[0] == 2.0 and 0.5 <= waits[1] <= 2.0


@pytest.mark.parametrize(("script", "changes", "expected"), [
    (hang(3.0), {"timeout_s": 1.0}, "did not answer within 1 s"),
    (status(429, {"Retry-After": "600"}), {}, "is limiting requests (HTTP 429); try the brand check again later"),
    (None, {"api_key": "xai-wrong-key-0000"}, "refused the API key (HTTP 401)"),
    (status(400, message="image too large"), {}, "rejected the request (HTTP 400): image too large"),
])
async def test_failures_say_why_in_plain_words(xai: FakeBrandXai, clip: Path, script, changes, expected) -> None:
    if script:
        xai.script(script)
    result = await check(xai, clip, **changes)
    assert result.verdict is None and result.error.endswith(expected)
    assert API_KEY not in result.error and "xai-wrong-key" not in result.error


async def test_an_unreachable_server_is_reported(clip: Path) -> None:
    result = await check(FakeBrandXai(), clip, base_url="http://127.0.0.1:9/v1")
    assert result.verdict is None and result.error.startswith("cannot reach 127.0.0.1:9")


async def test_a_missing_clip_is_reported(xai: FakeBrandXai, tmp_path: Path) -> None:
    result = await check(xai, tmp_path / "gone.mp4")
    assert result.verdict is None and result.error.startswith("no frames could be taken")
    assert xai.chat_requests == []


def test_the_default_endpoint_is_xai_as_set_and_its_key_stays_out_of_its_repr() -> None:
    settings = Settings().updated({"xai_model": "grok-4-fast-non-reasoning", "xai_price_input_per_mtok": 0.3})
    endpoint = VisionEndpoint.from_settings(settings, API_KEY)
    assert (endpoint.base_url, endpoint.model, endpoint.timeout_s) == (
        "https://api.x.ai/v1", "grok-4-fast-non-reasoning", settings.xai_timeout_s)
    assert endpoint.cost(1_000_000, 2_000_000) == pytest.approx(0.3 + 2 * settings.xai_price_output_per_mtok)
    assert API_KEY not in repr(endpoint)


def test_a_brief_from_the_library() -> None:
    client = ClientInfo(1, "Saltbloom", brand_colors=("#0F4C5C",), tone="Warm.", restrictions="No litter.")
    campaign = CampaignInfo(2, 1, "Summer", key_messages=("Smooth", " "))
    brief = BrandBrief.from_library(campaign, client)
    assert brief.text("Slow pan.") == ("Client: Saltbloom\nCampaign: Summer\nBrand colours: #0F4C5C\nTone: Warm.\n"
                                       "Restrictions: No litter.\nKey messages:\n- Smooth\n"
                                       "The clip was asked to show: Slow pan.")
    assert BrandBrief.from_library(campaign, None).text() == "Campaign: Summer\nKey messages:\n- Smooth"
