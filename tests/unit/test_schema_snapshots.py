"""Stored input schemas: the check of a catalog entry against one, what changed between two in plain words, the
library's refreshed copies winning over the packaged ones, and the refresh itself against the fake Replicate."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import socket
import threading
from pathlib import Path
from typing import Any

import pytest

from app.config import Settings
from app.core.generation.catalog import all_models, catalog, get_model, offered
from app.core.generation.errors import GenerationError
from app.core.generation.schema_snapshots import (
    Snapshot,
    SnapshotStore,
    differences,
    library_snapshot_dir,
    refresh_snapshots,
    snapshot_from_model_info,
    verify,
)
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401

VEO_FAST = "google/veo-3.1-fast"


def _model(model_id: str):  # type: ignore[no-untyped-def]
    return next(m for m in all_models(Settings()) if m.id == model_id)


def _changed(model_id: str, change) -> Snapshot:  # type: ignore[no-untyped-def]
    """The packaged snapshot of ``model_id`` with ``change`` applied to a copy of its schemas."""
    packaged = SnapshotStore().packaged(model_id)
    assert packaged is not None
    schemas = copy.deepcopy(dict(packaged.schemas))
    change(schemas)
    return Snapshot(model_id, schemas, "library", "Replicate (test)", "2026-12-01T10:00:00Z", "b" * 64)


def _props(schemas: dict[str, Any]) -> dict[str, Any]:
    return schemas["Input"]["properties"]


def test_verify_names_missing_inputs_and_refused_values_through_refs_and_ranges() -> None:
    veo = _model("google/veo-3.1")
    renamed = _changed("google/veo-3.1", lambda s: _props(s).update(end_frame=_props(s).pop("last_frame")))
    assert [(p.name, p.missing) for p in verify(veo, renamed.schemas)] == [("last_frame", True)]
    fewer = _changed("google/veo-3.1", lambda s: s["duration"].update(enum=[8]))  # the enum lives behind a $ref
    problem = verify(veo, fewer.schemas)
    assert [(p.name, p.refused, p.allowed) for p in problem] == [("duration", (4, 6), "8")]
    seedance = _model("bytedance/seedance-2.0")
    shorter = _changed("bytedance/seedance-2.0", lambda s: _props(s)["duration"].update(maximum=12))
    assert [(p.name, p.refused, p.allowed) for p in verify(seedance, shorter.schemas)] == \
        [("duration", (13, 14, 15), "from -1 to 12")]
    kling = _model("kwaivgi/kling-o1")  # its resolutions are sent as modes
    renamed_mode = _changed("kwaivgi/kling-o1", lambda s: _props(s)["mode"].update(enum=["standard", "pro"]))
    assert [(p.name, p.refused) for p in verify(kling, renamed_mode.schemas)] == [("mode", ("std",))]
    typed = _changed("google/veo-3.1", lambda s: _props(s)["generate_audio"].update(type="string"))
    assert [(p.name, p.refused) for p in verify(veo, typed.schemas)] == [("generate_audio", (False,))]


def test_differences_are_reported_in_plain_words() -> None:
    veo = _model(VEO_FAST)
    old = SnapshotStore().packaged(VEO_FAST)

    def change(schemas: dict[str, Any]) -> None:
        props = _props(schemas)
        del props["last_frame"], props["seed"]
        props["camera_fixed"] = {"type": "boolean", "default": False}
        props["resolution"].update(enum=["720p", "1080p", "4k"], default="1080p")
        schemas["duration"]["enum"] = [4, 6, 8, 10]
        schemas["Input"]["required"] = ["prompt", "image"]

    notes = differences(veo, old, _changed(VEO_FAST, change))
    assert notes == [
        "new input(s): camera_fixed (boolean)",
        "removed input(s): last_frame, seed",
        "duration now takes 4, 6, 8 or 10 (was 4, 6 or 8)",
        "resolution now takes 720p, 1080p or 4k (was 720p or 1080p)",
        "resolution default is now 1080p (was 720p)",
        "image is now required",
        "no last-frame input (last_frame) any more: Veo 3.1 Fast is no longer offered for pairs",
    ]
    assert differences(veo, old, _changed(VEO_FAST, lambda s: None)) == []


def test_a_changed_value_the_catalog_sends_and_a_grown_last_frame_are_both_said() -> None:
    hailuo = _model("minimax/hailuo-02")
    narrower = _changed("minimax/hailuo-02", lambda s: _props(s)["duration"].update(enum=[6]))
    notes = differences(hailuo, SnapshotStore().packaged("minimax/hailuo-02"), narrower)
    assert notes[0] == "duration now takes 6 (was 6 or 10)"
    assert "Hailuo 02 in this schema now takes duration 6, not 10" in notes[1]
    assert notes[1].endswith("Hailuo 02 is refused before any create until the catalog is updated")
    wan = _model("wan-video/wan-2.5-i2v")
    grown = _changed("wan-video/wan-2.5-i2v", lambda s: _props(s).update(last_frame_image={"type": "string",
                                                                                           "format": "uri"}))
    assert differences(wan, SnapshotStore().packaged(wan.id), grown)[-1] == \
        "it now has a last-frame input (last_frame_image): it could make pairs once the catalog knows its rules"


def test_the_input_part_of_a_model_answer_keeps_the_schemas_it_refers_to() -> None:
    answer = {"latest_version": {"id": "v1", "openapi_schema": {"components": {"schemas": {
        "Input": {"properties": {"duration": {"allOf": [{"$ref": "#/components/schemas/duration"}]}}},
        "duration": {"type": "integer", "enum": [5, 10]}, "Output": {"type": "string"}, "Status": {"enum": ["x"]},
    }}}}}
    snapshot = snapshot_from_model_info("a/b", answer, "2026-12-01T00:00:00Z", "Replicate (test)")
    assert set(snapshot.schemas) == {"Input", "duration"} and snapshot.version_id == "v1"
    with pytest.raises(ValueError, match="publishes no input schema for a/b"):
        snapshot_from_model_info("a/b", {"latest_version": None}, "t", "s")


def test_the_librarys_snapshot_wins_and_a_damaged_one_falls_back_to_the_packaged_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SnapshotStore.for_library(tmp_path)
    assert store.get(VEO_FAST).origin == "packaged"  # type: ignore[union-attr]
    without_last = _changed(VEO_FAST, lambda s: _props(s).pop("last_frame"))
    path = store.save(without_last)
    assert path == library_snapshot_dir(tmp_path) / "google__veo-3.1-fast.json"
    loaded = store.get(VEO_FAST)
    assert loaded is not None and loaded.origin == "library" and "last_frame" not in loaded.properties
    assert loaded.describe() == ("this library's snapshot (Replicate (test), 2026-12-01T10:00:00Z, version "
                                 "bbbbbbbbbbbb)")
    assert VEO_FAST not in [m.id for m in catalog(Settings(), store)]
    assert VEO_FAST in [m.id for m in catalog(Settings())]  # the packaged snapshots still hold elsewhere
    assert not offered(_model(VEO_FAST), store) and offered(_model("google/veo-3.1"), store)
    with pytest.raises(GenerationError, match=r"Veo 3\.1 Fast \(google/veo-3\.1-fast\) no longer takes a last frame "
                                              r"\(last_frame\) in its schema from this library's snapshot"):
        get_model(VEO_FAST, Settings(), store)
    path.write_text("{ damaged")
    with caplog.at_level(logging.WARNING):
        assert store.get(VEO_FAST).origin == "packaged"  # type: ignore[union-attr]
    assert "unreadable" in caplog.text
    assert get_model(VEO_FAST, Settings(), store).id == VEO_FAST


def test_a_refreshed_schema_that_refuses_a_catalog_value_refuses_the_model_offline(tmp_path: Path) -> None:
    store = SnapshotStore.for_library(tmp_path)
    store.save(_changed("minimax/hailuo-02", lambda s: _props(s)["resolution"].update(enum=["768p", "1080p"])))
    with pytest.raises(GenerationError, match=r"Hailuo 02 in its schema from this library's snapshot .* now takes "
                                              r"resolution 768p or 1080p, not 512p\. Nothing was sent"):
        get_model("minimax/hailuo-02", Settings(), store)
    assert "minimax/hailuo-02" not in [m.id for m in catalog(Settings(), store)]


async def test_refresh_saves_every_schema_and_reports_what_changed(
        fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.alter_schema("luma/ray", lambda s: s["Input"]["properties"].pop("end_image_url"))
    fake_replicate.alter_schema("minimax/hailuo-02",
                                lambda s: s["Input"]["properties"].update(seed={"type": "integer"}))
    fake_replicate.schemas.pop("kwaivgi/kling-v2.6")  # Replicate no longer has it
    store = SnapshotStore.for_library(tmp_path)
    models = [m for m in all_models(Settings()) if not m.is_local]
    results = {r.model_id: r for r in await refresh_snapshots(store, models, TOKEN, fake_replicate.url)}
    assert set(results) == {m.id for m in models}
    assert results["luma/ray"].changes == (
        "removed input(s): end_image_url",
        "no last-frame input (end_image_url) any more: Ray (Dream Machine) is no longer offered for pairs")
    assert not results["luma/ray"].offered_for_pairs
    assert results["minimax/hailuo-02"].changes == ("new input(s): seed (integer)",)
    assert results["minimax/hailuo-02"].offered_for_pairs
    assert results["kwaivgi/kling-v2.6"].error == "Replicate has no model kwaivgi/kling-v2.6"
    assert results["google/veo-3.1"].changes == () and results["google/veo-3.1"].error is None
    saved = json.loads((library_snapshot_dir(tmp_path) / "google__veo-3.1.json").read_text())
    assert saved["version_id"] == fake_replicate.versions["google/veo-3.1"] and "Output" not in saved["schemas"]
    assert [m.id for m in catalog(Settings(), store) if m.id.startswith("luma/")] == ["luma/ray-flash-2-720p"]
    again = {r.model_id: r for r in await refresh_snapshots(store, models, TOKEN, fake_replicate.url)}
    assert again["luma/ray"].changes == ("no last-frame input (end_image_url) any more: Ray (Dream Machine) is no "
                                         "longer offered for pairs",)  # compared with the library's copy now
    assert again["minimax/hailuo-02"].changes == ()


async def test_a_refused_token_is_said_without_the_token(fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    fake_replicate.scenario.accepted_token = "r8_another"
    store = SnapshotStore.for_library(tmp_path)
    [result] = await refresh_snapshots(store, [_model("google/veo-3.1")], TOKEN, fake_replicate.url)
    assert result.error == "Replicate refused the API token (HTTP 401)" and result.snapshot is None
    assert not library_snapshot_dir(tmp_path).exists()


async def test_a_server_that_never_answers_cannot_hold_the_refresh(tmp_path: Path) -> None:
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except TimeoutError:
                continue
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        started = asyncio.get_running_loop().time()
        [result] = await refresh_snapshots(SnapshotStore.for_library(tmp_path), [_model("luma/ray")], TOKEN,
                                           f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.2)
        assert result.error == "could not reach Replicate (ReadTimeout)"
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        silent.close()
