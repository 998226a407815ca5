"""The model catalog: each model's own input names and rules, snapping with reasons, prices, sizes, costs."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.core.generation.catalog import LOCAL_MODEL_ID, all_models, catalog, frame_size, get_model, snap
from app.core.generation.cost import clip_charge, estimate
from app.core.generation.errors import GenerationError
from app.core.generation.providers.replicate_provider import build_input
from app.core.generation.schema_snapshots import SnapshotStore, resolved, verify

REQUIRED = ("google/veo-3.1", "google/veo-3.1-fast", "minimax/hailuo-02", "kwaivgi/kling-v2.1", "kwaivgi/kling-o1",
            "bytedance/seedance-2.0", "bytedance/seedance-2.0-fast", "pixverse/pixverse-v4", "luma/ray-flash-2-720p",
            "luma/ray", LOCAL_MODEL_ID)
FIRST_FRAME_ONLY = ("minimax/hailuo-2.3", "wan-video/wan-2.5-i2v", "kwaivgi/kling-v2.5-turbo-pro", "kwaivgi/kling-v2.6",
                    "google/veo-3", "google/veo-3-fast")
REMOTE = [m.id for m in all_models(Settings()) if not m.is_local]
FRAMES = {  # model → (first image input, last image input), as the models' pages name them
    "google/veo-3.1": ("image", "last_frame"), "google/veo-3.1-fast": ("image", "last_frame"),
    "minimax/hailuo-02": ("first_frame_image", "last_frame_image"), "kwaivgi/kling-v2.1": ("start_image", "end_image"),
    "kwaivgi/kling-o1": ("start_image", "end_image"), "bytedance/seedance-2.0": ("image", "last_frame_image"),
    "bytedance/seedance-2.0-fast": ("image", "last_frame_image"), "pixverse/pixverse-v4": ("image", "last_frame_image"),
    "luma/ray-flash-2-720p": ("start_image", "end_image"), "luma/ray": ("start_image_url", "end_image_url"),
}


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
    assert {m: (models[m].first_image_input, models[m].last_image_input) for m in FRAMES} == FRAMES
    assert not set(FIRST_FRAME_ONLY) & set(models)  # never offered for a pair


@pytest.mark.parametrize("model_id", REMOTE)
def test_every_catalog_entry_matches_its_stored_schema(model_id: str) -> None:
    model = next(m for m in all_models(Settings()) if m.id == model_id)
    snapshot = SnapshotStore().packaged(model_id)
    assert snapshot is not None and snapshot.model_id == model_id and snapshot.origin == "packaged"
    assert set(model.input_names()) <= set(snapshot.properties)
    assert verify(model, snapshot.schemas) == []  # and every duration, resolution, aspect and fixed value it allows
    images = [model.first_image_input, model.last_image_input] if model.pairs else [model.first_image_input]
    assert all(resolved(snapshot.schemas, snapshot.properties[name])["format"] == "uri" for name in images)
    assert (model.last_image_input in snapshot.properties) is model.pairs


@pytest.mark.parametrize("model_id", FIRST_FRAME_ONLY)
def test_a_first_frame_only_model_is_listed_but_refused_for_pairs_in_plain_words(model_id: str) -> None:
    listed = {m.id: m for m in all_models(Settings())}
    assert model_id in listed and not listed[model_id].pairs
    assert "First frame only, not for pairs" in listed[model_id].notes
    with pytest.raises(GenerationError, match=r"takes only a first frame: its clips could not end on the pair's last "
                                              r"image, so it is not offered for pairs"):
        get_model(model_id, Settings())


def test_audio_stays_off_unless_the_user_wants_it_and_then_costs_what_it_costs() -> None:
    for model_id in ("google/veo-3.1", "google/veo-3.1-fast", "bytedance/seedance-2.0", "bytedance/seedance-2.0-fast"):
        assert get_model(model_id, Settings()).fixed_inputs["generate_audio"] is False
    veo = get_model("google/veo-3.1", Settings(generate_audio=True))
    assert veo.fixed_inputs["generate_audio"] is True and veo.price_usd == 0.40
    assert get_model("google/veo-3.1", Settings(generate_audio=True, model_prices={"google/veo-3.1": 0.3})).price_usd \
        == 0.3
    assert get_model("minimax/hailuo-02", Settings(generate_audio=True)).fixed_inputs == {}


def test_each_model_is_sent_its_own_names_and_values() -> None:
    settings = Settings()
    kling = build_input(get_model("kwaivgi/kling-o1", settings), "pan", "u1", "u2", 5.0, "720p", "16:9")
    assert kling == {"prompt": "pan", "start_image": "u1", "end_image": "u2", "duration": 5, "mode": "std"}
    assert build_input(get_model("kwaivgi/kling-o1", settings), "", "a", "b", 10.0, "1080p", "1:1")["mode"] == "pro"
    seedance = build_input(get_model("bytedance/seedance-2.0", settings), "rise", "a", "b", 12.0, "720p", "9:16")
    assert seedance == {"prompt": "rise", "image": "a", "last_frame_image": "b", "duration": 12,
                        "resolution": "720p", "aspect_ratio": "9:16", "generate_audio": False}
    pixverse = build_input(get_model("pixverse/pixverse-v4", settings), "x", "a", "b", 8.0, "720p", "16:9")
    assert pixverse == {"prompt": "x", "image": "a", "last_frame_image": "b", "duration": 8, "quality": "720p",
                        "aspect_ratio": "16:9"}
    ray = build_input(get_model("luma/ray", settings), "x", "a", "b", 9.0, "720p", "16:9")
    assert ray == {"prompt": "x", "start_image_url": "a", "end_image_url": "b", "duration": 9}
    flash = build_input(get_model("luma/ray-flash-2-720p", settings), "x", "a", "b", 5.0, "720p", "9:16")
    assert flash == {"prompt": "x", "start_image": "a", "end_image": "b", "duration": 5}


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
    ("pixverse/pixverse-v4", 8, "1080p", 5, "1080p", "PixVerse v4 makes 8 s clips only at 360p, 540p or 720p"),
    ("pixverse/pixverse-v4", 8, None, 8, "720p", None),
    ("pixverse/pixverse-v4", 6, None, 5, "720p", "PixVerse v4 takes 5 or 8 s: 6 s → 5 s"),
    ("bytedance/seedance-2.0", 15, None, 15, "720p", None),
    ("bytedance/seedance-2.0-fast", 20, "1080p", 15, "720p", "20 s → 15 s"),
    ("kwaivgi/kling-o1", 7, "720p", 5, "720p", "Kling O1 takes 5 or 10 s: 7 s → 5 s"),
    ("luma/ray-flash-2-720p", 8, None, 9, "720p", "Ray Flash 2 (720p) takes 5 or 9 s: 8 s → 9 s"),
    ("luma/ray", None, None, 5, "720p", None),
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


def test_estimates_and_charges_follow_each_price_unit() -> None:
    settings = Settings()
    veo = get_model("google/veo-3.1", settings)
    assert estimate(veo, 8, 3) == pytest.approx(4.8)
    paid = clip_charge(veo, "p1", "succeeded", duration_s=8, predict_time_s=95)
    assert paid.amount_usd == pytest.approx(1.6) and paid.final
    assert (paid.pricing.unit, paid.pricing.metric, paid.pricing.quantity) == ("second", "output_seconds", 8)
    assert clip_charge(veo, "p2", "failed", duration_s=8, predict_time_s=95).amount_usd == 0
    running = clip_charge(veo, "p3", "starting", duration_s=8)
    assert running.amount_usd == 0 and not running.final
    compute = veo.__class__(**{**veo.__dict__, "price_unit": "compute_second", "price_usd": 0.01})
    failed = clip_charge(compute, "p4", "failed", duration_s=8, predict_time_s=42.5)
    assert failed.amount_usd == pytest.approx(0.425) and failed.pricing.metric == "predict_time"
    per_run = veo.__class__(**{**veo.__dict__, "price_unit": "run", "price_usd": 0.37})
    assert estimate(per_run, 10, 2) == pytest.approx(0.74)
    assert clip_charge(per_run, "p5", "succeeded", duration_s=10).amount_usd == pytest.approx(0.37)


