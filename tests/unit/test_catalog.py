"""The model catalog: each model's own input names and rules, snapping with reasons, prices, sizes, costs."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.core.generation.catalog import LOCAL_MODEL_ID, catalog, frame_size, get_model, snap
from app.core.generation.cost import actual_cost, estimate, remaining
from app.core.generation.errors import GenerationError
from tests.fakes.replicate_server import MODEL_INPUTS

REQUIRED = ("google/veo-3.1", "google/veo-3.1-fast", "minimax/hailuo-02", "kwaivgi/kling-v2.1", LOCAL_MODEL_ID)


def test_the_catalog_has_the_first_and_last_frame_models_and_the_local_one() -> None:
    models = {m.id: m for m in catalog(Settings())}
    assert set(REQUIRED) <= set(models)
    for model in models.values():
        assert model.first_image_input != model.last_image_input
        assert model.default_duration in model.durations_at(model.default_resolution)
        assert set(model.aspects) <= {"16:9", "9:16", "1:1"}
        assert model.price_unit in ("second", "compute_second", "run")
    assert models["google/veo-3.1"].fixed_inputs == {"generate_audio": False}
    assert models["kwaivgi/kling-v2.1"].fixed_inputs == {"mode": "pro"}
    assert models["minimax/hailuo-02"].first_image_input == "first_frame_image"
    assert models[LOCAL_MODEL_ID].provider == "local" and models[LOCAL_MODEL_ID].price_usd == 0


@pytest.mark.parametrize("model_id", REQUIRED[:4])
def test_every_input_name_sent_is_one_the_published_schema_knows(model_id: str) -> None:
    assert set(get_model(model_id, Settings()).input_names()) <= set(MODEL_INPUTS[model_id])


def test_price_overrides_from_the_settings_apply_but_the_local_model_stays_free() -> None:
    settings = Settings(model_prices={"google/veo-3.1": 0.5, LOCAL_MODEL_ID: 9.0})
    assert get_model("google/veo-3.1", settings).price_usd == 0.5
    assert get_model(LOCAL_MODEL_ID, settings).price_usd == 0.0
    assert get_model("google/veo-3.1", Settings()).price_usd == 0.20


def test_an_unknown_model_is_a_clear_error_naming_the_known_ones() -> None:
    with pytest.raises(GenerationError, match=r"unknown model 'acme/nothing'.*google/veo-3\.1"):
        get_model("acme/nothing", Settings())


@pytest.mark.parametrize(("model_id", "asked", "resolution", "expected", "expected_resolution", "note"), [
    ("minimax/hailuo-02", 8, None, 10, "768p", "Hailuo 02 takes 6 or 10 s: 8 s → 10 s"),
    ("minimax/hailuo-02", 10, "1080p", 6, "1080p", "Hailuo 02 makes 10 s clips only at 768p: 10 s → 6 s"),
    ("minimax/hailuo-02", 10, "512p", 6, "512p", "only at 768p"),
    ("minimax/hailuo-02", 6, "1080p", 6, "1080p", None),
    ("minimax/hailuo-02", 4, None, 6, "768p", "Hailuo 02 takes 6 or 10 s: 4 s → 6 s"),
    ("google/veo-3.1", 5, None, 6, "1080p", "Veo 3.1 takes 4, 6 or 8 s: 5 s → 6 s"),
    ("google/veo-3.1", 10, None, 8, "1080p", "10 s → 8 s"),
    ("google/veo-3.1-fast", 4, None, 4, "720p", None),
    ("kwaivgi/kling-v2.1", 7, None, 5, "1080p", "Kling 2.1 (pro) takes 5 or 10 s: 7 s → 5 s"),
    ("kwaivgi/kling-v2.1", 8, None, 10, "1080p", "8 s → 10 s"),
])
def test_durations_snap_to_each_models_own_rules(model_id: str, asked: float, resolution: str | None,
                                                  expected: float, expected_resolution: str, note: str | None) -> None:
    result = snap(get_model(model_id, Settings()), asked, resolution, "16:9")
    assert (result.duration_s, result.resolution) == (expected, expected_resolution)
    if note is None:
        assert result.adjustments == ()
    else:
        assert any(note in a for a in result.adjustments), result.adjustments


def test_hailuo_at_a_non_768p_default_moves_to_768p_for_ten_seconds() -> None:
    settings = Settings()
    hailuo = get_model("minimax/hailuo-02", settings)
    assert hailuo.durations_at("768p") == (6.0, 10.0) and hailuo.durations_at("1080p") == (6.0,)
    assert snap(hailuo, 10, None, "9:16").duration_s == 10


def test_aspect_and_resolution_snap_with_a_reason_and_defaults_apply() -> None:
    veo = get_model("google/veo-3.1", Settings())
    result = snap(veo, None, "4k", "1:1")
    assert result.aspect == "16:9" and result.resolution == "1080p" and result.duration_s == 8
    assert any("1:1 → 16:9" in a for a in result.adjustments)
    assert any("4k → 1080p" in a for a in result.adjustments)
    kling = snap(get_model("kwaivgi/kling-v2.1", Settings()), 5, "720p", "1:1")
    assert kling.resolution == "1080p" and kling.aspect == "1:1"


@pytest.mark.parametrize(("resolution", "aspect", "size"), [
    ("720p", "16:9", (1280, 720)), ("720p", "9:16", (720, 1280)), ("720p", "1:1", (720, 720)),
    ("1080p", "16:9", (1920, 1080)), ("768p", "16:9", (1366, 768)), ("480p", "9:16", (480, 854)),
])
def test_frame_sizes(resolution: str, aspect: str, size: tuple[int, int]) -> None:
    assert frame_size(resolution, aspect) == size


def test_estimates_and_actual_costs_follow_each_price_unit() -> None:
    settings = Settings()
    veo = get_model("google/veo-3.1", settings)
    assert estimate(veo, 8, 3) == pytest.approx(4.8)
    assert actual_cost(veo, succeeded=True, duration_s=8, predict_time_s=95) == pytest.approx(1.6)
    assert actual_cost(veo, succeeded=False, duration_s=8, predict_time_s=95) == 0
    compute = veo.__class__(**{**veo.__dict__, "price_unit": "compute_second", "price_usd": 0.01})
    assert actual_cost(compute, succeeded=False, duration_s=8, predict_time_s=42.5) == pytest.approx(0.425)
    per_run = veo.__class__(**{**veo.__dict__, "price_unit": "run", "price_usd": 0.37})
    assert estimate(per_run, 10, 2) == pytest.approx(0.74)
    assert actual_cost(get_model(LOCAL_MODEL_ID, settings), succeeded=True, duration_s=6, predict_time_s=3) == 0
    assert remaining(None, 5) is None and remaining(10, 2.5) == 7.5
