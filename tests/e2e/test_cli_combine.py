"""``combine`` through the real launcher: the output path or one JSON document, exit 1 with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from app.core.media.probe import probe
from tests.helpers.combine_media import add_job, make_clip, make_tone

ROOT = Path(__file__).resolve().parents[2]


def run_cli(library: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), *args],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ), cwd=ROOT)


async def test_combine_prints_the_output_path(services, library_dir, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / f"c{i}.mp4") for i in range(2)])
    out = tmp_path / "out" / "ad.mp4"
    result = run_cli(library_dir, "combine", str(job_id), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    info = await probe(out)
    assert abs(info.duration_s - 2.0) < 0.1 and (info.width, info.height) == (320, 180)


async def test_combine_json_with_transition_aspect_and_music(services, library_dir, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / f"c{i}.mp4", audio=False) for i in range(2)])
    music = make_tone(tmp_path / "tune.m4a")
    out = tmp_path / "vertical.mp4"
    result = run_cli(library_dir, "combine", str(job_id), "--transition", "crossfade", "--aspect", "9:16",
                     "--music", str(music), "--json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["job_id"] == job_id and document["output_path"] == str(out)
    assert (document["width"], document["height"]) == (180, 320)
    assert document["transition"] == "crossfade" and document["aspect"] == "9:16"
    assert document["stream_copy"] is False and document["has_audio"] is True
    assert abs(document["duration_s"] - 1.5) < 0.1  # two 1 s clips overlapping by the default 0.5 s


async def test_a_job_without_succeeded_clips_exits_1(services, library_dir, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / "c.mp4")], statuses=["failed"])
    result = run_cli(library_dir, "combine", str(job_id), "-o", str(tmp_path / "ad.mp4"))
    assert result.returncode == 1
    assert f"job {job_id} has no succeeded clips to combine" in result.stderr
    assert not (tmp_path / "ad.mp4").exists()


async def test_a_missing_clip_file_exits_1_naming_it(services, library_dir, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / "c.mp4"), tmp_path / "lost.mp4"])
    result = run_cli(library_dir, "combine", str(job_id), "-o", str(tmp_path / "ad.mp4"))
    assert result.returncode == 1
    assert "clip 2 (lost.mp4) is missing" in result.stderr
    assert not (tmp_path / "ad.mp4").exists()


def test_an_unknown_transition_is_bad_usage(library_dir, tmp_path) -> None:
    result = run_cli(library_dir, "combine", "1", "--transition", "wipe", "-o", str(tmp_path / "ad.mp4"))
    assert result.returncode == 2
    assert "invalid choice: 'wipe'" in result.stderr


async def test_a_job_with_failed_clips_is_refused_unless_they_are_skipped(services, library_dir, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4") for i in range(5)]
    job_id = await add_job(services, files, statuses=["succeeded", "succeeded", "failed", "succeeded", "canceled"])
    out = tmp_path / "ad.mp4"
    refused = run_cli(library_dir, "combine", str(job_id), "-o", str(out))
    assert refused.returncode == 1
    assert "clip 3 failed, clip 5 was canceled" in refused.stderr and "--skip-failed" in refused.stderr
    assert not out.exists() and (await services.generation.get_job(job_id)).status.value == "succeeded"

    skipped = run_cli(library_dir, "combine", str(job_id), "--skip-failed", "--json", "-o", str(out))
    assert skipped.returncode == 0, skipped.stderr
    document = json.loads(skipped.stdout)
    assert document["clip_count"] == 3 and abs(document["duration_s"] - 3.0) < 0.1
    assert [(c["position"], c["status"]) for c in document["skipped"]] == [(3, "failed"), (5, "canceled")]
    assert "Left out: clip 3 (failed), clip 5 (canceled)" in skipped.stderr
    manifest = json.loads((await services.generation.export(job_id, tmp_path / "delivery" / "ad.mp4"))
                          .read_text(encoding="utf-8"))
    assert [c["position"] for c in manifest["clips"]] == [1, 2, 4]
    assert [(c["position"], c["status"]) for c in manifest["skipped_clips"]] == [(3, "failed"), (5, "canceled")]
