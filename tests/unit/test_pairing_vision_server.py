"""Pairing on an OpenAI-compatible vision server (a local Ollama, LM Studio, vLLM...) through the real openai
client: strict JSON schemas where the server takes them, else a JSON object that is validated and repaired, and
the notes say which; the server's model list is probed for the Settings dialog; requests are bounded in time."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import Settings
from app.core.db.models import PairingRun
from app.core.keycheck import check_key
from app.core.money.report import SpendQuery
from app.core.pairing.endpoint import (
    OPENAI_COMPATIBLE,
    VisionEndpoint,
    endpoint_from_settings,
    normalise_base_url,
    probe_endpoint,
)
from app.core.pairing.service import PairingError
from app.core.secrets import KeyName, SecretStore
from app.core.services import Services
from tests.fakes.hostile import HostileServer, silent_server  # noqa: F401
from tests.fakes.xai_server import (
    SCHEMA_AND_OBJECT,
    VISION_MODEL,
    FakeXai,
    fenced,
    good,
    json_object_server,  # noqa: F401
    pair,
    pairs,
    rewrite,
    vision_server,  # noqa: F401
)
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.pairing_data import PairingCampaign, make_campaign

VISION_KEY = "sk-local-VisionServerKey0123456789"


def _use(services: Services, server: FakeXai, **extra: object) -> None:
    services.settings.update(pairing_provider=OPENAI_COMPATIBLE, vision_base_url=server.base_url,
                             vision_model=VISION_MODEL, xai_timeout_s=10.0, pairing_preview_px=160, **extra)


async def _campaign(services: Services, tmp_path: Path, count: int = 6) -> PairingCampaign:
    return await make_campaign(services, tmp_path / "sources", count)


async def _runs(services: Services) -> list[PairingRun]:
    return await services.db.run(lambda s: list(s.scalars(select(PairingRun).order_by(PairingRun.id))))


async def test_a_server_with_schema_support_is_asked_for_a_strict_schema_and_the_notes_say_so(
        services: Services, vision_server: FakeXai, tmp_path: Path) -> None:  # noqa: F811
    _use(services, vision_server)
    data = await _campaign(services, tmp_path)
    assert services.pairing.grok_available()  # no xAI key is needed for it
    vision_server.script(good(count=2))
    result = await services.pairing.suggest(data.campaign.id, count=2)
    assert vision_server.problems == [] and vision_server.refusals == 0
    [request] = vision_server.chat_requests
    assert request.format == "json_schema" and request.body["model"] == VISION_MODEL
    assert request.image_ids == data.ids
    assert result.pairer == "grok" and len(result.suggestions) == 2 and result.repairs == ()
    host = vision_server.base_url.split("/")[2]
    assert f"{VISION_MODEL} at {host} answered with a strict JSON schema" in result.notes
    assert result.cost_usd == 0  # no price is known for another server
    [run] = await _runs(services)
    assert run.model == VISION_MODEL
    [call] = await services.money.entries(SpendQuery())  # recorded, at no price
    assert (call.provider, call.model, call.amount_nanos) == (f"vision:{host}", VISION_MODEL, 0)


async def test_a_server_that_refuses_schemas_gets_a_json_object_request_and_its_reply_is_repaired(
        services: Services, json_object_server: FakeXai, tmp_path: Path) -> None:  # noqa: F811
    _use(services, json_object_server)
    data = await _campaign(services, tmp_path)
    ids = data.ids
    json_object_server.script(fenced(pairs(lambda _ids: [pair(ids[0], ids[1], score="0.9"), pair(ids[2], ids[2]),
                                                          pair(ids[3], ids[4], score=1.7)])))
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", count=2)
    assert json_object_server.refusals == 1 and json_object_server.problems == []
    refused, answered = json_object_server.chat_requests
    assert refused.body["response_format"]["type"] == "json_schema" and answered.format == "json_object"
    assert "pair_suggestions" not in answered.text and '"first_asset_id"' in answered.text  # the schema, as words
    assert [(p.first_asset_id, p.last_asset_id) for p in result.suggestions] == [(ids[0], ids[1]), (ids[3], ids[4])]
    assert any("text around its JSON" in r for r in result.repairs)
    assert any("an image paired with itself" in r for r in result.repairs)
    assert any("clamped to 1" in r for r in result.repairs)
    note = next(n for n in result.notes if VISION_MODEL in n)
    assert "answered as a JSON object" in note and "checked and repaired" in note


async def test_a_prompt_rewrite_also_falls_back_to_a_json_object(
        services: Services, json_object_server: FakeXai, tmp_path: Path) -> None:  # noqa: F811
    _use(services, json_object_server)
    data = await _campaign(services, tmp_path, 4)
    result = await services.pairing.suggest(data.campaign.id, pairer="grok", count=1)
    json_object_server.script(rewrite("Slow dolly forward into the sunlight."))
    updated = (await services.pairing.rewrite_prompt(result.suggestions[0].id, "warmer")).value
    assert updated.prompt == "Slow dolly forward into the sunlight."
    assert json_object_server.chat_requests[-1].format == "json_object"
    assert [r.model for r in await _runs(services)] == [VISION_MODEL, VISION_MODEL]


async def test_the_servers_key_comes_from_the_keyring_and_a_refusal_is_plain(
        services: Services, tmp_path: Path) -> None:
    with FakeXai(api_key=VISION_KEY, model=VISION_MODEL, formats=SCHEMA_AND_OBJECT) as server:
        _use(services, server)
        data = await _campaign(services, tmp_path, 4)
        with pytest.raises(PairingError, match=r"The vision server refused the API key \(HTTP 401\)"):
            await services.pairing.suggest(data.campaign.id, pairer="grok", count=1)
        services.secrets.set(KeyName.VISION, f"  {VISION_KEY}\n")
        result = await services.pairing.suggest(data.campaign.id, pairer="grok", count=1)
        assert len(result.suggestions) == 1
        assert server.chat_requests[-1].headers["authorization"] == f"Bearer {VISION_KEY}"
        assert (await check_key(KeyName.VISION, VISION_KEY, services.settings.current)).ok


async def test_a_vision_server_that_never_answers_is_a_clear_error_in_bounded_time(
        services: Services, silent_server: HostileServer, tmp_path: Path) -> None:  # noqa: F811
    services.settings.update(pairing_provider=OPENAI_COMPATIBLE, vision_base_url=silent_server.url + "/v1",
                             vision_model=VISION_MODEL, xai_timeout_s=0.5, connect_timeout_s=0.5,
                             pairing_preview_px=160)
    data = await _campaign(services, tmp_path, 4)
    started = time.monotonic()
    with pytest.raises(PairingError, match=rf"{VISION_MODEL} did not answer within 0\.5 s.*local pairer"):
        await services.pairing.suggest(data.campaign.id, pairer="grok")
    assert time.monotonic() - started < 5 and len(silent_server.requests) == 1


# ---- the endpoint value and the probe ------------------------------------------------------------------------
def test_the_endpoint_comes_from_the_settings_or_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = SecretStore(MemoryKeyring())
    settings = Settings(pairing_provider=OPENAI_COMPATIBLE, vision_base_url="127.0.0.1:11434", vision_model="llava",
                        connect_timeout_s=3.0, xai_timeout_s=40.0)
    endpoint = endpoint_from_settings(settings, secrets)
    assert endpoint == VisionEndpoint(OPENAI_COMPATIBLE, "http://127.0.0.1:11434/v1", "llava", None, 3.0, 40.0)
    assert "api_key" not in repr(endpoint) or "None" in repr(endpoint)
    override = endpoint_from_settings(Settings(), secrets, base_url="http://gpu-box:8000/", model="qwen2.5-vl")
    assert (override.provider, override.base_url, override.model) == (OPENAI_COMPATIBLE, "http://gpu-box:8000/v1",
                                                                      "qwen2.5-vl")
    monkeypatch.setenv("PAIRFRAME_VISION_API_KEY", VISION_KEY + "\r")
    keyed = endpoint_from_settings(settings, secrets)
    assert keyed.api_key == VISION_KEY and VISION_KEY not in repr(keyed)
    monkeypatch.setenv("PAIRFRAME_VISION_API_KEY", "sk-bad\nkey-0123456789")
    with pytest.raises(PairingError, match="PAIRFRAME_VISION_API_KEY has a line break"):
        endpoint_from_settings(settings, secrets)
    monkeypatch.delenv("PAIRFRAME_VISION_API_KEY")
    with pytest.raises(PairingError, match="No vision server is set"):
        endpoint_from_settings(Settings(pairing_provider=OPENAI_COMPATIBLE), secrets)
    with pytest.raises(PairingError, match="No vision model is named"):
        endpoint_from_settings(Settings(pairing_provider=OPENAI_COMPATIBLE, vision_base_url="http://h/v1"), secrets)
    with pytest.raises(PairingError, match="No xAI API key"):
        endpoint_from_settings(Settings(), secrets)
    with pytest.raises(PairingError, match="not a web address"):
        normalise_base_url("ftp://files.example")
    assert normalise_base_url(" https://h.example/api/v1/ ") == "https://h.example/api/v1"


async def test_the_probe_reports_what_the_server_offers(vision_server: FakeXai) -> None:  # noqa: F811
    endpoint = VisionEndpoint(OPENAI_COMPATIBLE, vision_server.base_url, VISION_MODEL)
    found = await probe_endpoint(endpoint)
    assert found.ok and found.models == (VISION_MODEL,)
    assert found.message == f"the vision server at {endpoint.host} offers 1 model, {VISION_MODEL} among them"
    vision_server.models = ("moondream", "qwen2.5-vl")
    missing = await probe_endpoint(endpoint)
    assert not missing.ok and f"not {VISION_MODEL}: it offers moondream, qwen2.5-vl" in missing.message


async def test_the_probe_says_when_a_server_cannot_be_reached_or_does_not_answer(
        silent_server: HostileServer) -> None:  # noqa: F811
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = await probe_endpoint(VisionEndpoint(OPENAI_COMPATIBLE, f"http://127.0.0.1:{port}/v1", VISION_MODEL))
    assert not closed.ok and closed.message.startswith(f"could not reach the vision server at 127.0.0.1:{port}")
    started = time.monotonic()
    silent = await probe_endpoint(VisionEndpoint(OPENAI_COMPATIBLE, silent_server.url + "/v1", VISION_MODEL,
                                                 connect_timeout_s=0.5, answer_timeout_s=0.5))
    assert not silent.ok and "did not answer within 0.5 s" in silent.message
    assert time.monotonic() - started < 4


async def test_the_probe_sends_the_key_and_says_when_one_is_needed() -> None:
    with FakeXai(api_key=VISION_KEY, model=VISION_MODEL) as server:
        bare = await probe_endpoint(VisionEndpoint(OPENAI_COMPATIBLE, server.base_url, VISION_MODEL))
        assert not bare.ok and bare.message.endswith("refused the key (HTTP 401): it needs one")
        keyed = await probe_endpoint(VisionEndpoint(OPENAI_COMPATIBLE, server.base_url, VISION_MODEL, VISION_KEY))
        assert keyed.ok and VISION_KEY not in keyed.message
        assert json.dumps(server.requests[-1].headers).count(VISION_KEY) == 1


async def test_xai_stays_the_default_and_keeps_its_strict_schema(services: Services, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeXai() as xai:
        monkeypatch.setenv("XAI_API_KEY", xai.api_key or "")
        monkeypatch.setenv("XAI_BASE_URL", xai.base_url)
        services.settings.update(pairing_preview_px=160)
        data = await _campaign(services, tmp_path, 4)
        xai.script(good(count=1))
        result = await services.pairing.suggest(data.campaign.id, count=1)
        assert xai.problems == [] and xai.chat_requests[0].format == "json_schema"
        assert any(n.endswith("answered with a strict JSON schema") for n in result.notes) and result.cost_usd > 0
