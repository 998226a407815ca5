"""``models``, ``models refresh``, ``presets`` and ``generate --preset`` through the real launcher: refresh against
the fake Replicate's model endpoint, with the changes it reports and their effect on what is offered for pairs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli_generate import _library
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def _cli(data: Path, *args: str, fake: FakeReplicate | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    if fake is not None:
        env.update(REPLICATE_API_TOKEN=TOKEN, REPLICATE_BASE_URL=fake.url)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, stdin=subprocess.DEVNULL)


def test_models_lists_every_model_and_what_each_was_checked_against(tmp_path: Path) -> None:
    result = _cli(tmp_path / "lib", "models", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["id"]: m for m in json.loads(result.stdout)}
    assert models["luma/ray"]["first_image_input"] == "start_image_url" and models["luma/ray"]["offered_for_pairs"]
    assert models["kwaivgi/kling-o1"]["resolution_values"] == {"720p": "std", "1080p": "pro"}
    wan = models["wan-video/wan-2.5-i2v"]
    assert not wan["pairs"] and not wan["offered_for_pairs"] and wan["last_image_input"] is None
    for model in models.values():
        check = model["schema_check"]
        assert check["matches"] and check["problems"] == []
        if model["provider"] == "replicate":
            assert check["against"]["origin"] == "packaged" and check["against"]["captured_at"] == "2026-11-30"
    assert models["pixverse/pixverse-v4"]["unverified"][:2] == ["input names", "durations"]
    table = _cli(tmp_path / "lib", "models").stdout
    assert "kwaivgi/kling-v2.6" in table and "no: first frame only" in table
    assert "google/veo-3.1-fast: input names and values match the packaged snapshot" in table
    assert "unverified durations: checked against Replicate's live schema before any create" in table


def test_models_refresh_needs_a_key(tmp_path: Path) -> None:
    result = _cli(tmp_path / "lib", "models", "refresh")
    assert result.returncode == 1
    assert "needs a Replicate API token" in result.stderr and not (tmp_path / "lib" / "schemas").exists()


def test_models_refresh_reports_a_changed_schema_and_the_model_stops_being_offered(
        tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    def drop_last_frame(schemas: dict) -> None:  # type: ignore[type-arg]
        properties = schemas["Input"]["properties"]
        del properties["last_frame"]
        properties["resolution"]["default"] = "1080p"
        schemas["duration"]["enum"] = [4, 6, 8, 12]
    fake_replicate.alter_schema("google/veo-3.1-fast", drop_last_frame)
    fake_replicate.alter_schema("pixverse/pixverse-v4",
                                lambda s: s["Input"]["properties"].update(seed={"type": "integer"}))
    data = _library(tmp_path, pairs=2)
    result = _cli(data, "models", "refresh", fake=fake_replicate)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "google/veo-3.1-fast: changed\n" \
           "  - removed input(s): last_frame\n" \
           "  - duration now takes 4, 6, 8 or 12 (was 4, 6 or 8)\n" \
           "  - resolution default is now 1080p (was 720p)\n" \
           "  - no last-frame input (last_frame) any more: Veo 3.1 Fast is no longer offered for pairs\n" in out
    assert "pixverse/pixverse-v4: changed\n  - new input(s): seed (integer)\n" in out
    assert "google/veo-3.1: unchanged" in out and "16 schema(s) saved" in out and "2 changed, 0 not refreshed" in out
    assert (data / "schemas" / "google__veo-3.1-fast.json").is_file()
    models = {m["id"]: m for m in json.loads(_cli(data, "models", "--json").stdout)}
    fast = models["google/veo-3.1-fast"]
    assert not fast["offered_for_pairs"] and fast["schema_check"]["against"]["origin"] == "library"
    assert fast["schema_check"]["against"]["version_id"] == fake_replicate.versions["google/veo-3.1-fast"]
    assert "no last-frame input in this library's snapshot" in fast["schema_check"]["summary"]
    assert models["pixverse/pixverse-v4"]["offered_for_pairs"]
    refused = _cli(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast", "--yes",
                   fake=fake_replicate)
    assert refused.returncode == 1
    assert "Veo 3.1 Fast (google/veo-3.1-fast) no longer takes a last frame (last_frame)" in refused.stderr
    assert fake_replicate.create_requests == 0 and fake_replicate.files == {}


def test_models_refresh_says_which_models_failed_and_exits_1(tmp_path: Path,
                                                               fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.schemas.pop("luma/ray")
    result = _cli(tmp_path / "lib", "models", "refresh", "--json", fake=fake_replicate)
    assert result.returncode == 1
    assert "1 model(s) could not be refreshed: Replicate has no model luma/ray" in result.stderr
    documents = {d["id"]: d for d in json.loads(result.stdout)}
    assert documents["luma/ray"] == {"id": "luma/ray", "refreshed": False, "error": "Replicate has no model luma/ray",
                                     "changes": [], "offered_for_pairs": False, "version_id": None, "path": None}
    assert documents["google/veo-3.1"]["refreshed"] and TOKEN not in result.stdout + result.stderr


def test_presets_are_listed_saved_and_removed(tmp_path: Path) -> None:
    data = tmp_path / "lib"
    listed = json.loads(_cli(data, "presets", "--pairs", "3", "--json").stdout)
    assert [(p["name"], p["model"], p["estimate_usd"]) for p in listed] == [
        ("Economy", "minimax/hailuo-02", 1.44), ("Balanced", "google/veo-3.1-fast", 1.8),
        ("Premium", "google/veo-3.1", 4.8)]
    saved = _cli(data, "presets", "save", "Offline draft", "--model", "local", "--resolution", "480p", "--duration",
                 "2", "--transition", "fade")
    assert saved.returncode == 0 and "Saved the preset Offline draft: local, 480p, 2 s, fade." in saved.stdout
    table = _cli(data, "presets").stdout
    assert "Offline draft  saved" in table and "Premium        built in  google/veo-3.1" in table
    bad = _cli(data, "presets", "save", "Too long", "--model", "minimax/hailuo-02", "--resolution", "1080p",
               "--duration", "10")
    assert bad.returncode == 1 and "Hailuo 02 makes 6 s clips at 1080p, not 10 s" in bad.stderr
    removed = _cli(data, "presets", "delete", "offline DRAFT")
    assert removed.returncode == 0 and "Removed the preset Offline draft." in removed.stdout
    assert json.loads((data / "settings.json").read_text())["quality_presets"] == {}


@pytest.mark.slow
def test_generate_with_a_preset_end_to_end_with_the_local_model(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=2)
    assert _cli(data, "presets", "save", "Offline draft", "--model", "local", "--resolution", "480p", "--duration",
                "2", "--transition", "fade").returncode == 0
    result = _cli(data, "generate", "--campaign", "Spring", "--preset", "offline draft", "--yes", "--json")
    document = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr  # the clips are combined with the preset's transition
    assert Path(document["output"]).is_file()
    assert (document["model"], document["duration_s"], document["resolution"], document["transition"]) == \
        ("local", 2.0, "480p", "fade")
    assert [c["status"] for c in document["clips"]] == ["succeeded", "succeeded"]
    assert "Preset: Offline draft" in result.stderr and "Transition: fade" in result.stderr
    assert "Estimate: $0.00" in result.stderr
    overridden = _cli(data, "generate", "--campaign", "Spring", "--preset", "Economy", "--model", "local",
                      "--resolution", "480p", "--duration", "3", "--transition", "crossfade", "--yes", "--json")
    job = json.loads(overridden.stdout)
    assert (job["model"], job["duration_s"], job["resolution"], job["transition"]) == \
        ("local", 3.0, "480p", "crossfade")
    assert "Preset: Economy" in overridden.stderr


def test_generate_refuses_an_unknown_preset_and_a_first_frame_only_model_in_plain_words(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=1)
    unknown = _cli(data, "generate", "--campaign", "Spring", "--preset", "Cheapest", "--yes")
    assert unknown.returncode == 1
    assert "unknown preset 'Cheapest'; the presets are: Economy, Balanced, Premium" in unknown.stderr
    single = _cli(data, "generate", "--campaign", "Spring", "--model", "minimax/hailuo-2.3", "--yes")
    assert single.returncode == 1 and "takes only a first frame" in single.stderr
    assert json.loads(_cli(data, "jobs", "--json").stdout) == []
