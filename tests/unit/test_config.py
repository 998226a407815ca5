"""Settings are declared once, validated, saved atomically, and environment overrides are never saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.config import LibraryPaths, Settings, SettingsStore, resolve_data_dir


def test_defaults_are_declared_and_saved_values_survive_a_reload(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    assert store.current.xai_model == "grok-4-1-fast-non-reasoning"
    store.update(pairing_max_images=12, crossfade_s=1, model_prices={"minimax/hailuo-02": 0.3})
    reloaded = SettingsStore(tmp_path / "settings.json").current
    assert reloaded.pairing_max_images == 12
    assert reloaded.crossfade_s == 1.0 and isinstance(reloaded.crossfade_s, float)
    assert reloaded.model_prices == {"minimax/hailuo-02": 0.3}


def test_wrong_types_and_unknown_keys_are_refused_on_update(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    with pytest.raises(ValueError, match="expects int"):
        store.update(pairing_max_images="many")
    with pytest.raises(ValueError, match="unknown setting"):
        store.update(colour_of_the_sky="blue")
    assert not (tmp_path / "settings.json").exists()


def test_a_damaged_settings_file_falls_back_to_defaults_for_the_bad_parts(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"pairing_max_images": "lots", "crossfade_s": 0.75, "gone": 1}))
    settings = Settings.load(path)
    assert settings.pairing_max_images == Settings().pairing_max_images
    assert settings.crossfade_s == 0.75
    path.write_text("{ not json")
    assert Settings.load(path) == Settings()


def test_environment_base_urls_apply_but_are_never_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XAI_BASE_URL", "http://127.0.0.1:9/v1")
    store = SettingsStore(tmp_path / "settings.json")
    assert store.current.xai_base_url == "http://127.0.0.1:9/v1"
    store.update(pairing_min_rating=3)
    saved = json.loads((tmp_path / "settings.json").read_text())
    assert saved["xai_base_url"] == "https://api.x.ai/v1"


def test_the_data_dir_comes_from_the_flag_then_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PAIRFRAME_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(str(tmp_path / "flag")) == (tmp_path / "flag").resolve()
    assert resolve_data_dir(None) == (tmp_path / "env").resolve()
    paths = LibraryPaths(tmp_path / "lib").ensure()
    assert paths.database.name == "library.sqlite3" and paths.store.is_dir() and paths.thumbs.is_dir()
