"""``combine`` into several formats through the real launcher, on a job the offline model made: a video, a
manifest and subtitles per format, the campaign's key messages as supers, the brand's end card, loudness measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.media.probe import probe
from app.core.services import Services
from tests.e2e.test_cli_combine import run_cli
from tests.helpers.combine_media import make_tone
from tests.helpers.deliver_media import ebur128, make_logo
from tests.helpers.generation_data import seed_campaign

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
MESSAGES = ["Fresh every morning", "Roasted nearby"]


async def _offline_job(services: Services, tmp_path: Path) -> int:
    """Two 2 s clips made by the offline model, for a campaign with key messages and a brand kit."""
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    library, gen = services.library, services.generation
    campaign = await library.get_campaign(campaign_id)
    await library.update_campaign(campaign_id, key_messages=MESSAGES, product_url="https://acme.test")
    logo = await library.import_brand_file(make_logo(tmp_path / "logo.png"), "logo")
    await library.update_client(campaign.client_id, brand_colors=["#1d4e89"], logo_file=logo, cta="Order today")
    job = (await gen.create_job(await gen.plan(campaign_id, "local", duration_s=2, resolution="480p"))).value
    final = await gen.run_job(job.id)
    assert all(c.status.value == "succeeded" for c in final.clips)
    return job.id


async def test_combine_into_formats_with_end_card_supers_and_loudness(services: Services, library_dir: Path,
                                                                      tmp_path: Path) -> None:
    job_id = await _offline_job(services, tmp_path)
    music = make_tone(tmp_path / "tune.m4a", duration=8.0)
    out = tmp_path / "deliverables"
    result = run_cli(library_dir, "combine", str(job_id), "--formats", "16:9,9:16", "--end-card", "--end-card-seconds",
                     "1.5", "--supers", "auto", "--loudness", "-14", "--music", str(music), "--fit", "crop", "--json",
                     "-o", str(out))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    deliverables = {d["aspect"]: d for d in document["deliverables"]}
    assert set(deliverables) == {"16:9", "9:16"} and document["clip_count"] == 2
    assert document["output_path"] == deliverables["16:9"]["video_path"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"Spring-{slug}.{ext}" for slug in ("16x9", "9x16") for ext in ("json", "mp4", "srt"))
    for aspect, (width, height) in (("16:9", (854, 480)), ("9:16", (480, 854))):
        item = deliverables[aspect]
        info = await probe(Path(item["video_path"]))
        assert (info.width, info.height) == (width, height)
        assert abs(info.duration_s - 5.5) < 0.3  # two 2 s clips cut together, then the 1.5 s end card
        manifest = json.loads(Path(item["manifest_path"]).read_text(encoding="utf-8"))
        assert [s["text"] for s in manifest["supers"]] == MESSAGES
        assert manifest["end_card"]["cta"] == "Order today" and manifest["end_card"]["url"] == "https://acme.test"
        assert manifest["loudness"]["target_lufs"] == -14 and abs(manifest["loudness"]["loudness_lufs"] + 14) < 1.5
        integrated, _peak = ebur128(Path(item["video_path"]))
        assert abs(integrated + 14) < 1.5
        srt = Path(item["srt_path"]).read_text(encoding="utf-8")
        assert srt == ("1\n00:00:00,250 --> 00:00:01,750\nFresh every morning\n\n"
                       "2\n00:00:02,250 --> 00:00:03,750\nRoasted nearby\n")  # each message inside its clip
    job = await services.generation.get_job(job_id)
    assert job.status.value == "succeeded" and job.output_path == deliverables["16:9"]["video_path"]
    assert [d["aspect"] for d in job.output_meta["deliverables"]] == ["16:9", "9:16"]

    exported = await services.generation.export(job_id, tmp_path / "export" / "final.mp4")  # the job's ad exports
    manifest = json.loads(exported.read_text(encoding="utf-8"))
    assert [c["duration_s"] for c in manifest["clips"]] == [2.0, 2.0] and manifest["joins"]["count"] == 1


async def test_a_missing_supers_file_or_an_end_card_with_nothing_to_show_fails_plainly(
        services: Services, library_dir: Path, tmp_path: Path) -> None:
    job_id = await _offline_job(services, tmp_path)
    result = run_cli(library_dir, "combine", str(job_id), "--supers", str(tmp_path / "none.srt"), "-o",
                     str(tmp_path / "ad.mp4"))
    assert result.returncode == 1 and "the supers file" in result.stderr and "does not exist" in result.stderr
    campaign = (await services.library.list_campaigns())[0]
    await services.library.update_client(campaign.client_id, logo_file=None, cta="")
    await services.library.update_campaign(campaign.id, product_url="")
    result = run_cli(library_dir, "combine", str(job_id), "--end-card", "-o", str(tmp_path / "ad.mp4"))
    assert result.returncode == 1 and "the end card needs a logo, a call to action or a product URL" in result.stderr
    assert not (tmp_path / "ad.mp4").exists() and (await services.generation.get_job(job_id)).output_path is None


async def test_a_stored_focus_point_steers_the_crop(services: Services, library_dir: Path, tmp_path: Path) -> None:
    job_id = await _offline_job(services, tmp_path)
    job = await services.generation.get_job(job_id)
    await services.generation.set_clip_focus(job.clips[0].id, (0.1, 0.4))
    result = run_cli(library_dir, "combine", str(job_id), "--aspect", "9:16", "--fit", "crop", "--supers", "none",
                     "--json", "-o", str(tmp_path / "tall.mp4"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "tall.json").read_text(encoding="utf-8"))
    assert [c["focus"] for c in manifest["clips"]] == [[0.1, 0.4], [0.5, 0.5]]
    assert manifest["supers"] == [] and (await probe(tmp_path / "tall.mp4")).height == 854


def test_a_bad_format_or_loudness_is_bad_usage(library_dir: Path, tmp_path: Path) -> None:
    for flags in (["--formats", "16:9,3:2"], ["--loudness", "-16"], ["--transition", "cut,sparkle"]):
        result = run_cli(library_dir, "combine", "1", *flags, "-o", str(tmp_path / "out"))
        assert result.returncode == 2, (flags, result.stderr)
