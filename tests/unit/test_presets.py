"""Quality presets: the built-in ones, the user's saved in the settings, explicit choices over a preset's fields,
and each preset's estimate equal to the estimate of the job it would plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import Settings, SettingsStore
from app.core.generation.catalog import get_model
from app.core.generation.errors import GenerationError
from app.core.generation.presets import (
    BUILTIN_PRESETS,
    Preset,
    all_presets,
    choose,
    delete_preset,
    estimate_preset,
    estimate_presets,
    get_preset,
    save_preset,
)
from app.core.services import Services
from tests.helpers.generation_data import seed_campaign


def test_economy_balanced_and_premium_are_built_in_and_fit_their_models() -> None:
    assert [p.name for p in BUILTIN_PRESETS] == ["Economy", "Balanced", "Premium"]
    for preset in BUILTIN_PRESETS:
        model = get_model(preset.model_id, Settings())
        assert model.pairs and not model.is_local
        assert preset.resolution in model.resolutions and preset.duration_s in model.durations_at(preset.resolution)
        assert preset.transition in ("cut", "crossfade", "fade") and preset.description
    costs = [estimate_preset(p, 1, Settings()).estimate_usd for p in BUILTIN_PRESETS]
    assert costs == sorted(costs) and len(set(costs)) == 3  # cheaper to dearer


def test_a_saved_preset_round_trips_through_the_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    saved = save_preset(store, Preset("  Night   shoot ", "kwaivgi/kling-o1", "720p", 10.0, "fade"))
    assert saved == Preset("Night shoot", "kwaivgi/kling-o1", "720p", 10.0, "fade")
    stored = json.loads(path.read_text())["quality_presets"]
    assert stored == {"Night shoot": {"model": "kwaivgi/kling-o1", "resolution": "720p", "duration_s": 10.0,
                                      "transition": "fade"}}
    reloaded = SettingsStore(path).current
    assert get_preset("night SHOOT", reloaded) == saved
    assert [p.name for p in all_presets(reloaded)] == ["Economy", "Balanced", "Premium", "Night shoot"]
    save_preset(store, Preset("night shoot", "local", None, None, "cut"))  # the same name in another case
    assert SettingsStore(path).current.quality_presets == {
        "night shoot": {"model": "local", "resolution": None, "duration_s": None, "transition": "cut"}}
    assert delete_preset(store, "NIGHT shoot") == "night shoot"
    assert SettingsStore(path).current.quality_presets == {}


@pytest.mark.parametrize(("preset", "message"), [
    (Preset("Premium", "local", None, None, "cut"), "Premium is a built-in preset: choose another name"),
    (Preset("   ", "local", None, None, "cut"), "a preset needs a name"),
    (Preset("x" * 41, "local", None, None, "cut"), "at most 40 characters"),
    (Preset("Mine", "acme/nothing", None, None, "cut"), "unknown model 'acme/nothing'"),
    (Preset("Mine", "kwaivgi/kling-v2.6", None, None, "cut"), "takes only a first frame"),
    (Preset("Mine", "google/veo-3.1", "4k", None, "cut"), "Veo 3.1 makes 720p or 1080p, not 4k"),
    (Preset("Mine", "minimax/hailuo-02", "1080p", 10.0, "cut"), "Hailuo 02 makes 6 s clips at 1080p, not 10 s"),
    (Preset("Mine", "local", None, None, "wipe"), "unknown transition 'wipe'"),
])
def test_a_bad_preset_is_refused_in_plain_words_and_nothing_is_saved(tmp_path: Path, preset: Preset,
                                                                     message: str) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    with pytest.raises(GenerationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        save_preset(store, preset)
    assert not (tmp_path / "settings.json").exists()


def test_built_in_presets_cannot_be_removed_and_unknown_ones_are_named(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    with pytest.raises(GenerationError, match="built-in preset and cannot be removed"):
        delete_preset(store, "economy")
    with pytest.raises(GenerationError, match="there is no saved preset 'Mine'"):
        delete_preset(store, "Mine")
    with pytest.raises(GenerationError, match="unknown preset 'Mine'; the presets are: Economy, Balanced, Premium"):
        get_preset("Mine", Settings())


def test_the_setting_is_declared_with_its_shape_and_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    assert store.current.quality_presets == {}
    with pytest.raises(ValueError, match="setting quality_presets expects dict"):
        store.update(quality_presets={"Mine": {"model": 3}})
    with pytest.raises(ValueError, match="setting quality_presets expects dict"):
        store.update(quality_presets={"Mine": {"model": "local", "duration_s": True}})
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"quality_presets": ["not", "a", "dict"], "crossfade_s": 0.75}))
    loaded = Settings.load(path)
    assert loaded.quality_presets == {} and loaded.crossfade_s == 0.75


def test_explicit_choices_override_only_the_fields_they_give() -> None:
    balanced = get_preset("balanced", Settings())
    assert choose(balanced) == choose(None, model_id="google/veo-3.1-fast", duration_s=6.0, resolution="720p",
                                      transition="crossfade")
    mixed = choose(balanced, model_id="local", duration_s=2.0, transition="fade")
    assert (mixed.model_id, mixed.duration_s, mixed.resolution, mixed.transition) == ("local", 2.0, "720p", "fade")
    assert choose(None) == choose(None, transition="cut") and choose(None).model_id is None


async def test_each_presets_estimate_is_the_estimate_of_the_job_it_plans(services: Services, tmp_path: Path) -> None:
    services.settings.update(model_prices={"google/veo-3.1": 0.33})  # the user's prices count in both
    save_preset(services.settings, Preset("Offline", "local", "480p", 2.0, "fade"))
    save_preset(services.settings, Preset("Long Hailuo", "minimax/hailuo-02", None, 10.0, "cut"))
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=3)
    settings = services.settings.current
    estimates = estimate_presets(settings, 3)
    assert [e.preset.name for e in estimates] == ["Economy", "Balanced", "Premium", "Long Hailuo", "Offline"]
    for item in estimates:
        preset = item.preset
        plan = await services.generation.plan(campaign_id, preset.model_id, preset.duration_s, "16:9",
                                              preset.resolution)
        assert item.problem is None
        assert (item.estimate_usd, item.duration_s, item.resolution) == \
            (plan.estimate_usd, plan.duration_s, plan.resolution), preset.name
    by_name = {e.preset.name: e for e in estimates}
    assert by_name["Premium"].estimate_usd == pytest.approx(3 * 8 * 0.33)
    assert (by_name["Long Hailuo"].resolution, by_name["Long Hailuo"].estimate_usd) == ("768p", pytest.approx(2.4))
    assert by_name["Offline"].estimate_usd == 0


def test_a_preset_whose_model_cannot_be_used_says_why_instead_of_a_price(tmp_path: Path) -> None:
    from app.core.generation.schema_snapshots import SnapshotStore

    store = SnapshotStore.for_library(tmp_path)
    packaged = store.packaged("google/veo-3.1")
    assert packaged is not None
    schemas = json.loads(json.dumps(dict(packaged.schemas)))
    del schemas["Input"]["properties"]["last_frame"]
    store.save(type(packaged)("google/veo-3.1", schemas, "library", "Replicate (test)", "2026-12-01T00:00:00Z"))
    premium = estimate_preset(get_preset("Premium", Settings()), 2, Settings(), snapshots=store)
    assert premium.problem is not None and "no longer takes a last frame" in premium.problem
    assert estimate_preset(get_preset("Economy", Settings()), 2, Settings(), snapshots=store).problem is None
