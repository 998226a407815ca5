"""The fake Replicate knows every catalog model's input rules from the stored snapshots: it takes what the app
builds for each model, refuses a wrong field name or value with 422 in Replicate's RFC 7807 shape, and serves (and
lets a test alter) each model's schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.core.generation.catalog import ModelSpec, catalog, get_model
from app.core.generation.providers.replicate_provider import build_input
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.images import make_image

PAIR_MODELS = [m for m in catalog(Settings()) if not m.is_local]


@pytest.fixture
def http(fake_replicate: FakeReplicate) -> Iterator[httpx.Client]:  # noqa: F811
    with httpx.Client(base_url=fake_replicate.url, headers={"Authorization": f"Bearer {TOKEN}"},
                      timeout=10) as client:
        yield client


@pytest.fixture
def frames(http: httpx.Client, tmp_path) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    urls = []
    for index in range(2):
        image = make_image(tmp_path / f"frame-{index}.png", (64, 36), seed=index)
        answer = http.post("/v1/files", files={"content": (image.name, image.read_bytes(), "image/png")})
        assert answer.status_code == 201
        urls.append(answer.json()["urls"]["get"])
    return urls[0], urls[1]


def _valid_input(model: ModelSpec, frames: tuple[str, str]) -> dict[str, Any]:
    return build_input(model, "a slow push in", *frames, model.default_duration, model.default_resolution,
                       model.aspects[0])


def _create(http: httpx.Client, model_id: str, values: dict[str, Any]) -> httpx.Response:
    return http.post(f"/v1/models/{model_id}/predictions", json={"input": values})


def _invalid(answer: httpx.Response, field: str, description: str) -> None:
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert set(problem) >= {"type", "title", "status", "detail", "instance"}
    assert problem["status"] == 422 and problem["title"] == "Input validation failed"
    assert problem["detail"] == f"{field}: {description}"
    assert problem["invalid_fields"][0]["field"] == field


@pytest.mark.parametrize("model", PAIR_MODELS, ids=lambda m: m.id)
def test_every_pair_model_takes_what_the_app_builds_and_refuses_a_wrong_field_name(
        model: ModelSpec, http: httpx.Client, frames: tuple[str, str], fake_replicate: FakeReplicate) -> None:  # noqa: F811
    good = _valid_input(model, frames)
    assert _create(http, model.id, good).status_code == 201
    wrong = {("last_frame_typo" if k == model.last_image_input else k): v for k, v in good.items()}
    _invalid(_create(http, model.id, wrong), "input", "Additional property last_frame_typo is not allowed")
    too_long = {**good, model.duration_input: 99}
    answer = _create(http, model.id, too_long)
    assert answer.status_code == 422 and answer.json()["invalid_fields"][0]["field"] == f"input.{model.duration_input}"
    assert fake_replicate.create_count == 1


def test_enums_ranges_types_and_the_models_own_rules_are_enforced(
        http: httpx.Client, frames: tuple[str, str]) -> None:
    settings = Settings()
    veo = _valid_input(get_model("google/veo-3.1", settings), frames)
    _invalid(_create(http, "google/veo-3.1", {**veo, "duration": 5}), "input.duration",
             "duration must be one of the following: 4, 6, 8")  # an enum behind a $ref
    _invalid(_create(http, "google/veo-3.1", {**veo, "generate_audio": "no"}), "input.generate_audio",
             "Invalid type. Expected: boolean, given: str")
    _invalid(_create(http, "google/veo-3.1", {k: v for k, v in veo.items() if k != "prompt"}), "input",
             "prompt is required")
    seedance = _valid_input(get_model("bytedance/seedance-2.0", settings), frames)
    _invalid(_create(http, "bytedance/seedance-2.0", {**seedance, "duration": 16}), "input.duration",
             "Must be less than or equal to 15")
    hailuo = _valid_input(get_model("minimax/hailuo-02", settings), frames)
    _invalid(_create(http, "minimax/hailuo-02", {**hailuo, "duration": 10, "resolution": "1080p"}), "input",
             "10 second videos are only available at 768p")
    assert _create(http, "minimax/hailuo-02", {**hailuo, "duration": 10, "resolution": "768p"}).status_code == 201
    pixverse = _valid_input(get_model("pixverse/pixverse-v4", settings), frames)
    _invalid(_create(http, "pixverse/pixverse-v4", {**pixverse, "duration": 8, "quality": "1080p"}), "input",
             "8 second videos are not available at 1080p")
    kling = _valid_input(get_model("kwaivgi/kling-o1", settings), frames)
    _invalid(_create(http, "kwaivgi/kling-o1", {**kling, "start_image": "https://example.invalid/x.jpg"}),
             "input.start_image", "E006 invalid input: start_image could not be fetched")
    assert _create(http, "acme/nothing", {"prompt": "x"}).status_code == 404


def test_a_first_frame_only_model_refuses_a_last_frame(http: httpx.Client, frames: tuple[str, str]) -> None:
    _invalid(_create(http, "kwaivgi/kling-v2.6", {"prompt": "x", "start_image": frames[0], "end_image": frames[1]}),
             "input", "Additional property end_image is not allowed")
    assert _create(http, "kwaivgi/kling-v2.6", {"prompt": "x", "start_image": frames[0]}).status_code == 201


def test_the_model_endpoint_serves_the_snapshot_and_a_test_can_alter_it(
        http: httpx.Client, fake_replicate: FakeReplicate, frames: tuple[str, str]) -> None:  # noqa: F811
    served = http.get("/v1/models/luma/ray").json()
    schemas = served["latest_version"]["openapi_schema"]["components"]["schemas"]
    assert {"start_image_url", "end_image_url", "duration"} <= set(schemas["Input"]["properties"])
    version = served["latest_version"]["id"]
    fake_replicate.alter_schema("luma/ray", lambda s: s["Input"]["properties"].pop("end_image_url"))
    altered = http.get("/v1/models/luma/ray").json()["latest_version"]
    assert "end_image_url" not in altered["openapi_schema"]["components"]["schemas"]["Input"]["properties"]
    assert altered["id"] != version
    ray = _valid_input(get_model("luma/ray", Settings()), frames)  # the altered schema is enforced too
    _invalid(_create(http, "luma/ray", ray), "input", "Additional property end_image_url is not allowed")
