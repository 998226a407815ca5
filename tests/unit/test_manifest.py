"""The manifest beside an exported ad, and the export itself (atomic copy + manifest)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.domain import JobStatus, Transition
from app.core.media.combine import CombineError, CombineOptions
from app.core.media.jobs import AssetRef, ClipMedia, JobMedia
from app.core.media.manifest import build_manifest, manifest_path_for
from tests.helpers.combine_media import add_job, make_clip, make_tone


def clip(clip_id: int, position: int, cost: float) -> ClipMedia:
    return ClipMedia(id=clip_id, position=position, path=Path(f"/lib/jobs/1/clips/{clip_id}.mp4"),
                     prompt=f"slow push-in {clip_id}", model_id="veo-3.1", prediction_id=f"p{clip_id}",
                     cost_usd=cost, duration_s=5.0,
                     first_asset=AssetRef(10 + clip_id, f"a{clip_id}.jpg", "f" * 64, "jpeg"),
                     last_asset=AssetRef(20 + clip_id, f"b{clip_id}.jpg", "e" * 64, "jpeg"))


def job(meta: dict) -> JobMedia:
    return JobMedia(id=1, campaign_id=2, campaign_name="Spring", client_id=3, client_name="Acme",
                    brand_colors=("#ff0000",), model_id="veo-3.1", status=JobStatus.SUCCEEDED, aspect="16:9",
                    resolution="720p", clips=(clip(7, 0, 0.5), clip(8, 1, 0.75), clip(9, 2, 1.0)),
                    output_meta=meta)


def test_the_manifest_lists_the_combined_clips_in_their_order_with_totals() -> None:
    meta = {"clip_ids": [9, 7], "clip_durations": [4.0, 5.0], "transition": "crossfade", "join_s": 0.5,
            "duration_s": 8.5, "width": 1280, "height": 720, "aspect": "16:9", "music": "song.mp3",
            "music_volume": 0.8, "music_fade_s": 1.5, "clip_audio": "mix", "stream_copy": False}
    when = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    manifest = build_manifest(job(meta), Path("/out/ad.mp4"), 1234, "ab" * 32, exported_at=when)
    assert manifest["client"] == {"id": 3, "name": "Acme", "brand_colors": ["#ff0000"]}
    assert manifest["campaign"] == {"id": 2, "name": "Spring"}
    assert [c["clip_id"] for c in manifest["clips"]] == [9, 7]
    first = manifest["clips"][0]
    assert first["order"] == 1 and first["position"] == 2
    assert first["prompt"] == "slow push-in 9" and first["prediction_id"] == "p9"
    assert first["first_asset"] == {"id": 19, "name": "a9.jpg", "sha256": "f" * 64}
    assert first["duration_s"] == 4.0 and first["model"] == "veo-3.1"
    assert manifest["joins"] == {"transition": "crossfade", "count": 1, "length_s": 0.5}
    assert manifest["music"] == {"file": "song.mp3", "volume": 0.8, "fade_s": 1.5}
    assert manifest["totals"] == {"clips": 2, "cost_usd": 1.5, "duration_s": 8.5, "clip_seconds": 9.0}
    assert manifest["video"]["file"] == "ad.mp4" and manifest["video"]["bytes"] == 1234
    assert manifest["exported_at"] == "2026-05-01T12:00:00+00:00"
    json.dumps(manifest)  # plain JSON values only


def test_without_music_the_manifest_says_so() -> None:
    manifest = build_manifest(job({"clip_ids": [7], "transition": "cut"}), Path("ad.mp4"), 1, "0" * 64)
    assert manifest["music"] is None and manifest["joins"]["count"] == 0
    assert manifest_path_for(Path("/x/spring ad.mp4")) == Path("/x/spring ad.json")


async def test_export_copies_the_video_and_writes_the_manifest_beside_it(services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4") for i in range(2)]
    job_id = await add_job(services, files, with_assets=True, brand_colors=["#123456"])
    await services.generation.combine(job_id, CombineOptions(transition=Transition.CROSSFADE, crossfade_s=0.3,
                                                        music_path=make_tone(tmp_path / "tune.m4a")))
    target = tmp_path / "exports" / "Spring ad.mp4"
    manifest_path = await services.generation.export(job_id, target)
    assert manifest_path == tmp_path / "exports" / "Spring ad.json"
    video = services.paths.job_dir(job_id) / "ad.mp4"
    assert target.read_bytes() == video.read_bytes()
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["video"]["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    assert manifest["client"]["name"] == "Acme" and manifest["campaign"]["name"] == "Spring"
    assert [c["file"] for c in manifest["clips"]] == ["c0.mp4", "c1.mp4"]
    assert manifest["clips"][1]["first_asset"]["name"] == "first-1.jpg"
    assert manifest["clips"][1]["cost_usd"] == 0.5
    assert manifest["joins"] == {"transition": "crossfade", "count": 1, "length_s": 0.3}
    assert manifest["music"]["file"] == "tune.m4a"
    assert manifest["totals"]["cost_usd"] == 0.75
    assert manifest["totals"]["duration_s"] == pytest.approx(1.7, abs=0.1)
    assert [p.name for p in target.parent.iterdir() if ".part" in p.name] == []


async def test_export_adds_the_extension_and_needs_a_combined_video(services, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / "c.mp4")])
    with pytest.raises(CombineError, match="combine it first"):
        await services.generation.export(job_id, tmp_path / "ad.mp4")
    await services.generation.combine(job_id, CombineOptions())
    manifest_path = await services.generation.export(job_id, tmp_path / "final")
    assert manifest_path == tmp_path / "final.json"
    assert (tmp_path / "final.mp4").is_file()
